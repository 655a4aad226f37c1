"""One PNG of a price series: candles when every bar has one, else a line of closes.

matplotlib is imported on the first chart, never at start-up (benchmarks/cold_start.py). Only its
object-oriented API is used (a Figure with an Agg canvas, no pyplot state), one figure per call;
rendering runs off the event loop's thread, one chart at a time (matplotlib's font caches are not
meant for concurrent use). The PNG carries its title and a description of the series as text
chunks, so a reader (or a test) can tell what it shows without looking.
"""

# matplotlib's own annotations leave **kwargs untyped, which strict mode reports on every call:
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from agent_tools.domain.history import Bar, downsample

MAX_CANDLES = 150
"""More candles than this on 800 pixels are slivers: bars are merged (the one merge rule) first."""
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100
UP, DOWN, LINE = "#26a69a", "#ef5350", "#1f77b4"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    title: str
    bars: Sequence[Bar]
    currency: str
    description: str  # the series in words, stored in the PNG
    source: str


def render_png(chart: Chart) -> bytes:
    """The chart as PNG bytes (800 x 450)."""
    with _LOCK:
        return _render(chart)


def _render(chart: Chart) -> bytes:
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = chart.bars
    if all(b.has_candle for b in bars):
        shown, _ = downsample(bars, MAX_CANDLES)
        x = [_day_number(mdates, b) for b in shown]
        step = min((b - a for a, b in itertools.pairwise(x)), default=1.0)
        colours = [UP if b.close >= (b.open or b.close) else DOWN for b in shown]
        axes.vlines(x, [b.low or b.close for b in shown], [b.high or b.close for b in shown], colors=colours)
        bodies = [max(abs(b.close - (b.open or b.close)), 1e-12) for b in shown]
        bottoms = [min(b.close, b.open or b.close) for b in shown]
        axes.bar(x, bodies, width=step * 0.7, bottom=bottoms, color=colours, linewidth=0)
    else:
        axes.plot([_day_number(mdates, b) for b in bars], [b.close for b in bars], color=LINE, linewidth=1.4)
    axes.xaxis_date()
    axes.set_title(chart.title, fontsize=11)
    axes.set_ylabel(chart.currency.upper())
    axes.grid(alpha=0.3)
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(
        out,
        format="png",
        metadata={
            "Title": chart.title,
            "Description": chart.description,
            "Source": chart.source,
            "Software": "agent-tools",
        },
    )
    return out.getvalue()


def _day_number(mdates: ModuleType, bar: Bar) -> float:
    """matplotlib's date axis unit (days since its epoch)."""
    return float(mdates.date2num(bar.t))
