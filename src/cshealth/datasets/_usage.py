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
"""

from __future__ import annotations

import numpy as np

from cshealth._types import FloatArray, IntArray, ObjectArray
from cshealth.datasets._accounts import Firms
from cshealth.datasets._common import NO_DAY, Calendar, Columns, as_dates
from cshealth.datasets._world import History

__all__ = ["FEATURES", "usage_columns"]

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


def _mondays(calendar: Calendar) -> IntArray:
    """Mondays of the complete weeks inside the window."""
    first = calendar.start + (-(calendar.start + 3)) % 7  # day 0 was a Thursday
    return np.arange(first, calendar.as_of - 6, 7, dtype=np.int64)


def _season(monday: IntArray) -> FloatArray:
    """Holiday dip: 55% in the week of Dec 24-Jan 1, 90% in August."""
    stamp = monday.astype("datetime64[D]")
    month = stamp.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (stamp - stamp.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    holiday = ((month == 12) & (day >= 18)) | ((month == 1) & (day <= 1))
    return np.where(holiday, 0.55, np.where(month == 8, 0.9, 1.0))


def usage_columns(
    rng: np.random.Generator, calendar: Calendar, firms: Firms, history: History
) -> Columns:
    """Columns of the ``usage`` table, sorted by account and week."""
    monday = _mondays(calendar)
    month = calendar.period_of(monday)
    low, high = history.low[:, month], history.high[:, month]
    account, week = np.nonzero((low <= monday) & (monday < high))
    day, m = monday[week], month[week]
    end = history.end[account]
    cover = np.where((end != NO_DAY) & (end < day + 7), (end - day) / 7.0, 1.0)
    util = history.util[account, m]
    share = util * np.exp(WEEKLY_SIGMA * rng.standard_normal(len(account))) * _season(day)
    seats = history.seats[account, m]
    users = rng.binomial(seats, np.clip(share * cover, 0.0, 1.0)).astype(np.int64)
    logins = rng.poisson(users * (1.5 + 3.0 * util)).astype(np.int64)
    age = m - firms.cohort[account]
    adoption = util * (1 - np.exp(-(age + 0.5) / 4.0))
    return {
        "account_id": firms.ids[account],
        "day": as_dates(day),
        "active_users": users,
        "logins": logins,
        "feature_events": _events(rng, account, adoption, users, firms.plan[account]),
    }


def _events(
    rng: np.random.Generator,
    account: IntArray,
    adoption: FloatArray,
    users: IntArray,
    plan: IntArray,
) -> ObjectArray:
    """Feature events per row as dicts (only features used that week)."""
    n_accounts = int(account.max()) + 1 if len(account) else 0
    offset = 0.15 * rng.standard_normal((n_accounts, len(FEATURES)))
    counts = np.zeros((len(account), len(FEATURES)), dtype=np.int64)
    for j, (_, threshold, rate) in enumerate(FEATURES):
        used = adoption + offset[account, j] > threshold
        if FEATURES[j][0] == "api":
            used &= plan >= 1
        counts[:, j] = np.where(used, rng.poisson(users * rate), 0)
    names = [f[0] for f in FEATURES]
    out = np.empty(len(account), dtype=object)
    out[:] = [{k: v for k, v in zip(names, row) if v} for row in counts.tolist()]
    return out
