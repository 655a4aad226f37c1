"""Provider bodies to TokenFacts: units, missing keys as unknown, pool/lock exclusions, provider flags."""

from __future__ import annotations

import copy
import statistics
from datetime import UTC, datetime
from typing import Any

import pytest

from agent_tools.sources.token_security import (
    from_dexscreener,
    from_goplus_evm,
    from_goplus_solana,
    from_honeypot,
    from_rugcheck,
)
from agent_tools.upstream.dexscreener import DexPair
from agent_tools.upstream.goplus import EvmTokenSecurity, SolanaTokenSecurity
from agent_tools.upstream.honeypot import HoneypotReply
from agent_tools.upstream.rugcheck import RugCheckReport
from tests.fakes.security import (
    BLUE_CHIP,
    HONEYPOT_NODEAI,
    MEMELON,
    RUGCHECK_MEMELON,
    WETH,
    dex_pair,
    goplus_evm,
    goplus_solana,
    holder,
    scenarios,
)


def evm(**changes: Any) -> EvmTokenSecurity:
    return EvmTokenSecurity.model_validate(goplus_evm(**changes))


def test_goplus_troe_capture() -> None:
    reading = from_goplus_evm(evm())
    f = reading.facts
    assert (f.source, f.method, f.is_honeypot, f.buy_tax_pct, f.sell_tax_pct) == (
        "goplus",
        "static",
        False,
        0,
        0,
    )
    assert f.blacklist is True and f.hidden_owner is False and f.source_verified is True
    assert f.reported()["owner_renounced"] is True  # owner is the dead address
    assert f.lp_locked_pct == pytest.approx(100.0)
    # GoPlus counts the null address (1,000 wei of LP locked at creation); BOBAI does not
    assert f.lp_creator_pct == 0.0 and f.lp_holder_count == 1 and f.lp_share_std_pct == 0.0
    assert f.liquidity_usd == pytest.approx(8857.3153)
    assert f.top10_holder_pct == pytest.approx(5.0)  # the pool (tagged, a dex pair) is left out
    assert f.creator_pct == pytest.approx(5.0) and f.token_burn_pct == 0.0
    assert f.evidence["sell_tax_pct"] == "0" and f.evidence["blacklist"] == "1"
    assert reading.flags == ()


def test_goplus_lp_share_spread_is_bobai_lp_std() -> None:
    three = [holder("0x" + "a1" * 20, 0.6), holder("0x" + "a2" * 20, 0.3), holder("0x" + "a3" * 20, 0.1)]
    f = from_goplus_evm(evm(lp_holder_count="3", lp_holders=three)).facts
    assert f.lp_holder_count == 3
    assert f.lp_share_std_pct == pytest.approx(statistics.pstdev([60.0, 30.0, 10.0]))
    # beyond the listed holders, the rest share what is left equally (a lower bound on the spread)
    two = [holder("0x" + "a1" * 20, 0.5), holder("0x" + "a2" * 20, 0.3)]
    f = from_goplus_evm(evm(lp_holder_count="12", lp_holders=two)).facts
    assert f.lp_share_std_pct == pytest.approx(statistics.pstdev([50.0, 30.0] + [2.0] * 10))
    f = from_goplus_evm(evm(lp_holder_count=None)).facts
    assert f.lp_holder_count is None and f.lp_share_std_pct is None


def test_goplus_weth_like_missing_keys_are_unknown() -> None:
    f = from_goplus_evm(EvmTokenSecurity.model_validate(scenarios()[WETH].goplus)).facts
    assert f.owner_address is None and "owner_renounced" not in f.reported()
    assert f.lp_locked_pct is None and f.lp_creator_pct is None and f.lp_holder_count is None
    assert f.lp_share_std_pct is None
    assert f.liquidity_usd is None  # is_in_dex "1" but no dex list: unknown, not zero


def test_goplus_not_in_any_dex_is_zero_liquidity() -> None:
    assert from_goplus_evm(evm(dex=None, is_in_dex="0")).facts.liquidity_usd == 0.0


def test_goplus_only_cannot_sell_all_counts_as_honeypot() -> None:
    f = from_goplus_evm(evm(is_honeypot=None, cannot_sell_all="1")).facts
    assert f.is_honeypot is True and f.evidence["is_honeypot"] == "cannot_sell_all=1"
    assert from_goplus_evm(evm(is_honeypot=None, cannot_sell_all="0")).facts.is_honeypot is None


@pytest.mark.parametrize("raw", ["", "abc", "-0.5", "nan"])
def test_goplus_unparseable_tax_is_unknown(raw: str) -> None:
    f = from_goplus_evm(evm(sell_tax=raw, creator_percent=raw)).facts
    assert f.sell_tax_pct is None and f.creator_pct is None


def test_goplus_tax_fraction_becomes_percent() -> None:
    f = from_goplus_evm(evm(buy_tax="0.05", sell_tax="1")).facts
    assert (f.buy_tax_pct, f.sell_tax_pct) == (pytest.approx(5.0), 100.0)


