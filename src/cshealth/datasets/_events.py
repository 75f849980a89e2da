"""User-level product events: who did what, and when, in the last eight weeks.

``usage_events`` covers the `EVENT_DAYS` (56) days before ``as_of`` and every account on
the days it is a customer, in the world of the weekly ``usage`` table (same utilisation,
seats, plan, holiday dip and feature rule):

* an account has one user per seat, ``U-00042-001`` up to the most seats it has in the
  window (as many digits as the largest account needs, at least three); on a day the
  first ``seats`` of them are licensed (a contraction drops the highest numbers, an
  expansion adds new ones);
* user ``j`` has an activity propensity ``r[j] ~ Beta(1, 2)`` (most users casual, a
  few power users) and is active on a weekday with probability ``p[j] = min(1, lam r[j])``,
  on a weekend day with ``0.12 p[j]``. ``lam`` is solved for each account and day so that
  the expected share of licensed users active in a week,
  ``mean_j 1 - (1 - p[j])^5 (1 - 0.12 p[j])^2``, is the account's target share
  ``u(day) * season * w * fade``: the utilisation interpolated linearly between the
  middles of the months (so an account whose health falls loses users steadily), the
  usage table's holiday dip, a weekly lognormal wobble ``w`` (sigma 0.12) and, over the
  four weeks before an account churns, a fade from 1 down to 0.4 on its end date;
* an active user-day has ``1 + Poisson(r[j])`` events at uniform seconds of 08:00-18:00
  local time in the account's region;
* an event is a plain visit or login (``feature`` missing) with probability 0.3, else one
  of the features the account uses that month by the usage table's rule and offsets
  (`cshealth.datasets._usage.feature_use`) that the user has taken up (each with
  probability ``0.3 + 0.7 r[j]``), drawn in proportion to the usage table's event rates;
  a user who has taken up none of them only visits.

Rows are sorted by account, then instant, then user.
"""

from __future__ import annotations

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.datasets._accounts import Firms
from cshealth.datasets._common import SECOND_US, Calendar, TextArray, as_instants
from cshealth.datasets._tickets import REGION_UTC_OFFSET
from cshealth.datasets._usage import (
    FEATURES,
    OFFSET_SD,
    WEEKLY_SIGMA,
    adoption,
    feature_use,
    season,
)
from cshealth.datasets._world import History
from cshealth.io import Table, to_columns
from cshealth.io._read import checked_table
from cshealth.models import UsageEvent

__all__ = ["EVENT_DAYS", "event_table"]

#: Days of events before ``as_of``: eight weeks.
EVENT_DAYS = 56
#: A user's activity propensity ``r ~ Beta(a, b)``.
PROPENSITY = (1.0, 2.0)
#: Activity on a weekend day relative to a weekday.
WEEKEND = 0.12
#: Highest target share of users active in a week.
MAX_SHARE = 0.95
#: Before churning, activity fades over this many days down to this factor.
FADE_DAYS = 28
FADE_FLOOR = 0.4
#: Extra events of an active day: ``Poisson(EXTRA_EVENTS * r)``.
EXTRA_EVENTS = 1.0
#: Local working hours events fall in, ``[start, end)``.
WORK_HOURS = (8, 18)
#: Chance an event is a plain visit or login rather than a feature.
VISIT_SHARE = 0.3
#: A user takes up each feature the account uses with probability ``a + b r``.
TAKE_UP = (0.3, 0.7)
#: Grid of ``lam`` the weekly share is solved on (log-spaced).
_GRID = np.geomspace(1e-3, 1e3, 61)


def event_table(
    rng: np.random.Generator,
    calendar: Calendar,
    firms: Firms,
    history: History,
    *,
    offset: FloatArray,
) -> Table:
    """The ``usage_events`` table (``offset``: the usage table's feature offsets).

    Each user's ids and each feature name pass `to_columns` once; the rows index those
    checked values, so a large table costs a pointer per text cell and little time.
    """
    users, user, second, pick = _draw(rng, calendar, firms, history, offset)
    people = to_columns(
        {
            "account_id": firms.ids[users.account],
            "user_id": users.ids(firms),
            "occurred_at": np.zeros(len(users.account), dtype="datetime64[us]"),
            "feature": np.full(len(users.account), ""),
        },
        UsageEvent,
    )
    names = [f[0] for f in FEATURES] + [""]
    labels = to_columns(
        {
            "account_id": np.full(len(names), "A"),
            "user_id": np.full(len(names), "U"),
            "occurred_at": np.zeros(len(names), dtype="datetime64[us]"),
            "feature": np.array(names),
        },
        UsageEvent,
    )
    # Rows are made day by day, users in order within a day: a stable sort by
    # (account, second) orders by account, instant, then user.
    account = users.account[user]
    offset_second = second - second.min(initial=0)
    order = np.argsort(account * (offset_second.max(initial=0) + 1) + offset_second, kind="stable")
    user, second, pick = user[order], second[order], pick[order]
    columns = {
        "account_id": people["account_id"][user],
        "user_id": people["user_id"][user],
        "occurred_at": as_instants(second * SECOND_US),
        "feature": labels["feature"][pick],
    }
    # every cell is a value `to_columns` checked (or an instant made here): checked as a whole
    return checked_table(columns, UsageEvent)


