"""Shared pieces of the robustness benchmarks (fault matrix, fuzz) and of tests/test_fuzz.py.

- `AllFakes`: every upstream fake of tests/fakes behind one httpx.MockTransport, routed by
  host, with persistent faults per provider and optional random faults (seeded);
- `bench_settings`: Settings with no .env, the fakes' API keys and optional high rate limits;
- `classify`: a tool result as `ok` or its error code, plus the problems the contract forbids
  (tracebacks, unparseable or incomplete envelopes, leaked keys);
- `CallGenerator`: seeded tool calls over the published input schemas: valid, boundary and
  invalid values, wrong types, NaN/inf as numbers and strings, unknown and missing arguments,
  huge strings, unicode.

Importable as a script helper (`import _harness`, from benchmarks/) and from tests
(`from benchmarks._harness import ...`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx

from agent_tools.settings import Settings
from agent_tools.upstream import LoopClock
from tests.fakes.chain import CHAIN_COINS, FakeChain
from tests.fakes.chain import HOSTS as CHAIN_HOSTS
from tests.fakes.exchanges import HOSTS as EXCHANGE_HOSTS
from tests.fakes.exchanges import FakeExchanges
from tests.fakes.grades import TM_HOST, TM_KEY, GradeFake
from tests.fakes.security import (
    AERO,
    BLUE_CHIP,
    HONEYPOT,
    MEMELON,
    NODEAI,
    SOL_AUTHORITIES,
    SOL_UNKNOWN,
    SPARSE,
    TROE,
    UNVERIFIED,
    WETH,
)
from tests.fakes.security import HOSTS as SECURITY_HOSTS
from tests.fakes.upstream import HOSTS as PRICE_HOSTS
from tests.fakes.upstream import Fault
from tests.fakes.wallet import WalletFake

PROVIDERS = (
    "coingecko",
    "defillama",
    "binance",
    "goplus",
    "honeypot",
    "dexscreener",
    "rugcheck",
    "mempool",
    "evm_rpc",
    "etherscan",
    "solana_rpc",
    "tokenmetrics",
)
ETHERSCAN_KEY = "bench-etherscan-key-5ecret"
SECRETS = (ETHERSCAN_KEY, TM_KEY)

FAULTS: dict[str, Fault] = {
    "429+RA": Fault("status", 429, headers={"retry-after": "1"}),
    "500": Fault("status", 500),
    "503": Fault("status", 503),
    "timeout": Fault("timeout"),
    "malformed": Fault("malformed"),
    "drift": Fault("drift"),
    "huge": Fault("huge"),
}
"""The fault columns; `timeout` is an immediate httpx.ReadTimeout (the fakes' `hang` is a real stall)."""


def clean_env() -> None:
    """Benchmarks never read the developer's AGENT_TOOLS_* variables (settings are passed explicitly)."""
    for key in [k for k in os.environ if k.startswith("AGENT_TOOLS_")]:
        del os.environ[key]


def bench_settings(
    deadline_s: float = 3.0, *, keys: bool = True, rate_per_min: int | None = None, **overrides: Any
) -> Settings:
    """Settings for the fakes: no .env; Etherscan and Token Metrics keys unless `keys=False`."""
    values: dict[str, Any] = {"deadline_s": deadline_s}
    if keys:
        values |= {"etherscan_api_key": ETHERSCAN_KEY, "tokenmetrics_api_key": TM_KEY}
    if rate_per_min is not None:
        values |= {f"{p}_rate_per_min": rate_per_min for p in PROVIDERS}
    return Settings(_env_file=None, **(values | overrides))  # pyright: ignore[reportCallIssue]


def provider_of(host: str) -> str:
    if host in PRICE_HOSTS:
        return PRICE_HOSTS[host]
    if host == TM_HOST:
        return "tokenmetrics"
    if host in SECURITY_HOSTS:
        return SECURITY_HOSTS[host]
    if host in EXCHANGE_HOSTS:
        return EXCHANGE_HOSTS[host]
    name = CHAIN_HOSTS.get(host, host)
    return "evm_rpc" if name.startswith("evm_rpc_") else name


class ShiftClock(LoopClock):
    """The loop's clock plus an offset, so a benchmark can let cache entries expire without waiting."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return super().now() + self.offset

    def wall(self) -> float:
        return super().wall() + self.offset


class AllFakes:
    """Every provider's fake behind one transport.

    `persistent[provider] = fault` fails every request to that provider; `fault_rate` fails
    that share of all other requests with a fault drawn (seeded) from `random_faults`.
    """

    def __init__(
        self, *, fault_rate: float = 0.0, seed: int = 0, random_faults: list[Fault] | None = None
    ) -> None:
        self.prices = GradeFake(CHAIN_COINS)  # CoinGecko (+ market_chart), DefiLlama, Binance, Token Metrics
        self.security = WalletFake()  # the token-security APIs and GoPlus's wallet endpoints
        self.chain = FakeChain(self.prices)
        self.exchanges = FakeExchanges()  # KuCoin and Bitget withdrawal fees
        self.persistent: dict[str, Fault] = {}
        self.fault_rate = fault_rate
        self.random_faults = random_faults or [f for k, f in FAULTS.items() if k != "huge"]
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        provider = provider_of(host)
        self.counts[provider] += 1
        fault = self.persistent.get(provider)
        if fault is None and self.fault_rate and self.rng.random() < self.fault_rate:
            fault = self.rng.choice(self.random_faults)
        if fault is not None:
            self.injected[fault.kind] += 1
            return await self.prices._fault(fault, request)
        if host in SECURITY_HOSTS:
            response = await self.security.handle(request)
        elif host in CHAIN_HOSTS:
            response = await self.chain.handle(request)
        elif host in EXCHANGE_HOSTS:
            response = await self.exchanges.handle(request)
        else:
            response = await self.prices.handle(request)
        for fake in (
            self.prices,
            self.security,
            self.chain,
            self.exchanges,
        ):  # they record requests; we count
            fake.requests.clear()
        return response


# --- outcomes ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: str  # "ok" or the envelope's error code (UNPARSEABLE / EXCEPTION:<type> when it has none)
    text: str
    structured: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list[str])


TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages/")


def classify(result: Any) -> Outcome:
    """`ok` or the error code, plus contract problems: tracebacks, bad envelopes, leaked keys."""
    text = "".join(getattr(block, "text", "") for block in result.content)
    problems = [f"traceback marker {m!r}" for m in TRACE_MARKERS if m in text]
    problems += [f"leaked key {s[:6]}..." for s in SECRETS if s in text]
    if not result.is_error:
        if result.structured_content is None:
            problems.append("success without structuredContent")
        return Outcome("ok", text, result.structured_content, problems)
    start = text.find("{")
    try:
        envelope = json.loads(text[start:]) if start >= 0 else None
        error = envelope["error"]
        code = str(error["code"])
        missing = {"code", "message", "retryable"} - set(error)
        if missing or set(envelope) != {"error"}:
            problems.append(f"envelope keys: {sorted(envelope)} / error missing {sorted(missing)}")
    except (ValueError, KeyError, TypeError):
        code = "UNPARSEABLE"
        problems.append("error text is not the JSON envelope")
    return Outcome(code, text, None, problems)


class LogWatch(logging.Handler):
    """Counts ERROR records and records carrying a traceback (the server logs INTERNAL that way)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> LogWatch:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        logging.getLogger().removeHandler(self)


# --- generated calls ------------------------------------------------------------------------------------

TICKERS = ["BTC", "eth", "SOL", "uni", "USDC", "bnb", "POL", "DOGE", "XYZNOPE", "sol-wormhole", "bitcoin"]
IDS = ["bitcoin", "ethereum", "solana", "usd-coin", "uniswap", "unicorn-token", "binancecoin", "nope-coin"]
EVM_ADDRESSES = [BLUE_CHIP, HONEYPOT, TROE, NODEAI, WETH, SPARSE, UNVERIFIED, AERO]
SOL_ADDRESSES = [MEMELON, SOL_AUTHORITIES, SOL_UNKNOWN, "So11111111111111111111111111111111111111112"]
CHAINS = [
    "ethereum",
    "eth",
    "bsc",
    "polygon",
    "arbitrum",
    "optimism",
    "base",
    "solana",
    "bitcoin",
    "1",
    "56",
    "8453",
    "ETHEREUM",
    " Base ",
    "tron",
    "avalanche",
    "btc",
    "sol",
]
EXCHANGES = [
    "binance",
    "kraken",
    "coinbase",
    "okx",
    "bybit",
    "kucoin",
    "gate",
    "bitget",
    "bitstamp",
    "gemini",
]
CURRENCIES = ["usd", "eur", "btc", "eth", "jpy", "USD", "xau", "usdt", "zz"]
WEIRD_STRINGS = [
    "",
    " ",
    "\x00",
    "\n\t",
    "💥🚀",
    "ＢＴＣ",
    "Ξ",
    "\u202eCTB",
    "\ud800",
    "null",
    "None",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "1e309",
    "-0",
    "0",
    "0x",
    "0x" + "0" * 40,
    "0X" + "F" * 40,
    "0x" + "g" * 40,
    "ethereum:",
    ":",
    "::",
    "a:b:c",
    "solana:" + "1" * 44,
    "bitcoin:bc1qxyz",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "%s%s%n",
    "{}",
    "[]",
    "\\",
    '"',
    "é" * 50,
    "A" * 64,
    "A" * 65,
    "x" * 121,
]
NONFINITE: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
]
WRONG_TYPES: list[Any] = [None, True, False, 0, -1, 1.5, "1", "true", [], [1], {}, {"a": 1}, ["x"] * 3]


