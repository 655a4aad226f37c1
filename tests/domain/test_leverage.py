"""Isolated-margin leverage maths: hand-computed cases and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tools.domain.leverage import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    PNL_TABLE_MOVES_PCT,
    LeverageAssessment,
    Side,
    assess_leverage,
)


def _row(result: LeverageAssessment, move_pct: float):
    return next(r for r in result.pnl_table if r.price_move_pct == move_pct)


def test_long_10x_hand_computed() -> None:
    # liq = 100 × (1 − 1/10 + 0.005) = 90.5
    r = assess_leverage(entry_price=100, leverage=10, side="long", position_usd=10_000)
    assert r.maintenance_margin_rate == DEFAULT_MAINTENANCE_MARGIN_RATE == 0.005
    assert r.liquidation_price == 90.5
    assert r.move_to_liquidation_pct == -9.5
    assert r.margin_usd == 1_000
    assert r.quantity == 100
    # −5 %: 100 units × −5 = −500 = −50 % of margin, still open
    row = _row(r, -5)
    assert (row.price, row.pnl_usd, row.pnl_pct_of_margin, row.liquidated) == (95, -500, -50, False)


def test_short_10x_hand_computed() -> None:
    # liq = 100 × (1 + 1/10 − 0.005) = 109.5
    r = assess_leverage(entry_price=100, leverage=10, side="short", position_usd=10_000)
    assert r.liquidation_price == 109.5
    assert r.move_to_liquidation_pct == 9.5
    assert _row(r, -5).pnl_usd == 500
    assert _row(r, 5).pnl_usd == -500
    assert _row(r, 10).liquidated
    assert _row(r, 10).pnl_usd == -1_000


def test_thousand_dollars_at_10x_article_example() -> None:
    """$1,000 at 10x trades $10,000; a 10 % drop wipes the margin, a 10 % rise doubles it."""
    r = assess_leverage(entry_price=50_000, leverage=10, side="long", margin_usd=1_000)
    assert r.position_usd == 10_000
    assert r.quantity == 0.2
    down = _row(r, -10)
    assert (down.price, down.pnl_usd, down.pnl_pct_of_margin, down.liquidated) == (45_000, -1_000, -100, True)
    up = _row(r, 10)
    assert (up.pnl_usd, up.pnl_pct_of_margin) == (1_000, 100)
    assert any("10 % move against you" in w and "$1,000.00" in w for w in r.warnings)


def test_position_and_margin_conventions_agree() -> None:
    a = assess_leverage(entry_price=2_000, leverage=5, side="short", position_usd=5_000)
    b = assess_leverage(entry_price=2_000, leverage=5, side="short", margin_usd=1_000)
    assert a == b


def test_zero_maintenance_margin_liquidates_exactly_at_one_over_leverage() -> None:
    long = assess_leverage(entry_price=80, leverage=4, side="long", margin_usd=100, maintenance_margin_rate=0)
    assert long.liquidation_price == 60
    assert long.move_to_liquidation_pct == -25
    short = assess_leverage(
        entry_price=80, leverage=4, side="short", margin_usd=100, maintenance_margin_rate=0
    )
    assert short.liquidation_price == 100
    # at exactly −1/L the equity is zero: the −10 % row at 10x is a liquidation, P&L = −margin
    r = assess_leverage(entry_price=100, leverage=10, side="long", margin_usd=1, maintenance_margin_rate=0)
    assert _row(r, -10).liquidated
    assert _row(r, -10).pnl_usd == -1


def test_table_covers_all_moves_in_order() -> None:
    r = assess_leverage(entry_price=1, leverage=1, side="long", position_usd=1)
    assert [row.price_move_pct for row in r.pnl_table] == list(PNL_TABLE_MOVES_PCT)
    assert r.warnings == []


def test_leverage_warnings() -> None:
    assert assess_leverage(entry_price=100, leverage=9, side="long", position_usd=900).warnings == []
    at_20 = assess_leverage(entry_price=100, leverage=20, side="long", position_usd=900).warnings
    assert len(at_20) == 1
    assert "5 % move against you (to 95)" in at_20[0]
    at_50 = assess_leverage(entry_price=100, leverage=50, side="short", position_usd=900).warnings
    assert any("to 102" in w for w in at_50)
    assert any(w.startswith("Extreme leverage (50x)") for w in at_50)


def test_stop_loss_before_liquidation() -> None:
    r = assess_leverage(entry_price=100, leverage=10, side="long", margin_usd=1_000, stop_loss_price=95)
    assert r.stop_loss_pnl_usd == -500
    assert not any("Stop-loss" in w for w in r.warnings)


@pytest.mark.parametrize(("side", "stop"), [("long", 90.5), ("long", 80), ("short", 109.5), ("short", 130)])
def test_stop_loss_beyond_liquidation_never_triggers(side: Side, stop: float) -> None:
    r = assess_leverage(entry_price=100, leverage=10, side=side, margin_usd=1_000, stop_loss_price=stop)
    assert r.stop_loss_pnl_usd == -1_000
    assert any("never triggers" in w and "liquidated first at" in w for w in r.warnings)


@pytest.mark.parametrize(("side", "stop"), [("long", 100), ("long", 105), ("short", 95)])
def test_stop_loss_on_wrong_side_of_entry(side: Side, stop: float) -> None:
    r = assess_leverage(entry_price=100, leverage=2, side=side, margin_usd=10, stop_loss_price=stop)
    assert r.stop_loss_pnl_usd is None
    assert any("wrong side" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"entry_price": 0}, "entry_price must be > 0"),
        ({"entry_price": math.nan}, "finite"),
        ({"entry_price": math.inf}, "finite"),
        ({"leverage": 0.5}, "leverage must be between 1 and 125"),
        ({"leverage": 126}, "leverage must be between 1 and 125"),
        ({"leverage": math.nan}, "finite"),
        ({"side": "up"}, "side must be 'long' or 'short'"),
        ({"maintenance_margin_rate": -0.01}, "maintenance_margin_rate"),
        ({"maintenance_margin_rate": 0.1}, "liquidated on opening"),
        ({"margin_usd": 10}, "at most one of position_usd"),
        ({"maintenance_amount_usd": -1}, "maintenance_amount_usd must be >= 0"),
        ({"maintenance_amount_usd": math.nan}, "finite"),
        ({"maintenance_amount_usd": 5, "position_usd": None}, "needs the size"),
        ({"maintenance_amount_usd": 0, "maintenance_margin_rate": 0.1}, "liquidated on opening"),
        ({"position_usd": -5}, "position_usd must be > 0"),
        ({"position_usd": math.inf}, "finite"),
        ({"stop_loss_price": -1}, "stop_loss_price must be > 0"),
    ],
)
def test_invalid_input_raises_value_error(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"entry_price": 100, "leverage": 10, "side": "long", "position_usd": 1_000}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        assess_leverage(**args)  # type: ignore[arg-type]


# --- without a size ------------------------------------------------------------------------------


def test_without_a_size_the_liquidation_point_and_the_table_in_percent_of_margin_still_come_back() -> None:
    """The call an agent makes first: entry, leverage and side only."""
    r = assess_leverage(entry_price=100, leverage=10, side="long")
    assert (r.liquidation_price, r.move_to_liquidation_pct) == (90.5, -9.5)
    assert (r.position_usd, r.margin_usd, r.quantity) == (None, None, None)
    assert [row.pnl_usd for row in r.pnl_table] == [None] * len(PNL_TABLE_MOVES_PCT)
    # every 1 % move is 10 % of margin; from −9.5 % on, the whole margin is gone
    assert [(row.price_move_pct, row.pnl_pct_of_margin, row.liquidated) for row in r.pnl_table[2:8]] == [
        (-10, -100, True),
        (-5, -50, False),
        (-2, -20, False),
        (-1, -10, False),
        (1, 10, False),
        (2, 20, False),
    ]
    assert any("wipes out the whole margin" in w for w in r.warnings)


def test_the_table_in_percent_of_margin_is_the_same_with_and_without_a_size() -> None:
    sized = assess_leverage(entry_price=2_000, leverage=5, side="short", margin_usd=300)
    bare = assess_leverage(entry_price=2_000, leverage=5, side="short")
    assert [r.pnl_pct_of_margin for r in sized.pnl_table] == [r.pnl_pct_of_margin for r in bare.pnl_table]
    assert sized.liquidation_price == bare.liquidation_price


def test_stop_loss_without_a_size_is_given_in_percent_of_margin() -> None:
    r = assess_leverage(entry_price=100, leverage=10, side="long", stop_loss_price=97)
    assert (r.stop_loss_pnl_usd, r.stop_loss_pnl_pct_of_margin) == (None, -30)
    beyond = assess_leverage(entry_price=100, leverage=10, side="long", stop_loss_price=85)
    assert beyond.stop_loss_pnl_pct_of_margin == -100
    assert any("never triggers" in w and "the whole margin" in w for w in beyond.warnings)


# --- Binance's isolated formula -----------------------------------------------------------------


def test_binance_isolated_formula_hand_computed() -> None:
    """LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q), WB = Q·EP/L (Binance FAQ, isolated: TMM = UPNL = 0)."""
    # long 100 units at 100, 10x, mmr 0.5 %, cum 0: (1,000 − 10,000) / (0.5 − 100) = 90.4522613...
    r = assess_leverage(
        entry_price=100, leverage=10, side="long", position_usd=10_000, maintenance_amount_usd=0
    )
    assert r.formula == "binance_isolated" and r.liquidation_price == pytest.approx(90.45226131, abs=1e-8)
    # cum 50: (1,000 + 50 − 10,000) / (0.5 − 100) = 89.9497487...
    r = assess_leverage(
        entry_price=100, leverage=10, side="long", position_usd=10_000, maintenance_amount_usd=50
    )
    assert r.liquidation_price == pytest.approx(89.94974874, abs=1e-8)
    # short 3x: (3,333.33 + 0 + 10,000) / (0.5 + 100) = 132.66998...; the default says 132.8333
    short = assess_leverage(
        entry_price=100, leverage=3, side="short", margin_usd=3_333.33, maintenance_amount_usd=0
    )
    default = assess_leverage(entry_price=100, leverage=3, side="short", margin_usd=3_333.33)
    assert short.liquidation_price == pytest.approx(132.66998342, abs=1e-6)
    assert default.liquidation_price == pytest.approx(132.83333333, abs=1e-6)
    assert default.formula == "entry_notional"


def test_binance_formula_matches_the_exchange_equation_at_the_liquidation_price() -> None:
    """At LP the isolated equity equals the maintenance margin: WB + s·Q·(LP − EP) = Q·LP·MMR − cum."""
    for side, sign in (("long", 1), ("short", -1)):
        r = assess_leverage(
            entry_price=60_000,
            leverage=20,
            side=side,  # type: ignore[arg-type]
            position_usd=250_000,
            maintenance_margin_rate=0.01,
            maintenance_amount_usd=1_300,
        )
        assert r.liquidation_price is not None and r.quantity is not None and r.margin_usd is not None
        lp, q = r.liquidation_price, r.quantity
        equity = r.margin_usd + sign * q * (lp - 60_000)
        assert equity == pytest.approx(q * lp * 0.01 - 1_300, rel=1e-6)  # LP is rounded to 10 digits


def test_binance_one_x_long_cannot_be_liquidated() -> None:
    """At 1x the margin covers the whole position: Binance's LP is 0 ("--"); the default says 0.5."""
    r = assess_leverage(entry_price=100, leverage=1, side="long", maintenance_amount_usd=0)
    assert (r.liquidation_price, r.move_to_liquidation_pct) == (None, None)
    assert not any(row.liquidated for row in r.pnl_table)
    assert any("No price move liquidates" in w for w in r.warnings)
    default = assess_leverage(entry_price=100, leverage=1, side="long")
    assert default.liquidation_price == 0.5


