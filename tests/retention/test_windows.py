"""Two snapshot days and a half-open window: `revenue_retention` and `mrr_movements` reconcile.

`revenue_retention(base_on=a, compare_on=b)` reads the MRR in force on ``a`` and on ``b``
(changes effective on a day are in force that day); `mrr_movements(start=s, end=e)`
classifies the changes effective in ``[s, e)``. So the changes between the two snapshots
are the window ``[a + 1 day, b + 1 day)``, and on the base's accounts (``by=`` a mapping
of them) its waterfall starts at the base's starting MRR, has no new MRR, and ends at
its ending MRR, including a churn effective exactly on ``b``. The two functions cannot be
confused either: called on the same two dates they name different windows.

The snapshots are those of the SQL of *Fighting Churn With Data* (chapter 2): accounts
active on a day are those with a subscription with ``start_date <= day`` and
``end_date > day`` (or none); churn is the accounts active on the first day and not on
the second, net retention the second day's MRR of the accounts active on both over the
first day's MRR of all. The SQL here is written for SQLite after the book's method and
run on generated subscriptions, against `changes_from_subscriptions` followed by
`revenue_retention`, and against `logo_churn` on accounts of one subscription each.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from tests.retention.test_revenue import (
    ORIGIN,
    Row,
    change_sets,
    columns,
    histories,
    level_on,
    windows,
)
from tests.strategies import subscription_rows

from cshealth.retention import (
    changes_from_subscriptions,
    logo_churn,
    mrr_movements,
    revenue_retention,
)

ONE_DAY = timedelta(days=1)
PERIODS = st.sampled_from(["week", "month", "quarter", "year"])


# --- revenue_retention and mrr_movements reconcile ------------------------------------------


@st.composite
def snapshot_cases(draw: st.DrawFn) -> tuple[list[Row], date, date]:
    """Change sets and two days; often with a churn on the second day and a start on the first."""
    rows = draw(change_sets())
    base_on, compare_on = draw(windows)
    if draw(st.booleans()):  # paying since before the base, gone exactly on compare_on
        rows += [("Y", ORIGIN - 30 * ONE_DAY, 120.0), ("Y", compare_on, 0.0)]
    if draw(st.booleans()):  # first paying exactly on base_on: in the base
        rows += [("Z", base_on, 70.0)]
    return rows, base_on, compare_on


def base_accounts(rows: list[Row], day: date, min_base: float) -> set[str]:
    """The accounts paying on ``day`` (at least ``min_base``), walked by hand."""
    return {
        account
        for account, changes in histories(rows).items()
        if level_on(changes, day) > 0 and level_on(changes, day) >= min_base
    }


@given(case=snapshot_cases(), period=PERIODS, min_base=st.sampled_from([0.0, 50.0, 100.0]))
def test_the_base_moves_from_one_snapshot_to_the_other_by_the_waterfall_between(
    case: tuple[list[Row], date, date], period: str, min_base: float
) -> None:
    rows, base_on, compare_on = case
    r = revenue_retention(
        columns(rows), base_on=base_on, compare_on=compare_on, min_base_mrr=min_base
    )
    base = base_accounts(rows, base_on, min_base)
    assert r.starting_customers == len(base)
    grouped = mrr_movements(
        columns(rows),
        start=base_on + ONE_DAY,
        end=compare_on + ONE_DAY,
        period=period,
        by=dict.fromkeys(base, "base"),
    )
    if not base:
        assert "base" not in grouped
        assert (r.starting_mrr, r.ending_mrr) == (0.0, 0.0)
        return
    m = grouped["base"]  # the waterfall restricted to the base's accounts
    assert m.starting_mrr[0] == r.starting_mrr
    assert m.new_mrr.sum() == 0.0  # a base account has paid before: a return is reactivation
    moved = (
        r.starting_mrr
        + m.expansion_mrr.sum()
        + m.reactivation_mrr.sum()
        - m.contraction_mrr.sum()
        - m.churned_mrr.sum()
    )
    assert moved == r.ending_mrr  # whole numbers: exact
    assert m.ending_mrr[-1] == r.ending_mrr
    assert r.ending_mrr == r.starting_mrr - r.churned_mrr - r.contraction_mrr + r.expansion_mrr
    # every account of the base that pays nothing on compare_on ends the waterfall at 0
    churned = {a for a in base if level_on(histories(rows)[a], compare_on) == 0}
    assert len(churned) == r.churned_customers


def test_a_churn_effective_on_the_compare_day() -> None:
    # the review's case: one churn effective 2025-02-01, the two functions on the same dates
    rows: list[Row] = [
        ("A", date(2024, 12, 1), 100.0),
        ("B", date(2024, 12, 1), 50.0),
        ("A", date(2025, 2, 1), 0.0),
    ]
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    r = revenue_retention(columns(rows), base_on=jan, compare_on=feb)
    assert (r.churned_customers, r.churned_mrr, r.ending_mrr) == (1, 100.0, 50.0)
    assert r.nrr == 50 / 150
    # the half-open January: the churn, effective on February 1, is February's
    january = mrr_movements(columns(rows), start=jan, end=feb)
    assert (january.churned_mrr.sum(), january.ending_mrr[-1]) == (0.0, 150.0)
    # the waterfall between the two snapshots holds it, and ends where the snapshot does
    between = mrr_movements(columns(rows), start=jan + ONE_DAY, end=feb + ONE_DAY)
    assert between.labels == ("2025-01", "2025-02")
    assert between.churned_mrr.tolist() == [0.0, 100.0]
    assert between.ending_mrr[-1] == r.ending_mrr
    # and the snapshots of the day before see the January waterfall
    before = revenue_retention(columns(rows), base_on=jan - ONE_DAY, compare_on=feb - ONE_DAY)
    assert (before.starting_mrr, before.ending_mrr) == (150.0, 150.0)
    assert before.ending_mrr == january.ending_mrr[-1]


def test_a_first_payment_on_the_base_day_is_in_the_base_not_in_the_waterfall() -> None:
    rows: list[Row] = [("A", date(2025, 1, 1), 100.0), ("A", date(2025, 1, 15), 130.0)]
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    r = revenue_retention(columns(rows), base_on=jan, compare_on=feb)
    assert (r.starting_customers, r.starting_mrr, r.expansion_mrr) == (1, 100.0, 30.0)
    between = mrr_movements(columns(rows), start=jan + ONE_DAY, end=feb + ONE_DAY)
    assert (between.starting_mrr[0], between.new_mrr.sum(), between.expansion_mrr.sum()) == (
        100.0,
        0.0,
        30.0,
    )


# --- the SQL of Fighting Churn With Data -----------------------------------------------------

#: Snapshots of subscriptions on two days (``:first``, ``:second``), after the book's
#: chapter 2: per account active on a day, the summed MRR of its subscriptions then.
SNAPSHOTS = """
WITH
on_first AS (
    SELECT account_id, SUM(mrr) AS mrr FROM subscription
    WHERE start_date <= :first AND (end_date > :first OR end_date IS NULL)
    GROUP BY account_id
),
on_second AS (
    SELECT account_id, SUM(mrr) AS mrr FROM subscription
    WHERE start_date <= :second AND (end_date > :second OR end_date IS NULL)
    GROUP BY account_id
),
gone AS (
    SELECT f.account_id, f.mrr FROM on_first f
    LEFT JOIN on_second s ON s.account_id = f.account_id
    WHERE s.account_id IS NULL
),
kept AS (
    SELECT f.account_id, f.mrr AS before, s.mrr AS after FROM on_first f
    JOIN on_second s ON s.account_id = f.account_id
)
SELECT
    (SELECT COUNT(*) FROM on_first) AS n_start,
    (SELECT COUNT(*) FROM gone) AS n_churn,
    (SELECT TOTAL(mrr) FROM on_first) AS start_mrr,
    (SELECT TOTAL(after) FROM kept) AS retain_mrr,
    (SELECT TOTAL(mrr) FROM gone) AS churn_mrr,
    (SELECT TOTAL(before - after) FROM kept WHERE after < before) AS downsell_mrr
