"""Evaluate the rug-pull score on labelled pools in the BOBAI format.

    python benchmarks/rug_eval.py --features F.csv [--labels L.csv]

F.csv has BOBAI feature columns and ``id`` (pair address); labels come from L.csv (``pair_address``,
``is_rugpull``, optionally ``token_address``) or from a ``Label`` column in F.csv. Each row becomes the
``TokenFacts`` a live source would report (scripts/fit_rug_model.py: facts_from_bobai) and is scored by the
tool's own code: ``merge_facts`` -> ``model_inputs`` -> ``RugModel.score``, findings from
``build_findings`` + the bundled known-bad lists, and the tool's hard override (critical finding -> 100).

Rows printed:
- model, k-fold CV: refit on k-1 folds of *this* file, score the held-out fold (the headline figure);
- shipped model as-is: agent_tools/data/rug_model.json, unchanged (in-sample on the BOBAI training file);
- baseline: GoPlus-style safety 100 - 25 per high finding - 10 per medium, as risk = 100 - safety.
precision/recall at ``high``: CV rows pick the cut-off on the other folds (FPR 10 % on legitimate pools,
the rule the shipped thresholds use); the shipped row uses its shipped ``high`` threshold.
The last line is ``AUC=<CV model> baseline_AUC=<baseline>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_rug_model import (
    FEATURES,
    Pool,
    cross_validate,
    design_matrix,
    nested_high,
    rates,
    read_pools,
    score_all,
)

from agent_tools.domain.chains import resolve_chain
from agent_tools.domain.rug_model import baseline_risk, load_model
from agent_tools.domain.rug_risk import build_findings, known_bad_findings, merge_facts

Array = NDArray[np.float64]
ETHEREUM = resolve_chain("ethereum")
MODEL_JSON = ROOT / "agent_tools" / "data" / "rug_model.json"


def critical_and_baseline(pools: Sequence[Pool], now: datetime) -> tuple[NDArray[np.bool_], Array]:
    """Per row: whether the tool would force ``critical``, and the fixed-weight baseline risk."""
    critical = np.zeros(len(pools), dtype=bool)
    baseline = np.zeros(len(pools))
    for i, pool in enumerate(pools):
        findings = build_findings(merge_facts([pool.facts]), now)
        findings += known_bad_findings(ETHEREUM, pool.token or pool.pair)
        critical[i] = any(f.severity == "critical" for f in findings)
        baseline[i] = baseline_risk(f.severity for f in findings)
    return critical, baseline


def _row(name: str, scores: Array, y: NDArray[np.int_], flagged: NDArray[np.bool_], cut: str) -> str:
    auc = float(roc_auc_score(y, scores))
    r = rates(flagged, y)
    return (
        f"{name:<34} AUC={auc:.4f}  precision@high={r['precision']:.4f}  recall@high={r['recall']:.4f}  "
        f"legit flagged={r['fpr']:.4f}  high cut: {cut}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", type=Path, required=True)
    parser.add_argument("--labels", type=Path)
    args = parser.parse_args()

    shipped = load_model()
    c = float(json.loads(MODEL_JSON.read_text(encoding="utf-8"))["fit"]["C"])  # refit with the shipped C
    pools = read_pools(args.features, args.labels)
    y = np.array([int(p.rugpull) for p in pools])
    x = design_matrix(pools)
    critical, baseline = critical_and_baseline(pools, datetime.now(UTC))

    oof = np.where(critical, 100.0, cross_validate(x, y, pools, c))
    as_is = np.where(critical, 100.0, score_all(shipped, pools))

    missing = {name: int(np.isnan(x[:, j]).sum()) for j, (name, _, _) in enumerate(FEATURES)}
    print(
        f"rows={len(y)} rugpull={int(y.sum())} ({100 * y.mean():.1f} %) legit={int((y == 0).sum())} "
        f"known-bad hits={int(critical.sum())}"
    )
    print(
        "model features (missing -> imputed): "
        + ", ".join(f"{k}({v})" if v else k for k, v in missing.items())
    )
    print(_row("model, k-fold CV (refit per fold)", oof, y, nested_high(oof, y), "chosen on other folds"))
    high = shipped.thresholds.high
    print(_row("shipped model as-is", as_is, y, as_is >= high, f"{high:g} (shipped)"))
    print(
        _row("baseline 100-25*high-10*medium", baseline, y, nested_high(baseline, y), "chosen on other folds")
    )
    print(f"AUC={roc_auc_score(y, oof):.4f} baseline_AUC={roc_auc_score(y, baseline):.4f}")


if __name__ == "__main__":
    main()
