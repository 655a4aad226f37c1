"""A wallet's outstanding token approvals: how risky each one is, riskiest first, and how to revoke.

Pure logic. The source adapter turns GoPlus's v2 approval lists into `Approval`s (spender facts `None`
when GoPlus did not state them). An approval's risk comes from who the spender is (flagged for malicious
behaviour, on GoPlus's doubt list, a wallet rather than a contract, unverified, freshly deployed) and how
much it may take (unlimited, or an amount GoPlus did not state, counts as everything). Reasons are the
server's own sentences; spender names and behaviour tags (third-party text) stay in data fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent_tools.domain.findings import Coverage, Risk, RiskLevel

Kind = Literal["erc20", "erc721", "erc1155"]
Amount = Literal["unlimited"] | Decimal

UNLIMITED_FROM = Decimal(2**96 - 1)
"""An allowance this large is unlimited in practice (uint96 max, which some tokens treat as infinite;
max uint160 and uint256 are above it), whether GoPlus reports raw units or whole tokens."""
NEW_SPENDER = timedelta(days=30)
_RANK: dict[Risk, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

REVOKE_HOW = (
    "Revoke from the wallet: approve(spender, 0) on the token (ERC-20); setApprovalForAll(spender, false) "
    "on the collection (NFTs; approve(0x0, tokenId) for one ERC-721). revoke.cash or Etherscan's Token "
    "Approval Checker (etherscan.io/tokenapprovalchecker) build it for you to check and sign. This server "
    "never sends or signs anything. Each revoke costs gas: riskiest first."
)


def parse_amount(text: str | None) -> Amount | None:
    """GoPlus's `approved_amount`: "Unlimited" (any case), or a decimal string; None when unreadable."""
    if text is None or not text.strip():
        return None
    if text.strip().lower() == "unlimited":
        return "unlimited"
    try:
        number = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return "unlimited" if number >= UNLIMITED_FROM else number


@dataclass(frozen=True, slots=True)
class Spender:
    """What GoPlus stated about a spender; None = not stated."""

    address: str
    name: str | None = None  # cleaned third-party text
    is_contract: bool | None = None
    verified: bool | None = None
    trusted: bool | None = None  # on GoPlus's trust list (0 does not mean untrusted)
    doubted: bool | None = None  # on GoPlus's doubt list (0 does not mean safe)
    malicious_behavior: tuple[str, ...] | None = None  # cleaned third-party tags
    deployed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Approval:
    kind: Kind
    token: str
    spender: Spender
    token_symbol: str | None = None  # cleaned third-party text
    amount: Amount | None = None  # None: not stated
    token_id: str | None = None  # a single ERC-721 approval
    token_flagged: bool | None = None  # GoPlus marks the token itself malicious
    approved_at: datetime | None = None
    assessed: bool = True  # False: GoPlus sent no spender record (data still syncing)


class ApprovalOut(BaseModel):
    model_config = ConfigDict(defer_build=True)

    kind: Kind = Field(
        description="erc20, erc721 (one NFT or the whole collection) or erc1155 (whole collection)"
    )
    token: str = Field(description="token or NFT collection contract")
    token_symbol: str | None
    spender: str = Field(description="the address allowed to move the tokens")
    spender_name: str | None = Field(description="GoPlus's name or tag for the spender (third-party text)")
    amount: Literal["unlimited"] | float | None = Field(
        description='"unlimited", or the allowance in GoPlus\'s units (it does not say whether raw or whole '
        "tokens); for NFTs: unlimited = every NFT of the collection, 1 = one token_id; null = not stated"
    )
    token_id: str | None = None
    risk: Risk
    reasons: list[str] = Field(description="why this risk, in the server's words")
    spender_flags: list[str] = Field(
        default_factory=list[str],
        description="GoPlus's malicious-behaviour tags for the spender (third-party)",
    )
    approved_at: datetime | None


def riskiest(risks: Iterable[Risk]) -> Risk:
    top: Risk = "low"
    for risk in risks:
        if _RANK[risk] > _RANK[top]:
            top = risk
    return top


