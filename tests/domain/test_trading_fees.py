"""Trading-fee schedules and arithmetic: shipped data, worked examples, properties."""

from __future__ import annotations

import itertools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tools.domain.trading_fees import (
    MARKETS,
    ExchangeSchedule,
    InvalidFeeArgumentError,
    Market,
    MarketNotOfferedError,
    MarketSchedule,
    ScheduleFileError,
    Tier,
    UnknownExchangeError,
    ccxt_schedule,
    estimate_fee,
    estimate_trading_fees,
    load_schedule_dir,
    load_schedules,
    pick_tier,
    schedule_is_stale,
    supported_exchanges,
)

REQUIRED = {"binance", "coinbase", "kraken", "okx", "bybit", "kucoin", "bitget", "gate", "bitstamp", "gemini"}
DATA_DIR = Path(__file__).parents[2] / "agent_tools" / "data" / "fee_schedules"


def _flat(maker: str, taker: str) -> ExchangeSchedule:
    """A one-tier test schedule (the articles' worked examples use a single flat rate)."""
    return ExchangeSchedule(
        exchange="flat",
        name="Flat",
        source_url="https://example.com/fees",
        as_of=date(2026, 1, 1),
        as_of_basis="published",
        markets={
            "spot": MarketSchedule(
                volume_basis="test",
                no_discount_reason="test",
                tiers=[
                    Tier(
                        name="base",
                        min_volume_usd=Decimal(0),
                        maker_rate=Decimal(maker),
                        taker_rate=Decimal(taker),
                        verified=True,
                    )
                ],
            )
        },
    )


# --- shipped data ---------------------------------------------------------------------------


def test_every_shipped_file_validates_and_covers_required_exchanges() -> None:
    schedules = load_schedules()
    assert set(schedules) >= REQUIRED
    assert supported_exchanges() == sorted(schedules)
    json_files = sorted(p.stem for p in DATA_DIR.glob("*.json"))
    assert json_files == sorted(schedules)
    for schedule in schedules.values():
        assert schedule.source == "curated"
        assert schedule.as_of is not None
        assert schedule.source_url.startswith("https://")
        assert "spot" in schedule.markets


TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("exchange", sorted(REQUIRED))
def test_each_schedule_file_is_dated_by_its_source(exchange: str) -> None:
    """as_of is the source's date (or the day it was read, said so), never in the future."""
    schedule = load_schedules()[exchange]
    assert schedule.as_of is not None and schedule.as_of_basis in ("published", "read")
    assert date(2015, 1, 1) <= schedule.as_of <= TODAY
    assert all(url.startswith("https://") for url in [schedule.source_url, *schedule.sources])
    assert schedule.notes is not None
    if schedule.as_of_basis == "read":  # an undated source must say that it is undated
        assert "read" in schedule.notes


def test_gemini_spot_is_the_exchanges_own_2020_page_and_is_stale() -> None:
    gemini = load_schedules()["gemini"]
    assert (gemini.as_of, gemini.as_of_basis) == (date(2020, 9, 23), "published")
    entry = gemini.markets["spot"].tiers[0]
    assert (entry.maker_rate, entry.taker_rate, entry.verified) == (
        Decimal("0.0025"),
        Decimal("0.0035"),
        True,
    )
    assert schedule_is_stale(gemini.as_of, TODAY)


@pytest.mark.parametrize(
    ("as_of", "stale"),
    [(date(2025, 12, 1), False), (date(2025, 11, 30), True), (TODAY, False), (None, True)],
)
def test_a_schedule_over_a_year_old_is_stale(as_of: date | None, stale: bool) -> None:
    assert schedule_is_stale(as_of, TODAY) is stale


def test_load_schedules_is_cached() -> None:
    assert load_schedules() is load_schedules()


def test_every_file_marks_what_is_unverified() -> None:
    for schedule in load_schedules().values():
        for market in schedule.markets.values():
            for tier in market.tiers:
                assert isinstance(tier.verified, bool)
            assert (market.native_token_discount is None) != (market.no_discount_reason is None)


