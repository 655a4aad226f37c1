"""Build the bundled offline price history from the public data in ../shared/data/prices.

    python scripts/build_history_snapshot.py [--prices-dir ../shared/data/prices]

Writes agent_tools/snapshot/history.json.gz: for every asset of the price snapshot
(agent_tools/snapshot/prices.json), its whole daily history from the very file that
snapshot priced it from, so the offline grade and the offline price agree on date and
source. That means Yahoo (to 2025-02: close and volume, no market cap) where Yahoo has the
asset and CoinGecko's export (to 2021-10: price, volume and market cap) otherwise. The two
are never spliced into one series: they differ in dates (a CoinGecko 00:00 UTC snapshot is
roughly the previous day's close) and in columns. Rows without a positive price are dropped;
zero volume or market cap is stored as null ("no data").

Size: closes keep 6 significant digits and volume / market cap 3, which moves no grade by
more than rounding (the factors read ratios, logs and ranks), and keeps the file under 500 KB.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

CLOSE_DIGITS = 6
AMOUNT_DIGITS = 3


def _round(value: float | None, digits: int) -> float | int | None:
    if value is None:
        return None
    rounded = float(f"{value:.{digits}g}")
    return int(rounded) if rounded >= 1e6 else rounded


def _positive(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


Row = tuple[date, float, float | None, float | None]  # date, close, volume, market cap


def _read(path: Path) -> list[Row]:
    """One source file as rows, whichever of the two layouts it has."""
    rows: list[Row] = []
    with path.open(newline="") as handle:
        for r in csv.DictReader(handle):
            if "snapped_at" in r:  # CoinGecko export
                day, close = date.fromisoformat(r["snapped_at"][:10]), _positive(r["price"])
                volume, market_cap = _positive(r["total_volume"]), _positive(r["market_cap"])
            else:  # Yahoo daily OHLCV
                day, close = date.fromisoformat(r["datetime"]), _positive(r["close"])
                volume, market_cap = _positive(r["volume"]), None
            if close is not None:
                rows.append((day, close, volume, market_cap))
    if any(b[0] <= a[0] for a, b in pairwise(rows)):
        raise SystemExit(f"{path}: dates are not strictly increasing")
    return rows


def _segments(days: list[date]) -> list[list[str | int]]:
    """Runs of consecutive days as [first day, length]: one run unless the source has gaps."""
    runs: list[tuple[date, int]] = []
    for day in days:
        if runs and runs[-1][0] + timedelta(days=runs[-1][1]) == day:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((day, 1))
    return [[start.isoformat(), length] for start, length in runs]


def build(prices_dir: Path, price_snapshot: Path) -> dict[str, object]:
    assets: dict[str, object] = {}
    for asset in json.loads(price_snapshot.read_text())["assets"]:
        rows = _read(prices_dir / asset["source_file"])
        market_caps = [_round(r[3], AMOUNT_DIGITS) for r in rows]
        assets[asset["id"]] = {
            "symbol": asset["symbol"],
            "source_file": asset["source_file"],
            "segments": _segments([r[0] for r in rows]),
            "close": [_round(r[1], CLOSE_DIGITS) for r in rows],
            "volume": [_round(r[2], AMOUNT_DIGITS) for r in rows],
            "market_cap": market_caps if any(m is not None for m in market_caps) else None,
        }
    return {
        "description": "Daily USD history from public datasets; see ../shared/data/prices/SOURCES.md. "
        f"Closes to {CLOSE_DIGITS} significant digits, volume and market cap to {AMOUNT_DIGITS}.",
        "currency": "usd",
        "assets": assets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parent.parent
    snapshot_dir = root / "agent_tools" / "snapshot"
    parser.add_argument("--prices-dir", type=Path, default=root.parent / "shared" / "data" / "prices")
    parser.add_argument("--out", type=Path, default=snapshot_dir / "history.json.gz")
    args = parser.parse_args()
    history = build(args.prices_dir, snapshot_dir / "prices.json")
    body = json.dumps(history, separators=(",", ":")).encode()
    args.out.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))  # mtime 0: reproducible bytes
    print(f"wrote {len(history['assets'])} assets, {args.out.stat().st_size:,} bytes to {args.out}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
