"""CoinGecko price history: `/coins/{id}/market_chart` and `/coins/{id}/ohlc` (upstream-apis.md §1.3).

Same host, key and rate limit as agent_tools.upstream.coingecko (its `spec`), so the two
share one limiter. Keyless and demo plans serve at most 365 days of history; a pro plan
can ask for `max`.

`market_chart` gives prices, market caps and 24 h volumes as `[ms, value]` pairs: daily
with `interval=daily`, otherwise at CoinGecko's automatic granularity (hourly for 2-90
days). `ohlc` gives `[ms, open, high, low, close]` candles whose timestamp is the candle's
close; their size follows `days` (1-2: 30 minutes, 3-30: 4 hours, 31 and more: 4 days) and
`days` is one of 1, 7, 14, 30, 90, 180, 365 or max [V-doc, the OHLC page].
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from pydantic import Field

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, Upstream, coingecko
from agent_tools.upstream._bodies import Body, BodyAdapter, Number

HISTORY_TTL_S = 6 * 3600.0
"""Daily points change once a day; the newest (intraday) point may lag by hours."""
HISTORY_GRACE_S = 3 * 24 * 3600.0
INTRADAY_TTL_S = 600.0
"""Hourly points and OHLC candles move within the hour (CoinGecko caches OHLC for 15 minutes)."""
OHLC_DAYS = (1, 7, 14, 30, 90, 180, 365)
"""The `days` values `/ohlc` takes (plus `max`)."""

Days = int | Literal["max"]
Point = tuple[float, float | None]
"""[unix milliseconds, value]; CoinGecko sends null where it has no value."""
Candle = tuple[Number, Number, Number, Number, Number]
"""[close time in unix milliseconds, open, high, low, close]."""


class MarketChart(Body):
    prices: list[Point]
    market_caps: list[Point] = Field(default_factory=list[Point])
    total_volumes: list[Point] = Field(default_factory=list[Point])


_CHART = BodyAdapter(MarketChart)
_OHLC = BodyAdapter(list[Candle])


class CoinGeckoHistory:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, coingecko.spec(settings))
        self.max_days: Days = (
            "max" if settings.coingecko_api_key is not None and settings.coingecko_plan == "pro" else 365
        )
        """The longest history this plan serves."""

    async def market_chart(
        self, coin_id: str, days: Days, vs: str = "usd", *, daily: bool = True
    ) -> Fetched[MarketChart]:
        """Price, market cap and volume in `vs`: daily points, or the automatic granularity when not
        `daily`; the last point is the latest (intraday) one."""
        path, params = _chart(coin_id, days, vs, daily)
        return await self._up.get(
            path,
            params,
            _CHART,
            ttl=HISTORY_TTL_S if daily else INTRADAY_TTL_S,
            grace=HISTORY_GRACE_S,
        )

    def cached_market_chart(
        self, coin_id: str, days: Days, vs: str = "usd", *, daily: bool = True
    ) -> Fetched[MarketChart] | None:
        """The same chart from this process's fresh cache (no request), or None."""
        path, params = _chart(coin_id, days, vs, daily)
        return self._up.peek(path, params, _CHART)

    async def ohlc(self, coin_id: str, days: int, vs: str = "usd") -> Fetched[list[Candle]]:
        """Candles in `vs` over `days` (one of OHLC_DAYS); timestamps are candle close times."""
        path, params = _ohlc(coin_id, days, vs)
        return await self._up.get(path, params, _OHLC, ttl=INTRADAY_TTL_S, grace=HISTORY_GRACE_S)

    def cached_ohlc(self, coin_id: str, days: int, vs: str = "usd") -> Fetched[list[Candle]] | None:
        path, params = _ohlc(coin_id, days, vs)
        return self._up.peek(path, params, _OHLC)

    async def budget_left(self) -> int:
        """Requests CoinGecko's limiter would send now without waiting (books nothing)."""
        return await self._up.budget_left()


def _chart(coin_id: str, days: Days, vs: str, daily: bool) -> tuple[str, dict[str, str]]:
    params = {"vs_currency": vs, "days": str(days)}
    if daily:
        params["interval"] = "daily"
    return f"/coins/{quote(coin_id, safe='')}/market_chart", params


def _ohlc(coin_id: str, days: int, vs: str) -> tuple[str, dict[str, str]]:
    if days not in OHLC_DAYS:
        raise ValueError(f"/ohlc takes days in {OHLC_DAYS}, not {days}")
    return f"/coins/{quote(coin_id, safe='')}/ohlc", {"vs_currency": vs, "days": str(days)}
