"""Backtest of the open-model grades: does the trader grade rank assets by their forward return, and
the investor grade by their risk?

    python benchmarks/grade_backtest.py --prices-dir ../shared/data/prices/yahoo_daily [--horizon 30]
        [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--history-days N] [--out PNG]

Reads every ``*_1d.csv`` (Yahoo: ``datetime,open,high,low,close,volume``) and ``*-usd-max.csv``
(CoinGecko export: ``snapped_at,price,market_cap,total_volume``) in the directory. Every Sunday (UTC)
it grades each asset with ``compute_grades`` -- the function the `get_grade` tool uses -- on rows up
to and including that day only.

- Trader grade: compared across assets with the return from that close to the close ``horizon`` days
  later; the baseline is plain 30-day momentum on the same assets and weeks.
- Investor grade (a risk grade): compared with the forward 90-day maximum drawdown (``risk_IC``,
  signed so that a positive IC means a higher grade came with a shallower drawdown); the baseline is
  minus the trailing 365-day volatility (``vol_baseline_risk_IC``). The grade sees the whole history up
  to the day, or its last ``--history-days`` rows.

Lines: ``risk_IC=<x> vol_baseline_risk_IC=<y>``, then last ``IC=<x> baseline_IC=<y> spread=<z>``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np

from agent_tools.domain import indicators as ind
from agent_tools.domain.grades import (
    BEARISH_THRESHOLD,
    BULLISH_THRESHOLD,
    INVESTOR_MIN_DAYS,
    TRADER_LOOKBACK_DAYS,
    DailySeries,
    compute_grades,
)

BASELINE_DAYS = 30
RISK_HORIZON = 90
VOLATILITY_DAYS = 365
MIN_ASSETS = 5
BOOTSTRAP_SAMPLES = 2000
SEED = 20240601
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "grade_backtest.png"


@dataclass(frozen=True)
class Asset:
    symbol: str
    series: DailySeries


@dataclass(frozen=True)
class Obs:
    """One asset on one rebalance day."""

    day: date
    symbol: str
    grade: float
    scores: dict[str, float | None]
    momentum: float
    forward: float
    forward_7d: float | None


@dataclass(frozen=True)
class RiskObs:
    """One asset on one rebalance day, for the investor grade."""

    day: date
    symbol: str
    grade: float
    scores: dict[str, float | None]
    volatility: float  # trailing 365-day annualised volatility
    drawdown: float  # forward 90-day maximum drawdown, <= 0


def load_prices_dir(prices_dir: Path) -> list[Asset]:
    """Every Yahoo ``*_1d.csv`` and CoinGecko ``*-usd-max.csv`` in the directory."""
    return load_yahoo_dir(prices_dir) + load_coingecko_dir(prices_dir)


def load_coingecko_dir(prices_dir: Path) -> list[Asset]:
    """CoinGecko "Download CSV" exports; a 00:00 UTC snapshot on day D is taken as the close of D-1."""
    assets: list[Asset] = []
    for path in sorted(prices_dir.glob("*-usd-max.csv")):
        rows: dict[date, tuple[float, float | None, float | None]] = {}
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                price = parse_float(row["price"])
                if price is None or price <= 0:
                    continue
                day = date.fromisoformat(row["snapped_at"][:10]) - timedelta(1)
                rows[day] = (price, parse_float(row["total_volume"]), parse_float(row["market_cap"]))
        days = sorted(rows)
        if days:
            assets.append(
                Asset(
                    path.name.removesuffix("-usd-max.csv").upper(),
                    DailySeries(
                        dates=days,
                        close=[rows[d][0] for d in days],
                        volume=[rows[d][1] for d in days],
                        market_cap=[rows[d][2] for d in days],
                    ),
                )
            )
    return assets


def load_yahoo_dir(prices_dir: Path) -> list[Asset]:
    """Every ``*_1d.csv``, sorted by date (a repeated date keeps its last row).

    Rows whose close is missing or <= 0 (placeholders in some feeds) are dropped.
    """
    assets: list[Asset] = []
    for path in sorted(prices_dir.glob("*_1d.csv")):
        rows: dict[date, tuple[float, float | None]] = {}
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                c = parse_float(row.get("close"))
                if c is not None and c > 0:
                    rows[date.fromisoformat(row["datetime"][:10])] = (c, parse_float(row.get("volume")))
        if rows:
            days = sorted(rows)
            series = DailySeries(
                dates=days, close=[rows[d][0] for d in days], volume=[rows[d][1] for d in days]
            )
            assets.append(Asset(path.name.removesuffix("_1d.csv"), series))
    return assets


def parse_float(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def build_panel(
    assets: Iterable[Asset], horizon: int, start: date | None = None, end: date | None = None
) -> list[Obs]:
    """Grade each asset every Sunday t with start <= t and t + horizon <= end.

    The grade sees the rows up to t only, cut to the last ``TRADER_LOOKBACK_DAYS`` (all the trader
    grade reads, so this equals grading the whole prefix).
    """
    panel: list[Obs] = []
    for asset in assets:
        s = asset.series
        by_day = {d: i for i, d in enumerate(s.dates)}
        for i, day in enumerate(s.dates):
            if day.weekday() != 6 or (start and day < start) or (end and day + timedelta(horizon) > end):
                continue
            j, past = by_day.get(day + timedelta(horizon)), by_day.get(day - timedelta(BASELINE_DAYS))
            if j is None or past is None:
                continue
            lo = max(0, i + 1 - TRADER_LOOKBACK_DAYS)
            prefix = DailySeries(
                dates=s.dates[lo : i + 1],
                close=s.close[lo : i + 1],
                volume=None if s.volume is None else s.volume[lo : i + 1],
                market_cap=None if s.market_cap is None else s.market_cap[lo : i + 1],
            )
            result = compute_grades(prefix)
            if result.trader_grade is None:
                continue
            week_on = by_day.get(day + timedelta(7))
            panel.append(
                Obs(
                    day=day,
                    symbol=asset.symbol,
                    grade=result.trader_grade,
                    scores={
                        f.name: f.score for f in result.factors + result.unweighted if f.horizon == "trader"
                    },
                    momentum=s.close[i] / s.close[past] - 1.0,
                    forward=s.close[j] / s.close[i] - 1.0,
                    forward_7d=None if week_on is None else s.close[week_on] / s.close[i] - 1.0,
                )
            )
    return panel


def forward_max_drawdown(close: Sequence[float], i: int, j: int) -> float:
    """Deepest fall from a running peak between close ``i`` and close ``j`` (<= 0)."""
    peak, worst = close[i], 0.0
    for c in close[i + 1 : j + 1]:
        peak = max(peak, c)
        worst = min(worst, c / peak - 1.0)
    return worst


def build_risk_panel(
    assets: Iterable[Asset],
    start: date | None = None,
    end: date | None = None,
    history_days: int | None = None,
) -> list[RiskObs]:
    """Investor grade of each asset every Sunday t with start <= t and t + 90 <= end, from the rows up to
    t (the last ``history_days`` of them if given), against the drawdown over the next 90 days."""
    panel: list[RiskObs] = []
    for asset in assets:
        s = asset.series
        by_day = {d: i for i, d in enumerate(s.dates)}
        for i, day in enumerate(s.dates):
            if day.weekday() != 6 or i + 1 < INVESTOR_MIN_DAYS:
                continue
            if (start and day < start) or (end and day + timedelta(RISK_HORIZON) > end):
                continue
            j = by_day.get(day + timedelta(RISK_HORIZON))
            volatility = ind.annualised_volatility(s.close[: i + 1], VOLATILITY_DAYS)
            if j is None or volatility is None:
                continue
            lo = 0 if history_days is None else max(0, i + 1 - history_days)
            result = compute_grades(
                DailySeries(
                    dates=s.dates[lo : i + 1],
                    close=s.close[lo : i + 1],
                    volume=None if s.volume is None else s.volume[lo : i + 1],
                    market_cap=None if s.market_cap is None else s.market_cap[lo : i + 1],
                )
            )
            if result.investor_grade is None:
                continue
            panel.append(
                RiskObs(
                    day=day,
                    symbol=asset.symbol,
                    grade=result.investor_grade,
                    scores={
                        f.name: f.score for f in result.factors + result.unweighted if f.horizon == "investor"
                    },
                    volatility=volatility,
                    drawdown=forward_max_drawdown(s.close, i, j),
                )
            )
    return panel


Observation = TypeVar("Observation", Obs, RiskObs)


def weeks_of(panel: Iterable[Observation]) -> list[list[Observation]]:
    """Cross-sections by day, oldest first, keeping days with at least MIN_ASSETS assets."""
    by_day: dict[date, list[Observation]] = {}
    for o in panel:
        by_day.setdefault(o.day, []).append(o)
    return [sorted(by_day[d], key=lambda o: o.symbol) for d in sorted(by_day) if len(by_day[d]) >= MIN_ASSETS]


def rank(x: Sequence[float]) -> np.ndarray:
    """Ranks 1..n with ties averaged (as in Spearman's rho)."""
    a = np.asarray(x, dtype=float)
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a))
    ranks[order] = np.arange(1, len(a) + 1)
    for value in np.unique(a):
        tied = a == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    rx, ry = rank(x), rank(y)
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def quintile_spread(key: Sequence[float], forward: Sequence[float]) -> float:
    """Mean forward return of the top fifth minus the bottom fifth (at least one asset each)."""
    k = max(1, len(key) // 5)
    order = np.argsort(np.asarray(key, dtype=float), kind="mergesort")
    f = np.asarray(forward, dtype=float)
    return float(f[order[-k:]].mean() - f[order[:k]].mean())


def block_bootstrap_ci(values: Sequence[float], block: int, seed: int = SEED) -> tuple[float, float]:
    """95 % percentile interval of the mean, resampling runs of ``block`` consecutive weeks.

    Forward windows longer than a week overlap, so weekly figures are autocorrelated; resampling
    single weeks would give too narrow an interval.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = math.ceil(n / block)
    starts = rng.integers(0, n - block + 1, size=(BOOTSTRAP_SAMPLES, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)).reshape(BOOTSTRAP_SAMPLES, -1)[:, :n]
    means = x[idx].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


@dataclass(frozen=True)
class Summary:
    ic: float
    ic_ci: tuple[float, float]
    spread: float
    spread_ci: tuple[float, float]


def summarise(weeks: Sequence[Sequence[Obs]], key: Callable[[Obs], float | None], horizon: int) -> Summary:
    """Mean weekly Spearman IC and quintile spread of ``key`` against the forward return."""
    ics: list[float] = []
    spreads: list[float] = []
    for week in weeks:
        pairs = [(k, o.forward) for o in week if (k := key(o)) is not None]
        if len(pairs) < MIN_ASSETS:
            continue
        keys, forward = [p[0] for p in pairs], [p[1] for p in pairs]
        ics.append(spearman(keys, forward))
        spreads.append(quintile_spread(keys, forward))
    if not ics:
        return Summary(math.nan, (math.nan, math.nan), math.nan, (math.nan, math.nan))
    block = math.ceil(horizon / 7)
    return Summary(
        ic=float(np.mean(ics)),
        ic_ci=block_bootstrap_ci(ics, block),
        spread=float(np.mean(spreads)),
        spread_ci=block_bootstrap_ci(spreads, block),
    )


@dataclass(frozen=True)
class RiskSummary:
    ic: float
    ic_ci: tuple[float, float]
    weekly: list[float]


RISK_BLOCK = math.ceil(RISK_HORIZON / 7)


def summarise_risk(weeks: Sequence[Sequence[RiskObs]], key: Callable[[RiskObs], float | None]) -> RiskSummary:
    """Mean weekly Spearman IC of ``key`` with the forward 90-day max drawdown (higher = shallower)."""
    ics: list[float] = []
    for week in weeks:
        pairs = [(k, o.drawdown) for o in week if (k := key(o)) is not None]
        if len(pairs) >= MIN_ASSETS:
            ics.append(spearman([p[0] for p in pairs], [p[1] for p in pairs]))
    if not ics:
        return RiskSummary(math.nan, (math.nan, math.nan), [])
    return RiskSummary(float(np.mean(ics)), block_bootstrap_ci(ics, RISK_BLOCK), ics)


def paired_difference(a: RiskSummary, b: RiskSummary) -> tuple[float, tuple[float, float]]:
    """Mean of a's weekly IC minus b's, with a block-bootstrap interval (same weeks resampled for both)."""
    diff = [x - y for x, y in zip(a.weekly, b.weekly, strict=True)]
    return float(np.mean(diff)), block_bootstrap_ci(diff, RISK_BLOCK)


PREVIOUS_INVESTOR = (
    "long_term_trend",
    "drawdown_from_ath",
    "drawdown_recovery",
    "sharpe_365d",
    "liquidity",
    "market_cap_size",
    "history_length",
)
"""The investor factors before December 2026, equally weighted then."""


def previous_investor_grade(o: RiskObs) -> float | None:
    scores = [v for name in PREVIOUS_INVESTOR if (v := o.scores.get(name)) is not None]
    return float(np.mean(scores)) if scores else None


def risk_report(weeks: Sequence[Sequence[RiskObs]]) -> tuple[RiskSummary, RiskSummary]:
    """Print the investor grade's risk IC against the volatility baseline; return both."""
    grade = summarise_risk(weeks, lambda o: o.grade)
    volatility = summarise_risk(weeks, lambda o: -o.volatility)
    previous = summarise_risk(weeks, previous_investor_grade)
    n_obs = sum(len(w) for w in weeks)
    print(
        f"\ninvestor grade vs forward {RISK_HORIZON}-day max drawdown: {len(weeks)} weeks "
        f"({weeks[0][0].day} .. {weeks[-1][0].day}), {n_obs} asset-weeks; weekly Spearman, positive = "
        f"higher grade, shallower drawdown; block {RISK_BLOCK} weeks"
    )
    for name, r in (
        ("investor grade", grade),
        (f"-{VOLATILITY_DAYS}-day volatility", volatility),
        ("previous (equal weights)", previous),
    ):
        print(f"  {name:26s} risk IC {r.ic:+.4f} [{r.ic_ci[0]:+.4f}, {r.ic_ci[1]:+.4f}]")
    diff, (low, high) = paired_difference(grade, volatility)
    print(f"  {'grade - volatility':26s}         {diff:+.4f} [{low:+.4f}, {high:+.4f}] (paired by week)")
    return grade, volatility


def signal_buckets(weeks: Sequence[Sequence[Obs]]) -> list[str]:
    """Mean forward return, raw and in excess of the week's average, by signal bucket."""
    buckets: dict[str, list[tuple[float, float]]] = {"bullish": [], "neutral": [], "bearish": []}
    for week in weeks:
        average = float(np.mean([o.forward for o in week]))
        for o in week:
            if o.grade >= BULLISH_THRESHOLD:
                name = "bullish"
            elif o.grade <= BEARISH_THRESHOLD:
                name = "bearish"
            else:
                name = "neutral"
            buckets[name].append((o.forward, o.forward - average))
    lines: list[str] = []
    for name, rows in buckets.items():
        if rows:
            raw = float(np.mean([r[0] for r in rows]))
            excess = float(np.mean([r[1] for r in rows]))
            hit = float(np.mean([r[1] > 0 for r in rows]))
            lines.append(
                f"  {name:8s} n={len(rows):5d}  mean fwd {raw:+.4f}  vs week mean {excess:+.4f}  "
                f"beats week mean {hit:.1%}"
            )
        else:
            lines.append(f"  {name:8s} n=    0")
    return lines


def plot(weeks: Sequence[Sequence[Obs]], out: Path, title: str) -> None:
    """Growth of 1 in the top and bottom grade quintile, rebalanced weekly, held one week."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    days: list[date] = []
    curves: dict[str, list[float]] = {
        k: [1.0] for k in ("grade top", "grade bottom", "mom top", "mom bottom")
    }
    for week in weeks:
        held = [o for o in week if o.forward_7d is not None]
        if len(held) < MIN_ASSETS:
            continue
        k = max(1, len(held) // 5)
        days.append(held[0].day)
        for label, key in (("grade", lambda o: o.grade), ("mom", lambda o: o.momentum)):
            ranked = sorted(held, key=key)
            for side, group in (("top", ranked[-k:]), ("bottom", ranked[:k])):
                r = float(np.mean([o.forward_7d for o in group if o.forward_7d is not None]))
                curves[f"{label} {side}"].append(curves[f"{label} {side}"][-1] * (1.0 + r))
    fig, ax = plt.subplots(figsize=(9, 5))
    if days:
        x = [*days, days[-1] + timedelta(7)]
        styles = {
            "grade top": ("tab:green", "-"),
            "grade bottom": ("tab:red", "-"),
            "mom top": ("tab:green", ":"),
            "mom bottom": ("tab:red", ":"),
        }
        names = {
            "grade top": "trader grade, top quintile",
            "grade bottom": "trader grade, bottom quintile",
            "mom top": "30-day momentum, top quintile",
            "mom bottom": "30-day momentum, bottom quintile",
        }
        for label, values in curves.items():
            colour, line = styles[label]
            ax.plot(x, values, color=colour, linestyle=line, label=names[label])
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylabel("growth of 1 (log scale), equal weight, weekly rebalance")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prices-dir", type=Path, required=True)
    parser.add_argument("--horizon", type=int, default=30, help="forward return horizon in days (default 30)")
    parser.add_argument("--start", type=date.fromisoformat, help="first rebalance day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day a forward window may reach")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"PNG path (default {DEFAULT_OUT})")
    parser.add_argument(
        "--history-days", type=int, help="investor grade: read only the last N daily rows (default: all)"
    )
    args = parser.parse_args(argv)
    if args.horizon < 1:
        parser.error("--horizon must be >= 1")

    assets = load_prices_dir(args.prices_dir)
    if not assets:
        parser.error(f"no *_1d.csv or *-usd-max.csv files in {args.prices_dir}")
    if args.history_days is not None and args.history_days < INVESTOR_MIN_DAYS:
        parser.error(f"--history-days must be >= {INVESTOR_MIN_DAYS}")
    weeks = weeks_of(build_panel(assets, args.horizon, args.start, args.end))
    if not weeks:
        print(
            f"no week has {MIN_ASSETS} graded assets with a {args.horizon}-day forward return",
            file=sys.stderr,
        )
        print("IC=nan baseline_IC=nan spread=nan")
        return 1
    grade = summarise(weeks, lambda o: o.grade, args.horizon)
    baseline = summarise(weeks, lambda o: o.momentum, args.horizon)

    n_obs = sum(len(w) for w in weeks)
    print(
        f"{len(assets)} assets, {len(weeks)} weeks with >= {MIN_ASSETS} assets "
        f"({weeks[0][0].day} .. {weeks[-1][0].day}), {n_obs} asset-weeks, horizon {args.horizon} d"
    )
    print(f"95 % intervals: moving-block bootstrap over weeks, block {math.ceil(args.horizon / 7)} weeks")
    for name, s in (("trader grade", grade), (f"{BASELINE_DAYS}-day momentum", baseline)):
        print(
            f"{name:18s} IC {s.ic:+.4f} [{s.ic_ci[0]:+.4f}, {s.ic_ci[1]:+.4f}]   "
            f"top-bottom quintile {s.spread:+.4f} [{s.spread_ci[0]:+.4f}, {s.spread_ci[1]:+.4f}]"
        )
    print(
        f"forward {args.horizon}-day return by signal (>= {BULLISH_THRESHOLD:g} / <= {BEARISH_THRESHOLD:g}):"
    )
    for line in signal_buckets(weeks):
        print(line)
    plot(weeks, args.out, f"Trader grade quintiles, {weeks[0][0].day} .. {weeks[-1][0].day}")
    print(f"plot: {args.out}")
    risk_weeks = weeks_of(build_risk_panel(assets, args.start, args.end, args.history_days))
    if risk_weeks:
        risk, vol = risk_report(risk_weeks)
        print(f"risk_IC={risk.ic:.4f} vol_baseline_risk_IC={vol.ic:.4f}")
    else:
        print(f"no week has {MIN_ASSETS} assets with a year of history and a {RISK_HORIZON}-day window ahead")
        print("risk_IC=nan vol_baseline_risk_IC=nan")
    print(f"IC={grade.ic:.4f} baseline_IC={baseline.ic:.4f} spread={grade.spread:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
