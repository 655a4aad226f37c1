"""The fitted rug-pull score: gradient-boosted trees over facts live sources report, then calibrated.

Trees, transforms, the calibration map and level thresholds are data (``agent_tools/data/rug_model.json``,
written by ``scripts/fit_rug_model.py``), so refitting never touches code. Scoring is pure Python: the
same ``RugModel.score`` serves the tool, the fit script and ``benchmarks/rug_eval.py``, and a test checks
it against scikit-learn. The score is ``100 x`` a calibrated probability that a pool like those of the
BOBAI set (Uniswap V2, Ethereum, 2021, 90 % rug pulls) is a rug pull: docs/rug_risk.md.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any, Literal, cast

from agent_tools.domain.model_card import Accuracy, ModelCard

Level = Literal["low", "medium", "high", "critical"]
Transform = Literal["pct_to_unit", "log_count", "log1p"]

# Facts (TokenFacts field names) the model may read; a JSON naming anything else is refused.
MODEL_FACTS = (
    "lp_locked_pct",
    "lp_creator_pct",
    "creator_pct",
    "token_burn_pct",
    "lp_holder_count",
    "lp_share_std_pct",
    "buy_sell_ratio",
    "buys_per_week",
    "sells_per_week",
)
_TRANSFORMS: frozenset[str] = frozenset({"pct_to_unit", "log_count", "log1p"})

# Fixed-weight baseline for the benchmark (GoPlus-style safety score): 100 - 25 per high - 10 per medium.
BASELINE_HIGH_PENALTY = 25.0
BASELINE_MEDIUM_PENALTY = 10.0


def apply_transform(transform: Transform, value: float) -> float:
    """Map a fact in its reporting unit onto the scale the model was fitted on."""
    if transform == "pct_to_unit":
        return min(max(value / 100.0, 0.0), 1.0)
    if transform == "log_count":
        return math.log(max(value, 1.0))
    return math.log1p(max(value, 0.0))


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One model input: which fact it reads and how it is transformed."""

    name: str
    fact: str
    transform: Transform


@dataclass(frozen=True, slots=True)
class Tree:
    """One regression tree as parallel arrays; node 0 is the root, ``feature[i] < 0`` marks a leaf.

    A value goes left when ``x <= threshold``. ``cover`` is how many training pools reached the node.
    """

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]
    cover: tuple[float, ...]

    def predict(self, x: Sequence[float | None]) -> float:
        """Leaf value for ``x``; at a split on a missing value (None), the two branches' average weighted
        by their training cover: the tree's expectation over the training pools along that path."""
        return self._walk(0, x)

    def _walk(self, node: int, x: Sequence[float | None]) -> float:
        while self.feature[node] >= 0:
            value = x[self.feature[node]]
            left, right = self.left[node], self.right[node]
            if value is None:
                weight_l, weight_r = self.cover[left], self.cover[right]
                return (weight_l * self._walk(left, x) + weight_r * self._walk(right, x)) / (
                    weight_l + weight_r
                )
            node = left if value <= self.threshold[node] else right
        return self.value[node]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Piecewise-linear map (isotonic fit) from the raw tree score to a probability, clipped."""

    raw: tuple[float, ...]
    probability: tuple[float, ...]
    low: float
    high: float

    def __call__(self, raw: float) -> float:
        xs, ys = self.raw, self.probability
        if raw <= xs[0]:
            p = ys[0]
        elif raw >= xs[-1]:
            p = ys[-1]
        else:
            i = bisect.bisect_right(xs, raw)
            x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
            p = y0 if x1 == x0 else y0 + (y1 - y0) * (raw - x0) / (x1 - x0)
        return min(max(p, self.low), self.high)


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

    def describe(self) -> str:
        return f"low < {self.medium:g} <= medium < {self.high:g} <= high < {self.critical:g} <= critical"


@dataclass(frozen=True, slots=True)
class ModelScore:
    """A model result: ``score`` 0-100 (higher = riskier), or None when a fact the model needs is missing;
    the fact values used and which were missing (integrated out)."""

    score: float | None
    inputs: dict[str, float | None]
    imputed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RugModel:
    features: tuple[FeatureSpec, ...]
    base_score: float
    trees: tuple[Tree, ...]
    calibration: Calibration
    optional: frozenset[str]
    """Facts whose absence the evaluation measured (docs/rug_risk.md); any other missing fact leaves
    the model without a score, since its accuracy there is unknown."""
    thresholds: Thresholds
    summary: str
    card: ModelCard
    accuracy_by_missing: tuple[tuple[frozenset[str], tuple[Accuracy, ...]], ...]
    """Accuracy measured with these facts missing, fewest missing first."""

    def card_for(self, imputed: Iterable[str]) -> ModelCard:
        """The model card with the accuracy measured under the smallest missing-fact pattern that covers
        ``imputed`` (none covers it: no accuracy, the model gave no score)."""
        missing = frozenset(imputed)
        for pattern, accuracy in self.accuracy_by_missing:
            if pattern >= missing:
                return self.card.model_copy(update={"accuracy": list(accuracy)})
        return self.card.model_copy(update={"accuracy": []})

    def raw(self, facts: Mapping[str, float | None]) -> float:
        """The trees' summed log-odds before calibration (missing facts integrated out)."""
        x: list[float | None] = []
        for spec in self.features:
            value = facts.get(spec.fact)
            x.append(
                apply_transform(spec.transform, value) if value is not None and math.isfinite(value) else None
            )
        return self.base_score + math.fsum(tree.predict(x) for tree in self.trees)

    def score(self, facts: Mapping[str, float | None]) -> ModelScore:
        """Score the facts. A missing optional fact is integrated out over the training pools
        (``Tree.predict``), so it pushes the score neither way; a missing required fact gives no score."""
        inputs = {spec.fact: facts.get(spec.fact) for spec in self.features}
        imputed = tuple(f for f, v in inputs.items() if v is None or not math.isfinite(v))
        if not self.optional.issuperset(imputed):
            return ModelScore(score=None, inputs=inputs, imputed=imputed)
        return ModelScore(score=100.0 * self.calibration(self.raw(facts)), inputs=inputs, imputed=imputed)


