"""Survey responses: relationship NPS waves and transactional NPS, CSAT and CES.

A contact's NPS answer is ``round(8 + 1.2 h + s + b + N(0, 1.5))`` clipped to 0..10, with
``h`` the account's health that month, ``s`` its sentiment and ``b`` the contact's own
offset (role and person). Sources of responses:

* relationship NPS every quarter: 70% of the contacts still at active accounts (60+ days
  old) are asked; each answers with their own responsiveness (mean about 0.3), so the
  same people answer wave after wave;
* CSAT (1-5) after 22% of resolved tickets:
  ``round(4.3 + 0.35 h - 0.45 slowness - 0.5 reopens + N(0, 0.9))``, where ``slowness``
  is the log of the resolution time over the channel's median;
* CES (1-7, higher is easier) after 7% of resolved tickets and 30% of completed kickoff,
  integration and go-live milestones, lower when slow, reopened or late;
* transactional NPS at touchpoints: ``support`` (4% of resolved tickets), ``onboarding``
  (40% after go-live), ``renewal`` (35% of renewals) and ``in_app`` (a sample of active
  account-months, anonymous).

Answers come a lognormal delay after the prompt; those not in before ``as_of`` are not
recorded. A share of answers carries a comment drawn from `COMMENTS`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.datasets._accounts import Firms
from cshealth.datasets._common import (
    DAY_US,
    HOUR_US,
    NO_DAY,
    Calendar,
    Columns,
    TextArray,
    as_instants,
    draw_day,
    lognormal,
    make_ids,
)
from cshealth.datasets._contacts import People
from cshealth.datasets._drivers import NPS_NOISE, nps_mean
from cshealth.datasets._onboarding import GO_LIVE
from cshealth.datasets._tickets import Tickets
from cshealth.datasets._vocab import COMMENTS
from cshealth.datasets._world import History

__all__ = ["TOUCHPOINTS", "survey_columns"]

KINDS = ("nps", "csat", "ces")
TOUCHPOINTS = ("", "onboarding", "support", "renewal", "in_app")
WAVE_SHARE = 0.7
#: Chance of a comment by category.
COMMENT_SHARE = {"detractor": 0.45, "passive": 0.2, "promoter": 0.3}
OTHER_COMMENT_SHARE = 0.25


@dataclass(frozen=True)
class _Batch:
    """Responses from one source (contact -1 when anonymous)."""

    account: IntArray
    contact: IntArray
    kind: IntArray
    relationship: BoolArray
    touchpoint: IntArray
    score: IntArray
    submitted: IntArray


def _batch(
    account: IntArray,
    contact: IntArray,
    *,
    kind: int,
    touchpoint: int,
    score: IntArray,
    submitted: IntArray,
) -> _Batch:
    n = len(account)
    return _Batch(
        account=account,
        contact=contact,
        kind=np.full(n, kind, dtype=np.int64),
        relationship=np.full(n, touchpoint == 0),
        touchpoint=np.full(n, touchpoint, dtype=np.int64),
        score=score,
        submitted=submitted,
    )


@dataclass(frozen=True)
class _World:
    """What the survey sources need."""

    calendar: Calendar
    firms: Firms
    history: History
    people: People
    first_contact: IntArray
    contact_count: IntArray


def survey_columns(
    rng: np.random.Generator,
    calendar: Calendar,
    firms: Firms,
    history: History,
    *,
    people: People,
    tickets: Tickets,
    milestones: tuple[IntArray, IntArray],
) -> Columns:
    """Columns of the ``survey_responses`` table, sorted by submission time."""
    count = np.bincount(people.account, minlength=firms.n)
    world = _World(calendar, firms, history, people, np.cumsum(count) - count, count)
    batches = [
        *_waves(rng, world),
        *_after_tickets(rng, world, tickets),
        *_after_onboarding(rng, world, *milestones),
        _at_renewal(rng, world),
        _in_app(rng, world),
    ]
    joined = {f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(_Batch)}
    keep = joined["submitted"] < calendar.as_of * DAY_US
    order = np.flatnonzero(keep)[np.argsort(joined["submitted"][keep], kind="stable")]
    rows = {name: values[order] for name, values in joined.items()}
    n = len(order)
    contact = rows["contact"]
    return {
        "id": make_ids("R-", n, max(6, len(str(n)))),
        "account_id": firms.ids[rows["account"]],
        "contact_id": np.where(contact >= 0, people.ids[np.maximum(contact, 0)], ""),
        "kind": np.array(KINDS)[rows["kind"]],
        "survey_type": np.where(rows["relationship"], "relationship", "transactional"),
        "touchpoint": np.array(TOUCHPOINTS)[rows["touchpoint"]],
        "score": rows["score"],
        "submitted_at": as_instants(rows["submitted"]),
        "comment": _comments(rng, rows["kind"], rows["score"]),
    }


def _nps(
    rng: np.random.Generator, world: _World, account: IntArray, month: IntArray, bias: FloatArray
) -> IntArray:
    """NPS answers of contacts with offsets ``bias`` at ``account`` in ``month``."""
    h = world.history.health[account, month]
    mean = nps_mean(h, world.history.sentiment[account]) + bias
    score = np.rint(mean + NPS_NOISE * rng.standard_normal(len(account)))
    return np.clip(score, 0, 10).astype(np.int64)


def _scale(value: FloatArray, high: int) -> IntArray:
    return np.clip(np.rint(value), 1, high).astype(np.int64)


def _waves(rng: np.random.Generator, world: _World) -> list[_Batch]:
    """Quarterly relationship NPS to a sample of each active account's contacts."""
    people, history, bounds = world.people, world.history, world.calendar.bounds
    batches = []
    for m in range(1, world.calendar.months, 3):
        send = int(bounds[m]) + 9
        acc = people.account
        eligible = (people.started <= send) & ((people.left == NO_DAY) | (people.left > send))
        eligible &= (history.low[acc, m] <= send) & (history.high[acc, m] > send)
        eligible &= send - world.firms.start[acc] >= 60
        asked = eligible & (rng.random(len(acc)) < WAVE_SHARE)
        who = np.flatnonzero(asked & (rng.random(len(acc)) < people.responsiveness))
        month = np.full(len(who), m)
        score = _nps(rng, world, acc[who], month, people.bias[who])
        delay = lognormal(rng, 2.0 * DAY_US, 0.9, len(who)).astype(np.int64)
        submitted = send * DAY_US + 9 * HOUR_US + delay
        batches.append(
            _batch(acc[who], who, kind=0, touchpoint=0, score=score, submitted=submitted)
        )
    return batches


