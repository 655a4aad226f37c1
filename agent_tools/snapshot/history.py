"""Bundled daily price history (built by scripts/build_history_snapshot.py).

get_price_history and the open-model grade answer from it offline or when no live history
source does (sources/history.py). Each asset's series comes from one source file, the same one
the price snapshot uses, with its real dates; answers built from it are `stale` and say how old.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from pydantic import BaseModel

from agent_tools.domain.grades import DailySeries


class _Asset(BaseModel):
    symbol: str
    source_file: str
    segments: list[tuple[date, int]]  # runs of consecutive days: (first day, length)
    close: list[float]
    volume: list[float | None] | None
    market_cap: list[float | None] | None


class _HistoryFile(BaseModel):
    description: str
    currency: str
    assets: dict[str, _Asset]


@dataclass(frozen=True)
class SnapshotHistory:
    coin_id: str
    symbol: str
    source_file: str  # e.g. "yahoo_daily/ETH-USD_1d.csv" under shared/data/prices
    series: DailySeries


@functools.cache
def _history_file() -> _HistoryFile:
    raw = resources.files("agent_tools.snapshot").joinpath("history.json.gz").read_bytes()
    return _HistoryFile.model_validate(json.loads(gzip.decompress(raw)))


@functools.cache
def history_for(coin_id: str) -> SnapshotHistory | None:
    """The bundled daily series of a CoinGecko id, or None if the snapshot lacks it."""
    asset = _history_file().assets.get(coin_id)
    if asset is None:
        return None
    dates = [start + timedelta(days=i) for start, length in asset.segments for i in range(length)]
    series = DailySeries(dates=dates, close=asset.close, volume=asset.volume, market_cap=asset.market_cap)
    return SnapshotHistory(coin_id, asset.symbol, asset.source_file, series)
