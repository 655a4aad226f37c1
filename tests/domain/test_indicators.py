"""Indicator maths against values worked out by hand (the working is in the comments)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tools.domain import indicators as ind


def test_sma_hand_computed() -> None:
    # windows of 3: (1+2+3)/3 = 2, (2+3+4)/3 = 3, (3+4+8)/3 = 5
    assert ind.sma([1, 2, 3, 4, 8], 3) == [None, None, 2.0, 3.0, 5.0]


def test_ema_seeded_with_sma() -> None:
    # span 3 -> alpha 0.5; seed = mean(2, 4, 6) = 4; then 4 + 0.5*(8-4) = 6; 6 + 0.5*(4-6) = 5
    assert ind.ema([2, 4, 6, 8, 4], 3) == [None, None, 4.0, 6.0, 5.0]


def test_ema_shorter_than_span_is_all_none() -> None:
    assert ind.ema([1.0, 2.0], 3) == [None, None]


def test_rsi_wilder_hand_computed() -> None:
    # changes +1, +1, -1, +2 with period 3:
    # first averages: gain (1+1+0)/3 = 2/3, loss (0+0+1)/3 = 1/3 -> RS 2 -> RSI 100 - 100/3
    # Wilder step: gain (2/3*2 + 2)/3 = 10/9, loss (1/3*2 + 0)/3 = 2/9 -> RS 5 -> RSI 100 - 100/6
    out = ind.rsi([1, 2, 3, 2, 4], 3)
    assert out[:3] == [None, None, None]
    assert out[3] == pytest.approx(100 - 100 / 3)
    assert out[4] == pytest.approx(100 - 100 / 6)


def test_rsi_of_monotone_and_flat_series() -> None:
    assert ind.rsi([float(i) for i in range(1, 40)], 14)[-1] == 100.0
    assert ind.rsi([float(i) for i in range(40, 1, -1)], 14)[-1] == 0.0
    assert ind.rsi([5.0] * 30, 14)[-1] == 50.0


def test_macd_hand_computed() -> None:
    # values 1, 2, 4, 8, 16 with fast 2 (alpha 2/3), slow 3 (alpha 1/2), signal 2:
    # fast: seed (1+2)/2 = 3/2; 3/2 + 2/3*(4 - 3/2) = 19/6; 19/6 + 2/3*(8 - 19/6) = 115/18;
    #       115/18 + 2/3*(16 - 115/18) = 691/54
    # slow: seed (1+2+4)/3 = 7/3; 7/3 + 1/2*(8 - 7/3) = 31/6; 31/6 + 1/2*(16 - 31/6) = 127/12
    # line: 19/6 - 7/3 = 5/6; 115/18 - 31/6 = 11/9; 691/54 - 127/12 = 239/108
    # signal: seed (5/6 + 11/9)/2 = 37/36; 37/36 + 2/3*(239/108 - 37/36) = 589/324
    # histogram: 11/9 - 37/36 = 7/36; 239/108 - 589/324 = 128/324
    m = ind.macd([1, 2, 4, 8, 16], fast=2, slow=3, signal=2)
    assert m.line[:2] == [None, None]
    assert m.line[2:] == pytest.approx([5 / 6, 11 / 9, 239 / 108])
    assert m.signal[:3] == [None, None, None]
    assert m.signal[3:] == pytest.approx([37 / 36, 589 / 324])
    assert m.histogram[3:] == pytest.approx([7 / 36, 128 / 324])


def test_macd_rejects_fast_not_shorter() -> None:
    with pytest.raises(ValueError, match="fast"):
        ind.macd([1.0] * 40, fast=26, slow=12)


def test_log_return() -> None:
    assert ind.log_return([100, 110, 121], 2) == pytest.approx(math.log(1.21))
    assert ind.log_return([100, 110], 2) is None


def test_annualised_volatility_two_returns() -> None:
    # returns ln 1.1 and ln 0.9; the sample std of two numbers is |a - b| / sqrt(2)
    a, b = math.log(1.1), math.log(0.9)
    expected = abs(a - b) / math.sqrt(2) * math.sqrt(365)
    assert ind.annualised_volatility([100, 110, 99], 2) == pytest.approx(expected)
    assert ind.annualised_volatility([100, 110], 2) is None


def test_annualised_volatility_of_other_periods() -> None:
    # the same two returns as hourly rows: sqrt(365 * 24) instead of sqrt(365)
    a, b = math.log(1.1), math.log(0.9)
    expected = abs(a - b) / math.sqrt(2) * math.sqrt(365 * 24)
    assert ind.annualised_volatility([100, 110, 99], 2, periods_per_year=365 * 24) == pytest.approx(expected)


def test_sharpe_ratio() -> None:
    # returns ln 1.1 and ln 0.9 -> mean (a + b)/2, std |a - b|/sqrt(2), annualised by sqrt(365)
    a, b = math.log(1.1), math.log(0.9)
    expected = ((a + b) / 2) / (abs(a - b) / math.sqrt(2)) * math.sqrt(365)
    assert ind.sharpe_ratio([100, 110, 99], 2) == pytest.approx(expected)
    assert ind.sharpe_ratio([1.0, 2.0, 4.0, 8.0], 3) is None  # constant log return: no volatility


def test_drawdown_of_known_series() -> None:
    # peak 120 at index 1, trough 60 at index 2: -50 %; 80 regains (80-60)/(120-60) = 1/3;
    # the last value is 80/120 - 1 = -1/3 below the running high
    dd = ind.drawdown([100, 120, 60, 90, 80])
    assert dd is not None
    assert dd.max_depth == pytest.approx(-0.5)
    assert (dd.peak_index, dd.trough_index) == (1, 2)
    assert dd.recovery == pytest.approx(1 / 3)
    assert dd.current == pytest.approx(-1 / 3)


def test_drawdown_new_high_is_full_recovery() -> None:
    dd = ind.drawdown([100, 50, 150])
    assert dd is not None
    assert dd.max_depth == pytest.approx(-0.5)
    assert dd.recovery == 1.0
    assert dd.current == 0.0


def test_drawdown_of_rising_and_empty_series() -> None:
    dd = ind.drawdown([1, 2, 3])
    assert dd is not None
    assert (dd.max_depth, dd.recovery, dd.current) == (0.0, 1.0, 0.0)
    assert ind.drawdown([]) is None


def test_mean_last() -> None:
    assert ind.mean_last([1, 2, 3, 6], 2) == 4.5
    assert ind.mean_last([1], 2) is None


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        ind.sma([1.0], 0)


prices = st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=120)


@given(prices, st.integers(min_value=0, max_value=120))
def test_series_indicators_are_causal(values: list[float], cut: int) -> None:
    """Appending rows never changes an earlier value."""
    prefix = values[:cut]
    assert ind.sma(prefix, 5) == ind.sma(values, 5)[:cut]
    assert ind.ema(prefix, 5) == ind.ema(values, 5)[:cut]
    assert ind.rsi(prefix, 14) == ind.rsi(values, 14)[:cut]
    assert ind.macd(prefix).histogram == ind.macd(values).histogram[:cut]


@given(prices)
def test_rsi_in_range(values: list[float]) -> None:
    assert all(0.0 <= v <= 100.0 for v in ind.rsi(values, 14) if v is not None)