def _valid_file() -> dict[str, Any]:
    return {
        "exchange": "broken",
        "name": "Broken",
        "source_url": "https://example.com/fees",
        "as_of": "2026-01-01",
        "as_of_basis": "published",
        "markets": {
            "spot": {
                "volume_basis": "30-day volume",
                "no_discount_reason": "none",
                "tiers": [
                    {
                        "name": "T0",
                        "min_volume_usd": 0,
                        "maker_rate": 0.001,
                        "taker_rate": 0.002,
                        "verified": True,
                    },
                    {
                        "name": "T1",
                        "min_volume_usd": 1000,
                        "maker_rate": 0.0005,
                        "taker_rate": 0.001,
                        "verified": True,
                    },
                ],
            }
        },
    }


def _rates_rise(d: dict[str, Any]) -> None:
    d["markets"]["spot"]["tiers"][1]["taker_rate"] = 0.003


def _not_ascending(d: dict[str, Any]) -> None:
    d["markets"]["spot"]["tiers"][1]["min_volume_usd"] = 0


def _http_url(d: dict[str, Any]) -> None:
    d["source_url"] = "http://example.com/fees"


def _undated_basis(d: dict[str, Any]) -> None:
    del d["as_of_basis"]


def _bad_date(d: dict[str, Any]) -> None:
    d["as_of"] = "last week"


def _rate_out_of_range(d: dict[str, Any]) -> None:
    d["markets"]["spot"]["tiers"][0]["taker_rate"] = 0.05


def _discount_out_of_range(d: dict[str, Any]) -> None:
    spot = d["markets"]["spot"]
    del spot["no_discount_reason"]
    spot["native_token_discount"] = {"token": "X", "fraction": 1.0, "conditions": "c", "verified": True}


def _upper_case_id(d: dict[str, Any]) -> None:
    d["exchange"] = "Broken"


def _unknown_market(d: dict[str, Any]) -> None:
    d["markets"]["options"] = d["markets"]["spot"]


def _first_tier_not_zero(d: dict[str, Any]) -> None:
    d["markets"]["spot"]["tiers"][0]["min_volume_usd"] = 5


@pytest.mark.parametrize(
    "breakage",
    [
        _rates_rise,
        _not_ascending,
        _http_url,
        _bad_date,
        _undated_basis,
        _rate_out_of_range,
        _discount_out_of_range,
        _upper_case_id,
        _unknown_market,
        _first_tier_not_zero,
    ],
)
def test_a_broken_file_is_rejected_naming_the_file(tmp_path: Path, breakage: Any) -> None:
    data = _valid_file()
    (tmp_path / "broken.json").write_text(json.dumps(data))
    assert set(load_schedule_dir(tmp_path)) == {"broken"}
    breakage(data)
    (tmp_path / "broken.json").write_text(json.dumps(data))
    with pytest.raises(ScheduleFileError, match=r"^broken\.json: "):
        load_schedule_dir(tmp_path)


def test_invalid_json_and_mismatched_file_name_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ScheduleFileError, match=r"broken\.json"):
        load_schedule_dir(tmp_path)
    (tmp_path / "broken.json").unlink()
    (tmp_path / "other.json").write_text(json.dumps(_valid_file()))
    with pytest.raises(ScheduleFileError, match=r"other\.json.*must match the file name"):
        load_schedule_dir(tmp_path)


# --- worked examples (domain-articles.txt) --------------------------------------------------


def test_1000_at_0_1_percent_is_1_dollar_per_trade() -> None:
    e = estimate_fee(_flat("0.001", "0.001"), notional_usd=1000)
    assert e.fee_per_trade_usd == 1.00
    assert e.effective_rate == 0.001


def test_day_trader_50_trades_at_0_1_percent() -> None:
    e = estimate_fee(_flat("0.001", "0.001"), notional_usd=1000, trades_per_month=50)
    assert (e.fee_per_trade_usd, e.monthly_fee_usd, e.annual_fee_usd) == (1.0, 50.0, 600.0)


def test_20_trades_at_0_2_percent_is_40_a_month() -> None:
    e = estimate_fee(_flat("0.002", "0.002"), notional_usd=1000, trades_per_month=20)
    assert e.monthly_fee_usd == 40.0
    assert e.annual_fee_usd == 480.0


