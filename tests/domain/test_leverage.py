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
        ({"position_usd": None}, "exactly one of position_usd"),
        ({"margin_usd": 10}, "exactly one of position_usd"),
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
