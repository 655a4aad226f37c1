"""The command line's parsing and table rendering, in process (the subprocess runs are in test_transports)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from agent_tools import cli


@pytest.fixture
def tool_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any], bool]]]:
    """What each command would send through the MCP client, and whether it asked for tables."""
    calls: list[tuple[str, dict[str, Any], bool]] = []

    def record(tool: str, args: dict[str, Any], *, pretty: bool, chart_path: str | None = None) -> None:
        calls.append((tool, args | ({"chart_path": chart_path} if chart_path else {}), pretty))

    monkeypatch.setattr(cli, "_run_tool", record)
    yield calls
    gc.enable()  # main() pauses the collector for the process; give it back to the test run


def test_shortcuts_map_to_tool_arguments(tool_calls: list[tuple[str, dict[str, Any], bool]]) -> None:
    cli.main(["fees", "1000", "--trades-per-month", "50", "--maker-share", "0.5"])
    cli.main(["price", "BTC", "ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "--vs", "eur", "--json"])
    cli.main(["rug", "bsc", "0x0000000000000000000000000000000000000001"])
    cli.main(["grade", "ETH"])
    cli.main(["history", "BTC", "--days", "90", "--chart", "out.png"])
    cli.main(["history", "eth", "--interval", "weekly", "--vs", "eur", "--limit", "20", "--json"])
    assert tool_calls == [
        ("estimate_trading_fees", {"notional_usd": 1000.0, "trades_per_month": 50, "maker_share": 0.5}, True),
        (
            "get_price",
            {"symbols": ["BTC", "ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"], "vs_currency": "eur"},
            False,
        ),
        (
            "assess_rug_pull_risk",
            {"chain": "bsc", "address": "0x0000000000000000000000000000000000000001"},
            True,
        ),
        ("get_grade", {"symbol": "ETH"}, True),
        (
            "get_price_history",
            {
                "symbol": "BTC",
                "days": 90,
                "interval": "auto",
                "vs_currency": "usd",
                "chart": True,
                "chart_path": "out.png",
            },
            True,
        ),
        (
            "get_price_history",
            {"symbol": "eth", "days": 30, "interval": "weekly", "vs_currency": "eur", "limit": 20},
            False,
        ),
    ]


def test_call_parses_json_values_and_keeps_other_text(
    tool_calls: list[tuple[str, dict[str, Any], bool]],
) -> None:
    cli.main(["call", "get_price", "--arg", 'symbols=["BTC"]', "--arg", "vs_currency=usd", "--pretty"])
    cli.main(["call", "estimate_trading_fees", "--arg", "notional_usd=1e3", "--arg", "exchanges=binance"])
    assert tool_calls == [
        ("get_price", {"symbols": ["BTC"], "vs_currency": "usd"}, True),
        ("estimate_trading_fees", {"notional_usd": 1000.0, "exchanges": "binance"}, False),
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["call", "get_price", "--arg", "symbols"],  # no '='
        ["call", "get_price", "--arg", "=1"],  # no key
        ["serve", "--transport", "grpc"],
        ["fees", "a thousand"],
        ["history", "BTC", "--days", "ninety"],
        ["history", "BTC", "--interval", "minutely"],
        ["price"],
        [],
    ],
)
def test_usage_errors_exit_2_before_any_call(
    argv: list[str], tool_calls: list[tuple[str, dict[str, Any], bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert tool_calls == []
    assert "error" in capsys.readouterr().err


def test_render_tables_lines_up_records_and_lists_the_rest() -> None:
    payload = {
        "quotes": [
            {"asset_id": "bitcoin", "price": 97123.456789, "market_cap": 1.93e12, "cross_check": {"x": 1}},
            {"asset_id": "ethereum", "price": 3456.7, "market_cap": None, "cross_check": None},
        ],
        "warnings": ["SOL is ambiguous", "stale"],
        "notes": [],
        "vs_currency": "usd",
    }
    assert cli.render_tables(payload).splitlines() == [
        "quotes",
        "asset_id  price     market_cap",
        "--------  --------  -----------------",
        "bitcoin   97,123.5  1,930,000,000,000",
        "ethereum  3,456.7",
        "",
        "bitcoin:",
        "  cross_check:",
        "    x: 1",
        "",
        "warnings: SOL is ambiguous",
        "warnings: stale",
        "",
        "vs_currency: usd",
    ]


def test_new_shortcuts_map_to_tool_arguments(tool_calls: list[tuple[str, dict[str, Any], bool]]) -> None:
    cli.main(["network-fee", "eth"])
    cli.main(["network-fee", "bitcoin", "--tx-type", "250", "--json"])
    cli.main(["leverage", "60000", "10", "long", "--margin-usd", "1000", "--stop-loss", "57000"])
    cli.main(
        ["leverage", "3000", "5", "short", "--position-usd", "5000", "--maintenance-margin-rate", "0.01"]
    )
    cli.main(["search", "uniswap", "--limit", "3"])
    assert tool_calls == [
        ("estimate_network_fee", {"chain": "eth", "tx_type": "transfer"}, True),
        ("estimate_network_fee", {"chain": "bitcoin", "tx_type": 250}, False),
        (
            "assess_leverage",
            {
                "entry_price": 60000.0,
                "leverage": 10.0,
                "side": "long",
                "margin_usd": 1000.0,
                "stop_loss_price": 57000.0,
            },
            True,
        ),
        (
            "assess_leverage",
            {
                "entry_price": 3000.0,
                "leverage": 5.0,
                "side": "short",
                "position_usd": 5000.0,
                "maintenance_margin_rate": 0.01,
            },
            True,
        ),
        ("search_assets", {"query": "uniswap", "limit": 3}, True),
    ]


def test_one_flag_for_json_and_one_for_tables_on_every_tool_command(
    tool_calls: list[tuple[str, dict[str, Any], bool]],
) -> None:
    cli.main(["call", "get_grade", "--arg", "symbol=ETH"])  # call: JSON by default (the contract)
    cli.main(["call", "get_grade", "--arg", "symbol=ETH", "--json"])
    cli.main(["call", "get_grade", "--arg", "symbol=ETH", "--pretty"])
    cli.main(["grade", "ETH"])  # shortcuts: tables by default
    cli.main(["grade", "ETH", "--json"])
    cli.main(["grade", "ETH", "--pretty"])
    assert [pretty for *_, pretty in tool_calls] == [False, False, True, True, False, True]


@pytest.mark.parametrize(
    "argv", [["call", "get_price", "--json", "--pretty"], ["price", "BTC", "--json", "--pretty"]]
)
def test_json_and_pretty_together_is_a_usage_error(argv: list[str], tool_calls: list[Any]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2 and tool_calls == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from agent_tools import __version__

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"agent-tools {__version__}"
    gc.enable()


def test_nested_values_render_as_indented_blocks() -> None:
    payload = {
        "chain": "ethereum",
        "slow": {"fee_rate": 20.0, "unit": "gwei", "priority_fee": None},
        "coverage": {"checked": ["is_honeypot", "mintable"], "unknown": [], "sources_ok": ["goplus"]},
        "model": {"score": 12.5, "inputs": {"lp_locked_pct": 0.0, "creator_token_count": None}},
    }
    assert cli.render_tables(payload).splitlines() == [
        "chain: ethereum",
        "",
        "slow:",
        "  fee_rate: 20",
        "  unit: gwei",
        "",
        "coverage:",
        "  checked: is_honeypot, mintable",
        "  sources_ok: goplus",
        "",
        "model:",
        "  score: 12.5",
        "  inputs:",
        "    lp_locked_pct: 0",
    ]
    assert "{" not in cli.render_tables(payload)


def test_tables_keep_every_column_and_put_long_text_and_nested_fields_under_the_table() -> None:
    note = "Cheaper tiers reachable by holdings alone are not auto-selected: Lv2 (>= 500 OKB held)."
    row = {f"c{i}": i for i in range(14)}
    payload = {
        "estimates": [
            {"exchange": "binance", **row, "note": None, "evidence": {"a": 1}},
            {"exchange": "okx", **row, "note": note, "evidence": {}},
        ]
    }
    lines = cli.render_tables(payload).splitlines()
    assert lines[1].split() == ["exchange", *row]  # all 15 short columns
    assert "  note: " + note in lines and "okx:" in lines
    assert "binance:" in lines and "  evidence:" in lines and "    a: 1" in lines
