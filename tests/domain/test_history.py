"""Price history as bars: intervals, resampling, windows, merging for size, and the statistics."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tools.domain import history as h
from agent_tools.domain import indicators as ind
from agent_tools.domain.grades import DailySeries

T0 = datetime(2026, 5, 18, tzinfo=UTC)  # a Monday


def bars(
    closes: list[float], step: timedelta = timedelta(days=1), **extra: list[float | None]
) -> list[h.Bar]:
    return [
        h.Bar(T0 + i * step, c, **{k: v[i] for k, v in extra.items()})  # type: ignore[arg-type]
        for i, c in enumerate(closes)
    ]


def candle(t: datetime, o: float, hi: float, lo: float, c: float, v: float | None = None) -> h.Bar:
    return h.Bar(t, c, open=o, high=hi, low=lo, volume=v)


@pytest.mark.parametrize(
    ("days", "interval"),
    [(1, "hourly"), (7, "hourly"), (8, "daily"), (730, "daily"), (731, "weekly"), (3650, "weekly")],
)
def test_auto_interval_follows_the_range(days: int, interval: str) -> None:
    assert h.choose_interval("auto", days) == interval


def test_hourly_is_refused_past_its_longest_range() -> None:
    assert h.choose_interval("hourly", 90) == "hourly"
    with pytest.raises(ValueError, match="90 days"):
        h.choose_interval("hourly", 91)
    assert h.choose_interval("daily", 3650) == "daily"


def test_bars_needed_per_interval() -> None:
    assert h.bars_needed(2, "hourly") == 48
    assert h.bars_needed(30, "daily") == 30
    assert h.bars_needed(365, "weekly") == 53


def test_bucket_starts_are_utc_hours_days_and_monday_weeks() -> None:
    t = datetime(2026, 5, 21, 13, 45, 12, tzinfo=UTC)  # a Thursday
    assert h.bucket_start(t, "hourly") == datetime(2026, 5, 21, 13, tzinfo=UTC)
    assert h.bucket_start(t, "daily") == datetime(2026, 5, 21, tzinfo=UTC)
    assert h.bucket_start(t, "weekly") == datetime(2026, 5, 18, tzinfo=UTC)


def test_resample_merges_candles_into_the_bucket_and_sums_volume() -> None:
    four_hourly = [
        candle(T0 + timedelta(hours=4 * i), o, hi, lo, c, 10.0)
        for i, (o, hi, lo, c) in enumerate(
            [(10, 12, 9, 11), (11, 15, 10, 14), (14, 14, 8, 9), (9, 10, 9, 10)]
        )
    ] + [candle(T0 + timedelta(days=1), 10, 11, 10, 11, 5.0)]
    out = h.resample(four_hourly, "daily")
    assert out == [
        h.Bar(T0, 10.0, open=10.0, high=15.0, low=8.0, volume=40.0),
        h.Bar(T0 + timedelta(days=1), 11.0, open=10.0, high=11.0, low=10.0, volume=5.0),
    ]


def test_resample_of_closes_keeps_the_latest_close_and_no_ohlc() -> None:
    hourly = bars([1.0, 2.0, 3.0] * 16, step=timedelta(hours=1), volume=[None] * 48, market_cap=[7.0] * 48)
    out = h.resample(hourly, "daily")
    assert [(b.t, b.close, b.open, b.volume, b.market_cap) for b in out] == [
        (T0, 3.0, None, None, 7.0),
        (T0 + timedelta(days=1), 3.0, None, None, 7.0),
    ]


def test_window_keeps_the_last_days_ending_at_the_newest_bar() -> None:
    daily = bars([float(i + 1) for i in range(40)])
    kept = h.window(daily, 30, "daily")
    assert len(kept) == 30 and kept[-1] == daily[-1] and kept[0].t == T0 + timedelta(days=10)
    gappy = daily[:5] + daily[-3:]
    assert h.window(gappy, 30, "daily") == daily[-3:]  # a gap is not filled from older bars


def test_downsample_merges_from_the_newest_end() -> None:
    daily = bars([float(i + 1) for i in range(10)], volume=[1.0] * 10)
    merged, per_point = h.downsample(daily, 4)
    assert per_point == 3
    assert [b.t for b in merged] == [
        T0,
        T0 + timedelta(days=1),
        T0 + timedelta(days=4),
        T0 + timedelta(days=7),
    ]
    assert [b.close for b in merged] == [1.0, 4.0, 7.0, 10.0]
    assert [b.volume for b in merged] == [1.0, 3.0, 3.0, 3.0]
    assert h.downsample(daily, 10) == (daily, 1)


@given(
    closes=st.lists(st.floats(0.01, 1e6), min_size=1, max_size=300),
    limit=st.integers(1, 60),
)
def test_downsample_properties(closes: list[float], limit: int) -> None:
    daily = bars(closes, volume=[1.0] * len(closes))
    merged, per_point = h.downsample(daily, limit)
    assert len(merged) <= limit
    assert merged[-1].close == closes[-1] and merged[0].t == daily[0].t
    assert math.isclose(sum(b.volume or 0.0 for b in merged), float(len(closes)))
    assert per_point == math.ceil(len(closes) / limit)


def test_stats_by_hand() -> None:
    # closes 100, 120, 90, 110: change +10 %, worst fall 120 -> 90 = -25 %
    daily = bars([100.0, 120.0, 90.0, 110.0])
    got = h.stats(daily, "daily")
    assert got.change_pct == pytest.approx(10.0)
    assert (got.high, got.low) == (120.0, 90.0)
    assert got.max_drawdown_pct == pytest.approx(-25.0)
    returns = [math.log(1.2), math.log(0.75), math.log(110 / 90)]
    mean = sum(returns) / 3
    std = math.sqrt(sum((r - mean) ** 2 for r in returns) / 2)
    assert got.volatility_annual_pct == pytest.approx(std * math.sqrt(365) * 100)


def test_stats_use_candle_extremes_and_the_shared_indicators() -> None:
    week = [candle(T0 + timedelta(weeks=i), c, c * 1.1, c * 0.8, c) for i, c in enumerate([10.0, 12.0, 11.0])]
    got = h.stats(week, "weekly")
    assert got.high == pytest.approx(13.2) and got.low == pytest.approx(8.0)
    closes = [10.0, 12.0, 11.0]
    assert got.volatility_annual_pct == pytest.approx(
        ind.annualised_volatility(closes, 2, periods_per_year=365 / 7) * 100  # type: ignore[operator]
    )
    drawdown = ind.drawdown(closes)
    assert drawdown is not None and got.max_drawdown_pct == pytest.approx(drawdown.max_depth * 100)


def test_stats_of_too_few_bars_are_null_not_zero() -> None:
    one = h.stats(bars([5.0]), "daily")
    assert (one.change_pct, one.volatility_annual_pct) == (None, None)
    assert (one.high, one.low, one.max_drawdown_pct) == (5.0, 5.0, 0.0)
    assert h.stats(bars([5.0, 6.0]), "daily").volatility_annual_pct is None


def test_clean_drops_what_is_not_a_price_and_orders_by_time() -> None:
    late, early = T0 + timedelta(days=1), T0
    rows = [
        h.Bar(late, 2.0, open=2.0, high=1.0, low=3.0),  # high below low: candle dropped, close kept
        h.Bar(early, math.nan),
        h.Bar(early, 1.0, volume=-5.0, market_cap=math.inf),
        h.Bar(early, 1.5),  # a later row for the same time wins
        h.Bar(late + timedelta(days=1), -1.0),
    ]
    assert h.clean(rows) == [h.Bar(early, 1.5), h.Bar(late, 2.0)]


def test_daily_series_round_trip_for_the_grade_model() -> None:
    series = DailySeries(
        dates=[date(2026, 5, 18), date(2026, 5, 19)], close=[1.0, 2.0], volume=[3.0, None], market_cap=None
    )
    history = h.from_daily_series(series)
    assert history.bars[0] == h.Bar(T0, 1.0, volume=3.0)
    assert history.last_price_at == datetime(2026, 5, 19, 23, 59, 59, tzinfo=UTC)
    back = h.to_daily_series(history.bars)
    assert list(back.dates) == list(series.dates) and list(back.close) == [1.0, 2.0]
    assert list(back.volume or []) == [3.0, None] and list(back.market_cap or []) == [None, None]
