"""Build the bundled offline price snapshot from the public data in ../shared/data/prices.

    python scripts/build_snapshot.py [--prices-dir ../shared/data/prices]

Writes agent_tools/snapshot/prices.json: for each asset, its last known daily close,
24 h change (close over previous close), 24 h volume and, where the newest row of a
source has it, market cap, each with the real date of that row. Yahoo files (to
2025-02) win over CoinGecko exports (to 2021-10) where both exist; CoinGecko's market
cap is used only when the quote itself comes from CoinGecko, so no number is mixed
across dates. Also writes a symbol -> CoinGecko id map for offline ticker resolution.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

# Ticker (as in the data file names) -> (CoinGecko id, name). Historical assets keep the
# id CoinGecko gave them at the data's date.
COINS: dict[str, tuple[str, str]] = {
    "aave": ("aave", "Aave"),
    "ada": ("cardano", "Cardano"),
    "algo": ("algorand", "Algorand"),
    "ar": ("arweave", "Arweave"),
    "atom": ("cosmos", "Cosmos Hub"),
    "avax": ("avalanche-2", "Avalanche"),
    "bal": ("balancer", "Balancer"),
    "bch": ("bitcoin-cash", "Bitcoin Cash"),
    "bgb": ("bitget-token", "Bitget Token"),
    "bnb": ("binancecoin", "BNB"),
    "btc": ("bitcoin", "Bitcoin"),
    "cake": ("pancakeswap-token", "PancakeSwap"),
    "comp": ("compound-governance-token", "Compound"),
    "crv": ("curve-dao-token", "Curve DAO"),
    "doge": ("dogecoin", "Dogecoin"),
    "dot": ("polkadot", "Polkadot"),
    "dydx": ("dydx", "dYdX"),
    "eth": ("ethereum", "Ethereum"),
    "ftm": ("fantom", "Fantom"),
    "ftt": ("ftx-token", "FTX Token"),
    "grt": ("the-graph", "The Graph"),
    "hbar": ("hedera-hashgraph", "Hedera"),
    "hnt": ("helium", "Helium"),
    "kncl": ("kyber-network", "Kyber Network Crystal Legacy"),
    "ksm": ("kusama", "Kusama"),
    "link": ("chainlink", "Chainlink"),
    "lrc": ("loopring", "Loopring"),
    "ltc": ("litecoin", "Litecoin"),
    "luna": ("terra-luna", "Terra (classic)"),
    "matic": ("matic-network", "Polygon (MATIC)"),
    "mkr": ("maker", "Maker"),
    "ohm": ("olympus", "Olympus"),
    "om": ("mantra-dao", "MANTRA"),
    "ray": ("raydium", "Raydium"),
    "ren": ("republic-protocol", "Ren"),
    "safemoon": ("safemoon", "SafeMoon"),
    "shib": ("shiba-inu", "Shiba Inu"),
    "snx": ("havven", "Synthetix"),
    "sol": ("solana", "Solana"),
    "srm": ("serum", "Serum"),
    "sushi": ("sushi", "SushiSwap"),
    "theta": ("theta-token", "Theta Network"),
    "uni": ("uniswap", "Uniswap"),
    "xlm": ("stellar", "Stellar"),
    "xrp": ("ripple", "XRP"),
    "xtz": ("tezos", "Tezos"),
    "yfi": ("yearn-finance", "yearn.finance"),
}


def _num(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _yahoo(path: Path) -> dict[str, object]:
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if _num(r["close"]) is not None]
    last, prev = rows[-1], rows[-2]
    close, prev_close = float(last["close"]), float(prev["close"])
    return {
        "price": close,
        "change_24h_pct": round((close / prev_close - 1) * 100, 4),
        "volume_24h": _num(last["volume"]),
        "market_cap": None,
        "as_of": last["datetime"] + "T23:59:59Z",
        "source_file": f"yahoo_daily/{path.name}",
    }


def _coingecko(path: Path) -> dict[str, object]:
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if _num(r["price"]) is not None]
    last, prev = rows[-1], rows[-2]
    price, prev_price = float(last["price"]), float(prev["price"])
    return {
        "price": price,
        "change_24h_pct": round((price / prev_price - 1) * 100, 4),
        "volume_24h": _num(last["total_volume"]),
        "market_cap": _num(last["market_cap"]),
        "as_of": last["snapped_at"].replace(" 00:00:00 UTC", "T00:00:00Z"),
        "source_file": f"coingecko_daily/{path.name}",
    }


def build(prices_dir: Path) -> dict[str, object]:
    assets: list[dict[str, object]] = []
    for ticker, (coin_id, name) in sorted(COINS.items()):
        yahoo = prices_dir / "yahoo_daily" / f"{ticker.upper()}-USD_1d.csv"
        gecko = prices_dir / "coingecko_daily" / f"{ticker}-usd-max.csv"
        if yahoo.exists():
            quote = _yahoo(yahoo)
        elif gecko.exists():
            quote = _coingecko(gecko)
        else:
            continue
        assets.append({"id": coin_id, "symbol": ticker.upper(), "name": name, **quote})
    return {
        "description": "Last known daily prices from public datasets; see ../shared/data/prices/SOURCES.md",
        "currency": "usd",
        "assets": assets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--prices-dir", type=Path, default=root.parent / "shared" / "data" / "prices")
    parser.add_argument("--out", type=Path, default=root / "agent_tools" / "snapshot" / "prices.json")
    args = parser.parse_args()
    snapshot = build(args.prices_dir)
    args.out.write_text(json.dumps(snapshot, indent=1) + "\n")
    print(f"wrote {len(snapshot['assets'])} assets to {args.out}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
