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
    "with data; trader weights fitted on 2017-2021 data only, investor weights equal). Trader grade: last "
    f"{grades.TRADER_LOOKBACK_DAYS} daily rows, needs {grades.TRADER_MIN_DAYS}; investor grade: all history "
    f"given, needs {grades.INVESTOR_MIN_DAYS}. Signal: trader grade >= {grades.BULLISH_THRESHOLD:g} bullish, "
    f"<= {grades.BEARISH_THRESHOLD:g} bearish, else neutral. Weak evidence, not advice."
)
"""The domain's METHOD in short: the weights are in `factors`, and results stay under ~4 KB."""


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
        warnings=warnings,
    )


# --- open model ----------------------------------------------------------------------------------


async def _history(
    services: Services, run: SourceRun, asset: Asset, warnings: list[str]
) -> tuple[grades.DailySeries, str, bool]:
    """Daily history as every history answer gets it (sources/history.py), its source and staleness."""
    from agent_tools.sources.history import FREE_PLAN_DAYS, HistoryAsk, full_history_days, price_history

    days = full_history_days(services)
    ask = HistoryAsk(asset.id, asset.symbol, asset.ticker_primary, "daily", days)
    got = await price_history(services, run, ask)
    warnings += run.failure_notes() + got.notes
    bars = got.history.bars
    if days == FREE_PLAN_DAYS and len(bars) >= grades.INVESTOR_MIN_DAYS:
        warnings.append(
            f"history is the last {len(bars)} days (the window CoinGecko's free plans serve, whatever the "
            "source): the investor grade's history_length and drawdown_from_ath see only that window"
        )
    return to_daily_series(bars), got.source, got.stale


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
Weak evidence, not advice: on the 2022-2025 holdout the open trader grade's weekly rank IC with 30-day
forward returns was +0.057 (95 % interval -0.012..+0.123; 30-day momentum -0.013). The investor grade
describes quality and risk and is not a return forecast (IC -0.20 with 180-day returns in 2017-2021).
Never present a grade as a recommendation to buy or sell."""


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
