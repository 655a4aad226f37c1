"""The /metrics body: `observability.Metrics` as Prometheus text, built when scraped.

Imported only by `Metrics.render`, so a server that is never scraped (every stdio one)
never imports prometheus_client.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from agent_tools.observability import LATENCY_BUCKETS_S, Metrics

_BOUNDS = [*map(str, LATENCY_BUCKETS_S), "+Inf"]  # "0.005", ..., "1.0", as prometheus_client writes them


class _Collector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        m, s = self._metrics, self._metrics.stats
        calls = CounterMetricFamily(
            "agent_tools_tool_calls", "Tool calls by tool and outcome", labels=["tool", "outcome"]
        )
        for (tool, outcome), n in m.calls.items():
            calls.add_metric([tool, outcome], n)
        latency = HistogramMetricFamily(
            "agent_tools_tool_latency_seconds", "Tool call latency", labels=["tool"]
        )
        for tool, histogram in m.latency.items():
            cumulative = accumulate(histogram.counts)
            latency.add_metric([tool], list(zip(_BOUNDS, cumulative, strict=True)), histogram.sum_s)
        requests = CounterMetricFamily(
            "agent_tools_upstream_requests",
            "Upstream HTTP requests by provider and status",
            labels=["provider", "status"],
        )
        for (provider, status), n in s.requests.items():
            requests.add_metric([provider, status], n)
        retries = CounterMetricFamily("agent_tools_upstream_retries", "Upstream retries", labels=["provider"])
        for provider, n in s.retries.items():
            retries.add_metric([provider], n)
        cache = CounterMetricFamily(
            "agent_tools_cache_events",
            "Cache hits, misses, shared hits and stale serves",
            labels=["provider", "event"],
        )
        for (provider, event), n in s.cache.items():
            cache.add_metric([provider, event], n)
        waits = CounterMetricFamily(
            "agent_tools_limiter_waits", "Requests delayed by the rate limiter", labels=["provider"]
        )
        for provider, n in s.limiter_waits.items():
            waits.add_metric([provider], n)
        return [calls, latency, requests, retries, cache, waits]


def render(metrics: Metrics) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(metrics))
    return generate_latest(registry), CONTENT_TYPE_LATEST
