"""Exchange trading-fee estimates from curated, dated fee schedules.

Pure domain layer, no network I/O. Schedules live in ``agent_tools/data/fee_schedules/<id>.json``
(one per exchange, validated on load); :func:`ccxt_schedule` adds a one-tier long tail from
ccxt's static tables when the optional ``ccxt`` package is installed.

Tier choice: we only know the caller's 30-day volume, so a tier is picked by volume alone.
Tiers reachable only through an asset/token balance (``min_volume_usd`` null, e.g. OKX Lv2-Lv5
by OKB holdings) or whose volume threshold is unpublished are recorded but never auto-selected;
where an exchange demands a balance *in addition* to volume (Binance's BNB), it is assumed met
and the estimate's note says so.

Arithmetic is done in :class:`~decimal.Decimal` so worked examples are exact ($1,000 at 0.1 %
is $1.00); money is reported rounded to 1e-6 USD, rates unrounded.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from importlib.abc import Traversable
from importlib.resources import files
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

Market = Literal["spot", "futures"]
AsOfBasis = Literal["published", "read"]
"""How a schedule's ``as_of`` was set: the date its source states, or (a source that states no
date) the day the source was read."""

STALE_AFTER = timedelta(days=365)
"""A fee schedule older than this is reported stale: exchanges revise their tiers about yearly."""
"""``futures`` means USDT/USD-margined perpetual (and expiry) futures."""

MARKETS: tuple[Market, ...] = ("spot", "futures")

MIN_RATE = Decimal("-0.001")
MAX_RATE = Decimal("0.015")
"""Sane-range bounds for any fee rate. The top is 1.5 %, not 1 %, because Coinbase Advanced's
entry taker rate is 1.2 %."""

_USD_QUANTUM = Decimal("0.000001")
SCHEDULE_PACKAGE = "agent_tools.data.fee_schedules"
_ALIASES = {"gate.io": "gate", "gateio": "gate", "okex": "okx", "coinbaseadvanced": "coinbase"}


def canonical_exchange(name: str) -> str:
    """An exchange id as the data files name it: lower-case, with the common old names mapped."""
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def _https_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError(f"not an https URL: {value!r}")
    return value


HttpsUrl = Annotated[str, AfterValidator(_https_url)]
Rate = Annotated[Decimal, Field(ge=MIN_RATE, le=MAX_RATE)]
NonEmpty = Annotated[str, Field(min_length=1)]


class TradingFeeError(Exception):
    """Base class of the errors this module raises."""


class UnknownExchangeError(TradingFeeError, LookupError):
    """No curated schedule (and no ccxt table, when allowed) for ``exchange``."""

    def __init__(self, exchange: str, supported: list[str]) -> None:
        self.exchange = exchange
        self.supported = supported
        super().__init__(f"unknown exchange {exchange!r}; supported: {', '.join(supported)}")


class MarketNotOfferedError(TradingFeeError, LookupError):
    """The exchange's schedule has no tiers for ``market``."""

    def __init__(self, exchange: str, market: str, offered: list[str]) -> None:
        self.exchange = exchange
        self.market = market
        self.offered = offered
        super().__init__(f"{exchange} has no {market} fee schedule; it has: {', '.join(offered)}")


class InvalidFeeArgumentError(TradingFeeError, ValueError):
    """An argument is out of range (the tool layer maps this to INVALID_ARGUMENT)."""


class ScheduleFileError(TradingFeeError, ValueError):
    """A bundled schedule file is malformed; the message starts with the file name."""


