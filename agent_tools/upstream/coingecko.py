"""CoinGecko: coin list, simple and token prices, search (upstream-apis.md §1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Annotated, Any, cast

import httpx
from pydantic import FailFast, StrictFloat, StrictInt

from agent_tools.errors import AgentToolsError, NotConfigured
from agent_tools.settings import Settings
from agent_tools.upstream import Batcher, Fetched, Peeked, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

PRICE_TTL_S = 60.0
METADATA_TTL_S = 6 * 3600.0
METADATA_GRACE_S = 7 * 24 * 3600.0
COIN_LIST_MAX_BYTES = 40_000_000  # ~17k coins with their platforms
_KEY_HINT = "set AGENT_TOOLS_COINGECKO_API_KEY (a free demo key allows 100 calls/min)"


class CoinListItem(Body):
    id: str
    symbol: str
    name: str
    platforms: dict[str, str | None] | None = None


class SearchCoin(Body):
    id: str
    name: str
    symbol: str
    market_cap_rank: int | None = None


class SearchResult(Body):
    coins: list[SearchCoin]


PriceRow = dict[str, StrictFloat | StrictInt | None]
"""`{usd, usd_market_cap, usd_24h_vol, usd_24h_change, last_updated_at}`; absent = unknown.

Strict numbers: a drifted body (strings, booleans, nested objects) is a bad response, not "no price"."""

_COIN_LIST = BodyAdapter(Annotated[list[CoinListItem], FailFast()])  # a garbage 40 MB list fails at once
_PRICES = BodyAdapter(dict[str, PriceRow])
_ROW = BodyAdapter(PriceRow)
_SEARCH = BodyAdapter(SearchResult)


def _error_hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
    """CoinGecko reports key and plan problems as error codes inside the body (a 429 takes the usual path)."""
    code: object = None
    if isinstance(body, dict):
        fields = cast(dict[str, object], body)
        status = fields.get("status")
        code = (
            cast(dict[str, object], status).get("error_code")
            if isinstance(status, dict)
            else fields.get("error_code")
        )
    if code == 10010:
        return NotConfigured(
            "CoinGecko says this is a pro key used against the public host",
            hint="set AGENT_TOOLS_COINGECKO_PLAN=pro (and unset AGENT_TOOLS_COINGECKO_BASE_URL)",
        )
    if code == 10011:
        return NotConfigured(
            "CoinGecko says this is a demo key used against the pro host",
            hint="set AGENT_TOOLS_COINGECKO_PLAN=demo (and unset AGENT_TOOLS_COINGECKO_BASE_URL)",
        )
    if code in (10002, 10005) or response.status_code in (401, 403):
        return NotConfigured(
            f"CoinGecko refused the request (HTTP {response.status_code}): key missing, invalid or"
            " not allowed on this plan",
            hint="check AGENT_TOOLS_COINGECKO_API_KEY and AGENT_TOOLS_COINGECKO_PLAN",
        )
    return None


def spec(settings: Settings) -> ProviderSpec:
    base_url, headers = settings.coingecko_endpoint()
    return ProviderSpec(
        name="coingecko",
        display="CoinGecko",
        base_url=base_url,
        rate_per_min=settings.rate_per_min("coingecko"),
        headers=headers,
        error_hook=_error_hook,
        hint=_KEY_HINT if settings.coingecko_api_key is None else None,
    )


class CoinGecko:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._pipeline = pipeline
        self._up = Upstream(pipeline, spec(settings))
        self._batchers: dict[tuple[str, str], Batcher[PriceRow]] = {}

    async def coins_list(self) -> Fetched[list[CoinListItem]]:
        """Every coin id with symbol, name and contract platforms; hours-fresh is enough."""
        return await self._up.get(
            "/coins/list",
            {"include_platform": "true"},
            _COIN_LIST,
            ttl=METADATA_TTL_S,
            grace=METADATA_GRACE_S,
            max_bytes=COIN_LIST_MAX_BYTES,
        )

    async def prices(self, ids: Iterable[str], vs_currency: str) -> dict[str, Fetched[PriceRow] | None]:
        """Price, market cap, 24 h volume and change per coin id (None: CoinGecko has no price)."""

        async def fetch(chunk: list[str]) -> Fetched[Mapping[str, PriceRow]]:
            params = {"ids": ",".join(chunk), "vs_currencies": vs_currency, **_INCLUDE_ALL}
            return await self._up.get("/simple/price", params, _PRICES, ttl=PRICE_TTL_S, cache=False)

        return await self._batcher(("ids", vs_currency), fetch).get_many(ids)

    def cached_prices(self, ids: Iterable[str], vs_currency: str) -> Peeked[PriceRow] | None:
        """All of `ids` from the cache when every one is fresh (no await, no request), else None."""
        batcher = self._batchers.get(("ids", vs_currency))
        return batcher.peek(ids) if batcher is not None else None

    async def token_prices(
        self, platform: str, addresses: Iterable[str], vs_currency: str
    ) -> dict[str, Fetched[PriceRow] | None]:
        """Token prices by contract, keyed by the lower-case address."""

        async def fetch(chunk: list[str]) -> Fetched[Mapping[str, PriceRow]]:
            params = {"contract_addresses": ",".join(chunk), "vs_currencies": vs_currency, **_INCLUDE_ALL}
            got = await self._up.get(
                f"/simple/token_price/{platform}", params, _PRICES, ttl=PRICE_TTL_S, cache=False
            )
            return Fetched({k.lower(): v for k, v in got.value.items()}, got.fetched_at, got.stale)

        return await self._batcher((platform, vs_currency), fetch).get_many(a.lower() for a in addresses)

    def _batcher(
        self, scope: tuple[str, str], fetch: Callable[[list[str]], Awaitable[Fetched[Mapping[str, PriceRow]]]]
    ) -> Batcher[PriceRow]:
        batcher = self._batchers.get(scope)
        if batcher is None:
            batcher = self._batchers[scope] = Batcher(
                self._pipeline, "coingecko", (self._up.spec.base_url, *scope), fetch, _ROW, ttl=PRICE_TTL_S
            )
        return batcher

    async def budget_left(self) -> int:
        """Requests CoinGecko's limiter would send now without waiting (books nothing)."""
        return await self._up.budget_left()

    async def search(self, query: str) -> Fetched[SearchResult]:
        return await self._up.get("/search", {"query": query}, _SEARCH, ttl=METADATA_TTL_S / 6)


_INCLUDE_ALL = {
    "include_market_cap": "true",
    "include_24hr_vol": "true",
    "include_24hr_change": "true",
    "include_last_updated_at": "true",
}
