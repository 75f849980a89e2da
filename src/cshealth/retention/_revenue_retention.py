"""Revenue retention: cohort NRR and GRR of the customers paying on one day, seen on another.

`revenue_retention` reads `RevenueChange` records through one `Timeline` and looks at the
customers paying on one day (``base_on``) and again on a later one (``compare_on``): two
snapshots (spec 3.3, the canonical NRR/GRR). The MRR in force on a day includes the
changes effective that day, so the waterfall that carries the snapshot of ``base_on`` to
that of ``compare_on`` is `mrr_movements` over the window
``[base_on + 1 day, compare_on + 1 day)``. Accounts group with ``by`` (a `Grouped` result).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import overload

from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._result import Result, jsonable
from cshealth._types import AsOf, FloatArray
from cshealth.retention._economics import _non_negative, _periods_per_year, _shown
from cshealth.retention._periods import _window, day_to_date, periods_per_year
from cshealth.retention._timeline import _read, account_groups
from cshealth.retention._window_rates import AnnualizedRetention, _power

__all__ = ["RETENTION_COUNTS", "RETENTION_SUMS", "RevenueRetention", "revenue_retention"]

#: The counts of a `RevenueRetention`, and its MRR sums: what its partial merges.
RETENTION_COUNTS = ("starting_customers", "churned_customers")
RETENTION_SUMS = ("starting_mrr", "ending_mrr", "churned_mrr", "contraction_mrr", "expansion_mrr")


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, eq=False, repr=False)
class RevenueRetention(Result):
    """Who of the customers paying on ``base_on`` still pays on ``compare_on``, and how much.

    The base is every account whose MRR in force on ``base_on`` is above 0 (and at least
    ``min_base_mrr``); customers who join later are not in it. Each base customer is
    looked at again on ``compare_on``: at 0 it churned (a churn effective exactly on
    ``compare_on`` counts), below its starting MRR it contracted, above it expanded. A
    customer who churned and came back in between counts at its MRR on ``compare_on``.

    Attributes:
        base_on: The day the base is taken.
        compare_on: The day the base is looked at again.
        starting_customers: Customers in the base.
        churned_customers: Base customers paying nothing on ``compare_on``.
        starting_mrr: The base's MRR on ``base_on``.
        ending_mrr: The base's MRR on ``compare_on`` (new customers are not included).
        churned_mrr: Starting MRR of the churned customers.
        contraction_mrr: Lost MRR of base customers still paying less.
        expansion_mrr: Gained MRR of base customers paying more.
        periods_per_year: How many such windows make a year (for `annualized`).
    """

    base_on: date
    compare_on: date
    starting_customers: int
    churned_customers: int
    starting_mrr: float
    ending_mrr: float
    churned_mrr: float
    contraction_mrr: float
    expansion_mrr: float
    periods_per_year: float

    @property
    def logo_churn_rate(self) -> float | None:
        """Churned / starting customers; ``None`` without a base, 0.0 without churn."""
        return _ratio(self.churned_customers, self.starting_customers)

    @property
    def logo_retention_rate(self) -> float | None:
        """``1 - logo_churn_rate``."""
        churn = self.logo_churn_rate
        return None if churn is None else 1.0 - churn

    @property
    def nrr(self) -> float | None:
        """Net revenue retention: the base's MRR on ``compare_on`` over its MRR on ``base_on``."""
        return _ratio(self.ending_mrr, self.starting_mrr)

    @property
    def grr(self) -> float | None:
        """Gross revenue retention: each customer capped at its starting MRR, so <= 1."""
        kept = self.starting_mrr - self.churned_mrr - self.contraction_mrr
        grr = _ratio(kept, self.starting_mrr)
        return None if grr is None else min(max(grr, 0.0), 1.0)

    def annualized(self, periods_per_year: float | None = None) -> AnnualizedRetention:
        """The rates compounded to a year (never multiplied).

        Args:
            periods_per_year: How many windows make a year; by default 12 / months for a
                window of whole calendar months, else 365.2425 / days.

        Raises:
            InvalidInputError: If ``periods_per_year`` is not a finite number above 0.

        Examples:
            >>> r = revenue_retention(
            ...     {
            ...         "account_id": ["A", "B"],
            ...         "effective_on": ["2025-01-01", "2025-01-01"],
            ...         "mrr": [100.0, 100.0],
            ...     },
            ...     base_on=date(2025, 1, 1),
            ...     compare_on=date(2025, 2, 1),
            ... )
            >>> r.annualized()
            AnnualizedRetention(periods_per_year=12, logo_churn_rate=0, nrr=1, grr=1)
        """
        k = self.periods_per_year if periods_per_year is None else periods_per_year
        k = _periods_per_year(k)
        retention = _power(self.logo_retention_rate, k)
        return AnnualizedRetention(
            periods_per_year=k,
            logo_churn_rate=None if retention is None else 1.0 - retention,
            logo_retention_rate=retention,
            nrr=_power(self.nrr, k),
            grr=_power(self.grr, k),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the fields (counts, MRR amounts), then the rates derived from them."""
        return {
            **super().to_dict(),
            "logo_churn_rate": jsonable(self.logo_churn_rate),
            "logo_retention_rate": jsonable(self.logo_retention_rate),
            "nrr": jsonable(self.nrr),
            "grr": jsonable(self.grr),
        }

    def __repr__(self) -> str:
        return (
            f"RevenueRetention({self.base_on} to {self.compare_on}: "
            f"customers={self.starting_customers}, churned={self.churned_customers}, "
            f"nrr={_shown(self.nrr)}, grr={_shown(self.grr)})"
        )


@overload
def revenue_retention(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: None = None,
) -> RevenueRetention: ...
@overload
def revenue_retention(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By,
) -> Grouped[RevenueRetention]: ...
def revenue_retention(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By | None = None,
) -> RevenueRetention | Grouped[RevenueRetention]:
    """Cohort NRR and GRR, and logo churn, of the customers paying on ``base_on``.

    Two snapshot days, as in the SQL of *Fighting Churn With Data* (chapter 2): the base
    is the accounts paying on ``base_on`` (MRR in force that day above 0, and at least
    ``min_base_mrr``), each looked at again on ``compare_on``. NRR is the base's summed
    MRR on ``compare_on`` over its summed MRR on ``base_on``; GRR caps each customer at
    its starting MRR first, so GRR <= 1 and NRR >= GRR. Customers acquired after
    ``base_on`` are left out (spec 3.3).

    Args:
        changes: `RevenueChange` records, or columns ``account_id``, ``effective_on``,
            ``mrr`` (a mapping, a data frame or a `Table`).
        base_on: The day the base is taken (a date, or an aware datetime taken at its
            UTC day).
        compare_on: The day the base is looked at again; after ``base_on``.
        min_base_mrr: Leave base customers under this MRR out (PostHog leaves out small
            accounts); 0 keeps every paying customer.
        by: Group the accounts: a column of ``changes`` (one value for all the changes of
            an account), or a mapping from account id to group. Accounts without a group
            are the group ``'(none)'``, never dropped.

    Returns:
        The `RevenueRetention`; its rates are ``None`` when the base is empty. With
        ``by``, a `Grouped` of one per group (every group of the data), each the one this
        function gives on that group's accounts alone.

    Raises:
        InvalidInputError: On bad records (every one listed), two changes of one
            account on one day, ``base_on >= compare_on``, naive datetimes, a negative
            ``min_base_mrr``, or a ``by`` that is neither a column nor a mapping, names
            no column, or gives one account two groups.

    Notes:
        The MRR in force on a day includes the changes effective that day: a churn
        effective on ``compare_on`` counts, and an account whose first payment is
        effective on ``base_on`` is in the base. So the changes that carry the base from
        one snapshot to the other are those effective in ``[base_on + 1 day,
        compare_on + 1 day)``: on the base's accounts, the waterfall
        ``mrr_movements(changes, start=base_on + 1 day, end=compare_on + 1 day)``
        starts at `starting_mrr` and ends at `ending_mrr`, with no new MRR (the tests
        check it).

    Examples:
        >>> changes = {
        ...     "account_id": ["A", "B", "C", "B", "C", "D"],
        ...     "effective_on": [
        ...         "2025-01-01",
        ...         "2025-01-01",
        ...         "2025-01-01",
        ...         "2025-06-01",
        ...         "2025-09-01",
        ...         "2025-03-01",
        ...     ],
        ...     "mrr": [100.0, 200.0, 300.0, 260.0, 0.0, 999.0],
        ... }
        >>> r = revenue_retention(changes, base_on=date(2025, 1, 1), compare_on=date(2026, 1, 1))
        >>> r  # A kept 100, B grew 200 -> 260, C churned; D joined later (not in the base)
        RevenueRetention(2025-01-01 to 2026-01-01: customers=3, churned=1, nrr=0.6, grr=0.5)
        >>> r.starting_mrr, r.ending_mrr, r.churned_mrr, r.expansion_mrr
        (600.0, 360.0, 300.0, 60.0)
        >>> round(r.logo_churn_rate, 4)
        0.3333

        By group (D, not in the mapping, is in ``'(none)'``, with an empty base):

        >>> g = revenue_retention(
        ...     changes,
        ...     base_on=date(2025, 1, 1),
        ...     compare_on=date(2026, 1, 1),
        ...     by={"A": "smb", "B": "smb", "C": "ent"},
        ... )
        >>> {label: r.nrr for label, r in g.items()}, g.ungrouped
        ({'(none)': None, 'ent': 0.0, 'smb': 1.2}, 1)
    """
    first, last = _window(base_on, compare_on, ("base_on", "compare_on"))
    _non_negative(min_base_mrr, "min_base_mrr")
    timeline, columns = _read(changes, by)
    m0, m1 = timeline.levels_at(first), timeline.levels_at(last)
    overall = _retention(m0, m1, first, last, min_base_mrr)
    if by is None:
        return overall
    return account_groups(timeline, columns, by).apply(
        overall, lambda rows: _retention(m0[rows], m1[rows], first, last, min_base_mrr)
    )


def _retention(
    m0: FloatArray, m1: FloatArray, first: int, last: int, min_base_mrr: float
) -> RevenueRetention:
    """The retention of accounts whose MRR is ``m0`` on ``first`` and ``m1`` on ``last``."""
    return _retention_result(_retention_sums(m0, m1, min_base_mrr), first, last)


def _retention_sums(m0: FloatArray, m1: FloatArray, min_base_mrr: float) -> dict[str, float]:
    """The counts (`RETENTION_COUNTS`) and MRR sums (`RETENTION_SUMS`) of the accounts."""
    base = (m0 > 0) & (m0 >= min_base_mrr)
    m0, m1 = m0[base], m1[base]
    churned = m1 == 0
    lower = ~churned & (m1 < m0)
    higher = m1 > m0
    return {
        "starting_customers": int(base.sum()),
        "churned_customers": int(churned.sum()),
        "starting_mrr": math.fsum(m0),
        "ending_mrr": math.fsum(m1),
        "churned_mrr": math.fsum(m0[churned]),
        "contraction_mrr": math.fsum(m0[lower] - m1[lower]),
        "expansion_mrr": math.fsum(m1[higher] - m0[higher]),
    }


def _retention_result(sums: Mapping[str, float], first: int, last: int) -> RevenueRetention:
    """The `RevenueRetention` of its sums: the one finaliser of the function and its partial."""
    return RevenueRetention(
        base_on=day_to_date(first),
        compare_on=day_to_date(last),
        starting_customers=int(sums["starting_customers"]),
        churned_customers=int(sums["churned_customers"]),
        starting_mrr=float(sums["starting_mrr"]),
        ending_mrr=float(sums["ending_mrr"]),
        churned_mrr=float(sums["churned_mrr"]),
        contraction_mrr=float(sums["contraction_mrr"]),
        expansion_mrr=float(sums["expansion_mrr"]),
        periods_per_year=periods_per_year(first, last),
    )
