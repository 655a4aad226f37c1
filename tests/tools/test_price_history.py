"""get_price_history through the in-memory MCP client, against the history fakes."""

from __future__ import annotations

import base64
import io
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp.types import CallToolResult

from agent_tools.domain import history as h
from agent_tools.services import Services
from agent_tools.tools._chart import LINE, Chart, render_png
from tests.conftest import call, call_error, connect, make_settings
from tests.fakes.grades import GradeFake
from tests.fakes.upstream import NOW, Fault

pytestmark = pytest.mark.looptime

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = datetime.fromtimestamp(NOW, UTC).replace(hour=0, minute=0, second=0)


@pytest.fixture
def fake() -> GradeFake:
    return GradeFake()


def _image(result: CallToolResult) -> bytes:
    [image] = [block for block in result.content if block.type == "image"]
    assert image.mime_type == "image/png"
    return base64.b64decode(image.data)


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_default_answer_is_daily_closes_of_30_days_under_4_kb(
    services: Services, fake: GradeFake
) -> None:
    async with connect(services) as client:
        result = await client.call_tool("get_price_history", {"symbol": "BTC"})
    out = result.structured_content
    assert not result.is_error and out is not None
    assert [b.type for b in result.content] == ["text"]
    assert json.loads(result.content[0].text) == out  # type: ignore[union-attr]
    assert len(json.dumps(out)) <= 4096
    assert (out["asset_id"], out["interval"], out["source"], out["stale"]) == (
        "bitcoin",
        "daily",
        "coingecko",
        False,
    )
    points = out["points"]
    assert len(points) == 30 and points[0]["t"].endswith("Z")
    stamps = [_stamp(p["t"]) for p in points]
    assert stamps == [TODAY - timedelta(days=29 - i) for i in range(30)]  # oldest first, one per UTC day
    assert points[-1]["close"] == 97000.0 and points[-1]["open"] is None and points[-1]["volume"] > 0
    closes = [p["close"] for p in points]
    assert out["stats"]["change_pct"] == pytest.approx((closes[-1] / closes[0] - 1) * 100, abs=0.01)
    assert out["stats"]["high"] == max(closes) and out["stats"]["low"] == min(closes)
    assert out["merged"] is None and out["warnings"] == []
    [chart] = [r for r in fake.requests if r.url.path.endswith("/market_chart")]
    assert dict(chart.url.params) == {"vs_currency": "usd", "days": "365", "interval": "daily"}  # get_grade's


