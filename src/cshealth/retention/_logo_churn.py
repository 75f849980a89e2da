"""Logo churn from account dates, and activity churn from event logs (spec §3.4).

`logo_churn` counts customers: an account is a customer on day ``d`` when
``start_date <= d < end_date``. It compares two snapshot days, as the SQL of *Fighting
Churn With Data* does: the base is taken on ``base_on`` and looked at again on
``compare_on``:

* ``starting_customers`` are active on ``base_on``, ``ending_customers`` on
  ``compare_on``;
* ``churned_customers`` are base customers no longer active on ``compare_on``; a churn
  exactly on ``compare_on`` (``end_date == compare_on``) counts, as the day is the first
  one without them;
* ``new_customers`` joined after ``base_on`` and are still there on ``compare_on``;
* ``churn_events`` counts every churn in ``(base_on, compare_on]``, including customers
  who joined and left in between, and ``customer_days`` the days customers were active
  in ``[base_on, compare_on)``: the two parts of the hazard-rate form.

Each row is one customer's one stint; a customer who left and came back is best measured
from revenue changes (``revenue_retention``), where a reactivation is visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias, cast, overload

import numpy as np

from cshealth._checks import iso, one_of
from cshealth._exceptions import InvalidInputError
from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._result import Result
from cshealth._stats import ConfidenceInterval, Rate, check_confidence_level
from cshealth._types import AsOf, IntArray
from cshealth.io import Table
from cshealth.retention._accounts import read_account_groups, read_churn_accounts
from cshealth.retention._economics import _shown
from cshealth.retention._periods import as_day, day_to_date, periods_per_year
from cshealth.retention._window_rates import _annualized, _interval

__all__ = ["Denominator", "LogoChurn", "logo_churn"]

#: The denominator of a logo churn rate.
Denominator: TypeAlias = Literal["start", "average", "customer_days"]


_NEVER = np.iinfo(np.int64).max  # the end day of a customer still active
#: The counts of a `LogoChurn`: the sums its partial (`LogoChurnPartial`) merges.
LOGO_COUNTS = (
    "starting_customers",
    "ending_customers",
    "new_customers",
    "churned_customers",
    "customer_days",
    "churn_events",
)


@dataclass(frozen=True, eq=False, repr=False)
class LogoChurn(Result):
    """Customer (logo) churn between two snapshot days, from account dates.

    Attributes:
        base_on: The day the base is taken.
        compare_on: The day the base is looked at again.
        denominator: ``{'start', 'average', 'customer_days'}``, the form of `rate`.
        starting_customers: Customers active on ``base_on`` (the base).
        ending_customers: Customers active on ``compare_on``.
        new_customers: Active on ``compare_on`` but not on ``base_on`` (joined in between).
        churned_customers: Base customers not active on ``compare_on``.
        customer_days: Days customers were active in ``[base_on, compare_on)``, summed.
        churn_events: Churns in ``(base_on, compare_on]``, including customers who joined
            in between.
        rate: The churn rate of the window by ``denominator``; ``None`` on a zero
            denominator, 0.0 when nobody churned.
        retention_rate: ``1 - rate``; ``None`` with it.
        periods_per_year: How many such windows make a year (12 for a calendar month).

    Examples:
        >>> from datetime import date
        >>> res = logo_churn(
        ...     {"start_date": ["2024-01-01", "2024-06-01"], "end_date": ["2025-01-20", None]},
        ...     base_on=date(2025, 1, 1),
        ...     compare_on=date(2025, 2, 1),
        ... )
        >>> res
        LogoChurn(2025-01-01 to 2025-02-01, rate=0.5 (start), 1 churned of 2 starting,
                  0 new, 1 ending)
    """

    base_on: date
    compare_on: date
    denominator: Denominator
    starting_customers: int
    ending_customers: int
    new_customers: int
    churned_customers: int
    customer_days: int
    churn_events: int
    rate: float | None
    retention_rate: float | None
    periods_per_year: float

    @property
    def days(self) -> int:
        """Days from one snapshot to the other, ``compare_on - base_on``."""
        return (self.compare_on - self.base_on).days

    def annualized(self, periods_per_year: float | None = None) -> float | None:
        """The rate compounded over a year: ``1 - (1 - rate) ** periods_per_year``.

        Args:
            periods_per_year: Windows per year; by default the window's own
                `periods_per_year`.

        Returns:
            The yearly churn rate, or ``None`` when `rate` is ``None`` or above 1 (the
            ``average`` and ``customer_days`` forms can pass 1 under heavy turnover,
            where compounding has no meaning).

        Raises:
            InvalidInputError: On ``periods_per_year`` that is not a finite number > 0.
        """
        return _annualized(self.rate, periods_per_year, self.periods_per_year)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval | None:
        """An interval for `rate`; ``None`` when the rate is ``None``.

        Wilson's interval for ``start`` (a binomial share of the base), the exact
        (Garwood) Poisson interval of the churn events scaled like the rate for
        ``customer_days``, and ``None`` for ``average`` (no sampling model).

        Raises:
            InvalidInputError: On a ``confidence_level`` outside ``(0, 1)``.
        """
        if self.denominator == "start":
            return _interval(
                Rate(self.churned_customers, self.starting_customers), confidence_level
            )
        level = check_confidence_level(confidence_level)
        if self.denominator == "average" or not self.customer_days:
            return None
        from scipy import stats  # noqa: PLC0415

        alpha, events = 1.0 - level, self.churn_events
        low = stats.chi2.ppf(alpha / 2, 2 * events) / 2 if events else 0.0
        high = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
        scale = self.days / self.customer_days
        return ConfidenceInterval(float(low) * scale, float(high) * scale)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the window as ISO dates, every count, the rates and the annualised rate."""
        return {**super().to_dict(), "annualized": self.annualized()}

    def __repr__(self) -> str:
        return (
            f"LogoChurn({self.base_on} to {self.compare_on}, rate={_shown(self.rate)} "
            f"({self.denominator}), {self.churned_customers} churned of "
            f"{self.starting_customers} starting, {self.new_customers} new, "
            f"{self.ending_customers} ending)"
        )


