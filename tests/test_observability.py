"""Structured logs (one JSON line per tool call and upstream request, with a request id) and metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from agent_tools.metrics import Metrics
from agent_tools.observability import JsonFormatter, configure_logging
from agent_tools.prometheus_text import render
from agent_tools.services import Services
from agent_tools.upstream import Stats
from tests.conftest import call, call_error, connect, make_settings
from tests.fakes.upstream import FakeUpstream


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Our loggers at INFO into a buffer, formatted as in production."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("agent_tools")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_one_json_line_per_tool_call_and_upstream_request_sharing_a_request_id(
    json_logs: io.StringIO, fake: FakeUpstream
) -> None:
    key = "CG-very-secret-key"
    settings = make_settings(coingecko_api_key=SecretStr(key))
    async with Services(settings, transport=fake.transport) as services, connect(services) as client:
        await call(client, "get_price", symbols=["BTC"])
        await call_error(client, "get_price", symbols=[])
    records = lines(json_logs)
    tool_lines = [r for r in records if r["msg"] == "tool call"]
    upstream = [r for r in records if r["msg"] == "upstream request"]
    assert [(r["tool"], r["outcome"]) for r in tool_lines] == [
        ("get_price", "ok"),
        ("get_price", "INVALID_ARGUMENT"),
    ]
    assert len(upstream) == 3  # coin list, simple price, DefiLlama
    first_call = tool_lines[0]["request_id"]
    assert first_call and all(r["request_id"] == first_call for r in upstream)
    assert tool_lines[1]["request_id"] != first_call
    assert {r["provider"] for r in upstream} == {"coingecko", "defillama"}
    assert key not in json_logs.getvalue()


async def test_metrics_count_tool_calls_and_upstream_requests(services: Services) -> None:
    async with connect(services) as client:
        await call(client, "get_price", symbols=["BTC"])
        await call(client, "get_price", symbols=["BTC"])
        await call_error(client, "no_such_tool")
    text = render(services.metrics)[0].decode()
    assert 'agent_tools_tool_calls_total{outcome="ok",tool="get_price"} 2.0' in text
    assert 'agent_tools_tool_calls_total{outcome="NOT_FOUND",tool="unknown"} 1.0' in text
    assert 'agent_tools_upstream_requests_total{provider="coingecko",status="200"} 2.0' in text
    assert 'agent_tools_cache_events_total{event="hit",provider="coingecko"}' in text
    assert "agent_tools_tool_latency_seconds_bucket" in text


def test_configure_logging_silences_url_logging_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    for flag in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):  # restored after the test
        monkeypatch.setattr(logging, flag, getattr(logging, flag))
    configure_logging("INFO", "json")
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("agent_tools").getEffectiveLevel() == logging.INFO
    record = logging.getLogger("agent_tools").makeRecord("agent_tools", logging.INFO, "", 0, "m", (), None)
    assert record.threadName is None and record.processName is None  # not looked up: no format shows them
    assert logging._srcfile is None  # no stack walk per record  # pyright: ignore[reportPrivateUsage]
    logging.getLogger().handlers[:] = []


def test_latency_histogram_is_cumulative_with_inclusive_bounds() -> None:
    metrics = Metrics(Stats())
    for seconds in (0.005, 0.3, 0.3, 100.0):  # on a bound, inside one, past the last
        metrics.observe_call("get_price", "ok", seconds)
    body, content_type = render(metrics)
    text = body.decode()
    assert content_type.startswith("text/plain")
    assert 'agent_tools_tool_latency_seconds_bucket{le="0.005",tool="get_price"} 1.0' in text
    assert 'agent_tools_tool_latency_seconds_bucket{le="0.25",tool="get_price"} 1.0' in text
    assert 'agent_tools_tool_latency_seconds_bucket{le="0.5",tool="get_price"} 3.0' in text
    assert 'agent_tools_tool_latency_seconds_bucket{le="30.0",tool="get_price"} 3.0' in text
    assert 'agent_tools_tool_latency_seconds_bucket{le="+Inf",tool="get_price"} 4.0' in text
    assert 'agent_tools_tool_latency_seconds_sum{tool="get_price"} 100.605' in text
    assert 'agent_tools_tool_calls_total{outcome="ok",tool="get_price"} 4.0' in text


@pytest.mark.looptime
async def test_info_lines_are_written_in_batches_and_warnings_at_once() -> None:
    """In the event loop, INFO lines wait up to FLUSH_AFTER_S so a busy server makes one write per batch
    (a write is a system call per tool call otherwise); a warning flushes everything at once."""
    import asyncio

    from agent_tools.observability import BatchingStreamHandler

    class Stream(io.StringIO):
        writes = 0

        def write(self, s: str) -> int:
            self.writes += 1
            return super().write(s)

    stream = Stream()
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("agent_tools.test_batching")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        for i in range(5):
            logger.info("tool call", extra={"n": i})
        assert stream.getvalue() == ""  # pending, not lost: flushed by the loop shortly
        await asyncio.sleep(BatchingStreamHandler.FLUSH_AFTER_S * 2)
        assert [json.loads(line)["n"] for line in stream.getvalue().splitlines()] == [0, 1, 2, 3, 4]
        assert stream.writes == 1
        logger.info("one more")
        logger.warning("something is wrong")
        assert [json.loads(line)["msg"] for line in stream.getvalue().splitlines()[5:]] == [
            "one more",
            "something is wrong",
        ]
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_outside_an_event_loop_every_line_is_written_at_once() -> None:
    from agent_tools.observability import BatchingStreamHandler

    stream = io.StringIO()
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.handle(logging.makeLogRecord({"msg": "hello", "levelno": logging.INFO, "levelname": "INFO"}))
    assert json.loads(stream.getvalue())["msg"] == "hello"
