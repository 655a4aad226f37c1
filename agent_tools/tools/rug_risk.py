"""assess_rug_pull_risk: rug-pull and honeypot risk of a token contract, from several sources at once.

GoPlus (static contract and holder analysis), Honeypot.is (a simulated buy and sell; Ethereum, BSC and
Base), DexScreener (market data) and RugCheck (Solana) are asked concurrently. Each source that fails
is reported and the answer is built from the rest; the merging, findings and score live in
``agent_tools.domain.rug_risk``. Offline, only the bundled known-malicious lists are checked.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

from mcp.server.mcpserver.context import Context
from pydantic import BaseModel, Field, ValidationError

from agent_tools.domain.addresses import CHAINS, MAX_ADDRESS_LEN, MAX_CHAIN_LEN, Chain, normalize_chain
from agent_tools.domain.addresses import validate_address as check_address
from agent_tools.domain.rug_model import load_model
from agent_tools.domain.rug_risk import KNOWN_BAD_CHECK, LEVEL_RULES, RiskAssessment, assess
from agent_tools.domain.rug_sources import (
    Reading,
    from_dexscreener,
    from_goplus_evm,
    from_goplus_solana,
    from_honeypot,
    from_rugcheck,
)
from agent_tools.errors import AgentToolsError, InvalidArgument, NotFound
from agent_tools.services import Services
from agent_tools.tools._registry import ToolSpec
from agent_tools.upstream._core import Fetched
from agent_tools.upstream.dexscreener import DexScreener
from agent_tools.upstream.goplus import GoPlus, GoPlusToken
from agent_tools.upstream.honeypot import Honeypot
from agent_tools.upstream.rugcheck import RugCheck

M = TypeVar("M", bound=BaseModel)

MAX_PROVIDER_FLAGS = 6
SourceState = Literal["ok", "no_data", "failed", "not_applicable", "skipped"]


class SourceStatus(BaseModel):
    name: str
    status: SourceState = Field(
        description="ok = data used; no_data = the source knows nothing about this token; failed = "
        "unreachable or errored; not_applicable = does not cover this chain; skipped = offline mode"
    )
    detail: str | None = None


class RugRiskResult(RiskAssessment):
    source: list[str] = Field(
        description="sources whose data this answer uses; known_malicious_lists = bundled offline lists"
    )
    stale: bool = Field(description="true when data came from an expired cache entry or offline mode")
    source_status: list[SourceStatus] = Field(description="what each source did, and why when not ok")
    provider_flags: list[str] = Field(
        description="risks a provider reported that the score does not model; read them, they are not scored"
    )
    warnings: list[str]


# --- sources ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Got:
    """One source's answer: a reading, or None with the reason it has no data about the token."""

    reading: Reading | None
    fetched: Fetched[object]
    note: str | None = None


async def _goplus(services: Services, chain: Chain, address: str) -> _Got:
    client = services.provider(GoPlus)
    if chain.family == "solana":
        return _goplus_got(await client.solana_token_security(address), from_goplus_solana)
    assert chain.goplus_chain_id is not None, "every EVM chain has a GoPlus chain id"
    return _goplus_got(await client.token_security(chain.goplus_chain_id, address), from_goplus_evm)


def _goplus_got(fetched: Fetched[GoPlusToken[M]], to_reading: Callable[[M], Reading]) -> _Got:
    token = fetched.value.token
    if token is None:
        return _Got(None, fetched, "GoPlus has no record of this token")
    pending = (
        "GoPlus data is still syncing (code 2): some checks may be missing" if fetched.value.pending else None
    )
    return _Got(to_reading(token), fetched, pending)


async def _honeypot(services: Services, chain: Chain, address: str) -> _Got:
    assert chain.honeypot_chain_id is not None, "applies only where Honeypot.is simulates"
    fetched = await services.provider(Honeypot).is_honeypot(address, chain.honeypot_chain_id)
    return _Got(from_honeypot(fetched.value), fetched)


