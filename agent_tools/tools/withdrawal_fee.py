"""estimate_withdrawal_fee: what moving an asset off an exchange costs, per exchange and network.

KuCoin and Bitget are read live (their public currency lists, no key); the other exchanges
answer from the bundled dated table (domain/withdrawal_fees.py), which is all there is offline.
The asset's USD price comes through `fetch_prices` (the get_price pipeline). Bad input (an
asset that cannot be a ticker, an unknown network or exchange, a non-positive amount) is
refused before any request. An asset no source lists is NOT_FOUND; one that could not be looked
up because a live source failed is the sources' error, never "not found".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from agent_tools.domain.trading_fees import SkippedExchange, canonical_exchange
from agent_tools.domain.withdrawal_fees import (
    LIVE_EXCHANGES,
    Network,
    WithdrawalComparison,
    WithdrawalEstimate,
    WithdrawalQuote,
    compare_withdrawals,
    network_name,
    networks_of,
    parse_asset,
    resolve_network,
    supported_exchanges,
)
from agent_tools.errors import AgentToolsError, InvalidArgument, NotFound
from agent_tools.services import Services
from agent_tools.sources.outcome import NoData, Ok, SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools.price import fetch_prices

MAX_EXCHANGES = 12
MAX_AMOUNT = 1e15
DEFAULT_LIMIT = 10


class WithdrawalFeeEstimate(BaseModel):
    exchange: str
    network: str = Field(description="network key: BTC, ERC20, TRC20, BEP20, SOL, ARBITRUM, ...")
    chain: str | None = Field(description="the chain registry's name for it (estimate_network_fee's chain)")
    fee: float = Field(description="fee for one withdrawal, in the asset (with amount: including any % part)")
    fee_usd: float | None = Field(description="fee × the asset's USD price; null without a price")
    fee_rate: float | None = Field(description="a percentage part on top of fee (fraction of the amount)")
    min_withdrawal: float | None = Field(description="smallest amount the exchange lets you withdraw")
    below_minimum: bool | None = Field(description="with amount: true when it is under min_withdrawal")
    source: Literal["live", "schedule"] = Field(
        description="live: the exchange's public endpoint now; schedule: the bundled dated table"
    )
    as_of: datetime | date = Field(description="when fetched (live), or the table source's date")
    verified: bool = Field(description="false: not read on the exchange's own page or endpoint")
    stale: bool = Field(description="true for table figures and for live lists served from an expired cache")


class WithdrawalFeeResult(BaseModel):
    asset: str
    network: str | None = Field(description="the network filter, as a key; null = every network")
    amount: float | None
    estimates: list[WithdrawalFeeEstimate] = Field(description="cheapest first (fee in the asset)")
    more: int = Field(description="further estimates beyond `limit`, not shown")
    price_usd: float | None = Field(description="the asset's USD price fee_usd used; null if unknown")
    price_source: str | None
    source_urls: dict[str, str] = Field(description="exchange -> the endpoint or page its figures come from")
    skipped: list[SkippedExchange] = Field(description="exchanges asked that gave no figure, and why")
    warnings: list[str]
    source: str = Field(description="live exchanges read and/or schedule (the bundled table)")
    as_of: datetime | date | None = Field(description="the oldest figure's date among the estimates")
    stale: bool


# --- input ------------------------------------------------------------------------------------------


def validated_asset(text: str) -> str:
    try:
        return parse_asset(text)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def validated_network(text: str | None) -> Network | None:
    if text is None:
        return None
    try:
        return resolve_network(text)
    except ValueError as exc:
        raise InvalidArgument(str(exc), hint="e.g. BTC, ERC20, TRC20, BEP20, SOL, ARBITRUM") from None


def validated_exchanges(names: Sequence[str] | None) -> list[str]:
    """Exchange ids, deduplicated, in the order given (default: every one we have figures for)."""
    if names is None:
        return supported_exchanges()
    ids = list(dict.fromkeys(canonical_exchange(n) for n in names))
    known = supported_exchanges()
    for exchange in ids:
        if exchange not in known:
            raise NotFound(
                f"no withdrawal-fee source for exchange {exchange!r}", hint=f"supported: {', '.join(known)}"
            )
    return ids


# --- gathering ---------------------------------------------------------------------------------------


@dataclass
class Gathered:
    """Every quote for one asset from the exchanges asked, and what each source did."""

    quotes: list[WithdrawalQuote]
    run: SourceRun | None  # None offline: no live source was asked
    skipped: list[SkippedExchange]


async def gather_quotes(services: Services, asset: str, exchanges: Sequence[str]) -> Gathered:
    """Live quotes (KuCoin, Bitget) concurrently, then the table's for the others."""
    quotes: list[WithdrawalQuote] = []
    skipped: list[SkippedExchange] = []
    live = [e for e in exchanges if e in LIVE_EXCHANGES]
    run: SourceRun | None = None
    if live and services.settings.offline:
        skipped += [SkippedExchange(exchange=e, reason="live only; offline") for e in live]
    elif live:
        from agent_tools.sources.withdrawal_fees import live_source  # on the first call, not at start-up

        run = SourceRun()
        sources = [live_source(services, e, asset) for e in live]
        outcomes = await asyncio.gather(*(run.ask(name, read()) for name, read in sources))
        for exchange, outcome in zip(live, outcomes, strict=True):
            if isinstance(outcome, Ok):
                quotes += outcome.value
            elif isinstance(outcome, NoData):
                skipped.append(SkippedExchange(exchange=exchange, reason=f"does not list {asset}"))
            else:
                skipped.append(
                    SkippedExchange(exchange=exchange, reason=f"unavailable: {outcome.error.message}")
                )
    from agent_tools.domain.withdrawal_table import table_quotes  # the table loads on first use

    for exchange in exchanges:
        if exchange in LIVE_EXCHANGES:
            continue
        found = table_quotes(exchange, asset)
        quotes += found
        if not found:
            skipped.append(SkippedExchange(exchange=exchange, reason="no figure in the table"))
    return Gathered(quotes, run, skipped)