def _contract_queries() -> list[str]:
    out = [f"ethereum:{a}" for a in EVM_ADDRESSES[:4]] + [f"solana:{a}" for a in SOL_ADDRESSES[:2]]
    return [*out, "base:" + AERO, "bsc:" + BLUE_CHIP, "ethereum:" + BLUE_CHIP.upper().replace("0X", "0x")]


def domain_pool(name: str) -> list[Any] | None:
    """Meaningful values for a field, so that valid calls reach the tool bodies and the upstreams."""
    return {
        "symbols": [*TICKERS, *IDS, *_contract_queries()],
        "symbol": [*TICKERS, *IDS],
        "query": [*TICKERS, *IDS, "uni", "Bitcoin", "wormhole"],
        "chain": CHAINS,
        "address": [*EVM_ADDRESSES, *SOL_ADDRESSES, BLUE_CHIP.upper().replace("0X", "0x")],
        "exchanges": [*EXCHANGES, "BINANCE", "ftx", "mtgox"],
        "vs_currency": CURRENCIES,
        "tx_type": ["transfer", "erc20_transfer", "swap", "Transfer", "nft_mint", 21000, 1, 100_000_000],
    }.get(name)


MODES = (
    ("valid", 35),
    ("boundary", 15),
    ("wrong_type", 10),
    ("nonfinite", 8),
    ("unknown_arg", 6),
    ("missing", 5),
    ("weird_string", 10),
    ("huge", 3),
    ("null", 3),
    ("junk_object", 3),
    ("unknown_tool", 2),
)


