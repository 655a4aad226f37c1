"""Exchange withdrawal fees: networks, quotes and the cheapest-first comparison.

Pure domain layer. KuCoin and Bitget publish their fees on public endpoints
(sources/withdrawal_fees.py turns those into `WithdrawalQuote`s); the other exchanges need an
API key for theirs, so they are answered from the bundled dated table (domain/withdrawal_table.py,
loaded on first use), each value with its source, the source's date and whether it was read on
the exchange's own page (`verified`).

Networks: exchanges name them their own way (``ERC20``, ``eth``, ``ArbitrumOne``, ``TRC20``...).
`NETWORKS` maps those spellings to one key each and to the chain registry's chain where it has
one; Tron and Lightning are not registry chains (no chain-taking tool covers them), so they live
only here. A spelling this table lacks falls back to the registry (``arbitrum-one``, ``42161``,
``bnb-chain``), so every registry alias works as a network filter too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib.abc import Traversable
from importlib.resources import files
from typing import Literal

from agent_tools.domain.chains import CHAINS, resolve_chain

TABLE_PACKAGE = "agent_tools.data.withdrawal_fees"
LIVE_EXCHANGES = ("kucoin", "bitget")
"""Exchanges whose withdrawal fees are read live from a public endpoint (no key)."""
MAX_ASSET_LEN = 15
ASSET_PATTERN = r"^[A-Za-z0-9]{1,15}$"

AsOfBasis = Literal["published", "read", "fetched"]
"""The date the source states; the day an undated source was read; the moment a live list was fetched."""


# --- networks --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Network:
    """A withdrawal network: its key (``ERC20``), a readable label, and its registry chain, if any."""

    key: str
    label: str
    chain: str | None
    aliases: tuple[str, ...] = ()


def _squash(text: str) -> str:
    """`Arbitrum One`, `arbitrum-one` and `ArbitrumOne` are one spelling."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_NAMED: tuple[Network, ...] = (
    Network("BTC", "Bitcoin", "bitcoin", ("btc", "bitcoin", "bech32", "segwit")),
    Network("LIGHTNING", "Bitcoin Lightning", None, ("btcln", "lightning", "lightning network", "ln")),
    Network("ERC20", "Ethereum (ERC20)", "ethereum", ("eth", "erc20", "ethereum")),
    Network("TRC20", "Tron (TRC20)", None, ("trx", "trc20", "tron")),
    Network("BEP20", "BNB Smart Chain (BEP20)", "bsc", ("bsc", "bep20", "bnb smart chain", "bsc bep20")),
    Network("SOL", "Solana", "solana", ("sol", "solana", "spl")),
    Network("ARBITRUM", "Arbitrum One", "arbitrum", ("arbitrum", "arbitrum one", "arb", "arbi")),
    Network("OPTIMISM", "Optimism", "optimism", ("optimism", "op", "op mainnet")),
    Network("BASE", "Base", "base", ("base",)),
    Network("POLYGON", "Polygon", "polygon", ("polygon", "matic", "pol", "polygon pos")),
    Network(
        "AVAXC", "Avalanche C-Chain", "avalanche", ("avaxc", "avax c-chain", "avalanche c-chain", "c-chain")
    ),
)
NETWORKS: tuple[Network, ...] = _NAMED + tuple(
    Network(c.name.upper(), c.name, c.name) for c in CHAINS if c.name not in {n.chain for n in _NAMED}
)
"""Every network a filter can name: the exchanges' common ones, then any other registry chain."""
_BY_ALIAS: dict[str, Network] = {_squash(a): n for n in NETWORKS for a in (n.key, n.label, *n.aliases)}
_BY_CHAIN: dict[str, Network] = {n.chain: n for n in reversed(NETWORKS) if n.chain is not None}


def resolve_network(text: str) -> Network:
    """The network for a user's spelling (``erc20``, ``TRC20``, ``arbitrum-one``, ``56``...); else `ValueError`."""
    key = _squash(text)
    if not key:
        raise ValueError("network is empty; pass one such as ERC20, TRC20, BEP20, SOL or BTC")
    network = _BY_ALIAS.get(key)
    if network is not None:
        return network
    try:
        chain = resolve_chain(text)
    except ValueError:
        chain = None
    if chain is not None and chain.name in _BY_CHAIN:
        return _BY_CHAIN[chain.name]
    raise ValueError(f"unknown network {text.strip()!r}; known: {', '.join(n.key for n in NETWORKS)}")


def exchange_network(*spellings: str) -> Network:
    """The network an exchange's own names for it mean (KuCoin's `chainId`, then `chainName`...).

    An unknown name still gives a network, keyed by its letters and digits (upper-case, capped) and
    on no registry chain, so a new network an exchange adds is reported as the exchange calls it.
    """
    for spelling in spellings:
        network = _BY_ALIAS.get(_squash(spelling))
        if network is not None:
            return network
    first = next((s for s in spellings if _squash(s)), "unknown")
    return Network(_squash(first).upper()[:20], first, None)