async def _dexscreener(services: Services, chain: Chain, address: str) -> _Got:
    fetched = await services.provider(DexScreener).token_pairs(chain.dexscreener_slug, address)
    reading = from_dexscreener(fetched.value, address)
    return _Got(reading, fetched, None if reading else "DexScreener lists no trading pair for this token")


async def _rugcheck(services: Services, _chain: Chain, address: str) -> _Got:
    fetched = await services.provider(RugCheck).report(address)
    return _Got(from_rugcheck(fetched.value), fetched)


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    applies: Callable[[Chain], bool]
    not_covered: str
    read: Callable[[Services, Chain, str], Awaitable[_Got]]


SOURCES = (
    _Source("goplus", lambda c: c.family == "solana" or c.goplus_chain_id is not None, "", _goplus),
    _Source(
        "honeypot.is",
        lambda c: c.honeypot_chain_id is not None,
        "Honeypot.is simulates on " + ", ".join(c.name for c in CHAINS if c.honeypot_chain_id) + " only",
        _honeypot,
    ),
    _Source("dexscreener", lambda _c: True, "", _dexscreener),
    _Source("rugcheck", lambda c: c.family == "solana", "RugCheck covers Solana only", _rugcheck),
)


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: SourceStatus
    answer: tuple[Reading, Fetched[object]] | None = None  # set when the source's data is used


async def _ask(source: _Source, services: Services, chain: Chain, address: str) -> _Outcome:
    """One source, never raising: a failure becomes a status the answer reports."""
    try:
        got = await source.read(services, chain, address)
    except NotFound as exc:
        return _Outcome(SourceStatus(name=source.name, status="no_data", detail=exc.message))
    except AgentToolsError as exc:  # NotConfigured and DeadlineExceeded included: the others may answer
        return _Outcome(SourceStatus(name=source.name, status="failed", detail=exc.message))
    except ValidationError:  # the reply parsed, but TokenFacts refused its values as out of range
        detail = f"{source.name} returned values outside their valid range"
        return _Outcome(SourceStatus(name=source.name, status="failed", detail=detail))
    if got.reading is None:
        return _Outcome(SourceStatus(name=source.name, status="no_data", detail=got.note))
    return _Outcome(SourceStatus(name=source.name, status="ok", detail=got.note), (got.reading, got.fetched))


# --- the tool ---------------------------------------------------------------------------------------------

_OFFLINE = "offline mode (AGENT_TOOLS_OFFLINE=1)"


async def assess_token(services: Services, chain: str, address: str, ctx: Context) -> RugRiskResult:
    try:
        resolved = normalize_chain(chain)
        canonical = check_address(resolved, address)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    now = datetime.fromtimestamp(services.clock.wall(), tz=UTC)
    offline = services.settings.offline
    outcomes: list[_Outcome] = []
    active: list[_Source] = []
    for source in SOURCES:
        if not source.applies(resolved):
            outcomes.append(
                _Outcome(SourceStatus(name=source.name, status="not_applicable", detail=source.not_covered))
            )
        elif offline:
            outcomes.append(_Outcome(SourceStatus(name=source.name, status="skipped", detail=_OFFLINE)))
        else:
            active.append(source)

    done = 0

    async def tracked(source: _Source) -> _Outcome:
        nonlocal done
        outcome = await _ask(source, services, resolved, canonical)
        done += 1
        await ctx.report_progress(done, len(active), f"{source.name}: {outcome.status.status}")
        return outcome

    outcomes += await asyncio.gather(*(tracked(s) for s in active))
    return _result(resolved, canonical, outcomes, now, offline)


