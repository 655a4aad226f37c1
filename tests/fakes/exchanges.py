"""A fake of the exchanges' public withdrawal-fee endpoints: KuCoin and Bitget.

Shapes are those of wallet-and-withdrawal-apis.md B.1 (KuCoin's OpenAPI spec example, from the
official SDK) and B.2 (Bitget's docs example); the BTC rows keep those examples' values, the other
rows are test values in the same shapes. Any other host (the price APIs, for `fee_usd`) goes to an
embedded `FakeUpstream`, so one transport serves a whole `estimate_withdrawal_fee` call. Faults
queue per provider (`kucoin`, `bitget`), as in `FakeUpstream`.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx

from tests.fakes.upstream import DEFAULT_COINS, FakeUpstream, FaultQueue, coin

HOSTS = {"api.kucoin.com": "kucoin", "api.bitget.com": "bitget"}


def kucoin_chain(name: str, chain_id: str, fee: str, minimum: str, **extra: Any) -> dict[str, Any]:
    return {
        "chainName": name,
        "withdrawalMinSize": minimum,
        "depositMinSize": None,
        "withdrawFeeRate": "0",
        "withdrawalMinFee": fee,
        "isWithdrawEnabled": True,
        "isDepositEnabled": True,
        "confirms": 12,
        "preConfirms": 12,
        "contractAddress": "",
        "withdrawPrecision": 8,
        "maxWithdraw": None,
        "maxDeposit": None,
        "needTag": False,
        "chainId": chain_id,
    } | extra


def kucoin_currency(currency: str, full_name: str, chains: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "currency": currency,
        "name": currency,
        "fullName": full_name,
        "precision": 8,
        "confirms": None,
        "contractAddress": None,
        "isMarginEnabled": True,
        "isDebitEnabled": True,
        "chains": chains,
    }


KUCOIN_RECORDED: dict[str, Any] = {
    "code": "200000",
    "data": [
        # B.1's official example, as recorded (BTC on BTC and on Lightning)
        kucoin_currency(
            "BTC",
            "Bitcoin",
            [
                kucoin_chain(
                    "BTC", "btc", "0.0005", "0.001", depositMinSize="0.0002", confirms=3, preConfirms=1
                ),
                kucoin_chain("Lightning Network", "btcln", "0.000015", "0.00001"),
            ],
        ),
        kucoin_currency(
            "USDT",
            "Tether",
            [
                kucoin_chain("ERC20", "eth", "3.2", "10"),
                kucoin_chain("TRC20", "trx", "1.5", "10"),
                kucoin_chain("SOL", "sol", "1", "10"),
                kucoin_chain("ARBITRUM", "arbitrum", "0.8", "10", isWithdrawEnabled=False),
            ],
        ),
        kucoin_currency(
            "ETH", "Ethereum", [kucoin_chain("ERC20", "eth", "0.0012", "0.01", withdrawFeeRate="0.001")]
        ),
        kucoin_currency("KCS", "KuCoin Token", []),
        kucoin_currency("NOCHAIN", "Off-chain", []) | {"chains": None},
    ],
}


def bitget_chain(chain: str, fee: str, minimum: str, **extra: Any) -> dict[str, Any]:
    return {
        "chain": chain,
        "needTag": "false",
        "withdrawable": "true",
        "rechargeable": "true",
        "withdrawFee": fee,
        "extraWithdrawFee": "0",
        "depositConfirm": "1",
        "withdrawConfirm": "1",
        "minDepositAmount": "0.001",
        "minWithdrawAmount": minimum,
        "browserUrl": "https://blockchair.com/bitcoin/testnet/transaction/",
        "contractAddress": "",
        "withdrawStep": "0",
        "withdrawMinScale": "8",
        "congestion": "normal",
    } | extra


BITGET_RECORDED: dict[str, Any] = {
    "code": "00000",
    "msg": "success",
    "requestTime": 1695799900330,
    "data": [
        # B.2's docs example, as recorded (placeholder values: 0.005 BTC, contract address and all)
        {
            "coinId": "1",
            "coin": "BTC",
            "transfer": "true",
            "chains": [
                bitget_chain(
                    "BTC", "0.005", "0.001", contractAddress="0xdac17f958d2ee523a2206206994597c13d831ec7"
                )
            ],
        },
        {
            "coinId": "2",
            "coin": "USDT",
            "transfer": "true",
            "chains": [
                bitget_chain("ERC20", "2.5", "10"),
                bitget_chain("TRC20", "1", "10"),
                bitget_chain("BEP20", "0.29", "10", extraWithdrawFee="0.001"),
                bitget_chain("ArbitrumOne", "0.2", "10", withdrawable="false"),
            ],
        },
    ],
}

EXCHANGE_COINS = [*DEFAULT_COINS, coin("tether", "usdt", "Tether", 1.0, 1.4e11)]


class FakeExchanges(FaultQueue):
    def __init__(self, prices: FakeUpstream | None = None) -> None:
        super().__init__()
        self.prices = prices or FakeUpstream(EXCHANGE_COINS)
        self.kucoin: dict[str, Any] = copy.deepcopy(KUCOIN_RECORDED)
        self.bitget: dict[str, Any] = copy.deepcopy(BITGET_RECORDED)
        self.requests: list[httpx.Request] = []

    def count(self, provider: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r.url.host in HOSTS and (provider is None or HOSTS[r.url.host] == provider)
        )

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        provider = HOSTS.get(request.url.host)
        if provider is None:
            return await self.prices.handle(request)
        self.requests.append(request)
        fault = self.next_fault(provider)
        if fault is not None:
            return await self.prices._fault(fault, request)
        if provider == "kucoin":
            if not request.url.path.endswith("/api/v3/currencies"):  # a mirror may add a prefix
                return httpx.Response(404, json={"code": "404000", "msg": "Not Found"})
            return httpx.Response(200, json=self.kucoin)
        if not request.url.path.endswith("/api/v2/spot/public/coins"):
            return httpx.Response(404, json={"code": "40404", "msg": "Request URL NOT FOUND"})
        return httpx.Response(200, json=self.bitget)
