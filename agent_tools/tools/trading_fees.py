"""estimate_trading_fees: compare exchange trading fees for a trading pattern.

Pure computation over the curated, dated fee schedules bundled in
`agent_tools/data/fee_schedules/` (docs/fee_schedules.md says where each number comes from);
with `withdraw_asset`, each estimate also gets one withdrawal, gathered as estimate_withdrawal_fee
gathers it (live KuCoin and Bitget, the dated table for the rest).
An exchange without a curated schedule falls back to ccxt's static fee table when the
optional `ccxt` extra is installed: ccxt ships those tables as data, so no call leaves the
process either way. The same schedules are published as MCP resources (`fees://exchanges`).
"""

import asyncio
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from agent_tools.domain.trading_fees import (
    SCHEDULE_PACKAGE,
    ExchangeSchedule,
    FeeEstimate,
    InvalidFeeArgumentError,
    Market,
    SkippedExchange,
    UnknownExchangeError,
    load_schedules,
    schedule_is_stale,
    supported_exchanges,
)
from agent_tools.domain.trading_fees import (
    estimate_trading_fees as compare_exchanges,
)
from agent_tools.domain.withdrawal_fees import Network, cheapest_per_exchange, compare_withdrawals
from agent_tools.domain.withdrawal_fees import supported_exchanges as withdrawal_exchanges
from agent_tools.errors import InvalidArgument, NotFound
from agent_tools.services import Services
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools.withdrawal_fee import asset_price, gather_quotes, validated_asset, validated_network

MAX_EXCHANGES = 30
MAX_NOTIONAL_USD = 1e12
MAX_TRADES_PER_MONTH = 1_000_000
_UNVERIFIED_NOTE = "Some of these values are not confirmed from the exchange's own page."
"""The domain's per-estimate sentence; the tool says it once, in `warnings`, with a count."""


class WithdrawalCost(BaseModel):
    """One withdrawal of `withdraw_asset` from this exchange: its cheapest network, or the one asked for."""

    network: str = Field(description="network key, e.g. TRC20")
    fee: float = Field(description="in the withdrawn asset")
    fee_usd: float | None
    source: Literal["live", "schedule"]
    verified: bool
    stale: bool
    total_cost_usd: float | None = Field(
        description="fee_per_trade_usd + fee_usd: one trade and one withdrawal"
    )


class ExchangeFee(BaseModel):
    exchange: str = Field(description="exchange id, e.g. binance")
    tier: str = Field(description="fee tier picked by 30-day volume")
    maker_rate: float = Field(
        description="maker fee rate charged (fraction: 0.001 = 0.1 %), after any discount"
    )
    taker_rate: float = Field(description="taker fee rate charged (fraction), after any discount")
    effective_rate: float = Field(description="maker_share × maker_rate + (1 − maker_share) × taker_rate")
    fee_per_trade_usd: float
    monthly_fee_usd: float = Field(description="fee_per_trade_usd × trades_per_month")
    annual_fee_usd: float = Field(description="monthly_fee_usd × 12")
    discount_applied: bool = Field(description="true when a native-token discount lowered the rates")
    schedule_as_of: date | None = Field(
        description="the date of the schedule's source (its oldest dated source, or the day an undated "
        "one was read: see warnings); null for ccxt data"
    )
    stale: bool = Field(description="true when the schedule is over a year old (or of unknown date)")
    source: Literal["curated", "ccxt"] = Field(
        description="curated: bundled schedule; ccxt: ccxt's static default"
    )
    verified: bool = Field(description="false when a value used was not confirmed on the exchange's own page")
    note: str | None = Field(description="assumptions and caveats specific to this exchange")
    withdrawal: WithdrawalCost | None = Field(
        default=None,
        description="with withdraw_asset only: one withdrawal and the total; null when no figure was found",
    )


