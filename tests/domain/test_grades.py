"""Open-model grades: history limits, missing data, no look-ahead, bounds, determinism."""

import math
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_tools.domain import grades as g
from agent_tools.domain.grades import DailySeries, compute_grades

START = date(2020, 1, 1)


def make_series(
    log_returns: list[float], with_volume: bool = True, with_market_cap: bool = True
) -> DailySeries:
    close = [100.0]
    for r in log_returns:
        close.append(close[-1] * math.exp(r))
    n = len(close)
    return DailySeries(
        dates=[START + timedelta(days=i) for i in range(n)],
        close=close,
        volume=[1e6 * (1 + (i % 7) / 10) for i in range(n)] if with_volume else None,
        market_cap=[c * 1e7 for c in close] if with_market_cap else None,
    )


def wave(n: int, drift: float = 0.0) -> list[float]:
    """Deterministic wiggly log returns (no randomness in the plain tests)."""
    return [drift + 0.03 * math.sin(i * 0.7) for i in range(n)]


def by_name(result: g.GradeResult) -> dict[str, g.Factor]:
    return {f.name: f for f in result.factors}


def test_too_little_history_gives_none_and_warnings() -> None:
    result = compute_grades(make_series(wave(50)))
    assert result.trader_grade is None
    assert result.investor_grade is None
    assert result.signal is None
    assert any("trader grade needs 120" in w for w in result.warnings)
    assert any("investor grade needs 365" in w for w in result.warnings)
    assert all(f.score is None and f.weight == 0.0 for f in result.factors)


def test_trader_only_between_minimums() -> None:
    result = compute_grades(make_series(wave(200)))
    assert result.trader_grade is not None
    assert result.investor_grade is None
    assert any("investor grade needs 365 days of history, got 201" in w for w in result.warnings)


def test_full_history_grades_both_and_reports_every_factor() -> None:
    result = compute_grades(make_series(wave(500)))
    assert result.trader_grade is not None
    assert result.investor_grade is not None
    assert result.as_of == START + timedelta(days=500)
    names = {f.name for f in result.factors}
    assert {"trend_ma_structure", "rsi_14", "macd_histogram", "drawdown_90d"} <= names
    assert {"volatility_90d", "volatility_365d"} <= names
    info = {f.name for f in result.unweighted}
    assert {
        "volatility_regime",
        "volume_trend",
        "drawdown_from_ath",
        "market_cap_size",
        "history_length",
    } <= info
    assert not names & info and all(f.weight == 0.0 for f in result.unweighted)
    assert all(f.value is not None and f.score is not None for f in result.factors + result.unweighted)
    assert result.warnings == []
    assert "60" in result.method
    assert "40" in result.method


def test_grade_is_weighted_mean_of_scores() -> None:
    result = compute_grades(make_series(wave(500, drift=0.002)))
    for horizon, grade in (("trader", result.trader_grade), ("investor", result.investor_grade)):
        factors = [f for f in result.factors if f.horizon == horizon]
        assert sum(f.weight for f in factors) == pytest.approx(1.0)
        assert grade == pytest.approx(sum(f.weight * (f.score or 0.0) for f in factors), abs=0.01)


def every_factor(result: g.GradeResult) -> dict[str, g.Factor]:
    return {f.name: f for f in result.factors + result.unweighted}


def test_missing_volume_and_market_cap_are_none_and_only_weighted_gaps_warn() -> None:
    result = compute_grades(make_series(wave(500), with_volume=False, with_market_cap=False))
    factors = every_factor(result)
    for name in ("volume_trend", "liquidity", "market_cap_size"):
        assert factors[name].value is None
        assert factors[name].score is None
        assert factors[name].weight == 0.0
    assert result.investor_grade is not None and result.warnings == []  # no weighted factor needs them


def test_missing_weighted_factor_is_renormalised_and_named() -> None:
    result = compute_grades(make_series(wave(364)))  # 365 rows: 364 returns, one short of volatility_365d
    factors = by_name(result)
    assert factors["volatility_365d"].score is None and factors["volatility_365d"].weight == 0.0
    assert factors["volatility_90d"].weight == pytest.approx(1.0)
    assert result.investor_grade == factors["volatility_90d"].score
    assert any("investor grade: no data for volatility_365d" in w for w in result.warnings)


def test_investor_grade_is_a_risk_grade_calmer_scores_higher() -> None:
    calm = compute_grades(make_series([0.01 * math.sin(i * 0.7) for i in range(500)]))
    wild = compute_grades(make_series([0.08 * math.sin(i * 0.7) for i in range(500)]))
    assert calm.investor_grade is not None and wild.investor_grade is not None
    assert calm.investor_grade > 80 and wild.investor_grade < 40  # ~10 % vs ~110 % a year


def test_zero_and_nan_volume_count_as_missing() -> None:
    base = make_series(wave(300))
    volume: list[float | None] = [0.0 if i % 2 else math.nan for i in range(len(base.close))]
    result = compute_grades(DailySeries(base.dates, base.close, volume, base.market_cap))
    assert every_factor(result)["volume_trend"].value is None


def test_market_cap_older_than_a_week_is_not_current() -> None:
    base = make_series(wave(400))
    assert base.market_cap is not None
    market_cap = [*base.market_cap[:-8], *([None] * 8)]
    result = compute_grades(DailySeries(base.dates, base.close, base.volume, market_cap))
    assert every_factor(result)["market_cap_size"].value is None


