"""What a user may name an asset by, and how a CoinGecko coin list resolves it.

Three forms are accepted: a ticker (`BTC`), a CoinGecko id (`bitcoin`), and a token
contract (`ethereum:0x...`, `solana:<mint>`). A ticker often belongs to several coins;
resolution keeps every candidate so the caller can pick by market cap and say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from agent_tools.domain.addresses import normalize_chain, validate_address

MAX_QUERY_LEN = 120
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")

# chain (canonical, see domain.addresses) -> id of that chain in each price source
COINGECKO_PLATFORM: dict[str, str] = {
    "ethereum": "ethereum",
    "bsc": "binance-smart-chain",
    "polygon": "polygon-pos",
    "arbitrum": "arbitrum-one",
    "optimism": "optimistic-ethereum",
    "base": "base",
    "avalanche": "avalanche",
    "fantom": "fantom",
    "linea": "linea",
    "zksync": "zksync",
    "solana": "solana",
}
DEFILLAMA_CHAIN: dict[str, str] = {
    "ethereum": "ethereum",
    "bsc": "bsc",
    "polygon": "polygon",
    "arbitrum": "arbitrum",
    "optimism": "optimism",
    "base": "base",
    "avalanche": "avax",
    "fantom": "fantom",
    "linea": "linea",
    "zksync": "era",
    "solana": "solana",
}


@dataclass(frozen=True)
class NameQuery:
    """A ticker or a CoinGecko id; which one is decided against the coin list."""

    text: str


@dataclass(frozen=True)
class ContractQuery:
    text: str
    chain: str  # canonical chain name
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
        chain_info = normalize_chain(chain_text)
        chain = chain_info.name
        if chain not in COINGECKO_PLATFORM:
            raise ValueError(f"token prices are not available for chain {chain!r}")
        canonical = validate_address(chain_info, address.strip())
        if chain != "solana":
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
        platform = COINGECKO_PLATFORM[query.chain]
        return self.by_contract.get((platform, query.address.lower()))