class _Frozen(BaseModel):
    # defer_build: validators are built at the first estimate, not at every server start
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Tier(_Frozen):
    """One fee level. ``min_volume_usd`` is None when volume alone cannot select it."""

    name: NonEmpty
    min_volume_usd: Annotated[Decimal, Field(ge=0)] | None
    maker_rate: Rate
    taker_rate: Rate
    verified: bool
    balance_requirement: NonEmpty | None = None
    balance_rule: Literal["alternative", "additional"] | None = None
    """``alternative``: the balance qualifies on its own; ``additional``: needed on top of volume."""
    note: NonEmpty | None = None
    native_token_maker_rate: Rate | None = None
    native_token_taker_rate: Rate | None = None
    """Exact rates when paying in the exchange token, where they are not one flat percentage."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.balance_requirement is None) != (self.balance_rule is None):
            raise ValueError(f"tier {self.name}: give balance_requirement and balance_rule together")
        if self.min_volume_usd is None and self.balance_rule != "alternative" and self.note is None:
            raise ValueError(f"tier {self.name}: no volume threshold, so say why in a note")
        if (self.native_token_maker_rate is None) != (self.native_token_taker_rate is None):
            raise ValueError(f"tier {self.name}: give both native-token rates or neither")
        for base, native in (
            (self.maker_rate, self.native_token_maker_rate),
            (self.taker_rate, self.native_token_taker_rate),
        ):
            if native is not None and native > base:
                raise ValueError(f"tier {self.name}: native-token rate above the standard rate")
        return self


class NativeTokenDiscount(_Frozen):
    """Discount for paying fees in the exchange's own token (BNB, KCS, BGB, GT...)."""

    token: NonEmpty
    fraction: Annotated[Decimal, Field(ge=0, lt=1)]
    conditions: NonEmpty
    verified: bool
    min_discountable_rate: Annotated[Decimal, Field(gt=0)] | None = None
    """Rates below this get no discount (KuCoin: Class A under 0.025 %)."""


class MarketSchedule(_Frozen):
    """The tiers of one market, ascending by 30-day volume, rates never rising."""

    volume_basis: NonEmpty
    volume_window: Literal["30d_total", "30d_daily_average"] = "30d_total"
    native_token_discount: NativeTokenDiscount | None = None
    no_discount_reason: NonEmpty | None = None
    tiers: Annotated[list[Tier], Field(min_length=1)]

    @property
    def volume_ladder(self) -> list[tuple[Decimal, Tier]]:
        """``(threshold, tier)`` of the tiers a 30-day volume can select, ascending."""
        return [(t.min_volume_usd, t) for t in self.tiers if t.min_volume_usd is not None]

    @model_validator(mode="after")
    def _ladder(self) -> Self:
        if (self.native_token_discount is None) == (self.no_discount_reason is None):
            raise ValueError("give exactly one of native_token_discount and no_discount_reason")
        ladder = self.volume_ladder
        if not ladder or ladder[0][0] != 0:
            raise ValueError("the first volume tier must start at 0")
        for (low_min, low), (high_min, high) in itertools.pairwise(ladder):
            if high_min <= low_min:
                raise ValueError(f"tiers not ascending by min_volume_usd at {high.name}")
            if high.maker_rate > low.maker_rate or high.taker_rate > low.taker_rate:
                raise ValueError(f"rate rises from {low.name} to {high.name}")
            if _native_rates(high) > _native_rates(low):
                raise ValueError(f"native-token rate rises from {low.name} to {high.name}")
        return self


class ExchangeSchedule(_Frozen):
    """All fee schedules of one exchange, with where and when they were read."""

    exchange: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$")]
    name: NonEmpty
    source_url: HttpsUrl
    as_of: date | None
    """The date of the oldest dated source the values rest on (see ``as_of_basis``)."""
    as_of_basis: AsOfBasis | None = None
    source: Literal["curated", "ccxt"] = "curated"
    sources: list[HttpsUrl] = []
    notes: NonEmpty | None = None
    markets: Annotated[dict[Market, MarketSchedule], Field(min_length=1)]

    @model_validator(mode="after")
    def _dated(self) -> Self:
        if self.source == "curated" and (self.as_of is None or self.as_of_basis is None):
            raise ValueError("a curated schedule needs as_of and as_of_basis")
        return self


class FeeEstimate(_Frozen):
    """Fees of one exchange for the requested trading pattern (CONTRACT ``estimates`` item)."""

    exchange: str
    name: str
    market: Market
    tier: str
    maker_rate: float
    """Maker rate charged, after any native-token discount."""
    taker_rate: float
    """Taker rate charged, after any native-token discount."""
    base_maker_rate: float
    base_taker_rate: float
    effective_rate: float
    fee_per_trade_usd: float
    monthly_fee_usd: float
    annual_fee_usd: float
    discount_applied: bool
    volume_used_usd: float
    """The 30-day volume the tier was picked with."""
    schedule_as_of: date | None
    schedule_as_of_basis: AsOfBasis | None
    source: Literal["curated", "ccxt"]
    source_url: str
    verified: bool
    """False when the tier (or the discount used) was not confirmed from the exchange's own page."""
    note: str | None


class SkippedExchange(_Frozen):
    """An exchange left out of a comparison, and why."""

    exchange: str
    reason: str


