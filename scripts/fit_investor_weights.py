"""How the investor (risk) grade's weights were chosen -- on the training period only.

    python scripts/fit_investor_weights.py [--prices-root ../shared/data/prices]

The procedure was fixed before fitting (docs/grades.md, "Investor grade as a risk grade"):

Target: the forward 90-day maximum drawdown; measure: the mean weekly cross-sectional Spearman IC
(``risk_IC``, positive = a higher score came with a shallower drawdown), weeks with >= 5 assets.
Training: Sundays from 2017-01-01 whose 90-day window ends by 2021-12-31, in yahoo_daily and
coingecko_daily. Nothing from 2022 on is read, so the 2022-2025 backtest stays a holdout.

Rule: a factor's weight is proportional to its mean training risk_IC, averaged over the sets where it
has data, if that IC is positive in every such set; otherwise 0; rounded to 0.05. Acceptance: the
weighted grade must reach the trailing 365-day volatility's risk_IC in both sets; if not, the grade is
the two volatility factors alone, weighted by the same rule.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import grade_backtest as bt

TRAIN_START = date(2017, 1, 1)
TRAIN_END = date(2021, 12, 31)
STEP = 0.05
VOLATILITY_FACTORS = ("volatility_90d", "volatility_365d")


def rule_weights(ics: Mapping[str, Mapping[str, bt.RiskSummary]], names: Sequence[str]) -> dict[str, float]:
    """Weight proportional to the mean IC over the sets with data, if positive in each; rounded to STEP."""
    raw: dict[str, float] = {}
    for name in names:
        seen = [s[name].ic for s in ics.values() if not math.isnan(s[name].ic)]
        raw[name] = sum(seen) / len(seen) if seen and all(ic > 0 for ic in seen) else 0.0
    total = sum(raw.values())
    return {n: round(v / total / STEP) * STEP if total > 0 else 0.0 for n, v in raw.items()}


def weighted(weights: Mapping[str, float]) -> Callable[[bt.RiskObs], float | None]:
    """The grade these weights give, renormalised over the factors with data (as compute_grades does)."""

    def grade(o: bt.RiskObs) -> float | None:
        used = [(w, s) for n, w in weights.items() if w > 0 and (s := o.scores.get(n)) is not None]
        total = sum(w for w, _ in used)
        return sum(w * s for w, s in used) / total if total else None

    return grade


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
    weeks = {k: bt.weeks_of(bt.build_risk_panel(v, TRAIN_START, TRAIN_END)) for k, v in sets.items()}
    for k, w in weeks.items():
        print(f"{k}: {len(w)} weeks ({w[0][0].day} .. {w[-1][0].day}), {sum(len(x) for x in w)} asset-weeks")
    names = list(weeks["coingecko"][0][0].scores)
    ics = {
        k: {n: bt.summarise_risk(w, lambda o, n=n: o.scores.get(n)) for n in names} for k, w in weeks.items()
    }

    print(
        f"\nfactor risk IC with the forward {bt.RISK_HORIZON}-day max drawdown, mean [95 % block-bootstrap interval]"
    )
    for name in names:
        cells = [
            f"{k} {s[name].ic:+.4f} [{s[name].ic_ci[0]:+.4f}, {s[name].ic_ci[1]:+.4f}]"
            if not math.isnan(s[name].ic)
            else f"{k} no data{' ' * 26}"
            for k, s in ics.items()
        ]
        print(f"  {name:20s} " + "  ".join(cells))

    weights = rule_weights(ics, names)
    print("\nweights by the rule (rounded to 0.05; renormalised at use):")
    print("  " + "  ".join(f"{n} {w:.2f}" for n, w in weights.items()))

    def report(label: str, w: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for k, wk in weeks.items():
            s = bt.summarise_risk(wk, weighted(w))
            out[k] = s.ic
            print(f"  {k:9s} {label:22s} risk IC {s.ic:+.4f} [{s.ic_ci[0]:+.4f}, {s.ic_ci[1]:+.4f}]")
        return out

    print("\ntraining risk IC: the weighted grade, the volatility baseline, the previous grade")
    grade = report("weighted grade", weights)
    baseline: dict[str, float] = {}
    for k, wk in weeks.items():
        for label, key in (
            (f"-{bt.VOLATILITY_DAYS}-day volatility", lambda o: -o.volatility),
            ("previous (equal)", bt.previous_investor_grade),
        ):
            s = bt.summarise_risk(wk, key)
            if label.startswith("-"):
                baseline[k] = s.ic
            print(f"  {k:9s} {label:22s} risk IC {s.ic:+.4f} [{s.ic_ci[0]:+.4f}, {s.ic_ci[1]:+.4f}]")

    if all(grade[k] >= baseline[k] for k in weeks):
        print("\naccepted: the weighted grade reaches the volatility baseline in both training sets")
    else:
        fallback = rule_weights(
            {k: {n: s[n] for n in VOLATILITY_FACTORS} for k, s in ics.items()}, VOLATILITY_FACTORS
        )
        print("\nnot accepted: below the volatility baseline in a training set; the procedure ships")
        print("  " + "  ".join(f"{n} {w:.2f}" for n, w in fallback.items()) + "  (every other factor 0)")
        report("volatility factors", fallback)
    return 0


if __name__ == "__main__":
    sys.exit(main())
