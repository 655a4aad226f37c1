"""Stdio framing: a line that is not a JSON-RPC message gets a JSON-RPC error instead of silence.

The SDK's stdio reader turns such a line into an exception item on its read stream, and its
dispatcher drops those (HTTP answers the same mistake with -32700). `ReplyToMalformed` sits
between the two and answers each one on the write stream, as JSON-RPC 2.0 asks: -32700 for text
that is not JSON, -32600 for JSON that is not a message (with the request's id when it has one,
else null). Blank lines are skipped silently. Valid messages pass through untouched, with the
sender's context (`last_context`) the dispatcher reads.
"""

from __future__ import annotations

import contextvars
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import anyio
from mcp.shared.message import SessionMessage
from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError
from pydantic import ValidationError
from pydantic_core import ErrorDetails

if TYPE_CHECKING:  # the SDK's stream protocols (not re-exported publicly)
    from mcp.shared._stream_protocols import ReadStream, WriteStream


class ReplyToMalformed:
    """A read stream that answers malformed lines itself and yields only messages."""

    def __init__(
        self, inner: ReadStream[SessionMessage | Exception], replies: WriteStream[SessionMessage]
    ) -> None:
        self._inner = inner
        self._replies = replies

    @property
    def last_context(self) -> contextvars.Context | None:
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> SessionMessage | Exception:
        while True:
            item = await self._inner.receive()
            if not isinstance(item, ValidationError):
                return item
            error = error_for(item)
            if error is not None:
                await self._replies.send(SessionMessage(error))

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        await self.aclose()
        return None


def error_for(failure: ValidationError) -> JSONRPCError | None:
    """The reply to a line the SDK could not read as a message; None for a blank line."""
    errors = failure.errors()
    if errors[0]["type"] == "json_invalid":
        if not str(errors[0].get("input", "")).strip():
            return None
        return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=PARSE_ERROR, message="Parse error"))
    return JSONRPCError(
        jsonrpc="2.0",
        id=_request_id(errors),
        error=ErrorData(code=INVALID_REQUEST, message="Invalid Request: not a JSON-RPC 2.0 message"),
    )


def _request_id(errors: list[ErrorDetails]) -> str | int | None:
    """The message's own id: from the outermost object the validation errors report, if any."""
    objects = sorted(
        (
            (len(e["loc"]), cast(dict[str, Any], e["input"]))
            for e in errors
            if isinstance(e.get("input"), dict)
        ),
        key=lambda pair: pair[0],
    )
    if objects:
        request_id = objects[0][1].get("id")
        if isinstance(request_id, str | int) and not isinstance(request_id, bool):
            return request_id
    return None
