"""One outcome per source ask, and one error when every source failed: their shared reason when they share one."""

from __future__ import annotations

import pytest

from agent_tools.errors import (
    DeadlineExceeded,
    NotConfigured,
    NotFound,
    UpstreamBadResponse,
    UpstreamDrifted,
    UpstreamRateLimited,
    UpstreamTimedOut,
    UpstreamUnavailable,
)
from agent_tools.sources.outcome import Failed, NoData, Ok, SourceRun, combined_error


async def _raise(error: Exception) -> Ok[int]:
    raise error


async def _ok(value: int) -> Ok[int]:
    return Ok(value, 1.0)


async def test_ask_turns_every_failure_into_one_outcome() -> None:
    run = SourceRun()
    assert isinstance(await run.ask("a", _ok(1)), Ok)
    assert isinstance(await run.ask("b", _raise(NotFound("nothing"))), NoData)
    failed = await run.ask("c", _raise(UpstreamRateLimited("c", "C is rate limiting", retry_after_s=5)))
    assert isinstance(failed, Failed) and failed.reason == "rate_limited"
    assert list(run.failures()) == ["c"]
    assert run.failure_notes() == ["c unavailable: C is rate limiting"]


async def test_a_later_success_does_not_hide_an_earlier_failure_of_the_same_source() -> None:
    run = SourceRun()
    await run.ask("coingecko", _raise(UpstreamUnavailable("coingecko", "down")))
    await run.ask("coingecko", _ok(2))
    assert list(run.failures()) == ["coingecko"]


async def test_first_stops_at_the_first_answer() -> None:
    run = SourceRun()
    asked: list[str] = []

    def source(name: str, value: int | None):
        async def read() -> Ok[int]:
            asked.append(name)
            if value is None:
                raise UpstreamUnavailable(name, f"{name} is down")
            return Ok(value, 0.0)

        return name, read

    got = await run.first([source("a", None), source("b", 7), source("c", 9)])
    assert got is not None and got.value == 7 and asked == ["a", "b"]


@pytest.mark.parametrize(
    ("errors", "code", "retry_after"),
    [
        (
            [
                UpstreamRateLimited("a", "x", retry_after_s=3600),
                UpstreamRateLimited("b", "y", retry_after_s=30),
            ],
            "UPSTREAM_RATE_LIMITED",
            30,
        ),
        (
            [UpstreamRateLimited("a", "x", retry_after_s=60), UpstreamUnavailable("b", "down")],
            "UPSTREAM_UNAVAILABLE",
            60,
        ),
        ([UpstreamTimedOut("a", "slow"), DeadlineExceeded("late")], "DEADLINE_EXCEEDED", None),
        ([UpstreamDrifted("a", "x"), UpstreamDrifted("b", "y")], "UPSTREAM_BAD_RESPONSE", None),
        ([UpstreamBadResponse("a", "x"), UpstreamUnavailable("b", "y")], "UPSTREAM_UNAVAILABLE", None),
        ([UpstreamUnavailable("a", "x"), NotConfigured("bad key")], "NOT_CONFIGURED", None),
    ],
)
def test_combined_error_says_the_shared_reason(
    errors: list[Exception], code: str, retry_after: float | None
) -> None:
    failures = {f"s{i}": Failed(e) for i, e in enumerate(errors)}  # type: ignore[arg-type]
    error = combined_error(failures, "no price source")
    assert error.code == code
    assert error.retry_after_s == retry_after
    assert error.retryable is (code != "UPSTREAM_BAD_RESPONSE" and code != "NOT_CONFIGURED")


def test_all_rate_limited_names_the_sources_and_the_shortest_wait() -> None:
    failures = {
        "coingecko": Failed(
            UpstreamRateLimited("coingecko", "CoinGecko is rate limiting", retry_after_s=3600)
        ),
        "defillama": Failed(
            UpstreamRateLimited("defillama", "DefiLlama is rate limiting", retry_after_s=3600)
        ),
    }
    error = combined_error(failures, "no price source")
    assert error.envelope()["error"]["retry_after_s"] == 3600
    assert "coingecko" in error.message and "defillama" in error.message and "3600 s" in error.message