def _requester(rng: np.random.Generator, world: _World, account: IntArray) -> IntArray:
    """A random contact of each account (the person who raised the ticket)."""
    pick = np.floor(rng.random(len(account)) * world.contact_count[account]).astype(np.int64)
    return world.first_contact[account] + pick


def _after_tickets(rng: np.random.Generator, world: _World, tickets: Tickets) -> list[_Batch]:
    """CSAT, CES and support NPS after resolved tickets."""
    done = np.flatnonzero((tickets.resolved != NO_DAY) & ~tickets.abandoned)
    draw = rng.random(len(done))
    out = []
    for kind, low, high in ((1, 0.0, 0.22), (2, 0.22, 0.29), (0, 0.29, 0.33)):
        pick = done[(draw >= low) & (draw < high)]
        acc, month = tickets.account[pick], tickets.month[pick]
        contact = _requester(rng, world, acc)
        h = world.history.health[acc, month]
        slow, reopened = tickets.slowness[pick], tickets.reopened[pick]
        noise = rng.standard_normal(len(pick))
        if kind == 1:
            score = _scale(4.3 + 0.35 * h - 0.45 * slow - 0.5 * reopened + 0.9 * noise, 5)
        elif kind == 2:
            score = _scale(5.4 + 0.3 * h - 0.5 * slow - 0.4 * reopened + 1.1 * noise, 7)
        else:
            score = _nps(rng, world, acc, month, world.people.bias[contact])
        delay = lognormal(rng, 3.0 * HOUR_US, 1.0, len(pick)).astype(np.int64)
        submitted = tickets.resolved[pick] + delay
        out.append(_batch(acc, contact, kind=kind, touchpoint=2, score=score, submitted=submitted))
    return out


