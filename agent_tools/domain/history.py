"""Price history as bars: the interval a range is shown at, resampling, the window, merging bars so
an answer stays small, and the summary statistics.

Pure functions on domain values. A `Bar` covers one period starting at `t` (UTC): its last price
(`close`), its candle where the source has one, the volume traded in it and the latest market cap.
Every merge (a coarser interval, or fewer points) follows one rule: first open, highest high,
lowest low, last close, volumes summed, latest market cap. The statistics read the indicators the
grade model reads (`indicators.drawdown`, `indicators.annualised_volatility`), so a drawdown or a
volatility means the same thing in both tools.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from agent_tools.domain import indicators as ind
from agent_tools.domain.grades import DailySeries

Interval = Literal["hourly", "daily", "weekly"]
PERIOD: dict[Interval, timedelta] = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
}
PERIODS_PER_YEAR: dict[Interval, float] = {
    "hourly": ind.DAYS_PER_YEAR * 24.0,
    "daily": float(ind.DAYS_PER_YEAR),
    "weekly": ind.DAYS_PER_YEAR / 7.0,
}
MAX_HOURLY_DAYS = 90
"""Hourly points for at most 90 days (2,160 points): CoinGecko's automatic hourly granularity ends there."""
AUTO_HOURLY_DAYS = 7
"""`auto` shows up to 7 days hourly (168 points) ..."""
AUTO_DAILY_DAYS = 730
"""... up to two years daily, and longer ranges weekly (522 points for ten years)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One period of a price series, starting at `t` (UTC). Unknown values are None."""

    t: datetime
    close: float  # the period's last price
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: float | None = None  # quote-currency volume traded in the period
    market_cap: float | None = None  # the latest in the period

    @property
    def has_candle(self) -> bool:
        return self.open is not None and self.high is not None and self.low is not None


@dataclass(frozen=True)
class PriceHistory:
    """Bars oldest first at one interval, and when the newest price was observed."""

    bars: tuple[Bar, ...]
    interval: Interval
    last_price_at: datetime

    def __post_init__(self) -> None:
        if not self.bars:
            raise ValueError("a history has at least one bar")


@dataclass(frozen=True)
class HistoryStats:
    """Over the bars given: percent change first to last close, the highest and lowest price (candle
    extremes where there are candles), the worst peak-to-trough fall of the closes (<= 0) and the
    annualised volatility of the bar-to-bar log returns. None where too few bars."""

    change_pct: float | None
    high: float
    low: float
    max_drawdown_pct: float
    volatility_annual_pct: float | None


def choose_interval(requested: Interval | Literal["auto"], days: int) -> Interval:
    """The interval to show `days` at; `ValueError` for hourly past MAX_HOURLY_DAYS."""
    if requested == "auto":
        if days <= AUTO_HOURLY_DAYS:
            return "hourly"
        return "daily" if days <= AUTO_DAILY_DAYS else "weekly"
    if requested == "hourly" and days > MAX_HOURLY_DAYS:
        raise ValueError(f"hourly history covers at most {MAX_HOURLY_DAYS} days; use daily or weekly")
    return requested


def bars_needed(days: int, interval: Interval) -> int:
    """How many bars of `interval` span `days`."""
    return math.ceil(timedelta(days=days) / PERIOD[interval])


def bucket_start(t: datetime, interval: Interval) -> datetime:
    """The start of the hour, UTC day or ISO week (Monday 00:00 UTC) holding `t`."""
    t = t.astimezone(UTC)
    if interval == "hourly":
        return t.replace(minute=0, second=0, microsecond=0)
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if interval == "daily" else day - timedelta(days=day.weekday())


def _finite(value: float | None, minimum: float) -> float | None:
    return value if value is not None and math.isfinite(value) and value >= minimum else None


def clean(rows: Iterable[Bar]) -> list[Bar]:
    """Bars a provider sent, made valid: no close that is not a finite positive price, no candle
    that contradicts itself, no negative or infinite volume or market cap; ordered by time, the
    later row winning for one time."""
    by_time: dict[datetime, Bar] = {}
    for row in rows:
        close = row.close
        if not (math.isfinite(close) and close > 0):
            continue
        o = hi = lo = None
        if row.open is not None:
            o, hi, lo = _finite(row.open, 1e-300), _finite(row.high, 1e-300), _finite(row.low, 1e-300)
            if o is None or hi is None or lo is None or lo > min(o, close) or hi < max(o, close):
                o = hi = lo = None
        by_time[row.t] = Bar(
            row.t, close, o, hi, lo, _finite(row.volume, 0.0), _finite(row.market_cap, 1e-300)
        )
    return [by_time[t] for t in sorted(by_time)]


