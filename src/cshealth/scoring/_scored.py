"""`Scored`: one scorecard's part of a scoring run, kept for `HealthScores.explain`.

`score` scores each scorecard's accounts apart: the part holds the compiled plan, which
rows of the input it scored, their inputs, measure scores and status codes, the kernel's
`Evaluation`, and the overrides applied and skipped. `HealthScores` gathers the parts
into one result and keeps them, so that an explanation can evaluate one account again in
detail.
"""

from __future__ import annotations

from dataclasses import dataclass

from cshealth._types import FloatArray, IntArray
from cshealth.scoring._engine import Evaluation, Overrides
from cshealth.scoring._inputs import Inputs
from cshealth.scoring._override import Override
from cshealth.scoring._plan import Plan
from cshealth.scoring._transforms import Int8Array

__all__ = ["Scored"]


@dataclass(frozen=True)
class Scored:
    """One scorecard's part of a scoring run (internal)."""

    plan: Plan
    rows: IntArray | None  # rows of the whole input, None for all of them
    inputs: Inputs
    values: list[FloatArray]
    status: list[Int8Array | None]  # None: MISSING where the value is NaN, else OK
    evaluation: Evaluation
    overrides: Overrides
    applied: tuple[Override, ...]
    skipped: tuple[tuple[Override, str], ...]
