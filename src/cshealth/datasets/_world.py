"""The monthly simulation: churn, expansion, contraction, reactivation, champions.

Every month each account's latent health moves (`cshealth.datasets._drivers`) and
the drivers a health score looks at follow from it. The monthly churn hazard is logistic
in them::

    logit p = b[segment] + 3.0 [renewal month] - 0.5 h - 2.5 (u - 0.6) - 2.0 (u - u[m-3])
              + 2.5 (p_detractor - 0.25) - 0.8 q + 0.8 lag [age <= 24]
              + 1.2 [champion left in the last 6 months, not yet replaced]

with ``b = (-5.8, -6.4, -7.2)`` for smb, mid-market and enterprise, ``lag`` the onboarding
lag (go-live days late / 30, 0-3, 3 if stuck), and churn only from
the third month after (re)activation. Churn at renewal ends the contract on its
anniversary (contracts are annual), other churn falls on a uniform day of the month.

Expansion and contraction, at most one a month and only for accounts that stay::

    logit p_expand   = -4.3 + 2.6 [renewal month] + 0.8 h + 3.0 (u - 0.65)
    logit p_contract = -6.0 + 3.0 [renewal month] - 0.8 h - 2.0 (u - 0.5)

Expansion adds 10-60% seats (and moves 30% of starter plans to growth at renewal),
contraction removes 10-45%; MRR follows the seats. Champions leave with probability
``sigmoid(-4.3 - 0.4 h)`` a month (once), and 55% are replaced 20-120 days later.
Churned accounts come back with probability ``0.024 * sigmoid(h)`` a month for 18 months,
with 50-100% of their former seats and a health boost of 0.8.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.datasets._accounts import SEAT_PRICE, Firms
from cshealth.datasets._common import NO_DAY, Calendar, add_months, draw_day, sigmoid
from cshealth.datasets._drivers import (
    CHAMPION_SHOCK,
    Drivers,
    detractor_chance,
    draw_drivers,
    evolve,
    utilisation,
)
from cshealth.datasets._onboarding import Onboarding

__all__ = ["History", "simulate"]

#: Mid-term churn baseline (logit) by segment, and the lift in a renewal month.
CHURN_BASE = (-5.8, -6.4, -7.2)
RENEWAL_LIFT = 3.0
#: Months after (re)activation before an account can churn (onboarding time).
GRACE_MONTHS = 3
#: How long a champion's departure weighs on the hazard, and the chance of a replacement.
CHAMPION_MONTHS = 6
CHAMPION_REPLACED = 0.55
#: Reactivation: chance a month is ``REACTIVATION_RATE * sigmoid(h)`` for 18 months.
REACTIVATION_RATE = 0.024
REACTIVATION_MONTHS = 18
REACTIVATION_BOOST = 0.8


@dataclass
class _State:
    """Per-account state carried from month to month."""

    health: FloatArray
    seats: IntArray
    mrr: FloatArray
    plan: IntArray
    active: BoolArray
    since: IntArray
    churned: IntArray
    end: IntArray
    first_end: IntArray
    left: IntArray
    left_month: IntArray
    back: IntArray
    shock: FloatArray
    events: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    """What the simulation produced: monthly matrices (accounts x months) and final state."""

    health: FloatArray
    util: FloatArray
    detractor: FloatArray
    seats: IntArray
    low: IntArray
    high: IntArray
    renewal: IntArray
    support: FloatArray
    sentiment: FloatArray
    adoption: FloatArray
    changes: tuple[IntArray, IntArray, FloatArray]
    end: IntArray
    first_end: IntArray
    champion_left: IntArray
    champion_back: IntArray
    mrr: FloatArray
    final_seats: IntArray
    plan: IntArray


@dataclass(frozen=True)
class _Run:
    """Everything one simulation step reads and writes."""

    calendar: Calendar
    firms: Firms
    fixed: Drivers
    renewal: IntArray
    state: _State
    grids: dict[str, FloatArray]
    ints: dict[str, IntArray]

    def span(self, m: int) -> tuple[int, int]:
        """First day of month ``m`` and first day after it."""
        return int(self.calendar.bounds[m]), int(self.calendar.bounds[m + 1])


def simulate(
    rng: np.random.Generator, calendar: Calendar, firms: Firms, onboarding: Onboarding
) -> History:
    """Run the accounts through the calendar's months."""
    shape = (firms.n, calendar.months)
    run = _Run(
        calendar=calendar,
        firms=firms,
        fixed=draw_drivers(rng, onboarding.lag),
        renewal=_renewal_days(calendar, firms.start),
        state=_start_state(firms),
        grids={name: np.zeros(shape) for name in ("health", "util", "detractor")},
        ints={name: np.zeros(shape, dtype=np.int64) for name in ("seats", "low", "high")},
    )
    for m in range(calendar.months):
        _month(rng, run, m)
    state, fixed = run.state, run.fixed
    return History(
        health=run.grids["health"],
        util=run.grids["util"],
        detractor=run.grids["detractor"],
        seats=run.ints["seats"],
        low=run.ints["low"],
        high=run.ints["high"],
        renewal=run.renewal,
        support=fixed.support,
        sentiment=fixed.sentiment,
        adoption=fixed.adoption,
        changes=_changes(firms, state),
        end=np.where(state.active, NO_DAY, state.end),
        first_end=state.first_end,
        champion_left=state.left,
        champion_back=state.back,
        mrr=np.where(state.active, state.mrr, 0.0),
        final_seats=state.seats,
        plan=state.plan,
    )


