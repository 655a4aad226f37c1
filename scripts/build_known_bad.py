"""Build agent_tools/data/known_malicious.csv from the labelled lists in ../shared/data/rugpull.

Included (see that folder's SOURCES.md):
- Forta malicious smart contracts, Ethereum (753) and Optimism (1): label = Etherscan label of the
  creator (phish-hack / exploit / heist) or ``malicious-contract``.
- Forta phishing scams (Ethereum): contracts as ``phishing-contract``; EOAs as ``phishing-eoa``. EOAs are
  wallets, not tokens, but a user who pastes a scammer's address into the token check should hear so.
- CRPWarner ground truth (69 contracts from real rug-pull events). The chain is not stated (some events
  are BSC), so these rows use chain ``evm`` and match on every EVM chain. Label lists the malicious
  patterns found (mint/leak/limit) or ``rugpull-event`` when none (a transaction-level rug pull).
- CRPWarner large sample (Ethereum): only rows whose alert a person confirmed (``true_positive`` Yes).
  Rows marked No were tool false positives and are left out.

Usage: python scripts/build_known_bad.py [--data ../shared/data/rugpull] [--out agent_tools/data/known_malicious.csv]
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def build(data: Path) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    for file, chain in (
        ("forta_eth_malicious_smart_contracts.csv", "ethereum"),
        ("forta_optimism_malicious_smart_contracts.csv", "optimism"),
    ):
        for row in _rows(data / file):
            label = (row.get("contract_creator_etherscan_label") or "").strip() or "malicious-contract"
            out.append((row["contract_address"], chain, "forta:malicious_smart_contracts", label))
    for row in _rows(data / "forta_eth_phishing_scams.csv"):
        label = "phishing-contract" if row["is_contract"].strip().lower() == "true" else "phishing-eoa"
        out.append((row["address"], "ethereum", "forta:phishing_scams", label))
    for row in _rows(data / "crpwarner_groundtruth.csv"):
        patterns = [p.lower() for p in ("Mint", "Leak", "Limit") if row[p].strip() == "1"]
        label = "rugpull-event:" + "+".join(patterns) if patterns else "rugpull-event"
        out.append((row["address"], "evm", "crpwarner:groundtruth", label))
    for row in _rows(data / "crpwarner_large_sample_verified.csv"):
        if row["true_positive"].strip().lower() == "yes":
            out.append(
                (row["address"], "ethereum", "crpwarner:large_sample_verified", row["flagged_pattern"])
            )

    seen: set[tuple[str, str, str, str]] = set()
    unique: list[tuple[str, str, str, str]] = []
    for address, chain, source, label in out:
        address = address.strip()
        if not _EVM.match(address):
            raise SystemExit(f"not an EVM address in {source}: {address!r}")
        key = (address.lower(), chain, source, label)
        if key not in seen:
            seen.add(key)
            unique.append(key)
    return sorted(unique)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "rugpull")
    parser.add_argument("--out", type=Path, default=ROOT / "agent_tools" / "data" / "known_malicious.csv")
    args = parser.parse_args()
    rows = build(args.data)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["address", "chain", "list_source", "label"])
        writer.writerows(rows)
    counts: dict[str, int] = {}
    for _, _, source, label in rows:
        counts[f"{source} {label}"] = counts.get(f"{source} {label}", 0) + 1
    for key, n in sorted(counts.items()):
        print(f"{n:6d}  {key}")
    print(f"{len(rows)} rows, {len({r[0] for r in rows})} addresses -> {args.out}")


if __name__ == "__main__":
    main()