def _draw(
    rng: np.random.Generator,
    calendar: Calendar,
    firms: Firms,
    history: History,
    offset: FloatArray,
) -> tuple[_Users, IntArray, IntArray, IntArray]:
    """The users, and each event's user, second (since 1970) and feature (index)."""
    days = np.arange(max(calendar.as_of - EVENT_DAYS, calendar.start), calendar.as_of)
    month = calendar.period_of(days)
    customer = (history.low[:, month] <= days) & (days < history.high[:, month])
    seats = np.where(customer, history.seats[:, month], 0)
    users = _Users.draw(rng, seats.max(axis=1, initial=0))
    target = _target(rng, calendar, history, days, customer)
    user, day = _active_days(rng, users, seats, _solve(users, seats, target), days)
    count = 1 + rng.poisson(EXTRA_EVENTS * users.propensity[user])
    user, day = np.repeat(user, count), np.repeat(day, count)
    account = users.account[user]
    local = rng.integers(WORK_HOURS[0] * 3600, WORK_HOURS[1] * 3600, size=len(user))
    second = day * 86_400 + local - np.take(REGION_UTC_OFFSET, firms.region[account]) * 3600
    months = np.unique(month)
    used = _feature_use(rng, firms, history, offset=offset, months=months)
    period = np.searchsorted(months, calendar.period_of(day))
    pick = _features(rng, used[account, period] & users.taken[user])
    return users, user, second, pick


class _Users:
    """Every account's users, numbered account by account (row ``i`` is one user)."""

    def __init__(self, first: IntArray, propensity: FloatArray, taken: BoolArray) -> None:
        self.first = first
        self.propensity = propensity
        self.taken = taken
        self.account = np.repeat(np.arange(len(first) - 1), np.diff(first))

    @classmethod
    def draw(cls, rng: np.random.Generator, per_account: IntArray) -> _Users:
        """``per_account[a]`` users for account ``a``, with propensities and take-up."""
        first = np.concatenate([[0], np.cumsum(per_account)]).astype(np.int64)
        propensity = rng.beta(*PROPENSITY, size=int(first[-1]))
        chance = TAKE_UP[0] + TAKE_UP[1] * propensity
        taken = rng.random((len(propensity), len(FEATURES))) < chance[:, None]
        return cls(first, propensity, taken)

    def ids(self, firms: Firms) -> TextArray:
        """``U-{account number}-{user number}``, e.g. ``U-00042-007`` (of ``A-00042``)."""
        if not len(self.account):  # numpy's string functions cannot size empty arrays
            return np.empty(0, dtype=np.str_)
        number = np.arange(len(self.account)) - self.first[self.account] + 1
        width = max(3, len(str(int(number.max()))))
        head = np.strings.add(np.strings.replace(firms.ids, "A-", "U-", 1), "-")
        return np.strings.add(head[self.account], np.strings.zfill(number.astype(np.str_), width))


def _weekly_share(p: FloatArray) -> FloatArray:
    """Chance a user active on a weekday with probability ``p`` is active in a week."""
    share: FloatArray = 1 - (1 - p) ** 5 * (1 - WEEKEND * p) ** 2
    return share


def _target(
    rng: np.random.Generator,
    calendar: Calendar,
    history: History,
    days: IntArray,
    customer: BoolArray,
) -> FloatArray:
    """Target weekly active share per account and day (accounts x days)."""
    monday = days - (days + 3) % 7  # day 0 was a Thursday
    week = (monday - monday[0]) // 7
    wobble = np.exp(WEEKLY_SIGMA * rng.standard_normal((len(customer), int(week[-1]) + 1)))
    share = _utilisation(calendar, history.util, days) * season(monday) * wobble[:, week]
    share *= _fade(customer, days)
    clipped: FloatArray = np.clip(share, 0.0, MAX_SHARE)
    return clipped


def _utilisation(calendar: Calendar, util: FloatArray, days: IntArray) -> FloatArray:
    """Monthly utilisation interpolated linearly between month middles (extrapolated)."""
    if calendar.months == 1:
        return np.repeat(util[:, :1], len(days), axis=1)
    middle = (calendar.bounds[:-1] + calendar.bounds[1:]) / 2
    left = np.clip(np.searchsorted(middle, days, side="right") - 1, 0, len(middle) - 2)
    weight = (days - middle[left]) / (middle[left + 1] - middle[left])
    values: FloatArray = (1 - weight) * util[:, left] + weight * util[:, left + 1]
    return np.clip(values, 0.0, 1.0)


