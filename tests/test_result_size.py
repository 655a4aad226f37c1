"""Every tool's answer stays under ~4 KB with default arguments, live (fakes) and offline."""

from __future__ import annotations

import json

import httpx
import pytest

from agent_tools.services import Services
from tests.conftest import call, connect, make_settings
from tests.fakes import chain as chain_fake
from tests.fakes import exchanges as exchanges_fake
from tests.fakes import security as security_fake
from tests.fakes import wallet as wallet_fake
from tests.fakes.chain import FakeChain
from tests.fakes.exchanges import FakeExchanges
from tests.fakes.grades import GradeFake
from tests.fakes.wallet import WalletFake

LIMIT = 4096
CALLS = [
    ("get_price", {"symbols": ["BTC", "ETH", "SOL", "UNI", "USDC"]}),
    ("search_assets", {"query": "uni"}),
    ("get_grade", {"symbol": "ETH"}),
    ("get_price_history", {"symbol": "BTC"}),
    ("get_price_history", {"symbol": "ETH", "days": 365}),
    ("get_price_history", {"symbol": "ETH", "days": 3650, "chart": True}),
    ("estimate_trading_fees", {"notional_usd": 1000, "trades_per_month": 50}),
    ("estimate_network_fee", {"chain": "ethereum"}),
    ("estimate_network_fee", {"chain": "bitcoin"}),
    ("assess_leverage", {"entry_price": 60000, "leverage": 10, "side": "long", "margin_usd": 1000}),
    ("assess_rug_pull_risk", {"chain": "ethereum", "address": "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"}),
    ("assess_address_risk", {"chain": "bsc", "address": wallet_fake.SANCTIONED}),
    ("check_token_approvals", {"chain": "bsc", "wallet": wallet_fake.WALLET}),
    ("check_token_approvals", {"chain": "ethereum", "wallet": wallet_fake.BUSY_WALLET}),
    ("check_url", {"url": "https://xn--bnance-pvf.com.account-verify.top/login"}),
    ("estimate_withdrawal_fee", {"asset": "USDT"}),
    ("estimate_withdrawal_fee", {"asset": "BTC"}),
    ("assess_leverage", {"entry_price": 100, "leverage": 10, "side": "long"}),
]


@pytest.mark.parametrize(("tool", "arguments"), CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CALLS)])
async def test_offline_answers_are_small(tool: str, arguments: dict[str, object]) -> None:
    async with Services(make_settings(offline=True)) as services, connect(services) as client:
        out = await call(client, tool, **arguments)
    assert len(json.dumps(out)) <= LIMIT


@pytest.mark.looptime
@pytest.mark.parametrize(("tool", "arguments"), CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CALLS)])
async def test_live_answers_are_small(tool: str, arguments: dict[str, object]) -> None:
    chain, security, prices, exchanges = FakeChain(), WalletFake(), GradeFake(), FakeExchanges()

    async def route(request: httpx.Request) -> httpx.Response:
        if request.url.host in security_fake.HOSTS:
            return await security.handle(request)
        if request.url.host in exchanges_fake.HOSTS:
            return await exchanges.handle(request)
        if request.url.host in chain_fake.HOSTS:
            return await chain.handle(request)
        return await prices.handle(request)  # CoinGecko (with history), DefiLlama, Binance

    async with Services(make_settings(), transport=httpx.MockTransport(route)) as services:
        async with connect(services) as client:
            result = await client.call_tool(tool, arguments)
    text = json.dumps(result.structured_content) if not result.is_error else result.content[0].text  # type: ignore[union-attr]
    assert len(text) <= LIMIT
