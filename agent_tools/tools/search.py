"""search_assets: find the CoinGecko id and contract addresses behind a name or ticker."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from agent_tools.domain.assets import Coin, CoinIndex
from agent_tools.domain.chains import CHAINS
from agent_tools.errors import InvalidArgument
from agent_tools.services import Services
from agent_tools.snapshot import age_days, price_snapshot
from agent_tools.sources.coins import coin_index, search
from agent_tools.sources.outcome import Ok, SourceRun
from agent_tools.tools._registry import ToolSpec

MAX_LIMIT = 25
_CHAIN_OF_PLATFORM = {c.coingecko_platform: c.name for c in CHAINS if c.coingecko_platform}


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
    now = services.clock.wall()
    if services.settings.offline:
        return _from_snapshot(text, limit, "offline mode: searched the bundled snapshot only", now)

    run = SourceRun()
    found, index = await asyncio.gather(
        run.ask("coingecko", search(services, text)), run.ask("coingecko", coin_index(services))
    )
    misconfigured = run.misconfigured()
    if misconfigured is not None:
        raise misconfigured
    if not isinstance(found, Ok):
        if isinstance(index, Ok):  # the coin list is cached for hours: usually still there when search is not
            listed = _from_coin_list(text, limit, index)
            if listed.candidates:
                listed.warnings[:0] = run.failure_notes()
                return listed
        result = _from_snapshot(text, limit, "CoinGecko unavailable; searched the bundled snapshot", now)
        if not result.candidates:  # an empty snapshot search is not "nothing exists"
            raise run.error("no search source")
        result.warnings[:0] = run.failure_notes()
        return result
    warnings: list[str] = []
    if not isinstance(index, Ok):
        warnings.append("contract addresses unknown: the CoinGecko coin list is unavailable")
    candidates = [
        Candidate(
            asset_id=hit.coin.id,
            symbol=hit.coin.symbol.upper(),
            name=hit.coin.name,
            market_cap_rank=hit.market_cap_rank,
            platforms=_platforms(index.value.by_id.get(hit.coin.id) if isinstance(index, Ok) else None),
        )
        for hit in found.value[:limit]
    ]
    return SearchResult(
        query=text,
        candidates=candidates,
        source="coingecko",
        as_of=datetime.fromtimestamp(found.fetched_at, tz=UTC),
        stale=found.stale,
        warnings=warnings,
    )


def _platforms(coin: Coin | None) -> dict[str, str]:
    """chain -> contract for the chains the tools know (CoinGecko names them by its own platform ids)."""
    if coin is None:
        return {}
    return {_CHAIN_OF_PLATFORM[p]: a for p, a in coin.platforms.items() if p in _CHAIN_OF_PLATFORM}


def _from_coin_list(text: str, limit: int, index: Ok[CoinIndex]) -> SearchResult:
    """CoinGecko's own coin list, matched here: closest match first, then the snapshot's market cap (the
    list has no ranking, so `market_cap_rank` is unknown)."""
    caps = price_snapshot().by_id
    hits = sorted(
        index.value.matches(text),
        key=lambda m: (
            m[0],
            -((a.market_cap or 0.0) if (a := caps.get(m[1].id)) else 0.0),
            len(m[1].id),
            m[1].id,
        ),
    )
    return SearchResult(
        query=text,
        candidates=[
            Candidate(
                asset_id=coin.id,
                symbol=coin.symbol.upper(),
                name=coin.name,
                market_cap_rank=None,
                platforms=_platforms(coin),
            )
            for _, coin in hits[:limit]
        ],
        source="coingecko_coin_list",
        as_of=datetime.fromtimestamp(index.fetched_at, tz=UTC),
        stale=index.stale,
        warnings=["CoinGecko search unavailable; matched against its coin list (no market-cap ranking)"],
    )


def _from_snapshot(text: str, limit: int, reason: str, now: float) -> SearchResult:
    snap = price_snapshot()
    needle = text.lower()
    hits = [
        a
        for a in snap.assets
        if needle in (a.symbol.lower(), a.id) or needle in a.name.lower() or a.id.startswith(needle)
    ]
    hits.sort(key=lambda a: (a.symbol.lower() != needle and a.id != needle, -(a.market_cap or 0), a.id))
    as_of = max((a.as_of for a in snap.assets), default=datetime.now(UTC))
    return SearchResult(
        query=text,
        candidates=[
            Candidate(asset_id=a.id, symbol=a.symbol, name=a.name, market_cap_rank=None, platforms={})
            for a in hits[:limit]
        ],
        source="snapshot",
        as_of=as_of,
        stale=True,
        warnings=[f"{reason} (as of {as_of.date().isoformat()}, {age_days(as_of, now)} days old)"],
    )


DESCRIPTION = f"""Find crypto assets by name, ticker or CoinGecko id; returns up to `limit` (1-{MAX_LIMIT})
candidates, best match first, each with its CoinGecko id, ticker, name, market-cap rank and token
contracts per supported chain (ethereum, bsc, polygon, arbitrum, optimism, base, solana, ...).
Use it to disambiguate a ticker before get_price, or to find a token's contract address before
assess_rug_pull_risk. Source CoinGecko /search; when that fails, CoinGecko's cached coin list (matched
here, no market-cap rank), then the bundled snapshot; offline, the snapshot only."""


async def search_assets(
    services: Services,
    query: Annotated[
        str, Field(min_length=1, max_length=100, description="Name, ticker or id, e.g. 'uniswap'.")
    ],
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="How many candidates to return.")] = 10,
) -> SearchResult:
    return await find_assets(services, query, limit)


TOOL = ToolSpec(search_assets, title="Search crypto assets", description=DESCRIPTION, open_world=True)
