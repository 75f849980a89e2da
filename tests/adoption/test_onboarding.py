"""First-days adoption against a hand-worked example and a day-by-day reference.

References: a small example worked by hand (arithmetic in comments) and `reference`, a
loop over every account and every day of its window (the kernel uses one
`numpy.bincount`), compared on random data and on the sample data.
"""

from __future__ import annotations

import json
import math
import pickle
from collections import defaultdict
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.validation import field_of

from cshealth import Account, AccountNotFoundError, InvalidInputError, UsageRecord, to_columns
from cshealth.adoption._onboarding import FirstDaysSummary, first_days

AS_OF = date(2025, 6, 1)

# --- the hand-worked example -----------------------------------------------------------------
# Usage data starts 2025-01-06 (the earliest record of any account).
# days 90, as_of 2025-06-01.
# A: start 2025-01-06, window [01-06, 04-06): records 01-06 (12 logins, 3 users),
#    01-13 (0, 0 users), 03-31 (8, 1 user) in it; 04-07 (50) after it.
#    logins 12 + 0 + 8 = 20, active_days 2 (records with users), observed 90, complete;
#    10 seats -> 2 logins a seat
# B: start 2025-05-05, window [05-05, 08-03) cut at as_of: observed 06-01 - 05-05 = 27
#    days, partial; record 05-05 (5 logins); the record on as_of (06-02) is not seen
# C: start 2024-12-30, before the usage data: observed 01-06 .. 03-30 = 90 - 7 = 83 days,
#    partial; record 01-06 (4 logins)
# D: start 2025-02-03, no usage records at all: 0 logins, a measured 0, complete
# E: start 2025-06-01 (the day of as_of): nothing observed yet -> left out
# F: start 2024-01-01, its window ended before the usage data began -> left out
# G: usage of an account not in `accounts` is ignored
ACCOUNTS = {
    "id": ["B", "A", "C", "D", "E", "F"],
    "start_date": [
        "2025-05-05",
        "2025-01-06",
        "2024-12-30",
        "2025-02-03",
        "2025-06-01",
        "2024-01-01",
    ],
    "seats": [None, 10, 0, 4, 2, 1],
}
USAGE = {
    "account_id": ["A", "A", "A", "A", "B", "B", "C", "G"],
    "day": [
        "2025-01-06",
        "2025-01-13",
        "2025-03-31",
        "2025-04-07",
        "2025-05-05",
        "2025-06-02",
        "2025-01-06",
        "2025-01-06",
    ],
    "active_users": [3, 0, 1, 9, 2, 2, 1, 5],
    "logins": [12, 0, 8, 50, 5, 7, 4, 99],
}


def test_hand_worked_example():
    first = first_days(USAGE, ACCOUNTS, as_of=AS_OF)
    assert first.account_ids.tolist() == ["A", "B", "C", "D"]
    assert first.start_date.astype(str).tolist() == [
        "2025-01-06",
        "2025-05-05",
        "2024-12-30",
        "2025-02-03",
    ]
    assert first.logins.tolist() == [20, 5, 4, 0]
    assert first.active_days.tolist() == [2, 1, 1, 0]
    assert first.observed_days.tolist() == [90, 27, 83, 90]
    assert first.complete.tolist() == [True, False, False, True]
    np.testing.assert_array_equal(first.seats, [10, np.nan, 0, 4])
    np.testing.assert_array_equal(first.logins_per_seat, [2.0, np.nan, np.nan, 0.0])
    assert first.observed_from == np.datetime64("2025-01-06")
    # medians over the complete windows only: logins (20 + 0)/2 = 10, active days 1
    assert first.summary() == FirstDaysSummary(2, 2, 10.0, 1.0)


