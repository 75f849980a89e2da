"""`read_timeline` and `Timeline` against a plain per-account walk over sorted change lists.

The reference keeps, per account id, the list of ``(day, mrr, input row)`` sorted by day,
and answers "which level is in force on day d" by scanning for the last change on or
before d. It never builds codes, keys or offsets, so it shares no arithmetic with the
binary search of `Timeline.last_change_at`.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import InvalidInputError
from cshealth.io import Table
from cshealth.models import RevenueChange
from cshealth.retention import _timeline
from cshealth.retention._timeline import Timeline, read_timeline

EPOCH = date(1970, 1, 1)
BASE = date(2025, 1, 1)


def day_number(value: date) -> int:
    return (value - EPOCH).days


#: How the account ids are given (and how `read_timeline` sorts them): text; whole
#: numbers in a compact range (shifted); whole numbers far apart (hashed); text again with
#: the packed sort key made too wide, so that `numpy.lexsort` sorts.
ID_FORMS = {
    "text": {"A": "A", "B": "B", "C": "C", "D": "D"},
    "compact": {"A": 7, "B": 5, "C": 6, "D": 8},
    "far apart": {"A": -(2**40), "B": 3, "C": 2**50, "D": 17},
    "lexsort": {"A": "A", "B": "B", "C": "C", "D": "D"},
}


def columns(rows: list[tuple[str, date, float]], form: str = "text") -> dict[str, list[object]]:
    ids = ID_FORMS[form]
    return {
        "account_id": [ids[r[0]] for r in rows],
        "effective_on": [r[1] for r in rows],
        "mrr": [r[2] for r in rows],
    }


# --- the reference --------------------------------------------------------------------------


def histories(rows: list[tuple[str, date, float]]) -> dict[str, list[tuple[int, float, int]]]:
    """Per account, its changes as ``(day, mrr, input row)`` sorted by day."""
    out: dict[str, list[tuple[int, float, int]]] = {}
    for row, (account, when, mrr) in enumerate(rows):
        out.setdefault(account, []).append((day_number(when), mrr, row))
    for changes in out.values():
        changes.sort()
    return out


def level_on(changes: list[tuple[int, float, int]], day: int) -> float:
    """The MRR of the last change on or before ``day``; 0 before the first."""
    level = 0.0
    for when, mrr, _ in changes:
        if when <= day:
            level = mrr
    return level


def by_account(timeline: Timeline, values: np.ndarray) -> dict[str, float]:
    return {str(a): float(v) for a, v in zip(timeline.account_ids.tolist(), values.tolist())}


change_sets = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(0, 60).map(lambda d: BASE + timedelta(days=d)),
        st.sampled_from([0.0, 10.0, 25.0, 100.0]),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda r: (r[0], r[1]),
)


# --- properties against the reference --------------------------------------------------------


@given(rows=change_sets, probe=st.integers(-3, 64), form=st.sampled_from(list(ID_FORMS)))
def test_levels_and_history_match_the_reference(
    rows: list[tuple[str, date, float]], probe: int, form: str
) -> None:
    with mock.patch.object(_timeline, "_WORD_BITS", 8 if form == "lexsort" else 63):
        t = read_timeline(columns(rows, form))
    names = {v: k for k, v in ID_FORMS[form].items()}
    t = dataclasses.replace(t, account_ids=np.array([names[a] for a in t.account_ids.tolist()]))
    ref = histories(rows)
    day = day_number(BASE) + probe
    assert t.n_accounts == len(ref)
    assert by_account(t, t.levels_at(day)) == {a: level_on(c, day) for a, c in ref.items()}
    # last change on or before the day, as a position in the sorted timeline
    last = t.last_change_at(day)
    for code, account in enumerate(t.account_ids.tolist()):
        seen = [c for c in ref[account] if c[0] <= day]
        if seen:
            assert int(t.rows[last[code]]) == seen[-1][2]
        else:
            assert last[code] == -1
    # the sorted columns, account by account
    for code, account in enumerate(t.account_ids.tolist()):
        lo, hi = int(t.bounds[code]), int(t.bounds[code + 1])
        assert (t.codes[lo:hi] == code).all()
        assert t.day[lo:hi].tolist() == [c[0] for c in ref[account]]
        assert t.mrr[lo:hi].tolist() == [c[1] for c in ref[account]]
        assert t.rows[lo:hi].tolist() == [c[2] for c in ref[account]]
        previous, paid = 0.0, False
        for i, (_, mrr, _) in enumerate(ref[account]):
            assert t.before[lo + i] == previous
            assert bool(t.paid_before[lo + i]) is paid
            previous, paid = mrr, paid or mrr > 0
        paying = [c[0] for c in ref[account] if c[1] > 0]
        assert t.first_paid_day[code] == (paying[0] if paying else -1)
    assert int(t.bounds[-1]) == len(rows)


@given(rows=change_sets, seed=st.integers(0, 2**16))
def test_row_order_does_not_matter(rows: list[tuple[str, date, float]], seed: int) -> None:
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    a, b = read_timeline(columns(rows)), read_timeline(columns(shuffled))
    for probe in (-1, 0, 15, 30, 45, 61):
        day = day_number(BASE) + probe
        assert by_account(a, a.levels_at(day)) == by_account(b, b.levels_at(day))
    assert by_account(a, a.first_paid_day) == by_account(b, b.first_paid_day)


# --- worked examples ------------------------------------------------------------------------


def test_worked_example() -> None:
    # input rows (1-based): 1 A 2025-01-10 100 | 2 B 2025-01-05 0 | 3 A 2025-01-01 0
    #                       4 A 2025-02-01 0   | 5 B 2025-01-20 40 | 6 A 2025-03-01 70
    rows = [
        ("A", date(2025, 1, 10), 100.0),
        ("B", date(2025, 1, 5), 0.0),
        ("A", date(2025, 1, 1), 0.0),
        ("A", date(2025, 2, 1), 0.0),
        ("B", date(2025, 1, 20), 40.0),
        ("A", date(2025, 3, 1), 70.0),
    ]
    t = read_timeline(columns(rows))
    a = t.account_ids.tolist().index("A")
    b = t.account_ids.tolist().index("B")
    lo, hi = int(t.bounds[a]), int(t.bounds[a + 1])
    # A sorted by day: 01-01 -> 0 (row 3), 01-10 -> 100 (row 1), 02-01 -> 0 (row 4),
    # 03-01 -> 70 (row 6)
    assert t.rows[lo:hi].tolist() == [2, 0, 3, 5]
    assert t.mrr[lo:hi].tolist() == [0.0, 100.0, 0.0, 70.0]
    # each change replaced the level before it (0 for the first)
    assert t.before[lo:hi].tolist() == [0.0, 0.0, 100.0, 0.0]
    # A had paid before a change only once the 01-10 change set 100
    assert t.paid_before[lo:hi].tolist() == [False, False, True, True]
    # first paid day: A on 01-10, B on 01-20
    assert t.first_paid_day[a] == day_number(date(2025, 1, 10))
    assert t.first_paid_day[b] == day_number(date(2025, 1, 20))

    def levels(on: date) -> tuple[float, float]:
        values = t.levels_at(day_number(on))
        return float(values[a]), float(values[b])

    assert levels(date(2024, 12, 31)) == (0.0, 0.0)  # before any change
    assert levels(date(2025, 1, 9)) == (0.0, 0.0)  # A at 0 (its 01-01 change), B at 0
    assert levels(date(2025, 1, 10)) == (100.0, 0.0)  # on the change day it is in force
    assert levels(date(2025, 1, 31)) == (100.0, 40.0)
    assert levels(date(2025, 2, 1)) == (0.0, 40.0)  # A's churn is in force on its day
    assert levels(date(2025, 3, 1)) == (70.0, 40.0)
    assert levels(date(2030, 1, 1)) == (70.0, 40.0)  # long after the last change


def test_an_account_that_never_paid_has_no_first_paid_day() -> None:
    t = read_timeline(columns([("A", BASE, 0.0), ("A", BASE + timedelta(days=3), 0.0)]))
    assert t.first_paid_day.tolist() == [-1]
    assert t.paid_before.tolist() == [False, False]


def test_inputs_of_every_kind_agree() -> None:
    rows = [("A", date(2025, 1, 10), 100.0), ("B", date(2025, 1, 5), 30.0)]
    day = day_number(date(2025, 2, 1))
    from_records = read_timeline(
        [RevenueChange(account_id=a, effective_on=d, mrr=m) for a, d, m in rows]
    )
    from_frame = read_timeline(
        pd.DataFrame(
            {
                "account_id": ["A", "B"],
                "effective_on": pd.to_datetime(["2025-01-10", "2025-01-05"]),
                "mrr": [100.0, 30.0],
            }
        )
    )
    from_table = read_timeline(Table({k: np.array(v) for k, v in columns(rows).items()}))
    expected = {"A": 100.0, "B": 30.0}
    for t in (from_records, from_frame, from_table):
        assert by_account(t, t.levels_at(day)) == expected


def test_empty_changes() -> None:
    t = read_timeline({"account_id": [], "effective_on": [], "mrr": []})
    assert t.n_accounts == 0
    assert t.levels_at(0).tolist() == []
    assert t.last_change_at(0).tolist() == []
    assert t.first_paid_day.tolist() == []
    assert t.bounds.tolist() == [0]


# --- bad input ------------------------------------------------------------------------------


def test_duplicate_account_and_day_names_both_rows() -> None:
    rows = [
        ("A", date(2025, 1, 1), 10.0),
        ("B", date(2025, 1, 1), 10.0),
        ("A", date(2025, 2, 1), 20.0),
        ("A", date(2025, 1, 1), 30.0),
    ]
    with pytest.raises(InvalidInputError, match=r"rows 1 and 4") as info:
        read_timeline(columns(rows))
    (error,) = info.value.errors
    assert error.row == 4
    assert error.code == "duplicate_key"
    assert "'A'" in error.message
    assert "2025-01-01" in error.message


def test_every_duplicate_is_listed_in_row_order() -> None:
    rows = [
        ("B", date(2025, 3, 1), 1.0),
        ("A", date(2025, 1, 1), 1.0),
        ("B", date(2025, 3, 1), 2.0),
        ("A", date(2025, 1, 1), 2.0),
    ]
    with pytest.raises(InvalidInputError, match="2 of the revenue changes") as info:
        read_timeline(columns(rows))
    assert [e.row for e in info.value.errors] == [3, 4]
    assert "rows 1 and 3" in info.value.errors[0].message
    assert "rows 2 and 4" in info.value.errors[1].message


def test_bad_mrr_rows_are_all_listed() -> None:
    data = {
        "account_id": ["A", "B", "C", "D"],
        "effective_on": ["2025-01-01"] * 4,
        "mrr": [-1.0, 5.0, float("nan"), float("inf")],
    }
    with pytest.raises(InvalidInputError, match="3 of 4") as info:
        read_timeline(data)
    assert [(e.row, e.field) for e in info.value.errors] == [(1, "mrr"), (3, "mrr"), (4, "mrr")]


def test_missing_column() -> None:
    with pytest.raises(InvalidInputError, match="mrr"):
        read_timeline({"account_id": ["A"], "effective_on": ["2025-01-01"]})