def _result(
    chain: Chain, address: str, outcomes: list[_Outcome], now: datetime, offline: bool
) -> RugRiskResult:
    order = {s.name: i for i, s in enumerate(SOURCES)}
    outcomes.sort(key=lambda o: order[o.status.name])
    used = [(o.status, *o.answer) for o in outcomes if o.answer is not None]
    readings = [reading for _, reading, _ in used]
    failed = [o.status.name for o in outcomes if o.status.status == "failed"]
    assessment = assess(chain, address, [r.facts for r in readings], failed, now)

    stale = offline or any(fetched.stale for _, _, fetched in used)
    # failures and missing data are in source_status and coverage; partial answers are worth a warning
    warnings = [f"{status.name}: {status.detail}" for status, _, _ in used if status.detail]
    summary = assessment.summary
    if offline:
        note = f"{_OFFLINE}: no live source was queried"
        summary += f" {note[0].upper()}{note[1:]}; only the bundled known-malicious lists were checked."
        warnings.insert(0, note + "; absence from the bundled lists says nothing about safety")
    elif stale:
        warnings.append("some source data was served from cache after an upstream error")
    flags = list(dict.fromkeys(flag for r in readings for flag in r.flags))
    if len(flags) > MAX_PROVIDER_FLAGS:
        flags = [*flags[: MAX_PROVIDER_FLAGS - 1], f"... and {len(flags) - MAX_PROVIDER_FLAGS + 1} more"]
    as_of = min((datetime.fromtimestamp(fetched.fetched_at, tz=UTC) for _, _, fetched in used), default=now)
    return RugRiskResult.model_validate(
        assessment.model_dump()
        | {
            "summary": summary,
            "as_of": as_of,
            "source": [status.name for status, _, _ in used]
            + ([KNOWN_BAD_CHECK] if chain.family == "evm" else []),
            "stale": stale,
            "source_status": [o.status for o in outcomes],
            "provider_flags": flags,
            "warnings": warnings,
        }
    )


DESCRIPTION = f"""Rug-pull and honeypot risk of a token contract: can it be sold, what do buying and selling
cost, who controls the contract, liquidity and its lock, holder concentration, and whether the address is on a
known-malicious list.

Use it before buying or recommending an unfamiliar token, or when a user asks whether a token is a scam.
Input: `chain` (one of: {", ".join(c.name for c in CHAINS)};
aliases such as eth, bnb, arb, sol or an EVM chain id work) and the token's contract `address`
(EVM 0x + 40 hex, mixed case must pass the EIP-55 checksum; Solana base58 mint).

Sources, asked at once: GoPlus (contract/holder analysis), Honeypot.is (a simulated buy and sell; ethereum,
bsc and base only), DexScreener (market data), RugCheck (Solana). A failing source is listed in
`coverage.sources_failed` and `source_status`; the answer uses the rest.

Output: `risk_score` 0-100 (higher = riskier) and `risk_level`; thresholds {load_model().thresholds.describe()}.
{LEVEL_RULES}
`findings` (code, severity, title, evidence per source) explain the level. Units: `buy_tax_pct`,
`sell_tax_pct` and every `_pct` are percents (5 = 5 %); `liquidity_usd` is USD. A null value or an entry in
`coverage.unknown` means no source reported that check: treat it as unverified, never as safe; `unknown` is
not a verdict of safety. `provider_flags` are extra provider warnings that are not scored. The score is a
heuristic fitted on 2021 Uniswap V2 data, not a guarantee."""


async def assess_rug_pull_risk(
    services: Services,
    chain: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_CHAIN_LEN,
            description="Chain name, alias or EVM chain id, e.g. ethereum, bsc, base, solana.",
        ),
    ],
    address: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_ADDRESS_LEN,
            description="Token contract address (EVM 0x...) or Solana mint.",
        ),
    ],
    ctx: Context,
) -> RugRiskResult:
    return await assess_token(services, chain, address, ctx)


TOOL = ToolSpec(assess_rug_pull_risk, title="Assess rug-pull risk", description=DESCRIPTION, open_world=True)