# --- loading --------------------------------------------------------------------------------------------


def _number(raw: Mapping[str, Any], key: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"rug model: {key!r} must be a finite number")
    return float(value)


def _numbers(raw: Mapping[str, Any], key: str) -> tuple[float, ...]:
    values = raw.get(key)
    if not isinstance(values, list):
        raise ValueError(f"rug model: {key!r} must be a list of numbers")
    return tuple(_number({"v": v}, "v") for v in cast(list[Any], values))


def _object(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"rug model: {key!r} must be an object")
    return cast(dict[str, Any], value)


def _features(raw: Mapping[str, Any]) -> tuple[FeatureSpec, ...]:
    features = raw.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("rug model: 'features' must be a non-empty list")
    specs: list[FeatureSpec] = []
    for item in cast(list[Any], features):
        if not isinstance(item, dict):
            raise ValueError("rug model: each feature must be an object")
        entry = cast(dict[str, Any], item)
        fact, transform = entry.get("fact"), entry.get("transform")
        if fact not in MODEL_FACTS:
            raise ValueError(f"rug model: unknown fact {fact!r}")
        if transform not in _TRANSFORMS:
            raise ValueError(f"rug model: unknown transform {transform!r}")
        specs.append(FeatureSpec(str(entry.get("name")), str(fact), cast(Transform, transform)))
    return tuple(specs)


def _tree(raw: Mapping[str, Any], n_features: int) -> Tree:
    feature = tuple(int(f) for f in _numbers(raw, "feature"))
    tree = Tree(
        feature=feature,
        threshold=_numbers(raw, "threshold"),
        left=tuple(int(i) for i in _numbers(raw, "left")),
        right=tuple(int(i) for i in _numbers(raw, "right")),
        value=_numbers(raw, "value"),
        cover=_numbers(raw, "cover"),
    )
    n = len(feature)
    if n == 0 or any(len(a) != n for a in (tree.threshold, tree.left, tree.right, tree.value, tree.cover)):
        raise ValueError("rug model: a tree's arrays must be non-empty and of one length")
    if any(c <= 0 for c in tree.cover):
        raise ValueError("rug model: every node's cover must be positive (missing facts are weighted by it)")
    for i, f in enumerate(feature):
        # children come after their parent, so every walk ends at a leaf
        if f >= 0 and not (f < n_features and i < tree.left[i] < n and i < tree.right[i] < n):
            raise ValueError("rug model: a split names an unknown feature or child")
    return tree


