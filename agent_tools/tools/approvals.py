"""check_token_approvals: which spenders may move a wallet's tokens and NFTs, riskiest first, and how to revoke.

GoPlus's v2 approval lists (ERC-20, ERC-721, ERC-1155) are read at once; each approval is rated by
``agent_tools.domain.approvals``. A list that fails is reported and the answer is built from the rest
(never `low` then); when all three fail the call fails with their common reason. Nothing here sends or
signs a transaction: revoking is explained as text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from mcp.server.mcpserver.context import Context
from pydantic import BaseModel, Field

from agent_tools.domain.addresses import MAX_ADDRESS_LEN
from agent_tools.domain.approvals import REVOKE_HOW, ApprovalOut, overall, rank, summary
from agent_tools.domain.chains import APPROVAL_CHAINS, MAX_CHAIN_LEN, names
from agent_tools.domain.findings import Coverage, RiskLevel
from agent_tools.services import Services
from agent_tools.sources.outcome import NoData, Ok, SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools._wallet import OFFLINE, parse_target, state

if TYPE_CHECKING:
    from agent_tools.domain.approvals import Approval

DEFAULT_LIMIT, MAX_LIMIT = 5, 25
LISTS = ("erc20", "erc721", "erc1155")


class ApprovalsResult(BaseModel):
    chain: str
    wallet: str
    risk_level: RiskLevel = Field(
        description="the riskiest approval's risk; unknown when a list could not be read"
    )
    summary: str
    approvals: list[ApprovalOut] = Field(description="riskiest first, at most `limit`")
    total: int = Field(description="outstanding approvals found, before the limit")
    omitted: int = Field(description="lower-risk approvals left out by the limit")
    how_to_revoke: str
    coverage: Coverage
    source: list[str]
    as_of: datetime
    stale: bool
    warnings: list[str]


async def check(services: Services, chain: str, wallet: str, limit: int, ctx: Context) -> ApprovalsResult:
    resolved, canonical = parse_target(chain, wallet, APPROVAL_CHAINS)
    from agent_tools.sources.wallet_security import goplus_nft_approvals, goplus_token_approvals

    now = datetime.fromtimestamp(services.clock.wall(), tz=UTC)
    readers: dict[str, Callable[[], Awaitable[Ok[list[Approval]] | NoData]]] = {
        "erc20": lambda: goplus_token_approvals(services, resolved, canonical),
        "erc721": lambda: goplus_nft_approvals(services, "erc721", resolved, canonical),
        "erc1155": lambda: goplus_nft_approvals(services, "erc1155", resolved, canonical),
    }
    run = SourceRun()
    results: dict[str, Ok[list[Approval]]] = {}
    done = 0

    async def read(kind: str) -> None:
        nonlocal done
        outcome = await run.ask(f"goplus:{kind}", readers[kind]())
        if isinstance(outcome, Ok):
            results[kind] = outcome
        done += 1
        await ctx.report_progress(done, len(LISTS), f"goplus {kind} approvals: {state(outcome)}")

    offline = services.settings.offline
    if not offline:
        await asyncio.gather(*(read(kind) for kind in LISTS))
        if not results and len(run.failures()) == len(LISTS):
            raise run.error("no approval list")
    approvals = [a for kind in LISTS if kind in results for a in results[kind].value]
    rated = rank(approvals, now)
    failed = list(run.failures())
    coverage = Coverage(
        checked=[f"{kind}_approvals" for kind in LISTS if kind in results],
        unknown=[f"{kind}_approvals" for kind in LISTS if kind not in results],
        sources_ok=["goplus"] if results else [],
        sources_failed=failed,
    )
    level = overall(rated, complete=len(results) == len(LISTS))
    shown = rated[:limit]
    warnings = [f"goplus {kind}: {ok.note}" for kind, ok in results.items() if ok.note]
    warnings += run.failure_notes()
    stale = offline or any(ok.stale for ok in results.values())
    if offline:
        warnings.insert(0, f"{OFFLINE}: no approval list was read")
    elif stale:
        warnings.append("some approval lists were served from cache after an upstream error")
    return ApprovalsResult(
        chain=resolved.name,
        wallet=canonical,
        risk_level=level,
        summary=summary(level, rated, len(shown), coverage),
        approvals=shown,
        total=len(rated),
        omitted=len(rated) - len(shown),
        how_to_revoke=REVOKE_HOW,
        coverage=coverage,
        source=["goplus"] if results else [],
        as_of=min((datetime.fromtimestamp(ok.fetched_at, tz=UTC) for ok in results.values()), default=now),
        stale=stale,
        warnings=warnings,
    )


DESCRIPTION = f"""A wallet's outstanding token approvals: which spender contracts may move its ERC-20 tokens
and NFTs, how risky each is, and how to revoke them. Use it for a wallet check-up, after connecting to a
suspicious site, or when a user fears a drainer.

Input: `chain` (EVM only: {names(APPROVAL_CHAINS)}; aliases work) and the `wallet` address (0x + 40 hex,
mixed case must pass EIP-55); `limit` = how many approvals to show (default {DEFAULT_LIMIT}, max {MAX_LIMIT}).
Source: GoPlus's approval lists (ERC-20, ERC-721, ERC-1155), read at once.

Output: `approvals`, riskiest first: token, token_symbol, spender, spender_name, `amount` ("unlimited", a
number in GoPlus's units, or null = not stated), `risk` low/medium/high/critical with `reasons`, approved_at.
Risk rises with the spender's flags (malicious behaviour: critical; GoPlus doubt list, or a wallet rather than
a contract: high; unverified source or deployed under 30 days ago: medium) and with an unlimited amount
(medium unless the spender is on GoPlus's trust list). `risk_level` is the riskiest approval's; `unknown` when
a list could not be read (`coverage.sources_failed`): treat what it would hold as unverified, never as safe.
`total`/`omitted` say what the limit cut. `how_to_revoke` explains approve(spender, 0) and revoke tools as
text: this tool never builds, sends or signs a transaction. Names and tags are the provider's (third-party)."""


async def check_token_approvals(
    services: Services,
    chain: Annotated[
        str,
        Field(min_length=1, max_length=MAX_CHAIN_LEN, description="EVM chain name, alias or chain id."),
    ],
    wallet: Annotated[
        str,
        Field(
            min_length=1, max_length=MAX_ADDRESS_LEN, description="The wallet (owner) address, 0x + 40 hex."
        ),
    ],
    ctx: Context,
    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description="How many approvals to show, riskiest first.")
    ] = DEFAULT_LIMIT,
) -> ApprovalsResult:
    return await check(services, chain, wallet, limit, ctx)


TOOL = ToolSpec(
    check_token_approvals, title="Check token approvals", description=DESCRIPTION, open_world=True
)