class FeeComparison(_Frozen):
    """Estimates cheapest first (ties by name) plus the exchanges that could not be estimated."""

    estimates: list[FeeEstimate]
    skipped: list[SkippedExchange]


def _native_rates(tier: Tier) -> tuple[Decimal, Decimal]:
    return (
        tier.native_token_maker_rate if tier.native_token_maker_rate is not None else tier.maker_rate,
        tier.native_token_taker_rate if tier.native_token_taker_rate is not None else tier.taker_rate,
    )


# --------------------------------------------------------------------------------------------
# Loading


def parse_schedule(text: str, filename: str) -> ExchangeSchedule:
    """Validate one schedule file's text; errors are :class:`ScheduleFileError` naming the file."""
    try:
        data: object = json.loads(text, parse_float=Decimal)
        schedule = ExchangeSchedule.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise ScheduleFileError(f"{filename}: invalid fee schedule: {exc}") from exc
    stem = filename.removesuffix(".json")
    if schedule.exchange != stem:
        raise ScheduleFileError(f"{filename}: exchange id {schedule.exchange!r} must match the file name")
    return schedule


def load_schedule_dir(directory: Traversable) -> dict[str, ExchangeSchedule]:
    """Load every ``*.json`` schedule in ``directory`` (uncached; see :func:`load_schedules`)."""
    schedules: dict[str, ExchangeSchedule] = {}
    for entry in _schedule_files(directory):
        schedule = parse_schedule(entry.read_text(encoding="utf-8"), entry.name)
        schedules[schedule.exchange] = schedule
    return schedules


def _schedule_files(directory: Traversable) -> list[Traversable]:
    return sorted((e for e in directory.iterdir() if e.name.endswith(".json")), key=lambda e: e.name)


@functools.cache
def load_schedules() -> Mapping[str, ExchangeSchedule]:
    """The bundled curated schedules by exchange id, loaded and validated once."""
    return load_schedule_dir(files(SCHEDULE_PACKAGE))


def schedule_is_stale(as_of: date | None, today: date) -> bool:
    """Older than :data:`STALE_AFTER` on ``today`` (the caller's clock), or of unknown date."""
    return as_of is None or today - as_of > STALE_AFTER


def supported_exchanges() -> list[str]:
    """Ids of the exchanges with a curated schedule, sorted.

    Read from the file names, which `parse_schedule` holds to the ids, so that listing them
    (the tool description does, at start-up) parses nothing.
    """
    return [entry.name.removesuffix(".json") for entry in _schedule_files(files(SCHEDULE_PACKAGE))]


