"""Command line: `agent-tools serve`, `agent-tools call TOOL --arg k=v`, and shortcuts.

`call` and the shortcuts go through an in-process MCP client connected to the same
server an agent talks to, so the shell sees exactly what an agent sees.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, cast

import typer

from agent_tools.observability import configure_logging
from agent_tools.services import Services
from agent_tools.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="agent-tools: crypto research MCP server")


def _configure_logging(level: str | None) -> None:
    """Logs go to stderr only: stdout belongs to the stdio transport and to `call`'s JSON.

    `serve` logs at AGENT_TOOLS_LOG_LEVEL (default INFO: a line per tool call and upstream
    request); one-shot commands only warn, so a person's terminal stays readable.
    """
    settings = Settings()
    configure_logging(level or settings.log_level, settings.log_format)


@app.command()
def serve(
    transport: Annotated[
        str, typer.Option(help="stdio (default) or http (streamable HTTP at /mcp)")
    ] = "stdio",
    host: Annotated[str, typer.Option(help="HTTP bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
) -> None:
    """Run the MCP server."""
    _configure_logging(None)
    from agent_tools.transport import run_http, run_stdio

    if transport == "stdio":
        asyncio.run(run_stdio())
    elif transport == "http":
        asyncio.run(run_http(host, port))
    else:
        raise typer.BadParameter("transport must be 'stdio' or 'http'")


def _parse_arg(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"--arg takes key=value, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key, value


async def _call(tool: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    from mcp import Client

    from agent_tools.server import build_server

    async with Services() as services, Client(build_server(services)) as client:
        result = await client.call_tool(tool, arguments)
    if result.is_error:
        text = "".join(getattr(block, "text", "") for block in result.content)
        start = text.find("{")
        try:
            return False, json.loads(text[start:]) if start >= 0 else {"error": {"message": text}}
        except ValueError:
            return False, {"error": {"code": "INTERNAL", "message": text}}
    return True, result.structured_content


def _emit(ok: bool, payload: Any, pretty: bool) -> None:
    if pretty and ok:
        _render(payload)
    else:
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    if not ok:
        raise typer.Exit(code=1)


def _render(payload: Any) -> None:
    """Each list of records as a table of its simple columns; other fields as `key: value` lines."""
    from rich.console import Console  # here, not at import: `serve` starts faster without rich
    from rich.table import Table

    console = Console(width=max(Console().width, 140))
    if not isinstance(payload, dict):
        console.print(payload)
        return
    fields = cast(dict[str, Any], payload)
    for key, value in fields.items():
        rows = _records(value)
        if rows:
            columns = [c for c in rows[0] if not isinstance(rows[0][c], dict | list)]
            columns = [c for c in columns if any(r.get(c) is not None for r in rows)][:12]
            table = Table(title=key)
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(_cell(row.get(c)) for c in columns))
            console.print(table)
        elif value not in (None, [], {}):
            lines = cast(list[Any], value) if isinstance(value, list) else [value]
            for line in lines:
                console.print(f"[bold]{key}[/bold]: {line}", highlight=False)


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


@app.command()
def call(
    tool: Annotated[str, typer.Argument(help="Tool name, e.g. get_price")],
    arg: Annotated[
        list[str] | None, typer.Option("--arg", help="key=value (value parsed as JSON when it can be)")
    ] = None,
    pretty: Annotated[bool, typer.Option(help="Render tables instead of JSON")] = False,
) -> None:
    """Call one tool through the MCP path and print its result."""
    _configure_logging("WARNING")
    arguments = dict(_parse_arg(a) for a in arg or [])
    ok, payload = asyncio.run(_call(tool, arguments))
    _emit(ok, payload, pretty)


@app.command()
def price(
    symbols: Annotated[list[str], typer.Argument(help="Tickers, CoinGecko ids or chain:0xaddress")],
    vs: Annotated[str, typer.Option(help="Quote currency")] = "usd",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Prices for one or more assets (shortcut for `call get_price`)."""
    _configure_logging("WARNING")
    ok, payload = asyncio.run(_call("get_price", {"symbols": symbols, "vs_currency": vs}))
    _emit(ok, payload, pretty=not json_out)


@app.command()
def rug(
    chain: Annotated[
        str, typer.Argument(help="ethereum, bsc, base, arbitrum, polygon, solana, ... (or a chain id)")
    ],
    address: Annotated[str, typer.Argument(help="Token contract address or Solana mint")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
) -> None:
    """Rug-pull risk of a token (shortcut for `call assess_rug_pull_risk`)."""
    _configure_logging("WARNING")
    ok, payload = asyncio.run(_call("assess_rug_pull_risk", {"chain": chain, "address": address}))
    _emit(ok, payload, pretty=not json_out)


@app.command()
def grade(
    symbol: Annotated[str, typer.Argument(help="Ticker or CoinGecko id")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
) -> None:
    """Trader and investor grades with their factors (shortcut for `call get_grade`)."""
    _configure_logging("WARNING")
    ok, payload = asyncio.run(_call("get_grade", {"symbol": symbol}))
    _emit(ok, payload, pretty=not json_out)


@app.command()
def fees(
    notional_usd: Annotated[float, typer.Argument(help="Size of one trade in USD")],
    trades_per_month: Annotated[int, typer.Option(help="Trades per month")] = 1,
    maker_share: Annotated[float, typer.Option(help="Share of maker (limit) orders, 0-1")] = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
) -> None:
    """Trading fees per exchange, cheapest first (shortcut for `call estimate_trading_fees`)."""
    _configure_logging("WARNING")
    arguments = {
        "notional_usd": notional_usd,
        "trades_per_month": trades_per_month,
        "maker_share": maker_share,
    }
    ok, payload = asyncio.run(_call("estimate_trading_fees", arguments))
    _emit(ok, payload, pretty=not json_out)


def main() -> None:
    app()
