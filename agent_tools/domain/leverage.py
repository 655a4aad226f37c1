"""Isolated-margin risk of a linear (USDT-margined) perpetual or futures position.

Pure arithmetic, no I/O. Two liquidation formulas:

- the default takes the maintenance margin on the *entry* notional (``mmr × position``): one line
  of arithmetic, ``entry × (1 − 1/L + mmr)`` for a long, that every worked example here uses;
- Binance's isolated formula (given a ``maintenance_amount_usd``, 0 allowed) takes it on the
  notional *at the liquidation price*, less the bracket's maintenance amount, so the liquidation
  price matches the exchange's own (its FAQ "How to Calculate Liquidation Price of USDⓈ-M
  Futures Contracts", isolated mode: TMM = 0, UPNL = 0). The default is off from it by up to
  0.5 % of entry at 1x and about 0.16 % at 3x short.

Both leave out trading fees, funding payments and the mark/last price difference: each of those
moves a real liquidation slightly *closer*, so treat the numbers as the best case.

Size convention: give at most one of ``position_usd`` (the notional, ``quantity × entry``) or
``margin_usd`` (the collateral you post). ``margin = position / leverage``, so "$1,000 margin
at 10x" and "$10,000 position at 10x" describe the same trade. Without either, the liquidation
point and the P&L table in % of margin still follow (they do not depend on size); USD figures
are then null.
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


Formula = Literal["entry_notional", "binance_isolated"]


class PnlRow(BaseModel):
    """P&L of the position if the price moved by ``price_move_pct`` from entry."""

    model_config = ConfigDict(frozen=True)

    price_move_pct: float
    price: float
    pnl_usd: float | None
    """Null when no size was given."""
    pnl_pct_of_margin: float
    liquidated: bool


class LeverageAssessment(BaseModel):
    """Liquidation point, P&L table and warnings for one isolated-margin position."""

    model_config = ConfigDict(frozen=True)

    side: Side
    entry_price: float
    leverage: float
    position_usd: float | None
    margin_usd: float | None
    quantity: float | None
    """Size fields are null when neither ``position_usd`` nor ``margin_usd`` was given."""
    maintenance_margin_rate: float
    maintenance_amount_usd: float | None
    formula: Formula
    liquidation_price: float | None
    """Null when no price move can liquidate the position (Binance shows "--" for it)."""
    move_to_liquidation_pct: float | None
    """Signed price move from entry to liquidation: negative for a long, positive for a short."""
    stop_loss_price: float | None
    stop_loss_pnl_usd: float | None
    """Loss if the stop fills at its price; ``-margin`` when liquidation comes first; ``None`` if
    there is no stop, no size, or the stop sits on the wrong side of entry."""
    stop_loss_pnl_pct_of_margin: float | None
    pnl_table: list[PnlRow]
    warnings: list[str]


def _round(x: float) -> float:
    """Round to significant digits, so float noise goes but sub-cent prices survive."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, _SIG_DIGITS - 1 - math.floor(math.log10(abs(x))))


def _opt(x: float | None) -> float | None:
    return None if x is None else _round(x)


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
    """Signed fractional price move at which the position is liquidated (entry-notional formula).

    With quantity ``q``, entry ``E`` and margin ``M = q·E/L``, a long's equity at price ``P``
    is ``M + q·(P − E)``. Liquidation happens when equity falls to the maintenance margin,
    taken here on the entry notional, ``mmr·q·E``. Solving gives ``P/E − 1 = −(1/L − mmr)``;
    for a short the sign flips. (Exchanges apply mmr to the notional at the liquidation price:
    see :func:`binance_isolated_move`.)
    """
    cushion = 1.0 / leverage - maintenance_margin_rate
    return -cushion if side == "long" else cushion


