"""Isolated-margin risk of a linear (USDT-margined) perpetual or futures position.

Pure arithmetic, no I/O. The model deliberately leaves out trading fees, funding payments,
the exchange's tiered "maintenance amount" and the mark/last price difference: each of those
moves a real liquidation slightly *closer* than computed here, so treat the numbers as the
best case, not a guarantee.

Size convention: give exactly one of ``position_usd`` (the notional, ``quantity × entry``) or
``margin_usd`` (the collateral you post). ``margin = position / leverage``, so "$1,000 margin
at 10x" and "$10,000 position at 10x" describe the same trade.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

Side = Literal["long", "short"]

MIN_LEVERAGE = 1.0
MAX_LEVERAGE = 125.0
"""125x is the highest leverage the large exchanges (Binance, Bybit, OKX) offer, on BTC."""

DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005
"""0.5 %: the order of Binance's smallest position brackets on the majors (USDⓈ-M BTCUSDT:
0.40 % up to $50k notional at 125x, 0.50 % in the next bracket at 100x). Altcoins start at
1-1.5 % and every symbol's rate rises with position size, so pass the real rate when known."""

PNL_TABLE_MOVES_PCT: tuple[float, ...] = (-50, -20, -10, -5, -2, -1, 1, 2, 5, 10, 20, 50)
"""Underlying price moves (percent) shown in the P&L table, most negative first."""

WIPEOUT_WARNING_LEVERAGE = 10.0
EXTREME_LEVERAGE = 20.0

_SIG_DIGITS = 10
_MOVE_TOLERANCE = 1e-12


class PnlRow(BaseModel):
    """P&L of the position if the price moved by ``price_move_pct`` from entry."""

    model_config = ConfigDict(frozen=True)

    price_move_pct: float
    price: float
    pnl_usd: float
    pnl_pct_of_margin: float
    liquidated: bool


class LeverageAssessment(BaseModel):
    """Liquidation point, P&L table and warnings for one isolated-margin position."""

    model_config = ConfigDict(frozen=True)

    side: Side
    entry_price: float
    leverage: float
    position_usd: float
    margin_usd: float
    quantity: float
    maintenance_margin_rate: float
    liquidation_price: float
    move_to_liquidation_pct: float
    """Signed price move from entry to liquidation: negative for a long, positive for a short."""
    stop_loss_price: float | None
    stop_loss_pnl_usd: float | None
    """Loss if the stop fills at its price; ``-margin`` when liquidation comes first; ``None`` if
    there is no stop or it sits on the wrong side of entry."""
    pnl_table: list[PnlRow]
    warnings: list[str]