class TradingFeesResult(BaseModel):
    market: Market
    volume_30d_usd: float = Field(description="the 30-day volume the tiers were picked with")
    estimates: list[ExchangeFee] = Field(description="one per exchange, cheapest monthly_fee_usd first")
    skipped: list[SkippedExchange] = Field(description="exchanges left out, e.g. no schedule for this market")
    warnings: list[str]
    source: str = Field(
        description="curated (bundled fee schedules), plus ccxt when its static data was used"
    )
    as_of: date | None = Field(description="the oldest schedule date among the estimates")
    stale: bool = Field(description="true when any schedule used is over a year old (see warnings)")
    withdraw_asset: str | None = Field(default=None, description="the asset each estimate withdraws once")
    withdraw_network: str | None = Field(default=None, description="the network asked for; null = cheapest")
    withdraw_price_usd: float | None = Field(default=None, description="the asset's USD price used")

    @model_serializer(mode="wrap")
    def _plain(
        self, handler: SerializerFunctionWrapHandler
    ):  # return type left to pydantic: it keeps the schema
        """Without withdraw_asset the withdrawal fields are left out, so plain answers stay as small as before."""
        data = handler(self)
        if self.withdraw_asset is None:
            for key in ("withdraw_asset", "withdraw_network", "withdraw_price_usd"):
                data.pop(key, None)
            for estimate in data["estimates"]:
                estimate.pop("withdrawal", None)
        return data


def _compact(estimate: FeeEstimate, today: date) -> ExchangeFee:
    """The contract fields; the exchange's name, URL and base rates are in the fees:// resources."""
    note = (estimate.note or "").replace(_UNVERIFIED_NOTE, "").strip() or None
    return ExchangeFee(
        exchange=estimate.exchange,
        tier=estimate.tier,
        maker_rate=estimate.maker_rate,
        taker_rate=estimate.taker_rate,
        effective_rate=estimate.effective_rate,
        fee_per_trade_usd=estimate.fee_per_trade_usd,
        monthly_fee_usd=estimate.monthly_fee_usd,
        annual_fee_usd=estimate.annual_fee_usd,
        discount_applied=estimate.discount_applied,
        schedule_as_of=estimate.schedule_as_of,
        stale=schedule_is_stale(estimate.schedule_as_of, today),
        source=estimate.source,
        verified=estimate.verified,
        note=note,
    )


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


