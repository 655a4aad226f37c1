"""Withdrawal fees: network spellings, the bundled table files, and the cheapest-first comparison."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from agent_tools.domain.chains import CHAINS
from agent_tools.domain.withdrawal_fees import (
    LIVE_EXCHANGES,
    NETWORKS,
    WithdrawalQuote,
    compare_withdrawals,
    exchange_network,
    parse_asset,
    resolve_network,
    supported_exchanges,
    table_exchanges,
    withdrawal_cost,
)
from agent_tools.domain.withdrawal_table import (
    TableFileError,
    load_tables,
    parse_table,
    table_assets,
    table_quotes,
)

DATA_DIR = Path(__file__).parents[2] / "agent_tools" / "data" / "withdrawal_fees"
TABLE_EXCHANGES = ["binance", "bitstamp", "bybit", "coinbase", "gate", "gemini", "kraken", "okx"]
TODAY = date(2026, 12, 1)


# --- networks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "key", "chain"),
    [
        ("ERC20", "ERC20", "ethereum"),
        ("erc-20", "ERC20", "ethereum"),
        ("eth", "ERC20", "ethereum"),
        ("mainnet", "ERC20", "ethereum"),  # a registry alias
        ("TRC20", "TRC20", None),  # Tron is not a registry chain
        ("tron", "TRC20", None),
        ("BEP20", "BEP20", "bsc"),
        ("BNB Chain", "BEP20", "bsc"),  # registry
        ("56", "BEP20", "bsc"),  # registry chain id
        ("SOL", "SOL", "solana"),
        ("BTC", "BTC", "bitcoin"),
        ("Lightning Network", "LIGHTNING", None),
        ("arbitrum-one", "ARBITRUM", "arbitrum"),
        ("ArbitrumOne", "ARBITRUM", "arbitrum"),
        ("42161", "ARBITRUM", "arbitrum"),
        ("OP Mainnet", "OPTIMISM", "optimism"),
        ("polygon-pos", "POLYGON", "polygon"),
        ("avax", "AVAXC", "avalanche"),
        ("linea", "LINEA", "linea"),
        ("zksync-era", "ZKSYNC", "zksync"),
    ],
)
def test_network_spellings(spelling: str, key: str, chain: str | None) -> None:
    network = resolve_network(spelling)
    assert (network.key, network.chain) == (key, chain)


def test_every_registry_spelling_names_the_network_of_its_chain() -> None:
    for chain in CHAINS:
        for spelling in (chain.name, *chain.aliases):
            assert resolve_network(spelling).chain == chain.name, spelling


def test_network_keys_are_unique_and_registry_chains_appear_once() -> None:
    keys = [n.key for n in NETWORKS]
    assert len(keys) == len(set(keys))
    chains = [n.chain for n in NETWORKS if n.chain is not None]
    assert sorted(chains) == sorted(c.name for c in CHAINS)


@pytest.mark.parametrize("spelling", ["dogecoin", "", "erc21", "x" * 41])
def test_unknown_network_names_the_known_ones(spelling: str) -> None:
    with pytest.raises(ValueError, match="network") as caught:
        resolve_network(spelling)
    if spelling:
        assert "ERC20, " in str(caught.value) and "TRC20" in str(caught.value)


def test_exchange_names_for_networks() -> None:
    assert exchange_network("eth", "ERC20").key == "ERC20"  # KuCoin chainId, chainName
    assert exchange_network("btcln", "Lightning Network").key == "LIGHTNING"
    assert exchange_network("ArbitrumOne").chain == "arbitrum"  # Bitget
    unknown = exchange_network("kcc", "KCC")
    assert (unknown.key, unknown.chain, unknown.label) == ("KCC", None, "kcc")


@pytest.mark.parametrize(("text", "ticker"), [("usdt", "USDT"), (" BTC ", "BTC"), ("1INCH", "1INCH")])
def test_asset_tickers(text: str, ticker: str) -> None:
    assert parse_asset(text) == ticker


@pytest.mark.parametrize("text", ["", "bitcoin cash", "ETH/USDT", "ethereum:0xabc", "X" * 16])
def test_asset_that_cannot_be_a_ticker(text: str) -> None:
    with pytest.raises(ValueError, match="ticker"):
        parse_asset(text)


# --- the bundled table, one file per exchange -------------------------------------------------------


def test_the_table_covers_the_exchanges_without_a_public_endpoint() -> None:
    assert table_exchanges() == TABLE_EXCHANGES == sorted(p.stem for p in DATA_DIR.glob("*.json"))
    assert set(LIVE_EXCHANGES).isdisjoint(table_exchanges())
    assert supported_exchanges() == sorted([*TABLE_EXCHANGES, *LIVE_EXCHANGES])
    assert load_tables() is load_tables()


@pytest.mark.parametrize("exchange", TABLE_EXCHANGES)
def test_each_table_file_schema_dates_and_sources(exchange: str) -> None:
    """Every figure names its source and the source's date (or the day it was read), and says if verified."""
    path = DATA_DIR / f"{exchange}.json"
    table = parse_table(path.read_text(encoding="utf-8"), path.name)
    assert table.exchange == exchange and table.notes
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert {"exchange", "name", "notes", "entries"} <= set(raw)
    for entry in table.entries:
        assert date(2015, 1, 1) <= entry.as_of <= TODAY
        assert entry.source_url.startswith(("https://", "http://"))
        assert entry.fee > 0 and resolve_network(entry.network)
        if not entry.verified:  # an unconfirmed figure says where it came from
            assert entry.note
        if entry.as_of_basis == "read":  # undated: read on the day the table was compiled
            assert entry.as_of == TODAY
    if not table.entries:
        assert "No figure" in table.notes