def test_rising_and_falling_series_give_bullish_and_bearish() -> None:
    up = compute_grades(make_series(wave(400, drift=0.01)))
    down = compute_grades(make_series(wave(400, drift=-0.01)))
    assert up.signal == "bullish"
    assert down.signal == "bearish"
    assert up.trader_grade is not None
    assert down.trader_grade is not None
    assert up.trader_grade > down.trader_grade


def test_signal_thresholds() -> None:
    assert g.signal_for(None) is None
    assert g.signal_for(g.BULLISH_THRESHOLD) == "bullish"
    assert g.signal_for(g.BEARISH_THRESHOLD) == "bearish"
    assert g.signal_for(50.0) == "neutral"


def test_gap_in_dates_warns() -> None:
    base = make_series(wave(130))
    dates = [*base.dates[:-1], base.dates[-1] + timedelta(days=3)]
    result = compute_grades(DailySeries(dates, base.close, base.volume, base.market_cap))
    assert any("1 gap(s)" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dates": [], "close": []}, "empty"),
        ({"dates": [START, START], "close": [1.0, 2.0]}, "increasing"),
        ({"dates": [START], "close": [0.0]}, "> 0"),
        ({"dates": [START], "close": [math.nan]}, "> 0"),
        ({"dates": [START], "close": [1.0, 2.0]}, "length"),
        ({"dates": [START], "close": [1.0], "volume": [1.0, 2.0]}, "volume"),
    ],
)
def test_series_validation(kwargs: dict[str, list[object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DailySeries(**kwargs)  # type: ignore[arg-type]


log_returns = st.lists(st.floats(min_value=-0.3, max_value=0.3), max_size=420)
volumes = st.one_of(st.none(), st.floats(min_value=0.0, max_value=1e12))


def cut(series: DailySeries, rows: int) -> DailySeries:
    """The first ``rows`` rows: what a grader saw on that day."""
    return DailySeries(
        series.dates[:rows],
        series.close[:rows],
        None if series.volume is None else series.volume[:rows],
        None if series.market_cap is None else series.market_cap[:rows],
    )


@settings(max_examples=30, deadline=None)
@given(log_returns, log_returns)
def test_no_look_ahead(history: list[float], future: list[float]) -> None:
    """A grade on day t is unchanged when rows after t are appended."""
    past = make_series(history)
    extended = make_series(history + future)
    assert compute_grades(cut(extended, len(past.close))) == compute_grades(past)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=-0.3, max_value=0.3), min_size=g.TRADER_LOOKBACK_DAYS, max_size=600))
def test_trader_grade_reads_only_the_lookback(returns: list[float]) -> None:
    """Rows before the lookback are ignored, so the tool (a year) and the backtest (a tail) agree."""
    full = make_series(returns)
    tail = full.tail(g.TRADER_LOOKBACK_DAYS)
    assert len(tail.close) == g.TRADER_LOOKBACK_DAYS
    assert compute_grades(tail).trader_grade == compute_grades(full).trader_grade


@settings(max_examples=40, deadline=None)
@given(
    log_returns, st.lists(volumes, min_size=421, max_size=421), st.lists(volumes, min_size=421, max_size=421)
)
def test_grades_always_within_0_100(
    returns: list[float], vol: list[float | None], cap: list[float | None]
) -> None:
    base = make_series(returns)
    n = len(base.close)
    result = compute_grades(DailySeries(base.dates, base.close, vol[:n], cap[:n]))
    for grade in (result.trader_grade, result.investor_grade):
        assert grade is None or 0.0 <= grade <= 100.0
    assert all(f.score is None or 0.0 <= f.score <= 100.0 for f in result.factors)
    assert (result.trader_grade is None) == (n < g.TRADER_MIN_DAYS)
    assert (result.investor_grade is None) == (n < g.INVESTOR_MIN_DAYS)


def test_deterministic() -> None:
    series = make_series(wave(400, drift=0.001))
    assert compute_grades(series) == compute_grades(series)


def test_model_card_quotes_the_documented_holdout_figures() -> None:
    """The answer's figures are those docs/grades.md shows for the holdout runs, rounded (no drift)."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "grades.md").read_text(encoding="utf-8")
    trader, risk, volatility = g.MODEL_CARD.accuracy
    ic = re.search(r"trader grade +IC ([-+.\d]+) \[([-+.\d]+), ([-+.\d]+)\]", docs)  # first: the holdout
    risk_ic = re.search(
        r"investor grade +risk IC ([-+.\d]+) \[([-+.\d]+), ([-+.\d]+)\]\n.*\n.*\n.*\n"
        r"risk_IC=[.\d]+ vol_baseline_risk_IC=[.\d]+",
        docs,
    )
    vol_ic = re.search(
        r"-365-day volatility +risk IC ([-+.\d]+) \[([-+.\d]+), ([-+.\d]+)\]\n.*\n.*\n"
        r"risk_IC=",
        docs,
    )
    for found, card in ((ic, trader), (risk_ic, risk), (vol_ic, volatility)):
        assert found is not None
        assert (card.value, card.ci95) == (
            round(float(found[1]), 3),
            (round(float(found[2]), 3), round(float(found[3]), 3)),
        )
