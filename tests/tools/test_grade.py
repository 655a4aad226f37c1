"""get_grade through the in-memory MCP client, against the market_chart and Token Metrics fakes."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from agent_tools.services import Services
from tests.conftest import call, call_error, connect, make_settings
from tests.fakes.grades import TM_KEY, GradeFake, loopback
from tests.fakes.upstream import Fault


@pytest.fixture
def fake() -> GradeFake:
    return GradeFake()


@pytest.fixture
async def tm_services(fake: GradeFake) -> AsyncIterator[Services]:
    async with Services(make_settings(tokenmetrics_api_key=SecretStr(TM_KEY)), transport=fake.transport) as s:
        yield s


def _weights_by_horizon(out: dict[str, Any]) -> dict[str, float]:
    sums: dict[str, float] = {}
    for factor in out["factors"]:
        if factor["score"] is not None:
            sums[factor["horizon"]] = sums.get(factor["horizon"], 0.0) + factor["weight"]
        else:
            assert factor["weight"] == 0.0
    return sums


async def test_offline_answers_from_the_snapshot_with_factors(fake: GradeFake) -> None:
    async with Services(make_settings(offline=True), transport=fake.transport) as services:
        async with connect(services) as client:
            out = await call(client, "get_grade", symbol="ETH")
    assert fake.requests == []
    assert out["source"] == "open-model" and out["stale"] is True
    assert out["asset_id"] == "ethereum" and out["as_of"] == "2025-02-20"
    assert out["history_days"] == 366 and out["history_source"] == "snapshot"  # the window live grades read
    assert 0 <= out["trader_grade"] <= 100 and 0 <= out["investor_grade"] <= 100
    assert out["signal"] in ("bullish", "bearish", "neutral")
    names = {f["name"] for f in out["factors"]}
    assert {"drawdown_90d", "rsi_14", "volatility_90d", "volatility_365d"} <= names
    assert all(f["weight"] > 0 for f in out["factors"])  # weight-0 factors stay in the docs, not the answer
    assert any(
        "offline mode" in w and "yahoo_daily/ETH-USD_1d.csv" in w and "days old" in w for w in out["warnings"]
    )
    model = out["model"]
    assert [a["metric"] for a in model["accuracy"]] == [
        "trader grade IC",
        "investor risk_IC",
        "365-day volatility risk_IC (baseline)",
    ]
    assert model["fitted_at"] == "2026-12-01" and "holdout" in model["measured_on"]
    assert "risk grade" in model["what"]


async def test_live_open_model_from_market_chart(services: Services, fake: GradeFake) -> None:
    async with connect(services) as client:
        out = await call(client, "get_grade", symbol="ETH")
    assert out["source"] == "open-model" and out["stale"] is False
    assert out["as_of"] == "2026-05-28" and out["history_days"] == 366
    assert out["history_source"] == "coingecko"
    assert 0 <= out["trader_grade"] <= 100 and 0 <= out["investor_grade"] <= 100
    weights = _weights_by_horizon(out)
    assert weights.keys() == {"trader", "investor"}
    assert all(math.isclose(total, 1.0, abs_tol=1e-3) for total in weights.values())
    by_name = {f["name"]: f for f in out["factors"]}
    assert by_name["volatility_365d"]["value"] > 0 and by_name["volatility_365d"]["weight"] == 0.5
    [chart] = [r for r in fake.requests if r.url.path.endswith("/market_chart")]
    assert chart.url.path == "/api/v3/coins/ethereum/market_chart"
    assert dict(chart.url.params) == {"vs_currency": "usd", "days": "365", "interval": "daily"}
    assert len(json.dumps(out)) < 4096


async def test_ambiguous_ticker_picks_the_largest_market_cap(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_grade", symbol="SOL")
    assert out["asset_id"] == "solana"
    [warning] = [w for w in out["warnings"] if "ambiguous" in w]
    assert "picked solana" in warning and "sol-wormhole" in warning


async def test_too_little_history_gives_null_grades_and_says_why(services: Services, fake: GradeFake) -> None:
    fake.history_days["solana"] = 60
    async with connect(services) as client:
        out = await call(client, "get_grade", symbol="solana")
    assert out["trader_grade"] is None and out["investor_grade"] is None and out["signal"] is None
    assert out["history_days"] == 60
    assert any("trader grade needs 120 days" in w for w in out["warnings"])
    assert any("investor grade needs 365 days" in w for w in out["warnings"])


async def test_tokenmetrics_answers_when_a_key_is_set(tm_services: Services, fake: GradeFake) -> None:
    async with connect(tm_services) as client:
        out = await call(client, "get_grade", symbol="ETH")
    assert out["source"] == "tokenmetrics" and out["stale"] is False
    assert out["trader_grade"] == 71.39 and out["investor_grade"] == 80.1 and out["signal"] == "bullish"
    assert [(f["name"], f["score"], f["weight"]) for f in out["factors"]] == [
        ("ta_grade", 67.79, None),
        ("quant_grade", 55.82, None),
    ]
    [grades_request] = fake.tm_requests("/v2/trader-grades")
    assert out["as_of"] == grades_request.url.params["endDate"]  # the newest DATE, not the first row's
    assert grades_request.url.params["token_id"] == "22600"  # Ethereum, not the other "ETH" token
    assert out["model"] == {
        "what": "Token Metrics' own grades",
        "accuracy": [],
        "measured_on": None,
        "fitted_at": None,
    }
    assert all(r.headers["api_key"] == TM_KEY for r in fake.tm_requests())
    assert not any(r.url.path.endswith("/market_chart") for r in fake.requests)
    assert out["warnings"] == []


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (Fault("status", 401, body={"success": False, "message": "Invalid API key"}), "NOT_CONFIGURED"),
        (Fault("status", 403, body={"success": False, "message": "Forbidden"}), "NOT_CONFIGURED"),
        (
            Fault("status", 200, body={"success": False, "message": "Monthly API quota exceeded"}),
            "UPSTREAM_RATE_LIMITED",
        ),
    ],
)
async def test_tokenmetrics_refusal_falls_back_to_the_open_model(
    tm_services: Services, fake: GradeFake, fault: Fault, why: str
) -> None:
    fake.fail("tokenmetrics", fault)
    async with connect(tm_services) as client:
        out = await call(client, "get_grade", symbol="ETH")
    assert out["source"] == "open-model" and out["trader_grade"] is not None
    [warning] = [w for w in out["warnings"] if "Token Metrics" in w]
    assert why in warning and "open model" in warning
    assert TM_KEY not in json.dumps(out)
    assert len(fake.tm_requests()) == 1  # a refusal is not retried


async def test_wrong_key_is_reported_and_falls_back(tm_services: Services, fake: GradeFake) -> None:
    fake.tm_key = "another-key"
    async with connect(tm_services) as client:
        out = await call(client, "get_grade", symbol="BTC")
    assert out["source"] == "open-model"
    assert any("rejected the API key" in w for w in out["warnings"])


@pytest.mark.looptime
async def test_tokenmetrics_outage_falls_back_to_the_open_model(
    tm_services: Services, fake: GradeFake
) -> None:
    fake.fail_always("tokenmetrics", Fault("status", 503))
    async with connect(tm_services) as client:
        out = await call(client, "get_grade", symbol="ETH")
    assert out["source"] == "open-model" and out["stale"] is False
    assert any("UPSTREAM_UNAVAILABLE" in w and "HTTP 503" in w for w in out["warnings"])


async def test_tokenmetrics_without_the_token_falls_back(tm_services: Services, fake: GradeFake) -> None:
    async with connect(tm_services) as client:
        out = await call(client, "get_grade", symbol="UNI")
    assert out["source"] == "open-model" and out["asset_id"] == "uniswap"
    assert any("lists no token with ticker UNI" in w for w in out["warnings"])


@pytest.mark.looptime
async def test_coingecko_down_grades_on_binance_history(services: Services, fake: GradeFake) -> None:
    async with connect(services) as client:
        await call(client, "get_price", symbols=["ETH"])  # the coin list, cached for hours
        fake.fail_always("coingecko", Fault("status", 503))
        out = await call(client, "get_grade", symbol="ETH")
    assert out["source"] == "open-model" and out["stale"] is False and out["history_source"] == "binance"
    assert out["history_days"] == 366 and out["investor_grade"] is not None
    assert any("coingecko unavailable" in w for w in out["warnings"])
    assert any("USDT, taken as USD" in w for w in out["warnings"])
    [klines] = [r for r in fake.requests if r.url.path == "/api/v3/klines"]
    assert dict(klines.url.params) == {"symbol": "ETHUSDT", "interval": "1d", "limit": "367"}


@pytest.mark.looptime
async def test_spent_coingecko_budget_grades_on_binance_without_waiting(fake: GradeFake) -> None:
    settings = make_settings(coingecko_rate_per_min=4)  # keep ceil(4 / 4) = 1 for what only CoinGecko answers
    async with Services(settings, transport=fake.transport) as services, connect(services) as client:
        await call(client, "search_assets", query="bitcoin")  # /search and /coins/list
        await call(client, "search_assets", query="ethereum")  # /search: one request left this minute
        started = services.clock.now()
        out = await call(client, "get_grade", symbol="ETH")
        assert services.clock.now() - started < 1.0
    assert out["history_source"] == "binance" and out["stale"] is False
    assert any("coingecko asked last: request budget nearly spent" in w for w in out["warnings"])
    assert fake.count("coingecko", "/api/v3/coins/ethereum") == 0


@pytest.mark.looptime
async def test_cached_coingecko_history_is_used_even_when_the_budget_is_spent(fake: GradeFake) -> None:
    settings = make_settings(coingecko_rate_per_min=4)
    async with Services(settings, transport=fake.transport) as services, connect(services) as client:
        first = await call(client, "get_grade", symbol="ETH")  # /coins/list and market_chart
        await call(client, "search_assets", query="bitcoin")  # /search: one left
        again = await call(client, "get_grade", symbol="ETH")
    assert first["history_source"] == again["history_source"] == "coingecko"
    assert again["trader_grade"] == first["trader_grade"]
    assert fake.count("coingecko", "/api/v3/coins/ethereum/market_chart") == 1
    assert fake.count("binance") == 0


@pytest.mark.looptime
async def test_a_ticker_binance_means_otherwise_grades_on_defillama(
    services: Services, fake: GradeFake
) -> None:
    async with connect(services) as client:
        await call(client, "get_price", symbols=["SOL"])  # coin list and market caps, cached
        fake.fail_always("coingecko", Fault("status", 503))
        out = await call(client, "get_grade", symbol="sol-wormhole")  # Binance's SOLUSDT is Solana
    assert out["asset_id"] == "sol-wormhole" and out["history_source"] == "defillama"
    assert not any(r.url.path == "/api/v3/klines" for r in fake.requests)
    assert any("closes only" in w for w in out["warnings"])


@pytest.mark.looptime
async def test_every_live_source_down_grades_on_the_snapshot(services: Services, fake: GradeFake) -> None:
    for provider in ("coingecko", "binance", "defillama"):
        fake.fail_always(provider, Fault("status", 503))
    async with connect(services) as client:
        out = await call(client, "get_grade", symbol="ETH")
    assert out["source"] == "open-model" and out["stale"] is True and out["as_of"] == "2025-02-20"
    assert out["history_source"] == "snapshot"
    assert any("coin list unavailable" in w for w in out["warnings"])
    assert any("no live history source answered" in w and "snapshot" in w for w in out["warnings"])


@pytest.mark.looptime
async def test_every_source_down_and_no_snapshot_history_is_an_error(
    services: Services, fake: GradeFake
) -> None:
    async with connect(services) as client:
        await call(client, "get_grade", symbol="SOL")  # warm the coin list
        for provider in ("coingecko", "binance", "defillama"):
            fake.fail_always(provider, Fault("status", 503))
        error = await call_error(client, "get_grade", symbol="sol-wormhole")
    assert error["code"] == "UPSTREAM_UNAVAILABLE" and error["retryable"] is True


async def test_unknown_asset_is_not_found(services: Services) -> None:
    async with connect(services) as client:
        error = await call_error(client, "get_grade", symbol="nosuchcoin")
    assert error["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "arguments",
    [
        {"symbol": "not a ticker!"},
        {"symbol": "ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"},
        {"symbol": "x" * 121},
        {"symbol": ""},
        {"symbol": "ETH", "extra": 1},
        {},
    ],
)
async def test_invalid_input_is_refused_before_any_request(
    services: Services, fake: GradeFake, arguments: dict[str, Any]
) -> None:
    async with connect(services) as client:
        error = await call_error(client, "get_grade", **arguments)
    assert error["code"] == "INVALID_ARGUMENT"
    assert fake.requests == []


async def test_progress_notifications_arrive_when_requested(services: Services) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connect(services) as client:
        result = await client.call_tool("get_grade", {"symbol": "ETH"}, progress_callback=on_progress)
    assert not result.is_error
    assert [(p, t) for p, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert seen[0][2] == "resolved ETH to ethereum"


async def test_tool_is_listed_with_annotations(services: Services) -> None:
    async with connect(services) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    tool = tools["get_grade"]
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert tool.annotations.open_world_hint is True
    assert "not advice" in (tool.description or "") and ">= 60" in (tool.description or "")
    assert tool.output_schema is not None and "trader_grade" in tool.output_schema["properties"]
    assert "ctx" not in tool.input_schema["properties"]


def _cli(env: dict[str, str]) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TOOLS_")}
    done = subprocess.run(
        [sys.executable, "-m", "agent_tools", "call", "get_grade", "--arg", "symbol=ETH"],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_cli_offline_answers_from_the_snapshot() -> None:
    out = _cli({"AGENT_TOOLS_OFFLINE": "1"})
    assert out["source"] == "open-model" and out["stale"] is True and out["factors"]


def test_cli_answers_from_a_loopback_tokenmetrics_with_a_key() -> None:
    fake = GradeFake()
    with loopback(fake) as base:
        out = _cli(
            {
                "AGENT_TOOLS_TOKENMETRICS_BASE_URL": f"{base}/v2",
                "AGENT_TOOLS_TOKENMETRICS_API_KEY": TM_KEY,
                "AGENT_TOOLS_COINGECKO_BASE_URL": f"{base}/api/v3",
            }
        )
    assert out["source"] == "tokenmetrics" and out["trader_grade"] == 71.39 and out["signal"] == "bullish"
    assert fake.tm_requests("/v2/trader-grades")
