"""get_grade: trader and investor grades (0-100) and a bullish / bearish / neutral signal.

With a Token Metrics key the grades are Token Metrics' own. Without one, or when Token
Metrics refuses or fails, they come from the open model (agent_tools.domain.grades,
docs/grades.md) on daily history from the sources get_price_history reads (CoinGecko; Binance
or DefiLlama when CoinGecko's budget is spent or it fails; the bundled history snapshot when
offline or nothing live answers). Every fallback is named in `warnings`.
"""

from datetime import date
from typing import Annotated, Literal

from mcp.server.mcpserver.context import Context
from pydantic import BaseModel, Field

from agent_tools.domain import grades
from agent_tools.domain.history import to_daily_series
from agent_tools.domain.model_card import ModelCard
from agent_tools.services import Services
from agent_tools.sources.outcome import Failed, Ok, SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools._resolve import Asset, parse_symbol, resolve

STEPS = 3
"""Progress stages: resolve, fetch (history or Token Metrics), grade; reported only if asked."""
TM_METHOD = (
    "Token Metrics' proprietary grades (TM_TRADER_GRADE, TM_INVESTOR_GRADE, 0-100) and TRADING_SIGNAL "
    "(1 bullish, -1 bearish, 0 neutral) from its newest daily rows. Token Metrics does not publish "
    "its weights, so factor weights are null. Not advice."
)
OPEN_METHOD = (
    "Open model (docs/grades.md): each factor's raw value maps to a 0-100 score by a fixed transform; a "
    "grade is the weighted mean of its factors' scores, with the weights shown (renormalised over factors "
    "with data; trader weights fitted on 2017-2021 data only). Trader grade: last "
    f"{grades.TRADER_LOOKBACK_DAYS} daily rows, needs {grades.TRADER_MIN_DAYS}; investor grade, a risk grade "
    f"(weights chosen on 2017-2021 against forward drawdowns), needs {grades.INVESTOR_MIN_DAYS}. Signal: "
    f"trader grade >= {grades.BULLISH_THRESHOLD:g} bullish, <= {grades.BEARISH_THRESHOLD:g} bearish, else "
    "neutral. Weak evidence, not advice."
)
"""The domain's METHOD in short: the weights are in `factors`, and results stay under ~4 KB."""
TM_CARD = ModelCard(what="Token Metrics' own grades", accuracy=[], measured_on=None, fitted_at=None)
"""Token Metrics publishes no accuracy we can check: not measured here."""


class GradeFactor(BaseModel):
    name: str
    horizon: Literal["trader", "investor"]
    value: float | None = Field(description="raw value (see description); null = no data")
    score: float | None = Field(description="0-100; null = no data")
    weight: float | None = Field(
        description="share of its grade actually used (per horizon they sum to 1); null where unpublished"
    )
    description: str


class GradeResult(BaseModel):
    symbol: str
    asset_id: str = Field(description="CoinGecko id")
    name: str | None
    trader_grade: float | None = Field(description="0-100, horizon weeks; null = unknown")
    investor_grade: float | None = Field(description="0-100, horizon months to years; null = unknown")
    signal: grades.Signal | None
    factors: list[GradeFactor]
    source: Literal["tokenmetrics", "open-model"]
    method: str
    as_of: date = Field(description="the day the grades describe (UTC)")
    stale: bool = Field(description="true when graded on the offline snapshot or an expired cache entry")
    history_days: int | None = Field(description="daily rows the open model read; null for Token Metrics")
    history_source: str | None = Field(
        description="where the open model's daily history came from: coingecko | binance | defillama | "
        "snapshot; null for Token Metrics"
    )
    model: ModelCard = Field(description="what the grades are, their measured accuracy, when fitted")
    warnings: list[str]


# --- Token Metrics -------------------------------------------------------------------------------


def _from_tokenmetrics(asset: Asset, got: Ok[grades.ProviderGrades], warnings: list[str]) -> GradeResult:
    tm = got.value
    warnings += tm.notes
    if tm.signal is None:
        warnings.append("Token Metrics sent no trading signal: signal is null")
    factors = [
        GradeFactor(name=name, horizon="trader", value=value, score=value, weight=None, description=text)
        for name, value, text in (
            ("ta_grade", tm.ta_grade, "Token Metrics technical-analysis grade"),
            ("quant_grade", tm.quant_grade, "Token Metrics quantitative grade"),
        )
        if value is not None
    ]
    return GradeResult(
        symbol=asset.symbol.upper(),
        asset_id=asset.id,
        name=asset.name,
        trader_grade=tm.trader_grade,
        investor_grade=tm.investor_grade,
        signal=tm.signal,
        factors=factors,
        source="tokenmetrics",
        method=TM_METHOD,
        as_of=tm.as_of,
        stale=got.stale,
        history_days=None,
        history_source=None,
        model=TM_CARD,
        warnings=warnings,
    )


# --- open model ----------------------------------------------------------------------------------


