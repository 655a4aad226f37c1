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
from typing import Annotated, Any, Generic, TypeVar, cast

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Strict,
    StringConstraints,
    TypeAdapter,
    model_validator,
)
from typing_extensions import TypeForm

T = TypeVar("T")

Number = Annotated[float, Strict(), AllowInfNan(False)]
"""A JSON number (an int is fine); a string, boolean, null, NaN or infinity is drift."""
DecimalString = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,15}(\.\d{1,18})?$")]
"""A non-negative decimal sent as a string ("0.0005"); anything else is drift, refused before caching."""


class Body(BaseModel):
    """Base for upstream bodies: unknown keys are ignored, so an upstream's additions are not drift.

    A renamed key is drift, though: a field we read that is absent while a key differing from it
    only in case, `_` or `-` is present (`sell_tax` sent as `sellTax`) fails validation instead of
    quietly reading as "not reported".
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _no_renamed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            keys = cast(dict[object, object], data).keys()
            missing = [k for k in _field_keys(cls) if k not in keys]
            if missing:
                sent = {_squash(k): k for k in keys if isinstance(k, str)}
                for key in missing:
                    renamed = sent.get(_squash(key))
                    if renamed is not None:
                        raise ValueError(f"{key!r} is missing; a key differing only in case or '_' was sent")
        return cast(object, data)


def _squash(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _field_keys(model: type[BaseModel]) -> tuple[str, ...]:
    """The keys a model reads (aliases where set), computed once per model."""
    keys = _FIELD_KEYS.get(model)
    if keys is None:
        keys = _FIELD_KEYS[model] = tuple(f.alias or name for name, f in model.model_fields.items())
    return keys


_FIELD_KEYS: dict[type[BaseModel], tuple[str, ...]] = {}


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