@pytest.mark.parametrize("form", ["dict", "pandas", "table"])
def test_without_logins_the_logins_are_not_measured(form):
    # The hand-worked example without its `logins` column: active and observed days are
    # the same; logins were not recorded, so they are None, never a count of 0.
    data = {name: values for name, values in USAGE.items() if name != "logins"}
    usage = {
        "dict": data,
        "pandas": pd.DataFrame(data),
        "table": to_columns(data, UsageRecord),  # filled with defaults, marked absent
    }[form]
    first = first_days(usage, ACCOUNTS, as_of=AS_OF)
    full = first_days(USAGE, ACCOUNTS, as_of=AS_OF)
    assert first.logins is None
    assert first.logins_per_seat is None
    assert first.active_days.tolist() == full.active_days.tolist() == [2, 1, 1, 0]
    assert first.observed_days.tolist() == full.observed_days.tolist()
    reason = "no `logins` column"
    assert first.not_measured == {"logins": reason, "logins_per_seat": reason}
    assert first.summary() == FirstDaysSummary(2, 2, None, 1.0, {"median_logins": reason})
    assert "median logins not measured" in repr(first.summary())
    assert repr(first).endswith("median logins of complete windows not measured)")
    out = first.to_dict()
    assert out["not_measured"] == first.not_measured
    assert out["logins"] is None
    assert out["logins_per_seat"] is None
    assert out["summary"]["not_measured"] == {"median_logins": reason}
    table = first.to_measures()
    assert table.not_measured == {"first_90d_logins": reason, "first_90d_logins_per_seat": reason}
    assert np.isnan(table["first_90d_logins"]).all()
    assert table["first_90d_active_days"].tolist() == [2, 1, 1, 0]
    assert full.not_measured == {}
    assert full.to_measures().not_measured == {}


def test_later_as_of_completes_the_windows():
    # as_of 2025-08-03 = 05-05 + 90 days: B's window has just ended
    first = first_days(USAGE, ACCOUNTS, as_of=date(2025, 8, 3))
    assert first.account_ids.tolist() == ["A", "B", "C", "D", "E"]
    assert first.complete.tolist() == [True, True, False, True, False]
    assert first.logins.tolist()[1] == 12  # 5 + 7 (the 06-02 record is now seen)
    assert first.observed_days.tolist()[4] == 63  # E: 06-01 .. 08-03


def test_mid_day_as_of_counts_days_that_ended():
    # 2025-06-02T10:00Z: the day 06-02 has not ended; B's 06-02 record is not seen yet
    first = first_days(USAGE, ACCOUNTS, as_of=datetime.fromisoformat("2025-06-02T10:00+00:00"))
    assert first.logins.tolist()[1] == 5
    assert first.observed_days.tolist()[1] == 28


def test_window_length_and_measure_names():
    first = first_days(USAGE, ACCOUNTS, as_of=AS_OF, window_days=7)
    # A: [01-06, 01-13): only 01-06 -> 12
    assert first.logins.tolist()[:1] == [12]
    table = first.to_measures()
    assert table.measures == (
        "first_7d_logins",
        "first_7d_active_days",
        "first_7d_observed_days",
        "first_7d_logins_per_seat",
        "first_7d_complete",
    )
    assert table.source == "adoption"
    assert table.account("A")["first_7d_complete"] is True


def test_inputs_in_every_form():
    records = [
        UsageRecord(account_id=a, day=date.fromisoformat(d), active_users=u, logins=n)
        for a, d, u, n in zip(*USAGE.values())
    ]
    accounts = [
        Account(id=i, name=i, start_date=date.fromisoformat(s), seats=n)
        for i, s, n in zip(*ACCOUNTS.values())
    ]
    expected = first_days(USAGE, ACCOUNTS, as_of=AS_OF)
    for usage, given_accounts in [
        (records, accounts),
        (pd.DataFrame(USAGE), pd.DataFrame(ACCOUNTS)),
        (iter(records), iter(accounts)),
    ]:
        first = first_days(usage, given_accounts, as_of=AS_OF)
        assert first.account_ids.tolist() == expected.account_ids.tolist()
        assert first.logins.tolist() == expected.logins.tolist()
        np.testing.assert_array_equal(first.logins_per_seat, expected.logins_per_seat)


def test_accounts_without_seats_and_usage_without_records():
    no_seats = {k: v for k, v in ACCOUNTS.items() if k != "seats"}
    first = first_days(USAGE, no_seats, as_of=AS_OF)
    assert np.isnan(first.seats).all()
    assert np.isnan(first.logins_per_seat).all()
    empty = first_days({name: [] for name in USAGE}, ACCOUNTS, as_of=AS_OF)
    assert len(empty) == 0  # no usage data: nothing is observed
    assert empty.observed_from is None
    assert empty.summary() == FirstDaysSummary(0, 0, None, None)
    assert (
        repr(empty.summary()) == "FirstDaysSummary(0 complete, 0 partial; median logins -, "
        "active days -)"
    )


