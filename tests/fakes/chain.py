"""A fake of the network-fee APIs: mempool.space, EVM JSON-RPC nodes, Etherscan, Solana RPC.

Shapes are the recorded ones of reference/upstream-apis.md §6. Hosts are the defaults of
Settings and of the chain registry (each EVM chain's public RPC), told apart by host; providers are named as the pipeline names them (`mempool`,
`etherscan`, `evm_rpc_<chain>`, `solana_rpc`). Any other host (CoinGecko, DefiLlama, Binance,
for the native coin's USD price) is passed to an embedded `FakeUpstream`, so one transport
serves a whole `estimate_network_fee` call. Faults queue per provider, as in `FakeUpstream`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from agent_tools.domain.chains import CHAINS
from tests.fakes.upstream import DEFAULT_COINS, FakeUpstream, FaultQueue, coin

HOSTS = {
    "mempool.space": "mempool",
    "api.etherscan.io": "etherscan",
    **{
        urlsplit(c.default_rpc).hostname: f"evm_rpc_{c.name}"
        for c in CHAINS
        if c.family == "evm" and c.default_rpc
    },
    "api.mainnet-beta.solana.com": "solana_rpc",
}
GWEI = 10**9

MEMPOOL_RECORDED = {"fastestFee": 1, "halfHourFee": 1, "hourFee": 1, "economyFee": 1, "minimumFee": 1}
"""§6.3 as recorded (a low-fee period)."""
MEMPOOL_FEES = {"fastestFee": 12, "halfHourFee": 8, "hourFee": 5, "economyFee": 3, "minimumFee": 1}
"""The same shape with distinct tiers, so tests can tell them apart."""

FEE_HISTORY_RECORDED: dict[str, Any] = {
    "oldestBlock": "0x130b1e6",
    "reward": [
        ["0x5041e1e", "0xdd221b80"],
        ["0x5041e1e", "0xb8346df0"],
        ["0x55d4a80", "0xb2d05e00"],
        ["0x4dd9818", "0x3b9aca00"],
    ],
    "baseFeePerGas": ["0x52d80a82c", "0x50f43f659", "0x50012de8d", "0x4e30357d6", "0x57efff9e7"],
    "gasUsedRatio": [0.40875283333333334, 0.45308523333333334, 0.4091907, 0.9987537],
    "baseFeePerBlobGas": ["0x1", "0x1", "0x1", "0x1", "0x1"],
    "blobGasUsedRatio": [0.5, 1, 0.6666666666666666, 1],
}
"""§6.2 as recorded: 4 blocks, 2 percentiles."""

ETHERSCAN_RECORDED: dict[str, Any] = {
    "status": "1",
    "message": "OK",
    "result": {
        "LastBlock": "13053741",
        "SafeGasPrice": "20",
        "ProposeGasPrice": "22",
        "FastGasPrice": "24",
        "suggestBaseFee": "19.230609716",
        "gasUsedRatio": "0.370119078777807,0.8954731,0.550911766666667,0.212457033333333,0.552463633333333",
    },
}
"""§6.1, the classic docs example."""

SOLANA_FEES = [0] * 5 + [100] * 10 + [5000] * 5
"""20 slots: nearest-rank 10th/50th/90th percentiles are 0, 100 and 5,000 micro-lamports/CU."""

CHAIN_COINS = [
    *DEFAULT_COINS,
    coin("binancecoin", "bnb", "BNB", 650.0, 9.0e10),
    coin("polygon-ecosystem-token", "pol", "POL", 0.25, 2.5e9),
    coin("avalanche-2", "avax", "Avalanche", 35.0, 1.4e10),
    coin("fantom", "ftm", "Fantom", 0.7, 2.0e9),
    coin("crypto-com-chain", "cro", "Cronos", 0.1, 2.7e9),
]
"""A price for every fee chain's native coin."""