def binance_isolated_move(
    side: Side, leverage: float, maintenance_margin_rate: float, amount_per_notional: float = 0.0
) -> float:
    """Signed fractional move to Binance's isolated-margin liquidation price.

    Binance: ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)`` with ``s`` = +1 long / −1 short,
    wallet balance ``WB = Q·EP/L`` and maintenance amount ``cum``. Divided by ``EP`` and with
    ``a = cum / (Q·EP)`` (the amount per unit of entry notional): long ``(1 − 1/L − a) / (1 − MMR)``,
    short ``(1 + 1/L + a) / (1 + MMR)``, minus 1. A long whose result is ≤ −1 cannot be
    liquidated by any price (Binance shows "--").
    """
    if side == "long":
        ratio = (1.0 - 1.0 / leverage - amount_per_notional) / (1.0 - maintenance_margin_rate)
    else:
        ratio = (1.0 + 1.0 / leverage + amount_per_notional) / (1.0 + maintenance_margin_rate)
    return ratio - 1.0


def _size(position_usd: float | None, margin_usd: float | None, lev: float) -> tuple[float, float] | None:
    """(position, margin) from whichever one is given, or None for a sizeless assessment."""
    if position_usd is not None and margin_usd is not None:
        raise ValueError("give at most one of position_usd (notional) or margin_usd (collateral)")
    if position_usd is not None:
        position = _positive("position_usd", position_usd)
        return position, position / lev
    if margin_usd is not None:
        margin = _positive("margin_usd", margin_usd)
        return margin * lev, margin
    return None


def _liquidation(
    side: Side, lev: float, mmr: float, amount: float | None, size: tuple[float, float] | None
) -> tuple[Formula, float | None]:
    """The formula used and the signed move to liquidation (None: no price liquidates it)."""
    if amount is None:
        if not 0 <= mmr < 1 / lev:
            raise ValueError(
                f"maintenance_margin_rate must be >= 0 and below the initial margin rate 1/leverage "
                f"({1 / lev:g}), got {mmr:g}: the position would be liquidated on opening"
            )
        return "entry_notional", liquidation_move(side, lev, mmr)
    if amount > 0 and size is None:
        raise ValueError(
            "maintenance_amount_usd is in USD, so it needs the size: give position_usd or margin_usd"
        )
    per_notional = 0.0 if size is None else amount / size[0]
    if mmr - per_notional >= 1 / lev:
        raise ValueError(
            f"maintenance margin (mmr × notional − maintenance_amount_usd) must stay below the margin "
            f"(notional / leverage): with mmr {mmr:g} the position would be liquidated on opening"
        )
    move = binance_isolated_move(side, lev, mmr, per_notional)
    return "binance_isolated", None if move <= -1 else move


