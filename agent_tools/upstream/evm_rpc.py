"""EVM JSON-RPC gas data, `eth_feeHistory` and `eth_gasPrice`, one endpoint per chain (upstream-apis.md §6.2).

The JSON-RPC 2.0 plumbing here (request envelope, `result` unwrapping, `error` objects) is
shared with `solana_rpc`, which speaks the same protocol.

The client knows no chain: each call names the chain and its RPC URL (the caller takes them
from the chain registry and settings). Each chain gets its own ProviderSpec (`evm_rpc_<chain>`),
built on first use, and so its own rate limiter, cache key space and metrics label: the chains
are served by different hosts with separate per-IP limits, so one chain's burst must not stall
another's. All use the one configured `AGENT_TOOLS_EVM_RPC_RATE_PER_MIN`. The whole RPC URL is
the base URL, never a request path, because keyed RPC URLs carry their key in the path and
request paths are logged.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, cast

import httpx
from pydantic import Field, StringConstraints

from agent_tools.errors import AgentToolsError, UpstreamBadResponse, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.settings import Settings
from agent_tools.upstream import ErrorHook, Fetched, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

T = TypeVar("T")

RPC_TTL_S = 12.0
"""About one Ethereum block; faster chains still change little in 12 s."""
RPC_GRACE_S = 600.0

# --- JSON-RPC 2.0 (shared with solana_rpc) ----------------------------------------------------

RATE_LIMIT_CODES = frozenset({-32005, 429})
"""-32005 "limit exceeded" (EIP-1474); some gateways put the HTTP status in `code`."""
INTERNAL_ERROR = -32603
_STANDARD_ERRORS = {
    -32700: "parse error",
    -32600: "invalid request",
    -32601: "method not found",
    -32602: "invalid params",
    INTERNAL_ERROR: "internal error",
}
"""The JSON-RPC 2.0 codes, in our words: an error's `message` is the provider's text and never repeated."""


class RpcEnvelope(Body, Generic[T]):
    """A successful response; an `error` response never gets here (see `jsonrpc_error_hook`)."""

    result: T


def _code(value: object) -> int | None:
    """The error's `code` when it is a plain 32-bit integer (as JSON-RPC 2.0 has it), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        return None
    return value


def _describe(code: int | None) -> str:
    """`JSON-RPC error -32601 (method not found)`: the code and our name for it."""
    if code is None:
        return "a JSON-RPC error"
    meaning = _STANDARD_ERRORS.get(code)
    return f"JSON-RPC error {code}" + (f" ({meaning})" if meaning else "")


def jsonrpc_error_hook(name: str, display: str, hint: str | None) -> ErrorHook:
    """Reads a JSON-RPC `error` object into our errors; HTTP-level 429/5xx stay with the pipeline.

    The error's `message` is read to recognise a rate limit, never copied into ours.
    """

    def hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
        error = cast(dict[str, object], body).get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or response.status_code == 429 or response.status_code >= 500:
            return None
        fields = cast(dict[str, object], error)
        code = _code(fields.get("code"))
        lowered = str(fields.get("message", "")).lower()
        if code in RATE_LIMIT_CODES or "rate limit" in lowered or "too many requests" in lowered:
            return Retryable(UpstreamRateLimited(name, f"{display} is rate limiting", hint=hint))
        if code == INTERNAL_ERROR:
            return Retryable(UpstreamUnavailable(name, f"{display} failed: {_describe(code)}"))
        return UpstreamBadResponse(name, f"{display} returned {_describe(code)}")

    return hook


class JsonRpcEndpoint:
    """One JSON-RPC endpoint through the pipeline: POST a request, unwrap `result`."""

    def __init__(self, upstream: Upstream) -> None:
        self._up = upstream

    @property
    def spec(self) -> ProviderSpec:
        return self._up.spec

    async def call(
        self, method: str, params: list[object], adapter: BodyAdapter[RpcEnvelope[T]], *, ttl: float
    ) -> Fetched[T]:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        fetched = await self._up.post("", body, adapter, ttl=ttl, grace=RPC_GRACE_S)
        return Fetched(fetched.value.result, fetched.fetched_at, fetched.stale)


# --- EVM ----------------------------------------------------------------------------------------


HexQuantity = Annotated[str, StringConstraints(pattern=r"^0[xX][0-9a-fA-F]{1,64}$")]
"""A JSON-RPC quantity that fits the EVM's 256 bits; anything else is drift, refused before caching."""


class FeeHistoryResult(Body):
    """`eth_feeHistory` result; its source adapter turns the quantities into wei."""

    oldestBlock: str
    baseFeePerGas: list[HexQuantity] = Field(min_length=1)
    gasUsedRatio: list[float]
    reward: list[list[HexQuantity]] | None = None


_FEE_HISTORY = BodyAdapter(RpcEnvelope[FeeHistoryResult])
_QUANTITY = BodyAdapter(RpcEnvelope[HexQuantity])


def spec(settings: Settings, chain: str, url: str) -> ProviderSpec:
    name = f"evm_rpc_{chain}"
    hint = f"set AGENT_TOOLS_EVM_RPC_{chain.upper()} to another RPC endpoint (keyed providers allow more)"
    return ProviderSpec(
        name=name,
        display=f"{chain} RPC",
        base_url=url,
        rate_per_min=settings.rate_per_min("evm_rpc"),
        error_hook=jsonrpc_error_hook(name, f"{chain} RPC", hint),
        hint=hint,
    )


class EvmRpc:
    """Gas data from the RPC endpoint of whichever EVM chain a call names."""

    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._pipeline = pipeline
        self._settings = settings
        self._rpc: dict[tuple[str, str], JsonRpcEndpoint] = {}

    def _endpoint(self, chain: str, url: str) -> JsonRpcEndpoint:
        """The chain's endpoint at `url`, built on first use."""
        endpoint = self._rpc.get((chain, url))
        if endpoint is None:
            upstream = Upstream(self._pipeline, spec(self._settings, chain, url))
            endpoint = self._rpc[(chain, url)] = JsonRpcEndpoint(upstream)
        return endpoint

    def spec(self, chain: str, url: str) -> ProviderSpec:
        """The provider the chain's calls go to (`evm_rpc_<chain>`), for errors raised about its answers."""
        return self._endpoint(chain, url).spec

    async def fee_history(self, chain: str, url: str, params: list[object]) -> Fetched[FeeHistoryResult]:
        """Recent base fees and tip percentiles; `params` (block count, newest block, percentiles) are the caller's."""
        return await self._endpoint(chain, url).call("eth_feeHistory", params, _FEE_HISTORY, ttl=RPC_TTL_S)

    async def gas_price(self, chain: str, url: str) -> Fetched[str]:
        """The node's suggested legacy gas price, a hex quantity in wei."""
        return await self._endpoint(chain, url).call("eth_gasPrice", [], _QUANTITY, ttl=RPC_TTL_S)
