"""KuCoin public currency list: withdrawal fee and minimum per chain (wallet-and-withdrawal-apis.md B.1).

`GET /api/v3/currencies` is public (no key) and lists every currency with its `chains[]`; one
cached list answers every asset, so asking about a currency KuCoin does not list is a plain
absence in a list KuCoin answered, never a guessed "not found". KuCoin wraps every answer in
`{"code": "200000", "data": ...}`; any other code is a refusal, read here to classify it and
never repeated beyond the code itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import FailFast

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream, code_error_hook
from agent_tools.upstream._bodies import Body, BodyAdapter, DecimalString

CURRENCIES_PATH = "/api/v3/currencies"
PUBLIC_URL = "https://api.kucoin.com" + CURRENCIES_PATH
"""Where the numbers come from, as answers cite it (the configured base URL may be a mirror)."""
TTL_S = 300.0
"""Withdrawal fees move with network congestion, a few times a day at most."""
GRACE_S = 6 * 3600.0
SUCCESS = "200000"
RATE_LIMITED = "429000"


class KucoinChain(Body):
    """One chain of a currency. Fields KuCoin leaves null for a chain are unknown, not zero."""

    chainName: str
    chainId: str
    withdrawalMinSize: DecimalString | None = None
    withdrawalMinFee: DecimalString | None = None
    withdrawFeeRate: DecimalString | None = None
    isWithdrawEnabled: bool


class KucoinCurrency(Body):
    currency: str
    chains: list[KucoinChain] | None = None  # null for currencies that cannot be moved on-chain


class _Currencies(Body):
    code: Literal["200000"]
    data: Annotated[list[KucoinCurrency], FailFast()]


_CURRENCIES = BodyAdapter(_Currencies)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="kucoin",
        display="KuCoin",
        base_url=settings.kucoin_base_url,
        rate_per_min=settings.rate_per_min("kucoin"),
        error_hook=code_error_hook(
            "kucoin", "KuCoin", "currency list request", success=SUCCESS, rate_limited=RATE_LIMITED
        ),
        hint="lower AGENT_TOOLS_KUCOIN_RATE_PER_MIN, or try again later",
    )


class Kucoin:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    @property
    def spec(self) -> ProviderSpec:
        return self._up.spec

    async def currencies(self) -> Fetched[list[KucoinCurrency]]:
        """Every currency KuCoin lists, with its chains' withdrawal fees and minimums."""
        fetched = await self._up.get(CURRENCIES_PATH, None, _CURRENCIES, ttl=TTL_S, grace=GRACE_S)
        return Fetched(fetched.value.data, fetched.fetched_at, fetched.stale)
