"""Settings: CoinGecko plan/host/header selection, limits, URL validation, EVM RPC endpoints."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from agent_tools.domain.chains import CHAINS
from agent_tools.errors import NotConfigured
from agent_tools.settings import COINGECKO_PRO_URL, COINGECKO_PUBLIC_URL, EVM_RPC_CHAINS, Settings
from tests.conftest import make_settings


def test_demo_key_uses_public_host_and_demo_header() -> None:
    settings = make_settings(coingecko_api_key=SecretStr("CG-demo"))
    assert settings.coingecko_endpoint() == (COINGECKO_PUBLIC_URL, {"x-cg-demo-api-key": "CG-demo"})
    assert settings.rate_per_min("coingecko") == 100


def test_pro_key_uses_pro_host_and_pro_header() -> None:
    settings = make_settings(coingecko_api_key=SecretStr("CG-pro"), coingecko_plan="pro")
    assert settings.coingecko_endpoint() == (COINGECKO_PRO_URL, {"x-cg-pro-api-key": "CG-pro"})


def test_keyless_uses_public_host_and_30_per_minute() -> None:
    settings = make_settings()
    assert settings.coingecko_endpoint() == (COINGECKO_PUBLIC_URL, {})
    assert settings.rate_per_min("coingecko") == 30


@pytest.mark.parametrize(
    ("plan", "base"),
    [("pro", "https://api.coingecko.com/api/v3"), ("demo", "https://pro-api.coingecko.com/api/v3")],
)
def test_key_and_host_mismatch_is_not_configured_with_a_hint(plan: str, base: str) -> None:
    settings = make_settings(
        coingecko_api_key=SecretStr("CG-x"), coingecko_plan=plan, coingecko_base_url=base
    )
    with pytest.raises(NotConfigured) as caught:
        settings.coingecko_endpoint()
    assert "AGENT_TOOLS_COINGECKO" in (caught.value.hint or "")
    assert "CG-x" not in caught.value.to_json()


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="not an http"):
        make_settings(defillama_base_url="ftp://x")


def test_http_transport_uses_the_configured_base_url() -> None:
    settings = make_settings(defillama_base_url="http://127.0.0.1:9/llama/")
    assert settings.defillama_base_url == "http://127.0.0.1:9/llama"
    _ = httpx.URL(settings.defillama_base_url)


def test_every_evm_chain_of_the_registry_has_an_rpc_variable() -> None:
    assert set(EVM_RPC_CHAINS) == {c.name for c in CHAINS if c.family == "evm"}
    assert {f"evm_rpc_{chain}" for chain in EVM_RPC_CHAINS} <= set(Settings.model_fields)


@pytest.mark.parametrize("chain", EVM_RPC_CHAINS)
def test_evm_rpc_variable_overrides_the_registry_default(monkeypatch: pytest.MonkeyPatch, chain: str) -> None:
    assert make_settings().evm_rpc_url(chain) is None  # unset: the registry's public default
    monkeypatch.setenv(f"AGENT_TOOLS_EVM_RPC_{chain.upper()}", f"https://rpc.example/{chain}/k3y/")
    assert make_settings().evm_rpc_url(chain) == f"https://rpc.example/{chain}/k3y"


def test_evm_rpc_variable_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_TOOLS_EVM_RPC_LINEA", "ftp://rpc.example")
    with pytest.raises(ValueError, match="not an http"):
        make_settings()


def test_chains_without_an_rpc_variable_are_not_configured() -> None:
    assert make_settings().evm_rpc_url("solana") is None
    assert make_settings().evm_rpc_url("rate_per_min") is None
