"""Pieces shared by the token-security providers (GoPlus, Honeypot.is, DexScreener, RugCheck)."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ConfigDict

from agent_tools.errors import AgentToolsError, NotFound
from agent_tools.upstream import ErrorHook, Retryable
from agent_tools.upstream._bodies import Body


class Tolerant(Body):
    """Numbers are accepted where strings are documented (these APIs mix `"1"` and `1`), so only a
    change to what we read counts as drift."""

    model_config = ConfigDict(coerce_numbers_to_str=True)


def unknown_on_404(display: str, meaning: str) -> ErrorHook:
    """An error hook for APIs whose 404 means "no data about this token", not a broken request.

    The tool reports that source as having no data instead of as failed.
    """

    def hook(response: httpx.Response, _body: Any) -> AgentToolsError | Retryable | None:
        if response.status_code == 404:
            return NotFound(f"{display} {meaning}")
        return None

    return hook
