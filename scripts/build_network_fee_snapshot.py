"""Build agent_tools/snapshot/network_fees.json, the offline fallback of estimate_network_fee.

Reads the public CSV exports described in <data-dir>/SOURCES.md and keeps one entry per chain,
the latest day with data:

* ethereum - Etherscan's daily average gas price actually paid (``Value (Wei)`` ÷ 1e9 = gwei;
  after EIP-1559 this is base fee + tip) and the ETH price of the same day.
* bitcoin - blockchain.com's daily average fee per transaction in USD, from whichever of the
  two series reaches further (the 2019-2022 extension, 2022-04-29). No BTC amount is stored:
  the folder has neither a transaction count nor a BTC price for that day. (The older series
  would allow BTC per tx = total BTC fees × USD per tx ÷ total USD fees, but only up to
  2021-05-07.) No sat/vB either: an average over all transactions says nothing about the size
  of those transactions, so dividing by 141 vB would invent a fee rate.

Chains without data in the folder are absent. Usage::

    python scripts/build_network_fee_snapshot.py [--data-dir ../shared/data/fees] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data" / "fees"
DEFAULT_OUT = REPO / "agent_tools" / "snapshot" / "network_fees.json"

ETH_GAS = "etherscan_export-AvgGasPrice.csv"
ETH_PRICE = "etherscan_export-EtherPrice.csv"
BTC_FEE_USD_PER_TX = ("btc_blockchaincom_fees-usd-per-transaction.csv", "%Y-%m-%d %H:%M:%S")
BTC_FEE_USD_PER_TX_2019_2022 = ("btc_blockchaincom_fees-usd-per-transaction_2019-2022.csv", "%d/%m/%Y")


def _rows(path: Path, date_column: str, value_column: str, date_format: str) -> Iterator[tuple[date, float]]:
    """(day, value) pairs with a positive value; the series start with zero-filled days."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            value = float(row[value_column])
            if value > 0:
                yield datetime.strptime(row[date_column].strip(), date_format).date(), value


def _latest(rows: Iterator[tuple[date, float]]) -> tuple[date, float] | None:
    return max(rows, default=None)


def _ethereum(data_dir: Path) -> dict[str, object] | None:
    gas_path, price_path = data_dir / ETH_GAS, data_dir / ETH_PRICE
    if not gas_path.exists():
        return None
    latest = _latest(_rows(gas_path, "Date(UTC)", "Value (Wei)", "%m/%d/%Y"))
    if latest is None:
        return None
    day, wei = latest
    prices = dict(_rows(price_path, "Date(UTC)", "Value", "%m/%d/%Y")) if price_path.exists() else {}
    return {
        "kind": "avg_gas_price",
        "as_of": day.isoformat(),
        "source": f"Etherscan daily average gas price ({ETH_GAS}); ETH price ({ETH_PRICE})",
        "gas_price_gwei": wei / 1e9,
        "native_usd": prices.get(day),
    }


def _bitcoin(data_dir: Path) -> dict[str, object] | None:
    candidates: list[tuple[date, float, str]] = []
    for name, date_format in (BTC_FEE_USD_PER_TX, BTC_FEE_USD_PER_TX_2019_2022):
        path = data_dir / name
        if path.exists():
            latest = _latest(_rows(path, "Timestamp", "fees-usd-per-transaction", date_format))
            if latest is not None:
                candidates.append((*latest, name))
    if not candidates:
        return None
    day, usd, name = max(candidates)
    return {
        "kind": "avg_fee_per_tx",
        "as_of": day.isoformat(),
        "source": f"blockchain.com daily average fee per transaction in USD ({name})",
        "fee_usd": round(usd, 4),
        "fee_native": None,
    }


BUILDERS: dict[str, Callable[[Path], dict[str, object] | None]] = {"bitcoin": _bitcoin, "ethereum": _ethereum}


def build(data_dir: Path) -> dict[str, object]:
    chains = {name: entry for name, builder in BUILDERS.items() if (entry := builder(data_dir)) is not None}
    return {"generated_by": "scripts/build_network_fee_snapshot.py", "chains": chains}


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the offline network-fee snapshot.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    snapshot = build(args.data_dir)
    args.out.write_text(json.dumps(snapshot, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
