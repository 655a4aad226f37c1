"""The bundled withdrawal-fee table: one dated file per exchange without a public fee endpoint.

``agent_tools/data/withdrawal_fees/<exchange>.json`` holds the figures found for that exchange,
each with its source URL, the source's date (``as_of_basis: published``) or the day an undated
source was read (``read``), and whether it was read on the exchange's own page (``verified``).
A file may hold no figure: its ``notes`` then say what was searched. Loaded and validated on
first use (not at start-up: the tools import only domain/withdrawal_fees.py then).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent_tools.domain.withdrawal_fees import (
    ASSET_PATTERN,
    LIVE_EXCHANGES,
    TABLE_PACKAGE,
    WithdrawalQuote,
    resolve_network,
    table_files,
)


class TableFileError(ValueError):
    """A bundled withdrawal-fee file is malformed; the message starts with the file name."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), allow_inf_nan=False)]
Url = Annotated[str, Field(pattern=r"^https?://[^\s/]+\.[^\s]+$")]


class TableEntry(_Frozen):
    """One published figure: the fee to withdraw ``asset`` on ``network``, and its provenance."""

    asset: Annotated[str, Field(pattern=ASSET_PATTERN)]
    network: str
    fee: Amount
    min_withdrawal: Amount | None = None
    as_of: date
    as_of_basis: Literal["published", "read"]
    source_url: Url
    verified: bool
    note: str | None = None

    @model_validator(mode="after")
    def _known_network(self) -> Self:
        resolve_network(self.network)  # ValueError (a validation error) for a network we cannot name
        if self.asset != self.asset.upper():
            raise ValueError(f"asset {self.asset!r} must be upper-case")
        return self


class ExchangeTable(_Frozen):
    """An exchange's dated withdrawal fees. ``entries`` may be empty; ``notes`` then say why."""

    exchange: Annotated[str, Field(pattern=r"^[a-z0-9]+$")]
    name: str
    fee_page: Url | None = None
    """The exchange's own withdrawal-fee page, when one is known."""
    notes: Annotated[str, Field(min_length=1)]
    entries: list[TableEntry]

    @model_validator(mode="after")
    def _one_figure_per_network(self) -> Self:
        seen: set[tuple[str, str]] = set()
        for entry in self.entries:
            key = (entry.asset, resolve_network(entry.network).key)
            if key in seen:
                raise ValueError(f"two figures for {entry.asset} on {key[1]}")
            seen.add(key)
        return self


def parse_table(text: str, filename: str) -> ExchangeTable:
    """Validate one table file; errors are `TableFileError` naming the file."""
    try:
        table = ExchangeTable.model_validate_json(text)
    except (ValueError, ValidationError) as exc:
        raise TableFileError(f"{filename}: invalid withdrawal-fee table: {exc}") from exc
    if table.exchange != filename.removesuffix(".json"):
        raise TableFileError(f"{filename}: exchange id {table.exchange!r} must match the file name")
    if table.exchange in LIVE_EXCHANGES:
        raise TableFileError(f"{filename}: {table.exchange} is read live, not from a table")
    return table


@functools.cache
def load_tables() -> Mapping[str, ExchangeTable]:
    """The bundled tables by exchange id, loaded and validated once."""
    tables = (parse_table(e.read_text(encoding="utf-8"), e.name) for e in table_files(files(TABLE_PACKAGE)))
    return {t.exchange: t for t in tables}


def table_assets() -> list[str]:
    """Every asset the bundled table has a figure for (what answers offline)."""
    return sorted({e.asset for t in load_tables().values() for e in t.entries})


def table_quotes(exchange: str, asset: str) -> list[WithdrawalQuote]:
    """The table's figures for ``asset`` on ``exchange``: always `stale` (dated data, not a live quote)."""
    table = load_tables().get(exchange)
    if table is None:
        return []
    return [
        WithdrawalQuote(
            exchange=exchange,
            asset=entry.asset,
            network=resolve_network(entry.network),
            fee=entry.fee,
            fee_rate=None,
            min_withdrawal=entry.min_withdrawal,
            enabled=None,
            source="schedule",
            source_url=entry.source_url,
            as_of=entry.as_of,
            as_of_basis=entry.as_of_basis,
            verified=entry.verified,
            stale=True,
            note=entry.note,
        )
        for entry in table.entries
        if entry.asset == asset
    ]
