"""Fit the rug-pull model on the BOBAI Uniswap V2 set and write agent_tools/data/rug_model.json.

Only facts a live source can also report are used (each BOBAI column is mapped to a ``TokenFacts`` field,
then through the same ``model_inputs`` + transforms the tool uses):

| feature          | TokenFacts field      | BOBAI column                              | live source                       |
|------------------|-----------------------|-------------------------------------------|-----------------------------------|
| lp_locked        | lp_locked_pct         | lp_lock_ratio x 100                       | GoPlus lp_holders is_locked; RugCheck lpLockedPct |
| lp_creator       | lp_creator_pct        | lp_creator_holding_ratio x 100            | GoPlus lp_holders[creator_address] |
| creator_share    | creator_pct           | token_creator_holding_ratio x 100         | GoPlus creator_percent; RugCheck creatorBalance |
| token_burned     | token_burn_pct        | token_burn_ratio x 100                    | GoPlus holders at burn addresses  |
| creator_tokens   | creator_token_count   | number_of_token_creation_of_creator       | RugCheck creatorTokens (EVM: none, imputed) |
| lp_providers     | lp_holder_count       | 100 / lp_avg (lp_avg = 100 / #LP holders) | GoPlus lp_holder_count; RugCheck totalLPProviders |
| buy_sell_ratio   | buy_sell_ratio        | swap_rate = buys / (sells + 1)            | DexScreener txns.h24 buys/sells   |

Excluded: mint/burn/swap counts per week, event ratios and mean periods (need the pool's full event
history, which no source we call returns), ``lp_std`` (needs every LP holder's share; GoPlus lists the
top 10 only), ``swap_in/out_per_week`` (lifetime rates; only the ratio has a live counterpart).

Method: ratios clipped to [0, 1], counts log-transformed; standardised logistic regression with balanced
class weights (the minority class is the legitimate one), C picked by stratified 5-fold CV AUC; thresholds
picked on the out-of-fold predictions by the legitimate pools' false-positive rate (base-rate free):
medium at 30 %, high at 10 %, critical at 2 %.

Usage: python scripts/fit_rug_model.py [--features F.csv] [--labels L.csv] [--out agent_tools/data/rug_model.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from agent_tools.domain.rug_model import RugModel, Transform, apply_transform, model_from_dict
from agent_tools.domain.rug_risk import TokenFacts, merge_facts, model_inputs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "rugpull"
FEATURES_CSV = DATA / "bobai_uniswapv2_features_v1.9.csv"
LABELS_CSV = DATA / "bobai_uniswapv2_labels_v1.9.csv"
OUT = ROOT / "agent_tools" / "data" / "rug_model.json"

# (feature name, TokenFacts field, transform)
FEATURES: tuple[tuple[str, str, Transform], ...] = (
    ("lp_locked", "lp_locked_pct", "pct_to_unit"),
    ("lp_creator", "lp_creator_pct", "pct_to_unit"),
    ("creator_share", "creator_pct", "pct_to_unit"),
    ("token_burned", "token_burn_pct", "pct_to_unit"),
    ("creator_tokens", "creator_token_count", "log_count"),
    ("lp_providers", "lp_holder_count", "log_count"),
    ("buy_sell_ratio", "buy_sell_ratio", "log1p"),
)
C_GRID = (0.01, 0.1, 1.0, 10.0)
FOLDS = 5
SEED = 20211231
FPR_TARGETS = {"medium": 0.30, "high": 0.10, "critical": 0.02}

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Pool:
    pair: str
    token: str | None
    rugpull: bool
    facts: TokenFacts


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else min(max(ratio * 100.0, 0.0), 100.0)


def _bool(value: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean label: {value!r}")


def facts_from_bobai(row: dict[str, str]) -> TokenFacts:
    """One BOBAI feature row as the facts a live source would report."""
    lp_avg = _float(row.get("lp_avg"))
    count = _float(row.get("number_of_token_creation_of_creator"))
    ratio = _float(row.get("swap_rate"))
    return TokenFacts(
        source="bobai",
        lp_locked_pct=_pct(_float(row.get("lp_lock_ratio"))),
        lp_creator_pct=_pct(_float(row.get("lp_creator_holding_ratio"))),
        creator_pct=_pct(_float(row.get("token_creator_holding_ratio"))),
        token_burn_pct=_pct(_float(row.get("token_burn_ratio"))),
        creator_token_count=max(round(count), 0) if count is not None else None,
        lp_holder_count=max(round(100.0 / lp_avg), 1) if lp_avg and lp_avg > 0 else None,
        buy_sell_ratio=max(ratio, 0.0) if ratio is not None else None,
    )


def read_pools(features: Path, labels: Path | None) -> list[Pool]:
    """Rows of a BOBAI-format features file, labelled by ``Label`` or by a labels file joined on pair id."""
    with features.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    meta: dict[str, dict[str, str]] = {}
    if labels is not None:
        with labels.open(newline="", encoding="utf-8-sig") as fh:
            meta = {r["pair_address"].strip().lower(): r for r in csv.DictReader(fh)}
    pools: list[Pool] = []
    for row in rows:
        pair = row["id"].strip().lower()
        extra = meta.get(pair)
        if extra is not None:
            label = _bool(extra["is_rugpull"])
        elif "Label" in row:
            label = _bool(row["Label"])
        else:
            continue  # no label for this row
        token = (extra or {}).get("token_address", "").strip() or None
        pools.append(Pool(pair, token, label, facts_from_bobai(row)))
    if not pools:
        raise SystemExit(
            "no labelled rows: need a 'Label' column or a labels file with pair_address/is_rugpull"
        )
    return pools


def design_matrix(pools: Sequence[Pool]) -> Array:
    """Transformed features, NaN where a fact is missing (same path as the tool: merge -> model_inputs)."""
    matrix = np.full((len(pools), len(FEATURES)), np.nan)
    for i, pool in enumerate(pools):
        inputs = model_inputs(merge_facts([pool.facts]))
        for j, (_, fact, transform) in enumerate(FEATURES):
            value = inputs[fact]
            if value is not None:
                matrix[i, j] = apply_transform(transform, value)
    return matrix


def fit(x: Array, y: NDArray[np.int_], c: float) -> dict[str, Any]:
    """Fit and return the model's JSON body (coefficients on the transformed, unstandardised scale)."""
    impute = np.array([np.nanmean([np.nanmean(x[y == k, j]) for k in (0, 1)]) for j in range(x.shape[1])])
    filled = np.where(np.isnan(x), impute, x)
    scaler = StandardScaler().fit(filled)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    lr.fit((filled - scaler.mean_) / scale, y)
    coef = lr.coef_[0] / scale
    intercept = float(lr.intercept_[0] - np.sum(coef * scaler.mean_))
    return {
        "intercept": intercept,
        "features": [
            {
                "name": name,
                "fact": fact,
                "transform": transform,
                "coef": float(coef[j]),
                "impute": float(impute[j]),
            }
            for j, (name, fact, transform) in enumerate(FEATURES)
        ],
        # Placeholder thresholds, replaced by choose_thresholds; must only be ordered for model_from_dict.
        "thresholds": {"medium": 1, "high": 2, "critical": 3},
    }


