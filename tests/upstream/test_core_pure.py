"""Pipeline pieces that need no event loop: the limiter's slot arithmetic, Retry-After parsing."""

from __future__ import annotations

import pytest

from agent_tools.upstream import parse_retry_after
from agent_tools.upstream._limiter import RateLimiter

WALL_NOW = 1_780_000_000.0


def test_rate_limiter_reservations_are_a_sliding_window() -> None:
    class Fixed:
        t = 0.0

        def now(self) -> float:
            return self.t

        def wall(self) -> float:
            return self.t

        async def sleep(self, seconds: float) -> None:
            raise AssertionError

    clock = Fixed()
    limiter = RateLimiter(3, clock, window=60.0)
    assert [limiter.reserve(None) for _ in range(7)] == [0, 0, 0, 60, 60, 60, 120]
    clock.t = 200.0
    assert limiter.reserve(None) == 0.0


def test_rate_limiter_counts_what_is_left_without_booking() -> None:
    class Fixed:
        t = 0.0

        def now(self) -> float:
            return self.t

        def wall(self) -> float:
            return self.t

        async def sleep(self, seconds: float) -> None:
            raise AssertionError

    clock = Fixed()
    limiter = RateLimiter(3, clock, window=60.0)
    assert limiter.available() == 3
    assert limiter.available() == 3  # asking books nothing
    limiter.reserve(None)
    clock.t = 10.0
    limiter.reserve(None)
    assert limiter.available() == 1
    limiter.reserve(None)
    assert limiter.available() == 0
    assert limiter.reserve(None) == 50.0  # a caller now waits for the first slot to leave the window
    clock.t = 59.0
    assert limiter.available() == 0  # that booked slot is still ahead: anyone else would wait too
    clock.t = 60.0
    assert limiter.available() == 0  # the waiter took the freed slot
    clock.t = 70.0
    assert limiter.available() == 2  # the two slots of t=10 left the window
    clock.t = 1000.0
    assert limiter.available() == 3


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("-4", 0.0),
        ("nonsense", None),
        ("", None),
        ("1e400", None),
        ("999999999", 259200.0),
    ],
)
def test_parse_retry_after(header: str, expected: float | None) -> None:
    assert parse_retry_after(header, WALL_NOW) == expected