def test_binance_base_tier_matches_the_article() -> None:
    binance = load_schedules()["binance"].markets["spot"].tiers[0]
    assert binance.taker_rate == Decimal("0.001")
    e = estimate_trading_fees(1000, ["binance"], trades_per_month=50).estimates[0]
    assert (e.tier, e.fee_per_trade_usd, e.monthly_fee_usd, e.annual_fee_usd) == ("Regular", 1.0, 50.0, 600.0)
    assert e.schedule_as_of is not None
    assert e.source == "curated"
    assert e.verified


def test_article_maker_example_binance_maker_0_08_percent_at_vip_2() -> None:
    e = estimate_fee(
        load_schedules()["binance"], notional_usd=1000, maker_share=1, monthly_volume_usd=5_000_000
    )
    assert e.tier == "VIP 2"
    assert e.maker_rate == 0.0008
    assert e.fee_per_trade_usd == 0.8


# --- tiers, discounts, notes ----------------------------------------------------------------


def test_default_volume_is_notional_times_trades() -> None:
    e = estimate_trading_fees(100_000, ["kraken"], trades_per_month=10).estimates[0]
    assert e.volume_used_usd == 1_000_000
    assert e.tier == "$1M+"
    assert "assumed" in (e.note or "")
    given_volume = estimate_trading_fees(100_000, ["kraken"], trades_per_month=10, monthly_volume_usd=0)
    assert given_volume.estimates[0].tier == "$0+"


def test_balance_only_tiers_are_never_auto_selected() -> None:
    okx = load_schedules()["okx"].markets["spot"]
    for volume in (0, 5_000_000, 9_999_999):
        assert pick_tier(okx, Decimal(volume)).name == "Lv1"
    assert pick_tier(okx, Decimal(10_000_000)).name == "VIP 1"
    e = estimate_trading_fees(1000, ["okx"]).estimates[0]
    assert "Lv2 (>= 500 OKB held)" in (e.note or "")


def test_binance_bnb_discount_is_25_percent_on_spot() -> None:
    e = estimate_trading_fees(1000, ["binance"], native_token_discount=True).estimates[0]
    assert e.discount_applied
    assert (e.maker_rate, e.taker_rate, e.base_taker_rate) == (0.00075, 0.00075, 0.001)
    assert e.fee_per_trade_usd == 0.75


def test_discount_not_offered_says_why() -> None:
    e = estimate_trading_fees(1000, ["kraken"], native_token_discount=True).estimates[0]
    assert not e.discount_applied
    assert "No native-token discount" in (e.note or "")
    futures = estimate_trading_fees(1000, ["kucoin"], native_token_discount=True, market="futures")
    assert not futures.estimates[0].discount_applied


def test_gate_uses_its_per_tier_gt_rates() -> None:
    e = estimate_trading_fees(1000, ["gate"], native_token_discount=True, monthly_volume_usd=20_000_000)
    assert (e.estimates[0].tier, e.estimates[0].maker_rate, e.estimates[0].taker_rate) == (
        "VIP 8",
        0.0006,
        0.00072,
    )
    assert not e.estimates[0].verified  # the GT rates are from a secondary copy


def test_kucoin_kcs_discount_skips_rates_below_its_floor() -> None:
    kucoin = load_schedules()["kucoin"]
    e = estimate_fee(kucoin, notional_usd=1000, monthly_volume_usd=100_000_000, native_token_discount=True)
    assert e.tier == "VIP 6"
    assert e.maker_rate == 0.0002  # 0.025 % is not below the floor, so 20 % off
    assert e.taker_rate == 0.00036


def test_discount_never_shrinks_a_maker_rebate() -> None:
    okx_like = load_schedules()["gemini"]
    e = estimate_fee(okx_like, notional_usd=1000, maker_share=1, monthly_volume_usd=3e9, market="futures")
    assert e.maker_rate == -0.0001
    assert e.fee_per_trade_usd == -0.1


def test_gemini_perpetual_tiers_use_average_daily_volume() -> None:
    gemini = load_schedules()["gemini"]
    e = estimate_fee(gemini, notional_usd=1000, monthly_volume_usd=1_500_000, market="futures")
    assert e.tier == "$50K+ ADV"  # 1.5M / 30 = 50K a day
    assert "average daily" in (e.note or "")


def test_binance_additional_bnb_requirement_is_noted() -> None:
    e = estimate_trading_fees(1000, ["binance"], monthly_volume_usd=1_000_000).estimates[0]
    assert e.tier == "VIP 1"
    assert ">= 25 BNB; assumed met" in (e.note or "")


