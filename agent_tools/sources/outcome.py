"""What asking one source gave, and the record of every source one tool call asked.

A source adapter returns `Ok` (a domain-owned value with its date) or `NoData` (the source
answered and knows nothing about it), or raises one of our errors; `SourceRun.ask` turns that
into exactly one `Outcome`, never an exception, and keeps it. Every tool reads its coverage,
warnings and final error from the same record, so "rate limited", "down", "drifted" and "no
data" are told apart the same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import ValidationError

from agent_tools.errors import (
    AgentToolsError,
    DeadlineExceeded,
    NotConfigured,
    NotFound,
    UpstreamBadResponse,
    UpstreamDrifted,
    UpstreamRateLimited,
    UpstreamTimedOut,
    UpstreamUnavailable,
)

T = TypeVar("T")

Reason = Literal["down", "rate_limited", "timed_out", "drifted", "bad_response", "not_configured"]


@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """The source answered: `value` in domain terms, when it was fetched, whether from an expired cache."""

    value: T
    fetched_at: float  # unix seconds
    stale: bool = False
    note: str | None = None  # a caveat in our own words, e.g. "data still syncing"


@dataclass(frozen=True, slots=True)
class NoData:
    """The source answered and has nothing on this item (it does not exist there)."""

    detail: str


@dataclass(frozen=True, slots=True)
class Failed:
    """The source could not answer; `error` says why in our own words."""

    error: AgentToolsError

    @property
    def reason(self) -> Reason:
        error = self.error
        if isinstance(error, NotConfigured):
            return "not_configured"
        if isinstance(error, UpstreamRateLimited):
            return "rate_limited"
        if isinstance(error, DeadlineExceeded | UpstreamTimedOut):
            return "timed_out"
        if isinstance(error, UpstreamDrifted):
            return "drifted"
        if isinstance(error, UpstreamBadResponse):
            return "bad_response"
        return "down"


Outcome = Ok[T] | NoData | Failed


class SourceRun:
    """The sources one tool call asked and the outcome of each (the first failure of a source is kept)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome[Any]] = {}
        self._failed: dict[str, Failed] = {}  # kept as they happen: the warm path asks it on every call

    async def ask(self, name: str, read: Awaitable[Ok[T] | NoData]) -> Outcome[T]:
        """Run one adapter call; whatever goes wrong becomes a `Failed`, never an exception."""
        outcome: Outcome[T]
        try:
            outcome = await read
        except NotFound as exc:
            outcome = NoData(exc.message)
        except AgentToolsError as exc:
            outcome = Failed(exc)
        except ValidationError:  # the adapter's domain type refused the provider's values
            outcome = Failed(UpstreamBadResponse(name, f"{name} returned values outside their valid range"))
        if name not in self._failed:
            self.outcomes[name] = outcome
            if isinstance(outcome, Failed):
                self._failed[name] = outcome
        return outcome

    async def first(
        self, sources: Sequence[tuple[str, Callable[[], Awaitable[Ok[T] | NoData]]]]
    ) -> Ok[T] | None:
        """Ask `sources` in order until one answers."""
        for name, read in sources:
            outcome = await self.ask(name, read())
            if isinstance(outcome, Ok):
                return outcome
        return None

    def failures(self) -> dict[str, Failed]:
        return dict(self._failed)

    def failure_notes(self) -> list[str]:
        """One warning per failed source, in our own words (provider text never gets here)."""
        return [f"{name} unavailable: {failed.error.message}" for name, failed in self._failed.items()]

    def misconfigured(self) -> NotConfigured | None:
        """A source refused our configuration (a wrong key or plan): worth an error, not a fallback."""
        for failed in self._failed.values():
            if isinstance(failed.error, NotConfigured):
                return failed.error
        return None

    def error(self, what: str) -> AgentToolsError:
        """Why nothing usable came back, when `what` (e.g. "no price source") could not be answered."""
        return combined_error(self.failures(), what)


def combined_error(failures: dict[str, Failed], what: str) -> AgentToolsError:
    """One error for sources that all failed: their common reason when they share one.

    All rate limited is UPSTREAM_RATE_LIMITED with the smallest wait; all timed out is
    DEADLINE_EXCEEDED; all drifted is UPSTREAM_BAD_RESPONSE; anything else is
    UPSTREAM_UNAVAILABLE. A misconfiguration wins over all of them: it will not fix itself.
    """
    if not failures:
        return UpstreamUnavailable("sources", f"{what} answered")
    names = ", ".join(failures)
    errors = [f.error for f in failures.values()]
    waits = [e.retry_after_s for e in errors if e.retry_after_s is not None]
    wait = min(waits) if waits else None
    hint = next((e.hint for e in errors if e.hint), None)
    reasons = {f.reason for f in failures.values()}
    if "not_configured" in reasons:
        return next(e for e in errors if isinstance(e, NotConfigured))
    if len(errors) == 1:
        return errors[0]
    if reasons == {"rate_limited"}:
        retry = f"; try again in {math.ceil(wait)} s" if wait is not None else ""
        return UpstreamRateLimited(
            names,
            f"{what} answered: every one is rate limiting ({names}){retry}",
            retry_after_s=wait,
            hint=hint,
        )
    if reasons == {"timed_out"}:
        return DeadlineExceeded(f"{what} answered within the deadline ({names})")
    if reasons == {"drifted"}:
        return UpstreamDrifted(
            names, f"{what} answered: every one changed its response format ({names})", hint=hint
        )
    detail = "; ".join(f"{name}: {f.error.message}" for name, f in failures.items())
    return UpstreamUnavailable(names, f"{what} answered ({detail})", retry_after_s=wait, hint=hint)
