"""Price history as a domain `PriceHistory`, from whichever source suits the request and still has
budget: CoinGecko (`market_chart`, or `ohlc` for short daily ranges), Binance klines, DefiLlama's
chart, and the bundled snapshot when nothing live answers or the server is offline.

What the request needs decides who can serve it: another currency than USD only CoinGecko; more
than a year only Binance or DefiLlama on CoinGecko's free plans; a Binance pair only for the coin
its ticker means there. Budget decides the order among those: a provider whose limiter has no more
than a quarter of its per-minute budget left (`Pipeline.budget_left`, shared by replicas through
Redis) goes behind the others unless the answer is already in the cache, so when CoinGecko's
keyless 30 a minute are spent, history (and every grade built on it) comes from Binance or
DefiLlama at once instead of waiting for a slot or failing. Dated snapshot answers are stale and
say how old they are.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cachetools import LRUCache

from agent_tools.domain.history import (
    Bar,
    Interval,
    PriceHistory,
    bars_needed,
    clean,
    from_daily_series,
    resample,
    window,
)
from agent_tools.errors import NotFound, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.snapshot.history import history_for
from agent_tools.sources.outcome import NoData, Ok, SourceRun
from agent_tools.upstream import Fetched
from agent_tools.upstream.binance import MAX_KLINES, Binance, KlineInterval
from agent_tools.upstream.coingecko_history import OHLC_DAYS, Candle, CoinGeckoHistory, Days, MarketChart
from agent_tools.upstream.defillama import ChartPeriod, DefiLlama

DAY_MS = 86_400_000
RESERVE_SHARE = 0.25
"""A provider with no more than this share of its per-minute budget left is asked after the others."""
FREE_PLAN_DAYS = 365
FREE_PLAN_SPAN = FREE_PLAN_DAYS + 1
"""CoinGecko's free plans serve `days=365`, whose answer holds 366 daily points (both ends): a window
of 366 days of bars, what a 365-day volatility needs, is within them."""
OHLC_CANDLE = timedelta(hours=4)
"""CoinGecko's candle for 3-30 days, the only `/ohlc` range asked here (daily bars under 30 days)."""
_KLINE: dict[Interval, KlineInterval] = {"hourly": "1h", "daily": "1d", "weekly": "1w"}
_LLAMA: dict[Interval, ChartPeriod] = {"hourly": "1h", "daily": "1d", "weekly": "1w"}
_HOURLY_CHART_DAYS = (2, 7, 14, 30, 90)
"""`market_chart` ranges asked for hourly bars (2-90 days come hourly), so requests share cache entries."""


@dataclass(frozen=True)
class HistoryAsk:
    coin_id: str
    symbol: str
    ticker_primary: bool  # Binance's <TICKER>USDT is this coin (tools/_resolve.Asset)
    interval: Interval
    days: int
    vs: str = "usd"


@dataclass(frozen=True)
class Sourced:
    """A history and where it came from; `notes` are caveats in our own words."""

    history: PriceHistory
    source: str
    fetched_at: float
    stale: bool
    notes: list[str] = field(default_factory=list[str])


Read = Callable[[], Awaitable[Ok[PriceHistory] | NoData]]


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


_converted: LRUCache[tuple[object, ...], tuple[object, PriceHistory | None]] = LRUCache(maxsize=64)
"""Histories already made from a cached body, so a warm call does not convert hundreds of rows again."""


def _history(
    source: str, body: object, ask: HistoryAsk, fetched_at: float, read: Callable[[], tuple[list[Bar], float]]
) -> PriceHistory | None:
    """`body` (one provider answer) as the history `ask` wants: `read` gives its bars and the unix time
    of its newest price; done once per body and ask while the pipeline keeps that body cached."""
    key = (source, ask, fetched_at)
    done = _converted.get(key)
    if done is not None and done[0] is body:
        return done[1]
    bars, last = read()
    kept = window(resample(clean(bars), ask.interval), ask.days, ask.interval)
    history = PriceHistory(tuple(kept), ask.interval, _utc(min(last, fetched_at))) if kept else None
    _converted[key] = (body, history)
    return history


# --- CoinGecko ---------------------------------------------------------------------------------------


