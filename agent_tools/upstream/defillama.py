"""DefiLlama coins: current prices by `coingecko:<id>` or `<chain>:<address>` (upstream-apis.md §9)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from agent_tools.settings import Settings
from agent_tools.upstream import Batcher, Fetched, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

PRICE_TTL_S = 60.0
KEYS_PER_REQUEST = 250  # about 6 KB of URL, under common 8 KB limits


class LlamaCoin(Body):
    price: float
    symbol: str | None = None
    timestamp: float | None = None
    confidence: float | None = None
    decimals: int | None = None


class LlamaPrices(Body):
    coins: dict[str, LlamaCoin]


_PRICES = BodyAdapter(LlamaPrices)
_COIN = BodyAdapter(LlamaCoin)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="defillama",
        display="DefiLlama",
        base_url=settings.defillama_base_url,
        rate_per_min=settings.rate_per_min("defillama"),
    )


class DefiLlama:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))
        self._batcher = Batcher(
            pipeline,
            "defillama",
            self._up.spec.base_url,
            self._fetch,
            _COIN,
            ttl=PRICE_TTL_S,
            max_batch=KEYS_PER_REQUEST,
        )

    async def prices(self, keys: Iterable[str]) -> dict[str, Fetched[LlamaCoin] | None]:
        """Current price per `coingecko:<id>` or `<chain>:<address>` key (None: unknown to DefiLlama)."""
        return await self._batcher.get_many(keys)

    def cached_prices(self, keys: Iterable[str]) -> dict[str, Fetched[LlamaCoin]] | None:
        """All of `keys` from the cache when every one is fresh (no await, no request), else None."""
        return self._batcher.peek(keys)

    async def _fetch(self, keys: list[str]) -> Fetched[Mapping[str, LlamaCoin]]:
        got = await self._up.get(
            f"/prices/current/{','.join(keys)}", None, _PRICES, ttl=PRICE_TTL_S, cache=False
        )
        echoed = {
            k.lower(): coin for k, coin in got.value.coins.items()
        }  # keys come back as sent, or not at all
        return Fetched({k: echoed[k.lower()] for k in keys if k.lower() in echoed}, got.fetched_at, got.stale)
