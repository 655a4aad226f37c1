"""Risk of an address you are about to send to or approve: malicious-address flags, the bundled
known-bad lists, and whether it is a contract.

Pure logic. The source adapter turns GoPlus's `address_security` reply into `AddressFacts` (flags by
GoPlus's own names, `None` = not stated). Levels follow the rug tool's rules: a sanctioned, phishing or
drainer address, or a bundled-list hit, is `critical`; nothing known is `low` only when every flag was
stated; with GoPlus down (or offline) and nothing local, the level is `unknown`, never `low`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from agent_tools.domain import known_bad
from agent_tools.domain.chains import Chain
from agent_tools.domain.findings import Coverage, Finding, RiskLevel, Severity, by_severity, level

GOPLUS = "goplus"
KNOWN_BAD_CHECK = known_bad.CHECK_NAME
IS_CONTRACT = "is_contract"
MALICIOUS_CONTRACTS = "number_of_malicious_contracts_created"

FLAG_RULES: dict[str, tuple[str, Severity, str]] = {
    # GoPlus flag -> (finding code, severity, title); worst first
    "sanctioned": ("SANCTIONED", "critical", "Address is sanctioned: sending to it may be illegal"),
    "stealing_attack": ("STEALING_ATTACK", "critical", "Address is linked to stealing attacks (a drainer)"),
    "phishing_activities": ("PHISHING", "critical", "Address is linked to phishing"),
    "honeypot_related_address": (
        "HONEYPOT_CREATOR",
        "high",
        "Address created or owns honeypot or scam tokens",
    ),
    "fake_token": ("FAKE_TOKEN", "high", "Address is a counterfeit of a mainstream asset"),
    "fake_standard_interface": (
        "FAKE_STANDARD_INTERFACE",
        "high",
        "Contract fakes standard token interfaces, as scam assets do",
    ),
    "mixer": ("MIXER", "high", "Address is a coin mixer"),
    "money_laundering": ("MONEY_LAUNDERING", "high", "Address is linked to money laundering"),
    "cybercrime": ("CYBERCRIME", "high", "Address is linked to cybercrime"),
    "financial_crime": ("FINANCIAL_CRIME", "high", "Address is linked to financial crime"),
    "darkweb_transactions": ("DARKWEB", "high", "Address has darkweb transactions"),
    "blackmail_activities": ("BLACKMAIL", "high", "Address is linked to blackmail"),
    "fake_kyc": ("FAKE_KYC", "medium", "Address is linked to fake KYC"),
    "malicious_mining_activities": ("MALICIOUS_MINING", "medium", "Address is linked to malicious mining"),
    "gas_abuse": ("GAS_ABUSE", "medium", "Address abuses other users' gas"),
    "blacklist_doubt": ("SUSPECTED_MALICIOUS", "medium", "Address is suspected of malicious behaviour"),
    "reinit": ("REDEPLOYABLE", "medium", "Contract can be deployed again at this address with other code"),
}
FLAGS: tuple[str, ...] = tuple(FLAG_RULES)


@dataclass(frozen=True, slots=True)
class AddressFacts:
    """What a malicious-address source stated (None = not stated)."""

    flags: Mapping[str, bool | None]  # by FLAGS name
    malicious_contracts_created: int | None = None
    is_contract: bool | None = None
    data_source: str | None = None  # the provider's own attribution, cleaned third-party text


class AddressAssessment(BaseModel):
    model_config = ConfigDict(defer_build=True)

    chain: str
    address: str
    risk_level: RiskLevel
    summary: str
    findings: list[Finding]
    is_contract: bool | None = Field(description="true = a contract, false = a wallet (EOA), null = unknown")
    coverage: Coverage
    as_of: datetime


def flag_findings(facts: AddressFacts) -> list[Finding]:
    evidence_base: dict[str, JsonValue] = {"data_source": facts.data_source} if facts.data_source else {}
    found: list[Finding] = []
    for name, (code, severity, title) in FLAG_RULES.items():
        if facts.flags.get(name):
            found.append(
                Finding(
                    code=code,
                    severity=severity,
                    title=title,
                    evidence={name: "1", **evidence_base},
                    source=GOPLUS,
                )
            )
    if facts.malicious_contracts_created:
        found.append(
            Finding(
                code="MALICIOUS_CONTRACT_CREATOR",
                severity="high",
                title=f"Address created {facts.malicious_contracts_created} malicious contract(s)",
                evidence={MALICIOUS_CONTRACTS: facts.malicious_contracts_created, **evidence_base},
                source=GOPLUS,
            )
        )
    return found


def listing_findings(chain: Chain, address: str) -> list[Finding]:
    """A hit on the bundled known-bad lists (EVM only) is critical, as in the rug tool."""
    entries = known_bad.lookup(chain.name, address) if chain.family == "evm" else ()
    if not entries:
        return []
    listings: list[JsonValue] = [{"list": e.list_source, "label": e.label, "chain": e.chain} for e in entries]
    labels = ", ".join(dict.fromkeys(e.label for e in entries))
    return [
        Finding(
            code="KNOWN_MALICIOUS",
            severity="critical",
            title=f"Address is on a bundled known-malicious list ({labels})",
            evidence={"address": address.lower(), "listings": listings},
            source=", ".join(dict.fromkeys(e.list_source for e in entries)),
        )
    ]


def assess_address(
    chain: Chain,
    address: str,
    facts: AddressFacts | None,
    sources_failed: Sequence[str],
    now: datetime,
) -> AddressAssessment:
    """Findings, coverage and level from what GoPlus stated (`facts`, None when it failed or was not asked)."""
    findings = by_severity(listing_findings(chain, address) + (flag_findings(facts) if facts else []))
    stated = [n for n in FLAGS if facts is not None and facts.flags.get(n) is not None]
    unknown = [n for n in FLAGS if n not in stated]
    if facts is not None and facts.malicious_contracts_created is not None:
        stated.append(MALICIOUS_CONTRACTS)
    else:
        unknown.append(MALICIOUS_CONTRACTS)
    is_contract = facts.is_contract if facts else None
    (stated if is_contract is not None else unknown).append(IS_CONTRACT)
    if chain.family == "evm":
        stated.append(KNOWN_BAD_CHECK)
    coverage = Coverage(
        checked=stated,
        unknown=unknown,
        sources_ok=[GOPLUS] if facts is not None else [],
        sources_failed=list(dict.fromkeys(sources_failed)),
    )
    complete = facts is not None and all(n in stated for n in FLAGS)
    risk = level(findings, complete=complete)
    return AddressAssessment(
        chain=chain.name,
        address=address,
        risk_level=risk,
        summary=_summary(risk, findings, coverage, chain),
        findings=findings,
        is_contract=is_contract,
        coverage=coverage,
        as_of=now,
    )


def _summary(risk: RiskLevel, findings: Sequence[Finding], coverage: Coverage, chain: Chain) -> str:
    lists = " and the bundled known-malicious lists" if chain.family == "evm" else ""
    if risk == "unknown":
        first = (
            "Risk unknown: the malicious-address flags could not all be checked, so treat this address as "
            "unverified, not safe."
        )
    elif risk == "low":
        first = (
            f"Low risk: no malicious-address flag is set in GoPlus{lists}. That is not proof of safety: new "
            "scam addresses are listed late, so still compare the whole address before sending."
        )
    else:
        reasons = "; ".join(f.title for f in findings[:2])
        first = f"{risk.capitalize()} risk: {reasons}."
    gaps: list[str] = []
    if coverage.sources_failed:
        gaps.append("sources failed: " + ", ".join(coverage.sources_failed))
    flags_unknown = [n for n in coverage.unknown if n in FLAG_RULES]
    if flags_unknown and coverage.sources_ok:
        gaps.append(f"{len(flags_unknown)} flags not stated")
    second = "; ".join(gaps)
    return first + (f" {second[0].upper()}{second[1:]}." if second else "")
