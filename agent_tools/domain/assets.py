"""What a user may name an asset by, and how a CoinGecko coin list resolves it.

Three forms are accepted: a ticker (`BTC`), a CoinGecko id (`bitcoin`), and a token
contract (`ethereum:0x...`, `solana:<mint>`). A ticker often belongs to several coins;
resolution keeps every candidate so the caller can pick by market cap and say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from agent_tools.domain.addresses import validate_address
from agent_tools.domain.chains import Chain, resolve_chain

MAX_QUERY_LEN = 120
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


@dataclass(frozen=True)
class NameQuery:
    """A ticker or a CoinGecko id; which one is decided against the coin list."""

    text: str


@dataclass(frozen=True)
class ContractQuery:
    text: str
    chain: Chain  # one with token prices (a CoinGecko platform and a DefiLlama chain)
    address: str  # canonical form (EVM lower-case, Solana as given)


AssetQuery = NameQuery | ContractQuery


def parse_asset_query(raw: str) -> AssetQuery:
    """Classify one user string; `ValueError` says what is wrong with it."""
    text = raw.strip()
    if not text:
        raise ValueError("empty asset name")
    if len(text) > MAX_QUERY_LEN:
        raise ValueError(f"asset name longer than {MAX_QUERY_LEN} characters")
    if ":" in text:
        chain_text, _, address = text.partition(":")
        chain = resolve_chain(chain_text)
        if chain.coingecko_platform is None or chain.defillama_chain is None:
            raise ValueError(f"token prices are not available for chain {chain.name!r}")
        canonical = validate_address(chain, address.strip())
        if chain.family == "evm":
            canonical = canonical.lower()
        return ContractQuery(text, chain, canonical)
    if not _NAME.match(text):
        raise ValueError(
            f"{text!r} is not a ticker, a CoinGecko id or chain:address "
            "(letters, digits, '.', '_', '+', '-'; up to 64 characters)"
        )
    return NameQuery(text)


@dataclass(frozen=True)
class Coin:
    id: str
    symbol: str
    name: str
    platforms: dict[str, str] = field(default_factory=dict[str, str])


class CoinIndex:
    """Lookups over a coin list: by id, by ticker (case-insensitive), by contract."""

    def __init__(self, coins: Iterable[Coin]) -> None:
        self.by_id: dict[str, Coin] = {}
        self.by_symbol: dict[str, list[Coin]] = {}
        self.by_contract: dict[tuple[str, str], Coin] = {}
        for coin in coins:
            self.by_id[coin.id] = coin
            self.by_symbol.setdefault(coin.symbol.lower(), []).append(coin)
            for platform, address in coin.platforms.items():
                if address:
                    self.by_contract[(platform, address.lower())] = coin

    def candidates(self, query: NameQuery) -> list[Coin]:
        """Every coin the text could mean: an exact id and all coins with that ticker."""
        found: dict[str, Coin] = {}
        exact = self.by_id.get(query.text.lower())
        if exact is not None:
            found[exact.id] = exact
        for coin in self.by_symbol.get(query.text.lower(), []):
            found.setdefault(coin.id, coin)
        return list(found.values())

    def contract(self, query: ContractQuery) -> Coin | None:
        return self.by_contract.get((query.chain.coingecko_platform or "", query.address.lower()))

    def matches(self, text: str) -> list[tuple[int, Coin]]:
        """Coins whose id, ticker or name matches `text` (any case), each with how closely: 0 the id,
        1 the ticker, 2 an id or ticker starting with it, 3 a name containing it. A whole-list scan, for
        when no search endpoint answers."""
        needle = text.strip().lower()
        found: list[tuple[int, Coin]] = []
        for coin in self.by_id.values():
            ticker = coin.symbol.lower()
            if coin.id == needle:
                found.append((0, coin))
            elif ticker == needle:
                found.append((1, coin))
            elif coin.id.startswith(needle) or ticker.startswith(needle):
                found.append((2, coin))
            elif needle in coin.name.lower():
                found.append((3, coin))
        return found


@dataclass(frozen=True)
class Listing:
    """A search hit: a coin and its market-cap rank (None when the source gives none)."""

    coin: Coin
    market_cap_rank: int | None


@dataclass(slots=True)  # not frozen: built per cached row on get_price's warm path, where frozen's init costs
class PriceRow:
    """One source's current price of one asset, in the quote currency; unknown values are None."""

    source: str
    price: float
    market_cap: float | None
    volume_24h: float | None
    change_24h_pct: float | None
    as_of: float  # unix seconds: the source's own timestamp where it gives one, else when fetched
    stale: bool  # from an expired cache entry
    symbol: str | None = None  # the ticker the source gives (DefiLlama), cleaned


PriceRows = dict[str, PriceRow | None]
"""One source's rows by item (a coin id, an address, a DefiLlama key); None: it has no price for it."""


def money(value: float | None) -> str:
    """$1.23T / $4.56B / $7.89M / $1.2K, or 'unknown'."""
    if value is None:
        return "unknown"
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= size:
            return f"${value / size:.2f}{unit}"
    return f"${value:,.2f}"
