"""What the server counts: tool calls by tool and outcome, their latency, and the pipeline's `Stats`
(upstream requests by provider and status, retries, cache events, limiter waits, drift)."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

from agent_tools.upstream import Stats

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class LatencyHistogram:
    """Counts per `LATENCY_BUCKETS_S` bucket (the last one is +Inf) and their sum, in seconds."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    sum_s: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        self.sum_s += seconds


class Metrics:
    """Tool calls by tool and outcome (and by client over HTTP), their latency, and the pipeline's `Stats`.

    Recording is plain dict arithmetic on the call path. prometheus_client is imported only
    when /metrics is scraped (`prometheus_text.render`, HTTP only), which keeps it out of every
    stdio server's start-up.
    """

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.calls: Counter[tuple[str, str]] = Counter()
        self.clients: Counter[tuple[str, str]] = Counter()  # (client name, outcome), HTTP callers only
        self.latency: dict[str, LatencyHistogram] = {}

    def observe_call(self, tool: str, outcome: str, seconds: float) -> None:
        self.calls[(tool, outcome)] += 1
        histogram = self.latency.get(tool)
        if histogram is None:
            histogram = self.latency[tool] = LatencyHistogram()
        histogram.observe(seconds)
