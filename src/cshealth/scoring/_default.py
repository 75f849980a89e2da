"""The default scorecard shipped with cshealth, and the inputs it reads.

`default_scorecard` is a starting point for data shaped like the sample (usage, seat
utilisation, NPS, support load and responsiveness, onboarding progress, renewal
proximity), not a truth: tune its weights, ranges and bands to your customers.
`default_inputs` builds its input table from the library's record tables.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from cshealth import adoption, nps, support
from cshealth._codes import sorted_positions
from cshealth._measures import MeasureTable
from cshealth._measures_join import join_measures
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, FloatArray, IdArray
from cshealth.io._read import read_columns
from cshealth.models import Account, Milestone
from cshealth.scoring._scorecard import Scorecard

__all__ = ["default_inputs", "default_scorecard"]


@lru_cache(maxsize=1)
def default_scorecard() -> Scorecard:
    """The scorecard shipped with cshealth (``scoring/default_scorecard.json``).

    Five groups: usage (40: logins per seat, seat utilisation, a significant fall in
    usage, feature breadth), sentiment (20: NPS, stale after a year), support (15: open
    tickets, first-response hours, SLA breaches), onboarding (15: milestones done on
    time) and renewal (10: days to renewal). Missing inputs renormalise; under half the
    weight with data is "insufficient data". Read `default_inputs` for the columns.

    Returns:
        The scorecard (immutable; copy it with ``model_copy(update=...)`` to change it).

    Examples:
        >>> card = default_scorecard()
        >>> [child.name for child in card.root.children]
        ['usage', 'sentiment', 'support', 'onboarding', 'renewal']
        >>> card.min_coverage
        0.5
    """
    text = resources.files("cshealth.scoring").joinpath("default_scorecard.json").read_text()
    return Scorecard.model_validate_json(text)


def default_inputs(
    *,
    accounts: object,
    usage: object,
    as_of: AsOf,
    events: object = None,
    tickets: object = None,
    survey_responses: object = None,
    milestones: object = None,
) -> MeasureTable:
    """The measures `default_scorecard` reads, for the current customers, as of ``as_of``.

    Joins `cshealth.adoption.account_metrics` (28-day usage; pass ``events`` for seat
    utilisation), `cshealth.support.account_metrics` (90 days),
    `cshealth.nps.account_scores` (the last year) and two measures of its own:
    ``onboarding_progress`` (of the required milestones due before ``as_of``, the share
    completed by their due date; NaN when none was due) and ``days_to_renewal`` (NaN
    without a renewal date). Rows are the accounts active at ``as_of``
    (``start_date <= as_of < end_date``). A source not given leaves its columns missing.

    Args:
        accounts: `Account` rows.
        usage: `UsageRecord` rows.
        as_of: When the measures are taken. Weekly usage is best read on a week
            boundary (a Monday), so that the last week is complete.
        events: `UsageEvent` rows (optional).
        tickets: `Ticket` rows (optional).
        survey_responses: `SurveyResponse` rows (optional).
        milestones: `Milestone` rows (optional).

    Returns:
        One row per current customer.

    Examples:
        >>> from datetime import date
        >>> from cshealth.datasets import sample
        >>> tables = sample(seed=3, n_accounts=40).tables()
        >>> inputs = default_inputs(
        ...     accounts=tables["accounts"],
        ...     usage=tables["usage"],
        ...     tickets=tables["tickets"],
        ...     as_of=date(2025, 12, 29),
        ... )
        >>> "logins_per_seat" in inputs and "days_to_renewal" in inputs
        True
    """
    instant = as_instant(as_of, "as_of")
    day = to_datetime(instant).date()
    customers = _customers(accounts, day)
    ids = customers["id"]
    tables = [
        adoption.account_metrics(usage, as_of=day, events=events, accounts=customers),
        _own_measures(customers, milestones, day, instant),
    ]
    if tickets is not None:
        tables.append(support.account_metrics(tickets, as_of=day, accounts=customers))
    if survey_responses is not None:
        scores = nps.account_scores(survey_responses, as_of=day)
        tables.append(scores.to_measures())
    return join_measures(*tables, accounts=ids)


def _customers(accounts: object, day: date) -> dict[str, NDArray[np.generic]]:
    """The accounts active on ``day``, sorted by id."""
    table = read_columns(
        accounts,
        Account,
        need=["id", "start_date"],
        optional=["end_date", "renewal_date", "seats", "plan"],
    )
    today = np.datetime64(day, "D")
    current = table["start_date"] <= today
    if "end_date" in table:
        current &= np.isnat(table["end_date"]) | (table["end_date"] > today)
    rows = np.flatnonzero(current)
    rows = rows[np.argsort(table["id"][rows].astype(str), kind="stable")]
    return {name: values[rows] for name, values in table.items()}


def _own_measures(
    customers: dict[str, NDArray[np.generic]],
    milestones: object,
    day: date,
    instant: np.datetime64,
) -> MeasureTable:
    ids = customers["id"]
    today = np.datetime64(day, "D")
    renewal = customers.get("renewal_date")
    days: FloatArray = np.full(len(ids), np.nan)
    if renewal is not None:
        known = ~np.isnat(renewal)
        days[known] = (renewal[known] - today).astype(np.int64).astype(np.float64)
    progress = _onboarding(ids, milestones, today)
    return MeasureTable(
        ids,
        {"onboarding_progress": progress, "days_to_renewal": days},
        as_of=instant,
        source="scoring.default_inputs",
    )


def _onboarding(ids: IdArray, milestones: object, today: np.datetime64) -> FloatArray:
    """Per account, of the required milestones due before today, the share done on time."""
    progress: FloatArray = np.full(len(ids), np.nan)
    if milestones is None:
        return progress
    table = read_columns(
        milestones,
        Milestone,
        need=["account_id"],
        optional=["required", "due_date", "completed_on"],
    )
    due = table.get("due_date")
    if due is None or not len(ids):
        return progress
    required = table.get("required", np.ones(len(due), dtype=bool))
    done = table.get("completed_on", np.full(len(due), np.datetime64("NaT"), "datetime64[D]"))
    counted = required & ~np.isnat(due) & (due < today)
    at = sorted_positions(ids, table["account_id"])
    counted &= at >= 0
    on_time = counted & ~np.isnat(done) & (done <= due)
    n_due = np.bincount(at[counted], minlength=len(ids))
    n_done = np.bincount(at[on_time], minlength=len(ids))
    some = n_due > 0
    progress[some] = n_done[some] / n_due[some]
    return progress
