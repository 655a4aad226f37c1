"""Binance spot: last prices for every symbol (upstream-apis.md §10)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from pydantic import FailFast

from agent_tools.errors import AgentToolsError, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

PRICE_TTL_S = 30.0


class TickerPrice(Body):
    symbol: str
    price: float  # Binance sends a decimal string; pydantic parses it


_TICKERS = BodyAdapter(Annotated[list[TickerPrice], FailFast()])


def _error_hook(response: httpx.Response, _body: Any) -> AgentToolsError | Retryable | None:
    """418 is an IP ban: retrying only lengthens it, so fail at once with the wait."""
    status = response.status_code
    if status == 418:  # the pipeline adds the wait from Retry-After
        return UpstreamRateLimited(
            "binance",
            "Binance has banned this IP for sending too many requests",
            hint="lower AGENT_TOOLS_BINANCE_RATE_PER_MIN",
        )
    if status == 451:
        return UpstreamUnavailable(
            "binance", "Binance is not available from this region (HTTP 451)", retryable=False
        )
    return None


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="binance",
        display="Binance",
        base_url=settings.binance_base_url,
        rate_per_min=settings.rate_per_min("binance"),
        error_hook=_error_hook,
    )


class Binance:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    async def all_prices(self) -> Fetched[dict[str, float]]:
        """Every symbol's last price in one request (weight 4), so an unlisted pair never errors."""
        fetched = await self._up.get("/api/v3/ticker/price", None, _TICKERS, ttl=PRICE_TTL_S)
        return Fetched({t.symbol: t.price for t in fetched.value}, fetched.fetched_at, fetched.stale)