def _after_onboarding(
    rng: np.random.Generator, world: _World, due: IntArray, completed: IntArray
) -> list[_Batch]:
    """CES after kickoff, integration and go-live; NPS after go-live."""
    out = []
    for step in (0, 1, GO_LIVE):
        acc = np.flatnonzero((completed[:, step] != NO_DAY) & (rng.random(len(due)) < 0.3))
        day = completed[acc, step]
        month = world.calendar.period_of(day)
        late = day - due[acc, step]
        h = world.history.health[acc, month]
        score = _scale(5.6 + 0.3 * h - 0.04 * late + 1.1 * rng.standard_normal(len(acc)), 7)
        contact = world.first_contact[acc] + (rng.random(len(acc)) < 0.5)
        delay = lognormal(rng, 1.0 * DAY_US, 0.8, len(acc)).astype(np.int64)
        submitted = day * DAY_US + 10 * HOUR_US + delay
        out.append(_batch(acc, contact, kind=2, touchpoint=1, score=score, submitted=submitted))
    acc = np.flatnonzero((completed[:, GO_LIVE] != NO_DAY) & (rng.random(len(due)) < 0.4))
    day = completed[acc, GO_LIVE]
    contact = world.first_contact[acc]
    score = _nps(rng, world, acc, world.calendar.period_of(day), world.people.bias[contact])
    delay = lognormal(rng, 2.0 * DAY_US, 0.8, len(acc)).astype(np.int64)
    submitted = day * DAY_US + 10 * HOUR_US + delay
    out.append(_batch(acc, contact, kind=0, touchpoint=1, score=score, submitted=submitted))
    return out


def _at_renewal(rng: np.random.Generator, world: _World) -> _Batch:
    """NPS from the executive sponsor (or champion) of 35% of renewing accounts."""
    history = world.history
    renewed = (history.renewal >= history.low) & (history.renewal < history.high)
    acc, month = np.nonzero(renewed & (rng.random(renewed.shape) < 0.35))
    sponsor = (world.firms.segment[acc] >= 1) & (world.contact_count[acc] >= 3)
    contact = world.first_contact[acc] + 2 * sponsor
    score = _nps(rng, world, acc, month, world.people.bias[contact])
    delay = lognormal(rng, 2.0 * DAY_US, 0.8, len(acc)).astype(np.int64)
    submitted = history.renewal[acc, month] * DAY_US + 10 * HOUR_US + delay
    return _batch(acc, contact, kind=0, touchpoint=3, score=score, submitted=submitted)


def _in_app(rng: np.random.Generator, world: _World) -> _Batch:
    """Anonymous in-app NPS from a sample of active account-months (after month 2)."""
    history, firms = world.history, world.firms
    age = np.arange(world.calendar.months)[None, :] - firms.cohort[:, None]
    rate = np.where(firms.segment == 2, 0.12, 0.22)[:, None]
    chosen = (history.high > history.low) & (age >= 2) & (rng.random(age.shape) < rate)
    acc, month = np.nonzero(chosen)
    bias = -0.3 + 0.7 * rng.standard_normal(len(acc))
    score = _nps(rng, world, acc, month, bias)
    day = draw_day(rng, history.low[acc, month], history.high[acc, month])
    submitted = day * DAY_US + (rng.random(len(acc)) * DAY_US).astype(np.int64)
    anonymous = np.full(len(acc), -1, dtype=np.int64)
    return _batch(acc, anonymous, kind=0, touchpoint=4, score=score, submitted=submitted)


def _comments(rng: np.random.Generator, kind: IntArray, score: IntArray) -> TextArray:
    """A comment from the template pool of each answer's category, for some answers."""
    category = np.full(len(kind), "", dtype="<U10")
    nps = kind == 0
    category[nps & (score <= 6)] = "detractor"
    category[nps & (score >= 7) & (score <= 8)] = "passive"
    category[nps & (score >= 9)] = "promoter"
    category[(kind == 1) & (score <= 2)] = "csat_low"
    category[(kind == 1) & (score >= 4)] = "csat_high"
    category[(kind == 2) & (score <= 3)] = "ces_low"
    category[(kind == 2) & (score >= 6)] = "ces_high"
    draw = rng.random(len(kind))
    pick = rng.integers(0, 1 << 30, size=len(kind))
    out = np.full(len(kind), "", dtype="<U80")
    for name, pool in COMMENTS.items():
        rows = (category == name) & (draw < COMMENT_SHARE.get(name, OTHER_COMMENT_SHARE))
        out[rows] = np.array(pool)[pick[rows] % len(pool)]
    return out