def test_dict_and_repr():
    first = first_days(USAGE, ACCOUNTS, as_of=AS_OF)
    payload = first.to_dict()
    json.dumps(payload)
    assert payload["observed_from"] == "2025-01-06"
    assert payload["summary"]["median_logins"] == 10.0
    names = (
        "account_ids",
        "start_date",
        "logins",
        "active_days",
        "observed_days",
        "complete",
        "seats",
        "logins_per_seat",
    )
    assert {name: payload[name][1] for name in names} == {
        "account_ids": "B",
        "start_date": "2025-05-05",
        "logins": 5,
        "active_days": 1,
        "observed_days": 27,
        "complete": False,
        "seats": None,
        "logins_per_seat": None,
    }
    assert repr(first) == (
        "FirstDays(first 90 days of 4 accounts as of 2025-06-01: 2 complete, 2 partial; "
        "median logins of complete windows 10)"
    )
    assert (
        first_days({n: [] for n in USAGE}, ACCOUNTS, as_of=AS_OF).to_dict()["observed_from"] is None
    )
    with pytest.raises(ValueError, match="read-only"):
        first.logins[0] = 1


def test_results_compare_by_value_find_accounts_and_tabulate():
    first = first_days(USAGE, ACCOUNTS, as_of=AS_OF)
    assert first == first_days(USAGE, ACCOUNTS, as_of=AS_OF)  # NaN seats equal NaN seats
    assert first == pickle.loads(pickle.dumps(first))
    assert first != first_days(USAGE, ACCOUNTS, as_of=AS_OF, window_days=60)
    without = {name: values for name, values in USAGE.items() if name != "logins"}
    assert first != first_days(without, ACCOUNTS, as_of=AS_OF)  # logins not measured
    assert first.summary() == first_days(USAGE, ACCOUNTS, as_of=AS_OF).summary()
    assert first.summary() != first_days(without, ACCOUNTS, as_of=AS_OF).summary()
    assert [first.row(account) for account in ("A", "B", "C", "D")] == [0, 1, 2, 3]
    with pytest.raises(AccountNotFoundError, match="no account 'E' among the 4"):
        first.row("E")  # starts on as_of: not listed
    frame = first.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "start_date",
        "logins",
        "active_days",
        "observed_days",
        "complete",
        "seats",
        "logins_per_seat",
    ]
    assert len(frame) == len(first) == 4
    for name in frame.columns:
        np.testing.assert_array_equal(
            frame[name].to_numpy(), getattr(first, field_of(name)), err_msg=name
        )
    assert "logins" not in first_days(without, ACCOUNTS, as_of=AS_OF).to_pandas().columns
    payload = first.to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    assert payload["logins_per_seat"] == [2.0, None, None, 0.0]
    assert payload["summary"] == first.summary().to_dict()
    assert payload["summary"] == {
        "complete": 2,
        "partial": 2,
        "median_logins": 10.0,
        "median_active_days": 1.0,
        "not_measured": {},
    }


# --- bad input -------------------------------------------------------------------------------


def test_bad_input():
    with pytest.raises(
        InvalidInputError, match="`window_days` must be a whole number from 1 to 36525, got 0"
    ):
        first_days(USAGE, ACCOUNTS, as_of=AS_OF, window_days=0)
    with pytest.raises(InvalidInputError, match="`as_of` is a naive datetime"):
        first_days(USAGE, ACCOUNTS, as_of=datetime(2025, 6, 1))
    twice = {"id": ["A", "A"], "start_date": ["2025-01-06", "2025-02-01"]}
    with pytest.raises(InvalidInputError, match="accounts: account 'A' is listed twice"):
        first_days(USAGE, twice, as_of=AS_OF)
    duplicate = {name: [*values, values[0]] for name, values in USAGE.items()}
    with pytest.raises(InvalidInputError, match="two records of account 'A' on 2025-01-06"):
        first_days(duplicate, ACCOUNTS, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match=r"need the columns \['start_date'\]"):
        first_days(USAGE, {"id": ["A"]}, as_of=AS_OF)


