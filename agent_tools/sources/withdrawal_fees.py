"""Withdrawal-fee sources: KuCoin's and Bitget's public lists, as domain `WithdrawalQuote`s.

Each adapter takes the exchange's cached list (one request serves every asset) and answers
for one asset: its quotes, or `NoData` when the exchange does not list it (the exchange
answered, so that is its word, not a guess). Fee strings were checked by the body models;
here they become Decimals. A chain without a fee is left out: unknown is not zero.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from agent_tools.domain.withdrawal_fees import Network, WithdrawalQuote, exchange_network
from agent_tools.services import Services
from agent_tools.sources.outcome import NoData, Ok
from agent_tools.sources.text import symbol
from agent_tools.upstream import Fetched
from agent_tools.upstream import bitget as bitget_api
from agent_tools.upstream import kucoin as kucoin_api

QuoteRead = Callable[[], Awaitable[Ok[list[WithdrawalQuote]] | NoData]]


def _rate(text: str | None) -> Decimal | None:
    """A percentage part only when there is one: "0" means none."""
    rate = None if text is None else Decimal(text)
    return rate if rate else None


def _network(*names: str) -> Network:
    """The network the exchange's names mean; the names are third-party text, so cleaned first."""
    return exchange_network(*(n for n in map(symbol, names) if n))


def _dated(fetched: Fetched[object]) -> datetime:
    return datetime.fromtimestamp(fetched.fetched_at, UTC)


async def kucoin_quotes(services: Services, asset: str) -> Ok[list[WithdrawalQuote]] | NoData:
    fetched = await services.provider(kucoin_api.Kucoin).currencies()
    listed = next((c for c in fetched.value if c.currency.upper() == asset), None)
    if listed is None:
        return NoData("KuCoin does not list it")
    quotes = [
        WithdrawalQuote(
            exchange="kucoin",
            asset=asset,
            network=_network(chain.chainId, chain.chainName),
            fee=Decimal(chain.withdrawalMinFee),
            fee_rate=_rate(chain.withdrawFeeRate),
            min_withdrawal=None if chain.withdrawalMinSize is None else Decimal(chain.withdrawalMinSize),
            enabled=chain.isWithdrawEnabled,
            source="live",
            source_url=kucoin_api.PUBLIC_URL,
            as_of=_dated(fetched),
            as_of_basis="fetched",
            verified=True,
            stale=fetched.stale,
        )
        for chain in listed.chains or []
        if chain.withdrawalMinFee is not None
    ]
    if not quotes:
        return NoData("KuCoin lists it with no on-chain withdrawal fee")
    return Ok(quotes, fetched.fetched_at, fetched.stale)


async def bitget_quotes(services: Services, asset: str) -> Ok[list[WithdrawalQuote]] | NoData:
    fetched = await services.provider(bitget_api.Bitget).coins()
    listed = next((c for c in fetched.value if c.coin.upper() == asset), None)
    if listed is None or not listed.chains:
        return NoData("Bitget does not list it")
    quotes = [
        WithdrawalQuote(
            exchange="bitget",
            asset=asset,
            network=_network(chain.chain),
            fee=Decimal(chain.withdrawFee),
            fee_rate=_rate(chain.extraWithdrawFee),
            min_withdrawal=None if chain.minWithdrawAmount is None else Decimal(chain.minWithdrawAmount),
            enabled=chain.withdrawable,
            source="live",
            source_url=bitget_api.PUBLIC_URL,
            as_of=_dated(fetched),
            as_of_basis="fetched",
            verified=True,
            stale=fetched.stale,
        )
        for chain in listed.chains
    ]
    return Ok(quotes, fetched.fetched_at, fetched.stale)


LIVE_SOURCES: dict[
    str, tuple[str, Callable[[Services, str], Awaitable[Ok[list[WithdrawalQuote]] | NoData]]]
] = {
    "kucoin": ("KuCoin", kucoin_quotes),
    "bitget": ("Bitget", bitget_quotes),
}
"""Exchange id -> (display name, adapter) of the exchanges read live."""


def live_source(services: Services, exchange: str, asset: str) -> tuple[str, QuoteRead]:
    """The named adapter call for one live exchange, for `SourceRun.ask`."""
    display, read = LIVE_SOURCES[exchange]
    return display, partial(read, services, asset)
