"""Third-party text policy (CONTRACT.md "Third-party data"), applied where provider data comes in.

Anyone can deploy a token with any name, and a provider's flags and messages are its own words.
Such text is cut to a stated length, and control, bidi and zero-width characters (Unicode
categories Cc and Cf, line and paragraph separators) are removed, so a name can neither reorder
what an agent reads nor smuggle markup past it in invisible characters. The cleaned text goes
only into data fields; the server's own sentences (warnings, summaries, hints, error messages)
name assets by id, symbol or address.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 64
MAX_SYMBOL = 20
MAX_FLAG = 120
MAX_ID = 100
_INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))
_SPACES = re.compile(r"\s+")
_SLUG = re.compile(r"[a-z0-9][a-z0-9._+-]*")


def clean(text: str | None, limit: int) -> str | None:
    """`text` without invisible characters, whitespace collapsed, cut to `limit` (with "…"); None if empty."""
    if text is None:
        return None
    if len(text) <= limit and text.isprintable() and "  " not in text and text == text.strip():
        return text or None  # the common case: nothing to remove (isprintable is False for Cc/Cf/Z*)
    head = text[: limit * 4]  # never scan more than could survive the cut
    visible = "".join(
        " " if ch.isspace() else ch
        for ch in head
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
    )
    squeezed = _SPACES.sub(" ", visible).strip()
    if not squeezed:
        return None
    return squeezed if len(squeezed) <= limit else squeezed[: limit - 1].rstrip() + "…"


def name(text: str | None) -> str | None:
    return clean(text, MAX_NAME)


def symbol(text: str | None) -> str | None:
    return clean(text, MAX_SYMBOL)


def flag(text: str | None) -> str | None:
    return clean(text, MAX_FLAG)


def slug(text: str) -> str | None:
    """A provider's id (CoinGecko `bitcoin`, `usd-coin`) when it looks like one, else None: ids end up
    in URLs and in the server's sentences, so anything else is refused rather than cleaned."""
    return text if len(text) <= MAX_ID and _SLUG.fullmatch(text) else None
