"""Dependencies point one way (DESIGN.md): tools -> sources -> (upstream, domain)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "agent_tools"


def imported(path: Path) -> set[str]:
    """Every `agent_tools...` module a file imports, at any depth (also under TYPE_CHECKING)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.startswith("agent_tools")}


def reaching(modules: set[str], layers: tuple[str, ...]) -> set[str]:
    return {
        m
        for m in modules
        if any(m == f"agent_tools.{layer}" or m.startswith(f"agent_tools.{layer}.") for layer in layers)
    }


@pytest.mark.parametrize("path", sorted((PACKAGE / "upstream").glob("*.py")), ids=lambda p: p.name)
def test_upstream_imports_no_domain_source_or_tool(path: Path) -> None:
    assert reaching(imported(path), ("domain", "sources", "tools")) == set()


@pytest.mark.parametrize("name", ["chains.py", "network_fees.py"])
def test_fee_domain_imports_no_provider_client_source_or_tool(name: str) -> None:
    assert (
        reaching(imported(PACKAGE / "domain" / name), ("upstream", "sources", "tools", "services")) == set()
    )


def test_sources_import_no_tool() -> None:
    for path in (PACKAGE / "sources").glob("*.py"):
        assert reaching(imported(path), ("tools",)) == set(), path.name