def merge(group: Sequence[Bar], t: datetime) -> Bar:
    """Consecutive bars as one starting at `t`: first open, highest high, lowest low, last close,
    summed volume (unknown if any is), latest market cap; no candle unless every bar has one."""
    if len(group) == 1 and group[0].t == t:
        return group[0]
    candles = all(b.has_candle for b in group)
    volumes = [b.volume for b in group]
    return Bar(
        t=t,
        close=group[-1].close,
        open=group[0].open if candles else None,
        high=max(b.high for b in group if b.high is not None) if candles else None,
        low=min(b.low for b in group if b.low is not None) if candles else None,
        volume=None if any(v is None for v in volumes) else math.fsum(v for v in volumes if v is not None),
        market_cap=group[-1].market_cap,
    )


def resample(bars: Sequence[Bar], interval: Interval) -> list[Bar]:
    """Bars of a finer (or the same) spacing as one bar per `interval` bucket."""
    groups: dict[datetime, list[Bar]] = {}
    for bar in bars:
        groups.setdefault(bucket_start(bar.t, interval), []).append(bar)
    return [merge(group, t) for t, group in groups.items()]


def window(bars: Sequence[Bar], days: int, interval: Interval) -> list[Bar]:
    """The bars of the last `days`, counted back from the newest bar's bucket."""
    if not bars:
        return []
    start = bucket_start(bars[-1].t, interval) - (bars_needed(days, interval) - 1) * PERIOD[interval]
    return [b for b in bars if b.t >= start]


def downsample(bars: Sequence[Bar], max_points: int) -> tuple[list[Bar], int]:
    """At most `max_points` bars, merging runs of equal length counted from the newest end (so the
    newest bar and the latest close stay exact); also how many bars each merged point holds."""
    per_point = max(1, math.ceil(len(bars) / max_points))
    if per_point == 1:
        return list(bars), 1
    ends = range(len(bars), 0, -per_point)
    groups = [bars[max(0, end - per_point) : end] for end in ends][::-1]
    return [merge(group, group[0].t) for group in groups], per_point


def stats(bars: Sequence[Bar], interval: Interval) -> HistoryStats:
    closes = [b.close for b in bars]
    drawdown = ind.drawdown(closes)
    assert drawdown is not None, "stats of an empty series"
    volatility = (
        ind.annualised_volatility(closes, len(closes) - 1, periods_per_year=PERIODS_PER_YEAR[interval])
        if len(closes) >= 3
        else None
    )
    return HistoryStats(
        change_pct=(closes[-1] / closes[0] - 1.0) * 100.0 if len(closes) >= 2 else None,
        high=max(b.high if b.high is not None else b.close for b in bars),
        low=min(b.low if b.low is not None else b.close for b in bars),
        max_drawdown_pct=drawdown.max_depth * 100.0,
        volatility_annual_pct=None if volatility is None else volatility * 100.0,
    )


def from_daily_series(series: DailySeries) -> PriceHistory:
    """A dated daily series (the bundled snapshot's) as daily bars of closes; its last price is
    taken as of the end of its last day."""
    n = len(series.dates)
    volume = series.volume or [None] * n
    market_cap = series.market_cap or [None] * n
    bars = tuple(
        Bar(datetime.combine(d, time(), UTC), c, volume=v, market_cap=m)
        for d, c, v, m in zip(series.dates, series.close, volume, market_cap, strict=True)
    )
    return PriceHistory(bars, "daily", datetime.combine(series.dates[-1], time(23, 59, 59), UTC))


def to_daily_series(bars: Sequence[Bar]) -> DailySeries:
    """Daily bars as the grade model's input."""
    return DailySeries(
        dates=[b.t.date() for b in bars],
        close=[b.close for b in bars],
        volume=[b.volume for b in bars],
        market_cap=[b.market_cap for b in bars],
    )