def test_goplus_flags_outside_the_facts() -> None:
    reading = from_goplus_evm(
        evm(
            owner_change_balance="1",
            can_take_back_ownership="1",
            is_true_token="0",
            honeypot_with_same_creator="3",
            cannot_sell_all="1",
        )
    )
    assert reading.facts.owner_renounced is False  # a renounce that can be undone
    text = " | ".join(reading.flags)
    assert "change holders' balances" in text and "taken back" in text and "fake copy" in text
    assert "3 other honeypot" in text and "cannot sell all" in text


def test_goplus_blue_chip_lp_creator_and_unlocked_lp() -> None:
    f = from_goplus_evm(EvmTokenSecurity.model_validate(scenarios()[BLUE_CHIP].goplus)).facts
    assert f.lp_locked_pct == 0.0 and f.lp_creator_pct == 0.0 and f.lp_holder_count == 5000
    assert f.top10_holder_pct == pytest.approx(18.0)  # the tagged timelock is left out


def test_goplus_solana_authorities_holders_and_tvl() -> None:
    reading = from_goplus_solana(
        SolanaTokenSecurity.model_validate(goplus_solana(mint_authority=True, freeze_authority=False))
    )
    f = reading.facts
    assert (f.mint_authority, f.freeze_authority) == (True, False)
    assert f.top10_holder_pct == pytest.approx(6.6439)  # the tagged pool account is left out
    assert f.liquidity_usd == pytest.approx(3817.02)
    assert f.lp_locked_pct is None  # no LP holders listed
    body = goplus_solana(mint_authority=False, freeze_authority=False)
    body["balance_mutable_authority"]["status"] = "1"
    body["default_account_state"] = "2"
    flags = from_goplus_solana(SolanaTokenSecurity.model_validate(body)).flags
    assert any("change holders' balances" in x for x in flags) and any("start frozen" in x for x in flags)


def test_goplus_solana_missing_authorities_are_unknown() -> None:
    f = from_goplus_solana(SolanaTokenSecurity.model_validate({"holder_count": "5"})).facts
    assert f.mint_authority is None and f.freeze_authority is None and f.liquidity_usd is None


def honeypot(**changes: Any) -> HoneypotReply:
    body = copy.deepcopy(HONEYPOT_NODEAI)
    body.update(changes)
    return HoneypotReply.model_validate(body)


def test_honeypot_capture_taxes_are_already_percent() -> None:
    f = from_honeypot(honeypot()).facts
    assert (f.source, f.method, f.is_honeypot) == ("honeypot.is", "simulation", False)
    assert f.buy_tax_pct == pytest.approx(4.0) and f.sell_tax_pct == pytest.approx(3.9989, abs=1e-4)
    assert f.pair_created_at == datetime.fromtimestamp(1702002671, tz=UTC)
    assert f.liquidity_usd == pytest.approx(2383331.436)
    assert (f.proxy_upgradeable, f.source_verified) == (False, True)


def test_honeypot_failed_simulation_says_nothing_about_sellability() -> None:
    reading = from_honeypot(honeypot(simulationSuccess=False, simulationError="execution reverted"))
    assert reading.facts.is_honeypot is None and reading.facts.sell_tax_pct is None
    assert any("simulation failed (execution reverted)" in x for x in reading.flags)
    flagged = honeypot(simulationSuccess=False, honeypotResult={"isHoneypot": True, "honeypotReason": "x"})
    assert from_honeypot(flagged).facts.is_honeypot is True


def test_honeypot_taxes_out_of_range_are_clamped() -> None:
    f = from_honeypot(honeypot(simulationResult={"buyTax": -0.0001, "sellTax": 150})).facts
    assert (f.buy_tax_pct, f.sell_tax_pct) == (0.0, 100.0)


def test_honeypot_summary_flags_medium_and_up() -> None:
    summary = {
        "risk": "medium",
        "riskLevel": 2,
        "flags": [
            {"flag": "medium_fail_rate", "description": "Some holders cannot sell", "severity": "medium"},
            {"flag": "info_thing", "description": "Just so you know", "severity": "info"},
        ],
    }
    flags = from_honeypot(honeypot(summary=summary)).flags
    assert flags == ("honeypot.is: Some holders cannot sell",)


def pairs(*items: dict[str, Any]) -> list[DexPair]:
    return [DexPair.model_validate(p) for p in items]


SEEN = datetime.fromtimestamp(1_800_000_000, tz=UTC)


def test_dexscreener_most_liquid_pair_and_epoch_ms() -> None:
    token = "0x" + "12" * 20
    got = from_dexscreener(
        pairs(
            dex_pair(token, liquidity=5_000.0, created_s=1_600_000_000, buys=1, sells=1),
            dex_pair(token, liquidity=90_000.0, created_s=1_700_000_000, buys=30, sells=9),
        ),
        token.upper().replace("0X", "0x"),
        SEEN,
    )
    assert got is not None
    f = got.facts
    assert (f.source, f.method, f.liquidity_usd, f.buy_sell_ratio) == ("dexscreener", "market", 90_000.0, 3.0)
    assert f.pair_created_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert f.evidence["buy_sell_ratio"] == {"h24_buys": 30, "h24_sells": 9}


