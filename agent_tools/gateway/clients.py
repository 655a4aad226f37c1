"""AGENT_TOOLS_HTTP_CLIENTS_FILE: per-client bearer tokens (as SHA-256 hashes) and quotas, re-read on change.

    [[clients]]
    name = "research-bot"              # labels its metrics and quota; never the token
    token_sha256 = "9f86d08...0a08"    # hex SHA-256 of the token: printf %s "$TOKEN" | sha256sum
    calls_per_minute = 120             # optional: no quota when absent

The file is checked for a change (size, mtime, inode) on every lookup, so adding or
revoking a client needs no restart. A change that does not parse is logged and ignored:
the clients of the last good version keep working.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent_tools.errors import NotConfigured
from agent_tools.gateway.identity import Caller

log = logging.getLogger("agent_tools.gateway")


class Client(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    token_sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]
    calls_per_minute: Annotated[int, Field(gt=0, le=1_000_000)] | None = None


class ClientsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clients: list[Client] = Field(default_factory=list[Client])

    @model_validator(mode="after")
    def _unique(self) -> ClientsDoc:
        names = [c.name for c in self.clients]
        hashes = [c.token_sha256.lower() for c in self.clients]
        if len(set(names)) != len(names) or len(set(hashes)) != len(hashes):
            raise ValueError("client names and token hashes must be unique")
        return self


def _read(path: Path) -> dict[str, Caller]:
    doc = ClientsDoc.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    return {c.token_sha256.lower(): Caller(c.name, c.calls_per_minute) for c in doc.clients}


class ClientsFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        try:
            self._by_hash = _read(path)
            self._stamp = self._stat()
        except (OSError, ValueError, ValidationError) as exc:
            raise NotConfigured(
                f"AGENT_TOOLS_HTTP_CLIENTS_FILE cannot be read: {type(exc).__name__}",
                hint="a TOML file of [[clients]] with name, token_sha256 and calls_per_minute",
            ) from None

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _refresh(self) -> None:
        stamp = self._stat()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._by_hash = _read(self.path)
        except (OSError, ValueError, ValidationError) as exc:
            log.error(
                "clients file not reloaded; keeping the previous clients", extra={"error": type(exc).__name__}
            )
            return
        log.warning("clients file reloaded", extra={"clients": len(self._by_hash)})

    def lookup(self, token: bytes) -> Caller | None:
        self._refresh()
        return self._by_hash.get(hashlib.sha256(token).hexdigest())
