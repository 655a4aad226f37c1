"""The short ``model`` block an answer carries about a fitted score: what it is, how well it measured, when.

Agents relay it to users so they can judge how much to trust a number; the figures are the benchmarks'
(docs/rug_risk.md, docs/grades.md), never recomputed at answer time.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Accuracy(BaseModel):
    model_config = ConfigDict(frozen=True)

    metric: str = Field(description="what was measured, e.g. AUC, brier, risk_IC")
    value: float
    ci95: tuple[float, float] | None = Field(description="95 % bootstrap interval; null if none")


class ModelCard(BaseModel):
    model_config = ConfigDict(frozen=True)

    what: str = Field(description="what the score is")
    accuracy: list[Accuracy] = Field(description="measured accuracy; empty = not measured here")
    measured_on: str | None = Field(description="the data and split the accuracy was measured on")
    fitted_at: date | None = Field(description="when the model was fitted; null = not ours to say")