# --- the reference ---------------------------------------------------------------------------


def reference(usage_rows, accounts, *, end, days):
    """Account by account, day by day."""
    by_day = defaultdict(dict)
    seen = [d for _, d, _, _ in usage_rows if d < end]
    coverage = min(seen) if seen else None
    for account, day, users, logins in usage_rows:
        if day < end:
            by_day[account][day] = (users, logins)
    out = {}
    for account, start, seats in sorted(accounts):
        if coverage is None:
            continue
        window = [d for d in range(start, start + days) if coverage <= d < end]
        if not window:
            continue
        records = [by_day[account][d] for d in window if d in by_day[account]]
        logins = sum(n for _, n in records)
        per_seat = logins / seats if seats else math.nan
        out[account] = (
            logins,
            sum(1 for u, _ in records if u > 0),
            len(window),
            len(window) == days,
            per_seat,
        )
    return out


EPOCH = date(2025, 1, 1)
EPOCH_DAY = (EPOCH - date(1970, 1, 1)).days


@given(
    usage=st.lists(
        st.tuples(
            st.sampled_from("ABCDE"), st.integers(0, 80), st.integers(0, 3), st.integers(0, 9)
        ),
        max_size=60,
        unique_by=lambda row: row[:2],
    ),
    starts=st.lists(st.integers(-30, 90), min_size=5, max_size=5),
    seats=st.lists(st.none() | st.integers(0, 5), min_size=5, max_size=5),
    days=st.integers(1, 40),
)
def test_against_the_reference(usage, starts, seats, days):
    accounts = [(a, EPOCH_DAY + s, n) for a, s, n in zip("ABCDE", starts, seats)]
    expected = reference(
        [(a, EPOCH_DAY + d, u, n) for a, d, u, n in usage],
        accounts,
        end=EPOCH_DAY + 60,
        days=days,
    )
    first = first_days(
        {
            "account_id": [r[0] for r in usage],
            "day": [(EPOCH + timedelta(days=r[1])).isoformat() for r in usage],
            "active_users": [r[2] for r in usage],
            "logins": [r[3] for r in usage],
        },
        {
            "id": list("ABCDE"),
            "start_date": [(EPOCH + timedelta(days=s)).isoformat() for s in starts],
            "seats": [math.nan if n is None else n for n in seats],
        },
        as_of=EPOCH + timedelta(days=60),
        window_days=days,
    )
    assert first.account_ids.tolist() == list(expected)
    for i, (logins, active, observed, complete, per_seat) in enumerate(expected.values()):
        assert first.logins[i] == logins
        assert first.active_days[i] == active
        assert first.observed_days[i] == observed
        assert first.complete[i] == complete
        np.testing.assert_allclose(first.logins_per_seat[i], per_seat)
    assert ((first.observed_days >= 1) & (first.observed_days <= days)).all()
    assert (first.active_days <= first.observed_days).all()


def test_sample_data_against_the_reference():
    from cshealth.datasets import sample

    data = sample(seed=2, n_accounts=60)
    as_of = (data.usage["day"].max() + 7).astype(date)
    rows = [
        (a, int(d), int(u), int(n))
        for a, d, u, n in zip(
            data.usage["account_id"],
            data.usage["day"].astype(np.int64),
            data.usage["active_users"],
            data.usage["logins"],
        )
    ]
    accounts = [
        (i, int(s), None if math.isnan(n) else n)
        for i, s, n in zip(
            data.accounts["id"],
            data.accounts["start_date"].astype(np.int64),
            data.accounts["seats"].astype(float),
        )
    ]
    end = (as_of - date(1970, 1, 1)).days
    expected = reference(rows, accounts, end=end, days=90)
    first = first_days(data.usage, data.accounts, as_of=as_of)
    assert first.account_ids.tolist() == list(expected)
    assert first.logins.tolist() == [v[0] for v in expected.values()]
    assert first.complete.tolist() == [v[3] for v in expected.values()]
