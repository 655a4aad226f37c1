"""The fitted rug-pull score: a logistic model over facts that live sources can report.

Coefficients, transforms, imputation values and level thresholds are data
(``agent_tools/data/rug_model.json``, written by ``scripts/fit_rug_model.py``), so refitting never
touches code. The same ``RugModel.score`` serves the tool, the fit script and ``benchmarks/rug_eval.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

Level = Literal["low", "medium", "high", "critical"]
Transform = Literal["pct_to_unit", "log_count", "log1p"]

# Facts (TokenFacts field names) the model may read; a JSON naming anything else is refused.
MODEL_FACTS = (
    "lp_locked_pct",
    "lp_creator_pct",
    "creator_pct",
    "token_burn_pct",
    "creator_token_count",
    "lp_holder_count",
    "buy_sell_ratio",
)
_TRANSFORMS: frozenset[str] = frozenset({"pct_to_unit", "log_count", "log1p"})

# Fixed-weight baseline for the benchmark (GoPlus-style safety score): 100 - 25 per high - 10 per medium.
BASELINE_HIGH_PENALTY = 25.0
BASELINE_MEDIUM_PENALTY = 10.0


def apply_transform(transform: Transform, value: float) -> float:
    """Map a fact in its reporting unit onto the scale the coefficients were fitted on."""
    if transform == "pct_to_unit":
        return min(max(value / 100.0, 0.0), 1.0)
    if transform == "log_count":
        return math.log(max(value, 1.0))
    return math.log1p(max(value, 0.0))


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One model input: which fact it reads, how it is transformed, its weight and its stand-in when missing."""

    name: str
    fact: str
    transform: Transform
    coef: float
    impute: float


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lower bounds (0-100 risk score) of the ``medium``, ``high`` and ``critical`` levels."""

    medium: float
    high: float
    critical: float

    def level(self, score: float) -> Level:
        if score >= self.critical:
            return "critical"
        if score >= self.high:
            return "high"
        if score >= self.medium:
            return "medium"
        return "low"

    def floor(self, level: Level) -> float:
        """Smallest score that reads as ``level``."""
        return {"low": 0.0, "medium": self.medium, "high": self.high, "critical": self.critical}[level]

    def describe(self) -> str:
        return f"low < {self.medium:g} <= medium < {self.high:g} <= high < {self.critical:g} <= critical"


@dataclass(frozen=True, slots=True)
class ModelScore:
    """A model result: ``score`` 0-100 (higher = riskier), the fact values used and which were imputed."""

    score: float
    inputs: dict[str, float | None]
    imputed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RugModel:
    intercept: float
    features: tuple[FeatureSpec, ...]
    thresholds: Thresholds
    summary: str

    def score(self, facts: Mapping[str, float | None]) -> ModelScore:
        """Score the facts; a missing fact takes its fitted ``impute`` value (the midpoint of the two class
        means), so it pushes the score neither way: the unknown itself is reported, never read as safe."""
        logit = self.intercept
        inputs: dict[str, float | None] = {}
        imputed: list[str] = []
        for spec in self.features:
            raw = facts.get(spec.fact)
            inputs[spec.fact] = raw
            if raw is None or not math.isfinite(raw):
                imputed.append(spec.fact)
                x = spec.impute
            else:
                x = apply_transform(spec.transform, raw)
            logit += spec.coef * x
        probability = 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0
        return ModelScore(score=100.0 * probability, inputs=inputs, imputed=tuple(imputed))


def _number(raw: Mapping[str, Any], key: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"rug model: {key!r} must be a finite number")
    return float(value)


def model_from_dict(raw: Mapping[str, Any]) -> RugModel:
    """Build a model from its JSON form, refusing unknown facts/transforms and unordered thresholds."""
    specs: list[FeatureSpec] = []
    features = raw.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("rug model: 'features' must be a non-empty list")
    for item in cast(list[Any], features):
        if not isinstance(item, dict):
            raise ValueError("rug model: each feature must be an object")
        entry = cast(dict[str, Any], item)
        fact, transform, name = entry.get("fact"), entry.get("transform"), entry.get("name")
        if fact not in MODEL_FACTS:
            raise ValueError(f"rug model: unknown fact {fact!r}")
        if transform not in _TRANSFORMS:
            raise ValueError(f"rug model: unknown transform {transform!r}")
        specs.append(
            FeatureSpec(
                name=str(name),
                fact=str(fact),
                transform=cast(Transform, transform),
                coef=_number(entry, "coef"),
                impute=_number(entry, "impute"),
            )
        )
    thresholds_raw = raw.get("thresholds")
    if not isinstance(thresholds_raw, dict):
        raise ValueError("rug model: 'thresholds' must be an object")
    t = cast(dict[str, Any], thresholds_raw)
    thresholds = Thresholds(_number(t, "medium"), _number(t, "high"), _number(t, "critical"))
    if not 0 < thresholds.medium < thresholds.high < thresholds.critical <= 100:
        raise ValueError("rug model: thresholds must satisfy 0 < medium < high < critical <= 100")
    return RugModel(
        intercept=_number(raw, "intercept"),
        features=tuple(specs),
        thresholds=thresholds,
        summary=str(raw.get("summary", "")),
    )


@cache
def load_model() -> RugModel:
    """The shipped model (read once)."""
    text = resources.files("agent_tools.data").joinpath("rug_model.json").read_text(encoding="utf-8")
    return model_from_dict(cast(dict[str, Any], json.loads(text)))


def baseline_risk(severities: Iterable[str]) -> float:
    """Fixed-weight baseline risk, 100 minus a GoPlus-style safety score (critical counts as high)."""
    safety = 100.0
    for severity in severities:
        if severity in ("high", "critical"):
            safety -= BASELINE_HIGH_PENALTY
        elif severity == "medium":
            safety -= BASELINE_MEDIUM_PENALTY
    return 100.0 - max(safety, 0.0)
