"""Answer economy: the text content is the structured answer as compact JSON, once, and small.

Hosts put the text content in the model's context (and cap it), so it carries no indentation,
and no field is carried twice inside one answer.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel

from agent_tools.services import Services
from agent_tools.tools._registry import CompactText
from benchmarks._harness import AllFakes, bench_settings
from tests.fakes.security import HONEYPOT
from tests.test_result_size import CALLS, LIMIT

STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def assert_compact(text: str) -> None:
    outside_strings = STRING.sub('""', text)
    assert not re.search(r"\s", outside_strings), "whitespace outside strings: " + text[:200]


async def _live_result(tool: str, arguments: dict[str, Any]) -> CallToolResult:
    from mcp import Client

    from agent_tools.server import build_server

    async with (
        Services(bench_settings(keys=False), transport=AllFakes().transport) as services,
        Client(build_server(services)) as client,
    ):
        return await client.call_tool(tool, arguments)


@pytest.mark.parametrize(("tool", "arguments"), CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CALLS)])
async def test_text_is_the_structured_answer_as_compact_json(tool: str, arguments: dict[str, Any]) -> None:
    result = await _live_result(tool, arguments)
    assert not result.is_error
    block, *others = result.content
    assert isinstance(block, TextContent)
    assert all(isinstance(other, ImageContent) for other in others)  # a chart, after the text
    assert json.loads(block.text) == result.structured_content
    assert_compact(block.text)
    assert len(block.text.encode()) <= LIMIT


async def test_the_open_model_grade_is_under_4_kb_as_sent() -> None:
    result = await _live_result("get_grade", {"symbol": "ETH"})
    assert result.structured_content is not None and result.structured_content["source"] == "open-model"
    assert len(result.content[0].text.encode()) < 4096  # type: ignore[union-attr]


async def test_errors_keep_their_envelope_text() -> None:
    result = await _live_result("get_price", {"symbols": []})
    assert result.is_error and result.structured_content is None
    text = result.content[0].text  # type: ignore[union-attr]
    assert json.loads(text[text.index("{") :])["error"]["code"] == "INVALID_ARGUMENT"


class _Answer(BaseModel):
    name: str
    values: list[float]


def test_a_result_with_an_image_keeps_the_image_after_the_compact_text() -> None:
    """A tool may return a CallToolResult itself (e.g. a chart): its text becomes the compact JSON too."""
    from mcp.server.mcpserver.utilities.func_metadata import func_metadata

    async def tool() -> _Answer:
        return _Answer(name="x", values=[1.0])

    meta = func_metadata(tool, structured_output=True)
    compact = CompactText(
        arg_model=meta.arg_model, output_schema=meta.output_schema, output_model=meta.output_model
    )
    image = ImageContent(type="image", data=base64.b64encode(b"png").decode(), mime_type="image/png")
    given = CallToolResult(
        content=[TextContent(type="text", text='{\n  "name": "x"}'), image],
        structured_content={"name": "x", "values": [1.0, 2.5]},
    )
    converted = compact.convert_result(given)
    assert isinstance(converted, CallToolResult)
    assert [type(b) for b in converted.content] == [TextContent, ImageContent]
    assert converted.content[0].text == '{"name":"x","values":[1.0,2.5]}'  # type: ignore[union-attr]
    plain = compact.convert_result(_Answer(name="é", values=[]))
    assert isinstance(plain, CallToolResult)
    assert plain.content[0].text == '{"name":"é","values":[]}'  # type: ignore[union-attr]
    assert plain.structured_content == {"name": "é", "values": []}


def test_a_mismatched_structured_answer_is_still_refused() -> None:
    from mcp.server.mcpserver.utilities.func_metadata import func_metadata
    from pydantic import ValidationError

    async def tool() -> _Answer:
        return _Answer(name="x", values=[])

    meta = func_metadata(tool, structured_output=True)
    compact = CompactText(
        arg_model=meta.arg_model, output_schema=meta.output_schema, output_model=meta.output_model
    )
    with pytest.raises(ValidationError):
        compact.convert_result(CallToolResult(content=[], structured_content={"name": 1}))


# --- no field carried twice -------------------------------------------------------------------------------


def _reads_as(literal: Any, value: Any) -> bool:
    """Whether a provider's literal plainly means the normalised value ("1" for true, "5000" for 5000)."""
    if isinstance(value, bool):
        return str(literal).strip() == str(int(value))
    if isinstance(value, int | float):
        try:
            return float(literal) == float(value)
        except (TypeError, ValueError):
            return False
    return bool(literal == value)


async def test_rug_evidence_and_statuses_say_each_thing_once() -> None:
    honeypot = await _live_result("assess_rug_pull_risk", {"chain": "ethereum", "address": HONEYPOT})
    out = honeypot.structured_content
    assert out is not None
    findings = {f["code"]: f for f in out["findings"]}
    agreed = findings["HONEYPOT"]  # honeypot.is and goplus both say so
    assert agreed["source"] == "honeypot.is, goplus" and "by_source" not in agreed["evidence"]
    # only literals that read as something else: GoPlus's sell tax "1" is a fraction (100 %); its "1" for
    # is_honeypot is plainly true, and "5000" holders plainly 5000, so neither is repeated
    assert agreed["evidence"]["raw"] == {"goplus": {"sell_tax_pct": "1"}}
    disputed = findings["LOW_LIQUIDITY"]  # goplus' static figure is far from the market's
    assert set(disputed["evidence"]["by_source"]) == {"dexscreener", "honeypot.is", "goplus"}
    for finding in out["findings"]:
        for source, raw in finding["evidence"].get("raw", {}).items():
            for name, literal in raw.items():
                normalised = finding["evidence"].get("by_source", {}).get(source, {}).get(name)
                if normalised is None:  # the sources agreed: the finding's value is this source's too
                    normalised = finding["evidence"].get(name)
                assert not _reads_as(literal, normalised), (finding["code"], name, literal)
    assert out["coverage"]["sources_ok"] == ["goplus", "honeypot.is", "dexscreener"]
    assert [(s["name"], s["status"]) for s in out["source_status"]] == [("rugcheck", "not_applicable")]


async def test_warnings_do_not_repeat_the_fields() -> None:
    prices = (await _live_result("get_price", {"symbols": ["SOL"]})).structured_content
    fees = (await _live_result("estimate_trading_fees", {"notional_usd": 1000})).structured_content
    leverage = (
        await _live_result(
            "assess_leverage", {"entry_price": 60000, "leverage": 10, "side": "long", "margin_usd": 1000}
        )
    ).structured_content
    assert prices is not None and fees is not None and leverage is not None
    [ambiguous] = prices["warnings"]
    assert (
        "sol-wormhole" in ambiguous and "$" not in ambiguous
    )  # market caps are in the quote and alternatives
    [unverified] = [w for w in fees["warnings"] if "verified: false" in w]
    assert not [e["exchange"] for e in fees["estimates"] if e["exchange"] in unverified]
    [wipeout] = leverage["warnings"]
    assert f"{leverage['liquidation_price']:,.0f}" not in wipeout and leverage["summary"].count("54,300") == 1