def test_unverified_tier_is_flagged() -> None:
    e = estimate_trading_fees(1000, ["coinbase"]).estimates[0]
    assert not e.verified
    assert "not confirmed" in (e.note or "")


# --- errors ---------------------------------------------------------------------------------


def test_unknown_exchange_raises_with_supported_list() -> None:
    with pytest.raises(UnknownExchangeError) as info:
        estimate_trading_fees(1000, ["binance", "no-such-exchange"], use_ccxt=False)
    assert info.value.exchange == "no-such-exchange"
    assert info.value.supported == supported_exchanges()


def test_aliases_and_case_resolve() -> None:
    result = estimate_trading_fees(1000, ["Gate.io", "OKEX", " Binance "])
    assert sorted(e.exchange for e in result.estimates) == ["binance", "gate", "okx"]


def test_missing_market_raises_for_one_exchange_and_is_skipped_in_a_comparison() -> None:
    with pytest.raises(MarketNotOfferedError) as info:
        estimate_fee(load_schedules()["coinbase"], notional_usd=1000, market="futures")
    assert info.value.offered == ["spot"]
    result = estimate_trading_fees(1000, ["coinbase", "binance"], market="futures")
    assert [e.exchange for e in result.estimates] == ["binance"]
    assert [s.exchange for s in result.skipped] == ["coinbase"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"notional_usd": 0},
        {"notional_usd": -5},
        {"notional_usd": float("nan")},
        {"notional_usd": float("inf")},
        {"notional_usd": 1000, "maker_share": 1.5},
        {"notional_usd": 1000, "maker_share": -0.1},
        {"notional_usd": 1000, "trades_per_month": 0},
        {"notional_usd": 1000, "monthly_volume_usd": -1},
        {"notional_usd": 1000, "monthly_volume_usd": float("nan")},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidFeeArgumentError):
        estimate_trading_fees(**kwargs)


# --- ccxt long tail -------------------------------------------------------------------------


def test_ccxt_schedule_builds_a_one_tier_unverified_schedule() -> None:
    pytest.importorskip("ccxt")
    schedule = ccxt_schedule("kraken")
    assert schedule is not None
    assert (schedule.source, schedule.as_of) == ("ccxt", None)
    tier = schedule.markets["spot"].tiers[0]
    assert not tier.verified
    assert ccxt_schedule("no-such-exchange") is None


def test_unknown_curated_exchange_falls_back_to_ccxt() -> None:
    pytest.importorskip("ccxt")
    result = estimate_trading_fees(1000, ["binance", "poloniex"])
    by_id = {e.exchange: e for e in result.estimates}
    assert by_id["poloniex"].source == "ccxt"
    assert by_id["poloniex"].schedule_as_of is None
    assert not by_id["poloniex"].verified
    assert "ccxt" in (by_id["poloniex"].note or "")


# --- properties -----------------------------------------------------------------------------

EXCHANGE_IDS = sorted(REQUIRED)
notionals = st.decimals(min_value="0.01", max_value="10000000", places=2)
volumes = st.decimals(min_value="0", max_value="20000000000", places=0)
shares = st.decimals(min_value="0", max_value="1", places=4)
market_st = st.sampled_from(MARKETS)


def _offers(exchange: str, market: Market) -> bool:
    return market in load_schedules()[exchange].markets


@given(
    exchange=st.sampled_from(EXCHANGE_IDS),
    market=market_st,
    notional=notionals,
    factor=st.integers(min_value=2, max_value=1000),
    volume=volumes,
    share=shares,
    discount=st.booleans(),
)
def test_fees_scale_linearly_with_notional(
    exchange: str,
    market: Market,
    notional: Decimal,
    factor: int,
    volume: Decimal,
    share: Decimal,
    discount: bool,
) -> None:
    if not _offers(exchange, market):
        return
    common: dict[str, Any] = {
        "monthly_volume_usd": volume,
        "maker_share": share,
        "native_token_discount": discount,
        "market": market,
    }
    small = estimate_fee(load_schedules()[exchange], notional_usd=notional, **common)
    big = estimate_fee(load_schedules()[exchange], notional_usd=notional * factor, **common)
    assert big.effective_rate == small.effective_rate
    assert big.fee_per_trade_usd == pytest.approx(small.fee_per_trade_usd * factor, abs=1e-6 * factor)


