"""Reading providers' loosely typed values: a value that does not parse is unknown (None), never a default."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def bit(value: str | int | None) -> bool | None:
    """A "1"/"0" flag (or 1/0); anything else (absent, "", junk) is unknown."""
    return {"1": True, "0": False}.get(str(value).strip() if value is not None else "")


def number(value: str | float | None) -> float | None:
    if value is None:
        return None
    try:
        parsed = float(value)
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) else None


def count(value: str | int | None) -> int | None:
    parsed = number(value)
    return int(parsed) if parsed is not None and parsed >= 0 else None


def epoch(seconds: float | None) -> datetime | None:
    """Unix seconds as an aware UTC time; 0, negative or out of range is unknown."""
    if not seconds or seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
