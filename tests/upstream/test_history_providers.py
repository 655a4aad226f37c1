"""Price history endpoints: CoinGecko `ohlc` and hourly `market_chart`, Binance `klines`, DefiLlama
`chart`. Recorded shapes, drift, 429 with Retry-After (seconds and HTTP-date), the fault matrix."""

from __future__ import annotations

import email.utils
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from agent_tools.errors import NotFound, UpstreamBadResponse, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.upstream import deadline_scope
from agent_tools.upstream.binance import Binance
from agent_tools.upstream.coingecko_history import CoinGeckoHistory
from agent_tools.upstream.defillama import DefiLlama
from tests.conftest import make_settings
from tests.fakes.grades import GradeFake
from tests.fakes.upstream import FAULT_MATRIX, NOW, Fault

pytestmark = pytest.mark.looptime

# Binance's own docs sample (binance-spot-api-docs rest-api.md @ a5e0bc3d, "Kline/Candlestick data").
RECORDED_KLINES: list[list[Any]] = [
    [
        1499040000000,
        "0.01634790",
        "0.80000000",
        "0.01575800",
        "0.01577100",
        "148976.11427815",
        1499644799999,
        "2434.19055334",
        308,
        "1756.87402397",
        "28.46694368",
        "0",
    ]
]
# upstream-apis.md §1.4: the documented five-number shape (the numbers are illustrative there).
RECORDED_OHLC = [[1709395200000, 61942, 62211, 61721, 61845], [1709409600000, 61828, 62139, 61726, 62139]]
# The `/chart` shape as clients read it (upstream-apis.md §9 lists the endpoint; 3P fixtures).
RECORDED_CHART: dict[str, Any] = {
    "coins": {
        "coingecko:bitcoin": {
            "symbol": "BTC",
            "confidence": 0.99,
            "prices": [
                {"timestamp": 1700000000, "price": 37000.5},
                {"timestamp": 1700086400, "price": 37500.25},
            ],
        }
    }
}


def _services(fake: GradeFake, **settings: Any) -> Services:
    return Services(make_settings(max_body_bytes=1_000_000, **settings), transport=fake.transport)


def _http_date(seconds_ahead: float) -> str:
    import time

    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


def _call(s: Services, provider: str) -> Callable[[], Awaitable[object]]:
    return {
        "coingecko": lambda: s.provider(CoinGeckoHistory).ohlc("bitcoin", 7),
        "binance": lambda: s.provider(Binance).klines("BTCUSDT", "1d", 30),
        "defillama": lambda: s.provider(DefiLlama).chart("coingecko:bitcoin", "1d", 30),
    }[provider]


# --- recorded shapes -------------------------------------------------------------------------------


async def test_binance_recorded_klines_parse_to_numbers() -> None:
    fake = GradeFake()
    fake.fail("binance", Fault("drift", body=RECORDED_KLINES))  # "drift" serves the body as is
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            [kline] = (await s.provider(Binance).klines("LTCBTC", "1d", 1)).value
    assert kline == (
        1499040000000,
        0.0163479,
        0.8,
        0.015758,
        0.015771,
        148976.11427815,
        1499644799999,
        2434.19055334,
    )
    [request] = fake.requests
    assert request.url.path == "/api/v3/klines"
    assert dict(request.url.params) == {"symbol": "LTCBTC", "interval": "1d", "limit": "1"}


async def test_binance_kline_with_an_added_column_is_not_drift() -> None:
    fake = GradeFake()
    fake.fail("binance", Fault("drift", body=[[*RECORDED_KLINES[0], "new"]]))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            [kline] = (await s.provider(Binance).klines("LTCBTC", "1d", 1)).value
    assert kline[4] == 0.015771


@pytest.mark.parametrize(
    "row",
    [
        RECORDED_KLINES[0][:5],  # columns missing
        [1499040000000, True, "0.8", "0.01", "0.02", "1", 1499644799999, "2"],  # a boolean price
        [1499040000000, "NaN", "0.8", "0.01", "0.02", "1", 1499644799999, "2"],  # not a finite number
        {"openTime": 1499040000000, "close": "0.01"},  # an object instead of an array
    ],
)
async def test_binance_drifted_kline_is_a_bad_response(row: Any) -> None:
    fake = GradeFake()
    fake.fail("binance", Fault("drift", body=[row]))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamBadResponse, match="changed its response"):
            await s.provider(Binance).klines("BTCUSDT", "1d", 1)
    assert s.pipeline.stats.drift["binance"] == 1


async def test_binance_unknown_pair_is_not_found_and_not_retried() -> None:
    fake = GradeFake()
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(NotFound, match="no such trading pair"):
            await s.provider(Binance).klines("USDTUSDT", "1d", 5)
    assert len(fake.requests) == 1


async def test_binance_klines_from_the_fake_are_the_last_ones_with_the_open_one_last() -> None:
    fake = GradeFake()
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            klines = (await s.provider(Binance).klines("ETHUSDT", "1h", 48)).value
    assert len(klines) == 48
    assert klines[-1][0] <= NOW * 1000 < klines[-1][6]
    assert all(b[0] - a[0] == 3_600_000 for a, b in itertools.pairwise(klines))
    assert klines[-1][4] == pytest.approx(2700.0)


async def test_coingecko_recorded_ohlc_parses_and_asks_the_documented_days() -> None:
    fake = GradeFake()
    fake.fail("coingecko", Fault("drift", body=RECORDED_OHLC))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            candles = (await s.provider(CoinGeckoHistory).ohlc("bitcoin", 14, "eur")).value
        with pytest.raises(ValueError, match="days"):
            await s.provider(CoinGeckoHistory).ohlc("bitcoin", 10)
    assert candles == [
        (1709395200000, 61942, 62211, 61721, 61845),
        (1709409600000, 61828, 62139, 61726, 62139),
    ]
    [request] = fake.requests
    assert request.url.path == "/api/v3/coins/bitcoin/ohlc"
    assert dict(request.url.params) == {"vs_currency": "eur", "days": "14"}


