"""Token Metrics and CoinGecko market_chart providers: recorded shapes, error mapping, fault matrix."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr

from agent_tools.errors import NotConfigured, UpstreamBadResponse, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.upstream import deadline_scope
from agent_tools.upstream.coingecko_history import CoinGeckoHistory
from agent_tools.upstream.tokenmetrics import TokenMetrics
from tests.conftest import make_settings
from tests.fakes.grades import RECORDED_TRADER_GRADES, TM_HOST, TM_KEY, GradeFake
from tests.fakes.upstream import FAULT_MATRIX, Fault

pytestmark = pytest.mark.looptime

DAY = date(2026, 5, 28)


def _services(fake: GradeFake, **settings: Any) -> Services:
    return Services(
        make_settings(tokenmetrics_api_key=SecretStr(TM_KEY), max_body_bytes=1_000_000, **settings),
        transport=fake.transport,
    )


async def test_recorded_trader_grades_parse() -> None:
    fake = GradeFake()
    fake.tm_bodies["/v2/trader-grades"] = RECORDED_TRADER_GRADES
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            rows = (await s.provider(TokenMetrics).trader_grades(22600, DAY, DAY)).value
    assert [(r.as_of, r.tm_trader_grade, r.ta_grade, r.quant_grade) for r in rows] == [
        (date(2023, 10, 10), 18.41, 14.09, 35.7),
        (date(2023, 10, 10), 21.39, 17.79, 35.82),
    ]


async def test_requests_carry_the_api_key_header_and_the_sdk_query() -> None:
    fake = GradeFake()
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            tokens = (await s.provider(TokenMetrics).tokens("eth")).value
            await s.provider(TokenMetrics).investor_grades(22600, date(2026, 5, 21), DAY)
    assert [t.token_name for t in tokens] == ["Ethereum", "Ether Clone"]
    first, second = fake.tm_requests()
    assert first.url.host == TM_HOST and first.url.path == "/v2/tokens"
    assert first.url.params["symbol"] == "ETH"
    assert first.headers["api_key"] == TM_KEY and "x-api-key" not in first.headers
    assert dict(second.url.params) == {
        "token_id": "22600",
        "startDate": "2026-05-21",
        "endDate": "2026-05-28",
        "limit": "100",
        "page": "0",
    }


async def test_dates_with_a_time_part_and_signals_parse() -> None:
    fake = GradeFake()
    fake.tm_bodies["/v2/trading-signals"] = {
        "success": True,
        "message": "Data fetched successfully",
        "length": 1,
        "data": [{"TOKEN_SYMBOL": "ETH", "DATE": "2026-05-28T00:00:00.000Z", "TRADING_SIGNAL": -1}],
    }
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            [row] = (await s.provider(TokenMetrics).trading_signals(22600, DAY, DAY)).value
    assert row.as_of == DAY and row.trading_signal == -1


async def test_no_key_means_not_configured() -> None:
    async with Services(make_settings(), transport=GradeFake().transport) as s:
        with pytest.raises(NotConfigured) as caught:
            s.provider(TokenMetrics)
    assert "AGENT_TOOLS_TOKENMETRICS_API_KEY" in (caught.value.hint or "")


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_key_is_not_configured_at_once(status: int) -> None:
    fake = GradeFake()
    fake.fail("tokenmetrics", Fault("status", status, body={"success": False, "message": "Invalid API key"}))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(NotConfigured) as caught:
            await s.provider(TokenMetrics).tokens("ETH")
    assert f"HTTP {status}" in caught.value.message
    assert "Invalid API key" not in caught.value.message  # the provider's own words stay out of ours
    assert "AGENT_TOOLS_TOKENMETRICS_API_KEY" in (caught.value.hint or "")
    assert TM_KEY not in caught.value.to_json()
    assert len(fake.tm_requests()) == 1


@pytest.mark.parametrize("status", [200, 403, 429])
async def test_used_up_quota_is_rate_limited_without_retry(status: int) -> None:
    fake = GradeFake()
    body = {"success": False, "message": "You have exceeded your monthly API credits"}
    fake.fail_always("tokenmetrics", Fault("status", status, body=body, headers={"retry-after": "1"}))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.provider(TokenMetrics).tokens("ETH")
    assert caught.value.retryable is False and "quota" in caught.value.message
    assert len(fake.tm_requests()) == 1


async def test_success_false_is_a_bad_response_without_the_providers_words() -> None:
    fake = GradeFake()
    fake.fail("tokenmetrics", Fault("status", 200, body={"success": False, "message": "token_id is invalid"}))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamBadResponse) as caught:
            await s.provider(TokenMetrics).trader_grades(1, DAY, DAY)
    assert caught.value.message == "Token Metrics refused the request (HTTP 200)"
    assert len(fake.tm_requests()) == 1


async def test_rate_limit_429_waits_for_retry_after_then_succeeds() -> None:
    fake = GradeFake()
    body = {"success": False, "message": "Rate limit exceeded"}
    fake.fail("tokenmetrics", Fault("status", 429, body=body, headers={"retry-after": "3"}))
    async with _services(fake) as s:
        started = s.clock.now()
        with deadline_scope(s.clock, 10):
            rows = (await s.provider(TokenMetrics).tokens("BTC")).value
        waited = s.clock.now() - started
    assert [r.token_id for r in rows] == [17528]
    assert len(fake.tm_requests()) == 2 and waited == pytest.approx(3.0, abs=0.1)


async def test_market_chart_recorded_shape_parses() -> None:
    """The pycoingecko fixture (upstream-apis.md §1.4) has `prices` only; nulls mean no value."""
    fake = GradeFake()
    recorded = {"prices": [[1535373899623, 6756.942910425894], [1535374183927, None]]}
    fake.fail("coingecko", Fault("drift", body=recorded))  # "drift" serves the body as is
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            chart = (await s.provider(CoinGeckoHistory).market_chart("bitcoin", 1)).value
    assert chart.prices == [(1535373899623.0, 6756.942910425894), (1535374183927.0, None)]
    assert chart.market_caps == [] and chart.total_volumes == []


async def test_market_chart_asks_pro_plans_for_the_whole_history() -> None:
    fake = GradeFake()
    async with _services(fake, coingecko_api_key=SecretStr("CG-pro"), coingecko_plan="pro") as s:
        provider = s.provider(CoinGeckoHistory)
        with deadline_scope(s.clock, 10):
            chart = (await provider.market_chart("bitcoin", provider.max_days)).value
    [request] = fake.requests
    assert request.url.host == "pro-api.coingecko.com" and request.url.params["days"] == "max"
    assert request.headers["x-cg-pro-api-key"] == "CG-pro"
    assert len(chart.prices) == len(chart.market_caps) == len(chart.total_volumes) == 4000


FAULTS = FAULT_MATRIX


def _call(s: Services, provider: str) -> Callable[[], Awaitable[object]]:
    if provider == "tokenmetrics":
        return lambda: s.provider(TokenMetrics).trader_grades(22600, DAY, DAY)
    return lambda: s.provider(CoinGeckoHistory).market_chart("ethereum", 365)


@pytest.mark.parametrize("provider", ["tokenmetrics", "coingecko"])
@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault_matrix_one_fault_then_recovery(provider: str, name: str) -> None:
    """Transient faults are retried to success; bad bodies fail at once, naming the provider."""
    fault, error = FAULTS[name]
    fake = GradeFake()
    fake.fail(provider, fault)
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            if error is None:
                await _call(s, provider)()
                assert len(fake.requests) == 2
            else:
                with pytest.raises(error) as caught:
                    await _call(s, provider)()
                assert caught.value.provider == provider  # type: ignore[attr-defined]
                assert len(fake.requests) == 1


@pytest.mark.parametrize("provider", ["tokenmetrics", "coingecko"])
async def test_persistent_outage_is_upstream_unavailable(provider: str) -> None:
    fake = GradeFake()
    fake.fail_always(provider, Fault("status", 503))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamUnavailable):
            await _call(s, provider)()
    assert len(fake.requests) == 4


async def test_history_is_cached_for_hours() -> None:
    fake = GradeFake()
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            await s.provider(CoinGeckoHistory).market_chart("ethereum", 365)
        await asyncio.sleep(5 * 3600)
        with deadline_scope(s.clock, 10):
            again = await s.provider(CoinGeckoHistory).market_chart("ethereum", 365)
    assert len(fake.requests) == 1 and again.stale is False
