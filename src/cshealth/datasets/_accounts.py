"""Who the customers are: cohorts, segments, plans, seats, prices, owners and hierarchy.

Everything here is fixed when an account signs; what happens afterwards (health, churn,
expansion) is simulated month by month in `cshealth.datasets._world`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import FloatArray, IntArray
from cshealth.datasets._common import Calendar, TextArray, draw_category, lognormal, make_ids
from cshealth.datasets._vocab import (
    COMPANY_CORES,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    DIVISIONS,
)

__all__ = [
    "INDUSTRIES",
    "OWNERS",
    "PLANS",
    "REGIONS",
    "SEAT_PRICE",
    "SEGMENTS",
    "Firms",
    "draw_firms",
]

SEGMENTS = ("smb", "mid_market", "enterprise")
SEGMENT_SHARE = (0.62, 0.28, 0.10)
PLANS = ("starter", "growth", "enterprise")
#: Probability of each plan by segment (rows: segments, columns: plans).
PLAN_SHARE = ((0.70, 0.30, 0.00), (0.15, 0.70, 0.15), (0.00, 0.20, 0.80))
#: List price per seat and month by plan.
SEAT_PRICE = (25.0, 45.0, 70.0)
#: Median seats at signing by segment, and the lognormal spread.
SEATS_MEDIAN = (8.0, 40.0, 220.0)
SEATS_SIGMA = 0.6
#: Spread of the negotiated price around list (lognormal sigma).
PRICE_SIGMA = 0.2
#: Customer success managers by segment.
OWNERS = (
    ("Jordan Lee", "Sofia Alvarez"),
    ("Elena Rossi", "Daniel Kim"),
    ("Priya Shah", "Marcus Webb"),
)
INDUSTRIES = (
    "software", "financial_services", "healthcare", "retail", "manufacturing", "education",
    "media", "logistics",
)  # fmt: skip
REGIONS = ("north_america", "emea", "apac", "latam")
REGION_SHARE = (0.48, 0.32, 0.14, 0.06)
#: Median employees by segment (a trait).
EMPLOYEES_MEDIAN = (60.0, 600.0, 8000.0)
#: The newest cohort is this many times as large as the oldest (exponential growth).
GROWTH = 3.0
#: Share of contracts that start on the first day of a calendar month.
FIRST_OF_MONTH = 0.35
#: Share of enterprise accounts that are parents; each has 2-4 children.
PARENT_SHARE = 0.2
#: Mean latent health at signing by segment; accounts spread around it with sd 0.8.
HEALTH_MEAN = (-0.1, 0.1, 0.3)
HEALTH_SD = 0.8
#: Weight of the parent's health in a child's (a shared corporate context).
PARENT_HEALTH = 0.4


@dataclass(frozen=True)
class Firms:
    """The accounts as they signed, sorted by start day (row ``i`` is account ``ids[i]``)."""

    ids: TextArray
    names: TextArray
    segment: IntArray
    plan: IntArray
    owner: TextArray
    start: IntArray
    cohort: IntArray
    seats: IntArray
    mrr: FloatArray
    parent: IntArray
    industry: IntArray
    region: IntArray
    employees: IntArray
    health: FloatArray

    @property
    def n(self) -> int:
        """Number of accounts."""
        return len(self.ids)


def draw_firms(rng: np.random.Generator, calendar: Calendar, n: int) -> Firms:
    """Draw ``n`` accounts signing across the calendar's months."""
    start = _start_days(rng, calendar, n)
    segment = rng.choice(3, size=n, p=SEGMENT_SHARE).astype(np.int64)
    plan = draw_category(rng, np.array(PLAN_SHARE)[segment])
    seats = np.maximum(1, np.rint(lognormal(rng, np.take(SEATS_MEDIAN, segment), SEATS_SIGMA, n)))
    price = np.take(SEAT_PRICE, plan) * lognormal(rng, 1.0, PRICE_SIGMA, n)
    owner_pick = rng.integers(0, 2, size=n)
    owners = np.array(OWNERS)[segment, owner_pick]
    industry = rng.integers(0, len(INDUSTRIES), size=n)
    parent = _hierarchy(rng, segment)
    industry = np.where(parent >= 0, industry[np.maximum(parent, 0)], industry)
    health = np.take(HEALTH_MEAN, segment) + HEALTH_SD * rng.standard_normal(n)
    health = np.where(
        parent >= 0, (1 - PARENT_HEALTH) * health + PARENT_HEALTH * health[parent], health
    )
    employees = lognormal(rng, np.take(EMPLOYEES_MEDIAN, segment), 0.7, n)
    return Firms(
        ids=make_ids("A-", n, max(5, len(str(n)))),
        names=_names(rng, parent),
        segment=segment,
        plan=plan,
        owner=owners,
        start=start,
        cohort=calendar.period_of(start),
        seats=seats.astype(np.int64),
        mrr=np.round(seats * price, 2),
        parent=parent,
        industry=industry.astype(np.int64),
        region=rng.choice(len(REGIONS), size=n, p=REGION_SHARE).astype(np.int64),
        employees=np.maximum(np.rint(employees), seats).astype(np.int64),
        health=health,
    )


