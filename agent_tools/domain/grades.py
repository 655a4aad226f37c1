"""Open-model trader and investor grades from a daily price / volume / market-cap series.

Pure functions: no I/O, no clock, no cross-section. One asset is graded on its own history, so
the same code serves the `get_grade` tool and the backtest (benchmarks/grade_backtest.py).
Method, weights and backtest results: docs/grades.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Literal

from agent_tools.domain import indicators as ind
from agent_tools.domain.model_card import Accuracy, ModelCard

Horizon = Literal["trader", "investor"]
Signal = Literal["bullish", "bearish", "neutral"]

TRADER_MIN_DAYS = 120
"""A 100-day SMA and 90-day windows, plus ~20 rows for the MACD EMAs to settle."""
TRADER_LOOKBACK_DAYS = 200
"""The trader grade reads only the last 200 rows, so a 200-row slice and a 10-year history
give the same trader grade (the backtest and the tool can pass different lengths)."""
INVESTOR_MIN_DAYS = 365
"""One full year: the 365-day volatility (and the weight-0 365-day SMA and Sharpe ratio) need it."""

BULLISH_THRESHOLD = 60.0
"""Trader grade >= 60 -> bullish; see docs/grades.md for the backtest by bucket."""
BEARISH_THRESHOLD = 40.0
"""Trader grade <= 40 -> bearish; in between -> neutral."""

_MIN_VOLUME_SHARE = 2 / 3
"""A volume or market-cap window counts only if at least this share of its days have data."""


@dataclass(frozen=True)
class DailySeries:
    """One row per day, oldest first. Volume and market cap are in the quote currency.

    Closes must be finite and > 0. Volume and market cap may be missing as a whole (``None``) or
    per day (``None``, NaN or <= 0, which upstream feeds use for "no data").
    """

    dates: Sequence[date]
    close: Sequence[float]
    volume: Sequence[float | None] | None = None
    market_cap: Sequence[float | None] | None = None

    def __post_init__(self) -> None:
        n = len(self.dates)
        if n == 0:
            raise ValueError("series is empty")
        if len(self.close) != n:
            raise ValueError("dates and close differ in length")
        for name, column in (("volume", self.volume), ("market_cap", self.market_cap)):
            if column is not None and len(column) != n:
                raise ValueError(f"dates and {name} differ in length")
        if any(b <= a for a, b in pairwise(self.dates)):
            raise ValueError("dates must be strictly increasing")
        if not all(math.isfinite(c) and c > 0 for c in self.close):
            raise ValueError("every close must be finite and > 0")

    def tail(self, rows: int) -> DailySeries:
        """The last ``rows`` rows (all of them if the series is shorter)."""
        start = max(0, len(self.dates) - rows)
        return DailySeries(
            dates=self.dates[start:],
            close=self.close[start:],
            volume=None if self.volume is None else self.volume[start:],
            market_cap=None if self.market_cap is None else self.market_cap[start:],
        )


@dataclass(frozen=True)
class Factor:
    """One input of a grade. ``weight`` is the weight actually used (renormalised; 0 if no data)."""

    name: str
    horizon: Horizon
    value: float | None
    score: float | None
    weight: float
    description: str


@dataclass(frozen=True)
class GradeResult:
    """Both grades (None when history is too short), the signal, the factors that make them, and why.

    ``unweighted`` holds the factors computed with weight 0: backtests and the docs read them, answers
    leave them out (they do not move a grade, and results must stay small).
    """

    trader_grade: float | None
    investor_grade: float | None
    signal: Signal | None
    factors: list[Factor]
    unweighted: list[Factor]
    warnings: list[str]
    method: str
    as_of: date


# --- score transforms: fixed maps from a raw value to 0..100, the same for every asset ---------


def _logistic(scale: float, centre: float = 0.0) -> Callable[[float], float]:
    """100 / (1 + exp(-(x - centre) / scale)): 50 at the centre, ~73 one scale above it."""

    def score(x: float) -> float:
        z = (x - centre) / scale
        if z < -500.0:
            return 0.0
        return 100.0 / (1.0 + math.exp(-z))

    return score


def _linear(low: float, high: float) -> Callable[[float], float]:
    """0 at ``low``, 100 at ``high``, clipped outside (``low`` may exceed ``high``)."""

    def score(x: float) -> float:
        return 100.0 * min(1.0, max(0.0, (x - low) / (high - low)))

    return score


def _neg_log_logistic(scale: float, centre: float = 1.0) -> Callable[[float], float]:
    """Logistic in -ln(x / centre): values below the centre score above 50."""
    inner = _logistic(scale)
    return lambda x: inner(-math.log(max(x, 1e-12) / centre))


def _log10_linear(low: float, high: float) -> Callable[[float], float]:
    inner = _linear(math.log10(low), math.log10(high))
    return lambda x: inner(math.log10(x))


# --- factor values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderGrades:
    """Grades a provider computed itself (Token Metrics): 0-100, None where it sent none."""

    trader_grade: float | None
    investor_grade: float | None
    signal: Signal | None
    ta_grade: float | None
    quant_grade: float | None
    as_of: date  # the oldest of the rows used
    notes: tuple[str, ...] = ()  # caveats in our own words (which token a shared ticker meant)


@dataclass(frozen=True)
class _Window:
    """The rows one horizon reads, with missing volume / market cap as None."""

    close: Sequence[float]
    volume: list[float | None]
    market_cap: list[float | None]


def _clean(column: Sequence[float | None] | None, n: int) -> list[float | None]:
    if column is None:
        return [None] * n
    return [v if v is not None and math.isfinite(v) and v > 0 else None for v in column]


def _mean_present(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    if not values or len(present) < _MIN_VOLUME_SHARE * len(values):
        return None
    return math.fsum(present) / len(present)


def _ma_structure(w: _Window) -> float | None:
    """Share of the 6 pairs among (close, SMA20, SMA50, SMA100) where the shorter is above."""
    levels = [
        w.close[-1],
        ind.mean_last(w.close, 20),
        ind.mean_last(w.close, 50),
        ind.mean_last(w.close, 100),
    ]
    known = [v for v in levels if v is not None]
    if len(known) < len(levels):
        return None
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    return sum(1 for i, j in pairs if known[i] > known[j]) / len(pairs)


def _macd_histogram(w: _Window) -> float | None:
    histogram = ind.macd(w.close).histogram[-1]
    return None if histogram is None else histogram / w.close[-1]


def _volatility_regime(w: _Window) -> float | None:
    short, long = ind.annualised_volatility(w.close, 30), ind.annualised_volatility(w.close, 90)
    if short is None or long is None or long == 0.0:
        return None
    return max(short, 1e-12) / long


def _volume_trend(w: _Window) -> float | None:
    if len(w.volume) < 90:
        return None
    recent, base = _mean_present(w.volume[-7:]), _mean_present(w.volume[-90:])
    if recent is None or base is None:
        return None
    return math.log(recent / base)


def _drawdown_90d(w: _Window) -> float | None:
    if len(w.close) < 90:
        return None
    return w.close[-1] / max(w.close[-90:]) - 1.0


def _long_term_trend(w: _Window) -> float | None:
    average = ind.mean_last(w.close, 365)
    return None if average is None else math.log(w.close[-1] / average)


def _drawdown_from_ath(w: _Window) -> float | None:
    dd = ind.drawdown(w.close)
    return None if dd is None else dd.current


def _recovery(w: _Window) -> float | None:
    dd = ind.drawdown(w.close)
    return None if dd is None else dd.recovery


def _liquidity(w: _Window) -> float | None:
    ratios = [
        v / m
        for v, m in zip(w.volume[-30:], w.market_cap[-30:], strict=True)
        if v is not None and m is not None
    ]
    if len(ratios) < _MIN_VOLUME_SHARE * 30:
        return None
    ratios.sort()
    mid = len(ratios) // 2
    return ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2


def _market_cap(w: _Window) -> float | None:
    """Latest market cap, if one exists in the last 7 days (an older one is not "current")."""
    recent = [m for m in w.market_cap[-7:] if m is not None]
    return recent[-1] if recent else None


@dataclass(frozen=True)
class _Spec:
    name: str
    weight: float
    description: str
    value: Callable[[_Window], float | None]
    score: Callable[[float], float]


# Trader weights, frozen: chosen on 2017-01-01..2021-12-31 only, by scripts/fit_grade_weights.py
# (output in docs/grades.md). Rule fixed in advance: weight proportional to the factor's mean
# weekly rank IC with the 30-day forward return, averaged over yahoo_daily and coingecko_daily,
# if positive in both; else 0. Rounded to 0.05. return_90d, volatility_regime and volume_trend
# had IC <= 0 in at least one set, so they are reported for information with weight 0.
_TRADER: tuple[_Spec, ...] = (
    _Spec(
        "trend_ma_structure",
        0.20,
        "share of the 6 pairs of (close, SMA20, SMA50, SMA100) in bullish order (shorter above longer)",
        _ma_structure,
        _linear(0.0, 1.0),
    ),
    _Spec("return_7d", 0.15, "7-day log return", lambda w: ind.log_return(w.close, 7), _logistic(0.10)),
    _Spec("return_30d", 0.10, "30-day log return", lambda w: ind.log_return(w.close, 30), _logistic(0.20)),
    _Spec("return_90d", 0.0, "90-day log return", lambda w: ind.log_return(w.close, 90), _logistic(0.35)),
    _Spec(
        "rsi_14",
        0.15,
        "14-day RSI (Wilder); read as momentum, 30 -> score 0, 70 -> score 100",
        lambda w: ind.rsi(w.close, 14)[-1],
        _linear(30.0, 70.0),
    ),
    _Spec(
        "macd_histogram",
        0.10,
        "MACD(12,26,9) histogram divided by the close",
        _macd_histogram,
        _logistic(0.01),
    ),
    _Spec(
        "volatility_regime",
        0.0,
        "30-day / 90-day annualised volatility; calmer than usual scores higher",
        _volatility_regime,
        _neg_log_logistic(0.25),
    ),
    _Spec(
        "volume_trend",
        0.0,
        "ln(mean volume of the last 7 days / mean of the last 90)",
        _volume_trend,
        _logistic(0.5),
    ),
    _Spec(
        "drawdown_90d",
        0.30,
        "close / highest close of the last 90 days - 1; -50 % or worse scores 0",
        _drawdown_90d,
        _linear(-0.5, 0.0),
    ),
)

# Investor (risk) weights, frozen: chosen on 2017-01-01..2021-12-31 only, by
# scripts/fit_investor_weights.py (output in docs/grades.md), against the forward 90-day maximum
# drawdown. Rule fixed in advance: weights proportional to each factor's training risk IC if positive
# in every set with data; accepted only if that grade reached trailing 365-day volatility in both
# training sets. It did not (yahoo +0.342 vs +0.347), so by the same advance rule the grade is the two
# volatility factors; the others are computed (backtests, docs) with weight 0.
_INVESTOR: tuple[_Spec, ...] = (
    _Spec(
        "long_term_trend",
        0.0,
        "ln(close / 365-day SMA)",
        _long_term_trend,
        _logistic(0.5),
    ),
    _Spec(
        "drawdown_from_ath",
        0.0,
        "close / highest close in the history supplied - 1",
        _drawdown_from_ath,
        _linear(-1.0, 0.0),
    ),
    _Spec(
        "drawdown_recovery",
        0.0,
        "share of the worst peak-to-trough fall that has since been regained (0..1)",
        _recovery,
        _linear(0.0, 1.0),
    ),
    _Spec(
        "sharpe_365d",
        0.0,
        "annualised mean / volatility of daily log returns over 365 days (risk-free 0)",
        lambda w: ind.sharpe_ratio(w.close, 365),
        _logistic(1.0),
    ),
    _Spec(
        "liquidity",
        0.0,
        "median daily volume / market cap over 30 days; 0.1 % scores 0, 10 % scores 100 (log scale)",
        _liquidity,
        _log10_linear(0.001, 0.1),
    ),
    _Spec(
        "market_cap_size",
        0.0,
        "latest market cap (USD); $10M scores 0, $100B scores 100 (log scale)",
        _market_cap,
        _log10_linear(1e7, 1e11),
    ),
    _Spec(
        "volatility_90d",
        0.5,
        "annualised volatility of daily log returns over 90 days; 80 % scores 50, calmer scores higher",
        lambda w: ind.annualised_volatility(w.close, 90),
        _neg_log_logistic(0.4, 0.8),
    ),
    _Spec(
        "volatility_365d",
        0.5,
        "annualised volatility of daily log returns over 365 days; 80 % scores 50, calmer scores higher",
        lambda w: ind.annualised_volatility(w.close, 365),
        _neg_log_logistic(0.4, 0.8),
    ),
    _Spec(
        "history_length",
        0.0,
        "days of price history supplied; 4 years or more scores 100",
        lambda w: float(len(w.close)),
        _linear(0.0, 4 * 365.0),
    ),
)


def _weighted(specs: Sequence[_Spec]) -> list[_Spec]:
    return [s for s in specs if s.weight > 0]


def _weights(specs: Sequence[_Spec]) -> str:
    return ", ".join(f"{s.name} {s.weight:.2f}" for s in specs)


METHOD = (
    "Open model (no machine learning, no cross-section): each factor's raw value is mapped to a "
    "0-100 score by a fixed transform and the grade is the weighted mean of the scores; factors "
    "without data are left out and the other weights renormalised. "
    f"Trader grade (weeks; last {TRADER_LOOKBACK_DAYS} daily rows, needs {TRADER_MIN_DAYS}): "
    f"{_weights(_weighted(_TRADER))}; weights fitted on 2017-2021 only. Investor grade, a risk grade "
    f"(months; needs {INVESTOR_MIN_DAYS} days): {_weights(_weighted(_INVESTOR))}, higher = calmer, "
    "which ranked forward 90-day drawdowns. Signal from the trader grade: "
    f">= {BULLISH_THRESHOLD:g} bullish, <= {BEARISH_THRESHOLD:g} bearish, otherwise neutral. A grade on "
    "day t uses data up to t only. Weak evidence for the trader grade (backtest rank IC of a few "
    "hundredths), not advice; the investor grade ranks risk, not expected return."
)

MODEL_CARD = ModelCard(
    what="trader grade: ranks the 30-day forward return; investor grade: a risk grade, higher = "
    "shallower forward 90-day max drawdown",
    accuracy=[
        Accuracy(metric="trader grade IC", value=0.057, ci95=(-0.012, 0.123)),
        Accuracy(metric="investor risk_IC", value=0.592, ci95=(0.542, 0.651)),
        Accuracy(metric="365-day volatility risk_IC (baseline)", value=0.542, ci95=(0.493, 0.607)),
    ],
    measured_on="2022-01..2025-02 holdout, 18 assets, weekly Spearman; benchmarks/grade_backtest.py",
    fitted_at=date(2026, 12, 1),
)
"""The open model's card for answers: the holdout figures of docs/grades.md (trader weights fitted
2026-11-26, investor weights 2026-12-01)."""


def _grade(
    specs: Sequence[_Spec], horizon: Horizon, window: _Window | None, warnings: list[str]
) -> tuple[float | None, list[Factor], list[Factor]]:
    """The grade, its weighted factors (weights as used) and its weight-0 factors."""
    raw: list[tuple[_Spec, float | None, float | None]] = []
    for spec in specs:
        value = spec.value(window) if window is not None else None
        score = None if value is None else round(spec.score(value), 2)
        raw.append((spec, value, score))
    used = math.fsum(spec.weight for spec, _, score in raw if score is not None)
    if window is not None:
        missing = [spec.name for spec, _, score in raw if score is None and spec.weight > 0]
        if missing:
            warnings.append(f"{horizon} grade: no data for {', '.join(missing)}; their weight is shared out")
    factors = [
        Factor(
            name=spec.name,
            horizon=horizon,
            value=value,
            score=score,
            weight=spec.weight / used if score is not None and used > 0 else 0.0,
            description=spec.description,
        )
        for spec, value, score in raw
    ]
    weighted = [f for f, (spec, _, _) in zip(factors, raw, strict=True) if spec.weight > 0]
    unweighted = [f for f, (spec, _, _) in zip(factors, raw, strict=True) if spec.weight == 0]
    if window is None or used == 0:
        return None, weighted, unweighted
    grade = math.fsum(f.weight * f.score for f in weighted if f.score is not None)
    return round(min(100.0, max(0.0, grade)), 2), weighted, unweighted


def signal_for(trader_grade: float | None) -> Signal | None:
    """Bullish / bearish / neutral from the trader grade, with the module's thresholds."""
    if trader_grade is None:
        return None
    if trader_grade >= BULLISH_THRESHOLD:
        return "bullish"
    if trader_grade <= BEARISH_THRESHOLD:
        return "bearish"
    return "neutral"


