"""The shipped rug-pull model: loads, matches scikit-learn, is calibrated, moves the right way, says what it is."""

import json
import math
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tools.domain.rug_model import (
    MODEL_FACTS,
    TREES_FILE,
    Calibration,
    Tree,
    baseline_risk,
    load_model,
    load_thresholds,
    model_from_dict,
)

MODEL = load_model()
DATA = resources.files("agent_tools.data")
RAW: dict[str, Any] = json.loads(DATA.joinpath("rug_model.json").read_text(encoding="utf-8")) | json.loads(
    DATA.joinpath(TREES_FILE).read_text(encoding="utf-8")
)
NEUTRAL: dict[str, float | None] = {
    "lp_locked_pct": 50.0,
    "lp_creator_pct": 50.0,
    "creator_pct": 10.0,
    "token_burn_pct": 0.0,
    "lp_holder_count": 3.0,
    "lp_share_std_pct": 20.0,
    "buy_sell_ratio": 1.0,
    "buys_per_week": 20.0,
    "sells_per_week": 10.0,
}
OPTIONAL = ("buy_sell_ratio", "buys_per_week", "sells_per_week")


def test_model_loads_with_fit_notes() -> None:
    assert {s.fact for s in MODEL.features} == set(MODEL_FACTS)
    assert RAW["fit"]["nested_cv"]["all facts"]["auc"][0] > 0.95
    assert RAW["fit"]["rows"] > 10_000
    assert "BOBAI" in RAW["fit"]["data"]
    assert MODEL.optional == frozenset(OPTIONAL)
    assert len(MODEL.trees) == RAW["fit"]["gbt_params"]["max_iter"]


@pytest.mark.parametrize("case", RAW["check"], ids=lambda c: f"{c['raw']:.3f}")
def test_pure_python_trees_match_scikit_learn(case: dict[str, Any]) -> None:
    """The fit script stored scikit-learn's raw scores for a sample of pools."""
    assert MODEL.raw(case["inputs"]) == pytest.approx(case["raw"], abs=1e-9)


def test_card_reports_the_accuracy_measured_with_the_same_facts_missing() -> None:
    full = MODEL.card_for([])
    assert [a.metric for a in full.accuracy] == ["AUC", "brier"]
    assert full.accuracy[0].value > 0.95 and full.fitted_at is not None and full.measured_on
    assert "BOBAI" in full.what
    older = MODEL.card_for(["buys_per_week", "sells_per_week"])
    assert older.accuracy[0].value < full.accuracy[0].value  # fewer facts, measured lower
    assert MODEL.card_for(["buy_sell_ratio"]).accuracy == MODEL.card_for(list(OPTIONAL)).accuracy
    assert MODEL.card_for(["lp_locked_pct"]).accuracy == []  # never measured: no figure claimed


def test_thresholds_ordered_and_levels() -> None:
    t = MODEL.thresholds
    assert 0 < t.medium < t.high < t.critical <= 100
    assert [t.level(x) for x in (0, t.medium, t.high, t.critical, 100)] == [
        "low",
        "medium",
        "high",
        "critical",
        "critical",
    ]
    assert t.level(t.medium - 0.01) == "low"
    assert str(int(t.high)) in t.describe()
    assert load_thresholds() == t


@pytest.mark.parametrize(
    ("fact", "low", "high", "riskier_when_higher"),
    [
        ("lp_creator_pct", 0.0, 100.0, True),
        ("creator_pct", 0.0, 90.0, True),
        ("buy_sell_ratio", 0.5, 20.0, True),
        ("lp_locked_pct", 0.0, 100.0, False),
        ("lp_holder_count", 1.0, 1000.0, False),
    ],
)
def test_score_moves_the_obvious_way(fact: str, low: float, high: float, riskier_when_higher: bool) -> None:
    a = MODEL.score({**NEUTRAL, fact: low}).score
    b = MODEL.score({**NEUTRAL, fact: high}).score
    assert a is not None and b is not None
    assert (b > a) if riskier_when_higher else (b < a)


@given(
    st.sampled_from(["lp_creator_pct", "creator_pct", "lp_locked_pct", "lp_holder_count", "buy_sell_ratio"]),
    st.floats(0, 100),
    st.floats(0, 100),
    st.sampled_from([(), OPTIONAL, ("buys_per_week", "sells_per_week")]),
)
def test_monotone_where_logic_says_so(fact: str, v1: float, v2: float, missing: tuple[str, ...]) -> None:
    """Monotone constraints hold for every value, also with optional facts integrated out."""
    lo, hi = sorted((v1, v2))
    base = {**NEUTRAL, **dict.fromkeys(missing)}
    a, b = MODEL.score({**base, fact: lo}).score, MODEL.score({**base, fact: hi}).score
    assert a is not None and b is not None
    sign = -1 if fact in ("lp_locked_pct", "lp_holder_count") else 1
    assert sign * (b - a) >= -1e-9