def _fade(customer: BoolArray, days: IntArray) -> FloatArray:
    """Activity factor before a churn: down to `FADE_FLOOR` on the last day."""
    left = np.zeros(customer.shape)
    remaining = np.full(len(customer), np.inf)  # a customer on the last day has not churned
    for i in range(len(days) - 1, -1, -1):
        remaining = np.where(customer[:, i], remaining + 1, 0)
        left[:, i] = remaining
    fade: FloatArray = FADE_FLOOR + (1 - FADE_FLOOR) * np.minimum(left / FADE_DAYS, 1.0)
    return fade


def _solve(users: _Users, seats: IntArray, target: FloatArray) -> FloatArray:
    """``lam`` per account and day giving the target weekly share of the licensed users."""
    account, column = np.nonzero(seats)
    pairs, pair = np.unique(
        np.stack([account, seats[account, column]]), axis=1, return_inverse=True
    )
    member = _members(users.first[pairs[0]], pairs[1])
    r = users.propensity[member[0]]
    curve = np.empty((pairs.shape[1], len(_GRID)))
    size = pairs[1].astype(np.float64)
    for g, lam in enumerate(_GRID):
        weekly = _weekly_share(np.minimum(1.0, lam * r))
        curve[:, g] = np.bincount(member[1], weekly, pairs.shape[1]) / size
    lam = np.zeros(seats.shape)
    lam[account, column] = _invert(curve[pair.ravel()], target[account, column])
    return lam


def _members(first: IntArray, size: IntArray) -> tuple[IntArray, IntArray]:
    """The user rows ``first[k] .. first[k] + size[k] - 1`` of each group ``k``, and ``k``."""
    group = np.repeat(np.arange(len(size)), size)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    row: IntArray = first[group] + np.arange(len(group)) - start[group]
    return row, group


def _invert(curve: FloatArray, target: FloatArray) -> FloatArray:
    """``lam`` where each increasing ``curve`` (on `_GRID`) reaches ``target``, log-linearly."""
    above = (curve < target[:, None]).sum(axis=1)
    hi = np.clip(above, 1, len(_GRID) - 1)
    rows = np.arange(len(target))
    low_value, high_value = curve[rows, hi - 1], curve[rows, hi]
    step = np.clip((target - low_value) / np.maximum(high_value - low_value, 1e-12), 0.0, 1.0)
    lam = np.exp(np.log(_GRID[hi - 1]) + step * np.log(_GRID[1] / _GRID[0]))
    below = target / np.maximum(curve[:, 0], 1e-12) * _GRID[0]  # linear near 0
    solved: FloatArray = np.where(above == 0, below, lam)
    return solved


def _active_days(
    rng: np.random.Generator, users: _Users, seats: IntArray, lam: FloatArray, days: IntArray
) -> tuple[IntArray, IntArray]:
    """Every (user, day) on which a licensed user is active, day by day."""
    picked: list[IntArray] = []
    on: list[IntArray] = []
    for i, day in enumerate(days.tolist()):
        account = np.flatnonzero(seats[:, i])
        member, group = _members(users.first[account], seats[account, i])
        weekend = (day + 3) % 7 >= 5
        p = np.minimum(1.0, lam[account[group], i] * users.propensity[member])
        active = member[rng.random(len(member)) < p * (WEEKEND if weekend else 1.0)]
        picked.append(active)
        on.append(np.full(len(active), day, dtype=np.int64))
    return np.concatenate(picked), np.concatenate(on)


def _feature_use(
    rng: np.random.Generator,
    firms: Firms,
    history: History,
    *,
    offset: FloatArray,
    months: IntArray,
) -> BoolArray:
    """Features each account uses in each of ``months`` (accounts x months x features).

    ``offset`` holds the usage table's offsets; accounts past its rows get new ones.
    """
    extra = OFFSET_SD * rng.standard_normal((firms.n - len(offset), len(FEATURES)))
    offsets = np.concatenate([offset, extra])
    account = np.repeat(np.arange(firms.n), len(months))
    m = np.tile(months, firms.n)
    adopted = adoption(history.util[account, m], m - firms.cohort[account])
    used = feature_use(adopted, offsets[account], firms.plan[account])
    return used.reshape(firms.n, len(months), len(FEATURES))


def _features(rng: np.random.Generator, allowed: BoolArray) -> IntArray:
    """Per event, a feature allowed (its index, drawn by rate) or a visit (`len(FEATURES)`)."""
    visit = len(FEATURES)
    total = np.zeros(len(allowed))
    for j, (_, _, rate) in enumerate(FEATURES):
        total += rate * allowed[:, j]
    draw = rng.random(len(allowed)) * total
    pick = np.full(len(allowed), visit, dtype=np.int64)
    reached = np.zeros(len(allowed))
    for j, (_, _, rate) in enumerate(FEATURES):
        reached += rate * allowed[:, j]
        pick[(pick == visit) & allowed[:, j] & (draw < reached)] = j
    pick[rng.random(len(allowed)) < VISIT_SHARE] = visit
    return pick