def _start_days(rng: np.random.Generator, calendar: Calendar, n: int) -> IntArray:
    """Start days: cohorts growing by `GROWTH` over the window, sorted."""
    months, lengths = calendar.months, calendar.lengths
    weight = GROWTH ** (np.arange(months) / max(months - 1, 1)) * lengths
    cohort = rng.choice(months, size=n, p=weight / weight.sum())
    day = calendar.bounds[cohort] + np.floor(rng.random(n) * lengths[cohort]).astype(np.int64)
    first = day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
    first_day = first.astype(np.int64)
    snap = (rng.random(n) < FIRST_OF_MONTH) & (first_day >= calendar.bounds[cohort])
    return np.sort(np.where(snap, first_day, day))


def _hierarchy(rng: np.random.Generator, segment: IntArray) -> IntArray:
    """Parent row per account (-1 for none): some enterprises get 2-4 children each."""
    n = len(segment)
    parent = np.full(n, -1, dtype=np.int64)
    heads = np.flatnonzero((segment == 2) & (rng.random(n) < PARENT_SHARE))
    sizes = rng.integers(2, 5, size=len(heads))
    pool = np.flatnonzero(segment >= 1)
    pool = rng.permutation(pool[~np.isin(pool, heads)])
    keep = np.cumsum(sizes) <= len(pool)
    heads, sizes = heads[keep], sizes[keep]
    children = pool[: int(sizes.sum())]
    parent[children] = np.repeat(heads, sizes)
    return parent


def _names(rng: np.random.Generator, parent: IntArray) -> TextArray:
    """Company names; children are named after their parent and a division."""
    n = len(parent)
    words = [
        np.array(pool)[rng.integers(0, len(pool), size=n)]
        for pool in (COMPANY_PREFIXES, COMPANY_CORES, COMPANY_SUFFIXES)
    ]
    names = np.strings.add(np.strings.add(words[0], " "), words[1])
    names = np.strings.add(np.strings.add(names, " "), words[2])
    child = np.flatnonzero(parent >= 0)
    child = child[np.argsort(parent[child], kind="stable")]
    heads = parent[child]
    first = np.r_[True, heads[1:] != heads[:-1]] if len(child) else np.zeros(0, dtype=bool)
    place = np.arange(len(child))
    rank = place - np.maximum.accumulate(np.where(first, place, 0))
    shift = rng.integers(0, len(DIVISIONS), size=n)[heads]
    division = np.array(DIVISIONS)[(shift + rank) % len(DIVISIONS)]
    core = np.strings.add(np.strings.add(words[0][heads], " "), words[1][heads])
    names = names.astype("<U64")
    names[child] = np.strings.add(np.strings.add(core, " "), division)
    return names