@given(st.dictionaries(st.sampled_from(MODEL_FACTS), st.one_of(st.none(), st.floats(0, 1e9))))
def test_score_bounded_and_only_optional_facts_may_be_missing(facts: dict[str, float | None]) -> None:
    result = MODEL.score(facts)
    missing = {f for f in MODEL_FACTS if facts.get(f) is None}
    assert set(result.imputed) == missing
    if missing <= set(OPTIONAL):
        assert result.score is not None and 1.0 <= result.score <= 99.0  # calibrated, never certain
    else:
        assert result.score is None


def test_classic_rug_setup_scores_high_and_spread_liquidity_low() -> None:
    rug = {
        **NEUTRAL,
        "lp_locked_pct": 0.0,
        "lp_creator_pct": 100.0,
        "lp_holder_count": 1.0,
        "lp_share_std_pct": 0.0,
    }
    spread = {**NEUTRAL, "lp_locked_pct": 0.0, "lp_creator_pct": 0.0, "lp_holder_count": 2000.0}
    rug_score, spread_score = MODEL.score(rug).score, MODEL.score(spread).score
    assert rug_score is not None and spread_score is not None
    assert MODEL.thresholds.level(rug_score) in ("high", "critical")
    assert MODEL.thresholds.level(spread_score) == "low"


def test_missing_value_takes_both_branches_weighted_by_cover() -> None:
    # root splits feature 0 at 1.0; left leaf 2.0 (30 pools), right leaf -1.0 (10 pools)
    tree = Tree(
        feature=(0, -1, -1),
        threshold=(1.0, 0.0, 0.0),
        left=(1, 0, 0),
        right=(2, 0, 0),
        value=(0.0, 2.0, -1.0),
        cover=(40.0, 30.0, 10.0),
    )
    assert (tree.predict([0.5]), tree.predict([1.0]), tree.predict([1.5])) == (2.0, 2.0, -1.0)
    assert tree.predict([None]) == pytest.approx((30 * 2.0 + 10 * -1.0) / 40)


def test_calibration_interpolates_and_clips() -> None:
    cal = Calibration(raw=(0.0, 1.0, 3.0), probability=(0.0, 0.5, 1.0), low=0.01, high=0.99)
    assert (cal(-5.0), cal(0.5), cal(2.0), cal(9.0)) == (0.01, 0.25, 0.75, 0.99)
    assert math.isclose(cal(1.0), 0.5)


def test_loader_refuses_bad_files() -> None:
    with pytest.raises(ValueError, match="unknown fact"):
        model_from_dict({**RAW, "features": [{**RAW["features"][0], "fact": "is_honeypot"}]})
    with pytest.raises(ValueError, match="transform"):
        model_from_dict({**RAW, "features": [{**RAW["features"][0], "transform": "exp"}]})
    with pytest.raises(ValueError, match="thresholds"):
        model_from_dict({**RAW, "thresholds": {"medium": 50, "high": 40, "critical": 90}})
    with pytest.raises(ValueError, match="finite"):
        model_from_dict({**RAW, "base_score": float("nan")})
    with pytest.raises(ValueError, match="kind"):
        model_from_dict({**RAW, "kind": "logistic"})
    loop = {**RAW["trees"][0], "left": [0] * len(RAW["trees"][0]["left"])}  # a split pointing back at itself
    with pytest.raises(ValueError, match="child"):
        model_from_dict({**RAW, "trees": [loop]})
    empty = {**RAW["trees"][0], "cover": [0.0] * len(RAW["trees"][0]["cover"])}
    with pytest.raises(ValueError, match="cover"):
        model_from_dict({**RAW, "trees": [empty]})
    with pytest.raises(ValueError, match="calibration"):
        model_from_dict({**RAW, "calibration": {**RAW["calibration"], "probability": [1.0, 0.0]}})
    with pytest.raises(ValueError, match="optional_facts"):
        model_from_dict({**RAW, "optional_facts": ["is_honeypot"]})


def test_baseline_is_goplus_style() -> None:
    assert baseline_risk([]) == 0
    assert baseline_risk(["high", "medium", "low", "info"]) == 35
    assert baseline_risk(["critical"] * 5) == 100