async def estimate_trading_fees(
    services: Services,
    notional_usd: Annotated[
        float, Field(gt=0, le=MAX_NOTIONAL_USD, description="Size of one trade in USD, e.g. 1000.")
    ],
    exchanges: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40)]] | None,
        Field(
            max_length=MAX_EXCHANGES,
            description="Exchange ids to compare, e.g. ['binance', 'kraken']; default: every curated one.",
        ),
    ] = None,
    trades_per_month: Annotated[
        int, Field(ge=1, le=MAX_TRADES_PER_MONTH, description="Trades of this size per month.")
    ] = 1,
    maker_share: Annotated[
        float,
        Field(ge=0, le=1, description="Fraction of trades that are maker (resting limit) orders: 0..1."),
    ] = 0,
    monthly_volume_usd: Annotated[
        float | None,
        Field(
            ge=0,
            le=MAX_NOTIONAL_USD * MAX_TRADES_PER_MONTH,
            description="Your 30-day volume in USD, which picks the tier; default notional × trades.",
        ),
    ] = None,
    native_token_discount: Annotated[
        bool,
        Field(
            description="Pay fees in the exchange's token (BNB, KCS, BGB, GT...) where it gives a discount."
        ),
    ] = False,
    market: Annotated[
        Market, Field(description="spot, or futures (USDT/USD-margined perpetuals and futures).")
    ] = "spot",
    withdraw_asset: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=20,
            description="Add one withdrawal of this asset (a ticker: BTC, ETH, USDT) to each estimate, "
            "ranking by the total: 'cheapest place to buy and move it to my wallet'.",
        ),
    ] = None,
    withdraw_network: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=40,
            description="The withdrawal's network (ERC20, TRC20, BEP20, SOL, BTC...); default: each "
            "exchange's cheapest. Needs withdraw_asset.",
        ),
    ] = None,
) -> TradingFeesResult:
    if withdraw_network is not None and withdraw_asset is None:
        raise InvalidArgument(
            "withdraw_network needs withdraw_asset (the asset to withdraw)",
            hint="e.g. withdraw_asset='USDT', withdraw_network='TRC20'",
        )
    ticker = None if withdraw_asset is None else validated_asset(withdraw_asset)
    network = validated_network(withdraw_network)
    notional = Decimal(str(notional_usd))
    warnings: list[str] = []
    if monthly_volume_usd is None:
        volume = notional * trades_per_month
        warnings.append(
            f"30-day volume assumed to be notional × trades_per_month = {_money(volume)}; "
            "pass monthly_volume_usd if yours differs (it picks the tier)."
        )
    else:
        volume = Decimal(str(monthly_volume_usd))
    try:
        comparison = compare_exchanges(
            notional,
            exchanges,
            trades_per_month=trades_per_month,
            maker_share=Decimal(str(maker_share)),
            monthly_volume_usd=volume,
            native_token_discount=native_token_discount,
            market=market,
        )
    except UnknownExchangeError as exc:
        raise NotFound(
            f"no fee schedule for exchange {exc.exchange!r}",
            hint=f"supported: {', '.join(exc.supported)} (install the ccxt extra for ccxt's static defaults)",
        ) from None
    except InvalidFeeArgumentError as exc:
        raise InvalidArgument(str(exc)) from None

    today = datetime.fromtimestamp(services.clock.wall(), UTC).date()
    estimates = [_compact(e, today) for e in comparison.estimates]
    unverified = sum(not e.verified for e in estimates)
    if unverified:  # which ones: each estimate's `verified`
        warnings.append(
            f"{unverified} of these estimates use values not confirmed on the exchange's own page "
            "(verified: false); check those before relying on them."
        )
    read = [e.exchange for e in comparison.estimates if e.schedule_as_of_basis == "read"]
    if read:
        warnings.append(
            "Dated by the day their source was read (it states no date): " + ", ".join(read) + "."
        )
    stale = sum(e.stale for e in estimates)
    if stale:  # which ones, and how old: each estimate's `stale` and `schedule_as_of`
        warnings.append(
            f"{stale} of these estimates use fee schedules over a year old (stale: true); check the "
            "exchange's page before relying on them."
        )
    if not estimates:
        warnings.append(f"No exchange asked for has a {market} fee schedule.")
    price = None
    if ticker is not None:
        estimates, price, notes = await _with_withdrawals(services, estimates, ticker, network)
        warnings += notes
    dates = [e.schedule_as_of for e in estimates if e.schedule_as_of is not None]
    sources = sorted({e.source for e in estimates}) or ["curated"]
    return TradingFeesResult(
        market=market,
        volume_30d_usd=float(volume),
        estimates=estimates,
        skipped=comparison.skipped,
        warnings=warnings,
        source="+".join(sources),
        as_of=min(dates, default=None),
        stale=any(e.stale or (e.withdrawal is not None and e.withdrawal.stale) for e in estimates),
        withdraw_asset=ticker,
        withdraw_network=None if network is None else network.key,
        withdraw_price_usd=price,
    )


async def _with_withdrawals(
    services: Services, estimates: list[ExchangeFee], asset: str, network: Network | None
) -> tuple[list[ExchangeFee], float | None, list[str]]:
    """Each estimate plus its exchange's cheapest withdrawal of `asset`, ranked by the total."""
    known = set(withdrawal_exchanges())
    ids = [e.exchange for e in estimates if e.exchange in known]
    gathered, (price, _, price_warning) = await asyncio.gather(
        gather_quotes(services, asset, ids), asset_price(services, asset)
    )
    best = cheapest_per_exchange(compare_withdrawals(gathered.quotes, network=network, price_usd=price))
    with_costs: list[ExchangeFee] = []
    for estimate in estimates:
        found = best.get(estimate.exchange)
        cost = None
        if found is not None:
            quote = found.quote
            total = None if found.fee_usd is None else round(estimate.fee_per_trade_usd + found.fee_usd, 6)
            cost = WithdrawalCost(
                network=quote.network.key,
                fee=float(found.fee),
                fee_usd=found.fee_usd,
                source=quote.source,
                verified=quote.verified,
                stale=quote.stale,
                total_cost_usd=total,
            )
        with_costs.append(estimate.model_copy(update={"withdrawal": cost}))
    with_costs.sort(key=_by_total)

    notes = [] if gathered.run is None else gathered.run.failure_notes()
    on = "" if network is None else f" on {network.key}"
    missing = [e.exchange for e in with_costs if e.withdrawal is None]
    if missing:
        notes.append(
            f"No {asset} withdrawal figure{on} for: {', '.join(missing)} (withdrawal: null, ranked last)."
        )
    tabled = [
        e.exchange for e in with_costs if e.withdrawal is not None and e.withdrawal.source == "schedule"
    ]
    if tabled:
        notes.append(
            f"Withdrawal fees for {', '.join(tabled)} are dated third-party figures (estimate_withdrawal_fee "
            "says where from), not live."
        )
    if price_warning:
        notes.append(price_warning)
    return with_costs, price, notes