def test_dexscreener_token_as_quote_swaps_buys_and_sells() -> None:
    usdc = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
    got = from_dexscreener(
        pairs(dex_pair(usdc, liquidity=1e6, created_s=None, buys=10, sells=99)), WETH, SEEN
    )
    assert got is not None and got.facts.buy_sell_ratio == pytest.approx(99 / 11)
    assert got.facts.pair_created_at is None
    assert got.facts.buys_per_week is None and got.facts.sells_per_week is None  # age unknown


def test_dexscreener_weekly_trade_rates_only_while_24h_is_the_whole_life() -> None:
    token = "0x" + "12" * 20
    six_hours = int(SEEN.timestamp()) - 6 * 3600
    got = from_dexscreener(
        pairs(dex_pair(token, liquidity=1e4, created_s=six_hours, buys=30, sells=9)), token, SEEN
    )
    assert got is not None
    weeks = 6 / (7 * 24)
    assert got.facts.buys_per_week == pytest.approx(30 / (weeks + 1))  # BOBAI: count / (weeks active + 1)
    assert got.facts.sells_per_week == pytest.approx(9 / (weeks + 1))
    usdc = (
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"  # our token as the quote: its buys are the base's sells
    )
    got = from_dexscreener(
        pairs(dex_pair(usdc, liquidity=1e4, created_s=six_hours, buys=30, sells=9)), WETH, SEEN
    )
    assert got is not None and got.facts.buys_per_week == pytest.approx(9 / (weeks + 1))
    two_days = int(SEEN.timestamp()) - 48 * 3600
    got = from_dexscreener(
        pairs(dex_pair(token, liquidity=1e4, created_s=two_days, buys=30, sells=9)), token, SEEN
    )
    assert got is not None and got.facts.buys_per_week is None and got.facts.sells_per_week is None
    assert got.facts.buy_sell_ratio == pytest.approx(3.0)


def test_dexscreener_absent_liquidity_and_no_matching_pair() -> None:
    token = "0x" + "34" * 20
    got = from_dexscreener(pairs(dex_pair(token, liquidity=None, created_s=None)), token, SEEN)
    assert got is not None and got.facts.liquidity_usd is None
    assert (
        from_dexscreener(pairs(dex_pair(token, liquidity=1.0, created_s=None)), "0x" + "56" * 20, SEEN)
        is None
    )
    assert from_dexscreener([], token, SEEN) is None


def rugcheck(**changes: Any) -> RugCheckReport:
    body = copy.deepcopy(RUGCHECK_MEMELON)
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return RugCheckReport.model_validate(body)


def test_rugcheck_memelon_capture() -> None:
    reading = from_rugcheck(rugcheck())
    f = reading.facts
    assert (f.mint_authority, f.freeze_authority) == (False, False)  # null = renounced
    assert f.lp_locked_pct == 100.0
    assert f.lp_holder_count is None  # 0 providers on a bonding curve: no LP token, unknown
    assert f.liquidity_usd == pytest.approx(3817.0214)
    assert f.top10_holder_pct is None  # topHolders null
    assert f.creator_pct == pytest.approx(6.644, abs=1e-3)
    assert f.creator_token_count == 2
    assert reading.flags == ("rugcheck: Creator history of rugged tokens (danger)",)


def test_rugcheck_authority_missing_key_is_unknown_token_level_is_fallback() -> None:
    f = from_rugcheck(rugcheck(mintAuthority=..., freezeAuthority=..., token={"supply": 10})).facts
    assert f.mint_authority is None and f.freeze_authority is None
    f = from_rugcheck(rugcheck(mintAuthority=..., token={"mintAuthority": "Auth1111", "supply": 10})).facts
    assert f.mint_authority is True and f.evidence["mint_authority"] == "Auth1111"


def test_rugcheck_top_holders_leave_out_pools_and_rugged_is_flagged() -> None:
    holders = [
        {
            "address": "9CRwKhhM6torvPcdhYRCJ1i758CZpLjtgNhWqJbi5m1h",
            "pct": 70.0,
            "owner": "x",
            "insider": False,
        },
        {
            "address": "A",
            "pct": 20.0,
            "owner": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq",
            "insider": False,
        },
        {"address": "B", "pct": 12.5, "owner": "C", "insider": True},
    ]
    reading = from_rugcheck(rugcheck(topHolders=holders, rugged=True))
    assert reading.facts.top10_holder_pct == 12.5
    assert reading.flags[0] == "rugcheck: marked as rugged"


def test_rugcheck_reads_the_mint_of_the_scenario() -> None:
    assert from_rugcheck(rugcheck()).facts.source == "rugcheck"
    assert RUGCHECK_MEMELON["mint"] == MEMELON
