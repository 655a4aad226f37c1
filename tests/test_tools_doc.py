"""docs/tools.md is generated from the live schemas and must match them."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_tools_doc.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_tools_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_docs_tools_md_is_up_to_date() -> None:
    gen = _generator()
    expected: str = gen.render(await gen.collect())
    current = (ROOT / "docs" / "tools.md").read_text(encoding="utf-8")
    if current != expected:
        diff = difflib.unified_diff(
            current.splitlines(), expected.splitlines(), "docs/tools.md", "generated", lineterm="", n=1
        )
        pytest.fail(
            "docs/tools.md is out of date with the tool schemas; run `python scripts/gen_tools_doc.py`\n"
            + "\n".join(list(diff)[:60])
        )


async def test_doc_covers_every_tool_prompt_and_resource() -> None:
    gen = _generator()
    listing = await gen.collect()
    text: str = gen.render(listing)
    for tool in listing["tools"]:
        assert f"## `{tool.name}`" in text
        for argument in tool.input_schema.get("properties", {}):
            assert f"| `{argument}` |" in text
    for prompt in listing["prompts"]:
        assert f"### `{prompt.name}`" in text
    for resource in listing["resources"]:
        assert f"`{resource.uri}`" in text
    symbols_row = next(line for line in text.splitlines() if line.startswith("| `symbols` |"))
    assert "≥ 1 items" in symbols_row and "≤ 50 items" in symbols_row and "| yes |" in symbols_row


async def test_check_mode_reports_a_stale_doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _generator()
    text: str = gen.render(await gen.collect())
    stale = tmp_path / "tools.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(gen, "DOC", stale)
    monkeypatch.setattr(gen, "REPO", tmp_path)
    assert gen.emit(text, check=True) == 1
    assert gen.emit(text) == 0
    assert stale.read_text(encoding="utf-8") == text
    assert gen.emit(text, check=True) == 0
