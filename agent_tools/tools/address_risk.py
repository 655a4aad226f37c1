"""assess_address_risk: is an address you are about to send to or approve known to be malicious?

GoPlus's malicious-address flags (phishing, drainer, sanctions, mixer, laundering, scam-token creator,
...) and the bundled known-bad lists are checked; the findings, coverage and level come from
``agent_tools.domain.address_risk``. Offline, or with GoPlus down, only the bundled lists answer, and an
address they do not list is `unknown`, never `low`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from mcp.server.mcpserver.context import Context
from pydantic import Field

from agent_tools.domain.address_risk import (
    FLAG_RULES,
    GOPLUS,
    KNOWN_BAD_CHECK,
    AddressAssessment,
    assess_address,
)
from agent_tools.domain.addresses import MAX_ADDRESS_LEN
from agent_tools.domain.chains import MAX_CHAIN_LEN, TOKEN_CHAINS, names
from agent_tools.services import Services
from agent_tools.sources.outcome import Ok, SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools._wallet import OFFLINE, parse_target, state


class AddressRiskResult(AddressAssessment):
    source: list[str] = Field(
        description="sources whose data this answer uses; known_malicious_lists = bundled"
    )
    stale: bool = Field(description="true when data came from an expired cache entry or offline mode")
    warnings: list[str]


async def assess(services: Services, chain: str, address: str, ctx: Context) -> AddressRiskResult:
    resolved, canonical = parse_target(chain, address, TOKEN_CHAINS)
    from agent_tools.sources.wallet_security import goplus_address  # loaded on the first call

    now = datetime.fromtimestamp(services.clock.wall(), tz=UTC)
    offline = services.settings.offline
    steps = 1 if offline else 2
    await ctx.report_progress(1, steps, f"{KNOWN_BAD_CHECK}: checked")
    run = SourceRun()
    warnings: list[str] = []
    facts, as_of, stale = None, now, offline
    if offline:
        warnings.append(
            f"{OFFLINE}: GoPlus was not asked; absence from the bundled lists says nothing about safety"
        )
    else:
        outcome = await run.ask(GOPLUS, goplus_address(services, resolved, canonical))
        await ctx.report_progress(2, steps, f"{GOPLUS}: {state(outcome)}")
        if isinstance(outcome, Ok):
            facts, stale = outcome.value, outcome.stale
            as_of = datetime.fromtimestamp(outcome.fetched_at, tz=UTC)
            warnings += [f"{GOPLUS}: {outcome.note}"] if outcome.note else []
            warnings += ["GoPlus data was served from cache after an upstream error"] if stale else []
        else:
            warnings += run.failure_notes() or [f"{GOPLUS}: no record of this address"]
    assessment = assess_address(resolved, canonical, facts, list(run.failures()), as_of)
    source = ([GOPLUS] if facts is not None else []) + ([KNOWN_BAD_CHECK] if resolved.family == "evm" else [])
    return AddressRiskResult.model_validate(
        assessment.model_dump() | {"source": source, "stale": stale, "warnings": warnings}
    )


DESCRIPTION = f"""Is a wallet or contract address known to be malicious? Use it before sending funds to an
address, approving a spender, or interacting with a contract someone sent you.

Input: `chain` (one of: {names(TOKEN_CHAINS)}; aliases such as eth, bnb, sol or an EVM chain id work) and the
`address` (EVM 0x + 40 hex, mixed case must pass the EIP-55 checksum; Solana base58).

Checks: GoPlus's malicious-address flags ({", ".join(FLAG_RULES)}, and malicious contracts created), the bundled
known-malicious lists (EVM), and whether the address is a contract (`is_contract`; null = unknown).
Output: `risk_level` low/medium/high/critical/unknown and `findings` (code, severity, title, evidence, source),
worst first. Sanctioned, phishing, drainer (stealing attack) or a bundled-list hit is critical. `low` only
means no source lists the address and every flag was checked: it is not proof of safety (new scam addresses
are listed late). `unknown` means GoPlus could not answer (see `coverage.sources_failed`, `warnings`) and the
bundled lists do not list the address: treat it as unverified, never as safe."""


async def assess_address_risk(
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
        Field(min_length=1, max_length=MAX_ADDRESS_LEN, description="Wallet or contract address to check."),
    ],
    ctx: Context,
) -> AddressRiskResult:
    return await assess(services, chain, address, ctx)


TOOL = ToolSpec(assess_address_risk, title="Assess address risk", description=DESCRIPTION, open_world=True)
