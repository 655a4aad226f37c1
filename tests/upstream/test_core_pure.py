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
