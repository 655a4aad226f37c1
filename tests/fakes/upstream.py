"""A fake of the upstream price APIs, speaking their real paths and shapes.

One handler serves CoinGecko, DefiLlama and Binance (told apart by host), records
every request, and can be told to fail: `fake.fail("coingecko", Fault(...))` queues
faults that the next requests to that provider receive in order. The same handler
backs `httpx.MockTransport` in tests and a loopback HTTP server for subprocess tests.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from agent_tools.errors import UpstreamBadResponse

HOSTS = {
    "api.coingecko.com": "coingecko",
    "pro-api.coingecko.com": "coingecko",
    "coins.llama.fi": "defillama",
    "api.binance.com": "binance",
}
NOW = 1_780_000_000  # a fixed "now" for upstream timestamps (2026-05-28)


@dataclass
class Fault:
    """One injected failure. kind: status | timeout | hang | malformed | drift | huge | connect."""

    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict[str, str])
    body: Any = None


FAULT_MATRIX: dict[str, tuple[Fault, type[Exception] | None]] = {
    # name -> (fault, the error it must end in; None = retried until the provider answers)
    "429+retry-after": (Fault("status", 429, headers={"retry-after": "1"}), None),
    "500": (Fault("status", 500), None),
    "503": (Fault("status", 503), None),
    "timeout": (Fault("timeout"), None),
    "malformed": (Fault("malformed"), UpstreamBadResponse),
    "drift-list": (Fault("drift", body=[{"unexpected": True}]), UpstreamBadResponse),
    "drift-object": (Fault("drift", body={"data": {"moved": True}}), UpstreamBadResponse),
    "huge": (Fault("huge"), UpstreamBadResponse),
}
"""The fault matrix every provider's tests run: each fault once, then the provider answers."""


def coin(
    cid: str, symbol: str, name: str, price: float, mcap: float | None, **platforms: str
) -> dict[str, Any]:
    return {"id": cid, "symbol": symbol, "name": name, "price": price, "mcap": mcap, "platforms": platforms}


DEFAULT_COINS = [
    coin("bitcoin", "btc", "Bitcoin", 97000.0, 1.9e12),
    coin("ethereum", "eth", "Ethereum", 2700.0, 3.2e11),
    coin("solana", "sol", "Solana", 170.0, 8.0e10),
    coin(
        "sol-wormhole",
        "sol",
        "SOL (Wormhole)",
        169.0,
        2.0e7,
        ethereum="0xd31a59c85ae9d8edefec411d448f90841571b89c",
    ),
    coin("usd-coin", "usdc", "USDC", 1.0, 6.0e10, ethereum="0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
    coin("uniswap", "uni", "Uniswap", 9.5, 5.7e9, ethereum="0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"),
    coin("unicorn-token", "uni", "Unicorn Token", 0.01, 1.0e5),
]


class FaultQueue:
    """Failures queued per provider: each request to it takes the next one, until none are left."""

    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}

    def fail(self, provider: str, *faults: Fault) -> None:
        self._faults.setdefault(provider, []).extend(faults)

    def fail_always(self, provider: str, fault: Fault, times: int = 50) -> None:
        self.fail(provider, *([fault] * times))

    def next_fault(self, provider: str) -> Fault | None:
        queue = self._faults.get(provider)
        return queue.pop(0) if queue else None


