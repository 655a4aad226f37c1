"""Address risk and approval rating on plain values: levels, the unknown-never-low rule, amounts, ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from agent_tools.domain.address_risk import FLAGS, AddressFacts, assess_address
from agent_tools.domain.approvals import Approval, Spender, overall, parse_amount, rank, rate
from agent_tools.domain.chains import resolve_chain
from agent_tools.upstream.goplus import ADDRESS_FLAGS

NOW = datetime(2026, 5, 28, tzinfo=UTC)
ETH = resolve_chain("ethereum")
ADDRESS = "0x2b5e6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
FORTA_LISTED = "0x04ae3226c80e8c04d35e6e56089345bdd06da6de"


def facts(**set_flags: bool | None) -> AddressFacts:
    flags: dict[str, bool | None] = dict.fromkeys(FLAGS, False)
    flags.update(set_flags)
    return AddressFacts(flags=flags, malicious_contracts_created=0, is_contract=False)


def test_the_domain_reads_every_flag_the_body_model_requires() -> None:
    assert set(FLAGS) == set(ADDRESS_FLAGS)


@pytest.mark.parametrize(
    ("flag", "level"),
    [
        ("sanctioned", "critical"),
        ("stealing_attack", "critical"),
        ("phishing_activities", "critical"),
        ("mixer", "high"),
        ("honeypot_related_address", "high"),
        ("blacklist_doubt", "medium"),
    ],
)
def test_flag_levels(flag: str, level: str) -> None:
    out = assess_address(ETH, ADDRESS, facts(**{flag: True}), [], NOW)
    assert out.risk_level == level and out.findings[0].source == "goplus"


def test_nothing_known_with_every_flag_checked_is_low() -> None:
    out = assess_address(ETH, ADDRESS, facts(), [], NOW)
    assert out.risk_level == "low" and out.findings == [] and out.coverage.unknown == []
    assert "known_malicious_lists" in out.coverage.checked and out.is_contract is False


def test_goplus_down_and_nothing_local_is_unknown_never_low() -> None:
    out = assess_address(ETH, ADDRESS, None, ["goplus"], NOW)
    assert out.risk_level == "unknown" and out.is_contract is None
    assert set(FLAGS) <= set(out.coverage.unknown) and out.coverage.sources_failed == ["goplus"]
    assert out.summary.startswith("Risk unknown")


def test_a_bundled_list_hit_is_critical_even_with_goplus_down() -> None:
    out = assess_address(ETH, FORTA_LISTED, None, ["goplus"], NOW)
    assert out.risk_level == "critical" and out.findings[0].code == "KNOWN_MALICIOUS"


def test_partial_flags_keep_a_clean_address_from_low() -> None:
    out = assess_address(ETH, ADDRESS, facts(mixer=None, sanctioned=None), [], NOW)
    assert out.risk_level == "unknown" and {"mixer", "sanctioned"} <= set(out.coverage.unknown)


def test_malicious_contract_creator_counts() -> None:
    record = AddressFacts(flags=dict.fromkeys(FLAGS, False), malicious_contracts_created=3)
    out = assess_address(ETH, ADDRESS, record, [], NOW)
    assert [f.code for f in out.findings] == ["MALICIOUS_CONTRACT_CREATOR"] and out.risk_level == "high"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Unlimited", "unlimited"),
        ("unlimited", "unlimited"),
        ("1000", Decimal(1000)),
        ("12.5", Decimal("12.5")),
        ("115792089237316195423570985008687907853269984665640564039457584007913129639935", "unlimited"),
        (str(2**160 - 1), "unlimited"),
        ("0", Decimal(0)),
        ("", None),
        ("lots", None),
        ("-5", None),
        ("NaN", None),
        (None, None),
    ],
)
def test_parse_amount(text: str | None, amount: object) -> None:
    assert parse_amount(text) == amount


def approval(spender: Spender, amount: str | None = "Unlimited", **kw: object) -> Approval:
    return Approval(kind="erc20", token="0x" + "1" * 40, spender=spender, amount=parse_amount(amount), **kw)  # type: ignore[arg-type]


SPENDER = "0x" + "2" * 40
OLD = NOW - timedelta(days=900)


@pytest.mark.parametrize(
    ("spender", "amount", "risk"),
    [
        (
            Spender(SPENDER, is_contract=True, verified=True, trusted=True, doubted=False, deployed_at=OLD),
            "Unlimited",
            "low",
        ),
        (
            Spender(SPENDER, is_contract=True, verified=True, trusted=False, doubted=False, deployed_at=OLD),
            "Unlimited",
            "medium",
        ),
        (
            Spender(SPENDER, is_contract=True, verified=True, trusted=False, doubted=False, deployed_at=OLD),
            "100",
            "low",
        ),
        (
            Spender(SPENDER, is_contract=True, verified=True, trusted=False, doubted=False, deployed_at=OLD),
            None,
            "medium",
        ),
        (Spender(SPENDER, is_contract=True, verified=False, trusted=False, deployed_at=OLD), "100", "medium"),
        (
            Spender(SPENDER, is_contract=True, verified=True, deployed_at=NOW - timedelta(days=3)),
            "100",
            "medium",
        ),
        (Spender(SPENDER, is_contract=False), "5", "high"),
        (Spender(SPENDER, is_contract=True, doubted=True, trusted=True), "100", "high"),
        (Spender(SPENDER, malicious_behavior=("stealing_attack",), trusted=True), "100", "critical"),
    ],
)
def test_rate(spender: Spender, amount: str | None, risk: str) -> None:
    got, reasons = rate(approval(spender, amount), NOW)
    assert got == risk and reasons


def test_unassessed_spender_is_never_low() -> None:
    risk, reasons = rate(approval(Spender(SPENDER), "100", assessed=False), NOW)
    assert risk == "medium" and "not assessed" in reasons[0]


def test_rank_puts_the_riskiest_first_then_unlimited() -> None:
    trusted = Spender(SPENDER, is_contract=True, verified=True, trusted=True, doubted=False, deployed_at=OLD)
    rated = rank(
        [
            approval(trusted, "100", approved_at=NOW),
            approval(trusted, "Unlimited", approved_at=OLD),
            approval(Spender(SPENDER, is_contract=False), "1"),
        ],
        NOW,
    )
    assert [(a.risk, a.amount) for a in rated] == [("high", 1.0), ("low", "unlimited"), ("low", 100.0)]
    assert overall(rated, complete=True) == "high"
    assert overall(rated[1:], complete=True) == "low"
    assert overall(rated[1:], complete=False) == "unknown"
    assert overall([], complete=True) == "low"
