"""Structured logs, Prometheus metrics and optional OpenTelemetry traces.

Logs: one JSON object per line on stderr (stdout belongs to the stdio transport), with
the tool call's request id on every line it causes. Nothing secret is ever logged: the
pipeline logs provider, method, path (never the query) and status, and httpx's own
URL-carrying logs are silenced.

Metrics live in `agent_tools.metrics` (recording) and `agent_tools.prometheus_text` (the
/metrics body, built only when scraped).

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
from collections.abc import Generator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

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
