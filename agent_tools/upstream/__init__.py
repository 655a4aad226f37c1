"""Upstream HTTP clients: endpoints and body shapes, behind one pipeline.

    cache lookup (TTL, single-flight, stale-if-error)            _cache, _pipeline
      -> rate limiter (per provider; Redis-shared when set,      _limiter, _budget, _shared
         a 1/N share while Redis is away)
      -> retry (429/5xx/timeouts, Retry-After, within deadline)  _spec, _http
      -> httpx.AsyncClient (pooled, timeouts, body size cap)     _http
      -> parse into a pydantic body (drift = UpstreamDrifted)    _bodies
    many-items endpoints batch concurrent lookups                _batch
    every wait is bounded by the call's deadline                 _clock

Provider modules describe endpoints and shapes only; nothing here knows a provider beyond its
`ProviderSpec`. This module is the public face; the parts are private modules by role.
"""

from agent_tools.upstream._batch import Batcher, Peeked
from agent_tools.upstream._bodies import Body, BodyAdapter
from agent_tools.upstream._budget import Budget
from agent_tools.upstream._cache import Fetched
from agent_tools.upstream._clock import Clock, LoopClock, deadline_scope, remaining
from agent_tools.upstream._http import Upstream
from agent_tools.upstream._limiter import LimiterFull
from agent_tools.upstream._pipeline import Pipeline, Stats
from agent_tools.upstream._spec import ErrorHook, ProviderSpec, Retryable, code_error_hook, parse_retry_after

__all__ = [
    "Batcher",
    "Body",
    "BodyAdapter",
    "Budget",
    "Clock",
    "ErrorHook",
    "Fetched",
    "LimiterFull",
    "LoopClock",
    "Peeked",
    "Pipeline",
    "ProviderSpec",
    "Retryable",
    "Stats",
    "Upstream",
    "code_error_hook",
    "deadline_scope",
    "parse_retry_after",
    "remaining",
]