_prices = st.floats(min_value=1e-6, max_value=1e7, allow_nan=False, allow_infinity=False)
_leverages = st.floats(min_value=1, max_value=125)
_sizes = st.floats(min_value=1, max_value=1e8)
_sides: st.SearchStrategy[Side] = st.sampled_from(("long", "short"))
_mmrs = st.floats(min_value=0, max_value=0.0079)  # below 1/125, so valid at every leverage


@given(entry=_prices, lev=_leverages, mmr=_mmrs)
def test_long_liquidation_below_entry_below_short_liquidation(entry: float, lev: float, mmr: float) -> None:
    long = assess_leverage(
        entry_price=entry, leverage=lev, side="long", position_usd=100, maintenance_margin_rate=mmr
    )
    short = assess_leverage(
        entry_price=entry, leverage=lev, side="short", position_usd=100, maintenance_margin_rate=mmr
    )
    assert long.liquidation_price < entry < short.liquidation_price
    assert long.move_to_liquidation_pct == pytest.approx(-short.move_to_liquidation_pct)


@given(lev_a=_leverages, lev_b=_leverages, mmr=_mmrs, side=_sides)
def test_higher_leverage_liquidates_closer(lev_a: float, lev_b: float, mmr: float, side: Side) -> None:
    low, high = sorted((lev_a, lev_b))
    far = assess_leverage(
        entry_price=100, leverage=low, side=side, position_usd=1, maintenance_margin_rate=mmr
    )
    near = assess_leverage(
        entry_price=100, leverage=high, side=side, position_usd=1, maintenance_margin_rate=mmr
    )
    assert abs(near.move_to_liquidation_pct) <= abs(far.move_to_liquidation_pct)


