"""Rug-pull risk assessment from per-source token facts: merge, findings, coverage, score and level.

Pure logic, no I/O. Upstream clients turn each provider's body into one ``TokenFacts`` (``None`` = the
source did not report that fact) and call ``assess``. Rules of the house applied here:

* Stronger evidence wins a disagreement: for honeypot status and taxes a sell simulation outranks a static
  flag; for liquidity, pair age and trade counts market data outranks the rest. Between equally strong
  sources the riskier value wins. A finding's evidence lists every source's value.
* A fact no source reported is listed in ``coverage.unknown`` and keeps the level from being ``low``;
  when no source reports whether the token can be sold (the key facts) the level is ``unknown``.
* Honeypot, a ~100 % sell tax or a known-malicious list hit force ``critical`` (score 100); otherwise the
  score is the fitted model's calibrated probability (``rug_model``), kept as it is so it reads as one,
  and the level is the worse of the score's level and the floor of the worst finding's severity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from agent_tools.domain import known_bad
from agent_tools.domain.addresses import validate_address
from agent_tools.domain.chains import Chain, resolve_chain
from agent_tools.domain.model_card import ModelCard
from agent_tools.domain.rug_model import MODEL_FACTS, Level, RugModel, load_model

Severity = Literal["info", "low", "medium", "high", "critical"]
RiskLevel = Literal["low", "medium", "high", "critical", "unknown"]
Method = Literal["simulation", "static", "market"]
FindingCode = Literal[
    "HONEYPOT",
    "HIGH_SELL_TAX",
    "TAX_MODIFIABLE",
    "MINTABLE",
    "OWNER_NOT_RENOUNCED",
    "PROXY_UPGRADEABLE",
    "HIDDEN_OWNER",
    "BLACKLIST",
    "TRADING_PAUSABLE",
    "LP_UNLOCKED",
    "LOW_LIQUIDITY",
    "HOLDER_CONCENTRATION",
    "CREATOR_HOLDS_MUCH",
    "NEW_PAIR",
    "MINT_AUTHORITY",
    "FREEZE_AUTHORITY",
    "UNVERIFIED_SOURCE",
    "KNOWN_MALICIOUS",
]
FactValue = bool | int | float | str | datetime

Pct = Annotated[float, Field(ge=0, le=100)]

_LEVEL_ORDER: tuple[Level, ...] = ("low", "medium", "high", "critical")
_SEVERITY_RANK: dict[Severity, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

# Finding thresholds (percent, USD, time). Fixed rules, not fitted: see docs/rug_risk.md.
SELL_TAX_CRITICAL_PCT = 99.5  # rounds to 100 %: selling returns nothing
SELL_TAX_HIGH_PCT = 30.0
SELL_TAX_MEDIUM_PCT = 10.0
LP_LOCKED_MIN_PCT = 50.0
LP_CREATOR_HIGH_PCT = 50.0
LP_MANY_HOLDERS = 10
LIQUIDITY_HIGH_USD = 10_000.0
LIQUIDITY_MEDIUM_USD = 50_000.0
TOP10_HIGH_PCT = 80.0
TOP10_MEDIUM_PCT = 50.0
CREATOR_HIGH_PCT = 30.0
CREATOR_MEDIUM_PCT = 10.0
NEW_PAIR_MEDIUM = timedelta(days=1)
NEW_PAIR_LOW = timedelta(days=7)

_BURN_OWNERS = frozenset(
    {"", "0x0000000000000000000000000000000000000000", "0x000000000000000000000000000000000000dead"}
)


class TokenFacts(BaseModel):
    """What one source reported about a token, in provider-neutral units. ``None`` = not reported.

    Percent fields are 0-100 (convert GoPlus fraction strings with ``pct_from_fraction``; Honeypot.is
    taxes are already percent). ``evidence`` maps a field name to the raw upstream value(s) behind it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    source: str = Field(min_length=1, max_length=64, description="provider name, e.g. 'goplus'")
    method: Method = Field(
        default="static",
        description="'simulation' (a real buy/sell was simulated), 'static' (contract/holder analysis), "
        "'market' (DEX market data)",
    )
    is_honeypot: bool | None = None
    buy_tax_pct: Pct | None = None
    sell_tax_pct: Pct | None = None
    tax_modifiable: bool | None = None
    mintable: bool | None = None
    owner_renounced: bool | None = Field(
        default=None, description="derived from owner_address when left None (empty/zero/dead = renounced)"
    )
    owner_address: str | None = Field(default=None, max_length=128)
    proxy_upgradeable: bool | None = None
    hidden_owner: bool | None = None
    blacklist: bool | None = None
    trading_pausable: bool | None = None
    lp_locked_pct: Pct | None = Field(default=None, description="share of LP tokens locked or burned")
    lp_creator_pct: Pct | None = Field(default=None, description="share of LP tokens held by the creator")
    lp_holder_count: int | None = Field(default=None, ge=0)
    lp_share_std_pct: Pct | None = Field(
        default=None, description="population standard deviation of the LP holders' shares (BOBAI lp_std)"
    )
    liquidity_usd: float | None = Field(default=None, ge=0)
    top10_holder_pct: Pct | None = Field(
        default=None, description="supply held by the top 10 holders, excluding pool, burn and lock addresses"
    )
    creator_pct: Pct | None = Field(default=None, description="supply held by the token creator")
    token_burn_pct: Pct | None = Field(default=None, description="supply sent to burn addresses")
    creator_token_count: int | None = Field(
        default=None, ge=0, description="tokens the creator deployed, this one included"
    )
    buy_sell_ratio: float | None = Field(
        default=None, ge=0, description="buys / (sells + 1) over the source's window (DexScreener: h24)"
    )
    buys_per_week: float | None = Field(
        default=None, ge=0, description="lifetime buys / (weeks traded + 1), BOBAI's swap_in_per_week"
    )
    sells_per_week: float | None = Field(
        default=None, ge=0, description="lifetime sells / (weeks traded + 1), BOBAI's swap_out_per_week"
    )
    pair_created_at: datetime | None = None
    source_verified: bool | None = None
    mint_authority: bool | None = Field(default=None, description="Solana: a mint authority is still set")
    freeze_authority: bool | None = Field(default=None, description="Solana: a freeze authority is still set")
    evidence: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("pair_created_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("pair_created_at must be timezone-aware")
        return value

    @model_validator(mode="after")
    def _evidence_keys(self) -> TokenFacts:
        unknown = set(self.evidence) - set(FACT_FIELDS)
        if unknown:
            raise ValueError(f"evidence keys must be fact field names; unknown: {sorted(unknown)}")
        return self

    def reported(self) -> dict[str, FactValue]:
        """Reported facts only, with ``owner_renounced`` derived from ``owner_address`` when absent."""
        out: dict[str, FactValue] = {}
        for name in FACT_FIELDS:
            value: FactValue | None = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.owner_renounced is None and self.owner_address is not None:
            out["owner_renounced"] = self.owner_address.strip().lower() in _BURN_OWNERS
        return out


FACT_FIELDS: tuple[str, ...] = tuple(
    n for n in TokenFacts.model_fields if n not in ("source", "method", "evidence")
)


LIFETIME_WINDOW = timedelta(days=1)
"""DexScreener counts trades over the last 24 h: the pool's lifetime counts only while it is younger."""


def weekly_rate(count: int, age: timedelta) -> float | None:
    """BOBAI's per-week trade rate, count / (weeks traded + 1), for a pool whose whole life the count
    covers (``age`` < ``LIFETIME_WINDOW``); None for an older pool, whose lifetime count is unknown."""
    if age >= LIFETIME_WINDOW:
        return None
    return count / (max(age, timedelta(0)) / timedelta(weeks=1) + 1.0)


def pct_from_fraction(value: str | float | None) -> float | None:
    """GoPlus-style fraction ("0.05" = 5 %, "1" = 100 %, "" = unknown) to percent, clamped to 0-100."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"fraction must be a finite number >= 0, got {value!r}")
    return min(number * 100.0, 100.0)


# --- merging -------------------------------------------------------------------------------------------

_SIMULATION_FIRST: tuple[Method, ...] = ("simulation", "static", "market")
_MARKET_FIRST: tuple[Method, ...] = ("market", "simulation", "static")
_PREFERENCE: dict[str, tuple[Method, ...]] = {
    "is_honeypot": _SIMULATION_FIRST,
    "buy_tax_pct": _SIMULATION_FIRST,
    "sell_tax_pct": _SIMULATION_FIRST,
    "liquidity_usd": _MARKET_FIRST,
    "pair_created_at": _MARKET_FIRST,
    "buy_sell_ratio": _MARKET_FIRST,
    "buys_per_week": _MARKET_FIRST,
    "sells_per_week": _MARKET_FIRST,
}
_RISKY_TRUE = frozenset(
    {
        "is_honeypot",
        "tax_modifiable",
        "mintable",
        "proxy_upgradeable",
        "hidden_owner",
        "blacklist",
        "trading_pausable",
        "mint_authority",
        "freeze_authority",
    }
)
_RISKY_FALSE = frozenset({"owner_renounced", "source_verified"})
_RISKY_HIGH = frozenset(
    {
        "buy_tax_pct",
        "sell_tax_pct",
        "lp_creator_pct",
        "top10_holder_pct",
        "creator_pct",
        "creator_token_count",
        "buy_sell_ratio",
        "pair_created_at",  # newer is riskier
    }
)
_RISKY_LOW = frozenset({"lp_locked_pct", "liquidity_usd", "lp_holder_count", "token_burn_pct"})


@dataclass(frozen=True, slots=True)
class Report:
    source: str
    method: Method
    value: FactValue
    raw: JsonValue


@dataclass(frozen=True, slots=True)
class MergedFact:
    """The winning value of one fact and every source's report of it (winner first)."""

    name: str
    reports: tuple[Report, ...]

    @property
    def winner(self) -> Report:
        return self.reports[0]

    @property
    def value(self) -> FactValue:
        return self.reports[0].value

    @property
    def dissent(self) -> tuple[Report, ...]:
        """Reports that materially disagree with the winner."""
        return tuple(r for r in self.reports[1:] if _differs(self.name, self.value, r.value))


def _reads_as(literal: JsonValue, value: JsonValue) -> bool:
    """Whether a provider's literal plainly means ``value``: "1"/"0" for a flag, a number's own digits."""
    if isinstance(value, bool):
        return isinstance(literal, str | int) and str(literal).strip() == str(int(value))
    if (
        isinstance(value, int | float)
        and isinstance(literal, str | int | float)
        and not isinstance(literal, bool)
    ):
        try:
            return float(literal) == float(value)
        except ValueError:
            return False
    return literal == value


def _differs(name: str, a: FactValue, b: FactValue) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return abs(a - b) > timedelta(days=1)
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return a != b
    if isinstance(a, datetime) or isinstance(b, datetime):
        return True
    tolerance = 1.0 if name.endswith("_pct") else 0.25 * max(abs(a), abs(b))
    return abs(a - b) > tolerance


def _riskiness(name: str, value: FactValue) -> float:
    """Sort key: larger = riskier, for choosing between equally strong sources."""
    if isinstance(value, bool):
        if name in _RISKY_TRUE:
            return float(value)
        return float(not value) if name in _RISKY_FALSE else 0.0
    if isinstance(value, datetime):
        number = value.timestamp()
    elif isinstance(value, str):
        return 0.0
    else:
        number = float(value)
    if name in _RISKY_HIGH:
        return number
    return -number if name in _RISKY_LOW else 0.0


def merge_facts(facts: Sequence[TokenFacts]) -> dict[str, MergedFact]:
    """Merge per-source facts: per field, the strongest method wins, then the riskier value."""
    reports: dict[str, list[Report]] = {}
    for f in facts:
        for name, value in f.reported().items():
            reports.setdefault(name, []).append(Report(f.source, f.method, value, f.evidence.get(name)))
    merged: dict[str, MergedFact] = {}
    for name, items in reports.items():
        order = _PREFERENCE.get(name)

        def key(r: Report, name: str = name, order: tuple[Method, ...] | None = order) -> tuple[int, float]:
            strength = -order.index(r.method) if order else 0
            return (strength, _riskiness(name, r.value))

        merged[name] = MergedFact(name, tuple(sorted(items, key=key, reverse=True)))
    return merged


def model_inputs(merged: Mapping[str, MergedFact]) -> dict[str, float | None]:
    """Numeric facts the fitted model reads (``None`` when unreported)."""
    out: dict[str, float | None] = {}
    for name in MODEL_FACTS:
        fact = merged.get(name)
        value = fact.value if fact else None
        out[name] = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return out


# --- findings ------------------------------------------------------------------------------------------


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: FindingCode
    severity: Severity
    title: str = Field(description="one line")
    evidence: dict[str, JsonValue] = Field(
        description="normalised values, per-source values, raw upstream values"
    )
    source: str = Field(description="source(s) backing the finding's value")


def _json(value: FactValue) -> JsonValue:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def _fmt(value: FactValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Builder:
    """Builds findings from merged facts; each one carries its evidence and backing sources."""

    def __init__(self, merged: Mapping[str, MergedFact]) -> None:
        self.merged = merged
        self.findings: list[Finding] = []

    def bool_(self, name: str) -> bool | None:
        fact = self.merged.get(name)
        return fact.value if fact and isinstance(fact.value, bool) else None

    def num(self, name: str) -> float | None:
        fact = self.merged.get(name)
        if fact is None or isinstance(fact.value, bool | str | datetime):
            return None
        return float(fact.value)

    def time(self, name: str) -> datetime | None:
        fact = self.merged.get(name)
        return fact.value if fact and isinstance(fact.value, datetime) else None

    def add(self, code: FindingCode, severity: Severity, title: str, main: str, *context: str) -> None:
        """Record a finding defined by fact ``main``; ``context`` facts are shown as evidence only.

        Each value appears once: `by_source` only when the sources disagree (when they agree, the
        finding's `source` names them), `raw` only where the provider's literal means something other
        than the normalised value read plainly (GoPlus' sell tax "1" is 100 %; its "1" for true and
        "5000" for 5000 are not repeated).
        """
        evidence: dict[str, JsonValue] = {}
        by_source: dict[str, dict[str, JsonValue]] = {}
        raw: dict[str, dict[str, JsonValue]] = {}
        disagree = False
        for name in (main, *context):
            fact = self.merged.get(name)
            if fact is None:
                continue
            evidence[name] = _json(fact.value)
            for r in fact.reports:
                value = _json(r.value)
                by_source.setdefault(r.source, {})[name] = value
                disagree = disagree or _differs(name, fact.value, r.value)
                if r.raw is not None and not _reads_as(r.raw, value):
                    raw.setdefault(r.source, {})[name] = r.raw
        if disagree:
            evidence["by_source"] = dict(by_source.items())
        if raw:
            evidence["raw"] = dict(raw.items())
        fact = self.merged[main]
        backing = dict.fromkeys(r.source for r in fact.reports if not _differs(main, fact.value, r.value))
        if fact.dissent:
            title += "; " + "; ".join(
                f"{r.source} ({r.method}) reported {_fmt(r.value)}, outweighed by {fact.winner.source} "
                f"({fact.winner.method})"
                for r in fact.dissent
            )
        self.findings.append(
            Finding(code=code, severity=severity, title=title, evidence=evidence, source=", ".join(backing))
        )

    def flag(self, name: str, code: FindingCode, severity: Severity, title: str, *extra: str) -> None:
        """A finding when a risky-when-true flag is set."""
        if self.bool_(name):
            self.add(code, severity, title, name, *extra)


def _honeypot(b: _Builder) -> None:
    fact = b.merged.get("is_honeypot")
    if fact is None:
        return
    if fact.value is True:
        b.add("HONEYPOT", "critical", "Honeypot: the token cannot be sold", "is_honeypot", "sell_tax_pct")
    elif fact.dissent:
        # The stronger source says sellable; the weaker flag is still worth knowing (simulations can be dodged).
        b.add("HONEYPOT", "medium", "Honeypot flag not confirmed by the sell simulation", "is_honeypot")


def _sell_tax(b: _Builder) -> None:
    fact = b.merged.get("sell_tax_pct")
    tax = b.num("sell_tax_pct")
    if fact is None or tax is None:
        return
    names = ("sell_tax_pct", "buy_tax_pct")
    if tax >= SELL_TAX_CRITICAL_PCT:
        b.add("HIGH_SELL_TAX", "critical", f"Sell tax is {tax:.4g} %: selling returns nothing", *names)
    elif tax >= SELL_TAX_HIGH_PCT:
        b.add("HIGH_SELL_TAX", "high", f"Sell tax is {tax:.4g} %", *names)
    elif tax >= SELL_TAX_MEDIUM_PCT:
        b.add("HIGH_SELL_TAX", "medium", f"Sell tax is {tax:.4g} %", *names)
    elif any(isinstance(r.value, float) and r.value >= SELL_TAX_HIGH_PCT for r in fact.dissent):
        b.add("HIGH_SELL_TAX", "medium", f"Sources disagree on the sell tax ({tax:.4g} % wins)", *names)


def _owner(b: _Builder) -> None:
    if b.bool_("owner_renounced") is False:
        b.add(
            "OWNER_NOT_RENOUNCED",
            "low",
            "Contract has an owner who may hold privileged functions",
            "owner_renounced",
            "owner_address",
        )


def _lp(b: _Builder) -> None:
    locked = b.num("lp_locked_pct")
    if locked is None or locked >= LP_LOCKED_MIN_PCT:
        return
    creator = b.num("lp_creator_pct")
    holders = b.num("lp_holder_count")
    names = ("lp_locked_pct", "lp_creator_pct", "lp_holder_count")
    if creator is not None and creator >= LP_CREATOR_HIGH_PCT:
        title = f"Only {locked:.3g} % of liquidity is locked and the creator holds {creator:.3g} % of it"
        b.add("LP_UNLOCKED", "high", title, *names)
    elif creator is not None and holders is not None and holders >= LP_MANY_HOLDERS:
        title = f"Only {locked:.3g} % of liquidity is locked, but it is spread over {holders:.0f} providers"
        b.add("LP_UNLOCKED", "low", title, *names)
    else:
        b.add("LP_UNLOCKED", "medium", f"Only {locked:.3g} % of liquidity is locked", *names)


def _liquidity(b: _Builder) -> None:
    usd = b.num("liquidity_usd")
    if usd is None:
        return
    if usd < LIQUIDITY_HIGH_USD:
        b.add("LOW_LIQUIDITY", "high", f"Liquidity is only ${usd:,.0f}", "liquidity_usd")
    elif usd < LIQUIDITY_MEDIUM_USD:
        b.add("LOW_LIQUIDITY", "medium", f"Liquidity is ${usd:,.0f}", "liquidity_usd")


def _tiered(b: _Builder, name: str, code: FindingCode, high: float, medium: float, what: str) -> None:
    value = b.num(name)
    if value is None or value < medium:
        return
    b.add(code, "high" if value >= high else "medium", f"{what} {value:.3g} % of the supply", name)


def _age(b: _Builder, now: datetime) -> None:
    created = b.time("pair_created_at")
    if created is None:
        return
    age = max(now - created, timedelta(0))
    hours = age.total_seconds() / 3600
    if age < NEW_PAIR_MEDIUM:
        b.add("NEW_PAIR", "medium", f"Trading pair is only {hours:.1f} hours old", "pair_created_at")
    elif age < NEW_PAIR_LOW:
        b.add("NEW_PAIR", "low", f"Trading pair is {hours / 24:.1f} days old", "pair_created_at")


def build_findings(merged: Mapping[str, MergedFact], now: datetime) -> list[Finding]:
    """All findings the merged facts support, worst first (known-bad list hits are added by ``assess``)."""
    b = _Builder(merged)
    _honeypot(b)
    _sell_tax(b)
    b.flag("tax_modifiable", "TAX_MODIFIABLE", "medium", "Owner can change the buy/sell tax")
    b.flag("mintable", "MINTABLE", "medium", "Supply can be minted after launch")
    _owner(b)
    b.flag("proxy_upgradeable", "PROXY_UPGRADEABLE", "medium", "Upgradeable proxy: the code can be replaced")
    b.flag("hidden_owner", "HIDDEN_OWNER", "high", "Contract has a hidden owner")
    b.flag("blacklist", "BLACKLIST", "medium", "Contract can blacklist addresses from trading")
    b.flag("trading_pausable", "TRADING_PAUSABLE", "medium", "Transfers or trading can be paused")
    _lp(b)
    _liquidity(b)
    _tiered(
        b, "top10_holder_pct", "HOLDER_CONCENTRATION", TOP10_HIGH_PCT, TOP10_MEDIUM_PCT, "Top 10 holders own"
    )
    _tiered(b, "creator_pct", "CREATOR_HOLDS_MUCH", CREATOR_HIGH_PCT, CREATOR_MEDIUM_PCT, "Creator holds")
    _age(b, now)
    b.flag("mint_authority", "MINT_AUTHORITY", "high", "Mint authority is still set: supply can be inflated")
    b.flag(
        "freeze_authority", "FREEZE_AUTHORITY", "high", "Freeze authority is still set: holders can be frozen"
    )
    if b.bool_("source_verified") is False:
        b.add("UNVERIFIED_SOURCE", "high", "Contract source code is not verified", "source_verified")
    return sorted(b.findings, key=lambda f: -_SEVERITY_RANK[f.severity])


def known_bad_findings(chain: Chain, address: str) -> list[Finding]:
    """``KNOWN_MALICIOUS`` findings from the bundled offline lists (EVM only)."""
    entries = known_bad.lookup(chain.name, address) if chain.family == "evm" else ()
    if not entries:
        return []
    lists = list(dict.fromkeys(e.list_source for e in entries))
    labels = list(dict.fromkeys(e.label for e in entries))
    listings: list[JsonValue] = [{"list": e.list_source, "label": e.label, "chain": e.chain} for e in entries]
    return [
        Finding(
            code="KNOWN_MALICIOUS",
            severity="critical",
            title=f"Address is on a known-malicious list ({', '.join(labels)})",
            evidence={"address": address.lower(), "listings": listings},
            source=", ".join(lists),
        )
    ]


# --- coverage, score, level ----------------------------------------------------------------------------

EXPECTED: dict[str, tuple[str, ...]] = {
    "evm": (
        "is_honeypot",
        "buy_tax_pct",
        "sell_tax_pct",
        "tax_modifiable",
        "mintable",
        "owner_renounced",
        "proxy_upgradeable",
        "hidden_owner",
        "blacklist",
        "trading_pausable",
        "source_verified",
        "lp_locked_pct",
        "liquidity_usd",
        "top10_holder_pct",
        "creator_pct",
        "pair_created_at",
    ),
    "solana": (
        "mint_authority",
        "freeze_authority",
        "lp_locked_pct",
        "liquidity_usd",
        "top10_holder_pct",
        "creator_pct",
        "pair_created_at",
    ),
}
KEY_FACTS: dict[str, tuple[str, ...]] = {
    "evm": ("is_honeypot", "sell_tax_pct"),
    "solana": ("mint_authority", "freeze_authority"),
}
"""Whether holders can get out: with none of these reported, no level but `unknown` (or a worse one
other facts prove) is honest. A failed or drifted source can therefore never make a token look safer."""
KNOWN_BAD_CHECK = known_bad.CHECK_NAME

LEVEL_RULES = (
    "Honeypot, a sell tax of ~100 % or a hit on a bundled known-malicious list force critical (risk_score "
    "100). Otherwise risk_score is the fitted model's calibrated score and risk_level the worse of that "
    "score's level and the findings' floor: any high-severity finding makes it at least high, any "
    "medium-severity finding, expected check no source reported or missing model score at least medium. "
    "risk_score is null when no source reported a fact the model needs (a null in model.inputs). When no source "
    "reports whether the token can be sold (EVM: honeypot or sell tax; Solana: mint or freeze authority) "
    "and nothing high was found, risk_level is unknown and risk_score null."
)


class Coverage(BaseModel):
    checked: list[str] = Field(description="facts at least one source reported, plus offline list checks")
    unknown: list[str] = Field(
        description="facts expected for this chain that no source reported (risk, not safety)"
    )
    sources_ok: list[str]
    sources_failed: list[str]


class ModelBreakdown(ModelCard):
    score: float | None = Field(
        ge=0,
        le=100,
        description="the model's calibrated probability x 100 (risk_score unless critical forced 100); "
        "null when a fact it needs is unknown",
    )
    inputs: dict[str, float | None] = Field(
        description="facts fed to the model; null = unknown, integrated out"
    )
    about: str


class RiskAssessment(BaseModel):
    chain: str
    address: str
    risk_score: int | None = Field(
        ge=0, le=100, description="0-100, higher = riskier; null when level is unknown"
    )
    risk_level: RiskLevel
    summary: str
    findings: list[Finding]
    coverage: Coverage
    is_honeypot: bool | None
    buy_tax_pct: float | None
    sell_tax_pct: float | None
    liquidity_usd: float | None
    model: ModelBreakdown
    as_of: datetime


def _level_floor(findings: Sequence[Finding], any_unknown: bool) -> Level:
    worst = max((_SEVERITY_RANK[f.severity] for f in findings), default=0)
    if worst >= _SEVERITY_RANK["high"]:
        return "high"
    if worst == _SEVERITY_RANK["medium"] or any_unknown:
        return "medium"
    return "low"


_SUMMARY_MAX_LISTED = 4


def _summary(level: RiskLevel, score: int | None, findings: Sequence[Finding], coverage: Coverage) -> str:
    """One or two sentences: level and its main reasons, then what could not be checked."""
    if level == "unknown":
        first = "Risk unknown: no source reported the key facts, so treat this token as unverified, not safe."
    else:
        # Titles up to their first ';' (the source-disagreement note stays in the finding).
        reasons = [
            f.title.split(";")[0] for f in findings if _SEVERITY_RANK[f.severity] >= _SEVERITY_RANK["medium"]
        ][:2]
        if not reasons and coverage.unknown:
            reasons = ["not every expected check was reported"]
        scored = (
            "no model score: facts it needs were not reported"
            if score is None
            else f"model score {score}/100"
        )
        first = f"{level.capitalize()} rug-pull risk ({scored})" + (
            ": " + "; ".join(reasons) + "." if reasons else "."
        )
    gaps: list[str] = []
    if len(coverage.unknown) > _SUMMARY_MAX_LISTED:
        gaps.append(f"{len(coverage.unknown)} expected checks not reported")
    elif coverage.unknown:
        gaps.append("not reported: " + ", ".join(coverage.unknown))
    if coverage.sources_failed:
        gaps.append("sources failed: " + ", ".join(coverage.sources_failed))
    second = "; ".join(gaps)
    return first + (f" {second[0].upper()}{second[1:]}." if second else "")


def assess(
    chain: Chain | str,
    address: str,
    facts: Sequence[TokenFacts],
    sources_failed: Sequence[str],
    now: datetime,
    *,
    model: RugModel | None = None,
) -> RiskAssessment:
    """Assess rug-pull risk from the facts each source reported (``model`` defaults to the shipped one)."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    chain = resolve_chain(chain) if isinstance(chain, str) else chain
    address = validate_address(chain, address)
    model = model or load_model()

    merged = merge_facts(facts)
    findings = known_bad_findings(chain, address) + build_findings(merged, now)
    expected = EXPECTED[chain.family]
    extra = [n for n in FACT_FIELDS if n in merged and n not in expected and n != "owner_address"]
    checked = [n for n in expected if n in merged] + extra
    if chain.family == "evm":
        checked.append(KNOWN_BAD_CHECK)
    coverage = Coverage(
        checked=checked,
        unknown=[n for n in expected if n not in merged],
        sources_ok=list(dict.fromkeys(f.source for f in facts)),
        sources_failed=list(dict.fromkeys(sources_failed)),
    )
    result = model.score(model_inputs(merged))

    floor = _level_floor(findings, bool(coverage.unknown) or result.score is None)
    key_unknown = all(n not in merged for n in KEY_FACTS[chain.family])
    level: RiskLevel
    score: int | None
    if any(f.severity == "critical" for f in findings):
        level, score = "critical", 100
    elif key_unknown and floor != "high":
        level, score = "unknown", None
    elif result.score is None:
        level, score = floor, None
    else:
        score = round(result.score)
        by_score = model.thresholds.level(score)
        level = floor if _LEVEL_ORDER.index(floor) > _LEVEL_ORDER.index(by_score) else by_score

    def fact(name: str) -> FactValue | None:
        return merged[name].value if name in merged else None

    honeypot, buy_tax, sell_tax, liquidity = (
        fact("is_honeypot"),
        fact("buy_tax_pct"),
        fact("sell_tax_pct"),
        fact("liquidity_usd"),
    )
    return RiskAssessment(
        chain=chain.name,
        address=address,
        risk_score=score,
        risk_level=level,
        summary=_summary(level, score, findings, coverage),
        findings=findings,
        coverage=coverage,
        is_honeypot=honeypot if isinstance(honeypot, bool) else None,
        buy_tax_pct=buy_tax if isinstance(buy_tax, float) else None,
        sell_tax_pct=sell_tax if isinstance(sell_tax, float) else None,
        liquidity_usd=liquidity if isinstance(liquidity, float) else None,
        model=ModelBreakdown(
            **model.card_for(result.imputed).model_dump(),
            score=None if result.score is None else round(result.score, 1),
            inputs={k: None if v is None else float(f"{v:.4g}") for k, v in result.inputs.items()},
            about=model.summary,
        ),
        as_of=now,
    )
