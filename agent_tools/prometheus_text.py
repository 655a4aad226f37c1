"""The /metrics body: `observability.Metrics` as Prometheus text, built when scraped.

Imported only when /metrics is scraped (transport.py), so a server that is never scraped (every stdio one)
never imports prometheus_client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import accumulate
from typing import Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from agent_tools.metrics import LATENCY_BUCKETS_S, Metrics

_BOUNDS = [*map(str, LATENCY_BUCKETS_S), "+Inf"]  # "0.005", ..., "1.0", as prometheus_client writes them


class _Collector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        m, s = self._metrics, self._metrics.stats
        latency = HistogramMetricFamily(
            "agent_tools_tool_latency_seconds", "Tool call latency", labels=["tool"]
        )
        for tool, histogram in m.latency.items():
            cumulative = accumulate(histogram.counts)
            latency.add_metric([tool], list(zip(_BOUNDS, cumulative, strict=True)), histogram.sum_s)
        return [
            _counter(
                "agent_tools_tool_calls", "Tool calls by tool and outcome", ["tool", "outcome"], m.calls
            ),
            _counter(
                "agent_tools_client_calls",
                "Tool calls by HTTP client (its name in the clients file; never a token) and outcome",
                ["client", "outcome"],
                m.clients,
            ),
            latency,
            _counter(
                "agent_tools_upstream_requests",
                "Upstream HTTP requests by provider and status",
                ["provider", "status"],
                s.requests,
            ),
            _counter("agent_tools_upstream_retries", "Upstream retries", ["provider"], s.retries),
            _counter(
                "agent_tools_cache_events",
                "Cache hits, misses, shared hits and stale serves",
                ["provider", "event"],
                s.cache,
            ),
            _counter(
                "agent_tools_upstream_drift",
                "Upstream bodies not in the documented shape (schema drift), by provider",
                ["provider"],
                s.drift,
            ),
            _counter(
                "agent_tools_limiter_waits",
                "Requests delayed by the rate limiter",
                ["provider"],
                s.limiter_waits,
            ),
        ]


def _counter(
    name: str, documentation: str, labels: list[str], counts: Mapping[Any, int]
) -> CounterMetricFamily:
    """A counter family from counts keyed by a label value, or by a tuple of them in `labels` order."""
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, n in counts.items():
        values: list[str] = list(cast(tuple[str, ...], key)) if isinstance(key, tuple) else [key]
        family.add_metric(values, n)
    return family


def render(metrics: Metrics) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(metrics))
    return generate_latest(registry), CONTENT_TYPE_LATEST