class FakeChain(FaultQueue):
    def __init__(self, prices: FakeUpstream | None = None) -> None:
        super().__init__()
        self.prices = prices or FakeUpstream(CHAIN_COINS)
        self.requests: list[httpx.Request] = []
        self.mempool: dict[str, Any] = dict(MEMPOOL_FEES)
        self.base_fee_wei = 20 * GWEI
        self.next_base_fee_wei = 21 * GWEI
        self.tips_wei = {10: 1 * GWEI, 50: 2 * GWEI, 90: 5 * GWEI}
        self.fee_history_override: dict[str, Any] | None = None
        self.gas_price_hex = hex(30 * GWEI)
        self.etherscan: dict[str, Any] = json.loads(json.dumps(ETHERSCAN_RECORDED))
        self.solana_fees = list(SOLANA_FEES)
        self.rpc_errors: dict[str, dict[str, Any]] = {}  # method -> JSON-RPC error object, every call
        self.etherscan_errors: list[str] = []  # NOTOK result texts for the next calls, in order

    # -- control ----------------------------------------------------------------------------------

    def count(self, provider: str | None = None) -> int:
        """Requests to one fee provider, or to all of them (price requests are `prices.count`)."""
        return sum(
            1
            for r in self.requests
            if r.url.host in HOSTS and (provider is None or HOSTS[r.url.host] == provider)
        )

    def rpc_methods(self, provider: str) -> list[str]:
        return [
            json.loads(r.content)["method"]
            for r in self.requests
            if HOSTS.get(r.url.host) == provider and r.method == "POST"
        ]

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- serving ------------------------------------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        provider = HOSTS.get(request.url.host)
        if provider is None:
            return await self.prices.handle(request)
        self.requests.append(request)
        fault = self.next_fault(provider)
        if fault is not None:
            return await self.prices._fault(fault, request)
        if provider == "mempool":
            if request.url.path != "/api/v1/fees/recommended":
                return httpx.Response(404, text="Not Found")
            return httpx.Response(200, json=self.mempool)
        if provider == "etherscan":
            return self._etherscan(request)
        return self._rpc(provider, request)

    def _etherscan(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if request.url.path != "/v2/api":
            return httpx.Response(404, text="Not Found")
        if not params.get("apikey"):
            return httpx.Response(
                200, json={"status": "0", "message": "NOTOK", "result": "Missing/Invalid API Key"}
            )
        if self.etherscan_errors:
            return httpx.Response(
                200, json={"status": "0", "message": "NOTOK", "result": self.etherscan_errors.pop(0)}
            )
        wanted = {
            "chainid": params.get("chainid"),
            "module": params.get("module"),
            "action": params.get("action"),
        }
        if wanted["module"] != "gastracker" or wanted["action"] != "gasoracle" or wanted["chainid"] is None:
            return httpx.Response(
                200,
                json={"status": "0", "message": "NOTOK", "result": "Error! Missing Or invalid Module name"},
            )
        return httpx.Response(200, json=self.etherscan)

    def _rpc(self, provider: str, request: httpx.Request) -> httpx.Response:
        call = json.loads(request.content)
        method, params, rid = call["method"], call.get("params", []), call.get("id")
        envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if method in self.rpc_errors:
            return httpx.Response(200, json=envelope | {"error": self.rpc_errors[method]})
        if provider == "solana_rpc" and method == "getRecentPrioritizationFees":
            result: Any = [
                {"slot": 300_000_000 + i, "prioritizationFee": f} for i, f in enumerate(self.solana_fees)
            ]
        elif provider.startswith("evm_rpc_") and method == "eth_feeHistory":
            result = self.fee_history_override or self._fee_history(int(params[0], 16), params[2])
        elif provider.startswith("evm_rpc_") and method == "eth_gasPrice":
            result = self.gas_price_hex
        else:
            return httpx.Response(
                200, json=envelope | {"error": {"code": -32601, "message": "method not found"}}
            )
        return httpx.Response(200, json=envelope | {"result": result})

    def _fee_history(self, blocks: int, percentiles: list[int]) -> dict[str, Any]:
        return {
            "oldestBlock": hex(20_000_000 - blocks + 1),
            "baseFeePerGas": [hex(self.base_fee_wei)] * blocks + [hex(self.next_base_fee_wei)],
            "gasUsedRatio": [0.5] * blocks,
            "reward": [[hex(self.tips_wei[p]) for p in percentiles] for _ in range(blocks)],
        }
