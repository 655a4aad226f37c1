"""The shipped rug-pull model: loads, is documented, orders its thresholds, moves the right way."""

import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tools.domain.rug_model import MODEL_FACTS, baseline_risk, load_model, model_from_dict

MODEL = load_model()
RAW: dict[str, Any] = json.loads(
    resources.files("agent_tools.data").joinpath("rug_model.json").read_text(encoding="utf-8")
)
NEUTRAL: dict[str, float | None] = {
    "lp_locked_pct": 50.0,
    "lp_creator_pct": 50.0,
    "creator_pct": 10.0,
    "token_burn_pct": 0.0,
    "creator_token_count": 1.0,
    "lp_holder_count": 3.0,
    "buy_sell_ratio": 1.0,
}


def test_model_loads_with_fit_notes() -> None:
    assert {s.fact for s in MODEL.features} == set(MODEL_FACTS)
    assert RAW["fit"]["cv"]["auc"] > 0.9
    assert RAW["fit"]["rows"] > 10_000
    assert "BOBAI" in RAW["fit"]["data"]
    assert "CV AUC" in MODEL.summary


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
    assert t.floor("high") == t.high
    assert str(int(t.high)) in t.describe()


@pytest.mark.parametrize(
    ("fact", "low", "high", "riskier_when_higher"),
    [
        ("lp_creator_pct", 0.0, 100.0, True),
        ("creator_pct", 0.0, 90.0, True),
        ("buy_sell_ratio", 0.5, 20.0, True),
        ("creator_token_count", 1.0, 50.0, True),
        ("lp_locked_pct", 0.0, 100.0, False),
        ("lp_holder_count", 1.0, 1000.0, False),
    ],
)
def test_score_moves_the_obvious_way(fact: str, low: float, high: float, riskier_when_higher: bool) -> None:
    a = MODEL.score({**NEUTRAL, fact: low}).score
    b = MODEL.score({**NEUTRAL, fact: high}).score
    assert (b > a) if riskier_when_higher else (b < a)


@given(
    st.floats(0, 100),
    st.floats(0, 100),
    st.floats(0, 100),
    st.floats(0, 100),
)
def test_monotone_in_creator_control_of_liquidity(lp1: float, lp2: float, lock1: float, lock2: float) -> None:
    lo, hi = sorted((lp1, lp2))
    assert (
        MODEL.score({**NEUTRAL, "lp_creator_pct": lo}).score
        <= MODEL.score({**NEUTRAL, "lp_creator_pct": hi}).score
    )
    less, more = sorted((lock1, lock2))
    assert (
        MODEL.score({**NEUTRAL, "lp_locked_pct": more}).score
        <= MODEL.score({**NEUTRAL, "lp_locked_pct": less}).score
    )


@given(st.dictionaries(st.sampled_from(MODEL_FACTS), st.one_of(st.none(), st.floats(0, 1e9))))
def test_score_bounded_and_missing_facts_are_imputed(facts: dict[str, float | None]) -> None:
    result = MODEL.score(facts)
    assert 0.0 <= result.score <= 100.0
    assert set(result.imputed) == {f for f in MODEL_FACTS if facts.get(f) is None}


def test_classic_rug_setup_scores_high_and_spread_liquidity_low() -> None:
    rug = {"lp_locked_pct": 0.0, "lp_creator_pct": 100.0, "lp_holder_count": 1.0, "buy_sell_ratio": 5.0}
    spread = {"lp_locked_pct": 0.0, "lp_creator_pct": 0.0, "lp_holder_count": 2000.0, "buy_sell_ratio": 1.0}
    assert MODEL.thresholds.level(MODEL.score(rug).score) in ("high", "critical")
    assert MODEL.thresholds.level(MODEL.score(spread).score) == "low"


def test_loader_refuses_bad_files() -> None:
    with pytest.raises(ValueError, match="unknown fact"):
        model_from_dict({**RAW, "features": [{**RAW["features"][0], "fact": "is_honeypot"}]})
    with pytest.raises(ValueError, match="transform"):
        model_from_dict({**RAW, "features": [{**RAW["features"][0], "transform": "exp"}]})
    with pytest.raises(ValueError, match="thresholds"):
        model_from_dict({**RAW, "thresholds": {"medium": 50, "high": 40, "critical": 90}})
    with pytest.raises(ValueError, match="finite"):
        model_from_dict({**RAW, "intercept": float("nan")})


def test_baseline_is_goplus_style() -> None:
    assert baseline_risk([]) == 0
    assert baseline_risk(["high", "medium", "low", "info"]) == 35
    assert baseline_risk(["critical"] * 5) == 100
