"""Command line: `agent-tools serve`, `agent-tools call TOOL --arg k=v`, `agent-tools tools`, and shortcuts.

`call`, `tools` and the shortcuts go through an in-process MCP client connected to the same
server an agent talks to, so the shell sees exactly what an agent sees. Every tool command
takes `--json` (JSON) and `--pretty` (tables); `call` prints JSON by default, the shortcuts
tables. A tool's error goes to stderr (the envelope in JSON mode, one line otherwise) with
exit code 1.

`serve` is what MCP clients spawn and then wait for, so start-up time matters here
(benchmarks/cold_start.py): this module imports only the standard library, each command
imports what it needs when it runs, and the cyclic garbage collector is paused while the
process builds its long-lived objects (see `main`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast


def main(argv: Sequence[str] | None = None) -> None:
    """Run one command; exit 1 when a tool answered with an error, 2 on a usage error.

    Start-up allocates several hundred thousand objects that live as long as the process
    (the MCP SDK, pydantic models, tool schemas), and every collection during that phase
    walks the growing heap and frees next to nothing: about 15 % of `serve`'s start-up.
    So the collector stays off until the server is built; `serve` then freezes what
    exists (later collections skip it) and turns it back on before the first request.
    One-shot commands exit within seconds and keep it off; reference counting still
    frees every acyclic object.
    """
    gc.disable()
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], None] = args.run
    run(args)


def _resume_gc() -> None:
    gc.freeze()
    gc.enable()


def _configure_logging(level: str | None) -> None:
    """Logs go to stderr only: stdout belongs to the stdio transport and to `call`'s JSON.

    `serve` logs at AGENT_TOOLS_LOG_LEVEL (default INFO: a line per tool call and upstream
    request); one-shot commands only warn, so a person's terminal stays readable.
    """
    from agent_tools.observability import configure_logging
    from agent_tools.settings import Settings

    settings = Settings()
    configure_logging(level or settings.log_level, settings.log_format)


def _serve(args: argparse.Namespace) -> None:
    _configure_logging(None)
    from agent_tools.transport import run_http, run_stdio

    if args.transport == "stdio":
        asyncio.run(run_stdio(on_ready=_resume_gc))
    else:
        asyncio.run(run_http(args.host, args.port, on_ready=_resume_gc))


def _call(args: argparse.Namespace) -> None:
    arguments: dict[str, Any] = dict(args.arg)
    _run_tool(args.tool, arguments, pretty=not args.json)


def _tools(args: argparse.Namespace) -> None:
    _configure_logging("WARNING")
    listed = asyncio.run(_list_tools())
    if args.json:
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    width = max(len(t["name"]) for t in listed)
    for tool in listed:
        print(f"{tool['name'].ljust(width)}  {tool['title']}")


def _price(args: argparse.Namespace) -> None:
    _run_tool("get_price", {"symbols": args.symbols, "vs_currency": args.vs}, pretty=not args.json)


def _rug(args: argparse.Namespace) -> None:
    _run_tool("assess_rug_pull_risk", {"chain": args.chain, "address": args.address}, pretty=not args.json)


def _grade(args: argparse.Namespace) -> None:
    _run_tool("get_grade", {"symbol": args.symbol}, pretty=not args.json)


def _history(args: argparse.Namespace) -> None:
    arguments: dict[str, Any] = {
        "symbol": args.symbol,
        "days": args.days,
        "interval": args.interval,
        "vs_currency": args.vs,
    }
    if args.limit is not None:
        arguments["limit"] = args.limit
    if args.chart is not None:
        arguments["chart"] = True
    _run_tool("get_price_history", arguments, pretty=not args.json, chart_path=args.chart)


def _fees(args: argparse.Namespace) -> None:
    arguments = {
        "notional_usd": args.notional_usd,
        "trades_per_month": args.trades_per_month,
        "maker_share": args.maker_share,
    }
    _run_tool("estimate_trading_fees", arguments, pretty=not args.json)


def _network_fee(args: argparse.Namespace) -> None:
    tx_type: str | int = int(args.tx_type) if args.tx_type.isdigit() else args.tx_type
    _run_tool("estimate_network_fee", {"chain": args.chain, "tx_type": tx_type}, pretty=not args.json)


def _leverage(args: argparse.Namespace) -> None:
    arguments: dict[str, Any] = {
        "entry_price": args.entry_price,
        "leverage": args.leverage,
        "side": args.side,
    }
    optional = {
        "position_usd": args.position_usd,
        "margin_usd": args.margin_usd,
        "maintenance_margin_rate": args.maintenance_margin_rate,
        "stop_loss_price": args.stop_loss,
    }
    arguments |= {k: v for k, v in optional.items() if v is not None}
    _run_tool("assess_leverage", arguments, pretty=not args.json)


def _search(args: argparse.Namespace) -> None:
    _run_tool("search_assets", {"query": args.query, "limit": args.limit}, pretty=not args.json)


def _parser() -> argparse.ArgumentParser:
    from agent_tools import __version__

    parser = argparse.ArgumentParser(
        prog="agent-tools", description="agent-tools: crypto research MCP server"
    )
    parser.add_argument("--version", action="version", version=f"agent-tools {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="Run the MCP server.", description="Run the MCP server.")
    serve.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default) or http (streamable HTTP at /mcp)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default: 8000)")
    serve.set_defaults(run=_serve)

    call = commands.add_parser("call", help="Call one tool through the MCP path and print its result.")
    call.add_argument("tool", help="Tool name, e.g. get_price")
    call.add_argument(
        "--arg",
        action="append",
        default=[],
        type=_parse_arg,
        metavar="KEY=VALUE",
        help="a tool argument; VALUE is parsed as JSON when it can be (repeatable)",
    )
    _output_flags(call, json_default=True)
    call.set_defaults(run=_call)

    tools = commands.add_parser("tools", help="List the tools: name and title, one line each.")
    _output_flags(tools, json_default=False)
    tools.set_defaults(run=_tools)

    price = commands.add_parser(
        "price", help="Prices for one or more assets (shortcut for `call get_price`)."
    )
    price.add_argument("symbols", nargs="+", help="Tickers, CoinGecko ids or chain:0xaddress")
    price.add_argument("--vs", default="usd", help="Quote currency (default: usd)")
    price.set_defaults(run=_price)

    rug = commands.add_parser(
        "rug", help="Rug-pull risk of a token (shortcut for `call assess_rug_pull_risk`)."
    )
    rug.add_argument("chain", help="ethereum, bsc, base, arbitrum, polygon, solana, ... (or a chain id)")
    rug.add_argument("address", help="Token contract address or Solana mint")
    rug.set_defaults(run=_rug)

    grade = commands.add_parser(
        "grade", help="Trader and investor grades with their factors (shortcut for `call get_grade`)."
    )
    grade.add_argument("symbol", help="Ticker or CoinGecko id")
    grade.set_defaults(run=_grade)

    history = commands.add_parser(
        "history",
        help="Price history with stats, optionally a PNG chart (shortcut for `call get_price_history`).",
    )
    history.add_argument("symbol", help="Ticker or CoinGecko id")
    history.add_argument("--days", type=int, default=30, help="Days back from now, 1-3650 (default: 30)")
    history.add_argument(
        "--interval", choices=["auto", "hourly", "daily", "weekly"], default="auto", help="Bar spacing"
    )
    history.add_argument("--vs", default="usd", help="Quote currency (default: usd)")
    history.add_argument("--limit", type=int, help="Most points to print (default: what fits in ~4 KB)")
    history.add_argument("--chart", metavar="PNG", help="Also write the chart to this file")
    history.set_defaults(run=_history)

    fees = commands.add_parser(
        "fees", help="Trading fees per exchange, cheapest first (shortcut for `call estimate_trading_fees`)."
    )
    fees.add_argument("notional_usd", type=float, help="Size of one trade in USD")
    fees.add_argument("--trades-per-month", type=int, default=1, help="Trades per month (default: 1)")
    fees.add_argument("--maker-share", type=float, default=0.0, help="Share of maker (limit) orders, 0-1")
    fees.set_defaults(run=_fees)

    network_fee = commands.add_parser(
        "network-fee",
        help="Slow/standard/fast cost of a transaction now (shortcut for `call estimate_network_fee`).",
    )
    network_fee.add_argument("chain", help="bitcoin, ethereum, bsc, polygon, arbitrum, base, solana, ...")
    network_fee.add_argument(
        "--tx-type",
        default="transfer",
        help="transfer (default), erc20_transfer, swap, or a gas / vbyte count",
    )
    network_fee.set_defaults(run=_network_fee)

    leverage = commands.add_parser(
        "leverage",
        help="Liquidation price and P&L of a leveraged trade (shortcut for `call assess_leverage`).",
    )
    leverage.add_argument("entry_price", type=float, help="Entry price of the asset")
    leverage.add_argument("leverage", type=float, help="Leverage multiple, e.g. 10")
    leverage.add_argument("side", choices=["long", "short"], help="long or short")
    size = leverage.add_mutually_exclusive_group()
    size.add_argument("--margin-usd", type=float, help="Collateral in USD")
    size.add_argument("--position-usd", type=float, help="Position size (notional) in USD")
    leverage.add_argument("--maintenance-margin-rate", type=float, help="Fraction of notional, e.g. 0.005")
    leverage.add_argument("--stop-loss", type=float, help="Stop-loss price")
    leverage.set_defaults(run=_leverage)

    search = commands.add_parser(
        "search",
        help="CoinGecko ids, ranks and contracts for a name or ticker (shortcut for `call search_assets`).",
    )
    search.add_argument("query", help="Name or ticker, e.g. uniswap")
    search.add_argument("--limit", type=int, default=10, help="How many candidates (default: 10)")
    search.set_defaults(run=_search)

    for shortcut in (price, rug, grade, history, fees, network_fee, leverage, search):
        _output_flags(shortcut, json_default=False)
    return parser


def _output_flags(command: argparse.ArgumentParser, *, json_default: bool) -> None:
    """`--json` and `--pretty` on every tool command (exclusive); the default differs by command."""
    output = command.add_mutually_exclusive_group()
    output.add_argument("--json", dest="json", action="store_true", help="Print JSON")
    output.add_argument("--pretty", dest="json", action="store_false", help="Print tables")
    command.set_defaults(json=json_default)


def _parse_arg(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"takes key=value, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key, value


def _run_tool(tool: str, arguments: dict[str, Any], *, pretty: bool, chart_path: str | None = None) -> None:
    _configure_logging("WARNING")
    ok, payload, images = asyncio.run(_call_tool(tool, arguments))
    if not ok:
        print(
            _error_line(payload) if pretty else json.dumps(payload, indent=2, ensure_ascii=False),
            file=sys.stderr,
        )
        raise SystemExit(1)
    print(render_tables(payload) if pretty else json.dumps(payload, indent=2, ensure_ascii=False))
    if chart_path is not None:
        if not images:
            raise SystemExit(f"{tool} returned no image")
        with open(chart_path, "wb") as out:
            out.write(images[0])
        print(f"chart: {chart_path} ({len(images[0]) // 1024} KB)", file=sys.stderr)


def _error_line(payload: Any) -> str:
    """`error CODE: message (hint: ...)` from an error envelope."""
    envelope = cast(dict[str, Any], payload) if isinstance(payload, dict) else {}
    error = cast(dict[str, Any], envelope.get("error") or {})
    line = f"error {error.get('code', 'INTERNAL')}: {error.get('message', payload)}"
    if error.get("retry_after_s") is not None:
        line += f" (retry after {error['retry_after_s']} s)"
    if error.get("hint"):
        line += f" (hint: {error['hint']})"
    return " ".join(line.split())


async def _list_tools() -> list[dict[str, Any]]:
    from mcp import Client

    from agent_tools.server import build_server
    from agent_tools.services import Services

    async with Services() as services, Client(build_server(services)) as client:
        listed = await client.list_tools()
    return [{"name": t.name, "title": t.title, "description": t.description} for t in listed.tools]


async def _call_tool(tool: str, arguments: dict[str, Any]) -> tuple[bool, Any, list[bytes]]:
    """Whether the tool answered, its structured content (or error envelope), and its images."""
    import base64

    from mcp import Client

    from agent_tools.server import build_server
    from agent_tools.services import Services

    async with Services() as services, Client(build_server(services)) as client:
        result = await client.call_tool(tool, arguments)
    if result.is_error:
        text = "".join(getattr(block, "text", "") for block in result.content)
        start = text.find("{")
        try:
            return False, json.loads(text[start:]) if start >= 0 else {"error": {"message": text}}, []
        except ValueError:
            return False, {"error": {"code": "INTERNAL", "message": text}}, []
    images = [base64.b64decode(block.data) for block in result.content if block.type == "image"]
    return True, result.structured_content, images


LONG_TEXT = 40
"""A column holding text longer than this is shown under its table, not in it."""


def render_tables(payload: Any) -> str:
    """Each list of records as a text table of its short scalar columns, with each row's long text
    and nested fields as indented `key: value` blocks under the table; other fields as `key: value`
    lines, nested objects as indented blocks. Nulls and empty values are left out."""
    if not isinstance(payload, dict):
        return str(payload)
    blocks: list[str] = []
    simple = False  # consecutive `key: scalar` lines share a block
    for key, value in cast(dict[str, Any], payload).items():
        rows = _records(value)
        if rows:
            blocks.append(_table_block(key, rows))
        elif isinstance(value, list):
            items = [v for v in cast(list[Any], value) if not _empty(v)]
            if items:
                blocks.append("\n".join(f"{key}: {_cell(item)}" for item in items))
        elif not _empty(value):
            line = "\n".join(_lines(key, value, 0))
            if simple and not isinstance(value, dict):
                blocks[-1] += "\n" + line
            else:
                blocks.append(line)
            simple = not isinstance(value, dict)
            continue
        else:
            continue
        simple = False
    return "\n\n".join(blocks)


def _table_block(title: str, rows: list[dict[str, Any]]) -> str:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    present = [k for k in keys if any(not _empty(r.get(k)) for r in rows)]
    columns = [k for k in present if all(_short_scalar(r.get(k)) for r in rows)]
    table = _table(title, columns, [[_cell(r.get(c)) for c in columns] for r in rows])
    details: list[str] = []
    for row in rows:
        extra = [line for k in present if k not in columns for line in _lines(k, row.get(k), 1)]
        if extra:
            details += [f"{_cell(row.get(columns[0])) if columns else title}:", *extra]
    return table + ("\n\n" + "\n".join(details) if details else "")


def _lines(key: str, value: Any, depth: int) -> list[str]:
    """`key: value` at `depth` (two spaces a level); objects and lists of objects nest below their key."""
    pad = "  " * depth
    if _empty(value):
        return []
    if isinstance(value, dict):
        inner = [line for k, v in cast(dict[str, Any], value).items() for line in _lines(k, v, depth + 1)]
        return [f"{pad}{key}:", *inner] if inner else []
    if isinstance(value, list):
        items = [v for v in cast(list[Any], value) if not _empty(v)]
        if all(not isinstance(v, dict | list) for v in items):
            return [f"{pad}{key}: {', '.join(_cell(v) for v in items)}"]
        return [
            f"{pad}{key}:",
            *(line for i, v in enumerate(items) for line in _lines(f"- {i + 1}", v, depth + 1)),
        ]
    return [f"{pad}{key}: {_cell(value)}"]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict) and not value)


def _short_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list) and not (isinstance(value, str) and len(value) > LONG_TEXT)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([title, line(columns), line(["-" * w for w in widths]), *map(line, rows)])


def _records(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in cast(list[Any], value)):
        return cast(list[dict[str, Any]], value)
    return []


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)