def score_all(model: RugModel, pools: Sequence[Pool]) -> Array:
    return np.array([model.score(model_inputs(merge_facts([p.facts]))).score for p in pools])


def choose_thresholds(scores: Array, y: NDArray[np.int_]) -> dict[str, int]:
    """Integer score cut-offs at which the legitimate pools' false-positive rate meets each target."""
    legit = np.sort(scores[y == 0])
    out: dict[str, int] = {}
    previous = 0
    for level, fpr in FPR_TARGETS.items():
        cut = math.ceil(float(np.quantile(legit, 1.0 - fpr)))
        # Keep medium < high < critical <= 100 even when the legitimate scores bunch up.
        cut = min(max(cut, previous + 1), 98 + len(out))
        out[level] = cut
        previous = cut
    return out


def rates(flagged: NDArray[np.bool_], y: NDArray[np.int_]) -> dict[str, float]:
    """Precision and recall on rug pulls, and the share of legitimate pools flagged (FPR)."""
    tp = int(np.sum(flagged & (y == 1)))
    return {
        "precision": round(tp / max(int(np.sum(flagged)), 1), 4),
        "recall": round(tp / max(int(np.sum(y == 1)), 1), 4),
        "fpr": round(int(np.sum(flagged & (y == 0))) / max(int(np.sum(y == 0)), 1), 4),
    }


