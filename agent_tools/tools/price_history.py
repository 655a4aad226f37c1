"""get_price_history: a coin's price over 1-3,650 days, hourly, daily or weekly, with summary
statistics and, on request, a chart.

Sources (sources/history.py): CoinGecko first, Binance or DefiLlama when CoinGecko cannot serve
the range or its request budget is nearly spent, the bundled snapshot offline or when nothing live
answers. Statistics are computed on every bar of the range; the points returned are merged (first
open, highest high, lowest low, last close, summed volume) until the answer fits in about 4 KB,
unless `limit` asks for more, and the answer says what was merged.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from datetime import datetime
from typing import Annotated, Literal

import pydantic_core
from mcp.types import CallToolResult, ContentBlock, ImageContent, TextContent
from pydantic import BaseModel, Field

from agent_tools.domain import history as h
from agent_tools.errors import InvalidArgument
from agent_tools.services import Services
from agent_tools.sources.outcome import SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools._resolve import Asset, parse_symbol, resolve
from agent_tools.tools.price import VS_CURRENCIES

MAX_DAYS = 3650
MAX_LIMIT = 5000
RESULT_BYTES = 4096
"""The default answer fits here (json.dumps of the structured content, as tests/test_result_size.py measures)."""
_PLAIN_TICKER = re.compile(r"[A-Z0-9]{1,12}")


class HistoryPoint(BaseModel):
    t: datetime = Field(description="start of the point's period (UTC)")
    open: float | None = Field(description="null where the source has closes only")
    high: float | None
    low: float | None
    close: float = Field(description="the period's last price")
    volume: float | None = Field(
        description="volume traded in the period, in the quote currency (null where the source gives none)"
    )


class HistoryStats(BaseModel):
    change_pct: float | None = Field(description="first to last close of the range, percent")
    high: float = Field(description="highest price of the range (candle highs where there are candles)")
    low: float
    max_drawdown_pct: float = Field(description="worst peak-to-trough fall of the closes, percent (<= 0)")
    volatility_annual_pct: float | None = Field(
        description="standard deviation of the bar-to-bar log returns, annualised (365-day year), percent"
    )


class Merged(BaseModel):
    bars: int = Field(description="bars in the range (what `stats` and the chart read)")
    points: int = Field(description="points returned")
    bars_per_point: int


class PriceHistoryResult(BaseModel):
    asset_id: str = Field(description="CoinGecko id")
    symbol: str
    name: str | None
    currency: str
    interval: h.Interval = Field(description="spacing of the bars (the snapshot has daily bars only)")
    days: int = Field(description="the range asked for")
    points: list[HistoryPoint] = Field(description="oldest first")
    stats: HistoryStats = Field(description="over every bar of the range, not only the points returned")
    merged: Merged | None = Field(
        description="set when bars were merged into fewer points to keep the answer small"
    )
    alternatives: list[str] = Field(
        description="other coins sharing the ticker (CoinGecko ids), largest first"
    )
    source: str = Field(description="coingecko | binance | defillama | snapshot")
    as_of: datetime = Field(description="when the newest price was observed")
    stale: bool = Field(description="true for the offline snapshot or an expired cache entry")
    warnings: list[str]


def _sig(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else float(f"{value:.{digits}g}")


def _point(bar: h.Bar) -> HistoryPoint:
    return HistoryPoint(
        t=bar.t,
        open=_sig(bar.open),
        high=_sig(bar.high),
        low=_sig(bar.low),
        close=float(f"{bar.close:.6g}"),
        volume=_sig(bar.volume, 4),
    )


def _stats(stats: h.HistoryStats) -> HistoryStats:
    return HistoryStats(
        change_pct=None if stats.change_pct is None else round(stats.change_pct, 2),
        high=float(f"{stats.high:.6g}"),
        low=float(f"{stats.low:.6g}"),
        max_drawdown_pct=round(stats.max_drawdown_pct, 2),
        volatility_annual_pct=None
        if stats.volatility_annual_pct is None
        else round(stats.volatility_annual_pct, 1),
    )


def _size(result: PriceHistoryResult) -> int:
    return len(json.dumps(result.model_dump(mode="json")))


def _answer(base: PriceHistoryResult, bars: list[h.Bar], limit: int | None) -> PriceHistoryResult:
    """`base` with the bars as points: all of them or `limit`, else as many as fit in RESULT_BYTES."""

    def build(max_points: int) -> PriceHistoryResult:
        points, per_point = h.downsample(bars, max_points)
        merged = (
            None if per_point == 1 else Merged(bars=len(bars), points=len(points), bars_per_point=per_point)
        )
        warnings = list(base.warnings)
        if merged is not None:
            warnings.append(
                f"{len(bars)} {base.interval} bars merged {per_point} per point into {len(points)} points"
                + ("" if limit is not None else " to keep the answer under 4 KB (pass limit for more)")
                + "; stats cover every bar"
            )
        return base.model_copy(
            update={"points": [_point(b) for b in points], "merged": merged, "warnings": warnings}
        )

    if limit is not None:
        return build(limit)
    result = build(len(bars))
    size = _size(result)
    if size <= RESULT_BYTES or len(result.points) == 1:
        return result
    one = _size(build(1))
    per_point = (size - one) / max(len(result.points) - 1, 1)
    target = max(1, math.floor((RESULT_BYTES - one) / per_point) + 1)
    while True:  # merged points differ a little in size: shrink until the answer fits
        result = build(target)
        if _size(result) <= RESULT_BYTES or target == 1:
            return result
        target -= 1


def _label(asset: Asset) -> str:
    """The ticker when it is plain letters and digits, with the id (tickers are third-party text)."""
    ticker = asset.symbol.upper()
    return f"{ticker} ({asset.id})" if _PLAIN_TICKER.fullmatch(ticker) else asset.id


def _coverage(bars: list[h.Bar], days: int, interval: h.Interval) -> str | None:
    expected = h.bucket_start(bars[-1].t, interval) - (h.bars_needed(days, interval) - 1) * h.PERIOD[interval]
    if bars[0].t - expected > h.PERIOD[interval]:
        return f"history starts {bars[0].t.date().isoformat()}: the source has nothing older in this range"
    return None


async def fetch_price_history(
    services: Services,
    symbol: str,
    days: int,
    interval: h.Interval | Literal["auto"],
    vs_currency: str,
    limit: int | None,
    chart: bool,
) -> CallToolResult:
    from agent_tools.sources.history import HistoryAsk, price_history, unserved  # on the first call

    vs = vs_currency.strip().lower()
    if vs not in VS_CURRENCIES:
        raise InvalidArgument(
            f"unsupported vs_currency {vs_currency!r}", hint=f"one of: {', '.join(sorted(VS_CURRENCIES))}"
        )
    try:
        chosen = h.choose_interval(interval, days)
    except ValueError as exc:
        raise InvalidArgument(f"interval: {exc}") from None
    why = unserved(services, days, vs)
    if why is not None:
        raise InvalidArgument(
            why, hint="ask in usd, or for 365 days or fewer (a CoinGecko pro plan serves more)"
        )
    query = parse_symbol(symbol, "get_price_history")
    warnings: list[str] = []
    asset = await resolve(services, query, warnings)
    run = SourceRun()
    got = await price_history(
        services, run, HistoryAsk(asset.id, asset.symbol, asset.ticker_primary, chosen, days, vs)
    )
    warnings[:0] = run.failure_notes()
    warnings += got.notes
    history = got.history
    bars = list(history.bars)
    gap = _coverage(bars, days, history.interval)
    if gap is not None:
        warnings.append(gap)
    base = PriceHistoryResult(
        asset_id=asset.id,
        symbol=asset.symbol.upper(),
        name=asset.name,
        currency=vs,
        interval=history.interval,
        days=days,
        points=[],
        stats=_stats(h.stats(bars, history.interval)),
        merged=None,
        alternatives=list(asset.alternatives),
        source=got.source,
        as_of=history.last_price_at,
        stale=got.stale,
        warnings=warnings,
    )
    result = _answer(base, bars, limit)
    content: list[ContentBlock] = [
        TextContent(type="text", text=pydantic_core.to_json(result).decode())  # compact, as every answer
    ]
    if chart:
        content.append(await _chart(asset, result, bars))
    return CallToolResult(content=content, structured_content=result.model_dump(mode="json"))


async def _chart(asset: Asset, result: PriceHistoryResult, bars: list[h.Bar]) -> ImageContent:
    import base64

    from agent_tools.tools._chart import Chart, render_png

    first, last = bars[0].t.date().isoformat(), bars[-1].t.date().isoformat()
    stale = " · stale" if result.stale else ""
    title = f"{_label(asset)} · {first} to {last} · {result.interval} · source {result.source}{stale}"
    description = (
        f"{len(bars)} {result.interval} bars of {asset.id} in {result.currency.upper()} from {first} to "
        f"{last}, first close {bars[0].close:.6g}, last close {bars[-1].close:.6g}, "
        f"{'candles' if all(b.has_candle for b in bars) else 'closes'}"
    )
    spec = Chart(title, bars, result.currency, description, result.source)
    png = await asyncio.to_thread(render_png, spec)
    return ImageContent(type="image", data=base64.b64encode(png).decode(), mime_type="image/png")


DESCRIPTION = f"""A coin's price history over the last 1-{MAX_DAYS} days: points (oldest first; `t` = start of the period, UTC; open/high/low/close, volume), summary `stats` (change, high, low, max drawdown, annualised volatility), and on request a chart.

