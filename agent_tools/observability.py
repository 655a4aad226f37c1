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

import asyncio
import contextlib
import importlib
import itertools
import logging
import os
import sys
from collections.abc import Generator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import pydantic_core
from opentelemetry import trace

request_id: ContextVar[str | None] = ContextVar("agent_tools_request_id", default=None)
_ID_PREFIX = os.urandom(4).hex() + "-"  # unique per process, so replicas' ids never collide
_ID_COUNTER = itertools.count(1)
tracer = trace.get_tracer("agent_tools")

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id and the record's extras.

    Runs once per tool call on the server's hot path, so it encodes with pydantic-core (a quarter
    of `json.dumps`' time) and picks the extras by set difference.
    """

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
        fields = record.__dict__
        for key in fields.keys() - _STANDARD:
            if not key.startswith("_"):
                line[key] = fields[key]
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return pydantic_core.to_json(line, fallback=str).decode()


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    """A stream handler that, inside an event loop, writes INFO lines in batches.

    A busy server logs a line per tool call, and one write to stderr per line is a system call
    per call (over stdio, a tenth of a warm call's cost). Lines below WARNING wait for at most
    `FLUSH_AFTER_S`, then go out in one write; a WARNING or worse flushes everything at once, as
    does logging's own shutdown at exit. Outside an event loop (or in another thread) every line
    is written at once.
    """

    FLUSH_AFTER_S = 0.2

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._pending.append(self.format(record))
        except Exception:
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or record.levelno >= logging.WARNING:
            self._write_pending()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_later(self.FLUSH_AFTER_S, self.flush)

    def flush(self) -> None:
        with self.lock or contextlib.nullcontext():
            self._write_pending()
            super().flush()

    def _write_pending(self) -> None:
        self._scheduled = False
        if self._pending:
            text = "\n".join(self._pending) + self.terminator
            self._pending.clear()
            self.stream.write(text)
            self.stream.flush()


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Our loggers at `level` on stderr, everything else at WARNING.

    Neither format shows where a call was made, so the caller lookup (a stack walk per record),
    thread and process names are switched off, as the logging HOWTO's "Optimization" advises.
    """
    logging._srcfile = None  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BatchingStreamHandler(sys.stderr)
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