"""

Subscription = tuple[int, date, date | None, float]


def sql_snapshots(
    subscriptions: list[Subscription], first: date, second: date
) -> tuple[float, ...]:
    with sqlite3.connect(":memory:") as db:
        db.execute(
            "CREATE TABLE subscription (account_id INTEGER, start_date TEXT, end_date TEXT, "
            "mrr REAL)"
        )
        db.executemany(
            "INSERT INTO subscription VALUES (?, ?, ?, ?)",
            [
                (a, s.isoformat(), None if e is None else e.isoformat(), m)
                for a, s, e, m in subscriptions
            ],
        )
        row = db.execute(SNAPSHOTS, {"first": first.isoformat(), "second": second.isoformat()})
        return tuple(row.fetchone())


two_days = st.tuples(st.integers(-5, 60), st.integers(1, 40)).map(
    lambda d: (date(2025, 1, 1) + d[0] * ONE_DAY, date(2025, 1, 1) + (d[0] + d[1]) * ONE_DAY)
)


@given(rows=subscription_rows(max_size=14), days=two_days)
def test_revenue_retention_agrees_with_the_books_sql(
    rows: list[Subscription], days: tuple[date, date]
) -> None:
    paying = [row for row in rows if row[3] > 0]  # the SQL counts a free subscription as active
    first, second = days
    n_start, n_churn, start_mrr, retain_mrr, churn_mrr, downsell_mrr = sql_snapshots(
        paying, first, second
    )
    changes = changes_from_subscriptions(
        {
            "account_id": [r[0] for r in paying],
            "start_date": [r[1] for r in paying],
            "end_date": [r[2] for r in paying],
            "mrr": [r[3] for r in paying],
        }
    )
    r = revenue_retention(changes, base_on=first, compare_on=second)
    assert (r.starting_customers, r.churned_customers) == (n_start, n_churn)
    assert (r.starting_mrr, r.ending_mrr) == (start_mrr, retain_mrr)
    assert (r.churned_mrr, r.contraction_mrr) == (churn_mrr, downsell_mrr)
    if n_start:
        assert r.nrr == retain_mrr / start_mrr  # net_mrr_retention_rate
        assert r.logo_churn_rate == n_churn / n_start  # churn_rate


@given(rows=subscription_rows(max_size=14), days=two_days)
def test_logo_churn_agrees_with_the_books_sql(
    rows: list[Subscription], days: tuple[date, date]
) -> None:
    # one account per row: every subscription is its own customer
    stints = [(i, start, end, 1.0) for i, (_, start, end, _) in enumerate(rows)]
    first, second = days
    n_start, n_churn, *_ = sql_snapshots(stints, first, second)
    accounts = {"start_date": [s[1] for s in stints], "end_date": [s[2] for s in stints]}
    churn = logo_churn(accounts, base_on=first, compare_on=second)
    assert (churn.starting_customers, churn.churned_customers) == (n_start, n_churn)
    assert churn.rate == (n_churn / n_start if n_start else None)