def test_no_table_figure_is_claimed_verified_without_the_exchanges_own_page() -> None:
    for table in load_tables().values():
        for entry in table.entries:
            exchange_host = table.exchange in entry.source_url
            assert not entry.verified or exchange_host, (table.exchange, entry.asset)


def test_table_quotes_are_stale_dated_schedule_figures() -> None:
    quotes = table_quotes("gemini", "BTC")
    assert [(q.network.key, q.fee, q.as_of, q.source, q.stale, q.verified) for q in quotes] == [
        ("BTC", Decimal("0.0001"), date(2023, 9, 14), "schedule", True, False)
    ]
    assert table_quotes("gemini", "DOGE") == [] and table_quotes("kucoin", "BTC") == []
    assert {"BTC", "ETH", "USDT"} <= set(table_assets())


def _valid() -> dict[str, Any]:
    return {
        "exchange": "binance",
        "name": "Binance",
        "notes": "test",
        "entries": [
            {
                "asset": "BTC",
                "network": "BTC",
                "fee": "0.0002",
                "as_of": "2026-01-02",
                "as_of_basis": "published",
                "source_url": "https://www.binance.com/en/fee/cryptoFee",
                "verified": True,
            }
        ],
    }


def _unknown_network(d: dict[str, Any]) -> None:
    d["entries"][0]["network"] = "NOPE20"


def _negative_fee(d: dict[str, Any]) -> None:
    d["entries"][0]["fee"] = "-1"


def _undated(d: dict[str, Any]) -> None:
    del d["entries"][0]["as_of"]


def _no_source(d: dict[str, Any]) -> None:
    d["entries"][0]["source_url"] = "somewhere"


def _lower_case_asset(d: dict[str, Any]) -> None:
    d["entries"][0]["asset"] = "btc"


def _twice(d: dict[str, Any]) -> None:
    d["entries"].append(d["entries"][0] | {"network": "bitcoin"})


def _unknown_key(d: dict[str, Any]) -> None:
    d["entries"][0]["withdraw_fee"] = "1"


def _live_exchange(d: dict[str, Any]) -> None:
    d["exchange"] = "kucoin"