# --- quotes and the comparison -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WithdrawalQuote:
    """One exchange's fee to withdraw an asset on one network, with where and when it was read.

    ``fee`` is the fixed part in the asset; ``fee_rate`` a percentage part (a fraction of the amount)
    some exchanges add: KuCoin max(fee, amount × rate) (our reading of its field names, which its
    spec does not spell out), Bitget the rate burned on top (its docs).
    """

    exchange: str
    asset: str
    network: Network
    fee: Decimal
    fee_rate: Decimal | None
    min_withdrawal: Decimal | None
    enabled: bool | None
    source: Literal["live", "schedule"]
    source_url: str
    as_of: datetime | date
    as_of_basis: AsOfBasis
    verified: bool
    stale: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawalEstimate:
    quote: WithdrawalQuote
    fee: Decimal
    """What one withdrawal of ``amount`` costs in the asset (``quote.fee`` without an amount)."""
    fee_usd: float | None
    below_minimum: bool | None


@dataclass(frozen=True, slots=True)
class WithdrawalComparison:
    estimates: tuple[WithdrawalEstimate, ...]
    """Cheapest first; at one fee, verified and fresh figures first, then by exchange and network."""
    disabled: tuple[WithdrawalQuote, ...]
    """Quotes for networks the exchange has closed for withdrawals now (left out of `estimates`)."""


def withdrawal_cost(quote: WithdrawalQuote, amount: Decimal | None) -> Decimal:
    """The fee in the asset: the fixed fee, plus or at least the percentage part when an amount is known."""
    if quote.fee_rate is None or amount is None:
        return quote.fee
    share = amount * quote.fee_rate
    return max(quote.fee, share) if quote.exchange == "kucoin" else quote.fee + share


def compare_withdrawals(
    quotes: Iterable[WithdrawalQuote],
    *,
    network: Network | None = None,
    amount: Decimal | None = None,
    price_usd: float | None = None,
) -> WithdrawalComparison:
    """Estimates cheapest first (the same asset, so fee in the asset ranks them, as USD would)."""
    chosen = [q for q in quotes if network is None or q.network.key == network.key]
    open_ = [q for q in chosen if q.enabled is not False]
    estimates: list[WithdrawalEstimate] = []
    for quote in open_:
        fee = withdrawal_cost(quote, amount)
        below = None
        if amount is not None and quote.min_withdrawal is not None:
            below = amount < quote.min_withdrawal
        estimates.append(WithdrawalEstimate(quote, fee, usd(fee, price_usd), below))
    estimates.sort(
        key=lambda e: (e.fee, not e.quote.verified, e.quote.stale, e.quote.exchange, e.quote.network.key)
    )
    return WithdrawalComparison(tuple(estimates), tuple(q for q in chosen if q.enabled is False))


def usd(amount: Decimal, price_usd: float | None) -> float | None:
    """An asset amount in USD, to 6 significant digits; None without a price."""
    if price_usd is None:
        return None
    return float(f"{float(amount) * price_usd:.6g}")


def cheapest_per_exchange(comparison: WithdrawalComparison) -> dict[str, WithdrawalEstimate]:
    """Each exchange's cheapest estimate (the comparison is sorted, so the first one seen)."""
    best: dict[str, WithdrawalEstimate] = {}
    for estimate in comparison.estimates:
        best.setdefault(estimate.quote.exchange, estimate)
    return best


# --- the bundled table: which exchanges it covers (its contents: domain/withdrawal_table.py) -------


def table_files(directory: Traversable) -> list[Traversable]:
    return sorted((e for e in directory.iterdir() if e.name.endswith(".json")), key=lambda e: e.name)


def table_exchanges() -> list[str]:
    """Exchanges answered from the bundled table (from the file names, which the loader holds to the ids)."""
    return [e.name.removesuffix(".json") for e in table_files(files(TABLE_PACKAGE))]


def supported_exchanges() -> list[str]:
    return sorted([*LIVE_EXCHANGES, *table_exchanges()])


def parse_asset(text: str) -> str:
    """An exchange ticker (``usdt`` → ``USDT``); `ValueError` for anything that cannot be one."""
    ticker = text.strip()
    if not re.fullmatch(ASSET_PATTERN, ticker):
        raise ValueError(
            f"asset must be a ticker such as BTC, ETH or USDT (letters and digits, 1-{MAX_ASSET_LEN}), "
            f"got {text.strip()[: MAX_ASSET_LEN + 5]!r}"
        )
    return ticker.upper()


_KNOWN_KEYS = frozenset(n.key for n in NETWORKS)


def network_name(network: Network) -> str:
    """A network as the server's own sentences may name it: a key of ours, never an exchange's own name."""
    return network.key if network.key in _KNOWN_KEYS else "a network of the exchange's own"


def networks_of(quotes: Sequence[WithdrawalQuote]) -> list[str]:
    """The networks ``quotes`` cover, as `network_name` says them, in first-seen order."""
    return list(dict.fromkeys(network_name(q.network) for q in quotes))
