"""Support tickets: volume, channels, priorities and realistic response times.

An account raises ``Poisson(rate[segment] * exp(-0.35 h) * (1 + 1.2 exp(-age / 1.5)))``
tickets a month while it is a customer (more when unhealthy and right after signing),
on business days and in business hours of its region more often than not. Times are
lognormal by channel and scale with priority and the account's support quality ``q``:

* email, web: first reply after the desk opens (08:00-18:00 local, Monday-Friday) plus a
  lognormal wait (median 2.5 h / 3 h), resolution a median 20 h / 26 h later;
* chat, phone: a queue wait (median 45 s / 75 s; long waits are abandoned), an answer
  seconds after pickup, resolution in minutes unless escalated (20%, median a day);
* messaging: asynchronous, median 20 min to the first reply, 5 h to resolve.

First replies take ``exp(-0.6 q)`` and resolutions ``exp(-0.3 q)`` times as long.
Tickets are reopened with probability ``sigmoid(-2.7 - 0.4 q - 0.3 h)``; a few are
flagged delighted or service-qualified leads. Anything after ``as_of`` is not yet known:
such replies and resolutions are missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.datasets._accounts import Firms
from cshealth.datasets._common import (
    DAY_US,
    HOUR_US,
    NO_DAY,
    SECOND_US,
    Calendar,
    Columns,
    as_instants,
    draw_category,
    draw_day,
    lognormal,
    make_ids,
    sigmoid,
)
from cshealth.datasets._world import History

__all__ = ["CHANNELS", "Tickets", "draw_tickets"]

CHANNELS = ("email", "web", "chat", "phone", "messaging")
#: Channel mix by segment.
CHANNEL_SHARE = (
    (0.36, 0.24, 0.28, 0.07, 0.05),
    (0.40, 0.20, 0.25, 0.10, 0.05),
    (0.42, 0.15, 0.18, 0.20, 0.05),
)
PRIORITIES = ("low", "normal", "high", "urgent")
#: Tickets a month by segment at average health.
TICKET_RATE = (0.45, 1.2, 3.5)
#: Median seconds to the first reply (email, web, messaging) or in the queue (chat, phone).
FIRST_MEDIAN = (2.5 * 3600, 3.0 * 3600, 45.0, 75.0, 20 * 60.0)
#: Median seconds from the first reply to resolution.
RESOLVE_MEDIAN = (20 * 3600.0, 26 * 3600.0, 15 * 60.0, 12 * 60.0, 5 * 3600.0)
#: Time multiplier by priority (low, normal, high, urgent).
PRIORITY_PACE = (1.5, 1.0, 0.6, 0.3)
#: Region offsets from UTC in hours (north_america, emea, apac, latam).
REGION_UTC_OFFSET = (-5, 1, 8, -3)
OPEN_HOUR = 8
CLOSE_HOUR = 18


@dataclass(frozen=True)
class Tickets:
    """Ticket arrays (instants in microseconds, `NO_DAY` when missing)."""

    account: IntArray
    month: IntArray
    resolved: IntArray
    slowness: FloatArray
    reopened: IntArray
    abandoned: BoolArray
    columns: Columns


def draw_tickets(
    rng: np.random.Generator, calendar: Calendar, firms: Firms, history: History
) -> Tickets:
    """Draw every ticket of every account in the window."""
    account, month, created = _arrivals(rng, calendar, firms, history)
    n = len(account)
    h = history.health[account, month]
    q = history.support[account]
    channel = draw_category(rng, np.array(CHANNEL_SHARE)[firms.segment[account]])
    urgency = rng.standard_normal(n) - 0.4 * h + 0.3 * (firms.segment[account] == 2)
    priority = np.searchsorted(np.array([-0.84, 0.84, 1.64]), urgency).astype(np.int64)
    offset = np.take(REGION_UTC_OFFSET, firms.region[account]) * HOUR_US
    pace = np.take(PRIORITY_PACE, priority)
    times = _times(rng, channel, created, offset=offset, pace=pace, support=q)
    reopens = rng.random(n) < sigmoid(-2.7 - 0.4 * q - 0.3 * h)
    reopened = ((reopens & ~times.abandoned) * (1 + (rng.random(n) < 0.25))).astype(np.int64)
    resolved = times.resolved + reopened * lognormal(rng, 2 * DAY_US, 0.8, n).astype(np.int64)
    as_of = calendar.as_of * DAY_US
    first = np.where(times.first < as_of, times.first, NO_DAY)
    resolved = np.where(resolved < as_of, resolved, NO_DAY)
    mrr = firms.mrr[account] / firms.seats[account] * history.seats[account, month]
    slowness = np.log((times.resolved - created + 1) / np.take(RESOLVE_MEDIAN, channel) / SECOND_US)
    columns = {
        "id": make_ids("T-", n, max(7, len(str(n)))),
        "account_id": firms.ids[account],
        "channel": np.array(CHANNELS)[channel],
        "priority": np.array(PRIORITIES)[priority],
        "created_at": as_instants(created),
        "first_response_at": as_instants(first),
        "resolved_at": as_instants(resolved),
        "reopened_count": reopened,
        **_replies(rng, first != NO_DAY, reopened, channel),
        "queue_wait_seconds": times.queue,
        "abandoned": times.abandoned,
        **_flags(rng, slowness, h, util=history.util[account, month], mrr=mrr),
    }
    return Tickets(account, month, resolved, slowness, reopened, times.abandoned, columns)


def _arrivals(
    rng: np.random.Generator, calendar: Calendar, firms: Firms, history: History
) -> tuple[IntArray, IntArray, IntArray]:
    """Who raises a ticket when: account rows, month and creation instant, by time."""
    n, months = history.low.shape
    age = np.arange(months)[None, :] - firms.cohort[:, None]
    share = (history.high - history.low) / calendar.lengths[None, :]
    rate = np.take(TICKET_RATE, firms.segment)[:, None] * np.exp(-0.35 * history.health)
    rate = rate * (1 + 1.2 * np.exp(-np.maximum(age, 0) / 1.5)) * share
    cell = np.repeat(np.arange(n * months), rng.poisson(rate).ravel())
    account, month = cell // months, cell % months
    low, high = history.low[account, month], history.high[account, month]
    day = _workday(rng, draw_day(rng, low, high), low, high)
    local = np.where(
        rng.random(len(day)) < 0.85,
        np.clip(rng.normal(13.0, 2.5, len(day)), 6.0, 21.0),
        rng.uniform(0.0, 24.0, len(day)),
    )
    offset = np.take(REGION_UTC_OFFSET, firms.region[account])
    stamp = day * DAY_US + ((local - offset) * HOUR_US).astype(np.int64)
    stamp = np.clip(stamp, low * DAY_US, high * DAY_US - SECOND_US)
    order = np.argsort(stamp, kind="stable")
    return account[order], month[order], stamp[order]


def _workday(rng: np.random.Generator, day: IntArray, low: IntArray, high: IntArray) -> IntArray:
    """Move most weekend days to a random weekday of that week, inside ``[low, high)``."""
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    other = day - weekday + rng.integers(0, 5, size=len(day))
    moved = np.where((weekday >= 5) & (rng.random(len(day)) < 0.85), other, day)
    return np.clip(moved, low, np.maximum(high - 1, low))


@dataclass(frozen=True)
class _Times:
    first: IntArray
    resolved: IntArray
    queue: FloatArray
    abandoned: BoolArray


def _times(
    rng: np.random.Generator,
    channel: IntArray,
    created: IntArray,
    *,
    offset: IntArray,
    pace: FloatArray,
    support: FloatArray,
) -> _Times:
    """First reply and resolution instants, queue waits and abandonment."""
    n = len(channel)
    live = (channel == 2) | (channel == 3)
    median = np.take(FIRST_MEDIAN, channel) * np.exp(-0.6 * support) * np.where(live, 1.0, pace)
    wait = lognormal(rng, median, 0.9, n)
    closed = np.where(channel <= 1, _until_open(created + offset), 0)
    abandoned = live & (rng.random(n) < 0.02 + 0.5 * sigmoid((wait - 300.0) / 60.0))
    answer = np.where(live, wait + lognormal(rng, 15.0, 0.5, n), wait)
    first = created + closed + (answer * SECOND_US).astype(np.int64)
    work = lognormal(rng, np.take(RESOLVE_MEDIAN, channel) * pace * np.exp(-0.3 * support), 1.1, n)
    work += (live & (rng.random(n) < 0.2)) * lognormal(rng, 86_400.0, 1.0, n)
    work *= np.where(rng.random(n) < 0.02, 10.0, 1.0)
    resolved = first + (work * SECOND_US).astype(np.int64)
    gave_up = created + (wait * SECOND_US).astype(np.int64)
    return _Times(
        first=np.where(abandoned, NO_DAY, first),
        resolved=np.where(abandoned, gave_up, resolved),
        queue=np.where(live, np.round(wait, 1), np.nan),
        abandoned=abandoned,
    )


def _until_open(local: IntArray) -> IntArray:
    """Microseconds from a local instant until the support desk is open."""
    day = local // DAY_US
    time = local - day * DAY_US
    weekday = (day + 3) % 7
    workday = weekday < 5
    opens, closes = OPEN_HOUR * HOUR_US, CLOSE_HOUR * HOUR_US
    inside = workday & (time >= opens) & (time < closes)
    ahead = np.where(weekday == 4, 3, np.where(weekday == 5, 2, 1))
    next_open = np.where(workday & (time < opens), day, day + ahead) * DAY_US + opens
    return np.where(inside, 0, next_open - local)


def _replies(
    rng: np.random.Generator, answered: BoolArray, reopened: IntArray, channel: IntArray
) -> dict[str, IntArray]:
    """Public replies by agents and by the customer."""
    n = len(answered)
    written = channel != 3
    agent = np.where(answered, 1 + rng.poisson(0.4 + 0.6 * written + reopened), 0)
    customer = rng.poisson(0.3 + 0.5 * agent + 0.5 * reopened, n)
    return {"agent_replies": agent.astype(np.int64), "customer_replies": customer.astype(np.int64)}


def _flags(
    rng: np.random.Generator,
    slowness: FloatArray,
    health: FloatArray,
    *,
    util: FloatArray,
    mrr: FloatArray,
) -> Columns:
    """Delighted tickets (fast and healthy) and service-qualified leads with revenue."""
    n = len(slowness)
    delighted = rng.random(n) < 0.005 + 0.06 * (slowness < -0.7) * sigmoid(health)
    lead = rng.random(n) < 0.004 + 0.02 * sigmoid(3.0 * (util - 0.7) + health)
    revenue = np.round(mrr * 12 * rng.uniform(0.1, 0.5, n), -1)
    known = lead & (rng.random(n) < 0.8)
    return {
        "delighted": delighted,
        "service_qualified_lead": lead,
        "lead_revenue": np.where(known, revenue, np.nan),
    }
