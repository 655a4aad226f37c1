"""Asset resolution shared by the tools that take a ticker or CoinGecko id.

The coin list is fetched through the pipeline (hours-cached) and turned into an index
once per list, not once per call; the bundled snapshot resolves well-known tickers
when CoinGecko is unreachable or the server is offline.
"""

from __future__ import annotations

from agent_tools.domain.assets import Coin, CoinIndex, NameQuery
from agent_tools.services import Services
from agent_tools.snapshot import price_snapshot
from agent_tools.upstream._core import Fetched
from agent_tools.upstream.coingecko import CoinListItem

_memo: tuple[list[CoinListItem], CoinIndex] | None = None


async def coin_index(services: Services) -> Fetched[CoinIndex]:
    """CoinGecko's coin list as an index; raises the pipeline's errors."""
    global _memo
    fetched = await services.coingecko.coins_list()
    if _memo is None or _memo[0] is not fetched.value:
        coins = (
            Coin(c.id, c.symbol, c.name, {p: a for p, a in (c.platforms or {}).items() if a})
            for c in fetched.value
        )
        _memo = (fetched.value, CoinIndex(coins))
    return Fetched(_memo[1], fetched.fetched_at, fetched.stale)


def snapshot_coin(query: NameQuery) -> Coin | None:
    """The snapshot's asset for a CoinGecko id or ticker, if it has one."""
    snap = price_snapshot()
    asset = snap.by_id.get(query.text.lower()) or snap.by_symbol.get(query.text.upper())
    return None if asset is None else Coin(asset.id, asset.symbol, asset.name)


def money(value: float | None) -> str:
    """$1.23T / $4.56B / $7.89M / $1.2K, or 'unknown'."""
    if value is None:
        return "unknown"
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= size:
            return f"${value / size:.2f}{unit}"
    return f"${value:,.2f}"
