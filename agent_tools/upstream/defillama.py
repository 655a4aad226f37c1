"""DefiLlama coins: current prices and price charts by `coingecko:<id>` or `<chain>:<address>`
(upstream-apis.md §9).

`/chart/{coins}` answers `{"coins": {<key>: {"symbol", "confidence", "decimals"?, "prices":
[{"timestamp", "price"}, ...]}}}` [3P: several clients' fixtures], prices in USD, timestamps in
unix seconds. `span` is the number of points and `period` the time between them, written with
a w/d/h/m unit as the coins server parses it (`quantisePeriod` in DefiLlama/defillama-server)
[V-src]; without `start` or `end` the points run back from now [UNVERIFIED]. An unknown coin is
absent from `coins`. The server's cap on `span` is undocumented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal
from urllib.parse import quote

from agent_tools.settings import Settings
from agent_tools.upstream import Batcher, Fetched, Peeked, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter, Number

PRICE_TTL_S = 60.0
KEYS_PER_REQUEST = 250  # about 6 KB of URL, under common 8 KB limits
CHART_TTL_S: dict[str, float] = {"1h": 300.0, "1d": 3600.0, "1w": 3600.0}
ChartPeriod = Literal["1h", "1d", "1w"]


class LlamaCoin(Body):
    price: float
    symbol: str | None = None
    timestamp: float | None = None
    confidence: float | None = None
    decimals: int | None = None


class LlamaPrices(Body):
    coins: dict[str, LlamaCoin]


class ChartPoint(Body):
    timestamp: Number  # unix seconds
    price: Number


class ChartCoin(Body):
    prices: list[ChartPoint]
    symbol: str | None = None
    confidence: float | None = None


class LlamaChart(Body):
    coins: dict[str, ChartCoin]


_PRICES = BodyAdapter(LlamaPrices)
_COIN = BodyAdapter(LlamaCoin)
_CHART = BodyAdapter(LlamaChart)


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

    def cached_prices(self, keys: Iterable[str]) -> Peeked[LlamaCoin] | None:
        """All of `keys` from the cache when every one is fresh (no await, no request), else None."""
        return self._batcher.peek(keys)

    async def chart(self, key: str, period: ChartPeriod, span: int) -> Fetched[ChartCoin | None]:
        """The last `span` USD prices of one coin, `period` apart, oldest first (None: DefiLlama
        does not know the coin)."""
        got = await self._up.get(
            f"/chart/{quote(key, safe=':')}",
            {"span": str(span), "period": period},
            _CHART,
            ttl=CHART_TTL_S[period],
        )
        echoed = {k.lower(): coin for k, coin in got.value.coins.items()}  # keys come back as sent
        return Fetched(echoed.get(key.lower()), got.fetched_at, got.stale)

    async def budget_left(self) -> int:
        return await self._up.budget_left()

    async def _fetch(self, keys: list[str]) -> Fetched[Mapping[str, LlamaCoin]]:
        got = await self._up.get(
            f"/prices/current/{','.join(keys)}", None, _PRICES, ttl=PRICE_TTL_S, cache=False
        )
        echoed = {
            k.lower(): coin for k, coin in got.value.coins.items()
        }  # keys come back as sent, or not at all
        return Fetched({k: echoed[k.lower()] for k in keys if k.lower() in echoed}, got.fetched_at, got.stale)
