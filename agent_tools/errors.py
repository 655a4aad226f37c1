"""One exception tree, mapped to the JSON error envelope of CONTRACT.md.

Every failure a tool can report is an `AgentToolsError` subclass carrying what an
agent needs to act: a stable `code`, a readable `message`, whether retrying can help,
how long to wait, and a hint. Nothing else (stack traces, upstream URLs, secrets)
ever reaches a client: the server turns anything that is not one of these into
`INTERNAL` with a generic message.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class AgentToolsError(Exception):
    """Base class: a failure the caller can read and act on."""

    code: ClassVar[str] = "INTERNAL"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        retryable: bool | None = None,
        retry_after_s: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after_s = retry_after_s
        self.hint = hint

    def envelope(self) -> dict[str, Any]:
        """The `{"error": {...}}` object of CONTRACT.md; absent optional keys are omitted."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "retryable": self.retryable}
        if self.retry_after_s is not None:
            body["retry_after_s"] = round(self.retry_after_s, 1)
        if self.hint:
            body["hint"] = self.hint
        return {"error": body}

    def to_json(self) -> str:
        return json.dumps(self.envelope(), ensure_ascii=False)


class InvalidArgument(AgentToolsError):
    code = "INVALID_ARGUMENT"


class NotFound(AgentToolsError):
    code = "NOT_FOUND"


class Ambiguous(AgentToolsError):
    code = "AMBIGUOUS"


class NotConfigured(AgentToolsError):
    code = "NOT_CONFIGURED"


class RateLimited(AgentToolsError):
    """This server's own per-client quota (AGENT_TOOLS_HTTP_CLIENTS_FILE), not a provider's."""

    code = "RATE_LIMITED"
    default_retryable = True


class UpstreamError(AgentToolsError):
    """A failure that came from (or on the way to) an upstream provider."""

    def __init__(self, provider: str, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.provider = provider


class UpstreamRateLimited(UpstreamError):
    code = "UPSTREAM_RATE_LIMITED"
    default_retryable = True


class UpstreamUnavailable(UpstreamError):
    code = "UPSTREAM_UNAVAILABLE"
    default_retryable = True


class UpstreamTimedOut(UpstreamUnavailable):
    """The provider did not answer in time (retryable, like any unavailability)."""


class UpstreamBadResponse(UpstreamError):
    code = "UPSTREAM_BAD_RESPONSE"


class UpstreamDrifted(UpstreamBadResponse):
    """The body parsed but is not the shape we read (a renamed or missing field): schema drift."""


class DeadlineExceeded(AgentToolsError):
    code = "DEADLINE_EXCEEDED"
    default_retryable = True


class InternalError(AgentToolsError):
    code = "INTERNAL"


ERROR_CODES: tuple[str, ...] = (
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "AMBIGUOUS",
    "NOT_CONFIGURED",
    "RATE_LIMITED",
    "UPSTREAM_RATE_LIMITED",
    "UPSTREAM_UNAVAILABLE",
    "UPSTREAM_BAD_RESPONSE",
    "DEADLINE_EXCEEDED",
    "INTERNAL",
)

ECHO_LIMIT = 100


def echo(value: object) -> str:
    """Input quoted back in an error message: at most `ECHO_LIMIT` characters of it, and its length if cut."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= ECHO_LIMIT:
        return repr(text)
    return f"{text[:ECHO_LIMIT]!r}... ({len(text)} characters)"