@pytest.mark.parametrize(
    "breakage",
    [
        _unknown_network,
        _negative_fee,
        _undated,
        _no_source,
        _lower_case_asset,
        _twice,
        _unknown_key,
        _live_exchange,
    ],
)
def test_a_broken_table_file_is_rejected_naming_the_file(breakage: Any) -> None:
    data = _valid()
    breakage(data)
    name = f"{data['exchange']}.json"
    with pytest.raises(TableFileError, match=f"^{name}: "):
        parse_table(json.dumps(data), name)


def test_a_file_named_for_another_exchange_is_rejected() -> None:
    with pytest.raises(TableFileError, match="must match the file name"):
        parse_table(json.dumps(_valid()), "okx.json")


# --- comparison --------------------------------------------------------------------------------------


def quote(exchange: str, network: str, fee: str, **kw: Any) -> WithdrawalQuote:
    base = WithdrawalQuote(
        exchange=exchange,
        asset="USDT",
        network=resolve_network(network),
        fee=Decimal(fee),
        fee_rate=None,
        min_withdrawal=None,
        enabled=True,
        source="live",
        source_url="https://api.example/fees",
        as_of=datetime(2026, 12, 1, tzinfo=UTC),
        as_of_basis="fetched",
        verified=True,
        stale=False,
    )
    return replace(base, **kw)


QUOTES = [
    quote("kucoin", "ERC20", "3.2"),
    quote("kucoin", "TRC20", "1.5"),
    quote("bitget", "TRC20", "1"),
    quote("bitget", "ERC20", "2.5"),
    quote("bitget", "ARBITRUM", "0.2", enabled=False),
]


def test_cheapest_first_with_usd() -> None:
    result = compare_withdrawals(QUOTES, price_usd=1.0)
    assert [(e.quote.exchange, e.quote.network.key, e.fee, e.fee_usd) for e in result.estimates] == [
        ("bitget", "TRC20", Decimal("1"), 1.0),
        ("kucoin", "TRC20", Decimal("1.5"), 1.5),
        ("bitget", "ERC20", Decimal("2.5"), 2.5),
        ("kucoin", "ERC20", Decimal("3.2"), 3.2),
    ]
    [closed] = result.disabled
    assert closed.network.key == "ARBITRUM"  # closed for withdrawals now: not offered as the cheapest


def test_network_filter_and_no_price() -> None:
    result = compare_withdrawals(QUOTES, network=resolve_network("eth"))
    assert [(e.quote.exchange, e.fee_usd) for e in result.estimates] == [("bitget", None), ("kucoin", None)]


def test_percentage_parts_need_an_amount() -> None:
    kucoin = quote("kucoin", "ERC20", "0.0012", fee_rate=Decimal("0.001"))
    bitget = quote("bitget", "BEP20", "0.29", fee_rate=Decimal("0.001"))
    assert withdrawal_cost(kucoin, None) == Decimal("0.0012")
    assert withdrawal_cost(kucoin, Decimal("0.5")) == Decimal("0.0012")  # 0.0005 < the minimum fee
    assert withdrawal_cost(kucoin, Decimal("10")) == Decimal("0.010")  # max(fee, amount × rate)
    assert withdrawal_cost(bitget, Decimal("1000")) == Decimal("1.29")  # fee + the burned share


def test_below_the_minimum_is_flagged_only_with_an_amount() -> None:
    q = quote("kucoin", "TRC20", "1.5", min_withdrawal=Decimal("10"))
    assert compare_withdrawals([q]).estimates[0].below_minimum is None
    assert compare_withdrawals([q], amount=Decimal("5")).estimates[0].below_minimum is True
    assert compare_withdrawals([q], amount=Decimal("10")).estimates[0].below_minimum is False


def test_usd_is_rounded_to_six_significant_digits() -> None:
    [e] = compare_withdrawals([quote("kraken", "BTC", "0.00015")], price_usd=97_000.123).estimates
    assert e.fee_usd == 14.55