def _window(base_on: object, compare_on: object, timezone: str) -> tuple[int, int]:
    """The two days as day numbers (instants on ``timezone``'s clock), the first earlier."""
    first = as_day(base_on, "base_on", timezone=timezone)
    last = as_day(compare_on, "compare_on", timezone=timezone)
    if first >= last:
        msg = (
            "`base_on` must be before `compare_on`, got "
            f"base_on={iso(base_on)} and compare_on={iso(compare_on)}"
        )
        raise InvalidInputError(msg)
    return first, last


def _churn_rate(
    denominator: Denominator,
    *,
    churned: int,
    starting: int,
    ending: int,
    events: int,
    exposure: int,
    days: int,
) -> float | None:
    if denominator == "start":
        return churned / starting if starting else None
    if denominator == "average":
        return churned / ((starting + ending) / 2) if starting else None
    return events / exposure * days if exposure else None


@overload
def logo_churn(
    accounts: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: Denominator = "start",
    timezone: str = "UTC",
    by: None = None,
) -> LogoChurn: ...
@overload
def logo_churn(
    accounts: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: Denominator = "start",
    timezone: str = "UTC",
    by: By,
) -> Grouped[LogoChurn]: ...
def logo_churn(
    accounts: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: Denominator = "start",
    timezone: str = "UTC",
    by: By | None = None,
) -> LogoChurn | Grouped[LogoChurn]:
    """Logo churn of the customers on ``base_on``, seen again on ``compare_on`` (spec §3.4).

    Two snapshot days, as in the SQL of *Fighting Churn With Data* (chapter 2): the base
    is the customers on ``base_on``, and the churned are those of them who are no
    longer customers on ``compare_on`` (an ``end_date`` equal to ``compare_on`` counts).

    Args:
        accounts: ``Account`` records, a `Table`, a mapping of columns or a data frame
            with ``start_date`` and ``end_date`` (the first day no longer a customer; an
            empty cell while still one). Each row is one customer.
        base_on: The day the base is taken (a date, or an instant taken at its day in
            ``timezone``: an aware datetime, ``datetime64`` or ISO text).
        compare_on: The day the base is looked at again; after ``base_on``.
        denominator: ``{'start', 'average', 'customer_days'}``:

            * ``'start'`` (default; ChartMogul's standard): churned / starting. Customers
              who join and churn in between are in neither part.
            * ``'average'``: churned / ((starting + ending) / 2). Damps growth in the
              denominator but still moves with acquisition volume. Can exceed 1.
            * ``'customer_days'``: churn_events / customer_days x days from ``base_on``
              to ``compare_on``, a hazard rate per window that counts every churn (new
              customers too) against the days customers were exposed; it handles
              arrivals in between and can exceed 1 under heavy turnover.
        timezone: The IANA zone on whose clock an instant ``base_on`` or ``compare_on``
            falls on a day (UTC by default); start and end dates are calendar days
            already.
        by: Group the accounts (rows): a column of ``accounts`` (any column, such as
            ``'segment'`` or ``'plan'``), or a mapping from account id to group (the ids
            of the ``id`` column). Accounts without a group are the group ``'(none)'``,
            never dropped.

    Returns:
        The `LogoChurn`. Its ``rate`` is ``None`` when there is no base (``start`` and
        ``average``: the numerator only counts base customers, so with none it says
        nothing) or no customer-days (``customer_days``), and 0.0 when nobody churned.
        With ``by``, a `Grouped` of one per group (every group of the data), each the
        one this function gives on that group's rows alone.

    Raises:
        InvalidInputError: On an unknown ``denominator``, ``base_on`` not before
            ``compare_on``, a naive datetime, a missing ``start_date`` column, no
            ``end_date`` column (churn not measured: never read as 0%), bad dates (an
            ``end_date`` before its ``start_date``; every bad row is listed), or a
            ``by`` that is neither a column nor a mapping, names no column, or is a
            mapping for accounts without an ``id`` column.

    Notes:
        With ``s_i``, ``e_i`` the start and end days of customer ``i`` (``e_i = ∞`` while
        active), ``S = base_on`` and ``E = compare_on``: active at ``d`` is
        ``s_i <= d < e_i``; ``churned = |{i : s_i <= S < e_i <= E}|``, ``churn_events =
        |{i : s_i < e_i, S < e_i <= E}|`` and ``customer_days = Σ max(0, min(e_i, E) -
        max(s_i, S))``.

    Examples:
        Four customers in January 2025: A stays, B churns on 20 January, C joins on
        10 January and churns on 25 January, D joins on 15 January and stays.

        >>> from datetime import date
        >>> accounts = {
        ...     "start_date": ["2024-03-01", "2024-05-01", "2025-01-10", "2025-01-15"],
        ...     "end_date": [None, "2025-01-20", "2025-01-25", None],
        ... }
        >>> jan = dict(base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1))
        >>> logo_churn(accounts, **jan).rate  # B of A, B
        0.5
        >>> logo_churn(accounts, **jan, denominator="average").rate  # 1 / ((2 + 2) / 2)
        0.5
        >>> res = logo_churn(accounts, **jan, denominator="customer_days")
        >>> res.churn_events, res.customer_days  # B and C; 31 + 19 + 15 + 17 days
        (2, 82)
        >>> round(res.rate, 4)  # 2 / 82 * 31
        0.7561

        By a column (any column; a missing value is the group ``'(none)'``):

        >>> accounts["plan"] = ["pro", "basic", "basic", None]
        >>> {label: r.rate for label, r in logo_churn(accounts, **jan, by="plan").items()}
        {'(none)': None, 'basic': 1.0, 'pro': 0.0}
    """
    form = cast("Denominator", one_of(denominator, Denominator, "denominator"))
    first, last = _window(base_on, compare_on, timezone)
    if by is None:
        table = read_churn_accounts(accounts, ["start_date"], function="logo_churn")
        return _logo(*_stints(table), first, last, form)
    table, groups = read_account_groups(accounts, ["start_date"], by, function="logo_churn")
    begins, ends = _stints(table)
    overall = _logo(begins, ends, first, last, form)
    return groups.apply(overall, lambda rows: _logo(begins[rows], ends[rows], first, last, form))