class CallGenerator:
    """Seeded tool calls from the tools' input schemas (as published by tools/list)."""

    def __init__(self, schemas: dict[str, dict[str, Any]], seed: int) -> None:
        self.schemas = schemas
        self.rng = random.Random(seed)
        self.tools = sorted(schemas)
        self.modes = [m for m, _ in MODES]
        self.weights = [w for _, w in MODES]

    def __iter__(self) -> CallGenerator:
        return self

    def __next__(self) -> tuple[str, str, dict[str, Any]]:
        """(mode, tool name, arguments)."""
        rng = self.rng
        mode = rng.choices(self.modes, self.weights)[0]
        tool = rng.choice(self.tools)
        schema = self.schemas[tool]
        args = self.valid_object(schema)
        props: dict[str, Any] = schema.get("properties", {})
        names = list(props)
        target = rng.choice(names) if names else None
        if mode == "unknown_tool":
            tool = rng.choice(["get_prices", "GET_PRICE", "", "x" * 300, "tools/list", "get_price\x00"])
        elif target is None:
            pass
        elif mode == "boundary":
            for name in rng.sample(names, rng.randint(1, len(names))):
                args[name] = self.boundary(props[name])
        elif mode == "wrong_type":
            args[target] = rng.choice(WRONG_TYPES)
        elif mode == "nonfinite":
            number_fields = [n for n in names if _types(props[n]) & {"number", "integer"}] or names
            args[rng.choice(number_fields)] = rng.choice(NONFINITE)
        elif mode == "unknown_arg":
            args[rng.choice(["extra", "symbol_", "Symbols", "__proto__", "services", "ctx", "é"])] = 1
        elif mode == "missing":
            for name in schema.get("required", []):
                if rng.random() < 0.7:
                    args.pop(name, None)
        elif mode == "weird_string":
            args[target] = self._stringish(props[target], rng.choice(WEIRD_STRINGS))
        elif mode == "huge":
            size = rng.choice([1_000, 100_000, 1_000_000])
            args[target] = self._stringish(props[target], rng.choice(["x", "é", "💥", "0"]) * size)
        elif mode == "null":
            args[target] = None
        elif mode == "junk_object":
            args = rng.choice([{}, {"": None}, {"a" * 1000: "b"}, dict.fromkeys(map(str, range(200)), 0)])
        return mode, tool, args

    # -- values --------------------------------------------------------------------------------------

    def valid_object(self, schema: dict[str, Any]) -> dict[str, Any]:
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for name, prop in schema.get("properties", {}).items():
            if name in required or self.rng.random() < 0.5:
                out[name] = self.valid(prop, name)
        return out

    def valid(self, schema: dict[str, Any], name: str = "") -> Any:
        rng = self.rng
        pool = domain_pool(name)
        if "anyOf" in schema:
            branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
            if pool is not None and rng.random() < 0.8:
                branch = next((b for b in branches if b.get("type") == "array"), None)
                if branch is None:
                    return rng.choice(pool)
                return self._array(branch, pool)
            return self.valid(rng.choice(branches))
        if "enum" in schema:
            return rng.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "array":
            return self._array(schema, pool)
        if kind == "string":
            if pool is not None and rng.random() < 0.85:
                return rng.choice(pool)
            lo, hi = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:é💥 "
            return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, max(lo, hi))))
        if kind in ("number", "integer"):
            lo, hi = _bounds(schema)
            if kind == "integer":
                return rng.randint(math.ceil(lo), math.floor(min(hi, 10**9)))
            span = min(hi, 1e7) - lo
            value = lo + span * rng.random() ** 3
            return value if value > lo or "exclusiveMinimum" not in schema else lo + 1e-6
        if kind == "boolean":
            return rng.random() < 0.5
        return None

    def _array(self, schema: dict[str, Any], pool: list[Any] | None) -> list[Any]:
        lo, hi = schema.get("minItems", 0), min(schema.get("maxItems", 5), 8)
        items = schema.get("items", {})
        count = self.rng.randint(max(lo, 1), max(lo, 1, hi))
        if pool is not None:
            return [self.rng.choice(pool) for _ in range(count)]
        return [self.valid(items) for _ in range(count)]

    def boundary(self, schema: dict[str, Any]) -> Any:
        rng = self.rng
        if "anyOf" in schema:
            schema = rng.choice(schema["anyOf"])
        kinds = _types(schema)
        if kinds & {"number", "integer"}:
            lo, hi = _bounds(schema)
            edges = [lo, hi, 0, -0.0, -1, 5e-324, 1e-300, 1e-9, 1e300, 1e308, -1e308, 2**53 + 1, 2**63, 2**64]
            edges += [lo - 1e-9, hi + 1e-9, lo + 1, hi - 1, hi * 10]
            if "integer" in kinds:
                edges += [int(lo), int(hi) if math.isfinite(hi) else 2**31, int(lo) - 1, 1.0, 2.5]
            value = rng.choice(edges)
            return value if not (isinstance(value, float) and not math.isfinite(value)) else 0
        if "string" in kinds:
            lo, hi = schema.get("minLength", 0), schema.get("maxLength", 64)
            length = rng.choice([max(lo - 1, 0), lo, hi, hi + 1])
            return rng.choice(["a", "0", "é", "💥", "A", "x"]) * length
        if "array" in kinds:
            lo, hi = schema.get("minItems", 0), schema.get("maxItems", 10)
            length = rng.choice([max(lo - 1, 0), lo, hi, hi + 1])
            return [rng.choice(TICKERS + EXCHANGES)] * length
        if "boolean" in kinds:
            return rng.choice([0, 1, "false", "True"])
        return None

    def _stringish(self, schema: dict[str, Any], text: str) -> Any:
        """A weird string where the field takes strings; inside a list where it takes a list."""
        return [text] if "array" in _types(schema) else text


