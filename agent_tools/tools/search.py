"""search_assets: find the CoinGecko id and contract addresses behind a name or ticker."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from agent_tools.domain.assets import COINGECKO_PLATFORM
from agent_tools.errors import AgentToolsError, InvalidArgument, NotConfigured
from agent_tools.services import Services
from agent_tools.snapshot import price_snapshot
from agent_tools.tools._registry import ToolSpec

MAX_LIMIT = 25
_CHAIN_OF_PLATFORM = {platform: chain for chain, platform in COINGECKO_PLATFORM.items()}


class Candidate(BaseModel):
    asset_id: str = Field(description="CoinGecko id: pass it to get_price or get_grade")
    symbol: str
    name: str
    market_cap_rank: int | None
    platforms: dict[str, str] = Field(
        description="chain -> token contract, for the chains these tools support (empty for native coins)"
    )


class SearchResult(BaseModel):
    query: str
    candidates: list[Candidate]
    source: str
    as_of: datetime
    stale: bool
    warnings: list[str]


async def find_assets(services: Services, query: str, limit: int) -> SearchResult:
    text = query.strip()
    if not text:
        raise InvalidArgument("query is empty")
    if services.settings.offline:
        return _from_snapshot(text, limit, ["offline mode: searched the bundled snapshot only"])
    try:
        found = await services.coingecko.search(text)
    except NotConfigured:
        raise
    except AgentToolsError as exc:
        return _from_snapshot(text, limit, [f"CoinGecko unavailable ({exc.message}); searched the snapshot"])
    warnings: list[str] = []
    platforms: dict[str, dict[str, str | None]] = {}
    try:
        coins = await services.coingecko.coins_list()
        platforms = {c.id: c.platforms or {} for c in coins.value}
    except NotConfigured:
        raise
    except AgentToolsError as exc:
        warnings.append(f"contract addresses unknown: coin list unavailable ({exc.message})")
    candidates = [
        Candidate(
            asset_id=coin.id,
            symbol=coin.symbol.upper(),
            name=coin.name,
            market_cap_rank=coin.market_cap_rank,
            platforms=_known_platforms(platforms.get(coin.id, {})),
        )
        for coin in found.value.coins[:limit]
    ]
    return SearchResult(
        query=text,
        candidates=candidates,
        source="coingecko",
        as_of=datetime.fromtimestamp(found.fetched_at, tz=UTC),
        stale=found.stale,
        warnings=warnings,
    )


def _known_platforms(platforms: dict[str, str | None]) -> dict[str, str]:
    return {_CHAIN_OF_PLATFORM[p]: a for p, a in platforms.items() if a and p in _CHAIN_OF_PLATFORM}


def _from_snapshot(text: str, limit: int, warnings: list[str]) -> SearchResult:
    snap = price_snapshot()
    needle = text.lower()
    hits = [
        a
        for a in snap.assets
        if needle in (a.symbol.lower(), a.id) or needle in a.name.lower() or a.id.startswith(needle)
    ]
    hits.sort(key=lambda a: (a.symbol.lower() != needle and a.id != needle, -(a.market_cap or 0), a.id))
    return SearchResult(
        query=text,
        candidates=[
            Candidate(asset_id=a.id, symbol=a.symbol, name=a.name, market_cap_rank=None, platforms={})
            for a in hits[:limit]
        ],
        source="snapshot",
        as_of=max((a.as_of for a in snap.assets), default=datetime.now(UTC)),
        stale=True,
        warnings=warnings,
    )


DESCRIPTION = f"""Find crypto assets by name, ticker or CoinGecko id; returns up to `limit` (1-{MAX_LIMIT})
candidates, best match first, each with its CoinGecko id, ticker, name, market-cap rank and token
contracts per supported chain (ethereum, bsc, polygon, arbitrum, optimism, base, solana, ...).
Use it to disambiguate a ticker before get_price, or to find a token's contract address before
assess_rug_pull_risk. Source CoinGecko /search; offline it searches the bundled snapshot."""


async def search_assets(
    services: Services,
    query: Annotated[
        str, Field(min_length=1, max_length=100, description="Name, ticker or id, e.g. 'uniswap'.")
    ],
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="How many candidates to return.")] = 10,
) -> SearchResult:
    return await find_assets(services, query, limit)


TOOL = ToolSpec(search_assets, title="Search crypto assets", description=DESCRIPTION, open_world=True)
