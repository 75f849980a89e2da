"""`renewals`: the renewals coming due, with their revenue, health, stage and risk.

A renewal is due in the window when the account is a customer on ``as_of`` and its
``renewal_date`` falls on or after ``as_of`` and at most ``within_days`` later (the last
day included). Who is a customer, and at what MRR, is read as `classify` reads it (the
lifecycle inputs ``customer`` and ``mrr`` of `cshealth.lifecycle._sources`): started
before ``as_of``, not ended by then, and, where revenue changes are given, not at an MRR
of 0 before ``as_of``; an account in the ``churned`` stage of the stage assignments, when
given, has no renewal due either. Revenue at risk is the MRR of the due renewals whose
accounts carry the ``at_risk`` flag (from the stage assignments, when given). Renewals are
listed by due day and totalled per calendar month due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._result import AccountResult, RowsResult
from cshealth._time import as_day, as_instant
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io._read import positions_of
from cshealth.lifecycle._assignments import StageAssignments
from cshealth.lifecycle._days import days, known, to_date, to_dates
from cshealth.lifecycle._milestones import read_indexed_accounts
from cshealth.lifecycle._rules import DEFAULT_RULES
from cshealth.lifecycle._signal import check_taken
from cshealth.lifecycle._sources import Sources
from cshealth.scoring import HealthScores

__all__ = ["RenewalMonths", "Renewals", "renewals"]

#: The flag whose due renewals are revenue at risk.
AT_RISK = "at_risk"
#: The stage of the accounts that are no longer customers: no renewal is due.
CHURNED = "churned"


@dataclass(frozen=True, eq=False, repr=False)
class RenewalMonths(RowsResult):
    """Due renewals per calendar month due.

    Attributes:
        months: Each month (``2025-04``).
        renewals: Renewals due in it.
        mrr: Their MRR.
        at_risk: Those of accounts flagged at risk.
        mrr_at_risk: Their MRR.
    """

    months: tuple[str, ...]
    renewals: IntArray
    mrr: FloatArray
    at_risk: IntArray
    mrr_at_risk: FloatArray

    row_fields = ("months", "renewals", "mrr", "at_risk", "mrr_at_risk")

    def __len__(self) -> int:
        return len(self.months)

    def __repr__(self) -> str:
        return f"RenewalMonths({len(self)} months)"


@dataclass(frozen=True, eq=False, repr=False)
class Renewals(AccountResult):
    """The renewals due within the window, by due day (see `renewals`).

    Attributes:
        account_ids: The accounts renewing.
        renewal_date: Each one's renewal day.
        days_to_renewal: Days from ``as_of`` to it (0 is due on ``as_of``).
        mrr: Each one's MRR: the MRR in force before ``as_of`` by the revenue changes,
            else the stage assignments', else the accounts' ``mrr`` (NaN when unknown).
        band: Each one's health band (``None`` without health, or when not scored).
        stage: Each one's stage (``None`` without stage assignments).
        at_risk: Whether the account carries the ``at_risk`` flag (false without stage
            assignments).
        by_month: The totals per calendar month due.
        as_of: The first day of the window.
        within_days: The window's length: due on or before ``as_of + within_days``.
        mrr_due: The MRR of every due renewal (unknown MRR counts 0).
        mrr_at_risk: The MRR of the due renewals flagged at risk.
        unknown_mrr: Due renewals whose MRR is unknown.
    """

    account_ids: IdArray
    renewal_date: NDArray[np.datetime64]
    days_to_renewal: IntArray
    mrr: FloatArray
    band: ObjectArray
    stage: ObjectArray
    at_risk: BoolArray
    by_month: RenewalMonths
    as_of: date
    within_days: int
    mrr_due: float
    mrr_at_risk: float
    unknown_mrr: int

    row_fields = (
        "account_ids",
        "renewal_date",
        "days_to_renewal",
        "mrr",
        "band",
        "stage",
        "at_risk",
    )

    def __repr__(self) -> str:
        return (
            f"Renewals({len(self)} due in {self.within_days} days from {self.as_of}: "
            f"MRR {self.mrr_due:,.0f}, at risk {self.mrr_at_risk:,.0f})"
        )


def renewals(
    accounts: object,
    *,
    as_of: AsOf,
    within_days: int = 120,
    health: HealthScores | None = None,
    stages: StageAssignments | None = None,
    revenue_changes: object = None,
) -> Renewals:
    """The renewals due from ``as_of`` to ``within_days`` later, with the MRR at risk.

    Args:
        accounts: `Account` data with ``id``, ``start_date`` and ``renewal_date`` (and
            ``end_date`` and ``mrr`` when known). An account that is no customer on
            ``as_of`` (it ended, or starts later) has no renewal due.
        as_of: The first day of the window (a ``date``, or an instant taken at its UTC
            day).
        within_days: The window's length in days; a renewal exactly that many days out
            is due.
        health: Health scores taken on or before ``as_of``, for each renewal's band.
        stages: The stage assignments of ``as_of`` (`classify`), for each renewal's stage,
            its ``at_risk`` flag and its MRR. An account in the ``churned`` stage has no
            renewal due.
        revenue_changes: `RevenueChange` data, as `classify` reads it: an account whose
            MRR in force before ``as_of`` is 0 has churned (no renewal due), and the MRR
            of a due renewal is the MRR in force where a change before ``as_of`` set it
            (else the stage assignments', else the accounts' ``mrr``). Changes of
            accounts not given are not read.

    Returns:
        The `Renewals`, by due day (ties by account order).

    Raises:
        InvalidInputError: On bad accounts or revenue changes (every bad row named), a
            negative or non-whole ``within_days``, health taken after ``as_of``, or stage
            assignments of another day.

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["a", "b", "c"],
        ...     "start_date": ["2024-01-01"] * 3,
        ...     "renewal_date": ["2025-04-15", "2025-09-01", "2025-05-02"],
        ...     "mrr": [100.0, 200.0, 50.0],
        ... }
        >>> due = renewals(accounts, as_of=date(2025, 3, 1))
        >>> due.account_ids.tolist(), due.mrr_due
        (['a', 'c'], 150.0)
        >>> due.by_month.months, due.by_month.mrr.tolist()
        (('2025-04', '2025-05'), [100.0, 50.0])

        Revenue changes before ``as_of`` set the MRR in force; one to 0 is a churn:

        >>> changes = {
        ...     "account_id": ["a", "c"],
        ...     "effective_on": ["2025-01-01", "2025-02-01"],
        ...     "mrr": [120.0, 0.0],
        ... }
        >>> due = renewals(accounts, as_of=date(2025, 3, 1), revenue_changes=changes)
        >>> due.account_ids.tolist(), due.mrr.tolist()
        (['a'], [120.0])
    """
    day = as_day(as_of, "as_of")
    window = whole_number(within_days, "within_days", low=0)
    book = _book(accounts, day, revenue_changes)
    renewal = days(book.accounts["renewal_date"])
    customer = np.asarray(book.customer().values, dtype=bool)
    ahead = renewal - day
    due = np.flatnonzero(customer & known(renewal) & (ahead >= 0) & (ahead <= window))
    due = due[np.argsort(renewal[due], kind="stable")]
    ids = book.ids[due]
    mrr = (
        book.accounts["mrr"].astype(np.float64)[due]
        if "mrr" in book.accounts.columns
        else np.full(len(due), np.nan)
    )
    stage = np.full(len(due), None, dtype=object)
    risk = np.zeros(len(due), dtype=bool)
    if stages is not None:
        stage, risk, mrr = _from_stages(stages, ids, day, mrr)
        kept = np.asarray(stage != CHURNED, dtype=bool)
        due, ids, mrr, stage, risk = due[kept], ids[kept], mrr[kept], stage[kept], risk[kept]
    if revenue_changes is not None:  # the MRR in force before as_of, where a change set it
        level, has = book.levels()
        mrr = np.where(has[due], level[due], mrr).astype(np.float64)
    band = _bands(health, ids, day)
    return Renewals(
        account_ids=ids,
        renewal_date=to_dates(renewal[due]),
        days_to_renewal=ahead[due].astype(np.int64),
        mrr=mrr,
        band=band,
        stage=stage,
        at_risk=risk,
        by_month=_months(renewal[due], mrr, risk),
        as_of=to_date(day),
        within_days=window,
        mrr_due=float(np.nansum(mrr)),
        mrr_at_risk=float(np.nansum(mrr[risk])),
        unknown_mrr=int(np.isnan(mrr).sum()),
    )


def _book(accounts: object, day: int, revenue_changes: object) -> Sources:
    """The accounts started before ``day``, read as `classify` reads them (`Sources`)."""
    table, index = read_indexed_accounts(
        accounts, ("start_date", "renewal_date"), ("end_date", "mrr")
    )
    scope = np.flatnonzero(days(table["start_date"]) < day)
    return Sources(
        accounts=table.take(scope) if len(scope) < table.n_rows else table,
        raw_accounts=accounts,
        scope=scope,
        day=day,
        instant=as_instant(to_date(day), "as_of"),
        thresholds=DEFAULT_RULES.thresholds,  # read by neither `customer` nor the MRR
        given_ids=table["id"],
        given_index=index,
        revenue_changes=revenue_changes,
    )


def _from_stages(
    stages: StageAssignments, ids: IdArray, day: int, mrr: FloatArray
) -> tuple[ObjectArray, BoolArray, FloatArray]:
    if not isinstance(cast("object", stages), StageAssignments):
        msg = f"`stages` must be StageAssignments (classify), got {type(stages).__name__}"
        raise InvalidInputError(msg)
    if stages.as_of != to_date(day):
        msg = f"`stages` are of {stages.as_of}, not of as_of ({to_date(day)}); classify as of as_of"
        raise InvalidInputError(msg)
    at = positions_of(
        stages.account_ids, ids, keys_name="`stages` accounts", values_name="accounts"
    )
    found = at >= 0
    where = np.maximum(at, 0)
    stage: ObjectArray = stages.stage[where].copy()
    stage[~found] = None
    flags = stages.flags.get(AT_RISK)
    risk = found & (flags[where] if flags is not None else False)
    better = np.where(found & ~np.isnan(stages.mrr[where]), stages.mrr[where], mrr)
    return stage, np.asarray(risk, dtype=bool), better.astype(np.float64)


def _bands(health: HealthScores | None, ids: IdArray, day: int) -> ObjectArray:
    out = np.full(len(ids), None, dtype=object)
    if health is None:
        return out
    if not isinstance(cast("object", health), HealthScores):
        msg = f"`health` must be scoring.HealthScores, got {type(health).__name__}"
        raise InvalidInputError(msg)
    check_taken(health.as_of, np.datetime64(to_date(day), "us"), "health")
    at = positions_of(
        health.account_ids, ids, keys_name="`health` accounts", values_name="accounts"
    )
    found = at >= 0
    out[found] = health.band[at[found]]
    return out


def _months(renewal: IntArray, mrr: FloatArray, risk: BoolArray) -> RenewalMonths:
    month = renewal.astype("datetime64[D]").astype("datetime64[M]")
    labels, code = np.unique(month, return_inverse=True)
    k = len(labels)
    weight = np.nan_to_num(mrr)
    return RenewalMonths(
        months=tuple(str(m) for m in labels.astype("datetime64[M]").astype(str).tolist()),
        renewals=np.bincount(code, minlength=k).astype(np.int64),
        mrr=np.bincount(code, weights=weight, minlength=k).astype(np.float64),
        at_risk=np.bincount(code[risk], minlength=k).astype(np.int64),
        mrr_at_risk=np.bincount(code[risk], weights=weight[risk], minlength=k).astype(np.float64),
    )
