"""What the backtest section reads on each observation date: only what was known then.

The observation dates are the first of each of the 24 months before the report's date
(those after a first month of usage). On each, the default scorecard's measures are
taken on the Monday on or before it: weekly usage is recorded per week (dated on its
Monday), and the week holding the date is not over yet.

An account's ``renewal_date`` is its current one: the next renewal of an active account,
and none once it churned. Read on a past date it would tell the score who stays (the
accounts with a renewal date are the survivors), the look-ahead a backtest must not
make. When every current renewal date is an anniversary of its account's start (annual
contracts), the renewal known on a date is the first anniversary of the start on or
after it; otherwise the renewal measure is left out of the backtest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

import numpy as np

from cshealth._types import Column, DateArray
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth.scoring import HealthScores, Scorecard

#: The outcome window: churn within this many days after an observation date.
HORIZON_DAYS = 90
#: Observation dates: the first of each of this many months before the report's date.
MONTHS = 24
#: The usage measures' window: a date needs this many days of usage before it.
USAGE_DAYS = 28

#: How the renewal known on each date is found: the anniversary of the start date
#: (``"anniversary"``), left out because the current dates cannot be rolled back
#: (``"left_out"``), or there are none (``"none"``).
RenewalRule = Literal["anniversary", "left_out", "none"]

_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class Sources:
    """The tables the backtest reads (``None``: absent or empty), and the renewal rule."""

    accounts: Table
    usage: Table
    tickets: Table | None
    survey_responses: Table | None
    milestones: Table | None
    revenue_changes: Table | None
    renewals: RenewalRule

    @classmethod
    def of(cls, tables: Mapping[str, Table], accounts: Table, usage: Table) -> Sources:
        """The sources of a report's tables."""
        return cls(
            accounts=accounts,
            usage=usage,
            tickets=_some_rows(tables.get("tickets")),
            survey_responses=_some_rows(tables.get("survey_responses")),
            milestones=_some_rows(tables.get("milestones")),
            revenue_changes=_some_rows(tables.get("revenue_changes")),
            renewals=renewal_rule(accounts),
        )

    def accounts_on(self, day: date) -> Table | dict[str, Column]:
        """The accounts as known on ``day``: the renewal date of that day, or none.

        Columns the accounts do not have (`Table.absent`) stay absent.
        """
        if self.renewals == "none":
            return self.accounts
        columns = {
            name: self.accounts[name]
            for name in self.accounts.columns
            if name not in self.accounts.absent and name != "renewal_date"
        }
        if self.renewals == "anniversary":
            start = self.accounts.dates("start_date")
            columns["renewal_date"] = anniversaries(start, np.datetime64(day, "D"))
        return columns

    def scores_on(self, card: Scorecard, day: date) -> HealthScores:
        """The scorecard's scores from what was known on ``day``: its last complete week."""
        from cshealth import scoring  # noqa: PLC0415

        monday = day - timedelta(days=day.weekday())
        inputs = scoring.default_inputs(
            accounts=self.accounts_on(monday),
            usage=self.usage,
            as_of=monday,
            tickets=self.tickets,
            survey_responses=self.survey_responses,
            milestones=self.milestones,
        )
        return scoring.score(card, inputs, as_of=monday)


def _some_rows(table: Table | None) -> Table | None:
    return table if table is not None and table.n_rows else None


def renewal_rule(accounts: Table) -> RenewalRule:
    """How the renewal known on each date is found (see the module's text).

    Examples:
        >>> from cshealth import Account, to_columns
        >>> accounts = to_columns(
        ...     {
        ...         "id": ["a", "b"],
        ...         "name": ["a", "b"],
        ...         "start_date": ["2023-03-15", "2024-02-29"],
        ...         "renewal_date": ["2026-03-15", "2026-02-28"],
        ...     },
        ...     Account,
        ... )
        >>> renewal_rule(accounts)
        'anniversary'
    """
    if "renewal_date" in accounts.absent or "renewal_date" not in accounts.columns:
        return "none"
    renewal = accounts.dates("renewal_date")
    known = ~np.isnat(renewal)
    if not known.any():
        return "none"
    start = accounts.dates("start_date")[known]
    rolled = anniversaries(start, renewal[known])
    return "anniversary" if bool(np.all(rolled == renewal[known])) else "left_out"


def anniversaries(start: DateArray, day: np.datetime64 | DateArray) -> DateArray:
    """Each start's first anniversary on or after ``day``, and after the start itself.

    A start on 29 February has its anniversary on 28 February in other years. Starts
    after ``day`` have none (NaT): the account is not a customer yet.

    Examples:
        >>> start = np.array(["2023-03-15", "2024-02-29", "2025-06-01"], dtype="datetime64[D]")
        >>> anniversaries(start, np.datetime64("2025-03-15")).tolist()
        [datetime.date(2025, 3, 15), datetime.date(2026, 2, 28), None]
    """
    start = start.astype("datetime64[D]")
    day = np.asarray(day).astype("datetime64[D]")
    months = start.astype("datetime64[M]")
    month = (months - start.astype("datetime64[Y]").astype("datetime64[M]")).astype(np.int64)
    offset = (start - months.astype("datetime64[D]")).astype(np.int64)

    def in_year(year: np.ndarray) -> DateArray:
        first = year.astype("datetime64[M]") + month
        last = (first + 1).astype("datetime64[D]") - 1
        on: DateArray = np.minimum(first.astype("datetime64[D]") + offset, last)
        return on

    year = day.astype("datetime64[Y]")
    this = in_year(year)
    found = np.where((this >= day) & (this > start), this, in_year(year + 1))
    out: DateArray = np.where(start <= day, found, _NAT)
    return out


def observation_dates(usage: Table, as_of: date) -> list[date]:
    """The first of each of the `MONTHS` months before ``as_of`` that follow enough usage.

    A date needs `USAGE_DAYS` days of usage before it (the usage measures' window).

    Examples:
        >>> from cshealth.datasets import sample
        >>> data = sample(seed=3, n_accounts=20)
        >>> dates = observation_dates(data.tables()["usage"], data.as_of)
        >>> len(dates), dates[0], dates[-1]
        (24, datetime.date(2024, 1, 1), datetime.date(2025, 12, 1))
    """
    last = (as_of - timedelta(days=1)).replace(day=1)
    months = [_add_months(last, -k) for k in range(MONTHS - 1, -1, -1)]
    days = usage.dates("day")
    known = days[~np.isnat(days)]
    if not len(known):
        return []
    first: date = known.min().astype("datetime64[D]").item()
    return [d for d in months if d >= first + timedelta(days=USAGE_DAYS)]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