class FakeUpstream(FaultQueue):
    def __init__(self, coins: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.coins = [dict(c) for c in (coins or DEFAULT_COINS)]
        self.llama_override: dict[str, float] = {}  # coingecko id -> DefiLlama price (default: same as CG)
        self.llama_missing: set[str] = set()
        self.binance_override: dict[str, float] = {}
        self.requests: list[httpx.Request] = []

    # -- control ----------------------------------------------------------------------------------

    def count(self, provider: str | None = None, path_prefix: str = "") -> int:
        return sum(
            1
            for r in self.requests
            if (provider is None or HOSTS.get(r.url.host) == provider) and r.url.path.startswith(path_prefix)
        )

    def by_provider(self) -> Counter[str]:
        return Counter(HOSTS.get(r.url.host, r.url.host) for r in self.requests)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- serving ------------------------------------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        provider = HOSTS.get(request.url.host, "unknown")
        fault = self.next_fault(provider)
        if fault is not None:
            return await self._fault(fault, request)
        if provider == "coingecko":
            return self._coingecko(request)
        if provider == "defillama":
            return self._defillama(request)
        if provider == "binance":
            return self._binance(request)
        return httpx.Response(404, json={"error": "unknown host"})

    async def _fault(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == "status":
            body = fault.body if fault.body is not None else {"error": "injected"}
            return httpx.Response(fault.status, json=body, headers=fault.headers)
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("injected timeout", request=request)
        if fault.kind == "connect":
            raise httpx.ConnectError("injected connect error", request=request)
        if fault.kind == "hang":
            await asyncio.sleep(3600)  # virtual under looptime
            raise AssertionError("a hung request should have been abandoned")
        if fault.kind == "malformed":
            return httpx.Response(
                200, content=b'{"bitcoin": {"usd": 1', headers={"content-type": "application/json"}
            )
        if fault.kind == "drift":
            return httpx.Response(
                200, json=fault.body if fault.body is not None else {"data": {"moved": True}}
            )
        if fault.kind == "huge":
            return httpx.Response(200, content=b"[" + b'"x",' * 2_000_000 + b'"x"]')
        raise ValueError(fault.kind)

    def _coingecko(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v3")
        params = request.url.params
        if path == "/coins/list":
            with_platforms = params.get("include_platform") == "true"
            return httpx.Response(
                200,
                json=[
                    {"id": c["id"], "symbol": c["symbol"], "name": c["name"]}
                    | ({"platforms": c["platforms"]} if with_platforms else {})
                    for c in self.coins
                ],
            )
        if path == "/simple/price":
            ids = params.get("ids", "").split(",")
            vs = params.get("vs_currencies", "usd")
            return httpx.Response(200, json={c["id"]: self._row(c, vs) for c in self.coins if c["id"] in ids})
        if path.startswith("/simple/token_price/"):
            platform = path.rsplit("/", 1)[1]
            vs = params.get("vs_currencies", "usd")
            wanted = params.get("contract_addresses", "").split(",")
            out = {}
            for c in self.coins:
                address = c["platforms"].get(platform)
                if address and address.lower() in wanted:
                    out[address.lower()] = self._row(c, vs)
            return httpx.Response(200, json=out)
        if path == "/search":
            query = params.get("query", "").lower()
            hits = [c for c in self.coins if query in (c["id"], c["symbol"]) or query in c["name"].lower()]
            hits.sort(key=lambda c: -(c["mcap"] or 0))
            return httpx.Response(
                200,
                json={
                    "coins": [
                        {
                            "id": c["id"],
                            "name": c["name"],
                            "api_symbol": c["id"],
                            "symbol": c["symbol"].upper(),
                            "market_cap_rank": rank + 1,
                            "thumb": "https://example.invalid/t.png",
                            "large": "https://example.invalid/l.png",
                        }
                        for rank, c in enumerate(hits)
                    ],
                    "exchanges": [],
                    "icos": [],
                    "categories": [],
                    "nfts": [],
                },
            )
        return httpx.Response(404, json={"error": "Not found"})

    @staticmethod
    def _row(c: dict[str, Any], vs: str) -> dict[str, Any]:
        return {
            vs: c["price"],
            f"{vs}_market_cap": c["mcap"] if c["mcap"] is not None else 0.0,
            f"{vs}_24h_vol": 1.0e9,
            f"{vs}_24h_change": 1.5,
            "last_updated_at": NOW,
        }

    def _defillama(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/prices/current/"):
            return httpx.Response(404, json={"error": "Not found"})
        keys = unquote(request.url.path.removeprefix("/prices/current/")).split(",")
        out: dict[str, Any] = {}
        for key in keys:
            chain, _, ident = key.partition(":")
            for c in self.coins:
                if c["id"] in self.llama_missing:
                    continue
                matches = (chain == "coingecko" and ident == c["id"]) or (
                    any(a.lower() == ident.lower() for a in c["platforms"].values())
                )
                if matches:
                    price = self.llama_override.get(c["id"], c["price"])
                    entry = {
                        "price": price,
                        "symbol": c["symbol"].upper(),
                        "timestamp": NOW - 30,
                        "confidence": 0.99,
                    }
                    if chain != "coingecko":
                        entry["decimals"] = 18
                    out[key] = entry
        return httpx.Response(200, json={"coins": out})

    def _binance(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/v3/ticker/price":
            return httpx.Response(400, json={"code": -1121, "msg": "Invalid symbol."})
        tickers = [
            {
                "symbol": f"{c['symbol'].upper()}USDT",
                "price": f"{self.binance_override.get(c['id'], c['price']):.8f}",
            }
            for c in self.coins
            if "wormhole" not in c["id"] and "unicorn" not in c["id"]
        ]
        return httpx.Response(200, json=tickers, headers={"x-mbx-used-weight-1m": "4"})


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1)
