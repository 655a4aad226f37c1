"""One asset from a ticker or a CoinGecko id, for the tools that take one `symbol` (get_grade,
get_price_history), with get_price's ambiguity rule.

The coin list (hours-cached) names every candidate; a ticker several coins share resolves to the
largest market cap and `warnings` names the others, by id (names are third-party text). Offline,
or when the coin list is unavailable, the bundled snapshot resolves well-known tickers.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_tools.domain.assets import Coin, CoinIndex, NameQuery, money, parse_asset_query
from agent_tools.errors import InvalidArgument, NotFound
from agent_tools.services import Services
from agent_tools.snapshot import price_snapshot
from agent_tools.sources.outcome import Ok, SourceRun

MAX_ALTERNATIVES = 5


@dataclass(frozen=True)
class Asset:
    id: str
    symbol: str
    name: str | None
    ticker_primary: bool
    """This coin is the one its ticker means on a ticker-keyed market (Binance's `<TICKER>USDT`): the
    only coin with that ticker, the largest by market cap among them, or the snapshot's coin for it."""
    alternatives: tuple[str, ...] = ()
    """Other coins the text could mean (CoinGecko ids), largest market cap first."""


def parse_symbol(symbol: str, tool: str) -> NameQuery:
    """A ticker or a CoinGecko id; INVALID_ARGUMENT for anything else (a contract included)."""
    if ":" in symbol:
        raise InvalidArgument(
            f"symbol: {tool} takes a ticker or a CoinGecko id, not chain:address",
            hint="use search_assets to find the CoinGecko id of a token",
        )
    try:
        query = parse_asset_query(symbol)
    except ValueError as exc:
        raise InvalidArgument(f"symbol: {exc}") from None
    assert isinstance(query, NameQuery)
    return query


def _from_snapshot(query: NameQuery) -> Asset | None:
    from agent_tools.sources.coins import snapshot_coin  # sources load on the first call, not at start-up

    coin = snapshot_coin(query)
    return None if coin is None else Asset(coin.id, coin.symbol, coin.name, ticker_primary=True)


def _snapshot_says(coin: Coin) -> bool:
    known = price_snapshot().by_symbol.get(coin.symbol.upper())
    return known is not None and known.id == coin.id


async def resolve(services: Services, query: NameQuery, warnings: list[str]) -> Asset:
    if services.settings.offline:
        found = _from_snapshot(query)
        if found is None:
            raise NotFound(
                f"offline mode: {query.text!r} is not in the bundled snapshot",
                hint=f"it covers {len(price_snapshot().assets)} major assets; unset AGENT_TOOLS_OFFLINE",
            )
        return found
    run = SourceRun()
    from agent_tools.sources.coins import coin_index

    index = await run.ask("coingecko", coin_index(services))
    if not isinstance(index, Ok):
        found = _from_snapshot(query)
        if found is None or run.misconfigured():
            raise run.error("no coin list source")
        warnings.append(f"CoinGecko coin list unavailable; resolved {query.text} from the bundled snapshot")
        return found
    candidates = index.value.candidates(query)
    if not candidates:
        raise NotFound(
            f"no asset found for {query.text!r}", hint="use search_assets to find the CoinGecko id"
        )
    if len(candidates) == 1:
        coin = candidates[0]
        unique = len(index.value.by_symbol.get(coin.symbol.lower(), [])) == 1
        return Asset(coin.id, coin.symbol, coin.name, ticker_primary=unique or _snapshot_says(coin))
    return await _largest(services, run, query, index.value, candidates, warnings)


async def _largest(
    services: Services,
    run: SourceRun,
    query: NameQuery,
    index: CoinIndex,
    coins: list[Coin],
    warnings: list[str],
) -> Asset:
    """The candidate with the largest market cap (an exact id first when caps are unknown)."""
    from agent_tools.sources.prices import coingecko_prices

    got = await run.ask("coingecko", coingecko_prices(services, [c.id for c in coins], "usd"))
    if run.misconfigured():
        raise run.error("no price source")
    rows = got.value if isinstance(got, Ok) else {}
    if not isinstance(got, Ok):
        warnings.append(f"market caps unavailable: {query.text} resolved without them")
    caps = {c.id: row.market_cap if (row := rows.get(c.id)) else None for c in coins}
    ranked = sorted(coins, key=lambda c: -(caps[c.id] or -1.0))  # stable: exact id stays first on ties
    pick, others = ranked[0], ranked[1 : 1 + MAX_ALTERNATIVES]
    warnings.append(  # ids only: names are third-party text
        f"{query.text} is ambiguous: picked {pick.id} (mcap {money(caps[pick.id])}); "
        f"also: {', '.join(c.id for c in others)}. Pass a CoinGecko id to choose another."
    )
    holders = {c.id for c in index.by_symbol.get(pick.symbol.lower(), [])}
    ranked_all = caps[pick.id] is not None and holders <= {c.id for c in coins}
    return Asset(
        pick.id,
        pick.symbol,
        pick.name,
        ticker_primary=ranked_all or _snapshot_says(pick),
        alternatives=tuple(c.id for c in others),
    )
