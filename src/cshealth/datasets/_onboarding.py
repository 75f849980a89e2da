"""Onboarding milestones and success-plan goals.

Each account follows the same onboarding plan (`PLAN`). How it goes depends on an
*execution* score ``e = z + 0.5 * h0`` (``z`` standard normal, ``h0`` the health at
signing): each step slips by ``Exp(1) * 5 * exp(-0.6 e) - 2`` days on top of 60% of the
previous step's slip, and with probability ``sigmoid(-3.2 - 0.9 e)`` onboarding gets stuck
at one step and never finishes. The plan is drawn before the monthly simulation, because
the *onboarding lag* (go-live days late / 30, between 0 and 3; 3 when stuck) lowers
health and raises the churn hazard; what is *recorded* is cut at ``as_of`` and at churn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.datasets._common import NO_DAY, Columns, TextArray, as_dates, make_ids, sigmoid
from cshealth.datasets._vocab import GOALS

__all__ = ["GO_LIVE", "PLAN", "Onboarding", "goal_columns", "milestone_columns", "plan_onboarding"]

#: The onboarding plan: (name, due days after start, required, marks first value).
PLAN = (
    ("kickoff call", 7, True, False),
    ("integration live", 30, True, False),
    ("first report shared", 45, True, True),
    ("admin training", 60, True, False),
    ("go-live", 90, True, False),
    ("executive business review", 120, False, False),
)
#: Position of the go-live milestone in `PLAN`.
GO_LIVE = 4
#: Onboarding is troubled when go-live is this many days late (or never happens).
TROUBLE_DAYS = 30
#: The onboarding lag is go-live days late over this, capped at `MAX_LAG`.
LAG_DAYS = 30.0
MAX_LAG = 3.0
#: Mean slip per step (days) at average execution, and the carry-over of earlier slips.
SLIP_SCALE = 5.0
SLIP_CARRY = 0.6
#: Where a stuck onboarding stops (integration is the usual culprit).
STUCK_AT = (0.0, 0.45, 0.2, 0.15, 0.2)


@dataclass(frozen=True)
class Onboarding:
    """Planned start and completion day of every milestone (rows accounts, columns steps).

    `NO_DAY` where a step never starts or never completes, before any cut-off.
    """

    due: IntArray
    started: IntArray
    completed: IntArray
    execution: FloatArray

    @property
    def lag(self) -> FloatArray:
        """Go-live days late / 30, in ``[0, 3]``; 3 when onboarding is stuck."""
        done = self.completed[:, GO_LIVE]
        late = np.clip((done - self.due[:, GO_LIVE]) / LAG_DAYS, 0.0, MAX_LAG)
        lag: FloatArray = np.where(done == NO_DAY, MAX_LAG, late)
        return lag

    @property
    def trouble(self) -> BoolArray:
        """Stuck, or go-live more than `TROUBLE_DAYS` days late."""
        done = self.completed[:, GO_LIVE]
        late = done - self.due[:, GO_LIVE] > TROUBLE_DAYS
        troubled: BoolArray = (done == NO_DAY) | late
        return troubled


def plan_onboarding(rng: np.random.Generator, start: IntArray, health: FloatArray) -> Onboarding:
    """Draw how each account's onboarding plays out (ignoring churn and ``as_of``)."""
    n, steps = len(start), len(PLAN)
    execution = rng.standard_normal(n) + 0.5 * health
    due = start[:, None] + np.array([step[1] for step in PLAN], dtype=np.int64)
    slip = rng.exponential(1.0, (n, steps)) * SLIP_SCALE * np.exp(-0.6 * execution)[:, None]
    started = np.empty((n, steps), dtype=np.int64)
    completed = np.empty((n, steps), dtype=np.int64)
    carried = np.zeros(n)
    previous = start.copy()
    for j in range(steps):
        carried = SLIP_CARRY * carried + slip[:, j] - 2.0
        started[:, j] = previous if j < steps - 1 else completed[:, GO_LIVE]
        done = np.maximum(due[:, j] + np.rint(carried).astype(np.int64), started[:, j] + 1)
        completed[:, j] = done
        previous = done
    _stick(rng, execution, started, completed)
    return Onboarding(due=due, started=started, completed=completed, execution=execution)