def _by_day(points: list[tuple[float, float | None]]) -> dict[datetime, float]:
    """One value per UTC day; the latest point of a day wins, so today's row is the live price."""
    days: dict[int, float] = {}
    for ms, value in points:
        if value is not None:
            days[int(ms // DAY_MS)] = value
    return {_utc(day * 86_400): value for day, value in days.items()}


def _chart_bars(chart: MarketChart, daily: bool) -> list[Bar]:
    """Daily charts: a bar per day with that day's 24 h volume. Finer ones: a bar per point, without
    volume (CoinGecko's is a rolling 24 h figure, not the volume of the hour)."""
    if daily:
        closes, volumes, caps = (
            _by_day(chart.prices),
            _by_day(chart.total_volumes),
            _by_day(chart.market_caps),
        )
        return [
            Bar(day, close, volume=volumes.get(day), market_cap=caps.get(day))
            for day, close in closes.items()
        ]
    caps = dict(chart.market_caps)
    return [
        Bar(_utc(ms / 1000), price, market_cap=caps.get(ms))
        for ms, price in chart.prices
        if price is not None
    ]


def _candle_bars(candles: list[Candle]) -> list[Bar]:
    """`/ohlc` stamps a candle with its close; a bar starts where the candle opened."""
    return [Bar(_utc(ms / 1000) - OHLC_CANDLE, c, open=o, high=h, low=lo) for ms, o, h, lo, c in candles]


@dataclass(frozen=True)
class _CoinGeckoPlan:
    """`/ohlc` with `ohlc_days` (daily candles under 30 days), else `market_chart` over `chart_days`."""

    ohlc_days: int | None = None
    chart_days: Days = FREE_PLAN_DAYS
    daily: bool = True


def _coingecko_plan(ask: HistoryAsk, plan_days: Days) -> _CoinGeckoPlan | None:
    if plan_days != "max" and ask.days > plan_days + 1:  # `days=N` answers N + 1 daily points
        return None
    if ask.interval == "daily" and ask.days < OHLC_DAYS[3]:  # 4-hour candles: 7, 14 or 30 days
        return _CoinGeckoPlan(ohlc_days=min(d for d in OHLC_DAYS if d > ask.days))
    if ask.interval == "hourly":
        return _CoinGeckoPlan(chart_days=min(d for d in _HOURLY_CHART_DAYS if d >= ask.days), daily=False)
    return _CoinGeckoPlan(chart_days=FREE_PLAN_DAYS if ask.days <= FREE_PLAN_SPAN else "max")


def full_history_days(services: Services) -> int:
    """All the daily history the grade model reads: CoinGecko's free window, ten years on a pro plan."""
    return FREE_PLAN_SPAN if services.provider(CoinGeckoHistory).max_days != "max" else 3650


def unserved(services: Services, days: int, vs: str) -> str | None:
    """Why no source can serve history in `vs` over `days` (only CoinGecko has other currencies)."""
    plan_days = services.provider(CoinGeckoHistory).max_days
    if vs != "usd" and plan_days != "max" and days > plan_days + 1:
        return (
            f"history in {vs.upper()} is CoinGecko's alone, and its plan serves {plan_days} days, not {days}"
        )
    return None


async def _coingecko(services: Services, ask: HistoryAsk, plan: _CoinGeckoPlan) -> Ok[PriceHistory] | NoData:
    provider = services.provider(CoinGeckoHistory)
    fetched: Fetched[MarketChart] | Fetched[list[Candle]]
    if plan.ohlc_days is not None:
        candles = fetched = await provider.ohlc(ask.coin_id, plan.ohlc_days, ask.vs)

        def read() -> tuple[list[Bar], float]:
            return _candle_bars(candles.value), max((ms for ms, *_ in candles.value), default=0.0) / 1000

    else:
        chart = fetched = await provider.market_chart(ask.coin_id, plan.chart_days, ask.vs, daily=plan.daily)

        def read() -> tuple[list[Bar], float]:
            prices = chart.value.prices
            last = max((ms for ms, price in prices if price is not None), default=0.0)
            return _chart_bars(chart.value, plan.daily), last / 1000

    history = _history("coingecko", fetched.value, ask, fetched.fetched_at, read)
    if history is None:
        return NoData(f"CoinGecko has no price history for {ask.coin_id}")
    return Ok(history, fetched.fetched_at, fetched.stale)


def _coingecko_cached(services: Services, ask: HistoryAsk, plan: _CoinGeckoPlan) -> bool:
    provider = services.provider(CoinGeckoHistory)
    if plan.ohlc_days is not None:
        return provider.cached_ohlc(ask.coin_id, plan.ohlc_days, ask.vs) is not None
    return provider.cached_market_chart(ask.coin_id, plan.chart_days, ask.vs, daily=plan.daily) is not None


# --- Binance and DefiLlama ------------------------------------------------------------------------


async def _binance(services: Services, ask: HistoryAsk, limit: int) -> Ok[PriceHistory] | NoData:
    try:
        got = await services.provider(Binance).klines(
            f"{ask.symbol.upper()}USDT", _KLINE[ask.interval], limit
        )
    except NotFound:
        return NoData(f"Binance has no {ask.symbol.upper()}USDT pair")

    def read() -> tuple[list[Bar], float]:
        bars = [Bar(_utc(k[0] / 1000), k[4], open=k[1], high=k[2], low=k[3], volume=k[7]) for k in got.value]
        return bars, max((k[6] / 1000 for k in got.value), default=0.0)

    history = _history("binance", got.value, ask, got.fetched_at, read)
    if history is None:
        return NoData(f"Binance has no klines for {ask.symbol.upper()}USDT")
    return Ok(history, got.fetched_at, got.stale, note="Binance quotes USDT, taken as USD")


async def _defillama(services: Services, ask: HistoryAsk, span: int) -> Ok[PriceHistory] | NoData:
    got = await services.provider(DefiLlama).chart(f"coingecko:{ask.coin_id}", _LLAMA[ask.interval], span)
    coin = got.value
    if coin is None:
        return NoData(f"DefiLlama has no price chart for {ask.coin_id}")

    def read() -> tuple[list[Bar], float]:
        bars = [Bar(_utc(p.timestamp), p.price) for p in coin.prices]
        return bars, max((p.timestamp for p in coin.prices), default=0.0)

    history = _history("defillama", coin, ask, got.fetched_at, read)
    if history is None:
        return NoData(f"DefiLlama has no price chart for {ask.coin_id}")
    return Ok(history, got.fetched_at, got.stale, note="DefiLlama gives closes only (no candles, no volume)")


# --- choosing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    name: str
    read: Read
    cached: bool
    budget_left: Callable[[], Awaitable[int]]
    limit: int


async def _affordable(candidate: _Candidate) -> bool:
    if candidate.cached:
        return True
    return await candidate.budget_left() > math.ceil(candidate.limit * RESERVE_SHARE)


async def live_sources(services: Services, ask: HistoryAsk, notes: list[str]) -> list[tuple[str, Read]]:
    """The live sources that can serve `ask`, the preferred first, those short of budget last."""
    settings = services.settings
    candidates: list[_Candidate] = []
    cg = services.provider(CoinGeckoHistory)
    plan = _coingecko_plan(ask, cg.max_days)
    if plan is not None:
        candidates.append(
            _Candidate(
                "coingecko",
                lambda: _coingecko(services, ask, plan),
                _coingecko_cached(services, ask, plan),
                cg.budget_left,
                settings.rate_per_min("coingecko"),
            )
        )
    else:
        notes.append(f"CoinGecko's plan serves {cg.max_days} days of history, not {ask.days}")
    bars = bars_needed(ask.days, ask.interval) + 1  # one more: the window's first bar whole
    if ask.vs == "usd":
        if ask.ticker_primary and bars <= MAX_KLINES:
            candidates.append(
                _Candidate(
                    "binance",
                    lambda: _binance(services, ask, bars),
                    False,
                    services.provider(Binance).budget_left,
                    settings.rate_per_min("binance"),
                )
            )
        candidates.append(
            _Candidate(
                "defillama",
                lambda: _defillama(services, ask, bars),
                False,
                services.provider(DefiLlama).budget_left,
                settings.rate_per_min("defillama"),
            )
        )
    affordable = [await _affordable(c) for c in candidates]
    short = [c.name for c, ok in zip(candidates, affordable, strict=True) if not ok]
    if short and any(affordable):
        notes.append(f"{', '.join(short)} asked last: request budget nearly spent this minute")
    ordered = [c for c, ok in zip(candidates, affordable, strict=True) if ok]
    ordered += [c for c, ok in zip(candidates, affordable, strict=True) if not ok]
    return [(c.name, c.read) for c in ordered]


def _snapshot(ask: HistoryAsk, now: float, reason: str) -> Sourced | None:
    """The bundled daily series (USD, dated: stale), cut to the window ending on its last day."""
    snap = history_for(ask.coin_id)
    if snap is None or ask.vs != "usd":
        return None
    dated = from_daily_series(snap.series)
    interval: Interval = "daily" if ask.interval == "hourly" else ask.interval
    bars = window(resample(dated.bars, interval), ask.days, interval)
    last = snap.series.dates[-1]
    age = (_utc(now).date() - last).days
    notes = [
        f"{reason}: from the bundled history snapshot ({snap.source_file}, ending {last.isoformat()}, "
        f"{age} days old), not live data"
    ]
    if interval != ask.interval:
        notes.append("the snapshot holds daily closes only: daily bars instead of hourly")
    history = PriceHistory(tuple(bars), interval, dated.last_price_at)
    return Sourced(history, "snapshot", now, stale=True, notes=notes)


async def price_history(services: Services, run: SourceRun, ask: HistoryAsk) -> Sourced:
    """The first live source to answer `ask`, else the snapshot; raises why nothing could."""
    notes: list[str] = []
    if services.settings.offline:
        reason = "offline mode (AGENT_TOOLS_OFFLINE=1)"
    else:
        for name, read in await live_sources(services, ask, notes):
            got = await run.ask(name, read())
            if isinstance(got, Ok):
                if got.stale:
                    notes.append(f"{name} history served from an expired cache entry after an upstream error")
                if got.note:
                    notes.append(got.note)
                return Sourced(got.value, name, got.fetched_at, got.stale, notes)
        reason = "no live history source answered" if run.failures() else "no live source has this history"
    snap = None if run.misconfigured() else _snapshot(ask, services.clock.wall(), reason)
    if snap is not None:
        return Sourced(snap.history, snap.source, snap.fetched_at, True, notes + snap.notes)
    if ask.vs != "usd" and services.settings.offline:
        raise UpstreamUnavailable("snapshot", f"{reason}: the offline snapshot holds USD prices only")
    if run.failures():
        raise run.error("no history source")
    raise NotFound(f"{reason}, and the bundled history snapshot does not cover {ask.coin_id}")