@given(entry=_prices, lev=_leverages, size=_sizes, mmr=_mmrs)
def test_pnl_antisymmetric_before_liquidation(entry: float, lev: float, size: float, mmr: float) -> None:
    long = assess_leverage(
        entry_price=entry, leverage=lev, side="long", position_usd=size, maintenance_margin_rate=mmr
    )
    short = assess_leverage(
        entry_price=entry, leverage=lev, side="short", position_usd=size, maintenance_margin_rate=mmr
    )
    for lrow, srow in zip(long.pnl_table, short.pnl_table, strict=True):
        if not lrow.liquidated and not srow.liquidated:
            assert lrow.pnl_usd == pytest.approx(-srow.pnl_usd, rel=1e-9)


@given(entry=_prices, lev=_leverages, size=_sizes, mmr=_mmrs, side=_sides)
def test_loss_never_exceeds_margin(entry: float, lev: float, size: float, mmr: float, side: Side) -> None:
    r = assess_leverage(
        entry_price=entry, leverage=lev, side=side, position_usd=size, maintenance_margin_rate=mmr
    )
    for row in r.pnl_table:
        assert row.pnl_usd >= -r.margin_usd
        assert row.pnl_pct_of_margin >= -100
        if row.liquidated:
            assert row.pnl_usd == -r.margin_usd


@given(entry=_prices, lev=_leverages, mmr=_mmrs, side=_sides, size=_sizes)
def test_binance_liquidation_leaves_exactly_the_maintenance_margin(
    entry: float, lev: float, mmr: float, side: Side, size: float
) -> None:
    r = assess_leverage(
        entry_price=entry,
        leverage=lev,
        side=side,
        position_usd=size,
        maintenance_margin_rate=mmr,
        maintenance_amount_usd=0,
    )
    assert r.margin_usd is not None and r.quantity is not None
    if r.liquidation_price is None:  # a long whose margin covers the maintenance margin down to 0
        assert side == "long"
        return
    sign = 1 if side == "long" else -1
    equity = r.margin_usd + sign * r.quantity * (r.liquidation_price - entry)
    assert equity == pytest.approx(r.quantity * r.liquidation_price * mmr, rel=1e-6, abs=1e-6 * size)