def nothing_found(asset: str, network: Network | None, gathered: Gathered) -> AgentToolsError:
    """The error when no estimate is left: unavailable if a live source failed, else not found."""
    offered = networks_of([q for q in gathered.quotes if q.enabled is not False])
    if gathered.run is not None and gathered.run.failures():
        return gathered.run.error(f"no withdrawal-fee source for {asset}")
    closed = sorted(
        {q.exchange for q in gathered.quotes if network is not None and q.network.key == network.key}
    )
    if closed and network is not None:
        return NotFound(
            f"{asset} withdrawals on {network.key} are closed right now on {', '.join(closed)}",
            hint=f"{asset} is withdrawable on: {', '.join(offered)}; try again later or pick another network",
        )
    if offered and network is not None:
        return NotFound(
            f"no {asset} withdrawal on {network.key} found",
            hint=f"{asset} is withdrawable on: {', '.join(offered)}",
        )
    from agent_tools.domain.withdrawal_table import table_assets

    live = "" if gathered.run is None else "; live, KuCoin and Bitget answer for every asset they list"
    return NotFound(
        f"no withdrawal fee found for {asset}",
        hint=f"the bundled table covers {', '.join(table_assets())}{live}",
    )


async def asset_price(services: Services, asset: str) -> tuple[float | None, str | None, str | None]:
    """(USD price, its source, a warning) from the get_price pipeline; the snapshot's is used, and said."""
    try:
        result = await fetch_prices(services, [asset], "usd")
    except AgentToolsError as exc:
        return None, None, f"fee_usd is null: no USD price for {asset} ({exc.message})"
    quote = result.quotes[0]
    warning = None
    if quote.stale:
        day = quote.as_of.date().isoformat()
        warning = f"fee_usd uses a stale {asset} price ({quote.source}, as of {day})"
    return quote.price, quote.source, warning


def estimate_row(estimate: WithdrawalEstimate) -> WithdrawalFeeEstimate:
    q = estimate.quote
    return WithdrawalFeeEstimate(
        exchange=q.exchange,
        network=q.network.key,
        chain=q.network.chain,
        fee=float(estimate.fee),
        fee_usd=estimate.fee_usd,
        fee_rate=None if q.fee_rate is None else float(q.fee_rate),
        min_withdrawal=None if q.min_withdrawal is None else float(q.min_withdrawal),
        below_minimum=estimate.below_minimum,
        source=q.source,
        as_of=q.as_of.replace(microsecond=0) if isinstance(q.as_of, datetime) else q.as_of,
        verified=q.verified,
        stale=q.stale,
    )


def comparison_warnings(comparison: WithdrawalComparison, amount: Decimal | None) -> list[str]:
    """What the caller must know about the figures, in our words (exchange ids and network keys only)."""
    warnings: list[str] = []
    shown = [e.quote for e in comparison.estimates]
    tabled = sorted({q.exchange for q in shown if q.source == "schedule"})
    if tabled:
        unverified = sorted({q.exchange for q in shown if q.source == "schedule" and not q.verified})
        warnings.append(
            f"Figures for {', '.join(tabled)} are from the bundled dated table, not live (stale: true)"
            + (
                f"; {', '.join(unverified)}: third-party figures, not confirmed by the exchange."
                if unverified
                else "."
            )
        )
    if any(q.fee_rate is not None for q in shown) and amount is None:
        warnings.append("Some networks add a percentage of the amount (fee_rate): pass amount to include it.")
    if any(e.below_minimum for e in comparison.estimates):
        warnings.append(
            "amount is below the exchange's min_withdrawal on some networks (below_minimum: true)."
        )
    closed = [f"{q.exchange} {network_name(q.network)}" for q in comparison.disabled]
    if closed:
        warnings.append(f"Withdrawals closed right now, left out: {', '.join(closed)}.")
    return warnings


