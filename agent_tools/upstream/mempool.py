"""mempool.space: recommended Bitcoin fee rates (upstream-apis.md §6.3)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

FEES_TTL_S = 30.0
"""mempool.space recomputes its recommendation per block and mempool change; 30 s is current enough."""
FEES_GRACE_S = 900.0


SatPerVbyte = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
"""Far above any real rate past 1e12: anything else is drift, refused before caching."""


class RecommendedFees(Body):
    """sat/vB per confirmation target; integers from /recommended, decimals from /precise."""

    fastestFee: SatPerVbyte
    halfHourFee: SatPerVbyte
    hourFee: SatPerVbyte
    economyFee: SatPerVbyte | None = None  # absent on older deployments
    minimumFee: SatPerVbyte | None = None


_FEES = BodyAdapter(RecommendedFees)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="mempool",
        display="mempool.space",
        base_url=settings.mempool_base_url,
        rate_per_min=settings.rate_per_min("mempool"),
    )


class Mempool:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    @property
    def spec(self) -> ProviderSpec:
        return self._up.spec

    async def recommended_fees(self) -> Fetched[RecommendedFees]:
        return await self._up.get("/v1/fees/recommended", None, _FEES, ttl=FEES_TTL_S, grace=FEES_GRACE_S)
