"""The coin catalogue: CoinGecko's coin list and search, cleaned into domain `Coin`s.

Ids, tickers and names are third-party text (anyone can list a coin); they are checked and
cleaned here, once per list, so nothing downstream sees a raw provider string. The list is
turned into a `CoinIndex` once per fetched list, not once per call. The bundled snapshot
resolves well-known tickers when CoinGecko cannot be asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from agent_tools.domain.assets import Coin, CoinIndex, Listing, NameQuery
from agent_tools.services import Services
from agent_tools.snapshot import price_snapshot
from agent_tools.sources.outcome import Ok
from agent_tools.sources.text import name, slug, symbol
from agent_tools.upstream.coingecko import CoinListItem

_ADDRESS = re.compile(r"[A-Za-z0-9]{1,128}|0x[0-9a-fA-F]{40}")
_memo: tuple[list[CoinListItem], CoinIndex] | None = None


def _coin(coin_id: str, ticker: str, label: str, platforms: dict[str, str | None] | None) -> Coin | None:
    """A provider's coin in clean form, or None when its id or ticker is not one."""
    cid, sym = slug(coin_id), symbol(ticker)
    if cid is None or sym is None:
        return None
    contracts = {
        platform: address
        for platform, address in (platforms or {}).items()
        if address and slug(platform) and _ADDRESS.fullmatch(address)
    }
    return Coin(cid, sym, name(label) or cid, contracts)


def _coins(items: Iterable[CoinListItem]) -> Iterator[Coin]:
    for item in items:
        coin = _coin(item.id, item.symbol, item.name, item.platforms)
        if coin is not None:
            yield coin


async def coin_index(services: Services) -> Ok[CoinIndex]:
    """CoinGecko's coin list as an index (hours-cached); raises the pipeline's errors."""
    global _memo
    fetched = await services.coingecko.coins_list()
    if _memo is None or _memo[0] is not fetched.value:
        _memo = (fetched.value, CoinIndex(_coins(fetched.value)))
    return Ok(_memo[1], fetched.fetched_at, fetched.stale)


async def search(services: Services, query: str) -> Ok[list[Listing]]:
    """CoinGecko search hits, best first (contracts are in the coin index, not in search results)."""
    found = await services.coingecko.search(query)
    listings = [
        Listing(coin, hit.market_cap_rank)
        for hit in found.value.coins
        if (coin := _coin(hit.id, hit.symbol, hit.name, None)) is not None
    ]
    return Ok(listings, found.fetched_at, found.stale)


def snapshot_coin(query: NameQuery) -> Coin | None:
    """The bundled snapshot's asset for a CoinGecko id or ticker, if it has one."""
    snap = price_snapshot()
    asset = snap.by_id.get(query.text.lower()) or snap.by_symbol.get(query.text.upper())
    return None if asset is None else Coin(asset.id, asset.symbol, asset.name)