def _types(schema: dict[str, Any]) -> set[str]:
    if "anyOf" in schema:
        return {t for branch in schema["anyOf"] for t in _types(branch)}
    kind = schema.get("type")
    return {kind} if isinstance(kind, str) else set()


def _bounds(schema: dict[str, Any]) -> tuple[float, float]:
    lo = schema.get("minimum", schema.get("exclusiveMinimum", -1e6))
    hi = schema.get("maximum", schema.get("exclusiveMaximum", 1e6))
    return float(lo), float(hi)


# --- a fuzz run -------------------------------------------------------------------------------------------


@dataclass
class Finding:
    server: str
    mode: str
    tool: str
    arguments: dict[str, Any]
    code: str
    problems: list[str]

    def reproducer(self) -> str:
        return f"[{self.server}] {self.tool} {shorten(self.arguments)} -> {self.code} {self.problems}"


@dataclass
class FuzzReport:
    calls: int = 0
    codes: Counter[str] = field(default_factory=Counter[str])
    by_tool: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    by_mode: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    findings: list[Finding] = field(default_factory=list[Finding])
    logged: list[logging.LogRecord] = field(default_factory=list[logging.LogRecord])
    injected: Counter[str] = field(default_factory=Counter[str])
    upstream: Counter[str] = field(default_factory=Counter[str])

    @property
    def internal(self) -> int:
        return self.codes["INTERNAL"]

    @property
    def tracebacks(self) -> int:
        return sum(any("traceback" in p for p in f.problems) for f in self.findings)