def _calibration(raw: Mapping[str, Any]) -> Calibration:
    xs, ys = _numbers(raw, "raw"), _numbers(raw, "probability")
    clip = _numbers(raw, "clip")
    if not xs or len(xs) != len(ys) or any(b < a for a, b in pairwise(xs)):
        raise ValueError("rug model: calibration knots must be non-empty, paired and increasing")
    if any(b < a for a, b in pairwise(ys)) or len(clip) != 2:
        raise ValueError("rug model: calibration must be non-decreasing with a [low, high] clip")
    if not 0.0 <= clip[0] < clip[1] <= 1.0:
        raise ValueError("rug model: calibration clip must lie in [0, 1]")
    return Calibration(xs, ys, clip[0], clip[1])


def _thresholds(raw: Mapping[str, Any]) -> Thresholds:
    t = _object(raw, "thresholds")
    thresholds = Thresholds(_number(t, "medium"), _number(t, "high"), _number(t, "critical"))
    if not 0 < thresholds.medium < thresholds.high < thresholds.critical <= 100:
        raise ValueError("rug model: thresholds must satisfy 0 < medium < high < critical <= 100")
    return thresholds


def _accuracy_by_missing(
    card: Mapping[str, Any], features: Sequence[FeatureSpec]
) -> tuple[tuple[frozenset[str], tuple[Accuracy, ...]], ...]:
    entries = card.get("by_missing")
    if not isinstance(entries, list) or not entries:
        raise ValueError("rug model: card 'by_missing' must be a non-empty list")
    known = {f.fact for f in features}
    out: list[tuple[frozenset[str], tuple[Accuracy, ...]]] = []
    for item in cast(list[Any], entries):
        entry = cast(dict[str, Any], item)
        missing = frozenset(str(f) for f in cast(list[Any], entry.get("missing", [])))
        if not missing <= known:
            raise ValueError("rug model: card 'by_missing' names unknown facts")
        accuracy = tuple(Accuracy.model_validate(a) for a in cast(list[Any], entry.get("accuracy", [])))
        out.append((missing, accuracy))
    return tuple(sorted(out, key=lambda e: len(e[0])))


def model_from_dict(raw: Mapping[str, Any]) -> RugModel:
    """Build a model from its JSON form, refusing unknown facts/transforms, malformed trees, an unordered
    calibration and unordered thresholds."""
    if raw.get("kind") != "gradient_boosted_trees":
        raise ValueError("rug model: 'kind' must be 'gradient_boosted_trees'")
    features = _features(raw)
    trees = raw.get("trees")
    if not isinstance(trees, list) or not trees:
        raise ValueError("rug model: 'trees' must be a non-empty list")
    optional = raw.get("optional_facts")
    if not isinstance(optional, list) or not {f.fact for f in features}.issuperset(cast(list[Any], optional)):
        raise ValueError("rug model: 'optional_facts' must list facts the model reads")
    card = _object(raw, "card")
    thresholds = _thresholds(raw)
    return RugModel(
        features=features,
        base_score=_number(raw, "base_score"),
        trees=tuple(_tree(cast(dict[str, Any], tree), len(features)) for tree in cast(list[Any], trees)),
        calibration=_calibration(_object(raw, "calibration")),
        optional=frozenset(str(f) for f in cast(list[Any], optional)),
        thresholds=thresholds,
        summary=str(raw.get("summary", "")),
        card=ModelCard.model_validate(card | {"accuracy": []}),
        accuracy_by_missing=_accuracy_by_missing(card, features),
    )


TREES_FILE = "rug_model_trees.json"
"""The trees live apart from rug_model.json, so start-up (the tool description's thresholds) reads
only the small file; the trees load on the first score."""


def _read(name: str) -> dict[str, Any]:
    return cast(
        dict[str, Any], json.loads(resources.files("agent_tools.data").joinpath(name).read_text("utf-8"))
    )


@cache
def _header() -> dict[str, Any]:
    return _read("rug_model.json")


@cache
def load_thresholds() -> Thresholds:
    """The shipped model's level thresholds, without loading its trees."""
    return _thresholds(_header())


@cache
def load_model() -> RugModel:
    """The shipped model (read once)."""
    return model_from_dict(_header() | _read(TREES_FILE))


def baseline_risk(severities: Iterable[str]) -> float:
    """Fixed-weight baseline risk, 100 minus a GoPlus-style safety score (critical counts as high)."""
    safety = 100.0
    for severity in severities:
        if severity in ("high", "critical"):
            safety -= BASELINE_HIGH_PENALTY
        elif severity == "medium":
            safety -= BASELINE_MEDIUM_PENALTY
    return 100.0 - max(safety, 0.0)
