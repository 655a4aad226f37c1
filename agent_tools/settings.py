"""Configuration from the environment (prefix `AGENT_TOOLS_`) and an optional `.env` file.

Names and defaults are those of CONTRACT.md. Keys are `SecretStr` so they never print;
they are only ever placed in the headers or query of their own provider's requests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent_tools.errors import NotConfigured

COINGECKO_PUBLIC_URL = "https://api.coingecko.com/api/v3"
COINGECKO_PRO_URL = "https://pro-api.coingecko.com/api/v3"

# Requests per minute when the user sets nothing. Documented free limits where a
# provider publishes one (upstream-apis.md §0); a conservative guess otherwise, marked so.
DEFAULT_RATE_PER_MIN: dict[str, int] = {
    "coingecko": 30,  # keyless: shared per IP; older docs say 30/min (a demo key lifts it to 100)
    "defillama": 120,  # undocumented: conservative
    "binance": 600,  # 6,000 request weight/min; our calls weigh 2-4
    "goplus": 30,  # undocumented officially; third parties cite 30/min
    "honeypot": 60,  # undocumented: conservative
    "dexscreener": 300,  # 300/min for pairs/tokens/search
    "rugcheck": 60,  # undocumented: conservative
    "mempool": 60,  # undocumented: conservative
    "etherscan": 180,  # free: 3 calls/s
    "evm_rpc": 120,  # public RPCs vary: conservative
    "solana_rpc": 100,  # api.mainnet-beta: 100 requests / 10 s per IP, kept well under
    "tokenmetrics": 60,  # undocumented: conservative
    "kucoin": 60,  # public pool, weight 3 per currencies call; one cached list serves every asset
    "bitget": 60,  # documented 3/s per IP for public/coins; kept well under
}
COINGECKO_DEMO_KEY_RATE_PER_MIN = 100

EVM_RPC_CHAINS = (
    "ethereum",
    "bsc",
    "polygon",
    "arbitrum",
    "optimism",
    "base",
    "avalanche",
    "fantom",
    "linea",
    "zksync",
    "cronos",
)
"""Chains with an `AGENT_TOOLS_EVM_RPC_<CHAIN>` variable: every EVM chain of domain/chains.py (a test checks)."""


class Settings(BaseSettings):
    """Every knob of the server. Unknown `AGENT_TOOLS_*` variables are ignored."""

    model_config = SettingsConfigDict(
        env_prefix="AGENT_TOOLS_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # AGENT_TOOLS_X_API_KEY="" in a client config means "no key", not an empty key
        extra="ignore",
    )

    offline: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    deadline_s: float = Field(default=10.0, gt=0, le=300)

    coingecko_base_url: str | None = None
    coingecko_api_key: SecretStr | None = None
    coingecko_plan: Literal["demo", "pro"] = "demo"
    defillama_base_url: str = "https://coins.llama.fi"
    binance_base_url: str = "https://api.binance.com"
    goplus_base_url: str = "https://api.gopluslabs.io/api/v1"
    honeypot_base_url: str = "https://api.honeypot.is"
    dexscreener_base_url: str = "https://api.dexscreener.com"
    rugcheck_base_url: str = "https://api.rugcheck.xyz/v1"
    mempool_base_url: str = "https://mempool.space/api"
    etherscan_base_url: str = "https://api.etherscan.io/v2/api"
    etherscan_api_key: SecretStr | None = None
    tokenmetrics_base_url: str = "https://api.tokenmetrics.com/v2"
    tokenmetrics_api_key: SecretStr | None = None
    kucoin_base_url: str = "https://api.kucoin.com"
    bitget_base_url: str = "https://api.bitget.com"

    # EVM JSON-RPC endpoints; unset = the chain's public default from the chain registry
    evm_rpc_ethereum: str | None = None
    evm_rpc_bsc: str | None = None
    evm_rpc_polygon: str | None = None
    evm_rpc_arbitrum: str | None = None
    evm_rpc_optimism: str | None = None
    evm_rpc_base: str | None = None
    evm_rpc_avalanche: str | None = None
    evm_rpc_fantom: str | None = None
    evm_rpc_linea: str | None = None
    evm_rpc_zksync: str | None = None
    evm_rpc_cronos: str | None = None
    solana_rpc_url: str = "https://api.mainnet-beta.solana.com"

    coingecko_rate_per_min: int | None = Field(default=None, gt=0)
    defillama_rate_per_min: int | None = Field(default=None, gt=0)
    binance_rate_per_min: int | None = Field(default=None, gt=0)
    goplus_rate_per_min: int | None = Field(default=None, gt=0)
    honeypot_rate_per_min: int | None = Field(default=None, gt=0)
    dexscreener_rate_per_min: int | None = Field(default=None, gt=0)
    rugcheck_rate_per_min: int | None = Field(default=None, gt=0)
    mempool_rate_per_min: int | None = Field(default=None, gt=0)
    etherscan_rate_per_min: int | None = Field(default=None, gt=0)
    evm_rpc_rate_per_min: int | None = Field(default=None, gt=0)
    solana_rpc_rate_per_min: int | None = Field(default=None, gt=0)
    tokenmetrics_rate_per_min: int | None = Field(default=None, gt=0)
    kucoin_rate_per_min: int | None = Field(default=None, gt=0)
    bitget_rate_per_min: int | None = Field(default=None, gt=0)

    cache_url: str | None = Field(default=None, pattern=r"^(redis|rediss|unix)://")
    cache_max_entries: int = Field(default=10_000, gt=0)
    max_body_bytes: int = Field(default=5_000_000, gt=0)
    http_token: SecretStr | None = None
    http_allowed_origins: str | None = None
    http_allowed_hosts: str | None = (
        None  # comma-separated Host names beyond the bound and local ones; "*": any
    )
    http_clients_file: Path | None = None  # TOML [[clients]]: name, token_sha256, calls_per_minute
    http_max_concurrency: int = Field(default=64, gt=0)  # requests in flight; more get 503 + Retry-After
    http_max_connections: int = Field(default=1000, gt=0)  # open sockets (uvicorn's limit_concurrency)
    http_header_timeout_s: float = Field(default=10.0, gt=0, le=300)  # to send headers, and each body part
    http_keepalive_timeout_s: int = Field(default=5, gt=0, le=300)
    oauth_issuer: str | None = None
    oauth_audience: str | None = None  # this server's resource URL, e.g. https://mcp.example.com/mcp
    oauth_scopes: str | None = None  # comma- or space-separated scopes every token must carry
    replicas: int = Field(default=1, ge=1, le=1000)

    @field_validator(
        "coingecko_base_url",
        "defillama_base_url",
        "binance_base_url",
        "goplus_base_url",
        "honeypot_base_url",
        "dexscreener_base_url",
        "rugcheck_base_url",
        "mempool_base_url",
        "etherscan_base_url",
        "tokenmetrics_base_url",
        "kucoin_base_url",
        "bitget_base_url",
        "solana_rpc_url",
        *(f"evm_rpc_{chain}" for chain in EVM_RPC_CHAINS),
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value.rstrip("/")

    @field_validator("oauth_issuer", "oauth_audience")
    @classmethod
    def _exact_url(cls, value: str | None) -> str | None:
        """Issuer and audience are compared with the token's claims as exact strings: kept as given."""
        if value is not None and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc
        ):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    def rate_per_min(self, provider: str) -> int:
        """The configured limit, else the provider's documented free limit."""
        configured: int | None = getattr(self, f"{provider}_rate_per_min", None)
        if configured is not None:
            return configured
        if provider == "coingecko" and self.coingecko_api_key is not None and self.coingecko_plan == "demo":
            return COINGECKO_DEMO_KEY_RATE_PER_MIN
        return DEFAULT_RATE_PER_MIN[provider]

    def evm_rpc_url(self, chain: str) -> str | None:
        """`AGENT_TOOLS_EVM_RPC_<CHAIN>` when set; None means the chain registry's public default."""
        if chain not in EVM_RPC_CHAINS:
            return None
        configured: str | None = getattr(self, f"evm_rpc_{chain}")
        return configured

    def coingecko_endpoint(self) -> tuple[str, dict[str, str]]:
        """Base URL and auth header for CoinGecko, checked for the demo/pro mix-up.

        A pro key only works on pro-api.coingecko.com and a demo key only on
        api.coingecko.com; CoinGecko answers the mix-up with a confusing 401
        (error 10010/10011), so it is refused here with the fix spelled out.
        """
        key = self.coingecko_api_key
        default = (
            COINGECKO_PRO_URL if key is not None and self.coingecko_plan == "pro" else COINGECKO_PUBLIC_URL
        )
        base = self.coingecko_base_url or default
        host = urlsplit(base).hostname or ""
        if key is None:
            return base, {}
        if self.coingecko_plan == "pro":
            if host == "api.coingecko.com":
                raise NotConfigured(
                    "a CoinGecko pro key cannot be used with api.coingecko.com",
                    hint="unset AGENT_TOOLS_COINGECKO_BASE_URL (pro uses https://pro-api.coingecko.com/api/v3)"
                    " or set AGENT_TOOLS_COINGECKO_PLAN=demo if this is a demo key",
                )
            return base, {"x-cg-pro-api-key": key.get_secret_value()}
        if host == "pro-api.coingecko.com":
            raise NotConfigured(
                "a CoinGecko demo key cannot be used with pro-api.coingecko.com",
                hint="set AGENT_TOOLS_COINGECKO_PLAN=pro if this is a pro key,"
                " or unset AGENT_TOOLS_COINGECKO_BASE_URL for the demo host",
            )
        return base, {"x-cg-demo-api-key": key.get_secret_value()}

    def allowed_origins(self) -> list[str]:
        if not self.http_allowed_origins:
            return []
        return [o.strip().rstrip("/") for o in self.http_allowed_origins.split(",") if o.strip()]

    def allowed_hosts(self) -> list[str]:
        """`AGENT_TOOLS_HTTP_ALLOWED_HOSTS` as a list ("*" allows any Host)."""
        return [h.strip() for h in (self.http_allowed_hosts or "").split(",") if h.strip()]

    def oauth_required_scopes(self) -> list[str]:
        return (self.oauth_scopes or "").replace(",", " ").split()

    @model_validator(mode="after")
    def _oauth_complete(self) -> Settings:
        if (self.oauth_issuer is None) != (self.oauth_audience is None):
            raise ValueError("set both AGENT_TOOLS_OAUTH_ISSUER and AGENT_TOOLS_OAUTH_AUDIENCE, or neither")
        return self
