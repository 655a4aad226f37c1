"""DefiLlama coins: current prices by `coingecko:<id>` or `<chain>:<address>` (upstream-apis.md §9)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, TypeAdapter

from agent_tools.settings import Settings
from agent_tools.upstream._core import Fetched, Pipeline, ProviderSpec

PRICE_TTL_S = 60.0
KEYS_PER_REQUEST = 100  # keeps the URL well under common 8 KB limits


class LlamaCoin(BaseModel):
    model_config = ConfigDict(extra="ignore")
    price: float
    symbol: str | None = None
    timestamp: float | None = None
    confidence: float | None = None
    decimals: int | None = None


class LlamaPrices(BaseModel):
    model_config = ConfigDict(extra="ignore")
    coins: dict[str, LlamaCoin]


_PRICES = TypeAdapter(LlamaPrices)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="defillama",
        display="DefiLlama",
        base_url=settings.defillama_base_url,
        rate_per_min=settings.rate_per_min("defillama"),
    )


class DefiLlama:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = pipeline.upstream(spec(settings))

    async def current_prices(self, keys: list[str]) -> list[Fetched[LlamaPrices]]:
        """One request per 100 keys; unknown keys are simply absent from `coins`."""
        ordered = sorted(set(keys))
        chunks = [ordered[i : i + KEYS_PER_REQUEST] for i in range(0, len(ordered), KEYS_PER_REQUEST)]
        return [
            await self._up.get(f"/prices/current/{','.join(chunk)}", None, _PRICES, ttl=PRICE_TTL_S)
            for chunk in chunks
        ]