def assess_leverage(
    *,
    entry_price: float,
    leverage: float,
    side: Side,
    position_usd: float | None = None,
    margin_usd: float | None = None,
    maintenance_margin_rate: float = DEFAULT_MAINTENANCE_MARGIN_RATE,
    maintenance_amount_usd: float | None = None,
    stop_loss_price: float | None = None,
) -> LeverageAssessment:
    """Assess an isolated-margin position; raise ``ValueError`` on invalid input.

    Liquidation price by default: long ``entry × (1 − 1/L + mmr)``, short ``entry × (1 + 1/L − mmr)``
    (see :func:`liquidation_move`); with ``maintenance_amount_usd``, Binance's isolated formula
    (:func:`binance_isolated_move`). Once liquidated, isolated margin loses exactly the margin
    and nothing more, so P&L rows are capped at ``−margin_usd`` (−100 % of margin).
    """
    entry = _positive("entry_price", entry_price)
    lev = _finite("leverage", leverage)
    if not MIN_LEVERAGE <= lev <= MAX_LEVERAGE:
        raise ValueError(f"leverage must be between {MIN_LEVERAGE:g} and {MAX_LEVERAGE:g}, got {lev:g}")
    if side not in ("long", "short"):
        raise ValueError(f"side must be 'long' or 'short', got {side!r}")
    mmr = _finite("maintenance_margin_rate", maintenance_margin_rate)
    if not 0 <= mmr < 1:
        raise ValueError(f"maintenance_margin_rate must be >= 0 and below 1, got {mmr:g}")
    amount = (
        None if maintenance_amount_usd is None else _finite("maintenance_amount_usd", maintenance_amount_usd)
    )
    if amount is not None and amount < 0:
        raise ValueError(f"maintenance_amount_usd must be >= 0, got {amount:g}")
    size = _size(position_usd, margin_usd, lev)
    stop = None if stop_loss_price is None else _positive("stop_loss_price", stop_loss_price)
    formula, liq_move = _liquidation(side, lev, mmr, amount, size)

    direction = 1.0 if side == "long" else -1.0
    liq_price = None if liq_move is None else entry * (1 + liq_move)

    def is_liquidated(move: float) -> bool:
        return liq_move is not None and direction * (move - liq_move) <= _MOVE_TOLERANCE

    def pct_of_margin(move: float) -> float:
        """P&L as % of margin: every 1 % move is `leverage` % of it, until liquidation takes all."""
        return -100.0 if is_liquidated(move) else direction * move * lev * 100

    def usd(pct: float) -> float | None:
        return None if size is None else pct / 100 * size[1]

    rows = [
        PnlRow(
            price_move_pct=pct,
            price=_round(entry * (1 + pct / 100)),
            pnl_usd=_opt(usd(pct_of_margin(pct / 100))),
            pnl_pct_of_margin=_round(pct_of_margin(pct / 100)),
            liquidated=is_liquidated(pct / 100),
        )
        for pct in PNL_TABLE_MOVES_PCT
    ]

    warnings = _leverage_warnings(entry, lev, mmr, direction, liq_move, size)
    stop_pct: float | None = None
    if stop is not None:
        stop_move = stop / entry - 1
        if direction * stop_move >= 0:
            warnings.append(
                f"Stop-loss {_fmt(stop)} is on the wrong side of the entry {_fmt(entry)} for a {side}: a "
                f"{side} stop must be {'below' if side == 'long' else 'above'} entry, or it triggers at once."
            )
        else:
            stop_pct = pct_of_margin(stop_move)
            if is_liquidated(stop_move) and liq_price is not None:
                lost = "the whole margin" if size is None else f"the whole {_usd(size[1])} margin"
                warnings.append(
                    f"Stop-loss {_fmt(stop)} never triggers — you are liquidated first at {_fmt(liq_price)}, "
                    f"losing {lost}."
                )

    return LeverageAssessment(
        side=side,
        entry_price=entry,
        leverage=lev,
        position_usd=None if size is None else _round(size[0]),
        margin_usd=None if size is None else _round(size[1]),
        quantity=None if size is None else _round(size[0] / entry),
        maintenance_margin_rate=mmr,
        maintenance_amount_usd=amount,
        formula=formula,
        liquidation_price=_opt(liq_price),
        move_to_liquidation_pct=_opt(None if liq_move is None else liq_move * 100),
        stop_loss_price=stop,
        stop_loss_pnl_usd=None if stop_pct is None else _opt(usd(stop_pct)),
        stop_loss_pnl_pct_of_margin=_opt(stop_pct),
        pnl_table=rows,
        warnings=warnings,
    )


def _leverage_warnings(
    entry: float,
    lev: float,
    mmr: float,
    direction: float,
    liq_move: float | None,
    size: tuple[float, float] | None,
) -> list[str]:
    warnings: list[str] = []
    margin = "margin" if size is None else f"{_usd(size[1])} margin"
    if liq_move is None:
        warnings.append(
            "No price move liquidates this position: its margin covers the maintenance margin "
            "all the way to a price of 0."
        )
    if lev >= WIPEOUT_WARNING_LEVERAGE:
        wipe_price = entry * (1 - direction / lev)
        wipeout = (
            f"At {lev:g}x a {100 / lev:.3g} % move against you (to {_fmt(wipe_price)}) "
            f"wipes out the whole {margin}"
        )
        if mmr > 0 and liq_move is not None:  # where exactly: liquidation_price and move_to_liquidation_pct
            wipeout += f"; the {mmr * 100:g} % maintenance margin liquidates you before that"
        warnings.append(wipeout + ".")
    if lev > EXTREME_LEVERAGE and liq_move is not None:
        warnings.append(
            f"Extreme leverage ({lev:g}x): a {abs(liq_move) * 100:.3g} % move, ordinary intraday "
            "volatility in crypto, is enough to liquidate this position."
        )
    return warnings