@pytest.mark.parametrize(
    "body",
    [
        [[1709395200000, 61942, 62211, 61721]],  # four numbers
        [[1709395200000, "61942", 62211, 61721, 61845]],  # a string
        [[1709395200000, None, 62211, 61721, 61845]],  # a null
        {"prices": [[1709395200000, 61942]]},  # another endpoint's shape
    ],
)
async def test_coingecko_drifted_ohlc_is_a_bad_response(body: Any) -> None:
    fake = GradeFake()
    fake.fail("coingecko", Fault("drift", body=body))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamBadResponse, match="changed its response"):
            await s.provider(CoinGeckoHistory).ohlc("bitcoin", 7)


async def test_coingecko_hourly_chart_leaves_the_granularity_to_coingecko() -> None:
    fake = GradeFake()
    async with _services(fake) as s:
        history = s.provider(CoinGeckoHistory)
        assert history.cached_market_chart("bitcoin", 7, daily=False) is None
        with deadline_scope(s.clock, 10):
            chart = (await history.market_chart("bitcoin", 7, "usd", daily=False)).value
        cached = history.cached_market_chart("bitcoin", 7, daily=False)
        assert history.cached_market_chart("bitcoin", 7) is None  # the daily chart is another request
    assert cached is not None and cached.value is chart
    [request] = fake.requests
    assert dict(request.url.params) == {"vs_currency": "usd", "days": "7"}
    assert len(chart.prices) == 7 * 24 and chart.prices[-1] == (NOW * 1000, 97000.0)


async def test_defillama_recorded_chart_parses() -> None:
    fake = GradeFake()
    fake.fail("defillama", Fault("drift", body=RECORDED_CHART))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            coin = (await s.provider(DefiLlama).chart("coingecko:bitcoin", "1d", 2)).value
    assert coin is not None and coin.symbol == "BTC"
    assert [(p.timestamp, p.price) for p in coin.prices] == [(1700000000, 37000.5), (1700086400, 37500.25)]
    [request] = fake.requests
    assert request.url.path == "/chart/coingecko:bitcoin"
    assert dict(request.url.params) == {"span": "2", "period": "1d"}


async def test_defillama_unknown_coin_is_none() -> None:
    fake = GradeFake()
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10):
            assert (await s.provider(DefiLlama).chart("coingecko:nope", "1w", 5)).value is None


@pytest.mark.parametrize(
    "coin",
    [
        {"symbol": "BTC", "Prices": [{"timestamp": 1700000000, "price": 1.0}]},  # a renamed key
        {"symbol": "BTC", "prices": [{"timestamp": 1700000000, "value": 1.0}]},  # a renamed point field
        {"symbol": "BTC", "prices": [{"timestamp": "1700000000", "price": 1.0}]},  # a string timestamp
    ],
)
async def test_defillama_drifted_chart_is_a_bad_response(coin: dict[str, Any]) -> None:
    fake = GradeFake()
    fake.fail("defillama", Fault("drift", body={"coins": {"coingecko:bitcoin": coin}}))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamBadResponse, match="changed its response"):
            await s.provider(DefiLlama).chart("coingecko:bitcoin", "1d", 1)


# --- rate limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["coingecko", "binance", "defillama"])
@pytest.mark.parametrize("retry_after", ["3", "http-date"])
async def test_429_is_waited_out_then_answers(provider: str, retry_after: str) -> None:
    header = _http_date(3) if retry_after == "http-date" else retry_after
    fake = GradeFake()
    fake.fail(provider, Fault("status", 429, headers={"retry-after": header}))
    async with _services(fake) as s:
        started = s.clock.now()
        with deadline_scope(s.clock, 10):
            await _call(s, provider)()
        waited = s.clock.now() - started
    assert len(fake.requests) == 2 and 1.5 <= waited <= 3.5


@pytest.mark.parametrize("provider", ["coingecko", "binance", "defillama"])
async def test_429_past_the_deadline_is_rate_limited_with_the_wait(provider: str) -> None:
    fake = GradeFake()
    fake.fail_always(provider, Fault("status", 429, headers={"retry-after": _http_date(40)}))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await _call(s, provider)()
    assert caught.value.retry_after_s is not None and 38 <= caught.value.retry_after_s <= 40
    assert len(fake.requests) == 1


async def test_binance_418_ban_on_klines_fails_at_once() -> None:
    fake = GradeFake()
    fake.fail(
        "binance", Fault("status", 418, headers={"retry-after": "600"}, body={"code": -1003, "msg": "x"})
    )
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited, match="banned") as caught:
            await s.provider(Binance).klines("BTCUSDT", "1h", 24)
    assert caught.value.retry_after_s == 600.0 and len(fake.requests) == 1


# --- the fault matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["coingecko", "binance", "defillama"])
@pytest.mark.parametrize("name", list(FAULT_MATRIX))
async def test_fault_matrix_one_fault_then_recovery(provider: str, name: str) -> None:
    """Transient faults are retried to success; bad bodies fail at once, naming the provider."""
    fault, error = FAULT_MATRIX[name]
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


@pytest.mark.parametrize("provider", ["coingecko", "binance", "defillama"])
async def test_persistent_outage_is_upstream_unavailable(provider: str) -> None:
    fake = GradeFake()
    fake.fail_always(provider, Fault("status", 503))
    async with _services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamUnavailable):
            await _call(s, provider)()
    assert len(fake.requests) == 4