def folds_of(y: NDArray[np.int_], folds: int = FOLDS) -> list[tuple[NDArray[np.int_], NDArray[np.int_]]]:
    """The stratified split every CV figure uses (fewer folds when a class is rare)."""
    k = min(folds, int(np.sum(y == 0)), int(np.sum(y == 1)))
    if k < 2:
        raise SystemExit("cross-validation needs at least 2 rows of each class")
    return list(StratifiedKFold(k, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y))


def cross_validate(x: Array, y: NDArray[np.int_], pools: Sequence[Pool], c: float) -> Array:
    """Out-of-fold scores: fit on k-1 folds, score the held-out fold with ``RugModel.score``."""
    oof = np.zeros(len(pools))
    for train, test in folds_of(y):
        model = model_from_dict(fit(x[train], y[train], c))
        oof[test] = score_all(model, [pools[i] for i in test])
    return oof


def nested_high(scores: Array, y: NDArray[np.int_]) -> NDArray[np.bool_]:
    """Rows at or above ``high`` when each fold's cut-off is chosen on the other folds only."""
    flagged = np.zeros(len(y), dtype=bool)
    for train, test in folds_of(y):
        flagged[test] = scores[test] >= choose_thresholds(scores[train], y[train])["high"]
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", type=Path, default=FEATURES_CSV)
    parser.add_argument("--labels", type=Path, default=LABELS_CSV)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    pools = read_pools(args.features, args.labels)
    x = design_matrix(pools)
    y = np.array([int(p.rugpull) for p in pools])

    cv_auc: dict[float, float] = {}
    oof_by_c: dict[float, Array] = {}
    for c in C_GRID:
        oof_by_c[c] = cross_validate(x, y, pools, c)
        cv_auc[c] = float(roc_auc_score(y, oof_by_c[c]))
        print(f"C={c:<5g} CV AUC={cv_auc[c]:.4f}")
    best_c = max(C_GRID, key=lambda c: (round(cv_auc[c], 4), -c))
    oof = oof_by_c[best_c]
    thresholds = choose_thresholds(oof, y)
    nested = rates(nested_high(oof, y), y)

    body = fit(x, y, best_c)
    body["thresholds"] = thresholds
    fold_figures = {level: rates(oof >= cut, y) for level, cut in thresholds.items()}
    body["summary"] = (
        f"Logistic model fitted on {len(pools)} BOBAI Uniswap V2 (Ethereum, 2021) pools; "
        f"{FOLDS}-fold CV AUC {cv_auc[best_c]:.3f}; thresholds "
        + ", ".join(f"{level} >= {cut}" for level, cut in thresholds.items())
        + "."
    )
    body["fit"] = {
        "data": "BOBAI RugPull-Prediction-AI Dataset_v1.9 (kangmyoungseok/RugPull-Prediction-AI @ d914086), "
        "70 % split as shipped in shared/data/rugpull; label = liquidity removed at once",
        "rows": len(pools),
        "positives": int(y.sum()),
        "method": "log-transformed counts, ratios clipped to [0,1], missing -> midpoint of class means; "
        "standardised L2 logistic regression, class_weight=balanced; coefficients rescaled to the "
        "transformed scale",
        "C": best_c,
        "cv": {
            "folds": FOLDS,
            "seed": SEED,
            "auc_by_C": {str(c): round(a, 4) for c, a in cv_auc.items()},
            "auc": round(cv_auc[best_c], 4),
            "at_thresholds_on_oof": fold_figures,
            "high_nested_threshold": nested,
        },
        "thresholds_rule": "integer scores at which the out-of-fold false-positive rate on legitimate pools "
        f"is {FPR_TARGETS}",
        "fitted_at": datetime.now(UTC).date().isoformat(),
        "script": "scripts/fit_rug_model.py",
    }
    model_from_dict(body)  # refuse to write anything the loader would reject
    args.out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    print(f"C={best_c} CV AUC={cv_auc[best_c]:.4f} thresholds={thresholds}")
    print(f"high: out-of-fold {fold_figures['high']}; cut-off chosen on other folds {nested}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