def _start_state(firms: Firms) -> _State:
    n = firms.n
    return _State(
        health=firms.health.copy(),
        seats=firms.seats.copy(),
        mrr=firms.mrr.copy(),
        plan=firms.plan.copy(),
        active=np.zeros(n, dtype=bool),
        since=np.zeros(n, dtype=np.int64),
        churned=np.full(n, -1, dtype=np.int64),
        end=np.full(n, NO_DAY, dtype=np.int64),
        first_end=np.full(n, NO_DAY, dtype=np.int64),
        left=np.full(n, NO_DAY, dtype=np.int64),
        left_month=np.full(n, -CHAMPION_MONTHS - 1, dtype=np.int64),
        back=np.full(n, NO_DAY, dtype=np.int64),
        shock=np.zeros(n),
    )


def _renewal_days(calendar: Calendar, start: IntArray) -> IntArray:
    """Anniversary of the start day in the month it falls in (`NO_DAY` elsewhere)."""
    n, months = len(start), calendar.months
    grid = np.full((n, months), NO_DAY, dtype=np.int64)
    for year in range(1, months // 12 + 2):
        day = add_months(start, 12 * year)
        period = calendar.period_of(day)
        inside = (period >= 0) & (period < months)
        grid[np.flatnonzero(inside), period[inside]] = day[inside]
    return grid


def _month(rng: np.random.Generator, run: _Run, m: int) -> None:
    """Advance every account by one month and record the month."""
    firms, fixed, state = run.firms, run.fixed, run.state
    first, last = run.span(m)
    age = m - firms.cohort
    new = age == 0
    was_active = state.active.copy()
    state.health = evolve(rng, state.health, age, fixed, state.shock)
    state.shock = np.zeros(firms.n)
    state.health[new] = firms.health[new]
    util = utilisation(state.health, fixed.adoption, age)
    detractor = detractor_chance(state.health, fixed.sentiment)
    back = _reactivate(rng, run, m, was_active)
    low = np.where(back >= 0, back, np.where(new, firms.start, first))
    state.active |= new
    state.since[new] = m
    present = was_active | new | (back >= 0)
    drivers = (util, detractor, run.grids["util"][:, max(m - GRACE_MONTHS, 0)])
    high = _churn(rng, run, m, drivers, present)
    _champion(rng, run, m, (low, high), present)
    _resize(rng, run, m, util, present & (high == last) & ~new)
    run.grids["health"][:, m] = state.health
    run.grids["util"][:, m] = util
    run.grids["detractor"][:, m] = detractor
    run.ints["seats"][:, m] = state.seats
    run.ints["low"][:, m] = np.where(present, low, first)
    run.ints["high"][:, m] = np.where(present, high, first)


def _reactivate(rng: np.random.Generator, run: _Run, m: int, was_active: BoolArray) -> IntArray:
    """Bring some churned accounts back; their day (or -1) for every account."""
    state, (first, last) = run.state, run.span(m)
    n = len(was_active)
    gone = m - state.churned
    eligible = ~was_active & (state.churned >= 0) & (gone >= 1) & (gone <= REACTIVATION_MONTHS)
    chosen = eligible & (rng.random(n) < REACTIVATION_RATE * sigmoid(state.health))
    idx = np.flatnonzero(chosen)
    day = draw_day(rng, np.full(len(idx), first), np.full(len(idx), last))
    ratio = rng.uniform(0.5, 1.0, size=len(idx))
    seats = np.maximum(1, np.rint(state.seats[idx] * ratio)).astype(np.int64)
    state.mrr[idx] = np.round(state.mrr[idx] * seats / state.seats[idx], 2)
    state.seats[idx] = seats
    state.health[idx] += REACTIVATION_BOOST
    state.active[idx] = True
    state.since[idx] = m
    state.events.append((idx, day, state.mrr[idx].copy()))
    out = np.full(n, -1, dtype=np.int64)
    out[idx] = day
    return out


def _hazard(
    run: _Run, m: int, first: int, drivers: tuple[FloatArray, FloatArray, FloatArray]
) -> FloatArray:
    """Logit of the monthly churn probability, without the renewal lift."""
    firms, fixed, state = run.firms, run.fixed, run.state
    util, detractor, before = drivers
    unreplaced = (state.back == NO_DAY) | (state.back >= first)
    recent = (state.left != NO_DAY) & (m - state.left_month <= CHAMPION_MONTHS) & unreplaced
    logit: FloatArray = (
        np.take(CHURN_BASE, firms.segment)
        - 0.5 * state.health
        - 2.5 * (util - 0.6)
        - 2.0 * (util - before)
        + 2.5 * (detractor - 0.25)
        - 0.8 * fixed.support
        + 0.8 * fixed.lag * (m - firms.cohort <= 24)
        + 1.2 * recent
    )
    return logit


def _churn(
    rng: np.random.Generator,
    run: _Run,
    m: int,
    drivers: tuple[FloatArray, FloatArray, FloatArray],
    present: BoolArray,
) -> IntArray:
    """Decide who churns this month; the day each account stops being a customer."""
    state, n, (first, last) = run.state, run.firms.n, run.span(m)
    renewal = run.renewal[:, m]
    at_renewal = renewal != NO_DAY
    logit = _hazard(run, m, first, drivers) + RENEWAL_LIFT * at_renewal
    exposed = present & (m - state.since >= GRACE_MONTHS)
    leaving = exposed & (rng.random(n) < sigmoid(logit))
    day = np.where(at_renewal, renewal, draw_day(rng, np.full(n, first), np.full(n, last)))
    idx = np.flatnonzero(leaving)
    state.active[idx] = False
    state.churned[idx] = m
    state.end[idx] = day[idx]
    state.first_end[idx] = np.where(state.first_end[idx] == NO_DAY, day[idx], state.first_end[idx])
    state.events.append((idx, day[idx], np.zeros(len(idx))))
    return np.where(leaving, day, last)


def _champion(
    rng: np.random.Generator,
    run: _Run,
    m: int,
    span: tuple[IntArray, IntArray],
    present: BoolArray,
) -> None:
    """Champions leave with probability ``sigmoid(-4.3 - 0.4 h)`` a month, once at most."""
    state, (low, high) = run.state, span
    n = len(low)
    leaving = present & (high > low) & (state.left == NO_DAY)
    leaving &= rng.random(n) < sigmoid(-4.3 - 0.4 * state.health)
    day = draw_day(rng, low, high)
    replaced = rng.random(n) < CHAMPION_REPLACED
    back = day + rng.integers(20, 121, size=n)
    state.left = np.where(leaving, day, state.left)
    state.left_month = np.where(leaving, m, state.left_month)
    state.back = np.where(leaving & replaced, back, state.back)
    state.shock = np.where(leaving, CHAMPION_SHOCK, 0.0)


def _resize(
    rng: np.random.Generator, run: _Run, m: int, util: FloatArray, staying: BoolArray
) -> None:
    """Expansion (healthy, seats well used) and contraction (unhealthy), one at most."""
    state, (first, last) = run.state, run.span(m)
    n = len(util)
    renewal = run.renewal[:, m]
    at_renewal = renewal != NO_DAY
    h = state.health
    grow = sigmoid(-4.3 + 2.6 * at_renewal + 0.8 * h + 3.0 * (util - 0.65))
    shrink = sigmoid(-6.0 + 3.0 * at_renewal - 0.8 * h - 2.0 * (util - 0.5))
    draw = rng.random(n)
    eligible = staying & (m - state.since >= 1)
    expand = eligible & (draw < grow)
    contract = eligible & ~expand & (draw < grow + shrink) & (state.seats > 1)
    factor = np.where(expand, 1 + rng.uniform(0.1, 0.6, n), rng.uniform(0.55, 0.9, n))
    seats = np.where(expand, np.ceil(state.seats * factor), np.floor(state.seats * factor))
    seats = np.maximum(seats, 1).astype(np.int64)
    upgrade = expand & at_renewal & (state.plan == 0) & (rng.random(n) < 0.3)
    price = np.where(upgrade, SEAT_PRICE[1] / SEAT_PRICE[0], 1.0)
    day = np.where(at_renewal, renewal, draw_day(rng, np.full(n, first), np.full(n, last)))
    idx = np.flatnonzero(expand | contract)
    state.mrr[idx] = np.round(state.mrr[idx] * seats[idx] / state.seats[idx] * price[idx], 2)
    state.seats[idx] = seats[idx]
    state.plan[idx] += upgrade[idx]
    state.events.append((idx, day[idx], state.mrr[idx].copy()))


def _changes(firms: Firms, state: _State) -> tuple[IntArray, IntArray, FloatArray]:
    """Every MRR change: signing, then the monthly events, sorted by account and day."""
    accounts = np.concatenate([np.arange(firms.n), *(e[0] for e in state.events)])
    days = np.concatenate([firms.start, *(e[1] for e in state.events)])
    mrr = np.concatenate([firms.mrr, *(e[2] for e in state.events)])
    order = np.lexsort((days, accounts))
    return accounts[order], days[order], mrr[order]