def _by_total(estimate: ExchangeFee) -> tuple[bool, float, bool, str]:
    """Known totals first, cheapest first; at one total a verified withdrawal figure first."""
    cost = estimate.withdrawal
    if cost is None or cost.total_cost_usd is None:
        return True, 0.0, True, estimate.exchange
    return False, cost.total_cost_usd, not cost.verified, estimate.exchange


# --- resources: fees://exchanges and fees://exchanges/{exchange} -------------------------------


def _verified_share(schedule: ExchangeSchedule) -> float:
    tiers = [tier for market in schedule.markets.values() for tier in market.tiers]
    return round(sum(t.verified for t in tiers) / len(tiers), 2)


def fee_schedule_index() -> str:
    """`fees://exchanges`: every curated schedule with its markets, date, source and verified share."""
    return json.dumps(
        [
            {
                "exchange": s.exchange,
                "name": s.name,
                "markets": list(s.markets),
                "as_of": None if s.as_of is None else s.as_of.isoformat(),
                "as_of_basis": s.as_of_basis,
                "source_url": s.source_url,
                "verified_tier_share": _verified_share(s),
                "resource": f"fees://exchanges/{s.exchange}",
            }
            for s in load_schedules().values()
        ]
    )


def fee_schedule(exchange: str) -> str:
    """`fees://exchanges/{exchange}`: the bundled schedule file itself (validated on load)."""
    key = exchange.strip().lower()
    if key not in load_schedules():
        raise NotFound(
            f"no fee schedule for exchange {exchange!r}",
            hint=f"supported: {', '.join(supported_exchanges())}",
        )
    return files(SCHEDULE_PACKAGE).joinpath(f"{key}.json").read_text(encoding="utf-8")


DESCRIPTION = f"""Estimate and compare exchange trading fees (spot or futures) for a trading pattern.

Use it when a user asks what trading costs on an exchange, or which exchange is cheapest for
their size and frequency. Give `notional_usd` (one trade's size in USD) and optionally
`trades_per_month`, `maker_share` (0 = all market/taker orders, 1 = all resting limit/maker
orders), `monthly_volume_usd` (your 30-day volume; it picks the VIP tier, default notional ×
trades), `native_token_discount` (pay fees in BNB/KCS/BGB/GT...) and `exchanges` (default: all
{len(supported_exchanges())} curated: {", ".join(supported_exchanges())}).
Returns `estimates` cheapest first with the tier, maker/taker/effective rates (fractions:
0.001 = 0.1 %), fee per trade, per month and per year in USD. Example: $1,000 trades at
0.1 % cost $1.00 each; 50 a month is $50/month, $600/year.
Data: curated fee schedules dated by `schedule_as_of` (the source's own date, or the day it was
read when it states none, as `warnings` say; over a year old is `stale: true`; `verified:
false` marks values not confirmed on the exchange's own page); with the ccxt extra installed, other
exchanges use ccxt's static default rates (`source: "ccxt"`). Static data, no live calls, unless
`withdraw_asset` is given: then each estimate adds one withdrawal of that asset (`withdrawal`:
its cheapest network, or `withdraw_network`; fee in the asset and USD, from estimate_withdrawal_fee's
sources) and `total_cost_usd` = fee_per_trade_usd + the withdrawal, and estimates are ranked by that
total ("cheapest place to buy $1,000 of ETH and move it to my wallet" is one call); exchanges
without a withdrawal figure come last. Spreads, funding and account-specific rates are not
included. The full schedules are resources at fees://exchanges and fees://exchanges/{{exchange}}."""


TOOL = ToolSpec(
    estimate_trading_fees, title="Estimate exchange trading fees", description=DESCRIPTION, open_world=True
)
"""Open world: with withdraw_asset it asks KuCoin, Bitget and the price sources."""
