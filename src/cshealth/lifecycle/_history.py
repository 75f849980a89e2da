"""`history`: stages on a grid of days, each from what was known that day; stage spells.

`history` runs `classify` on each day of a grid, in order, each day given the previous
day's assignments, so ``entered_on``, ``days_in_stage`` and ``stage_stale`` carry along.
Classification is pure in ``as_of``, so each day sees only what had happened before it:
records are read once and filtered per day. Inputs computed at a point in time (health
scores, usage measures) come per day, as a mapping from day to result or a function of the
day, so no day sees scores computed later.

A *spell* is an account's run of consecutive grid days in one stage. `StageHistory.spells`
lists them; `cshealth.lifecycle.dwell_times` (in `_dwell`) turns the spells of one stage
into a Kaplan–Meier curve of time in that stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._measures import MeasureTable
from cshealth._plot import axes
from cshealth._result import Result, RowsResult
from cshealth._time import as_day, day_list
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io._read import read_columns
from cshealth.lifecycle._assignments import StageAssignments
from cshealth.lifecycle._classify import check_rules, classify_read, in_scope, read_for
from cshealth.lifecycle._days import MISSING, day_of, to_date, to_dates
from cshealth.lifecycle._milestones import read_milestones
from cshealth.lifecycle._plot_stages import draw_history, stage_order
from cshealth.lifecycle._rules import DEFAULT_RULES, LifecycleRules
from cshealth.models import Contact, Milestone, Record, RevenueChange, SurveyResponse

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["Spells", "StageHistory", "history"]

#: A point-in-time input per day: a mapping from day to result, or a function of the day.
PerDay = Mapping[date, object] | Callable[[date], object] | None


@dataclass(frozen=True, eq=False, repr=False)
class Spells(RowsResult):
    """Each account's runs of consecutive grid days in one stage.

    Attributes:
        account_ids: The account of each spell.
        stage: Its stage.
        start: The first grid day it was seen in the stage.
        end: The first grid day it was seen in another stage (or gone); NaT while it is
            still in the stage on the last day.
        left_censored: Whether the spell was already running on the first grid day (its
            real start is unknown).
        right_censored: Whether it was still running on the last grid day.
    """

    account_ids: IdArray
    stage: ObjectArray
    start: NDArray[np.datetime64]
    end: NDArray[np.datetime64]
    left_censored: BoolArray
    right_censored: BoolArray

    def __repr__(self) -> str:
        return f"Spells({len(self)} spells of {len(set(self.account_ids.tolist()))} accounts)"


@dataclass(frozen=True, eq=False, repr=False)
class StageHistory(Result):
    """Stages and flags on a grid of days, one row per account and day (see `history`).

    Attributes:
        dates: The grid days, ascending.
        account_ids: Per row, the account.
        as_of: Per row, the day.
        stage: Per row, the stage.
        flags: Per flag, per row, whether the account carried it.
        entered_on: Per row, the day the account was first seen in its stage.
        previous_stage: Per row, the stage before (``None`` when unknown).
        mrr: Per row, the account's MRR that day (NaN when unknown).
        rules_hash: The hash of the rules used.
    """

    dates: tuple[date, ...]
    account_ids: IdArray
    as_of: NDArray[np.datetime64]
    stage: ObjectArray
    flags: Mapping[str, BoolArray]
    entered_on: NDArray[np.datetime64]
    previous_stage: ObjectArray
    mrr: FloatArray
    rules_hash: str

    def __len__(self) -> int:
        return len(self.account_ids)

    def at(self, day: AsOf) -> tuple[IdArray, ObjectArray]:
        """The accounts and their stages on one grid day.

        Raises:
            InvalidInputError: When ``day`` is not a grid day.
        """
        wanted = to_date(as_day(day, "day"))
        if wanted not in self.dates:
            msg = f"{wanted} is not a day of the history; its days: {list(map(str, self.dates))}"
            raise InvalidInputError(msg)
        rows = self.as_of == np.datetime64(wanted, "D")
        return self.account_ids[rows], self.stage[rows]

    def counts(self) -> dict[date, dict[str, int]]:
        """Accounts per stage on each day."""
        out: dict[date, dict[str, int]] = {}
        for day in self.dates:
            rows = self.as_of == np.datetime64(day, "D")
            names, counts = np.unique(self.stage[rows].astype(str), return_counts=True)
            out[day] = dict(zip(names.tolist(), counts.tolist()))
        return out

    def plot(self, ax: Axes | None = None, *, stages: Sequence[str] = (), **style: object) -> Axes:
        """Draw the accounts per stage on each day as stacked areas, dates on x.

        One area per stage seen, stacked from the bottom in the order of ``stages``, then
        of the default rules, then by name; the legend lists them as stacked, top first.
        Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            stages: The order of the stages, bottom first (your rules' stage names).
            **style: Passed to ``stackplot`` (``colors``, ``alpha``, ...).

        Returns:
            The ``Axes`` drawn on.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> accounts = {"id": ["a", "b"], "start_date": ["2024-01-01", "2024-11-01"]}
            >>> h = history(accounts, dates=[date(2025, 1, 1), date(2025, 4, 1)])
            >>> ax = h.plot()
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['engagement', 'adoption', 'onboarding']
            >>> plt.close(ax.figure)
        """
        known = [*stages, *(rule.name for rule in DEFAULT_RULES.stages)]
        names = stage_order(np.unique(self.stage.astype(str)).tolist(), known)
        day = np.array(self.dates, dtype="datetime64[D]")
        return draw_history(axes(ax), day, self.as_of, self.stage, names, style=style)

    def spells(self) -> Spells:
        """Each account's runs of consecutive grid days in one stage."""
        codes = _account_codes(self.account_ids)
        order = np.lexsort((self.as_of.astype(np.int64), codes))
        account, stage = codes[order], self.stage[order]
        day = self.as_of[order].astype(np.int64)
        grid = np.array([day_of(d) for d in self.dates], dtype=np.int64)
        step = np.searchsorted(grid, day)
        new_account = np.r_[True, account[1:] != account[:-1]]
        gap = np.r_[True, step[1:] != step[:-1] + 1]  # an account missing on a grid day
        changed = np.r_[True, stage[1:] != stage[:-1]]
        begins = np.flatnonzero(new_account | gap | changed)[: len(order)]  # none: no rows
        ends = np.r_[begins[1:], len(order)][: len(begins)] - 1  # the last row of each spell
        last_step = step[ends]
        # the spell ended by the next grid day: the account was then in another stage, or
        # not there at all
        still = last_step == len(grid) - 1
        end = np.where(still, MISSING, grid[np.minimum(last_step + 1, len(grid) - 1)])
        return Spells(
            account_ids=self.account_ids[order][begins],
            stage=stage[begins],
            start=to_dates(day[begins]),
            end=to_dates(end.astype(np.int64)),
            left_censored=step[begins] == 0,
            right_censored=still,
        )

    def to_pandas(self) -> pd.DataFrame:
        """One row per account and day.

        Columns: ``account_id``, ``as_of``, ``stage``, ``flags`` (frozensets),
        ``entered_on``, ``previous_stage``, ``mrr``.

        Raises:
            MissingDependencyError: When pandas is not installed.
        """
        try:
            import pandas  # noqa: PLC0415 - an optional extra, imported only when asked
        except ImportError as error:  # pragma: no cover - the test extras install pandas
            msg = "to_pandas() needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from error
        names = list(self.flags)
        held = np.column_stack([self.flags[name] for name in names]) if names else None
        flags = [
            frozenset(name for name, on in zip(names, row) if on)
            for row in (held.tolist() if held is not None else [[]] * len(self))
        ]
        frame: pd.DataFrame = pandas.DataFrame(
            {
                "account_id": self.account_ids,
                "as_of": self.as_of,
                "stage": self.stage,
                "flags": flags,
                "entered_on": self.entered_on,
                "previous_stage": self.previous_stage,
                "mrr": self.mrr,
            }
        )
        return frame

    def __repr__(self) -> str:
        return (
            f"StageHistory({len(self.dates)} days from {self.dates[0]} to {self.dates[-1]}, "
            f"{len(self)} rows)"
            if self.dates
            else "StageHistory(no days)"
        )


def history(
    accounts: object,
    *,
    dates: Iterable[AsOf],
    milestones: object = (),
    health: PerDay = None,
    nps: object = None,
    usage: PerDay = None,
    contacts: object = (),
    revenue_changes: object = None,
    rules: LifecycleRules | None = None,
) -> StageHistory:
    """Stages on each of ``dates``, each day classified only from what was known then.

    Args:
        accounts: As in `classify`.
        dates: The grid days (dates, or instants taken at their UTC day), each once;
            they are classified in ascending order.
        milestones: As in `classify`: records dated on or after a day are not read for it.
        health: Per day, the `scoring.HealthScores` of that day: a mapping from day to
            scores (a day it lacks has no health input) or a function of the day.
        nps: As in `classify`.
        usage: Per day, the usage measures of that day, as ``health``.
        contacts: As in `classify`.
        revenue_changes: As in `classify`.
        rules: The rules; `LifecycleRules()` by default.

    Returns:
        The `StageHistory`: equal, day by day, to calling `classify` on each day with the
        previous day's assignments as ``previous`` (so ``Thresholds.min_dwell_days`` holds
        an account from one grid day to the next, its days counted between grid days).

    Raises:
        InvalidInputError: As `classify`; on no dates, one day or anything else that is
            not a list of days, a day given twice, or ``health`` or ``usage`` that is
            neither a mapping nor a function (one result for every day is refused).

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["a", "b"],
        ...     "start_date": ["2024-01-01", "2024-11-01"],
        ...     "end_date": [None, "2025-03-15"],
        ...     "renewal_date": ["2025-05-01", None],
        ... }
        >>> h = history(accounts, dates=[date(2025, 1, 1), date(2025, 2, 1), date(2025, 4, 1)])
        >>> h.counts()[date(2025, 4, 1)]
        {'churned': 1, 'renewal': 1}
        >>> h.spells().stage.tolist()
        ['engagement', 'renewal', 'onboarding', 'adoption', 'churned']
    """
    days = [to_date(day) for day in day_list(dates)]
    inputs = _tables(
        milestones=milestones,
        nps=nps,
        contacts=contacts,
        revenue_changes=revenue_changes,
    )
    per_day = {"health": _per_day(health, "health"), "usage": _per_day(usage, "usage")}
    chosen = check_rules(rules)
    # the accounts and milestones do not depend on the day: read and match them once
    read = read_for(accounts, chosen)
    steps = inputs["milestones"]
    if not (steps is None or (isinstance(steps, (tuple, list)) and not steps)):
        steps = read_milestones(steps, read.table["id"], index=read.index)
    previous: StageAssignments | None = None
    parts: list[StageAssignments] = []
    scope_before = np.empty(0, dtype=np.int64)
    for day in days:
        scope = in_scope(read.table, day_of(day))
        previous = classify_read(
            read,
            day=day_of(day),
            milestones=steps,
            health=per_day["health"](day),
            nps=inputs["nps"],
            usage=per_day["usage"](day),
            contacts=inputs["contacts"],
            revenue_changes=inputs["revenue_changes"],
            rules=chosen,
            previous=previous,
            previous_at=None if previous is None else _rows_in(scope_before, scope),
        )
        parts.append(previous)
        scope_before = scope
    return _stack(days, parts)


def _rows_in(before: IntArray, scope: IntArray) -> IntArray:
    """Each of ``scope``'s rows' position in ``before`` (-1: not there); both ascending.

    The days of a history classify rows of one accounts table, so the accounts of one
    day are found among the day before's by row number, not by matching ids.
    """
    if not len(before):
        return np.full(len(scope), -1, dtype=np.int64)
    at = np.searchsorted(before, scope).clip(0, len(before) - 1)
    found: IntArray = np.where(before[at] == scope, at, -1).astype(np.int64)
    return found


def _per_day(value: PerDay, name: str) -> Callable[[date], object]:
    if value is None:
        return lambda day: None
    # a MeasureTable is a mapping of columns, not of days: one table for every day
    if isinstance(value, Mapping) and not isinstance(cast("object", value), MeasureTable):
        lookup = {to_date(as_day(key, name)): item for key, item in value.items()}
        return lookup.get
    if callable(cast("object", value)):
        return cast("Callable[[date], object]", value)
    msg = (
        f"`{name}` must be a mapping from day to its result, or a function of the day, "
        f"got {type(value).__name__}; one result for every day would let early days see "
        "later data"
    )
    raise InvalidInputError(msg)


#: The model of each record input `history` reads once.
_MODELS: dict[str, type[Record]] = {
    "milestones": Milestone,
    "nps": SurveyResponse,
    "contacts": Contact,
    "revenue_changes": RevenueChange,
}


def _tables(**inputs: object) -> dict[str, object]:
    """Each record input read once into a `Table` (its present columns), or left empty."""
    out: dict[str, object] = {}
    for name, data in inputs.items():
        if data is None or (isinstance(data, (tuple, list)) and not data):
            out[name] = data
            continue
        model = _MODELS[name]
        fields = tuple(model.model_fields)
        out[name] = read_columns(data, model, need=(), optional=fields)
    return out


def _stack(days: Sequence[date], parts: Sequence[StageAssignments]) -> StageHistory:
    names = list(parts[0].flags)
    return StageHistory(
        dates=tuple(days),
        account_ids=np.concatenate([p.account_ids for p in parts]),
        as_of=np.concatenate([np.full(len(p), np.datetime64(p.as_of, "D")) for p in parts]).astype(
            "datetime64[D]"
        ),
        stage=np.concatenate([p.stage for p in parts]),
        flags={name: np.concatenate([p.flags[name] for p in parts]) for name in names},
        entered_on=np.concatenate([p.entered_on for p in parts]),
        previous_stage=np.concatenate([p.previous_stage for p in parts]),
        mrr=np.concatenate([p.mrr for p in parts]),
        rules_hash=parts[0].rules_hash,
    )


def _account_codes(ids: IdArray) -> IntArray:
    """Each row's account as a number, numbered in order of first appearance."""
    codes, _ = id_codes(ids)
    first = np.unique(codes, return_index=True)[1]
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out: IntArray = rank[codes]
    return out
