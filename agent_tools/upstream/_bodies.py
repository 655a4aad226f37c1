"""The typed shapes of upstream bodies, with their validators built on first use.

Each provider declares pydantic models for the bodies it reads. Building a model's
validator at import costs about as much as the rest of its module, and
`agent-tools serve` pays for all providers before it can answer `tools/list`
(benchmarks/cold_start.py), while a process usually calls only a few of them. So body
models defer their build (`Body`), and a `BodyAdapter` builds its `TypeAdapter` the
first time a body is parsed.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter
from typing_extensions import TypeForm

T = TypeVar("T")


class Body(BaseModel):
    """Base for upstream bodies: unknown keys are ignored, so an upstream's additions are not drift."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


class BodyAdapter(Generic[T]):
    """A `TypeAdapter` for one body type (a model, a list, an `Annotated` or a union), built when first used."""

    def __init__(self, body_type: TypeForm[T]) -> None:
        self._body_type = body_type

    @cached_property
    def _adapter(self) -> TypeAdapter[T]:
        return TypeAdapter(self._body_type)

    def validate_json(self, data: str | bytes) -> T:
        return self._adapter.validate_json(data)

    def validate_python(self, data: Any) -> T:
        return self._adapter.validate_python(data)

    def dump_json(self, value: T) -> bytes:
        return self._adapter.dump_json(value)