def rate(approval: Approval, now: datetime) -> tuple[Risk, list[str]]:
    """The approval's risk and the reasons for it, worst first."""
    found: list[tuple[Risk, str]] = []
    s = approval.spender
    if s.malicious_behavior:
        found.append(("critical", "the spender is flagged for malicious behaviour (see spender_flags)"))
    if s.doubted:
        found.append(("high", "the spender is on GoPlus's doubt list (suspected malicious)"))
    if s.is_contract is False:
        found.append(
            ("high", "the spender is a wallet, not a contract: approving a wallet is approval phishing")
        )
    if not approval.assessed:
        found.append(("medium", "GoPlus has not assessed the spender yet (data still syncing)"))
    if s.is_contract and s.verified is False:
        found.append(("medium", "the spender's source code is not verified"))
    if s.deployed_at is not None and now - s.deployed_at < NEW_SPENDER:
        days = max((now - s.deployed_at).days, 0)
        found.append(("medium", f"the spender contract was deployed {days} day(s) ago"))
    if approval.token_flagged:
        found.append(("medium", "GoPlus flags the approved token itself as malicious"))
    everything = approval.amount in ("unlimited", None)
    what = "the whole collection" if approval.kind != "erc20" else "an unlimited amount"
    if approval.amount is None and approval.kind == "erc20":
        what = "an amount GoPlus did not state (treated as unlimited)"
    if everything and s.trusted and not found:
        found.append(("low", f"{what}, to a spender on GoPlus's trust list"))
    elif everything:
        found.append(("medium", f"{what}, to a spender not on GoPlus's trust list"))
    if not found:
        found.append(("low", "a limited amount, and GoPlus flags nothing about the spender"))
    risk = riskiest(r for r, _ in found)
    ordered = sorted(found, key=lambda item: -_RANK[item[0]])
    return risk, [reason for _, reason in ordered]


def _amount_out(amount: Amount | None) -> Literal["unlimited"] | float | None:
    if isinstance(amount, Decimal):
        return float(amount)
    return amount


def rank(approvals: Sequence[Approval], now: datetime) -> list[ApprovalOut]:
    """Every approval rated, riskiest first; among equals, unlimited first, then the most recent."""
    rated: list[ApprovalOut] = []
    for a in approvals:
        risk, reasons = rate(a, now)
        rated.append(
            ApprovalOut(
                kind=a.kind,
                token=a.token,
                token_symbol=a.token_symbol,
                spender=a.spender.address,
                spender_name=a.spender.name,
                amount=_amount_out(a.amount),
                token_id=a.token_id,
                risk=risk,
                reasons=reasons,
                spender_flags=list(a.spender.malicious_behavior or ()),
                approved_at=a.approved_at,
            )
        )

    def key(item: ApprovalOut) -> tuple[int, int, float]:
        when = item.approved_at.timestamp() if item.approved_at else 0.0
        return (-_RANK[item.risk], 0 if item.amount in ("unlimited", None) else 1, -when)

    return sorted(rated, key=key)


def overall(rated: Sequence[ApprovalOut], *, complete: bool) -> RiskLevel:
    """The riskiest approval's risk; with none above low, `low` only when every list was read."""
    top = riskiest(a.risk for a in rated)
    if _RANK[top] >= _RANK["medium"]:
        return top
    return "low" if complete else "unknown"


def summary(level: RiskLevel, rated: Sequence[ApprovalOut], shown: int, coverage: Coverage) -> str:
    """Counts and the level in the server's own words (tokens named by symbol-free counts only)."""
    counts = {r: sum(1 for a in rated if a.risk == r) for r in ("critical", "high", "medium")}
    risky = ", ".join(f"{n} {r}" for r, n in counts.items() if n)
    if not rated:
        first = "No outstanding approvals found" if level == "low" else "Approvals could not all be read"
    else:
        first = f"{len(rated)} outstanding approval(s)" + (f": {risky} risk" if risky else ", none flagged")
    first += f"; overall risk {level}."
    notes: list[str] = []
    if shown < len(rated):
        notes.append(
            f"showing the {shown} riskiest; {len(rated) - shown} lower-risk ones left out (raise limit)"
        )
    if coverage.sources_failed:
        notes.append("not read: " + ", ".join(coverage.sources_failed))
    if level == "unknown":
        notes.append("treat the wallet as unchecked, not safe")
    text = "; ".join(notes)
    return first + (f" {text[0].upper()}{text[1:]}." if text else "")
