"""Binance spot: last prices for every symbol, and klines (upstream-apis.md §10).

`/api/v3/klines` [V-src: binance-spot-api-docs rest-api.md @ a5e0bc3d] takes `symbol`,
`interval` (`1h`, `1d`, `1w`, ...) and `limit` (default 500, at most 1000); without
`startTime`/`endTime` it returns the most recent klines, oldest first. Each kline is an array:
open time (ms), open, high, low, close, volume (base asset), close time (ms), quote asset volume,
number of trades, taker buy base and quote volumes, and an unused field; prices and volumes are
decimal strings. Weight 2, as for one ticker price: far inside the 6,000 a minute per IP, which
the request limit here (AGENT_TOOLS_BINANCE_RATE_PER_MIN, 600 at a weight of up to 10) keeps.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

import httpx
from pydantic import AllowInfNan, BeforeValidator, FailFast

from agent_tools.errors import AgentToolsError, NotFound, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

PRICE_TTL_S = 30.0
KLINE_TTL_S: dict[str, float] = {"1h": 300.0, "1d": 3600.0, "1w": 3600.0}
"""The newest kline is still open: hourly ones are refreshed every 5 minutes, others hourly."""
MAX_KLINES = 1000
INVALID_SYMBOL = -1121


class TickerPrice(Body):
    symbol: str
    price: float  # Binance sends a decimal string; pydantic parses it


_TICKERS = BodyAdapter(Annotated[list[TickerPrice], FailFast()])


def _decimal(value: object) -> object:
    """Binance sends decimals as strings; a number is fine too, a boolean is not a price."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a decimal")
    return value


def _first_eight(value: object) -> object:
    """The fields we read; a column Binance appends later is an addition, not drift."""
    return cast(list[object], value)[:8] if isinstance(value, list) else value


Decimal = Annotated[float, BeforeValidator(_decimal), AllowInfNan(False)]
Kline = Annotated[
    tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal, int, Decimal], BeforeValidator(_first_eight)
]
"""(open time ms, open, high, low, close, base volume, close time ms, quote volume)."""
KlineInterval = Literal["1h", "1d", "1w"]

_KLINES = BodyAdapter(Annotated[list[Kline], FailFast()])


def _error_hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
    """418 is an IP ban: retrying only lengthens it, so fail at once with the wait. An unknown
    pair (code -1121) is not a failure of Binance: it does not trade it."""
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
    if (
        status == 400
        and isinstance(body, dict)
        and cast(dict[str, object], body).get("code") == INVALID_SYMBOL
    ):
        return NotFound("Binance lists no such trading pair")
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

    async def klines(self, symbol: str, interval: KlineInterval, limit: int) -> Fetched[list[Kline]]:
        """The last `limit` klines of `symbol` (e.g. BTCUSDT), oldest first; the newest is still open.

        Raises NotFound when Binance does not trade `symbol`.
        """
        if not 1 <= limit <= MAX_KLINES:
            raise ValueError(f"limit must be 1..{MAX_KLINES}")
        params = {"symbol": symbol, "interval": interval, "limit": str(limit)}
        return await self._up.get("/api/v3/klines", params, _KLINES, ttl=KLINE_TTL_S[interval])

    async def budget_left(self) -> int:
        return await self._up.budget_left()
