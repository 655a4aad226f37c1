"""Evaluate the rug-pull score on labelled pools in the BOBAI format.

    python benchmarks/rug_eval.py --features F.csv [--labels L.csv] [--plot PNG]

F.csv has BOBAI feature columns and ``id`` (pair address); labels come from L.csv (``pair_address``,
``is_rugpull``, optionally ``token_address``) or from a ``Label`` column in F.csv. Each row becomes the
``TokenFacts`` a live source would report (scripts/fit_rug_model.py: facts_from_bobai) and is scored by the
tool's own code: ``merge_facts`` -> ``model_inputs`` -> ``RugModel.score``, with the tool's hard override
(a critical finding, e.g. a bundled known-bad list hit, -> 100).

Rows printed, each with 95 % bootstrap intervals (2,000 resamples of pools):
- model, nested CV: the shipped procedure refitted on 4/5 of *this* file (trees, calibration, thresholds),
  the held-out fifth scored; with every fact, with the trade rates unknown (a pair older than a day) and
  with no DexScreener fact. The headline.
- shipped model: agent_tools/data/rug_model.json as it is (in-sample on the BOBAI training file, a true
  hold-out on any other file): ``AUC=``, ``brier=``, a reliability table by decile of the predicted
  probability, precision / recall / legitimate pools flagged at each level.
- previous method: the logistic model shipped before December 2026 (7 facts, balanced class weights),
  refitted in k-fold CV: its ranking, and its probabilities' calibration.
- baseline: GoPlus-style safety 100 - 25 per high finding - 10 per medium, as risk = 100 - safety.
The last line is ``AUC=<nested CV> brier=<nested CV> shipped_AUC=<x> shipped_brier=<y> baseline_AUC=<z>``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_rug_model import (
    LEVELS,
    MASKS,
    Pool,
    auc_with_ci,
    brier_with_ci,
    critical,
    design_matrix,
    folds_of,
    levels_of,
    nested_cv,
    pool_inputs,
    rates_with_ci,
    read_pools,
    reliability,
)

from agent_tools.domain.rug_model import apply_transform, baseline_risk, load_model
from agent_tools.domain.rug_risk import build_findings, merge_facts

Array = NDArray[np.float64]
Labels = NDArray[np.int_]
DEFAULT_PLOT = ROOT / "benchmarks" / "out" / "rug_reliability.png"
# The previous shipped model's facts and transforms (logistic, balanced class weights, C = 1).
PREVIOUS = (
    ("lp_locked_pct", "pct_to_unit"),
    ("lp_creator_pct", "pct_to_unit"),
    ("creator_pct", "pct_to_unit"),
    ("token_burn_pct", "pct_to_unit"),
    ("creator_token_count", "log_count"),
    ("lp_holder_count", "log_count"),
    ("buy_sell_ratio", "log1p"),
)


def previous_method(pools: Sequence[Pool], y: Labels) -> Array:
    """Out-of-fold probabilities of the previous logistic method (its missing facts: class-mean midpoint)."""
    x = np.full((len(pools), len(PREVIOUS)), np.nan)
    for i, pool in enumerate(pools):
        facts = pool.facts
        for j, (name, transform) in enumerate(PREVIOUS):
            value = getattr(facts, name)
            if value is not None:
                x[i, j] = apply_transform(transform, float(value))  # pyright: ignore[reportArgumentType]
    oof = np.zeros(len(y))
    for train, test in folds_of(y):
        means = [
            np.nanmean([np.nanmean(x[train][y[train] == k, j]) for k in (0, 1)]) for j in range(x.shape[1])
        ]
        filled = np.where(np.isnan(x), np.array(means), x)
        model = make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
        )
        model.fit(filled[train], y[train])
        oof[test] = model.predict_proba(filled[test])[:, 1]
    return oof


def baseline_scores(pools: Sequence[Pool], now: datetime) -> Array:
    return np.array(
        [baseline_risk(f.severity for f in build_findings(merge_facts([p.facts]), now)) for p in pools]
    )


def _ci(fig: tuple[float, tuple[float, float]]) -> str:
    return f"{fig[0]:.4f} [{fig[1][0]:.4f}, {fig[1][1]:.4f}]"


def print_levels(levels: NDArray[np.int_], y: Labels, cuts: str) -> None:
    for k, name in enumerate(LEVELS):
        r = rates_with_ci(levels >= k + 1, y)
        print(
            f"    at {name + ':':<9} precision {_ci(r['precision'])}  recall {_ci(r['recall'])}  "
            f"legit flagged {_ci(r['legit_flagged'])}"
        )
    print(f"    level cut-offs: {cuts}")


def print_reliability(p: Array, y: Labels) -> None:
    print("    reliability by decile of predicted probability:")
    print("      decile     n  predicted  observed  [95 % Wilson]")
    for i, (n, pred, obs, lo, hi) in enumerate(reliability(p, y), start=1):
        print(f"      {i:>6} {n:>5}     {pred:.3f}     {obs:.3f}  [{lo:.3f}, {hi:.3f}]")
    print(f"      overall mean predicted {p.mean():.3f}, observed {y.mean():.3f}")


def plot(curves: dict[str, tuple[Array, Labels]], out: Path) -> None:
    """Reliability diagram: observed rug-pull rate against mean predicted probability, by decile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(11, 5))
    styles = ["o-", "s--", "^:", "x-."]
    for (label, (p, y)), style in zip(curves.items(), styles, strict=False):
        rows = reliability(p, y)
        pred = [r[1] for r in rows]
        obs = [r[2] for r in rows]
        err = [[r[2] - r[3] for r in rows], [r[4] - r[2] for r in rows]]
        for axis in (ax, zoom):
            axis.errorbar(pred, obs, yerr=err, fmt=style, capsize=2, markersize=4, label=label)
    for axis, low in ((ax, 0.0), (zoom, 0.8)):
        axis.plot([low, 1], [low, 1], color="grey", linewidth=0.8, label="perfect calibration")
        axis.set_xlim(low, 1.0)
        axis.set_ylim(low, 1.0)
        axis.set_xlabel("mean predicted probability of a rug pull (decile)")
        axis.grid(True, alpha=0.3)
    ax.set_ylabel("observed share of rug pulls (95 % Wilson interval)")
    ax.set_title("Reliability by decile of the predicted probability")
    zoom.set_title("the same, 0.8-1.0")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", type=Path, required=True)
    parser.add_argument("--labels", type=Path)
    parser.add_argument(
        "--plot", type=Path, default=DEFAULT_PLOT, help=f"reliability PNG (default {DEFAULT_PLOT})"
    )
    args = parser.parse_args()
    with threadpool_limits(1):  # OpenMP threads fight on a small shared machine; one is faster there
        evaluate(args.features, args.labels, args.plot)


