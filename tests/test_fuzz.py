"""Seeded generated calls of every tool through the MCP client: never INTERNAL, never a traceback.

The CI-sized run of benchmarks/fuzz_calls.py (which makes 10,000): calls generated from the
published input schemas (valid, boundary and invalid values, wrong types, NaN/inf, unknown
and missing arguments, huge and unicode strings) against three servers over the upstream
fakes (random upstream faults with keys set, healthy without keys, offline). Time is virtual
(looptime), so retries and back-offs after injected faults are never really slept.
"""

from __future__ import annotations

import pytest

from agent_tools.errors import ERROR_CODES
from agent_tools.services import Services
from benchmarks._harness import fuzz
from tests.conftest import connect, make_settings

SEED = 20_260_526


@pytest.mark.looptime
async def test_generated_calls_never_fail_internally() -> None:
    report = await fuzz(300, seed=SEED, concurrency=8, deadline_s=2.0, fault_rate=0.1)

    repro = [finding.reproducer() for finding in report.findings]
    assert report.calls == 300
    assert report.internal == 0, repro
    assert report.tracebacks == 0, repro
    assert repro == []
    assert [record.getMessage() for record in report.logged] == []
    # the generator reaches the tool bodies as well as the argument checks
    assert report.codes["ok"] >= 30, report.codes
    assert report.codes["INVALID_ARGUMENT"] >= 30, report.codes
    assert set(report.codes) <= {"ok", *ERROR_CODES} - {"INTERNAL"}, report.codes


KNOWN_FINDINGS = [
    pytest.param(
        {"entry_price": 100, "leverage": 2, "side": "long", "position_usd": 5e-324},
        id="margin-underflows-to-zero",  # ZeroDivisionError in domain/leverage.py -> INTERNAL
    ),
    pytest.param(
        {"entry_price": 5e-324, "leverage": 1, "side": "long", "margin_usd": 1000},
        id="quantity-overflows-to-inf",  # inf serialised as null: the client rejects the structured content
    ),
]


@pytest.mark.parametrize("arguments", KNOWN_FINDINGS)
async def test_fuzz_findings_answer_or_refuse_cleanly(arguments: dict[str, object]) -> None:
    async with Services(make_settings(offline=True)) as services, connect(services) as client:
        result = await client.call_tool("assess_leverage", arguments)
    text = "".join(getattr(block, "text", "") for block in result.content)
    assert '"INTERNAL"' not in text
