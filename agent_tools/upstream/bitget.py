"""Bitget public coin list: withdrawal fee and minimum per chain (wallet-and-withdrawal-apis.md B.2).

`GET /api/v2/spot/public/coins` is public (no key; 3 requests/s per IP) and lists every coin with
its `chains[]`; one cached list answers every asset. Bitget wraps answers in `{"code": "00000",
"msg": "success", "requestTime": ..., "data": [...]}` and sends booleans as the strings "true"/
"false"; a non-success code is a refusal, classified here and never repeated beyond the code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, FailFast

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream, code_error_hook
from agent_tools.upstream._bodies import Body, BodyAdapter, DecimalString

COINS_PATH = "/api/v2/spot/public/coins"
PUBLIC_URL = "https://api.bitget.com" + COINS_PATH
"""Where the numbers come from, as answers cite it (the configured base URL may be a mirror)."""
TTL_S = 300.0
GRACE_S = 6 * 3600.0
SUCCESS = "00000"
RATE_LIMITED = "429"


def _flag(value: object) -> object:
    """Bitget's "true"/"false" strings as booleans; anything else is left for validation to refuse."""
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


Flag = Annotated[bool, BeforeValidator(_flag)]


class BitgetChain(Body):
    """One chain of a coin. `extraWithdrawFee` is a fraction burned on-chain (0.1 = 10 %)."""

    chain: str
    withdrawable: Flag
    withdrawFee: DecimalString
    extraWithdrawFee: DecimalString | None = None
    minWithdrawAmount: DecimalString | None = None


class BitgetCoin(Body):
    coin: str
    chains: list[BitgetChain]


class _Coins(Body):
    code: Literal["00000"]
    data: Annotated[list[BitgetCoin], FailFast()]


_COINS = BodyAdapter(_Coins)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="bitget",
        display="Bitget",
        base_url=settings.bitget_base_url,
        rate_per_min=settings.rate_per_min("bitget"),
        error_hook=code_error_hook(
            "bitget", "Bitget", "coin list request", success=SUCCESS, rate_limited=RATE_LIMITED
        ),
        hint="lower AGENT_TOOLS_BITGET_RATE_PER_MIN, or try again later",
    )


class Bitget:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    @property
    def spec(self) -> ProviderSpec:
        return self._up.spec

    async def coins(self) -> Fetched[list[BitgetCoin]]:
        """Every coin Bitget lists, with its chains' withdrawal fees and minimums."""
        fetched = await self._up.get(COINS_PATH, None, _COINS, ttl=TTL_S, grace=GRACE_S)
        return Fetched(fetched.value.data, fetched.fetched_at, fetched.stale)