def _gap_warning(dates: Sequence[date]) -> str | None:
    gaps = sum(1 for a, b in pairwise(dates) if (b - a).days > 1)
    if not gaps:
        return None
    return f"{gaps} gap(s) in the daily dates; windows count rows, so they span more calendar days"


def compute_grades(series: DailySeries) -> GradeResult:
    """Trader and investor grade of one asset as of its last row, from that row and earlier ones."""
    n = len(series.close)
    volume = _clean(series.volume, n)
    market_cap = _clean(series.market_cap, n)
    warnings: list[str] = []
    gap = _gap_warning(series.dates)
    if gap:
        warnings.append(gap)

    trader_window: _Window | None = None
    if n >= TRADER_MIN_DAYS:
        k = min(n, TRADER_LOOKBACK_DAYS)
        trader_window = _Window(series.close[-k:], volume[-k:], market_cap[-k:])
    else:
        warnings.append(f"trader grade needs {TRADER_MIN_DAYS} days of history, got {n}: not graded")
    investor_window: _Window | None = None
    if n >= INVESTOR_MIN_DAYS:
        investor_window = _Window(series.close, volume, market_cap)
    else:
        warnings.append(f"investor grade needs {INVESTOR_MIN_DAYS} days of history, got {n}: not graded")

    trader_grade, trader_factors, trader_info = _grade(_TRADER, "trader", trader_window, warnings)
    investor_grade, investor_factors, investor_info = _grade(_INVESTOR, "investor", investor_window, warnings)
    return GradeResult(
        trader_grade=trader_grade,
        investor_grade=investor_grade,
        signal=signal_for(trader_grade),
        factors=trader_factors + investor_factors,
        unweighted=trader_info + investor_info,
        warnings=warnings,
        method=METHOD,
        as_of=series.dates[-1],
    )
