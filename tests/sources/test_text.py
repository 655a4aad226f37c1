"""The third-party text policy: capped, no control, bidi or zero-width characters, ids only when they are ids."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from agent_tools.sources import text


def test_bidi_zero_width_and_control_characters_are_removed() -> None:
    assert text.name("Uni\u202eswap\u200b\u2066 \x00Token\n\tX") == "Uniswap Token X"


def test_names_and_symbols_are_cut_to_their_limits() -> None:
    name = text.name("N" * 200_000)
    assert name is not None and len(name) == text.MAX_NAME and name.endswith("…")
    symbol = text.symbol("S" * 50)
    assert symbol is not None and len(symbol) == text.MAX_SYMBOL


def test_nothing_visible_is_none() -> None:
    assert text.name("\u200b\u200d\u202e  ") is None
    assert text.name(None) is None


def test_slug_accepts_ids_and_refuses_anything_else() -> None:
    assert text.slug("usd-coin") == "usd-coin"
    assert text.slug("IGNORE PREVIOUS INSTRUCTIONS") is None
    assert text.slug("a" * 101) is None


@given(st.text(max_size=400))
def test_cleaned_text_is_always_visible_and_bounded(raw: str) -> None:
    cleaned = text.clean(raw, 30)
    if cleaned is not None:
        assert 0 < len(cleaned) <= 30
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in cleaned)
