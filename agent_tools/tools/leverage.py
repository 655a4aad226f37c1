"""assess_leverage: liquidation price and P&L table of an isolated-margin position (pure maths)."""

from typing import Annotated

from pydantic import Field

from agent_tools.domain.leverage import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    MAX_LEVERAGE,
    MIN_LEVERAGE,
    PNL_TABLE_MOVES_PCT,
    LeverageAssessment,
    Side,
)
from agent_tools.domain.leverage import (
    assess_leverage as assess,
)
from agent_tools.errors import InvalidArgument
from agent_tools.services import Services
from agent_tools.tools._registry import ToolSpec

MAX_USD = 1e12
MIN_PRICE = 1e-12  # below any traded price; smaller values only make the arithmetic overflow
MIN_USD = 0.01  # one cent: smaller positions are not tradable and underflow the margin maths
MAX_PRICE = 1e12


class LeverageResult(LeverageAssessment):
    summary: str = Field(description="the position in one sentence: size, margin, liquidation point")


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def _summary(a: LeverageAssessment) -> str:
    direction = "falls" if a.side == "long" else "rises"
    if a.margin_usd is None or a.position_usd is None or a.quantity is None:
        position = f"A {a.leverage:g}x {a.side} from {a.entry_price:,.6g}"
    else:
        position = (
            f"{_usd(a.margin_usd)} margin at {a.leverage:g}x = a {_usd(a.position_usd)} {a.side} position "
            f"({a.quantity:g} units at {a.entry_price:,.6g})"
        )
    if a.liquidation_price is None or a.move_to_liquidation_pct is None:
        liquidation = "No price move liquidates it"
    else:
        liquidation = (
            f"Liquidated if the price {direction} {abs(a.move_to_liquidation_pct):.4g} % to "
            f"{a.liquidation_price:,.6g}, losing the whole margin"
        )
    return f"{position}. {liquidation}; every 1 % move is {a.leverage:g} % of margin."


async def assess_leverage(
    services: Services,
    entry_price: Annotated[float, Field(ge=MIN_PRICE, le=MAX_PRICE, description="Entry price of the asset.")],
    leverage: Annotated[
        float, Field(ge=MIN_LEVERAGE, le=MAX_LEVERAGE, description="Leverage multiple, e.g. 10 for 10x.")
    ],
    side: Annotated[Side, Field(description="long (profits when the price rises) or short.")],
    position_usd: Annotated[
        float | None,
        Field(
            ge=MIN_USD,
            le=MAX_USD,
            description="Position size (notional) in USD; or give margin_usd, or neither (table in % of margin).",
        ),
    ] = None,
    margin_usd: Annotated[
        float | None,
        Field(
            ge=MIN_USD,
            le=MAX_USD,
            description="Collateral posted in USD; or give position_usd, or neither (table in % of margin).",
        ),
    ] = None,
    maintenance_margin_rate: Annotated[
        float,
        Field(ge=0, lt=1, description="Maintenance margin as a fraction of notional (0.005 = 0.5 %)."),
    ] = DEFAULT_MAINTENANCE_MARGIN_RATE,
    maintenance_amount_usd: Annotated[
        float | None,
        Field(
            ge=0,
            le=MAX_USD,
            description="Binance's 'maintenance amount' (cum) of the position's bracket, in USD; "
            "given (0 allowed), the liquidation price uses Binance's exact isolated formula.",
        ),
    ] = None,
    stop_loss_price: Annotated[
        float | None, Field(ge=MIN_PRICE, le=MAX_PRICE, description="Optional stop-loss price.")
    ] = None,
) -> LeverageResult:
    try:
        assessment = assess(
            entry_price=entry_price,
            leverage=leverage,
            side=side,
            position_usd=position_usd,
            margin_usd=margin_usd,
            maintenance_margin_rate=maintenance_margin_rate,
            maintenance_amount_usd=maintenance_amount_usd,
            stop_loss_price=stop_loss_price,
        )
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    return LeverageResult(**assessment.model_dump(), summary=_summary(assessment))


DESCRIPTION = f"""Liquidation price, distance to liquidation and a P&L table for a leveraged (isolated-margin,
USDT-margined perpetual/futures) position. Pure maths: no market data is fetched.

Use it when a user asks "what if I go 10x long", where they get liquidated, or how much a move
costs them. Give `entry_price`, `leverage` ({MIN_LEVERAGE:g}-{MAX_LEVERAGE:g}) and `side` (long/short); add at most
one of `position_usd` (notional) or `margin_usd` (collateral) for USD figures: $1,000 margin at
10x is a $10,000 position, so a 10 % move against it is −$1,000 = −100 % of margin. Without a
size the liquidation price and the table in % of margin still come back (USD fields null).
Formulas: margin = position / leverage; liquidation price long = entry × (1 − 1/leverage + mmr),
short = entry × (1 + 1/leverage − mmr), where mmr =
`maintenance_margin_rate`, default {DEFAULT_MAINTENANCE_MARGIN_RATE:g} ({DEFAULT_MAINTENANCE_MARGIN_RATE * 100:g} %, typical of BTC/ETH's smallest
brackets; altcoins and large positions need more, so pass the exchange's rate when known).
Exchange-exact: pass `maintenance_amount_usd` (Binance's bracket "maintenance amount", 0 for the
first bracket; needs a size when above 0) and the bracket's rate, and the liquidation price is
Binance's isolated formula (entry × (1 − 1/L − cum/notional) / (1 − mmr) for a long;
`formula: "binance_isolated"`); the default differs from it by up to 0.5 % of entry.
`pnl_table` covers moves of {", ".join(f"{m:+g}" for m in PNL_TABLE_MOVES_PCT)} %, with P&L in USD and
% of margin (capped at −100 % once liquidated). Fees, funding and mark-price differences are
ignored, so a real liquidation comes slightly sooner: treat the numbers as the best case."""


TOOL = ToolSpec(
    assess_leverage, title="Assess a leveraged position", description=DESCRIPTION, open_world=False
)