@given(
    exchange=st.sampled_from(EXCHANGE_IDS),
    market=market_st,
    notional=notionals,
    trades=st.integers(min_value=1, max_value=10_000),
    volume=volumes,
    share=shares,
    discount=st.booleans(),
)
def test_fees_are_negative_only_with_a_documented_maker_rebate(
    exchange: str,
    market: Market,
    notional: Decimal,
    trades: int,
    volume: Decimal,
    share: Decimal,
    discount: bool,
) -> None:
    if not _offers(exchange, market):
        return
    e = estimate_fee(
        load_schedules()[exchange],
        notional_usd=notional,
        trades_per_month=trades,
        monthly_volume_usd=volume,
        maker_share=share,
        native_token_discount=discount,
        market=market,
    )
    if e.effective_rate < 0:
        assert e.base_maker_rate < 0
        assert share > 0
    if e.base_maker_rate >= 0:
        assert min(e.fee_per_trade_usd, e.monthly_fee_usd, e.annual_fee_usd) >= 0


@given(
    exchange=st.sampled_from(EXCHANGE_IDS),
    market=market_st,
    low=volumes,
    extra=volumes,
    share=shares,
    discount=st.booleans(),
)
def test_higher_volume_never_costs_more(
    exchange: str, market: Market, low: Decimal, extra: Decimal, share: Decimal, discount: bool
) -> None:
    if not _offers(exchange, market):
        return
    schedule = load_schedules()[exchange]
    common: dict[str, Any] = {
        "notional_usd": 1000,
        "maker_share": share,
        "native_token_discount": discount,
        "market": market,
    }
    cheap = estimate_fee(schedule, monthly_volume_usd=low + extra, **common)
    dear = estimate_fee(schedule, monthly_volume_usd=low, **common)
    assert cheap.effective_rate <= dear.effective_rate


@given(
    chosen=st.lists(st.sampled_from(EXCHANGE_IDS), min_size=1, max_size=10, unique=True),
    market=market_st,
    notional=notionals,
    trades=st.integers(min_value=1, max_value=500),
    share=shares,
    discount=st.booleans(),
    volume=st.one_of(st.none(), volumes),
)
def test_results_are_cheapest_first_ties_by_name(
    chosen: list[str],
    market: Market,
    notional: Decimal,
    trades: int,
    share: Decimal,
    discount: bool,
    volume: Decimal | None,
) -> None:
    result = estimate_trading_fees(
        notional,
        chosen,
        trades_per_month=trades,
        maker_share=share,
        monthly_volume_usd=volume,
        native_token_discount=discount,
        market=market,
    )
    assert {e.exchange for e in result.estimates} | {s.exchange for s in result.skipped} == set(chosen)
    keys = [(e.monthly_fee_usd, e.name.casefold()) for e in result.estimates]
    for (fee_a, name_a), (fee_b, name_b) in itertools.pairwise(keys):
        assert fee_a <= fee_b
        if fee_a == fee_b:
            assert name_a <= name_b


@given(
    exchange=st.sampled_from(EXCHANGE_IDS),
    market=market_st,
    volume=volumes,
    share=shares,
    discount=st.booleans(),
)
def test_maker_share_interpolates_between_maker_and_taker(
    exchange: str, market: Market, volume: Decimal, share: Decimal, discount: bool
) -> None:
    if not _offers(exchange, market):
        return
    schedule = load_schedules()[exchange]
    common: dict[str, Any] = {
        "notional_usd": 1000,
        "monthly_volume_usd": volume,
        "native_token_discount": discount,
        "market": market,
    }
    mixed = estimate_fee(schedule, maker_share=share, **common)
    all_maker = estimate_fee(schedule, maker_share=1, **common)
    all_taker = estimate_fee(schedule, maker_share=0, **common)
    assert all_maker.effective_rate == mixed.maker_rate
    assert all_taker.effective_rate == mixed.taker_rate
    expected = float(share) * mixed.maker_rate + (1 - float(share)) * mixed.taker_rate
    assert mixed.effective_rate == pytest.approx(expected, abs=1e-15)
    low, high = sorted((mixed.maker_rate, mixed.taker_rate))
    assert low - 1e-15 <= mixed.effective_rate <= high + 1e-15
