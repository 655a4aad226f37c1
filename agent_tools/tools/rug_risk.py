"""assess_rug_pull_risk: rug-pull and honeypot risk of a token contract, from several sources at once.

GoPlus (static contract and holder analysis), Honeypot.is (a simulated buy and sell; Ethereum, BSC and
Base), DexScreener (market data) and RugCheck (Solana) are asked concurrently. Each source that fails
is reported and the answer is built from the rest; the merging, findings and score live in
``agent_tools.domain.rug_risk``. Offline, only the bundled known-malicious lists are checked.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver.context import Context
from pydantic import BaseModel, Field

from agent_tools.domain.addresses import MAX_ADDRESS_LEN, validate_address
from agent_tools.domain.chains import MAX_CHAIN_LEN, TOKEN_CHAINS, Chain, names, resolve_chain
from agent_tools.domain.rug_model import load_thresholds
from agent_tools.domain.rug_risk import KNOWN_BAD_CHECK, LEVEL_RULES, RiskAssessment, assess
from agent_tools.errors import InvalidArgument
from agent_tools.services import Services
from agent_tools.sources.outcome import Failed, NoData, Ok, Outcome, SourceRun
from agent_tools.tools._registry import ToolSpec

if TYPE_CHECKING:
    from agent_tools.sources.token_security import Reading, Source

MAX_PROVIDER_FLAGS = 6
SourceState = Literal["ok", "no_data", "failed", "not_applicable", "skipped"]


class SourceStatus(BaseModel):
    name: str
    status: SourceState = Field(
        description="ok = data used; no_data = the source knows nothing about this token; failed = "
        "unreachable, rate limited, errored or changed its response format; not_applicable = does not "
        "cover this chain; skipped = offline mode"
    )
    detail: str | None = None


class RugRiskResult(RiskAssessment):
    source: list[str] = Field(
        description="sources whose data this answer uses; known_malicious_lists = bundled offline lists"
    )
    stale: bool = Field(description="true when data came from an expired cache entry or offline mode")
    source_status: list[SourceStatus] = Field(
        description="each source that did not simply answer, and why (a source that answered is in "
        "coverage.sources_ok, and here only with a note)"
    )
    provider_flags: list[str] = Field(
        description="risks a provider reported that the score does not model, in the provider's words "
        "(cleaned and cut); read them, they are not scored"
    )
    warnings: list[str]


def _status(name: str, outcome: Outcome[Reading]) -> SourceStatus:
    if isinstance(outcome, Ok):
        return SourceStatus(name=name, status="ok", detail=outcome.note)
    if isinstance(outcome, NoData):
        return SourceStatus(name=name, status="no_data", detail=outcome.detail)
    return SourceStatus(name=name, status="failed", detail=outcome.error.message)


# --- the tool ---------------------------------------------------------------------------------------------

_OFFLINE = "offline mode (AGENT_TOOLS_OFFLINE=1)"


async def assess_token(services: Services, chain: str, address: str, ctx: Context) -> RugRiskResult:
    try:
        resolved = resolve_chain(chain)
        canonical = validate_address(resolved, address)
    except ValueError as exc:
        raise InvalidArgument(str(exc), hint=f"token chains: {names(TOKEN_CHAINS)}") from None
    from agent_tools.sources.token_security import SOURCES  # sources load on the first call, not at start-up

    now = datetime.fromtimestamp(services.clock.wall(), tz=UTC)
    offline = services.settings.offline
    statuses: dict[str, SourceStatus] = {}
    active: list[Source] = []
    for source in SOURCES:
        if not source.applies(resolved):
            statuses[source.name] = SourceStatus(
                name=source.name, status="not_applicable", detail=source.not_covered
            )
        elif offline:
            statuses[source.name] = SourceStatus(name=source.name, status="skipped", detail=_OFFLINE)
        else:
            active.append(source)

    run = SourceRun()
    done = 0

    async def ask(source: Source) -> None:
        nonlocal done
        outcome = await run.ask(source.name, source.read(services, resolved, canonical))
        statuses[source.name] = _status(source.name, outcome)
        done += 1
        await ctx.report_progress(done, len(active), f"{source.name}: {statuses[source.name].status}")

    await asyncio.gather(*(ask(s) for s in active))
    return _result(resolved, canonical, run, [statuses[s.name] for s in SOURCES], now, offline)


def _result(
    chain: Chain, address: str, run: SourceRun, statuses: list[SourceStatus], now: datetime, offline: bool
) -> RugRiskResult:
    used = [(s, o) for s in statuses if isinstance(o := run.outcomes.get(s.name), Ok)]
    readings: list[Reading] = [o.value for _, o in used]
    failed = [name for name, o in run.outcomes.items() if isinstance(o, Failed)]
    failed.sort(key=[s.name for s in statuses].index)
    assessment = assess(chain, address, [r.facts for r in readings], failed, now)

    stale = offline or any(o.stale for _, o in used)
    # failures and missing data are in source_status and coverage; partial answers are worth a warning
    warnings = [f"{status.name}: {status.detail}" for status, _ in used if status.detail]
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
    as_of = min((datetime.fromtimestamp(o.fetched_at, tz=UTC) for _, o in used), default=now)
    return RugRiskResult.model_validate(
        assessment.model_dump()
        | {
            "summary": summary,
            "as_of": as_of,
            "source": [status.name for status, _ in used]
            + ([KNOWN_BAD_CHECK] if chain.family == "evm" else []),
            "stale": stale,
            "source_status": [s for s in statuses if s.status != "ok" or s.detail],  # ok: in sources_ok
            "provider_flags": flags,
            "warnings": warnings,
        }
    )


DESCRIPTION = f"""Rug-pull and honeypot risk of a token contract: can it be sold, what do buying and selling
cost, who controls the contract, liquidity and its lock, holder concentration, and whether the address is on a
known-malicious list.

Use it before buying or recommending an unfamiliar token, or when a user asks whether a token is a scam.
Input: `chain` (one of: {names(TOKEN_CHAINS)};
aliases such as eth, bnb, arb, sol or an EVM chain id work) and the token's contract `address`
(EVM 0x + 40 hex, mixed case must pass the EIP-55 checksum; Solana base58 mint).

Sources, asked at once: GoPlus (contract/holder analysis), Honeypot.is (a simulated buy and sell; ethereum,
bsc and base only), DexScreener (market data), RugCheck (Solana). A failing source is listed in
`coverage.sources_failed` and `source_status`; the answer uses the rest.

Output: `risk_score` 0-100 (higher = riskier) and `risk_level`; thresholds {load_thresholds().describe()}.
{LEVEL_RULES}
What the number means: `risk_score`/100 is a calibrated probability, the share of rug pulls among pools like
those the model was fitted on (Uniswap V2 WETH pairs on Ethereum in 2021, 90 % of them rug pulls) with the
facts in `model.inputs`: of such pools scored 80, about 80 % were rug pulls. Other chains, other DEXs and
today's tokens have other base rates, so treat it as that calibrated estimate, not a guarantee. `model`
says what the score is, its measured accuracy (`accuracy`: AUC and Brier score with 95 % intervals,
`measured_on`: nested cross-validation with the same facts missing) and `fitted_at`.
`findings` (code, severity, title, evidence per source) explain the level. Units: `buy_tax_pct`,
`sell_tax_pct` and every `_pct` are percents (5 = 5 %); `liquidity_usd` is USD. A null value or an entry in
`coverage.unknown` means no source reported that check: treat it as unverified, never as safe; `unknown` is
not a verdict of safety. `provider_flags` are extra provider warnings that are not scored."""


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
