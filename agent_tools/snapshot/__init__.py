"""Bundled offline data: what the server answers from without a network.

Every value here carries the real date of the row it came from, and every answer built
from it says `source: "snapshot"` and `stale: true`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from pydantic import BaseModel, ConfigDict


class SnapshotAsset(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    symbol: str
    name: str
    price: float
    change_24h_pct: float | None
    volume_24h: float | None
    market_cap: float | None
    as_of: datetime
    source_file: str


class _PriceFile(BaseModel):
    description: str
    currency: str
    assets: list[SnapshotAsset]


@dataclass(frozen=True)
class PriceSnapshot:
    currency: str
    assets: tuple[SnapshotAsset, ...]
    by_id: Mapping[str, SnapshotAsset]
    by_symbol: Mapping[str, SnapshotAsset]  # upper-case ticker


@functools.cache
def price_snapshot() -> PriceSnapshot:
    """The bundled price snapshot (built by scripts/build_snapshot.py)."""
    text = resources.files("agent_tools.snapshot").joinpath("prices.json").read_text(encoding="utf-8")
    data = _PriceFile.model_validate(json.loads(text))
    return PriceSnapshot(
        currency=data.currency,
        assets=tuple(data.assets),
        by_id={a.id: a for a in data.assets},
        by_symbol={a.symbol.upper(): a for a in data.assets},
    )


def age_days(as_of: datetime, now: float) -> int:
    """Whole days between a record's date and `now` (unix seconds): how old a snapshot answer is."""
    return max(0, int((now - as_of.timestamp()) // 86_400))