Use it when a user asks how a coin moved, for candles, a trend, a drawdown or volatility, or wants a chart.
`symbol` is a ticker ("BTC"; a ticker several coins share resolves to the largest market cap, and
`alternatives` and `warnings` name the others) or a CoinGecko id ("bitcoin"); not a contract address.
`interval`: auto (hourly up to 7 days, daily up to 730, weekly beyond), hourly (up to 90 days), daily or
weekly. OHLC is null where a source has closes only; volume is null where it gives none. `stats` read every
bar of the range; to keep the answer near 4 KB the points are merged into fewer (`merged` says how many per
point) unless `limit` asks for more. `chart: true` adds one PNG image (candles or a line of closes).
Sources: CoinGecko, else Binance (USDT taken as USD) or DefiLlama, named in `source`; offline or when nothing
live answers, the bundled snapshot (`stale: true`, its date and age in `warnings`). Only CoinGecko serves
other currencies than USD, up to 365 days on free plans. Not advice."""


async def get_price_history(
    services: Services,
    symbol: Annotated[
        str,
        Field(min_length=1, max_length=120, description='A ticker ("BTC") or a CoinGecko id ("bitcoin").'),
    ],
    days: Annotated[int, Field(ge=1, le=MAX_DAYS, description="How many days back from now.")] = 30,
    interval: Annotated[
        Literal["auto", "hourly", "daily", "weekly"],
        Field(description="Bar spacing; auto picks it from `days`."),
    ] = "auto",
    vs_currency: Annotated[
        str, Field(min_length=2, max_length=10, description="Quote currency, e.g. usd, eur, btc.")
    ] = "usd",
    limit: Annotated[
        int | None,
        Field(
            ge=1, le=MAX_LIMIT, description="Most points to return; default: as many as fit in about 4 KB."
        ),
    ] = None,
    chart: Annotated[bool, Field(description="Also return a PNG chart of the range.")] = False,
) -> Annotated[CallToolResult, PriceHistoryResult]:
    return await fetch_price_history(services, symbol, days, interval, vs_currency, limit, chart)


TOOL = ToolSpec(get_price_history, title="Get price history", description=DESCRIPTION, open_world=True)
