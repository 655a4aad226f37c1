"""Upstream HTTP clients: endpoints and body shapes, behind one pipeline (cache, limiter, retry, httpx).

Callers use this face; the pipeline's parts live in private modules by role.
"""

from agent_tools.upstream._core import (
    Clock,
    Fetched,
    LoopClock,
    Pipeline,
    ProviderSpec,
    Stats,
    deadline_scope,
    remaining,
)

__all__ = [
    "Clock",
    "Fetched",
    "LoopClock",
    "Pipeline",
    "ProviderSpec",
    "Stats",
    "deadline_scope",
    "remaining",
]
