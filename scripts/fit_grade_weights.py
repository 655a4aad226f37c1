"""How the open-model trader weights were chosen -- on the training period only.

    python scripts/fit_grade_weights.py [--prices-root ../shared/data/prices]

Training data: Sundays from 2017-01-01 whose 30-day forward window ends by 2021-12-31, in
  * yahoo_daily (18 assets, close + volume), and
  * coingecko_daily (45 coins to 2021-10-17, close + volume + market cap; a 00:00 UTC snapshot
    on day D is taken as the close of D-1).
Nothing from 2022 on is read, so the 2022-2025 backtest stays a holdout.

Rule (fixed before looking at the numbers): a factor's weight is proportional to its mean
weekly rank IC with the 30-day forward return, averaged over the two data sets, if that IC is
positive in *both* sets; otherwise 0. Weights are rounded to 0.05. Scores use the fixed
transforms in grades.py, so the IC of a score is the IC of its raw value.

It also prints the investor factors' IC with the 180-day forward return on coingecko_daily
(monthly), as a sanity check only: the investor weights stay equal (see docs/grades.md).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import grade_backtest as bt

from agent_tools.domain.grades import DailySeries, compute_grades

TRAIN_START = date(2017, 1, 1)
TRAIN_END = date(2021, 12, 31)
HORIZON = 30
INVESTOR_HORIZON = 180


def factor_ics(weeks: list[list[bt.Obs]], names: list[str]) -> dict[str, bt.Summary]:
    return {name: bt.summarise(weeks, lambda o, n=name: o.scores.get(n), HORIZON) for name in names}


def investor_check(assets: list[bt.Asset]) -> None:
    """Monthly cross-sections of investor factor scores vs the 180-day forward return."""
    by_day: dict[date, list[tuple[dict[str, float | None], float, float | None]]] = {}
    for asset in assets:
        s = asset.series
        index = {d: i for i, d in enumerate(s.dates)}
        for i, day in enumerate(s.dates):
            if day.weekday() != 6 or day.day > 7 or day < TRAIN_START:
                continue
            j = index.get(day + timedelta(INVESTOR_HORIZON))
            if j is None:
                continue
            r = compute_grades(
                DailySeries(
                    s.dates[: i + 1],
                    s.close[: i + 1],
                    s.volume[: i + 1] if s.volume else None,
                    s.market_cap[: i + 1] if s.market_cap else None,
                )
            )
            if r.investor_grade is None:
                continue
            scores = {f.name: f.score for f in r.factors + r.unweighted if f.horizon == "investor"}
            by_day.setdefault(day, []).append((scores, s.close[j] / s.close[i] - 1.0, r.investor_grade))
    months = [v for _, v in sorted(by_day.items()) if len(v) >= bt.MIN_ASSETS]
    names = sorted({n for m in months for scores, _, _ in m for n in scores})
    print(
        f"\ninvestor factors vs {INVESTOR_HORIZON}-day forward return, coingecko_daily, {len(months)} months"
    )
    for name in [*names, "investor_grade"]:
        ics: list[float] = []
        for month in months:
            pairs = [(g if name == "investor_grade" else sc.get(name), fwd) for sc, fwd, g in month]
            pairs = [(k, f) for k, f in pairs if k is not None]
            if len(pairs) >= bt.MIN_ASSETS:
                ics.append(bt.spearman([p[0] for p in pairs], [p[1] for p in pairs]))
        if ics:
            low, high = bt.block_bootstrap_ci(ics, math.ceil(INVESTOR_HORIZON / 30))
            print(f"  {name:20s} IC {np.mean(ics):+.4f} [{low:+.4f}, {high:+.4f}]  ({len(ics)} months)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--prices-root", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/prices"
    )
    args = parser.parse_args()

    sets = {
        "yahoo": bt.load_yahoo_dir(args.prices_root / "yahoo_daily"),
        "coingecko": bt.load_coingecko_dir(args.prices_root / "coingecko_daily"),
    }
    weeks = {k: bt.weeks_of(bt.build_panel(v, HORIZON, TRAIN_START, TRAIN_END)) for k, v in sets.items()}
    names = list(weeks["yahoo"][0][0].scores)
    ics = {k: factor_ics(w, names) for k, w in weeks.items()}
    for k, w in weeks.items():
        print(f"{k}: {len(w)} weeks ({w[0][0].day} .. {w[-1][0].day}), {sum(len(x) for x in w)} asset-weeks")

    print(f"\nfactor IC with the {HORIZON}-day forward return, mean [95 % block-bootstrap interval]")
    raw: dict[str, float] = {}
    for name in names:
        y, c = ics["yahoo"][name], ics["coingecko"][name]
        raw[name] = (y.ic + c.ic) / 2 if y.ic > 0 and c.ic > 0 else 0.0
        print(
            f"  {name:20s} yahoo {y.ic:+.4f} [{y.ic_ci[0]:+.4f}, {y.ic_ci[1]:+.4f}]  "
            f"coingecko {c.ic:+.4f} [{c.ic_ci[0]:+.4f}, {c.ic_ci[1]:+.4f}]"
        )
    total = sum(raw.values())
    weights = {n: round(v / total / 0.05) * 0.05 for n, v in raw.items()} if total > 0 else {}
    print("\nproposed trader weights (rounded to 0.05; they are renormalised at use):")
    for name in names:
        print(f"  {name:20s} {weights.get(name, 0.0):.2f}")

    def weighted(o: bt.Obs) -> float | None:
        used = [(weights[n], s) for n, s in o.scores.items() if s is not None and weights.get(n, 0.0) > 0]
        total_w = sum(w for w, _ in used)
        return sum(w * s for w, s in used) / total_w if total_w else None

    print("\ngrade with the proposed weights vs the grade as coded vs 30-day momentum, training period:")
    for k, w in weeks.items():
        for label, key in (
            ("proposed", weighted),
            ("as coded", lambda o: o.grade),
            ("momentum", lambda o: o.momentum),
        ):
            s = bt.summarise(w, key, HORIZON)
            print(
                f"  {k:9s} {label:9s} IC {s.ic:+.4f} [{s.ic_ci[0]:+.4f}, {s.ic_ci[1]:+.4f}]  spread {s.spread:+.4f}"
            )

    investor_check(sets["coingecko"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
