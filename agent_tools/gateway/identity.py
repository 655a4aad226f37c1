"""Who is calling (or why not): set by the HTTP guard for one request, read by the server for quotas and metrics."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: `name` labels its metrics (never a token); `calls_per_minute` is its quota."""

    name: str
    calls_per_minute: int | None = None


@dataclass(frozen=True)
class Denied:
    """Why a request is refused: HTTP status and the RFC 6750 error (None when no token was sent)."""

    status: int
    error: str | None
    message: str


current_caller: ContextVar[Caller | None] = ContextVar("agent_tools_caller", default=None)
