"""`dwell_times`: how long accounts stay in a stage, from the spells of a `StageHistory`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._result import Result
from cshealth.lifecycle._days import day_of
from cshealth.lifecycle._history import StageHistory
from cshealth.retention import SurvivalCurve, kaplan_meier

__all__ = ["DwellTimes", "dwell_times"]


@dataclass(frozen=True, eq=False, repr=False)
class DwellTimes(Result):
    """Time spent in one stage, as a Kaplan–Meier curve over the stage's spells.

    Attributes:
        stage: The stage.
        curve: Days in the stage; spells still running on the last grid day are censored.
        spells: The spells counted.
        left_out: Spells already running on the first grid day: their start is unknown,
            so they are left out (counting them from the first day would shorten them).
    """

    stage: str
    curve: SurvivalCurve
    spells: int
    left_out: int

    def __repr__(self) -> str:
        median = self.curve.median()
        shown = "not reached" if median.statistic is None else f"{median.statistic:g} days"
        return (
            f"DwellTimes({self.stage!r}: {self.spells} spells, median {shown}; "
            f"{self.left_out} left out)"
        )


def dwell_times(history: StageHistory, *, stage: str) -> DwellTimes:
    """How long accounts stay in ``stage``: a Kaplan–Meier curve over its spells.

    A spell's length runs from the first grid day it was seen in the stage to the first
    grid day it was seen out of it (so lengths are measured on the grid); a spell still
    running on the last day is censored at that day. Spells already running on the first
    day are left out and counted.

    Args:
        history: A `StageHistory`.
        stage: The stage.

    Returns:
        The `DwellTimes`, whose curve comes from `retention.kaplan_meier` (median with
        an interval: ``dwell.curve.median()``).

    Raises:
        InvalidInputError: When ``history`` is not a `StageHistory`, or ``stage`` not text.

    Examples:
        >>> from datetime import date
        >>> from cshealth.lifecycle import history
        >>> accounts = {"id": ["a", "b"], "start_date": ["2024-12-15", "2025-01-10"]}
        >>> days = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 5, 1), date(2025, 6, 1)]
        >>> d = dwell_times(history(accounts, dates=days), stage="onboarding")
        >>> d.spells, d.left_out, d.curve.counts.to_dict()["times"]
        (1, 1, [89.0])
    """
    if not isinstance(cast("object", history), StageHistory):
        msg = f"`history` must be a StageHistory, got {type(history).__name__}"
        raise InvalidInputError(msg)
    if not isinstance(cast("object", stage), str):
        msg = f"`stage` must be a stage name (text), got {type(stage).__name__}"
        raise InvalidInputError(msg)
    spells = history.spells()
    mine = (spells.stage == stage) & ~spells.left_censored
    start = spells.start[mine].astype(np.int64)
    last = day_of(history.dates[-1])
    end = np.where(spells.right_censored[mine], last, spells.end[mine].astype(np.int64))
    curve = kaplan_meier((end - start).astype(np.float64), ~spells.right_censored[mine])
    left_out = int(((spells.stage == stage) & spells.left_censored).sum())
    return DwellTimes(stage, curve, int(mine.sum()), left_out)
