"""Bytes per answer: ten representative tool calls, what an agent is sent, now vs a baseline.

    python benchmarks/answer_bytes.py [--baseline REF] [--show TOOL]

Each call goes through the in-memory MCP client to a server whose upstreams are the tests'
fakes (no keys: the grade is the open model's, the larger answer). Per call it prints the
bytes of the text content (what most hosts put in the model's context), of the whole
`tools/call` result as JSON (text + structuredContent, as on the wire) and of the
structured content alone. Every answer must carry its CONTRACT.md fields and its text must
parse to exactly its structuredContent; a missing field or a mismatch fails the run.

Baselines, both measured in this run:
- `sdk_text`: the SDK's default text for the same structured answers (indented JSON);
- with `--baseline REF` (a commit, e.g. the main this branch started from), the same calls
  against that checkout (extracted with `git archive` to a temp dir, run in a subprocess).
Last line: `text_bytes=<ours> baseline_text_bytes=<theirs> ratio=<ours/theirs>` (goal <= 0.70,
i.e. -30 %), against REF when given, else against `sdk_text`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pydantic_core
from _harness import ROOT, AllFakes, bench_settings, clean_env

GOAL = 0.70
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_price", {"symbols": ["BTC"]}),
    ("get_price", {"symbols": ["BTC", "ETH", "SOL", "UNI", "USDC"]}),
    ("search_assets", {"query": "uni"}),
    ("get_grade", {"symbol": "ETH"}),
    ("estimate_trading_fees", {"notional_usd": 1000, "trades_per_month": 50}),
    ("estimate_network_fee", {"chain": "ethereum"}),
    ("estimate_network_fee", {"chain": "bitcoin"}),
    ("assess_leverage", {"entry_price": 60000, "leverage": 10, "side": "long", "margin_usd": 1000}),
    ("assess_rug_pull_risk", {"chain": "ethereum", "address": "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"}),
    ("assess_rug_pull_risk", {"chain": "ethereum", "address": "0x5e2a4b9f0c1d3e8a7b6c5d4e3f2a1b0c9d8e7f6a"}),
]


# What CONTRACT.md says each answer must carry ("a[]." = in every element of list a; "a." = inside object a).
def _fields(prefix: str, names: str) -> list[str]:
    return [prefix + name for name in names.split()]


TIERS = [f"{t}." for t in ("slow", "standard", "fast")]
CONTRACT: dict[str, list[str]] = {
    "get_price": _fields(
        "quotes[].",
        "query asset_id symbol name price currency change_24h_pct market_cap volume_24h source as_of stale",
    )
    + _fields("", "warnings"),
    "search_assets": _fields("candidates[].", "asset_id symbol name market_cap_rank platforms")
    + _fields("", "source as_of stale"),
    "get_grade": _fields("", "trader_grade investor_grade signal source method as_of stale")
    + _fields("factors[].", "name value score weight"),
    "estimate_trading_fees": _fields(
        "estimates[].",
        "exchange tier maker_rate taker_rate effective_rate fee_per_trade_usd monthly_fee_usd "
        "annual_fee_usd discount_applied schedule_as_of source",
    ),
    "estimate_network_fee": [
        f for t in TIERS for f in _fields(t, "fee_rate unit fee_native fee_usd est_seconds")
    ]
    + _fields("", "base_fee source as_of stale"),
    "assess_rug_pull_risk": _fields(
        "", "risk_score risk_level summary is_honeypot buy_tax_pct sell_tax_pct liquidity_usd as_of"
    )
    + _fields("findings[].", "code severity title evidence source")
    + _fields("coverage.", "checked unknown sources_ok sources_failed"),
    "assess_leverage": _fields("", "liquidation_price move_to_liquidation_pct warnings")
    + _fields("pnl_table[].", "price_move_pct pnl_usd pnl_pct_of_margin"),
}


def missing_fields(tool: str, answer: dict[str, Any]) -> list[str]:
    def has(node: Any, parts: list[str]) -> bool:
        if not parts:
            return True
        head, rest = parts[0], parts[1:]
        if head.endswith("[]"):
            items = node.get(head[:-2]) if isinstance(node, dict) else None
            return isinstance(items, list) and all(has(item, rest) for item in items)
        return isinstance(node, dict) and head in node and has(node[head], rest)

    return [path for path in CONTRACT[tool] if not has(answer, path.split("."))]


async def measure() -> list[dict[str, Any]]:
    """One row per call: bytes of text, whole result and structured content, plus contract problems."""
    from mcp import Client

    from agent_tools.server import build_server
    from agent_tools.services import Services

    clean_env()
    rows: list[dict[str, Any]] = []
    async with (
        Services(bench_settings(keys=False), transport=AllFakes().transport) as services,
        Client(build_server(services)) as client,
    ):
        for tool, arguments in CALLS:
            result = await client.call_tool(tool, arguments)
            text = "".join(getattr(block, "text", "") for block in result.content)
            structured = result.structured_content or {}
            problems = [f"missing {path}" for path in missing_fields(tool, structured)]
            if result.is_error:
                problems.append("error: " + text[:200])
            elif json.loads(text) != structured:
                problems.append("text is not the structured content")
            rows.append(
                {
                    "tool": tool,
                    "text": len(text.encode()),
                    "wire": len(result.model_dump_json(by_alias=True, exclude_none=True).encode()),
                    "structured": len(pydantic_core.to_json(structured)),
                    "sdk_text": len(pydantic_core.to_json(structured, indent=2)),
                    "problems": problems,
                    "answer": structured,
                }
            )
    return rows


def baseline_rows(ref: str) -> list[dict[str, Any]]:
    """The same calls against `git archive REF`, in a subprocess whose `agent_tools` is that checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
        tar_path = Path(tmp) / "ref.tar"
        tar_path.write_bytes(archive.stdout)
        with tarfile.open(tar_path) as tar:
            tar.extractall(Path(tmp) / "src", filter="data")
        shutil.rmtree(Path(tmp) / "src" / "tests")  # the fakes are this checkout's (the harness imports them)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(tmp) / "src"), str(ROOT)])}
        out = subprocess.run(
            [sys.executable, __file__, "--emit-json"], env=env, capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REF", help="a git ref to compare with, e.g. main")
    parser.add_argument("--show", metavar="TOOL", help="also print the answers of this tool")
    parser.add_argument(
        "--emit-json", action="store_true", help=argparse.SUPPRESS
    )  # the baseline's child run
    args = parser.parse_args()
    rows = asyncio.run(measure())
    if args.emit_json:
        print(json.dumps(rows))
        return
    base = baseline_rows(args.baseline) if args.baseline else None
    label = f"baseline {args.baseline}" if base else "sdk_text"
    print(
        f"{'call':<24} {'text':>6} {'sdk_text':>8} {'wire':>6} {'struct':>6}"
        + ("  base_text base_wire" if base else "")
    )
    problems: list[str] = []
    for i, row in enumerate(rows):
        line = (
            f"{row['tool']:<24} {row['text']:>6} {row['sdk_text']:>8} {row['wire']:>6} {row['structured']:>6}"
        )
        if base:
            line += f"  {base[i]['text']:>9} {base[i]['wire']:>9}"
            problems += [f"baseline {row['tool']}: {p}" for p in base[i]["problems"]]
        print(line)
        problems += [f"{row['tool']}: {p}" for p in row["problems"]]
        if args.show == row["tool"]:
            print(json.dumps(row["answer"], indent=1, ensure_ascii=False))
    ours = sum(r["text"] for r in rows)
    theirs = sum(r["text"] for r in base) if base else sum(r["sdk_text"] for r in rows)
    wire = sum(r["wire"] for r in rows)
    if base:
        print(f"wire_bytes={wire} baseline_wire_bytes={sum(r['wire'] for r in base)}")
    for problem in problems:
        print("PROBLEM", problem)
    print(
        f"text_bytes={ours} baseline_text_bytes={theirs} ({label}) ratio={ours / theirs:.3f} (goal <= {GOAL})"
    )
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