async def test_long_ranges_are_merged_to_fit_and_say_so(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price_history", symbol="ETH", days=365, interval="daily")
        everything = await call(
            client, "get_price_history", symbol="ETH", days=365, interval="daily", limit=5000
        )
    assert len(json.dumps(out)) <= 4096
    merged = out["merged"]
    assert merged["bars"] == 365 and merged["points"] == len(out["points"]) < 365
    assert merged["bars_per_point"] == math.ceil(365 / merged["points"])
    assert any("merged" in w and "pass limit" in w for w in out["warnings"])
    assert len(everything["points"]) == 365 and everything["merged"] is None
    assert out["stats"] == everything["stats"]  # stats read every bar either way
    assert out["points"][-1]["close"] == everything["points"][-1]["close"] == 2700.0
    first = everything["points"][0]["t"]
    assert out["points"][0]["t"] == first


async def test_limit_caps_the_points(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price_history", symbol="ETH", days=90, limit=10)
    assert len(out["points"]) == 10 and out["merged"] == {"bars": 90, "points": 10, "bars_per_point": 9}


async def test_short_daily_ranges_are_candles_from_coingecko_ohlc(
    services: Services, fake: GradeFake
) -> None:
    async with connect(services) as client:
        out = await call(
            client, "get_price_history", symbol="ETH", days=10, interval="daily", vs_currency="EUR"
        )
    assert out["currency"] == "eur" and len(out["points"]) == 10
    assert all(p["open"] is not None and p["low"] <= p["close"] <= p["high"] for p in out["points"])
    [ohlc] = [r for r in fake.requests if r.url.path.endswith("/ohlc")]
    assert dict(ohlc.url.params) == {"vs_currency": "eur", "days": "14"}


async def test_auto_interval_is_hourly_for_a_week_and_weekly_for_ten_years(services: Services) -> None:
    async with connect(services) as client:
        week = await call(client, "get_price_history", symbol="ETH", days=3, limit=5000)
        decade = await call(client, "get_price_history", symbol="BTC", days=3650, limit=5000)
    assert week["interval"] == "hourly" and len(week["points"]) == 72
    assert decade["interval"] == "weekly" and len(decade["points"]) == 522 and decade["source"] == "binance"
    assert _stamp(decade["points"][-1]["t"]).weekday() == 0
    assert "CoinGecko's plan serves 365 days of history, not 3650" in decade["warnings"]


async def test_ambiguous_ticker_picks_the_largest_and_names_the_others(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price_history", symbol="SOL")
    assert out["asset_id"] == "solana" and out["alternatives"] == ["sol-wormhole"]
    assert any("SOL is ambiguous: picked solana" in w for w in out["warnings"])


async def test_unknown_symbol_is_not_found_with_the_search_hint(services: Services) -> None:
    async with connect(services) as client:
        error = await call_error(client, "get_price_history", symbol="nosuchcoin")
    assert error["code"] == "NOT_FOUND" and "search_assets" in error["hint"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"symbol": "BTC", "days": 0},
        {"symbol": "BTC", "days": 100000},
        {"symbol": "BTC", "interval": "minutely"},
        {"symbol": "BTC", "limit": 0},
        {"symbol": "BTC", "days": 91, "interval": "hourly"},
        {"symbol": "BTC", "vs_currency": "zz"},
        {"symbol": "BTC", "vs_currency": "eur", "days": 400},  # only CoinGecko has EUR, a year on free plans
        {"symbol": "BTC", "days": "NaN"},
        {"symbol": "ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"},
        {"symbol": "BTC", "chart": "maybe"},
        {"symbol": "BTC", "extra": 1},
    ],
)
async def test_bad_input_is_refused_before_any_request(
    services: Services, fake: GradeFake, arguments: dict[str, Any]
) -> None:
    async with connect(services) as client:
        error = await call_error(client, "get_price_history", **arguments)
    assert error["code"] == "INVALID_ARGUMENT"
    assert fake.requests == []


async def test_offline_uses_the_grades_snapshot_and_says_how_old(fake: GradeFake) -> None:
    async with Services(make_settings(offline=True), transport=fake.transport) as services:
        async with connect(services) as client:
            out = await call(client, "get_price_history", symbol="ETH", days=60, limit=60)
            grade = await call(client, "get_grade", symbol="ETH")
    assert fake.requests == []
    assert out["source"] == "snapshot" and out["stale"] is True
    assert out["points"][-1]["t"] == "2025-02-20T00:00:00Z" and grade["as_of"] == "2025-02-20"
    assert out["as_of"] == "2025-02-20T23:59:59Z"
    [note] = [w for w in out["warnings"] if "snapshot" in w]
    assert "offline mode" in note and "ending 2025-02-20" in note and "days old" in note
    assert any("ending 2025-02-20" in w and "days old" in w for w in grade["warnings"])  # the same snapshot


async def test_offline_in_another_currency_is_unavailable(fake: GradeFake) -> None:
    async with Services(make_settings(offline=True), transport=fake.transport) as services:
        async with connect(services) as client:
            error = await call_error(client, "get_price_history", symbol="ETH", vs_currency="eur")
    assert error["code"] == "UPSTREAM_UNAVAILABLE" and "USD prices only" in error["message"]


async def test_spent_coingecko_budget_answers_from_binance_at_once(fake: GradeFake) -> None:
    async with Services(make_settings(coingecko_rate_per_min=4), transport=fake.transport) as services:
        async with connect(services) as client:
            await call(client, "search_assets", query="bitcoin")
            await call(client, "search_assets", query="ethereum")
            started = services.clock.now()
            out = await call(client, "get_price_history", symbol="ETH", days=90)
            assert services.clock.now() - started < 1.0
    assert out["source"] == "binance" and out["stale"] is False
    assert all(p["open"] is not None for p in out["points"])
    assert any("request budget nearly spent" in w for w in out["warnings"])
    assert fake.count("coingecko", "/api/v3/coins/ethereum") == 0


async def test_coingecko_rate_limited_falls_back_without_an_error(
    services: Services, fake: GradeFake
) -> None:
    async with connect(services) as client:
        await call(client, "get_price", symbols=["ETH"])
        fake.fail_always("coingecko", Fault("status", 429, headers={"retry-after": "120"}))
        out = await call(client, "get_price_history", symbol="ETH", days=30)
    assert out["source"] == "binance"
    assert any("coingecko unavailable" in w and "try again in 120 s" in w for w in out["warnings"])


async def test_every_source_rate_limited_is_one_rate_limited_error(
    services: Services, fake: GradeFake
) -> None:
    async with connect(services) as client:
        await call(client, "get_price", symbols=["UNI"])  # warm the coin list
        for provider, wait in (("coingecko", "90"), ("defillama", "60")):  # no Binance pair: UNI is Uniswap
            fake.fail_always(provider, Fault("status", 429, headers={"retry-after": wait}))
        error = await call_error(client, "get_price_history", symbol="unicorn-token")  # not in the snapshot
    assert error["code"] == "UPSTREAM_RATE_LIMITED" and error["retry_after_s"] == 60.0


# --- the chart -----------------------------------------------------------------------------------


def _png_text(png: bytes) -> dict[str, str]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (800, 450)
        return dict(image.text)  # type: ignore[attr-defined]


async def test_chart_is_one_png_of_the_requested_series(services: Services) -> None:
    async with connect(services) as client:
        result = await client.call_tool("get_price_history", {"symbol": "ETH", "days": 90, "chart": True})
    out = result.structured_content
    assert not result.is_error and out is not None
    assert [b.type for b in result.content] == ["text", "image"]
    png = _image(result)
    assert png.startswith(PNG_SIGNATURE) and len(png) <= 200_000
    text = _png_text(png)
    first = (TODAY - timedelta(days=89)).date().isoformat()
    assert (
        text["Title"] == f"ETH (ethereum) · {first} to {TODAY.date().isoformat()} · daily · source coingecko"
    )
    assert text["Description"].startswith(f"90 daily bars of ethereum in USD from {first}")
    assert "last close 2700" in text["Description"] and text["Description"].endswith("closes")
    assert len(json.dumps(out)) <= 4096  # the image is content, not structured data


async def test_chart_from_the_snapshot_says_stale(fake: GradeFake) -> None:
    async with Services(make_settings(offline=True), transport=fake.transport) as services:
        async with connect(services) as client:
            result = await client.call_tool(
                "get_price_history", {"symbol": "BTC", "days": 365, "chart": True}
            )
    text = _png_text(_image(result))
    assert text["Title"].endswith("source snapshot · stale") and text["Source"] == "snapshot"


def _bars(closes: list[float], candles: bool = False) -> list[h.Bar]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i, c in enumerate(closes):
        o = closes[i - 1] if i else 2 * c - closes[1]  # the first candle moves like the next one
        extra = {"open": o, "high": max(o, c) * 1.01, "low": min(o, c) * 0.99} if candles else {}
        out.append(h.Bar(start + timedelta(days=i), c, **extra))  # type: ignore[arg-type]
    return out


def _rgb(png: bytes) -> Any:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB").load(), image.size


def _line_height(png: bytes, columns: range) -> float:
    """Mean row of the line's pixels in `columns` (rows grow downwards)."""
    pixels, (_, height) = _rgb(png)
    target = tuple(int(LINE[i : i + 2], 16) for i in (1, 3, 5))
    rows = [
        y
        for x in columns
        for y in range(height)
        if all(abs(a - b) < 40 for a, b in zip(pixels[x, y], target, strict=True))
    ]
    assert rows, "no line pixels in these columns"
    return sum(rows) / len(rows)


@pytest.mark.parametrize(
    ("closes", "rising"),
    [([float(i) for i in range(1, 61)], True), ([float(60 - i) for i in range(60)], False)],
)
def test_the_line_follows_the_series(closes: list[float], rising: bool) -> None:
    png = render_png(Chart("T", _bars(closes), "usd", "d", "coingecko"))
    left, right = _line_height(png, range(150, 200)), _line_height(png, range(650, 700))
    assert (right < left) is rising  # a higher price is drawn nearer the top


def test_candles_are_green_when_the_series_rises_and_red_when_it_falls() -> None:
    from agent_tools.tools._chart import DOWN, UP

    def count(png: bytes, colour: str) -> int:
        pixels, (width, height) = _rgb(png)
        target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(1 for x in range(width) for y in range(height) if pixels[x, y] == target)

    up = render_png(Chart("T", _bars([float(i) for i in range(10, 40)], candles=True), "usd", "d", "binance"))
    down = render_png(
        Chart("T", _bars([float(i) for i in range(40, 10, -1)], candles=True), "usd", "d", "binance")
    )
    assert count(up, UP) > 1000 and count(up, DOWN) == 0
    assert count(down, DOWN) > 1000 and count(down, UP) == 0


def test_many_candles_are_merged_before_drawing() -> None:
    png = render_png(
        Chart("T", _bars([100.0 + math.sin(i / 9) * 10 for i in range(2000)], True), "usd", "d", "x")
    )
    assert png.startswith(PNG_SIGNATURE) and len(png) <= 200_000


async def test_tool_is_listed_with_annotations(services: Services) -> None:
    async with connect(services) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    tool = tools["get_price_history"]
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert tool.annotations.open_world_hint is True
    assert tool.output_schema is not None
    assert {"points", "stats", "source", "as_of", "stale", "warnings", "interval"} <= set(
        tool.output_schema["properties"]
    )
    schema = tool.input_schema["properties"]
    assert schema["days"]["minimum"] == 1 and schema["days"]["maximum"] == 3650
    assert schema["interval"]["enum"] == ["auto", "hourly", "daily", "weekly"]