def _round(x: float) -> float:
    """Round to significant digits, so float noise goes but sub-cent prices survive."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, _SIG_DIGITS - 1 - math.floor(math.log10(abs(x))))


def _fmt(x: float) -> str:
    return f"{x:,.6g}"


def _usd(x: float) -> str:
    return f"${x:,.2f}" if abs(x) >= 1 else f"${x:.4g}"


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _positive(name: str, value: float) -> float:
    value = _finite(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value:g}")
    return value


def liquidation_move(side: Side, leverage: float, maintenance_margin_rate: float) -> float:
    """Signed fractional price move at which the position is liquidated.

    With quantity ``q``, entry ``E`` and margin ``M = q·E/L``, a long's equity at price ``P``
    is ``M + q·(P − E)``. Liquidation happens when equity falls to the maintenance margin,
    taken here on the entry notional, ``mmr·q·E``. Solving gives ``P/E − 1 = −(1/L − mmr)``;
    for a short the sign flips. (Exchanges apply mmr to the mark-price notional, which gives
    ``E·(1 − 1/L)/(1 − mmr)`` for a long: 90.45 instead of 90.5 at 100, 10x, 0.5 % - a
    difference well inside the fees and funding this model ignores.)
    """
    cushion = 1.0 / leverage - maintenance_margin_rate
    return -cushion if side == "long" else cushion


def assess_leverage(
    *,
    entry_price: float,
    leverage: float,
    side: Side,
    position_usd: float | None = None,
    margin_usd: float | None = None,
    maintenance_margin_rate: float = DEFAULT_MAINTENANCE_MARGIN_RATE,
    stop_loss_price: float | None = None,
) -> LeverageAssessment:
    """Assess an isolated-margin position; raise ``ValueError`` on invalid input.

    Liquidation price: long ``entry × (1 − 1/L + mmr)``, short ``entry × (1 + 1/L − mmr)``
    (see :func:`liquidation_move`). Once liquidated, isolated margin loses exactly the margin
    and nothing more, so P&L rows are capped at ``−margin_usd``.
    """
    entry = _positive("entry_price", entry_price)
    lev = _finite("leverage", leverage)
    if not MIN_LEVERAGE <= lev <= MAX_LEVERAGE:
        raise ValueError(f"leverage must be between {MIN_LEVERAGE:g} and {MAX_LEVERAGE:g}, got {lev:g}")
    if side not in ("long", "short"):
        raise ValueError(f"side must be 'long' or 'short', got {side!r}")
    mmr = _finite("maintenance_margin_rate", maintenance_margin_rate)
    if not 0 <= mmr < 1 / lev:
        raise ValueError(
            f"maintenance_margin_rate must be >= 0 and below the initial margin rate 1/leverage "
            f"({1 / lev:g}), got {mmr:g}: the position would be liquidated on opening"
        )
    if position_usd is not None and margin_usd is None:
        position = _positive("position_usd", position_usd)
        margin = position / lev
    elif margin_usd is not None and position_usd is None:
        margin = _positive("margin_usd", margin_usd)
        position = margin * lev
    else:
        raise ValueError("give exactly one of position_usd (notional) or margin_usd (collateral)")
    stop = None if stop_loss_price is None else _positive("stop_loss_price", stop_loss_price)

    quantity = position / entry
    direction = 1.0 if side == "long" else -1.0
    liq_move = liquidation_move(side, lev, mmr)
    liq_price = entry * (1 + liq_move)

    def is_liquidated(move: float) -> bool:
        return direction * (move - liq_move) <= _MOVE_TOLERANCE

    def pnl_at(move: float) -> float:
        return -margin if is_liquidated(move) else direction * quantity * entry * move

    rows = [
        PnlRow(
            price_move_pct=pct,
            price=_round(entry * (1 + pct / 100)),
            pnl_usd=_round(pnl_at(pct / 100)),
            pnl_pct_of_margin=_round(pnl_at(pct / 100) / margin * 100),
            liquidated=is_liquidated(pct / 100),
        )
        for pct in PNL_TABLE_MOVES_PCT
    ]

    warnings: list[str] = []
    if lev >= WIPEOUT_WARNING_LEVERAGE:
        wipe_price = entry * (1 - direction / lev)
        wipeout = (
            f"At {lev:g}x a {100 / lev:.3g} % move against you (to {_fmt(wipe_price)}) "
            f"wipes out the whole {_usd(margin)} margin"
        )
        if mmr > 0:  # where exactly: liquidation_price and move_to_liquidation_pct, not repeated here
            wipeout += f"; the {mmr * 100:g} % maintenance margin liquidates you before that"
        warnings.append(wipeout + ".")
    if lev > EXTREME_LEVERAGE:
        warnings.append(
            f"Extreme leverage ({lev:g}x): a {abs(liq_move) * 100:.3g} % move, ordinary intraday "
            "volatility in crypto, is enough to liquidate this position."
        )

    stop_pnl: float | None = None
    if stop is not None:
        stop_move = stop / entry - 1
        if direction * stop_move >= 0:
            warnings.append(
                f"Stop-loss {_fmt(stop)} is on the wrong side of the entry {_fmt(entry)} for a {side}: a "
                f"{side} stop must be {'below' if side == 'long' else 'above'} entry, or it triggers at once."
            )
        elif is_liquidated(stop_move):
            stop_pnl = -margin
            warnings.append(
                f"Stop-loss {_fmt(stop)} never triggers — you are liquidated first at {_fmt(liq_price)}, "
                f"losing the whole {_usd(margin)} margin."
            )
        else:
            stop_pnl = direction * quantity * (stop - entry)

    return LeverageAssessment(
        side=side,
        entry_price=entry,
        leverage=lev,
        position_usd=_round(position),
        margin_usd=_round(margin),
        quantity=_round(quantity),
        maintenance_margin_rate=mmr,
        liquidation_price=_round(liq_price),
        move_to_liquidation_pct=_round(liq_move * 100),
        stop_loss_price=stop,
        stop_loss_pnl_usd=None if stop_pnl is None else _round(stop_pnl),
        pnl_table=rows,
        warnings=warnings,
    )