def shorten(value: Any, limit: int = 60) -> str:
    """repr() with long strings cut, naming their length (reproducers stay readable)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else f"{value[:12]!r}*{len(value)}chars"
    if isinstance(value, list):
        inner = ", ".join(shorten(v, limit) for v in value[:6])  # pyright: ignore[reportUnknownVariableType]
        return f"[{inner}{', ...' if len(value) > 6 else ''}]"  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(value, dict):
        items = list(value.items())[:8]  # pyright: ignore[reportUnknownVariableType]
        return "{" + ", ".join(f"{shorten(k, limit)}: {shorten(v, limit)}" for k, v in items) + "}"
    return repr(value)


async def fuzz(
    calls: int,
    *,
    seed: int,
    concurrency: int = 16,
    deadline_s: float = 2.0,
    fault_rate: float = 0.05,
    progress: bool = False,
) -> FuzzReport:
    """`calls` generated calls spread over three servers: faulty upstreams with keys, healthy without
    keys, offline. Every upstream is a fake; nothing leaves the process."""
    from mcp import Client

    from agent_tools.server import build_server
    from agent_tools.services import Services

    report = FuzzReport()
    configs = {
        "faulty+keys": (
            AllFakes(fault_rate=fault_rate, seed=seed),
            bench_settings(deadline_s, rate_per_min=1_000_000),
        ),
        "healthy-nokeys": (AllFakes(), bench_settings(deadline_s, keys=False, rate_per_min=1_000_000)),
        "offline": (AllFakes(), bench_settings(deadline_s, offline=True)),
    }
    pick = random.Random(seed + 1)
    with LogWatch() as logs:
        async with contextlib.AsyncExitStack() as stack:
            clients: dict[str, Any] = {}
            for name, (fakes, settings) in configs.items():
                services = await stack.enter_async_context(Services(settings, transport=fakes.transport))
                clients[name] = await stack.enter_async_context(Client(build_server(services)))
            listed = (await clients["offline"].list_tools()).tools
            generator = CallGenerator({t.name: t.input_schema for t in listed}, seed)
            work = [(pick.choice(list(clients)), *next(generator)) for _ in range(calls)]
            queue = iter(work)

            async def worker() -> None:
                for server, mode, tool, arguments in queue:
                    try:
                        outcome = classify(await clients[server].call_tool(tool, arguments))
                    except Exception as exc:  # the call itself crashed: a finding, never hidden
                        outcome = Outcome(f"EXCEPTION:{type(exc).__name__}", repr(exc)[:300], None, [])
                    report.calls += 1
                    report.codes[outcome.code] += 1
                    report.by_tool[(tool, outcome.code)] += 1
                    report.by_mode[(mode, outcome.code)] += 1
                    bad = outcome.code in ("INTERNAL", "UNPARSEABLE") or outcome.code.startswith("EXCEPTION")
                    if bad or outcome.problems:
                        report.findings.append(
                            Finding(server, mode, tool, arguments, outcome.code, outcome.problems)
                        )
                    if progress and report.calls % 1000 == 0:
                        print(f"  {report.calls} calls ...", file=sys.stderr, flush=True)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    report.logged = [r for r in logs.records if r.exc_info or r.levelno >= logging.ERROR]
    for fakes, _ in configs.values():
        report.injected += fakes.injected
        report.upstream += fakes.counts
    return report