def evaluate(features: Path, labels: Path | None, out: Path) -> None:
    shipped = load_model()
    pools = read_pools(features, labels)
    y = np.array([int(p.rugpull) for p in pools])
    now = datetime.now(UTC)
    forced = critical(pools, now)
    print(
        f"rows={len(y)} rugpull={int(y.sum())} ({100 * y.mean():.1f} %) legit={int((y == 0).sum())} "
        f"critical override (known-bad list hits)={int(forced.sum())}"
    )

    print("\nmodel, nested 5-fold CV (trees, calibration and thresholds refitted on 4/5, the rest scored):")
    nested = nested_cv(pools, design_matrix(pools), y, forced)
    for name in MASKS:
        p = nested.probability[name]
        print(f"  {name}: AUC={_ci(auc_with_ci(p, y))}  brier={_ci(brier_with_ci(p, y))}")
        print_levels(nested.level[name], y, "chosen on the other folds")
    print_reliability(nested.probability["all facts"], y)

    raw = [shipped.score(pool_inputs(p)).score for p in pools]
    if any(r is None for r in raw):  # a fact the model needs is missing: the tool would give no score
        print(f"\nshipped model gives no score to {sum(r is None for r in raw)} rows (a needed fact missing)")
    scored = np.array([r is not None for r in raw])
    scores = np.where(forced, 100.0, np.array([r or 0.0 for r in raw]))[scored]
    ys = y[scored]
    ship_p = scores / 100.0
    ship_auc, ship_brier = auc_with_ci(ship_p, ys), brier_with_ci(ship_p, ys)
    print(
        f"\nshipped model as-is (in-sample on the file it was fitted on):  AUC={_ci(ship_auc)}  "
        f"brier={_ci(ship_brier)}"
    )
    cuts = {level: int(getattr(shipped.thresholds, level)) for level in LEVELS}
    print_levels(levels_of(scores, cuts), ys, ", ".join(f"{k} >= {v}" for k, v in cuts.items()))
    print_reliability(ship_p, ys)

    old = previous_method(pools, y)
    print(
        f"\nprevious method (logistic, 7 facts, balanced weights), 5-fold CV:  AUC={_ci(auc_with_ci(old, y))}  "
        f"brier={_ci(brier_with_ci(old, y))}  mean predicted {old.mean():.3f} vs observed {y.mean():.3f}"
    )
    baseline = baseline_scores(pools, now)
    base_auc = float(roc_auc_score(y, baseline))
    print(f"baseline 100-25*high-10*medium:  AUC={_ci(auc_with_ci(baseline, y))}")

    plot(
        {
            "nested CV, every fact": (nested.probability["all facts"], y),
            "nested CV, trade rates unknown": (nested.probability[list(MASKS)[1]], y),
            "shipped model, in-sample": (ship_p, ys),
            "previous logistic (balanced), CV": (old, y),
        },
        out,
    )
    print(f"plot: {out}")
    head = nested.probability["all facts"]
    print(
        f"AUC={roc_auc_score(y, head):.4f} brier={np.mean((head - y) ** 2):.4f} shipped_AUC={ship_auc[0]:.4f} "
        f"shipped_brier={ship_brier[0]:.4f} baseline_AUC={base_auc:.4f}"
    )


if __name__ == "__main__":
    main()