async def _history(
    services: Services, run: SourceRun, asset: Asset, warnings: list[str]
) -> tuple[grades.DailySeries, str, bool]:
    """Daily history as every history answer gets it (sources/history.py), its source and staleness."""
    from agent_tools.sources.history import HistoryAsk, full_history_days, price_history

    days = full_history_days(services)
    ask = HistoryAsk(asset.id, asset.symbol, asset.ticker_primary, "daily", days)
    got = await price_history(services, run, ask)
    warnings += run.failure_notes() + got.notes
    return to_daily_series(got.history.bars), got.source, got.stale


def _sig(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}")


async def _open_model(
    services: Services, run: SourceRun, asset: Asset, warnings: list[str], ctx: Context
) -> GradeResult:
    series, source, stale = await _history(services, run, asset, warnings)
    await ctx.report_progress(
        2, STEPS, f"history: {len(series.dates)} daily rows to {series.dates[-1].isoformat()}"
    )
    result = grades.compute_grades(series)
    return GradeResult(
        symbol=asset.symbol.upper(),
        asset_id=asset.id,
        name=asset.name,
        trader_grade=result.trader_grade,
        investor_grade=result.investor_grade,
        signal=result.signal,
        factors=[
            GradeFactor(
                name=f.name,
                horizon=f.horizon,
                value=_sig(f.value),
                score=f.score,
                weight=round(f.weight, 4),
                description=f.description,
            )
            for f in result.factors
        ],
        source="open-model",
        method=OPEN_METHOD,
        as_of=result.as_of,
        stale=stale,
        history_days=len(series.dates),
        history_source=source,
        model=grades.MODEL_CARD,
        warnings=warnings + result.warnings,
    )


# --- tool ----------------------------------------------------------------------------------------


async def grade_asset(services: Services, symbol: str, ctx: Context) -> GradeResult:
    query = parse_symbol(symbol, "get_grade")
    warnings: list[str] = []
    asset = await resolve(services, query, warnings)
    await ctx.report_progress(1, STEPS, f"resolved {query.text} to {asset.id}")
    run = SourceRun()
    if services.settings.tokenmetrics_api_key is not None and not services.settings.offline:
        from agent_tools.sources.grades import tokenmetrics_grades

        got = await run.ask("tokenmetrics", tokenmetrics_grades(services, asset.id, asset.symbol, asset.name))
        if isinstance(got, Ok):
            await ctx.report_progress(2, STEPS, "fetched Token Metrics grades and signal")
            await ctx.report_progress(3, STEPS, "done")
            return _from_tokenmetrics(asset, got, warnings)
        why = (
            f"{got.error.code}: {got.error.message}"
            if isinstance(got, Failed)
            else f"NOT_FOUND: {got.detail}"
        )
        warnings.append(f"Token Metrics failed ({why}); graded with the open model")
        run = SourceRun()  # the open model's sources decide its errors; Token Metrics is in the warning
    graded = await _open_model(services, run, asset, warnings, ctx)
    await ctx.report_progress(3, STEPS, "graded")
    return graded


DESCRIPTION = f"""Trader grade (horizon weeks) and investor grade (months to years), each 0-100, plus a bullish / bearish / neutral signal, for one crypto asset.

Use it when a user asks whether a coin looks technically strong or weak, or how established and risky it is.
`symbol` is a ticker ("ETH"; a ticker shared by several coins resolves to the largest market cap and
`warnings` names the others) or a CoinGecko id ("ethereum"); not a contract address.
Sources: Token Metrics when AGENT_TOOLS_TOKENMETRICS_API_KEY is set (`source: "tokenmetrics"`); otherwise,
or when Token Metrics fails (named in `warnings`), the open model (`source: "open-model"`) on daily
history: CoinGecko's (365 days on free plans), Binance's or DefiLlama's when CoinGecko's request budget is
spent or it fails (`history_source` says which), or the bundled history snapshot when offline or nothing
live answers (`stale: true`, `as_of` = the snapshot's last day, its age in `warnings`). Open-model signal: trader grade >= {grades.BULLISH_THRESHOLD:g}
bullish, <= {grades.BEARISH_THRESHOLD:g} bearish, else neutral. `factors` gives each input's raw value, 0-100
score and weight. A null grade means too little history (trader {grades.TRADER_MIN_DAYS} days, investor
{grades.INVESTOR_MIN_DAYS}); `warnings` says why.
What the numbers mean (open model; `model` carries the figures): the trader grade ranks assets by their
next 30 days' return, weakly: weekly rank IC +0.057 on the 2022-2025 holdout (95 % interval -0.012..+0.123;
30-day momentum -0.013). The investor grade is a risk grade: higher = calmer (90- and 365-day volatility),
which ranked the next 90 days' maximum drawdown, rank IC +0.59 on the holdout (trailing volatility alone
+0.54); it is not a return forecast. Weak evidence, not advice: never present a grade as a
recommendation to buy or sell."""


async def get_grade(
    services: Services,
    symbol: Annotated[
        str,
        Field(min_length=1, max_length=120, description='A ticker ("ETH") or a CoinGecko id ("ethereum").'),
    ],
    ctx: Context,
) -> GradeResult:
    return await grade_asset(services, symbol, ctx)


TOOL = ToolSpec(get_grade, title="Get trader and investor grades", description=DESCRIPTION, open_world=True)
