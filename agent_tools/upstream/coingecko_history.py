"""CoinGecko daily price history: `/coins/{id}/market_chart` (upstream-apis.md §1.3).

Same host, key and rate limit as agent_tools.upstream.coingecko (its `spec`), so the two
share one limiter. Keyless and demo plans serve at most 365 days of history; a pro plan
can ask for `max`.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from pydantic import Field

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, Upstream, coingecko
from agent_tools.upstream._bodies import Body, BodyAdapter

HISTORY_TTL_S = 6 * 3600.0
"""Daily points change once a day; the newest (intraday) point may lag by hours."""
HISTORY_GRACE_S = 3 * 24 * 3600.0

Point = tuple[float, float | None]
"""[unix milliseconds, value]; CoinGecko sends null where it has no value."""


class MarketChart(Body):
    prices: list[Point]
    market_caps: list[Point] = Field(default_factory=list[Point])
    total_volumes: list[Point] = Field(default_factory=list[Point])


_CHART = BodyAdapter(MarketChart)


class CoinGeckoHistory:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, coingecko.spec(settings))
        self.max_days: int | Literal["max"] = (
            "max" if settings.coingecko_api_key is not None and settings.coingecko_plan == "pro" else 365
        )
        """The longest history this plan serves."""

    async def market_chart(self, coin_id: str, days: int | Literal["max"]) -> Fetched[MarketChart]:
        """Daily USD price, market cap and volume; the last point is the latest (intraday) one."""
        return await self._up.get(
            f"/coins/{quote(coin_id, safe='')}/market_chart",
            {"vs_currency": "usd", "days": str(days), "interval": "daily"},
            _CHART,
            ttl=HISTORY_TTL_S,
            grace=HISTORY_GRACE_S,
        )