def _stints(table: Table) -> tuple[IntArray, IntArray]:
    """Each customer's start and end day (`_NEVER` while active)."""
    dates = table["end_date"]
    ends = np.where(np.isnat(dates), _NEVER, dates.astype(np.int64))
    return table["start_date"].astype(np.int64), ends


def _logo(begins: IntArray, ends: IntArray, first: int, last: int, form: Denominator) -> LogoChurn:
    """The logo churn of the customers ``[begins, ends)`` from day ``first`` to ``last``."""
    return _logo_result(_logo_counts(begins, ends, first, last), first, last, form)


def _logo_counts(begins: IntArray, ends: IntArray, first: int, last: int) -> dict[str, int]:
    """The counts of `LogoChurn` (`LOGO_COUNTS`) of the customers ``[begins, ends)``."""
    at_start = (begins <= first) & (first < ends)
    at_end = (begins <= last) & (last < ends)
    return {
        "starting_customers": int(at_start.sum()),
        "ending_customers": int(at_end.sum()),
        "new_customers": int((at_end & ~at_start).sum()),
        "churned_customers": int((at_start & ~at_end).sum()),
        "customer_days": int(
            np.clip(np.minimum(ends, last) - np.maximum(begins, first), 0, None).sum()
        ),
        "churn_events": int(((begins < ends) & (first < ends) & (ends <= last)).sum()),
    }


def _logo_result(counts: Mapping[str, int], first: int, last: int, form: Denominator) -> LogoChurn:
    """The `LogoChurn` of its counts: the one finaliser of `logo_churn` and its partial."""
    rate = _churn_rate(
        form,
        churned=counts["churned_customers"],
        starting=counts["starting_customers"],
        ending=counts["ending_customers"],
        events=counts["churn_events"],
        exposure=counts["customer_days"],
        days=last - first,
    )
    return LogoChurn(
        base_on=day_to_date(first),
        compare_on=day_to_date(last),
        denominator=form,
        **{name: counts[name] for name in LOGO_COUNTS},
        rate=rate,
        retention_rate=None if rate is None else 1.0 - rate,
        periods_per_year=periods_per_year(first, last),
    )
