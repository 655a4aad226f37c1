"""RugCheck: full token report for a Solana mint (upstream-apis.md §5).

A 404 means RugCheck does not know the mint: that source has no data, the call goes on. A null
`mintAuthority`/`freezeAuthority` means the authority was renounced, while a missing key means
unknown, so callers check `model_fields_set`. `topHolders` may be null.
"""

from __future__ import annotations

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._security import Tolerant, unknown_on_404

REPORT_TTL_S = 300.0


class MintAccount(Tolerant):
    mintAuthority: str | None = None
    freezeAuthority: str | None = None
    supply: float | None = None
    decimals: int | None = None


class RugCheckHolder(Tolerant):
    address: str | None = None
    owner: str | None = None
    pct: float | None = None  # percent of supply
    insider: bool | None = None


class RugCheckRisk(Tolerant):
    name: str | None = None
    description: str | None = None
    score: float | None = None
    level: str | None = None  # info | warn | danger


class MarketLp(Tolerant):
    lpLockedPct: float | None = None
    lpLockedUSD: float | None = None
    baseUSD: float | None = None
    quoteUSD: float | None = None


class RugCheckMarket(Tolerant):
    pubkey: str | None = None
    marketType: str | None = None
    lp: MarketLp | None = None


class KnownAccount(Tolerant):
    name: str | None = None
    type: str | None = None  # AMM, CREATOR, LOCKER, ...


class CreatorToken(Tolerant):
    mint: str | None = None


class RugCheckReport(Tolerant):
    mint: str  # required: a reply without it is not a report
    creator: str | None = None
    creatorBalance: float | None = None
    token: MintAccount | None = None
    mintAuthority: str | None = None
    freezeAuthority: str | None = None
    topHolders: list[RugCheckHolder] | None = None
    risks: list[RugCheckRisk] | None = None
    score: float | None = None
    score_normalised: float | None = None
    markets: list[RugCheckMarket] | None = None
    totalMarketLiquidity: float | None = None
    totalLPProviders: int | None = None
    totalHolders: int | None = None
    rugged: bool | None = None
    knownAccounts: dict[str, KnownAccount] | None = None
    creatorTokens: list[CreatorToken] | None = None


_REPORT = BodyAdapter(RugCheckReport)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="rugcheck",
        display="RugCheck",
        base_url=settings.rugcheck_base_url,
        rate_per_min=settings.rate_per_min("rugcheck"),
        error_hook=unknown_on_404("RugCheck", "does not know this mint"),
    )


class RugCheck:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    async def report(self, mint: str) -> Fetched[RugCheckReport]:
        return await self._up.get(f"/tokens/{mint}/report", None, _REPORT, ttl=REPORT_TTL_S)
