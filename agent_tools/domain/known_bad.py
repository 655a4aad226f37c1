"""Offline known-bad address lists (Forta, CRPWarner) bundled as ``agent_tools/data/known_malicious.csv``.

Rows are built by ``scripts/build_known_bad.py``; chain ``evm`` marks lists whose chain is not stated
(CRPWarner ground truth), which are checked on every EVM chain.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

ANY_EVM = "evm"
CHECK_NAME = "known_malicious_lists"
"""How answers name this check (in `coverage.checked` and `source`)."""


@dataclass(frozen=True, slots=True)
class KnownBadEntry:
    address: str
    chain: str
    list_source: str
    label: str


@cache
def _index() -> dict[str, tuple[KnownBadEntry, ...]]:
    text = resources.files("agent_tools.data").joinpath("known_malicious.csv").read_text(encoding="utf-8")
    grouped: dict[str, list[KnownBadEntry]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        entry = KnownBadEntry(row["address"].lower(), row["chain"], row["list_source"], row["label"])
        grouped.setdefault(entry.address, []).append(entry)
    return {address: tuple(entries) for address, entries in grouped.items()}


def lookup(chain: str, address: str) -> tuple[KnownBadEntry, ...]:
    """Entries listing ``address`` on ``chain`` (case-insensitive address match)."""
    return tuple(e for e in _index().get(address.lower(), ()) if e.chain in (chain, ANY_EVM))
