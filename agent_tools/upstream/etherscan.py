"""Etherscan V2 gas oracle (upstream-apis.md §6.1): one key, many chains by `chainid`.

The key travels only as the `apikey` query parameter added by the pipeline (`auth_params`),
so it is in no cache key, log line or error. Etherscan's error texts (which can echo the key)
are read to classify a failure and never repeated: our errors say what happened in our words.
"""

from __future__ import annotations

from typing import Annotated, Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import StringConstraints

from agent_tools.errors import (
    AgentToolsError,
    NotConfigured,
    UpstreamBadResponse,
    UpstreamRateLimited,
)
from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

ORACLE_TTL_S = 12.0
ORACLE_GRACE_S = 600.0
PER_SECOND_RETRY_S = 1.0
"""The free plan allows 3 calls per second, so a per-second refusal clears within a second."""
_KEY_HINT = "check AGENT_TOOLS_ETHERSCAN_API_KEY (free keys at https://etherscan.io/myapikey)"


Gwei = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,13}(\.\d{1,18})?$")]
"""A decimal string in gwei ("0.496839934"), under a trillion: anything else is drift, refused before caching."""


class GasOracle(Body):
    """Gwei as decimal strings (sub-1 values occur); `gasUsedRatio` is a comma-separated string."""

    LastBlock: str | None = None
    SafeGasPrice: Gwei
    ProposeGasPrice: Gwei
    FastGasPrice: Gwei
    suggestBaseFee: Gwei | None = None
    gasUsedRatio: str | None = None


class _OracleResponse(Body):
    status: str
    message: str
    result: GasOracle


_ORACLE = BodyAdapter(_OracleResponse)


def _error_hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
    """Etherscan answers HTTP 200 `{"status":"0","message":"NOTOK","result":"<why>"}` on failure."""
    if not isinstance(body, dict):
        return None
    fields = cast(dict[str, object], body)
    if fields.get("status") != "0":
        return None
    why = str(fields.get("result") or fields.get("message") or "").lower()
    if "rate limit" in why:
        # a daily cap does not clear within a call's deadline; a per-second one does
        if "daily" in why:
            return UpstreamRateLimited("etherscan", "Etherscan's daily call limit is used up", hint=_KEY_HINT)
        limited = UpstreamRateLimited(
            "etherscan", "Etherscan is rate limiting (calls per second)", hint=_KEY_HINT
        )
        return Retryable(limited, PER_SECOND_RETRY_S)
    if "api key" in why or "apikey" in why:
        return NotConfigured("Etherscan refused the API key", hint=_KEY_HINT)
    return UpstreamBadResponse("etherscan", "Etherscan refused the gas oracle request")


def _split(url: str) -> tuple[str, str]:
    """`https://host/v2/api` -> (`https://host/v2`, `api`), so no trailing slash is added to the endpoint."""
    parts = urlsplit(url)
    head, _, leaf = parts.path.rpartition("/")
    return urlunsplit((parts.scheme, parts.netloc, head, "", "")), leaf


def spec(settings: Settings) -> ProviderSpec:
    key = settings.etherscan_api_key.get_secret_value() if settings.etherscan_api_key else ""
    return ProviderSpec(
        name="etherscan",
        display="Etherscan",
        base_url=_split(settings.etherscan_base_url)[0],
        rate_per_min=settings.rate_per_min("etherscan"),
        auth_params={"apikey": key} if key else {},
        error_hook=_error_hook,
        hint=_KEY_HINT,
    )


class Etherscan:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))
        self._path = _split(settings.etherscan_base_url)[1]
        self.configured = settings.etherscan_api_key is not None

    @property
    def spec(self) -> ProviderSpec:
        return self._up.spec

    async def gas_oracle(self, chain_id: int) -> Fetched[GasOracle]:
        """Safe / propose / fast gas prices for an EVM chain id that Etherscan's oracle covers."""
        if not self.configured:
            raise NotConfigured("the Etherscan gas oracle needs an API key", hint=_KEY_HINT)
        fetched = await self._up.get(
            self._path,
            {"chainid": str(chain_id), "module": "gastracker", "action": "gasoracle"},
            _ORACLE,
            ttl=ORACLE_TTL_S,
            grace=ORACLE_GRACE_S,
        )
        return Fetched(fetched.value.result, fetched.fetched_at, fetched.stale)
