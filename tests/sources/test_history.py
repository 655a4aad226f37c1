"""History sources: which endpoint serves which request, the order by need and by budget, provider
bodies as bars, and the snapshot's dated answer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from agent_tools.domain.history import Interval
from agent_tools.services import Services
from agent_tools.sources.history import HistoryAsk, live_sources, price_history, unserved
from agent_tools.sources.outcome import SourceRun
from agent_tools.upstream import deadline_scope
from tests.conftest import make_settings
from tests.fakes.grades import GradeFake
from tests.fakes.upstream import NOW, Fault

pytestmark = pytest.mark.looptime

TODAY = datetime.fromtimestamp(NOW, UTC).replace(hour=0, minute=0, second=0)


def ask(interval: Interval = "daily", days: int = 30, coin: str = "ethereum", **kw: Any) -> HistoryAsk:
    symbol = {"ethereum": "eth", "bitcoin": "btc", "sol-wormhole": "sol", "usd-coin": "usdc"}[coin]
    return HistoryAsk(coin, symbol, kw.pop("primary", coin != "sol-wormhole"), interval, days, **kw)


async def order(s: Services, a: HistoryAsk) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    return [name for name, _ in await live_sources(s, a, notes)], notes


async def test_usd_history_prefers_coingecko_then_binance_then_defillama() -> None:
    async with Services(make_settings(), transport=GradeFake().transport) as s:
        assert await order(s, ask()) == (["coingecko", "binance", "defillama"], [])
        assert (await order(s, ask(coin="sol-wormhole")))[0] == ["coingecko", "defillama"]
        assert (await order(s, ask(vs="eur")))[0] == ["coingecko"]


async def test_more_than_a_free_year_skips_coingecko_and_says_why() -> None:
    async with Services(make_settings(), transport=GradeFake().transport) as s:
        names, notes = await order(s, ask("weekly", 3650))
        assert names == ["binance", "defillama"]
        assert notes == ["CoinGecko's plan serves 365 days of history, not 3650"]
        assert (await order(s, ask("daily", 3650)))[0] == ["defillama"]  # 3,651 daily klines: over 1,000
        assert unserved(s, 400, "eur") is not None and unserved(s, 365, "eur") is None
        assert unserved(s, 3650, "usd") is None
    pro = make_settings(coingecko_api_key=SecretStr("CG-pro"), coingecko_plan="pro")
    async with Services(pro, transport=GradeFake().transport) as s:
        assert (await order(s, ask("weekly", 3650)))[0][0] == "coingecko"
        assert unserved(s, 3650, "eur") is None


async def test_a_spent_budget_moves_a_provider_last_unless_its_answer_is_cached() -> None:
    fake = GradeFake()
    async with Services(make_settings(coingecko_rate_per_min=4), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            await price_history(s, SourceRun(), ask("daily", 200))  # market_chart: 3 left, 1 kept
            await s.coingecko.search("a")
            await s.coingecko.search("b")
        assert await s.coingecko.budget_left() == 1
        names, notes = await order(s, ask("daily", 100))  # the same market_chart, cached
        assert names[0] == "coingecko" and notes == []
        names, notes = await order(s, ask("daily", 100, coin="bitcoin"))
        assert names == ["binance", "defillama", "coingecko"]
        assert notes == ["coingecko asked last: request budget nearly spent this minute"]


@pytest.mark.parametrize(
    ("interval", "days", "path", "params"),
    [
        ("daily", 29, "/api/v3/coins/ethereum/ohlc", {"vs_currency": "usd", "days": "30"}),
        ("daily", 7, "/api/v3/coins/ethereum/ohlc", {"vs_currency": "usd", "days": "14"}),
        (
            "daily",
            30,
            "/api/v3/coins/ethereum/market_chart",
            {"vs_currency": "usd", "days": "365", "interval": "daily"},
        ),
        (
            "weekly",
            365,
            "/api/v3/coins/ethereum/market_chart",
            {"vs_currency": "usd", "days": "365", "interval": "daily"},
        ),
        ("hourly", 1, "/api/v3/coins/ethereum/market_chart", {"vs_currency": "usd", "days": "2"}),
        ("hourly", 31, "/api/v3/coins/ethereum/market_chart", {"vs_currency": "usd", "days": "90"}),
    ],
)
async def test_which_coingecko_request_serves_what(
    interval: Interval, days: int, path: str, params: dict[str, str]
) -> None:
    fake = GradeFake()
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            got = await price_history(s, SourceRun(), ask(interval, days))
    [request] = fake.requests
    assert (request.url.path, dict(request.url.params)) == (path, params)
    assert got.source == "coingecko" and got.history.interval == interval
    step = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}[interval]
    bars = got.history.bars
    assert len(bars) == -(-days * timedelta(days=1) // step)  # ceil: every bucket of the window
    assert all(b.t - a.t == step for a, b in itertools.pairwise(bars))


async def test_ohlc_candles_become_daily_candles_ending_today() -> None:
    async with Services(make_settings(), transport=GradeFake().transport) as s:
        with deadline_scope(s.clock, 10):
            got = await price_history(s, SourceRun(), ask("daily", 10))
    bars = got.history.bars
    assert len(bars) == 10 and bars[-1].t == TODAY and all(b.has_candle for b in bars)
    assert all(b.volume is None for b in bars)  # /ohlc has no volume: none invented


async def test_binance_klines_become_candles_with_quote_volume() -> None:
    fake = GradeFake()
    fake.fail_always("coingecko", Fault("status", 503))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            run = SourceRun()
            got = await price_history(s, run, ask("weekly", 3650, coin="bitcoin"))
    assert got.source == "binance" and "USDT, taken as USD" in got.notes[-1]
    bars = got.history.bars
    assert len(bars) == 522 and all(b.has_candle and b.volume for b in bars)
    assert bars[-1].t.weekday() == 0 and bars[-1].close == pytest.approx(97000.0)
    assert "coingecko" not in run.outcomes  # 3,650 days: CoinGecko's free plan was never asked
    [klines] = [r for r in fake.requests if r.url.host == "api.binance.com"]
    assert dict(klines.url.params) == {"symbol": "BTCUSDT", "interval": "1w", "limit": "523"}


async def test_an_unknown_binance_pair_falls_through_to_defillama() -> None:
    fake = GradeFake()
    fake.fail_always("coingecko", Fault("status", 503))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            run = SourceRun()
            got = await price_history(s, run, HistoryAsk("usd-coin", "usdt", True, "daily", 60))
    assert got.source == "defillama" and len(got.history.bars) == 60
    assert not any(b.has_candle or b.volume is not None for b in got.history.bars)
    assert set(run.failures()) == {"coingecko"}  # Binance answered: it has no such pair


async def test_the_snapshot_answers_dated_and_stale_when_nothing_live_does() -> None:
    fake = GradeFake()
    for provider in ("coingecko", "binance", "defillama"):
        fake.fail_always(provider, Fault("status", 503))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            got = await price_history(s, SourceRun(), ask("hourly", 3))
    assert got.source == "snapshot" and got.stale
    assert got.history.interval == "daily" and len(got.history.bars) == 3
    assert got.history.bars[-1].t == datetime(2025, 2, 20, tzinfo=UTC)
    assert "ending 2025-02-20" in got.notes[0] and "days old" in got.notes[0]
    assert "daily bars instead of hourly" in got.notes[1]
