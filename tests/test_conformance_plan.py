"""conformance/run.sh and docs/conformance.md name the same scenarios: run ones in the first table of the
doc, not-applicable ones (each with a reason) in the second. CI runs the suite itself (.ci/run)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _array(script: str, name: str) -> list[str]:
    body = re.search(rf"^{name}=\((.*?)^\)", script, re.S | re.M)
    assert body is not None, name
    return [line.split("#")[0].strip() for line in body.group(1).splitlines() if line.split("#")[0].strip()]


def _table_names(section: str) -> list[str]:
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"`([a-z0-9-]+)`", row.split("|")[1])]


def test_every_scenario_is_run_or_explained() -> None:
    script = (ROOT / "conformance" / "run.sh").read_text()
    doc = (ROOT / "docs" / "conformance.md").read_text()
    applies, not_applicable = doc.split("## Scenarios that do not apply")
    run, skipped = _array(script, "APPLICABLE"), _array(script, "NOT_APPLICABLE")
    assert sorted(_table_names(applies)) == sorted(run)
    assert sorted(_table_names(not_applicable.split("## Choices")[0])) == sorted(skipped)
    assert not set(run) & set(skipped)
    assert {"server-initialize", "ping", "completion-complete", "dns-rebinding-protection"} <= set(run)
