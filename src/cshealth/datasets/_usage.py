"""Weekly product usage: active users, logins and feature events.

One row per account and complete week (``day`` is the Monday; a week is recorded once
it has ended before ``as_of``) while the account is a customer on that Monday:

* ``active_users ~ Binomial(seats, u * w * season)`` with ``u`` the month's expected
  utilisation, ``w`` a weekly lognormal wobble (sigma 0.12) and fewer users in the
  year-end holidays and in August; in the week an account churns the counts cover only
  its remaining days;
* ``logins ~ Poisson(active_users * (1.5 + 3 u))``;
* feature ``f`` is used in a week when the account's adoption ``u * (1 - exp(-(age + 0.5)
  / 4))`` plus a per-account offset ``N(0, 0.15)`` passes the feature's threshold
  (`FEATURES`), so breadth grows as accounts mature; the API needs a growth or
  enterprise plan. Events are ``Poisson(active_users * rate[f])``.

The user-level ``usage_events`` (`cshealth.datasets._events`) follow the same rule with
the same offsets (`Usage.offset`, `feature_use`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray
from cshealth.datasets._accounts import Firms
from cshealth.datasets._common import NO_DAY, Calendar, Columns, as_dates
from cshealth.datasets._world import History

__all__ = ["FEATURES", "Usage", "adoption", "draw_usage", "feature_use", "season"]

#: (feature, adoption threshold, events per active user and week).
FEATURES = (
    ("reports", 0.10, 3.0),
    ("dashboards", 0.25, 5.0),
    ("exports", 0.35, 1.0),
    ("alerts", 0.45, 2.0),
    ("integrations", 0.55, 4.0),
    ("api", 0.65, 12.0),
)
WEEKLY_SIGMA = 0.12
#: Spread of an account's own offset to its adoption, per feature.
OFFSET_SD = 0.15
#: The plan a feature needs at least (index into ``PLANS``): the API needs growth.
MIN_PLAN = {"api": 1}


@dataclass(frozen=True)
class Usage:
    """The ``usage`` table's columns and the per-account feature offsets behind them.

    ``offset`` has a row for every account up to the last one with a usage row.
    """

    columns: Columns
    offset: FloatArray


def _mondays(calendar: Calendar) -> IntArray:
    """Mondays of the complete weeks inside the window."""
    first = calendar.start + (-(calendar.start + 3)) % 7  # day 0 was a Thursday
    return np.arange(first, calendar.as_of - 6, 7, dtype=np.int64)


def season(monday: IntArray) -> FloatArray:
    """Holiday dip: 55% in the week of Dec 24-Jan 1, 90% in August."""
    stamp = monday.astype("datetime64[D]")
    month = stamp.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (stamp - stamp.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    holiday = ((month == 12) & (day >= 18)) | ((month == 1) & (day <= 1))
    return np.where(holiday, 0.55, np.where(month == 8, 0.9, 1.0))


def adoption(util: FloatArray, age: IntArray) -> FloatArray:
    """An account's feature adoption in a month: utilisation, ramped up with age (months)."""
    ramped: FloatArray = util * (1 - np.exp(-(age + 0.5) / 4.0))
    return ramped


def feature_use(adopted: FloatArray, offset: FloatArray, plan: IntArray) -> BoolArray:
    """Which `FEATURES` are in use: ``adopted + offset`` over each threshold, plan allowing.

    ``adopted`` and ``plan`` (the plan at signing) hold one value per row, ``offset`` one
    row of per-feature offsets per row; the result has a column per feature.
    """
    threshold = np.array([f[1] for f in FEATURES])
    need = np.array([MIN_PLAN.get(f[0], 0) for f in FEATURES])
    used: BoolArray = (adopted[:, None] + offset > threshold) & (plan[:, None] >= need)
    return used


def draw_usage(
    rng: np.random.Generator, calendar: Calendar, firms: Firms, history: History
) -> Usage:
    """The ``usage`` table (sorted by account and week) and its feature offsets."""
    monday = _mondays(calendar)
    month = calendar.period_of(monday)
    low, high = history.low[:, month], history.high[:, month]
    account, week = np.nonzero((low <= monday) & (monday < high))
    day, m = monday[week], month[week]
    end = history.end[account]
    cover = np.where((end != NO_DAY) & (end < day + 7), (end - day) / 7.0, 1.0)
    util = history.util[account, m]
    share = util * np.exp(WEEKLY_SIGMA * rng.standard_normal(len(account))) * season(day)
    seats = history.seats[account, m]
    users = rng.binomial(seats, np.clip(share * cover, 0.0, 1.0)).astype(np.int64)
    logins = rng.poisson(users * (1.5 + 3.0 * util)).astype(np.int64)
    adopted = adoption(util, m - firms.cohort[account])
    n_offsets = int(account.max()) + 1 if len(account) else 0
    offset = OFFSET_SD * rng.standard_normal((n_offsets, len(FEATURES)))
    used = feature_use(adopted, offset[account], firms.plan[account])
    columns = {
        "account_id": firms.ids[account],
        "day": as_dates(day),
        "active_users": users,
        "logins": logins,
        "feature_events": _events(rng, used, users),
    }
    return Usage(columns, offset)


def _events(rng: np.random.Generator, used: BoolArray, users: IntArray) -> ObjectArray:
    """Feature events per row as dicts (only features used that week)."""
    counts = np.zeros((len(users), len(FEATURES)), dtype=np.int64)
    for j, (_, _, rate) in enumerate(FEATURES):
        counts[:, j] = np.where(used[:, j], rng.poisson(users * rate), 0)
    names = [f[0] for f in FEATURES]
    out = np.empty(len(users), dtype=object)
    out[:] = [{k: v for k, v in zip(names, row) if v} for row in counts.tolist()]
    return out