def _decimal_or_none(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


@functools.cache
def ccxt_schedule(exchange_id: str) -> ExchangeSchedule | None:
    """One-tier spot schedule from ccxt's static ``fees['trading']``, or None.

    None when ccxt (an optional extra) is not installed, does not know the id, or has no usable
    maker/taker numbers. Instantiating a ccxt exchange makes no network call.
    """
    try:
        ccxt: Any = importlib.import_module("ccxt")
    except ImportError:
        return None
    exchange_id = exchange_id.strip().lower()
    if exchange_id not in getattr(ccxt, "exchanges", []):
        return None
    exchange: Any = getattr(ccxt, exchange_id)()
    try:
        trading: Any = exchange.fees["trading"]
        maker = _decimal_or_none(trading["maker"])
        taker = _decimal_or_none(trading["taker"])
    except (AttributeError, KeyError, TypeError):
        return None
    if maker is None or taker is None:
        return None
    version = str(getattr(ccxt, "__version__", "unknown"))
    try:
        return ExchangeSchedule(
            exchange=exchange_id,
            name=str(getattr(exchange, "name", exchange_id)),
            source_url="https://github.com/ccxt/ccxt",
            as_of=None,
            source="ccxt",
            notes=f"ccxt {version} static default (usually the base tier); may be stale.",
            markets={
                "spot": MarketSchedule(
                    volume_basis="not tiered: ccxt's static default rate",
                    no_discount_reason="ccxt's static table carries no native-token discount.",
                    tiers=[
                        Tier(
                            name="ccxt default",
                            min_volume_usd=Decimal(0),
                            maker_rate=maker,
                            taker_rate=taker,
                            verified=False,
                        )
                    ],
                )
            },
        )
    except ValidationError:
        return None


def _resolve(exchange: str, use_ccxt: bool) -> ExchangeSchedule:
    key = canonical_exchange(exchange)
    curated = load_schedules()
    if key in curated:
        return curated[key]
    fallback = ccxt_schedule(key) if use_ccxt else None
    if fallback is None:
        raise UnknownExchangeError(exchange, supported_exchanges())
    return fallback


# --------------------------------------------------------------------------------------------
# Arithmetic


def _to_decimal(name: str, value: float | Decimal) -> Decimal:
    if isinstance(value, bool):
        raise InvalidFeeArgumentError(f"{name} must be a number")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise InvalidFeeArgumentError(f"{name} must be finite")
    return number


def _validate_args(
    notional_usd: float | Decimal,
    trades_per_month: int,
    maker_share: float | Decimal,
    monthly_volume_usd: float | Decimal | None,
) -> tuple[Decimal, Decimal, Decimal | None]:
    notional = _to_decimal("notional_usd", notional_usd)
    if notional <= 0:
        raise InvalidFeeArgumentError("notional_usd must be greater than 0")
    if isinstance(trades_per_month, bool) or trades_per_month < 1:
        raise InvalidFeeArgumentError("trades_per_month must be an integer >= 1")
    share = _to_decimal("maker_share", maker_share)
    if not 0 <= share <= 1:
        raise InvalidFeeArgumentError("maker_share must be between 0 and 1")
    volume = None if monthly_volume_usd is None else _to_decimal("monthly_volume_usd", monthly_volume_usd)
    if volume is not None and volume < 0:
        raise InvalidFeeArgumentError("monthly_volume_usd must be >= 0")
    return notional, share, volume


def pick_tier(market: MarketSchedule, monthly_volume_usd: Decimal) -> Tier:
    """Highest volume-selectable tier whose threshold ``monthly_volume_usd`` reaches."""
    volume = monthly_volume_usd / 30 if market.volume_window == "30d_daily_average" else monthly_volume_usd
    chosen = market.volume_ladder[0][1]
    for threshold, tier in market.volume_ladder:
        if volume >= threshold:
            chosen = tier
    return chosen


def _discounted(rate: Decimal, discount: NativeTokenDiscount) -> Decimal:
    """A rebate or zero rate is never discounted; neither is one under the exchange's floor."""
    if rate <= 0 or (discount.min_discountable_rate is not None and rate < discount.min_discountable_rate):
        return rate
    return rate * (1 - discount.fraction)


def _hidden_tier_notes(market: MarketSchedule, chosen: Tier) -> list[str]:
    """Say which cheaper tiers volume alone could not pick, so the caller knows the bound."""
    notes: list[str] = []
    cheaper = [
        t
        for t in market.tiers
        if t.min_volume_usd is None and (t.maker_rate < chosen.maker_rate or t.taker_rate < chosen.taker_rate)
    ]
    by_balance = [f"{t.name} ({t.balance_requirement})" for t in cheaper if t.balance_rule == "alternative"]
    if by_balance:
        notes.append(
            "Cheaper tiers reachable by holdings alone are not auto-selected: " + ", ".join(by_balance) + "."
        )
    unpublished = [t.name for t in cheaper if t.balance_rule != "alternative"]
    if unpublished and chosen is market.volume_ladder[-1][1]:
        notes.append(
            "Higher tiers without a published volume threshold ("
            + ", ".join(unpublished)
            + ") are not auto-selected, so fees at this volume may be overstated."
        )
    return notes


def _round_usd(value: Decimal) -> Decimal:
    return value.quantize(_USD_QUANTUM, rounding=ROUND_HALF_EVEN)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _estimate(
    schedule: ExchangeSchedule,
    market_name: Market,
    notional: Decimal,
    trades_per_month: int,
    share: Decimal,
    volume: Decimal | None,
    native_token_discount: bool,
) -> tuple[Decimal, FeeEstimate]:
    """Monthly fee as reported (the sort key, so ties match what callers see) and the estimate."""
    market = schedule.markets.get(market_name)
    if market is None:
        raise MarketNotOfferedError(schedule.exchange, market_name, list(schedule.markets))
    notes: list[str] = [schedule.notes] if schedule.source == "ccxt" and schedule.notes else []
    if volume is None:
        volume = notional * trades_per_month
        notes.append(f"30-day volume assumed to be notional x trades = {_money(volume)}.")
    tier = pick_tier(market, volume)
    if market.volume_window == "30d_daily_average":
        notes.append("Tiers use 30-day average daily volume: monthly volume / 30 was compared.")
    if tier.balance_rule == "additional" and tier.balance_requirement is not None:
        notes.append(f"{tier.name} also requires {tier.balance_requirement}; assumed met.")
    notes.extend(_hidden_tier_notes(market, tier))

    maker, taker = tier.maker_rate, tier.taker_rate
    discount = market.native_token_discount
    applied = False
    verified = tier.verified
    if native_token_discount:
        if discount is None:
            notes.append(f"No native-token discount: {market.no_discount_reason}")
        else:
            if tier.native_token_maker_rate is not None and tier.native_token_taker_rate is not None:
                maker, taker = tier.native_token_maker_rate, tier.native_token_taker_rate
            else:
                maker, taker = _discounted(maker, discount), _discounted(taker, discount)
            applied = (maker, taker) != (tier.maker_rate, tier.taker_rate)
            if applied:
                verified = verified and discount.verified
                notes.append(f"Paying fees in {discount.token}: {discount.conditions}")
            else:
                notes.append(f"{discount.token} discount does not lower this tier's rates.")
    if not verified:
        notes.append("Some of these values are not confirmed from the exchange's own page.")

    effective = share * maker + (1 - share) * taker
    per_trade = notional * effective
    monthly = per_trade * trades_per_month
    estimate = FeeEstimate(
        exchange=schedule.exchange,
        name=schedule.name,
        market=market_name,
        tier=tier.name,
        maker_rate=float(maker),
        taker_rate=float(taker),
        base_maker_rate=float(tier.maker_rate),
        base_taker_rate=float(tier.taker_rate),
        effective_rate=float(effective),
        fee_per_trade_usd=float(_round_usd(per_trade)),
        monthly_fee_usd=float(_round_usd(monthly)),
        annual_fee_usd=float(_round_usd(monthly * 12)),
        discount_applied=applied,
        volume_used_usd=float(volume),
        schedule_as_of=schedule.as_of,
        schedule_as_of_basis=schedule.as_of_basis,
        source=schedule.source,
        source_url=schedule.source_url,
        verified=verified,
        note=" ".join(notes) or None,
    )
    return _round_usd(monthly), estimate


def estimate_fee(
    schedule: ExchangeSchedule,
    *,
    notional_usd: float | Decimal,
    trades_per_month: int = 1,
    maker_share: float | Decimal = 0,
    monthly_volume_usd: float | Decimal | None = None,
    native_token_discount: bool = False,
    market: Market = "spot",
) -> FeeEstimate:
    """Fees on one exchange. Raises :class:`MarketNotOfferedError` if it lacks ``market``.

    ``monthly_volume_usd`` (30-day volume for the tier) defaults to notional x trades_per_month.
    """
    notional, share, volume = _validate_args(notional_usd, trades_per_month, maker_share, monthly_volume_usd)
    return _estimate(schedule, market, notional, trades_per_month, share, volume, native_token_discount)[1]


def estimate_trading_fees(
    notional_usd: float | Decimal,
    exchanges: Sequence[str] | None = None,
    *,
    trades_per_month: int = 1,
    maker_share: float | Decimal = 0,
    monthly_volume_usd: float | Decimal | None = None,
    native_token_discount: bool = False,
    market: Market = "spot",
    use_ccxt: bool = True,
) -> FeeComparison:
    """Compare exchanges (default: every curated one), cheapest first, ties by name.

    Arguments mirror the ``estimate_trading_fees`` tool. Raises :class:`UnknownExchangeError` for
    an id with no curated schedule and (when ``use_ccxt``) no ccxt table, before estimating
    anything. An exchange without the requested market is skipped and listed in ``skipped``.
    """
    notional, share, volume = _validate_args(notional_usd, trades_per_month, maker_share, monthly_volume_usd)
    ids = supported_exchanges() if exchanges is None else list(dict.fromkeys(exchanges))
    schedules = [_resolve(exchange_id, use_ccxt) for exchange_id in ids]
    ranked: list[tuple[Decimal, str, str, FeeEstimate]] = []
    skipped: list[SkippedExchange] = []
    for schedule in schedules:
        try:
            monthly, estimate = _estimate(
                schedule, market, notional, trades_per_month, share, volume, native_token_discount
            )
        except MarketNotOfferedError as exc:
            skipped.append(SkippedExchange(exchange=schedule.exchange, reason=str(exc)))
            continue
        ranked.append((monthly, schedule.name.casefold(), schedule.exchange, estimate))
    ranked.sort(key=lambda item: item[:3])
    return FeeComparison(estimates=[item[3] for item in ranked], skipped=skipped)
