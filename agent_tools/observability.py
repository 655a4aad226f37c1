"""Structured logs, Prometheus metrics and optional OpenTelemetry traces.

Logs: one JSON object per line on stderr (stdout belongs to the stdio transport), with
the tool call's request id on every line it causes. Nothing secret is ever logged: the
pipeline logs provider, method, path (never the query) and status, and httpx's own
URL-carrying logs are silenced.

Metrics: tool calls by tool and outcome, latency histograms, and the pipeline's own
counters (upstream requests by provider and status, retries, cache hits, misses and
stale serves, limiter waits), read live from `Stats` at scrape time.

Traces: the MCP SDK and our upstream calls emit OpenTelemetry spans through the API,
which is a no-op unless the `otel` extra is installed and OTEL_EXPORTER_OTLP_ENDPOINT set.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import logging
import os
import sys
from collections.abc import Generator, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from agent_tools.upstream._core import Stats

request_id: ContextVar[str | None] = ContextVar("agent_tools_request_id", default=None)
_ID_PREFIX = os.urandom(4).hex() + "-"  # unique per process, so replicas' ids never collide
_ID_COUNTER = itertools.count(1)
tracer = trace.get_tracer("agent_tools")

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            line["request_id"] = rid
        line.update(
            {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        )
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("agent_tools").setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "mcp", "uvicorn.access"):  # httpx logs full URLs, keys included
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configure_tracing()


def _configure_tracing() -> None:
    """Export spans over OTLP when the `otel` extra is installed and an endpoint is configured."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    try:
        sdk = importlib.import_module("opentelemetry.sdk.trace")
        export = importlib.import_module("opentelemetry.sdk.trace.export")
        resources = importlib.import_module("opentelemetry.sdk.resources")
        otlp = importlib.import_module("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    except ImportError:
        logging.getLogger("agent_tools").warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the otel extra is missing"
        )
        return
    provider = sdk.TracerProvider(resource=resources.Resource.create({"service.name": "agent-tools"}))
    provider.add_span_processor(export.BatchSpanProcessor(otlp.OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


@contextlib.contextmanager
def tool_call_scope() -> Generator[str]:
    """A fresh request id for one tool call, on every log line the call causes."""
    rid = f"{_ID_PREFIX}{next(_ID_COUNTER):x}"
    token = request_id.set(rid)
    try:
        yield rid
    finally:
        request_id.reset(token)


class _PipelineCollector(Collector):
    def __init__(self, stats: Stats) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        s = self._stats
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
        return [requests, retries, cache, waits]


class Metrics:
    """One registry per server process (and per test), never the global default."""

    def __init__(self, stats: Stats) -> None:
        self.registry = CollectorRegistry()
        self.tool_calls = Counter(
            "agent_tools_tool_calls",
            "Tool calls by tool and outcome",
            ["tool", "outcome"],
            registry=self.registry,
        )
        self.tool_latency = Histogram(
            "agent_tools_tool_latency_seconds",
            "Tool call latency",
            ["tool"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.registry.register(_PipelineCollector(stats))
        self._children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}

    def observe_call(self, tool: str, outcome: str, seconds: float) -> None:
        children = self._children.get((tool, outcome))
        if children is None:  # labels() takes a lock and builds a key: do it once per (tool, outcome)
            children = self._children[(tool, outcome)] = (
                self.tool_calls.labels(tool, outcome),
                self.tool_latency.labels(tool),
            )
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
