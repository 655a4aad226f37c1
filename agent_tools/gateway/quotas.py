"""Per-client quotas: `calls_per_minute` tool calls per client, for all replicas together.

A quota is a `Budget` that never waits: a call with no free slot in the client's window is
refused at once with RATE_LIMITED and the seconds until one frees. Through Redis the
window is shared by every replica; without it each replica keeps its 1/N share.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from agent_tools.errors import RateLimited
from agent_tools.gateway.identity import Caller
from agent_tools.upstream import Budget, Clock, LimiterFull

if TYPE_CHECKING:
    from agent_tools.upstream._shared import SharedCache


class Quotas:
    def __init__(self, clock: Clock, shared: SharedCache | None = None, replicas: int = 1) -> None:
        self._clock = clock
        self._shared = shared
        self._replicas = replicas
        self._budgets: dict[str, Budget] = {}

    async def admit(self, caller: Caller) -> None:
        limit = caller.calls_per_minute
        if limit is None:
            return
        budget = self._budgets.get(caller.name)
        if budget is None or budget.limit != limit:
            budget = self._budgets[caller.name] = Budget(
                f"client:{caller.name}", limit, self._clock, shared=self._shared, replicas=self._replicas
            )
        try:
            await budget.reserve(0.0)
        except LimiterFull as full:
            wait = max(full.wait, 0.1)
            raise RateLimited(
                f"client {caller.name} is over its quota of {limit} calls per minute;"
                f" try again in {math.ceil(wait)} s",
                retry_after_s=wait,
                hint="wait retry_after_s, or ask the operator for a higher calls_per_minute",
            ) from None
