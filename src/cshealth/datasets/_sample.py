"""``sample``: draw a whole customer-success world and validate it into tables."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from dateutil.relativedelta import relativedelta

from cshealth._checks import iso, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, IntArray
from cshealth.datasets._accounts import INDUSTRIES, PLANS, REGIONS, SEGMENTS, Firms, draw_firms
from cshealth.datasets._common import NO_DAY, Calendar, Columns, add_months, as_dates
from cshealth.datasets._contacts import draw_people
from cshealth.datasets._data import SampleData
from cshealth.datasets._events import event_table
from cshealth.datasets._onboarding import (
    cut,
    goal_columns,
    milestone_columns,
    plan_onboarding,
)
from cshealth.datasets._surveys import survey_columns
from cshealth.datasets._tickets import draw_tickets
from cshealth.datasets._usage import draw_usage
from cshealth.datasets._world import History, simulate
from cshealth.io import Table, to_columns
from cshealth.models import TABLES

__all__ = ["DEFAULT_AS_OF", "sample"]

#: The default ``as_of`` of the sample: a fixed date, because cshealth has no hidden clock.
DEFAULT_AS_OF = date(2026, 1, 1)
#: Goals per account by segment: inclusive (low, high).
GOALS_RANGE = ((1, 2), (1, 3), (2, 3))


#: Upper bounds of `sample`'s size arguments (and of their product).
MAX_ACCOUNTS = 100_000
MAX_MONTHS = 240
MAX_ACCOUNT_MONTHS = 4_000_000


def sample(
    seed: int = 0, *, n_accounts: int = 2000, months: int = 36, as_of: date | None = None
) -> SampleData:
    """Draw a deterministic, coherent customer-success world.

    Accounts sign across the ``months`` months before ``as_of`` (more each month), live
    through a month-by-month simulation of their latent health, and leave the traces a
    customer-success team sees: contacts, onboarding milestones, goals, support tickets,
    survey answers, weekly usage, each user's product events of the last eight weeks and
    revenue changes. Churn depends on the drivers a health score would use (falling
    usage, detractors, slow support, late or stuck onboarding, a departed champion), so
    health scores can be backtested on it. The generative model is described in the
    module documentation and the sample-data guide.

    Args:
        seed: Seed of the one `numpy.random.default_rng()` behind every draw; the
            same seed (and options) gives identical tables.
        n_accounts: Number of accounts, 1 to 100,000.
        months: Length of the simulated window in calendar months, 1 to 240; with
            ``n_accounts`` x ``months`` at most 4,000,000 (the sample's size, and the
            time and memory it takes, grow with both).
        as_of: The day after the window, a `date` (default
            2026-01-01). Nothing is dated on or after it except planned dates.

    Returns:
        The tables, validated by the models' rules.

    Raises:
        InvalidInputError: If an argument is not of the allowed type or range.

    Examples:
        >>> from datetime import date
        >>> data = sample(seed=7, n_accounts=50, months=12, as_of=date(2025, 7, 1))
        >>> data.start, data.as_of
        (datetime.date(2024, 7, 1), datetime.date(2025, 7, 1))
        >>> data.accounts.n_rows, bool(data.usage["day"].max() < date(2025, 7, 1))
        (50, True)
        >>> events = data.usage_events["occurred_at"]
        >>> str(events.min().astype("datetime64[D]")), str(events.max().astype("datetime64[D]"))
        ('2025-05-06', '2025-06-30')
        >>> sample(n_accounts=0)
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `n_accounts` must be a whole number from 1 to ...
    """
    as_of = _checked(seed, n_accounts, months, as_of)
    calendar = Calendar.ending(as_of, months)
    tables = {
        name: columns if isinstance(columns, Table) else to_columns(columns, TABLES[name])
        for name, columns in _draw(np.random.default_rng(seed), calendar, n_accounts).items()
    }
    return SampleData(
        seed=int(seed),
        start=as_of - relativedelta(months=months),
        as_of=as_of,
        accounts=tables["accounts"],
        contacts=tables["contacts"],
        milestones=tables["milestones"],
        goals=tables["goals"],
        tickets=tables["tickets"],
        survey_responses=tables["survey_responses"],
        usage=tables["usage"],
        usage_events=tables["usage_events"],
        revenue_changes=tables["revenue_changes"],
    )


def _draw(rng: np.random.Generator, calendar: Calendar, n: int) -> dict[str, Columns | Table]:
    """The columns of every table (``usage_events`` already a table), drawn in a fixed order."""
    firms = draw_firms(rng, calendar, n)
    plan = plan_onboarding(rng, firms.start, firms.health)
    history = simulate(rng, calendar, firms, plan)
    people = draw_people(rng, firms, history, calendar.as_of)
    tickets = draw_tickets(rng, calendar, firms, history)
    cutoff = np.where(history.first_end == NO_DAY, calendar.as_of, history.first_end)
    completed = cut(plan.completed, cutoff[:, None])
    goals = _goals(rng, calendar, firms, history, trouble=plan.trouble, cutoff=cutoff)
    surveys = survey_columns(
        rng,
        calendar,
        firms,
        history,
        people=people,
        tickets=tickets,
        milestones=(plan.due, completed),
    )
    usage = draw_usage(rng, calendar, firms, history)
    return {
        "accounts": _account_columns(calendar, firms, history),
        "contacts": people.columns(firms.ids),
        "milestones": milestone_columns(plan, firms.ids, cutoff),
        "goals": goals,
        "tickets": tickets.columns,
        "survey_responses": surveys,
        "usage": usage.columns,
        "usage_events": event_table(rng, calendar, firms, history, offset=usage.offset),
        "revenue_changes": _revenue_columns(firms, history),
    }


def _checked(seed: object, n_accounts: object, months: object, as_of: object) -> date:
    """``as_of`` (defaulted) once every argument is checked."""
    whole_number(seed, "seed", low=0)
    accounts = whole_number(n_accounts, "n_accounts", low=1, high=MAX_ACCOUNTS)
    span = whole_number(months, "months", low=1, high=MAX_MONTHS)
    if accounts * span > MAX_ACCOUNT_MONTHS:
        msg = (
            f"`n_accounts` x `months` must be at most {MAX_ACCOUNT_MONTHS:,} (the sample's "
            f"size grows with both), got {accounts} x {span}; ask for fewer of either"
        )
        raise InvalidInputError(msg)
    if as_of is None:
        return DEFAULT_AS_OF
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        msg = (
            f"`as_of` must be a datetime.date (or None for {DEFAULT_AS_OF}), got "
            f"{type(as_of).__name__} {iso(as_of)}; "
            "for a datetime pass its .date()"
        )
        raise InvalidInputError(msg)
    if as_of.year > 9000 or as_of.year * 12 + as_of.month - 1 - span < 12:
        msg = (
            f"`as_of` ({as_of}) and `months` ({span}) put the window outside the years "
            "1-9000; pass a nearer date or fewer months"
        )
        raise InvalidInputError(msg)
    return as_of


def _account_columns(calendar: Calendar, firms: Firms, history: History) -> Columns:
    """Columns of the ``accounts`` table, as of the calendar's end."""
    active = history.end == NO_DAY
    as_of = calendar.as_of
    elapsed = _months_between(firms.start, as_of)
    years = np.maximum(1, elapsed // 12)
    years = np.where(add_months(firms.start, 12 * years) < as_of, years + 1, years)
    renewal = np.where(active, add_months(firms.start, 12 * years), NO_DAY)
    traits = np.empty(firms.n, dtype=object)
    traits[:] = [
        {"industry": INDUSTRIES[i], "region": REGIONS[r], "employees": e}
        for i, r, e in zip(firms.industry.tolist(), firms.region.tolist(), firms.employees.tolist())
    ]
    parent = firms.ids[np.maximum(firms.parent, 0)]
    return {
        "id": firms.ids,
        "name": firms.names,
        "segment": np.array(SEGMENTS)[firms.segment],
        "plan": np.array(PLANS)[history.plan],
        "parent_id": np.where(firms.parent >= 0, parent, ""),
        "owner": firms.owner,
        "start_date": as_dates(firms.start),
        "renewal_date": as_dates(renewal),
        "end_date": as_dates(history.end),
        "mrr": history.mrr,
        "seats": history.final_seats,
        "traits": traits,
    }


def _months_between(start: IntArray, end: int) -> IntArray:
    first = start.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    last = int(np.datetime64(end, "D").astype("datetime64[M]").astype(np.int64))
    elapsed: IntArray = last - first
    return elapsed


def _revenue_columns(firms: Firms, history: History) -> Columns:
    account, day, mrr = history.changes
    return {"account_id": firms.ids[account], "effective_on": as_dates(day), "mrr": mrr}


def _goals(
    rng: np.random.Generator,
    calendar: Calendar,
    firms: Firms,
    history: History,
    *,
    trouble: BoolArray,
    cutoff: IntArray,
) -> Columns:
    """Goals: more for bigger accounts, achieved more often by healthy ones."""
    low, high = np.array(GOALS_RANGE).T
    count = rng.integers(low[firms.segment], high[firms.segment] + 1)
    alive = history.high > history.low
    months = np.maximum(alive.sum(axis=1), 1)
    drive = 0.2 + 1.2 * (history.health * alive).sum(axis=1) / months - 0.6 * trouble
    return goal_columns(
        rng,
        firms.ids,
        start=firms.start,
        count=count,
        drive=drive,
        cutoff=cutoff,
        as_of=calendar.as_of,
    )