async def estimate_withdrawal_fee(
    services: Services,
    asset: Annotated[
        str, Field(min_length=1, max_length=20, description="The asset's ticker, e.g. BTC, ETH, USDT.")
    ],
    network: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=40,
            description="Only this network: BTC, ERC20, TRC20, BEP20, SOL, ARBITRUM, OPTIMISM, BASE, "
            "POLYGON, LIGHTNING... (or a chain name/alias such as ethereum, bsc, arbitrum-one). Default: all.",
        ),
    ] = None,
    exchanges: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40)]] | None,
        Field(
            max_length=MAX_EXCHANGES, description="Exchange ids, e.g. ['binance', 'kucoin']; default: all."
        ),
    ] = None,
    amount: Annotated[
        float | None,
        Field(
            gt=0,
            le=MAX_AMOUNT,
            description="Amount to withdraw, in the asset: adds %-based parts, checks minimums.",
        ),
    ] = None,
    limit: Annotated[
        int, Field(ge=1, le=50, description="Most estimates to return, cheapest first.")
    ] = DEFAULT_LIMIT,
) -> WithdrawalFeeResult:
    ticker = validated_asset(asset)
    wanted = validated_network(network)
    ids = validated_exchanges(exchanges)
    size = None if amount is None else Decimal(str(amount))

    gathered, (price, price_source, price_warning) = await asyncio.gather(
        gather_quotes(services, ticker, ids), asset_price(services, ticker)
    )
    comparison = compare_withdrawals(gathered.quotes, network=wanted, amount=size, price_usd=price)
    if not comparison.estimates:
        raise nothing_found(ticker, wanted, gathered)

    warnings = [] if gathered.run is None else gathered.run.failure_notes()
    if services.settings.offline and any(e in LIVE_EXCHANGES for e in ids):
        warnings.append(
            "offline mode (AGENT_TOOLS_OFFLINE=1): KuCoin and Bitget are read live only, so not asked"
        )
    warnings += comparison_warnings(comparison, size)
    if price_warning:
        warnings.append(price_warning)
    rows = [estimate_row(e) for e in comparison.estimates]
    shown = rows[:limit]
    if len(rows) > limit:
        warnings.append(
            f"{len(rows) - limit} more estimates not shown (raise limit or pass network/exchanges)."
        )
    quotes = [e.quote for e in comparison.estimates[:limit]]
    sources = sorted({q.exchange for q in quotes if q.source == "live"}) + (
        ["schedule"] if any(q.source == "schedule" for q in quotes) else []
    )
    return WithdrawalFeeResult(
        asset=ticker,
        network=None if wanted is None else wanted.key,
        amount=amount,
        estimates=shown,
        more=max(0, len(rows) - limit),
        price_usd=price,
        price_source=price_source,
        source_urls={q.exchange: q.source_url for q in quotes},
        skipped=gathered.skipped,
        warnings=warnings,
        source="+".join(sources),
        as_of=min((r.as_of for r in shown), key=_day, default=None),
        stale=any(r.stale for r in shown),
    )


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


DESCRIPTION = f"""What withdrawing an asset from an exchange costs, per exchange and network, cheapest first.

Use it when a user asks what it costs to move coins off an exchange, which network is cheapest
(USDT on TRC20 vs ERC20...), or which exchange charges least to withdraw. Give `asset` (a
ticker: BTC, ETH, USDT) and optionally `network` (BTC, ERC20, TRC20, BEP20, SOL, ARBITRUM,
OPTIMISM, BASE, POLYGON, LIGHTNING, or a chain name), `exchanges` (default all:
{", ".join(supported_exchanges())}), `amount` (in the asset: adds percentage parts and flags
amounts under `min_withdrawal`) and `limit` (default {DEFAULT_LIMIT}).
Each estimate: `fee` in the asset, `fee_usd` (via the get_price pipeline), `fee_rate` (a % part
some networks add), `min_withdrawal`, `source` (live = the exchange's public endpoint now;
schedule = the bundled table), `as_of` (fetch time, or the table source's own date), `verified`
(false = not from the exchange itself) and `stale`. Live: KuCoin and Bitget, whose public
endpoints need no key. The others publish fees only behind a key or in their apps, so they come
from a small dated table of third-party figures (`verified: false`, `stale: true`; several
exchanges have none - see `skipped`); offline only the table answers. The fee is the exchange's
charge for one withdrawal; the on-chain network fee is estimate_network_fee's (`chain` links them).
Unknown asset: NOT_FOUND naming what the table covers."""


TOOL = ToolSpec(
    estimate_withdrawal_fee,
    title="Estimate exchange withdrawal fees",
    description=DESCRIPTION,
    open_world=True,
)