def _stick(
    rng: np.random.Generator, execution: FloatArray, started: IntArray, completed: IntArray
) -> None:
    """Stop some onboardings at one step for good; leave the optional step undone often."""
    n, steps = len(started), int(started.shape[1])
    stuck = rng.random(n) < sigmoid(-3.2 - 0.9 * execution)
    where = rng.choice(len(STUCK_AT), size=n, p=STUCK_AT)
    step = np.arange(steps)[None, :]
    hold = stuck[:, None] & (step >= where[:, None])
    completed[hold] = NO_DAY
    started[hold & (step > where[:, None])] = NO_DAY
    skip = (rng.random(n) > sigmoid(0.3 + execution)) | (completed[:, GO_LIVE] == NO_DAY)
    completed[skip, -1] = NO_DAY
    started[completed[:, GO_LIVE] == NO_DAY, -1] = NO_DAY


def cut(days: IntArray, cutoff: IntArray) -> IntArray:
    """Days on or after the account's cut-off (``as_of`` or churn) become missing."""
    return np.where(days < cutoff, days, NO_DAY)


def milestone_columns(plan: Onboarding, account_ids: TextArray, cutoff: IntArray) -> Columns:
    """Columns of the ``milestones`` table, recorded up to each account's cut-off day."""
    n, steps = plan.due.shape
    started = cut(plan.started, cutoff[:, None])
    completed = np.where(started == NO_DAY, NO_DAY, cut(plan.completed, cutoff[:, None]))
    return {
        "id": make_ids("M-", n * steps, max(6, len(str(n * steps)))),
        "account_id": np.repeat(account_ids, steps),
        "name": np.tile(np.array([step[0] for step in PLAN]), n),
        "required": np.tile(np.array([step[2] for step in PLAN]), n),
        "due_date": as_dates(plan.due.ravel()),
        "started_on": as_dates(started.ravel()),
        "completed_on": as_dates(completed.ravel()),
        "marks_first_value": np.tile(np.array([step[3] for step in PLAN]), n),
    }


def goal_columns(
    rng: np.random.Generator,
    account_ids: TextArray,
    *,
    start: IntArray,
    count: IntArray,
    drive: FloatArray,
    cutoff: IntArray,
    as_of: int,
) -> Columns:
    """Columns of the ``goals`` table: ``count`` goals per account.

    A goal is set 7-45 days after signing (never on or after ``as_of``), targets 3-12
    months later, and is achieved with probability ``sigmoid(drive)`` after 50-130% of
    the planned time, if that is before the account's cut-off.
    """
    owner = np.repeat(np.arange(len(start)), count)
    rows = len(owner)
    first = np.r_[0, np.cumsum(count)[:-1]]
    rank = np.arange(rows) - np.repeat(first, count)
    alive = as_of - start[owner]
    set_on = start[owner] + np.minimum(rng.integers(7, 46, size=rows) + 10 * rank, alive - 1)
    horizon = rng.choice(np.array([91, 182, 273, 365]), size=rows)
    took = np.rint(horizon * rng.uniform(0.5, 1.3, size=rows)).astype(np.int64)
    reached = rng.random(rows) < sigmoid(drive[owner])
    achieved = np.where(reached, cut(set_on + took, cutoff[owner]), NO_DAY)
    name = (rng.integers(0, len(GOALS), size=len(start))[owner] + rank) % len(GOALS)
    return {
        "id": make_ids("G-", rows, max(5, len(str(rows)))),
        "account_id": account_ids[owner],
        "name": np.array(GOALS)[name],
        "set_on": as_dates(set_on),
        "target_date": as_dates(set_on + horizon),
        "achieved_on": as_dates(achieved),
    }
