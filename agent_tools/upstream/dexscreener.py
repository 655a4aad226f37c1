"""DexScreener: DEX pairs of a token (upstream-apis.md §4).

The primary endpoint is `/tokens/v1/{chainSlug}/{address}`, which answers a bare array of pairs; the
legacy `/latest/dex/*` shape `{schemaVersion, pairs}` (with `pairs` possibly null) is accepted as well,
so a provider-side switch between the two is not drift. `liquidity`, `fdv`, `marketCap` and
`pairCreatedAt` (epoch ms) may be absent; `priceUsd` is a string.
"""

from __future__ import annotations

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._security import Tolerant

PAIRS_TTL_S = 60.0


class DexToken(Tolerant):
    address: str
    name: str | None = None
    symbol: str | None = None


class DexTxnCount(Tolerant):
    buys: int | None = None
    sells: int | None = None


class DexLiquidity(Tolerant):
    usd: float | None = None
    base: float | None = None
    quote: float | None = None


class DexPair(Tolerant):
    """A pair; the keys every capture carries are required, so a changed shape is drift, not "no data"."""

    chainId: str
    dexId: str | None = None
    url: str | None = None
    pairAddress: str
    baseToken: DexToken
    quoteToken: DexToken
    priceUsd: str | None = None
    txns: dict[str, DexTxnCount] | None = None
    liquidity: DexLiquidity | None = None
    fdv: float | None = None
    marketCap: float | None = None
    pairCreatedAt: int | None = None  # epoch milliseconds


class DexPairsEnvelope(Tolerant):
    pairs: list[DexPair] | None  # required key; null when nothing is found


_PAIRS = BodyAdapter(list[DexPair] | DexPairsEnvelope)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="dexscreener",
        display="DexScreener",
        base_url=settings.dexscreener_base_url,
        rate_per_min=settings.rate_per_min("dexscreener"),
    )


class DexScreener:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    async def token_pairs(self, chain_slug: str, address: str) -> Fetched[list[DexPair]]:
        """Every pair DexScreener lists for the token on that chain (empty when it lists none)."""
        fetched = await self._up.get(f"/tokens/v1/{chain_slug}/{address}", None, _PAIRS, ttl=PAIRS_TTL_S)
        body = fetched.value
        pairs = body if isinstance(body, list) else body.pairs or []
        return Fetched(pairs, fetched.fetched_at, fetched.stale)
