"""uvicorn's h11 protocol with a header timeout, which uvicorn lacks.

uvicorn closes an idle keep-alive connection, but a socket that connects and then sends its
request head a byte at a time (or never) is kept open for ever: a few hundred of them hold
the server. Here a connection must deliver a complete request head within `header_timeout`
seconds of connecting, or of its previous response, or it is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle


class _TimedH11Protocol(H11Protocol):
    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # pyright: ignore[reportIncompatibleMethodOverride]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        cycle = cast("RequestResponseCycle | None", self.cycle)  # None until the first request head
        return cycle is None or cycle.response_complete

    def handle_events(self) -> None:
        super().handle_events()
        if not self._between_requests():
            self._disarm()  # a request head arrived: the request is the app's now

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self._between_requests():
            self._arm()  # the next request head must come in time too

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _timed_out(self) -> None:
        self._head_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.transport.close()


def h11_with_header_timeout(seconds: float) -> type[H11Protocol]:
    """The protocol class to pass as uvicorn's `http=`."""
    return type("H11WithHeaderTimeout", (_TimedH11Protocol,), {"header_timeout": seconds})
