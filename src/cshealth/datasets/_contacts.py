"""The people at each account: roles, one champion, who left and who replaced them.

Accounts have 2-4 (smb), 3-6 (mid-market) or 5-8 (enterprise) contacts. The first is the
champion, then an admin, then (mid-market and enterprise) an executive sponsor and a
billing contact, then users. A champion who leaves (simulated in
`cshealth.datasets._world`) gets ``left_on``; in about half of the cases a new
champion joins 20-120 days later. Other contacts leave with probability
`LEAVE_SHARE` at a uniform day before ``as_of``. Each contact also has a survey
responsiveness (``Beta(1.2, 2.6)`` scaled by role) and an NPS offset by role and person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.datasets._accounts import Firms
from cshealth.datasets._common import NO_DAY, Columns, TextArray, as_dates, make_ids
from cshealth.datasets._drivers import PERSON_NPS_SD
from cshealth.datasets._vocab import FIRST_NAMES, LAST_NAMES
from cshealth.datasets._world import History

__all__ = ["ROLES", "People", "draw_people"]

ROLES = ("champion", "admin", "executive_sponsor", "billing", "user")
#: Role of the contact at each position, for smb and for larger accounts.
_SMB_ROLES = (0, 1, 3, 4)
_LARGE_ROLES = (0, 1, 2, 3)
#: Contacts per account by segment: inclusive (low, high).
CONTACTS_RANGE = ((2, 4), (3, 6), (5, 8))
LEAVE_SHARE = 0.12
#: How much more (or less) likely each role is to answer a survey, and its NPS offset.
ROLE_RESPONSE = (1.3, 1.1, 0.7, 0.8, 0.8)
ROLE_NPS = (0.7, 0.0, 0.2, -0.2, -0.3)


@dataclass(frozen=True)
class People:
    """Contacts sorted by account, champion first (replacement champions last)."""

    ids: TextArray
    account: IntArray
    role: IntArray
    champion: BoolArray
    started: IntArray
    left: IntArray
    responsiveness: FloatArray
    bias: FloatArray
    names: TextArray

    def columns(self, account_ids: TextArray) -> Columns:
        """Columns of the ``contacts`` table."""
        return {
            "id": self.ids,
            "account_id": account_ids[self.account],
            "name": self.names,
            "role": np.array(ROLES)[self.role],
            "is_champion": self.champion,
            "started_on": as_dates(self.started),
            "left_on": as_dates(self.left),
        }


def draw_people(rng: np.random.Generator, firms: Firms, history: History, as_of: int) -> People:
    """Draw every account's contacts."""
    low, high = np.array(CONTACTS_RANGE).T
    count = rng.integers(low[firms.segment], high[firms.segment] + 1)
    account = np.repeat(np.arange(firms.n), count)
    position = np.arange(len(account)) - np.repeat(np.cumsum(count) - count, count)
    role = _roles(firms.segment[account], position)
    cutoff = np.where(history.end == NO_DAY, as_of, history.end)
    started = _started(rng, firms.start[account], position, cutoff[account])
    left = _left(rng, started, role, as_of)
    left = np.where(position == 0, history.champion_left[account], left)
    joined = history.champion_back
    new = np.flatnonzero((joined != NO_DAY) & (joined < cutoff))
    account = np.concatenate([account, new])
    order = np.argsort(account, kind="stable")
    account = account[order]
    role = np.concatenate([role, np.zeros(len(new), dtype=np.int64)])[order]
    rows = len(account)
    base = rng.beta(1.2, 2.6, size=rows) * np.take(ROLE_RESPONSE, role)
    return People(
        ids=make_ids("C-", rows, max(6, len(str(rows)))),
        account=account,
        role=role,
        champion=role == 0,
        started=np.concatenate([started, joined[new]])[order],
        left=np.concatenate([left, np.full(len(new), NO_DAY)])[order],
        responsiveness=np.minimum(base, 0.95),
        bias=np.take(ROLE_NPS, role) + PERSON_NPS_SD * rng.standard_normal(rows),
        names=_names(rng, rows),
    )


def _roles(segment: IntArray, position: IntArray) -> IntArray:
    smb = np.take(_SMB_ROLES, np.minimum(position, 3))
    large = np.take(_LARGE_ROLES, np.minimum(position, 3))
    role = np.where(segment == 0, smb, large)
    return np.where(position >= 4, 4, role).astype(np.int64)


def _started(
    rng: np.random.Generator, start: IntArray, position: IntArray, cutoff: IntArray
) -> IntArray:
    """Join days: the champion at signing, key contacts within two weeks, users later."""
    early = start + np.where(position > 0, rng.integers(0, 15, size=len(start)), 0)
    later = start + np.floor(rng.random(len(start)) * 0.6 * (cutoff - start)).astype(np.int64)
    return np.minimum(np.where(position < 3, early, later), cutoff - 1)


def _left(rng: np.random.Generator, started: IntArray, role: IntArray, as_of: int) -> IntArray:
    leaves = rng.random(len(started)) < LEAVE_SHARE
    day = started + np.floor(rng.random(len(started)) * (as_of - started)).astype(np.int64)
    return np.where(leaves & (role != 0), day, NO_DAY)


def _names(rng: np.random.Generator, rows: int) -> TextArray:
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), size=rows)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), size=rows)]
    return np.strings.add(np.strings.add(first, " "), last)
