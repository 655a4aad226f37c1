"""Daily price history as a domain `DailySeries`: CoinGecko's `market_chart`, or the bundled snapshot.

The snapshot answers when the server is offline or CoinGecko cannot be asked; it is dated
data, so its answer is stale and says how old it is.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from agent_tools.domain.grades import DailySeries
from agent_tools.services import Services
from agent_tools.snapshot.history import SnapshotHistory, history_for
from agent_tools.sources.outcome import NoData, Ok
from agent_tools.upstream.coingecko_history import CoinGeckoHistory, MarketChart

Point = tuple[float, float | None]


def _by_day(points: list[Point]) -> dict[date, float]:
    """One value per UTC day; the latest point of a day wins, so today's row is the live price."""
    return {
        datetime.fromtimestamp(ms / 1000, UTC).date(): v
        for ms, v in points
        if v is not None and math.isfinite(v) and v > 0
    }


def daily_series(chart: MarketChart) -> DailySeries | None:
    closes, volumes, caps = _by_day(chart.prices), _by_day(chart.total_volumes), _by_day(chart.market_caps)
    days = sorted(closes)
    if not days:
        return None
    return DailySeries(
        dates=days,
        close=[closes[d] for d in days],
        volume=[volumes.get(d) for d in days],
        market_cap=[caps.get(d) for d in days],
    )


def coingecko_window(services: Services) -> int | None:
    """Days of history the CoinGecko plan serves (None: all of it)."""
    days = services.provider(CoinGeckoHistory).max_days
    return None if days == "max" else days


async def coingecko_daily(services: Services, coin_id: str) -> Ok[DailySeries] | NoData:
    provider = services.provider(CoinGeckoHistory)
    chart = await provider.market_chart(coin_id, provider.max_days)
    series = daily_series(chart.value)
    if series is None:
        return NoData(f"CoinGecko has no price history for {coin_id}")
    return Ok(series, chart.fetched_at, chart.stale)


def snapshot_daily(coin_id: str) -> SnapshotHistory | None:
    """The bundled series of a CoinGecko id (stale by nature), or None when it does not cover it."""
    return history_for(coin_id)
