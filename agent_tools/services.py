"""Everything a tool needs, built once per process: settings, the pipeline, provider clients.

Tools receive a `Services` and never construct HTTP clients themselves. Provider
clients are built on first use so that a misconfiguration (say a CoinGecko pro key
pointed at the demo host) surfaces as a clear tool error, not a crash at start-up.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import httpx

from agent_tools.gateway.quotas import Quotas
from agent_tools.metrics import Metrics
from agent_tools.settings import Settings
from agent_tools.upstream import Clock, LoopClock, Pipeline
from agent_tools.upstream.binance import Binance
from agent_tools.upstream.coingecko import CoinGecko
from agent_tools.upstream.defillama import DefiLlama

if TYPE_CHECKING:
    from agent_tools.upstream._shared import SharedCache


def _shared_cache(url: str | None, clock: Clock) -> SharedCache | None:
    """Redis only when configured (importing redis costs start-up time for everyone else)."""
    if not url:
        return None
    from agent_tools.upstream._shared import SharedCache

    return SharedCache(url, clock)


class _Provider(Protocol):
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None: ...


P = TypeVar("P", bound=_Provider)


class Services:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.clock = clock or LoopClock()
        self.shared = _shared_cache(self.settings.cache_url, self.clock)
        self.pipeline = Pipeline(
            self.clock,
            max_entries=self.settings.cache_max_entries,
            max_body_bytes=self.settings.max_body_bytes,
            transport=transport,
            shared=self.shared,
            replicas=self.settings.replicas,
        )
        self.metrics = Metrics(self.pipeline.stats)
        self.quotas = Quotas(self.clock, self.shared, self.settings.replicas)

        self._providers: dict[type[Any], Any] = {}

    def provider(self, cls: type[P]) -> P:
        """The one client of a provider class, built on first use from the pipeline and settings."""
        client = self._providers.get(cls)
        if client is None:
            client = self._providers[cls] = cls(self.pipeline, self.settings)
        return cast(P, client)

    @property
    def coingecko(self) -> CoinGecko:
        return self.provider(CoinGecko)

    @property
    def defillama(self) -> DefiLlama:
        return self.provider(DefiLlama)

    @property
    def binance(self) -> Binance:
        return self.provider(Binance)

    async def cache_status(self) -> str:
        """`in-process`, `redis`, or `redis-degraded` (Redis unreachable; serving from memory)."""
        if self.shared is None:
            return "in-process"
        return "redis" if await self.shared.ping() else "redis-degraded"

    async def aclose(self) -> None:
        await self.pipeline.aclose()
        if self.shared is not None:
            await self.shared.aclose()

    async def __aenter__(self) -> Services:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
