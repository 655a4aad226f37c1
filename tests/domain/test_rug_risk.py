"""Rug-pull assessment: overrides, merging by evidence strength, unknowns as risk, chain families, lists."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from agent_tools.domain.rug_risk import (
    EXPECTED,
    Finding,
    RiskAssessment,
    TokenFacts,
    assess,
    merge_facts,
    pct_from_fraction,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TOKEN = "0x1258d60b224c0c5cd888d37bbf31aa5fcfb7e870"
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
MINT = "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump"
FORTA_LISTED = "0x04ae3226c80e8c04d35e6e56089345bdd06da6de"  # Forta malicious_smart_contracts, Ethereum
CRPWARNER_LISTED = "0x93023F1D3525E273F291B6f76d2F5027A39BF302"  # CRPWarner ground truth, chain not stated


def goplus(**kw: object) -> TokenFacts:
    clean: dict[str, object] = {
        "is_honeypot": False,
        "buy_tax_pct": 0.0,
        "sell_tax_pct": 0.0,
        "tax_modifiable": False,
        "mintable": False,
        "owner_address": "",
        "proxy_upgradeable": False,
        "hidden_owner": False,
        "blacklist": False,
        "trading_pausable": False,
        "source_verified": True,
        "lp_locked_pct": 2.0,
        "lp_creator_pct": 0.0,
        "lp_holder_count": 5000,
        "lp_share_std_pct": 0.1,
        "top10_holder_pct": 25.0,
        "creator_pct": 0.0,
        "token_burn_pct": 0.0,
    }
    clean.update(kw)
    return TokenFacts.model_validate({"source": "goplus", "method": "static", **clean})


def honeypot_is(**kw: object) -> TokenFacts:
    base: dict[str, object] = {"is_honeypot": False, "buy_tax_pct": 0.1, "sell_tax_pct": 0.1}
    base.update(kw)
    return TokenFacts.model_validate({"source": "honeypot.is", "method": "simulation", **base})


def dexscreener(**kw: object) -> TokenFacts:
    base: dict[str, object] = {
        "liquidity_usd": 50_000_000.0,
        "pair_created_at": datetime(2020, 9, 16, tzinfo=UTC),
        "buy_sell_ratio": 0.9,
    }
    base.update(kw)
    return TokenFacts.model_validate({"source": "dexscreener", "method": "market", **base})


def codes(result: RiskAssessment) -> dict[str, Finding]:
    return {f.code: f for f in result.findings}


def test_blue_chip_like_facts_are_low() -> None:
    result = assess("ethereum", TOKEN, [goplus(), honeypot_is(), dexscreener()], [], NOW)
    assert result.risk_level == "low"
    assert result.risk_score is not None
    assert result.risk_score < 10
    assert result.coverage.unknown == []
    assert result.coverage.sources_ok == ["goplus", "honeypot.is", "dexscreener"]
    assert result.is_honeypot is False
    assert result.liquidity_usd == 50_000_000.0
    assert all(f.severity in ("info", "low") for f in result.findings)
    assert result.as_of == NOW
    assert result.address == "0x1258D60B224c0C5cD888D37bbF31aa5FCFb7e870"


def test_honeypot_is_critical() -> None:
    result = assess("eth", TOKEN, [goplus(), honeypot_is(is_honeypot=True, sell_tax_pct=100.0)], [], NOW)
    assert (result.risk_level, result.risk_score, result.is_honeypot) == ("critical", 100, True)
    assert codes(result)["HONEYPOT"].severity == "critical"
    assert result.findings[0].severity == "critical"
    assert result.summary.startswith("Critical")


def test_full_sell_tax_from_goplus_fraction_is_critical() -> None:
    facts = goplus(sell_tax_pct=pct_from_fraction("1"), evidence={"sell_tax_pct": "1"})
    result = assess("bsc", TOKEN, [facts, dexscreener()], [], NOW)
    tax = codes(result)["HIGH_SELL_TAX"]
    assert (result.risk_level, tax.severity, result.sell_tax_pct) == ("critical", "critical", 100.0)
    assert tax.evidence["raw"] == {"goplus": {"sell_tax_pct": "1"}}


def test_raw_evidence_only_where_it_says_more_than_the_value() -> None:
    simulated = honeypot_is(sell_tax_pct=100.0, evidence={"sell_tax_pct": 100.0})
    facts = goplus(sell_tax_pct=100.0, evidence={"sell_tax_pct": "1"})
    tax = codes(assess("eth", TOKEN, [facts, simulated], [], NOW))["HIGH_SELL_TAX"]
    assert "by_source" not in tax.evidence  # they agree: the finding's `source` names both
    assert tax.source == "honeypot.is, goplus"
    assert tax.evidence["raw"] == {"goplus": {"sell_tax_pct": "1"}}  # Honeypot.is sent 100.0: nothing new


def test_simulation_beats_static_flag_and_finding_says_both() -> None:
    facts = [goplus(is_honeypot=False), honeypot_is(is_honeypot=True), dexscreener()]
    result = assess("ethereum", TOKEN, facts, [], NOW)
    finding = codes(result)["HONEYPOT"]
    assert result.risk_level == "critical"
    assert result.is_honeypot is True
    assert finding.source == "honeypot.is"
    assert finding.evidence["by_source"] == {
        "honeypot.is": {"is_honeypot": True, "sell_tax_pct": 0.1},
        "goplus": {"is_honeypot": False, "sell_tax_pct": 0.0},
    }
    assert "goplus (static) reported no" in finding.title


def test_static_honeypot_flag_outweighed_by_simulation_still_reported() -> None:
    facts = [goplus(is_honeypot=True), honeypot_is(is_honeypot=False), dexscreener()]
    result = assess("ethereum", TOKEN, facts, [], NOW)
    assert result.is_honeypot is False
    finding = codes(result)["HONEYPOT"]
    assert finding.severity == "medium"
    assert "goplus" in finding.title
    assert result.risk_level == "medium"


def test_units_normalised_and_agreeing_taxes_name_both_sources() -> None:
    assert pct_from_fraction("0.05") == pytest.approx(5.0)
    assert pct_from_fraction("") is None
    assert pct_from_fraction(None) is None
    assert pct_from_fraction("1.0000001") == 100.0
    with pytest.raises(ValueError, match=">= 0"):
        pct_from_fraction("-0.1")
    facts = [goplus(sell_tax_pct=pct_from_fraction("0.12")), honeypot_is(sell_tax_pct=12.4)]
    result = assess("ethereum", TOKEN, [*facts, dexscreener()], [], NOW)
    tax = codes(result)["HIGH_SELL_TAX"]
    assert tax.severity == "medium"
    assert result.sell_tax_pct == 12.4
    assert tax.source == "honeypot.is, goplus"


def test_equal_strength_disagreement_takes_the_riskier_value() -> None:
    other = TokenFacts(source="other-scanner", mintable=True)
    merged = merge_facts([goplus(mintable=False), other])
    assert merged["mintable"].value is True
    assert merged["mintable"].winner.source == "other-scanner"
    assert [r.source for r in merged["mintable"].dissent] == ["goplus"]


def test_market_data_wins_for_liquidity() -> None:
    facts = [goplus(), honeypot_is(liquidity_usd=5_000.0), dexscreener(liquidity_usd=2_000_000.0)]
    assert assess("ethereum", TOKEN, facts, [], NOW).liquidity_usd == 2_000_000.0


def unknown_inputs(result: RiskAssessment) -> set[str]:
    """The facts the model integrated out: its null inputs."""
    return {name for name, value in result.model.inputs.items() if value is None}


def test_weth_like_missing_owner_key_is_unknown_not_safe() -> None:
    # Real GoPlus WETH capture: no owner_address, no dex/lp_holders even though is_in_dex is "1".
    weth = goplus(owner_address=None, lp_locked_pct=None, lp_creator_pct=None, lp_holder_count=None)
    result = assess("ethereum", WETH, [weth, honeypot_is(), dexscreener()], [], NOW)
    assert "owner_renounced" in result.coverage.unknown
    assert "lp_locked_pct" in result.coverage.unknown
    assert "OWNER_NOT_RENOUNCED" not in codes(result)
    assert result.risk_level != "low"
    assert {"lp_locked_pct", "lp_holder_count"} <= unknown_inputs(result)
    # the model was never measured without the LP facts: no score rather than a guess, and no figure claimed
    assert (result.risk_score, result.model.score, result.model.accuracy) == (None, None, [])
    assert result.risk_level == "medium"
    assert "no model score" in result.summary


def test_risk_score_is_the_calibrated_model_probability_and_level_the_worse_of_two() -> None:
    young = dexscreener(buys_per_week=30.0, sells_per_week=25.0, buy_sell_ratio=1.2)
    result = assess("ethereum", TOKEN, [goplus(), honeypot_is(), young], [], NOW)
    assert result.model.score is not None and result.risk_score == round(result.model.score)
    assert unknown_inputs(result) == set() and [a.metric for a in result.model.accuracy] == ["AUC", "brier"]
    older = assess("ethereum", TOKEN, [goplus(), honeypot_is(), dexscreener()], [], NOW)
    assert unknown_inputs(older) == {"buys_per_week", "sells_per_week"}
    assert "imputed" not in older.model.model_dump()  # the null inputs say it: not carried twice
    assert older.model.accuracy[0].value < result.model.accuracy[0].value  # measured with the rates unknown
    # a high finding lifts the level, not the number: the score stays the model's probability
    hidden = assess("ethereum", TOKEN, [goplus(hidden_owner=True), honeypot_is(), young], [], NOW)
    assert hidden.risk_level == "high" and hidden.risk_score == result.risk_score


def test_all_key_facts_unknown_is_unknown_not_low() -> None:
    partial = TokenFacts(source="goplus", mintable=False, creator_pct=0.0)
    result = assess("ethereum", TOKEN, [partial], ["honeypot.is", "dexscreener"], NOW)
    assert (result.risk_level, result.risk_score) == ("unknown", None)
    assert {"is_honeypot", "sell_tax_pct", "liquidity_usd"} <= set(result.coverage.unknown)
    assert result.coverage.sources_failed == ["honeypot.is", "dexscreener"]
    assert "unverified, not safe" in result.summary
    nothing = assess("ethereum", TOKEN, [], ["goplus", "honeypot.is", "dexscreener"], NOW)
    assert nothing.risk_level == "unknown"
    assert nothing.coverage.unknown == list(EXPECTED["evm"])


def test_high_finding_still_shown_when_key_facts_unknown() -> None:
    result = assess("ethereum", TOKEN, [TokenFacts(source="goplus", hidden_owner=True)], [], NOW)
    assert result.risk_level == "high"


def test_creator_can_pull_liquidity_is_high() -> None:
    facts = goplus(lp_locked_pct=0.0, lp_creator_pct=100.0, lp_holder_count=1, creator_pct=40.0)
    result = assess("ethereum", TOKEN, [facts, honeypot_is(), dexscreener(buy_sell_ratio=6.0)], [], NOW)
    found = codes(result)
    assert found["LP_UNLOCKED"].severity == "high"
    assert found["CREATOR_HOLDS_MUCH"].severity == "high"
    assert result.risk_level in ("high", "critical")
    assert result.model.score > 90


def test_new_low_liquidity_pair() -> None:
    fresh = dexscreener(liquidity_usd=8_000.0, pair_created_at=NOW - timedelta(hours=2))
    result = assess("base", TOKEN, [goplus(), honeypot_is(), fresh], [], NOW)
    found = codes(result)
    assert found["NEW_PAIR"].severity == "medium"
    assert "2.0 hours" in found["NEW_PAIR"].title
    assert found["LOW_LIQUIDITY"].severity == "high"
    assert result.risk_level == "high"


def rugcheck(**kw: object) -> TokenFacts:
    base: dict[str, object] = {
        "mint_authority": False,
        "freeze_authority": False,
        "lp_locked_pct": 100.0,
        "top10_holder_pct": 20.0,
        "creator_pct": 0.5,
        "lp_holder_count": 0,
    }
    base.update(kw)
    return TokenFacts.model_validate({"source": "rugcheck", **base})


def test_solana_without_authorities() -> None:
    result = assess("solana", MINT, [rugcheck(), dexscreener()], [], NOW)
    assert result.risk_level in ("low", "medium")
    assert "is_honeypot" not in result.coverage.unknown
    assert "sell_tax_pct" not in result.coverage.unknown
    assert result.coverage.unknown == []
    assert "known_malicious_lists" not in result.coverage.checked
    assert not {"MINT_AUTHORITY", "FREEZE_AUTHORITY"} & set(codes(result))


def test_solana_with_authorities() -> None:
    facts = rugcheck(mint_authority=True, freeze_authority=True, evidence={"mint_authority": "TSLvdd1p..."})
    result = assess("sol", MINT, [facts, dexscreener()], [], NOW)
    found = codes(result)
    assert found["MINT_AUTHORITY"].severity == "high"
    assert found["FREEZE_AUTHORITY"].severity == "high"
    assert found["MINT_AUTHORITY"].evidence["raw"] == {"rugcheck": {"mint_authority": "TSLvdd1p..."}}
    assert result.risk_level in ("high", "critical")


def test_solana_key_facts_unknown() -> None:
    result = assess("solana", MINT, [], ["rugcheck", "dexscreener"], NOW)
    assert result.risk_level == "unknown"
    assert result.coverage.unknown == list(EXPECTED["solana"])


def test_known_malicious_hit_is_critical_with_list_source() -> None:
    result = assess("ethereum", FORTA_LISTED, [], ["goplus"], NOW)
    finding = codes(result)["KNOWN_MALICIOUS"]
    assert result.risk_level == "critical"
    assert finding.severity == "critical"
    assert finding.source == "forta:malicious_smart_contracts"
    assert "known_malicious_lists" in result.coverage.checked
    # Forta's Ethereum list does not apply on BSC; CRPWarner's chain-less list applies to every EVM chain.
    assert "KNOWN_MALICIOUS" not in codes(assess("bsc", FORTA_LISTED, [], [], NOW))
    assert codes(assess("bsc", CRPWARNER_LISTED, [], [], NOW))["KNOWN_MALICIOUS"].source == (
        "crpwarner:groundtruth"
    )


def test_owner_renounced_derived_from_owner_address() -> None:
    owned = assess(
        "ethereum", TOKEN, [goplus(owner_address="0xb8b4ee01abb7efee8efb5b06d3595cf8a89e70a0")], [], NOW
    )
    assert codes(owned)["OWNER_NOT_RENOUNCED"].severity == "low"
    dead = goplus(owner_address="0x000000000000000000000000000000000000dEaD")
    assert "OWNER_NOT_RENOUNCED" not in codes(assess("ethereum", TOKEN, [dead], [], NOW))


@pytest.mark.parametrize(
    "bad",
    [
        {"sell_tax_pct": 150.0},
        {"liquidity_usd": float("nan")},
        {"pair_created_at": datetime(2024, 1, 1)},
        {"evidence": {"not_a_field": 1}},
        {"surprise": True},
    ],
)
def test_token_facts_refuse_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TokenFacts.model_validate({"source": "x", **bad})


def test_input_checks_and_output_shape() -> None:
    with pytest.raises(ValueError, match="EIP-55"):
        assess("ethereum", "0xC02aaa39b223FE8D0A0e5C4F27eAD9083C756Cc2", [], [], NOW)
    with pytest.raises(ValueError, match="unknown chain"):
        assess("dogechain", TOKEN, [], [], NOW)
    with pytest.raises(ValueError, match="timezone"):
        assess("ethereum", TOKEN, [], [], datetime(2026, 1, 1))
    dumped = assess("ethereum", TOKEN, [goplus(), honeypot_is(), dexscreener()], [], NOW).model_dump(
        mode="json"
    )
    assert {
        "risk_score",
        "risk_level",
        "summary",
        "findings",
        "coverage",
        "is_honeypot",
        "buy_tax_pct",
        "sell_tax_pct",
        "liquidity_usd",
        "as_of",
    } <= set(dumped)
    assert set(dumped["coverage"]) == {"checked", "unknown", "sources_ok", "sources_failed"}
