"""Unanswered NPS surveys in per-account scores, trends and breakdowns: counted apart.

An empty score in the column form (``NaN``, ``None``, ``pd.NA``) is an unanswered survey.
References: a small example counted by hand (the counts in comments), and the rule as an
invariant on random data: every result on data with some scores blanked equals the result
on the data with those rows removed, and its ``unanswered`` counts are the blanked rows of
each account, period and group (counted here row by row, in plain Python).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import nps

UTC = timezone.utc
AS_OF = date(2025, 7, 1)

# --- the hand-counted example -----------------------------------------------------------------
# account, contact, score (None: unanswered), submitted_at, touchpoint
ROWS = [
    ("A", "c1", 9, "2025-04-10T10:00Z", "onboarding"),
    ("A", "c2", None, "2025-04-15T10:00Z", "onboarding"),  # A, April, onboarding
    ("A", "c3", None, "2025-03-01T10:00Z", "support"),  # before the 90-day window
    ("B", "c4", 3, "2025-05-01T10:00Z", "support"),
    ("B", "c5", float("nan"), "2025-05-02T10:00Z", "support"),  # B, May, support
    ("B", "c4", None, "2025-07-01T00:00Z", "support"),  # at as_of: never counted
    ("C", "c6", None, "2025-06-10T10:00Z", "renewal"),  # C answered nothing
    ("A", "c1", 7, "2025-06-20T10:00Z", "support"),
]
NAMES = ("account_id", "contact_id", "score", "submitted_at", "touchpoint")


def columns(rows: list[tuple[object, ...]]) -> dict[str, list[object]]:
    return {name: [row[i] for row in rows] for i, name in enumerate(NAMES)}


DATA = columns(ROWS)
ANSWERED = columns([row for row in ROWS if isinstance(row[2], int)])


def test_account_scores_count_unanswered_per_account() -> None:
    # Window [04-02, 07-01): A's 04-15 (not its 03-01) and B's 05-02 (not its 07-01);
    # C has no answer, so it is not listed.
    res = nps.account_scores(DATA, as_of=AS_OF, window_days=90, survey_type=None)
    assert res.account_ids.tolist() == ["A", "B"]
    assert res.unanswered.tolist() == [1, 1]
    plain = nps.account_scores(ANSWERED, as_of=AS_OF, window_days=90, survey_type=None)
    assert res.score.tolist() == plain.score.tolist() == [100.0 * (1 - 0) / 2, -100.0]
    assert res.n.tolist() == plain.n.tolist() == [2, 1]
    assert plain.unanswered.tolist() == [0, 0]
    # all history also brings in A's 03-01
    everything = nps.account_scores(DATA, as_of=AS_OF, window_days=None, survey_type=None)
    assert everything.unanswered.tolist() == [2, 1]
    table = res.to_measures()
    assert table["nps_unanswered"].tolist() == [1, 1]
    assert [record["unanswered"] for record in res.to_records()] == [1, 1]
    assert res.to_dict()["unanswered"] == [1, 1]
    assert ", 2 unanswered;" in repr(res)
    assert "unanswered" not in repr(plain)


def test_trend_counts_unanswered_per_period() -> None:
    # Months from the first answer (April): April 04-15, May 05-02, June 06-10; the
    # survey of 07-01 is at as_of and the one of 03-01 before the first period.
    monthly = nps.trend(DATA, as_of=AS_OF, min_n=0)
    assert [p.start.date() for p in monthly] == [date(2025, m, 1) for m in (4, 5, 6)]
    assert monthly.unanswered.tolist() == [1, 1, 1]
    plain = nps.trend(ANSWERED, as_of=AS_OF, min_n=0)
    np.testing.assert_array_equal(monthly.scores, plain.scores)
    assert monthly.n.tolist() == plain.n.tolist() == [1, 1, 1]
    assert [p["unanswered"] for p in monthly.to_dict()["points"]] == [1, 1, 1]
    assert monthly[0].result.unanswered == 1
    from_march = nps.trend(DATA, as_of=AS_OF, min_n=0, start=date(2025, 3, 1))
    assert from_march.unanswered.tolist() == [1, 1, 1, 1]
    # rolling 30-day windows ending on 07-01, 06-01, ...: [06-01, 07-01) holds 06-10 only
    rolling = nps.trend(DATA, as_of=AS_OF, rolling_days=30, step_days=30, min_n=0)
    assert rolling.unanswered.tolist()[-1] == 1
    assert rolling.unanswered.tolist()[-2] == 1  # [05-02, 06-01) holds 05-02


def test_breakdown_counts_unanswered_per_group_and_overall() -> None:
    # from 04-01, before 07-01: onboarding 04-15, support 05-02, renewal 06-10 (renewal
    # has no answer: no row, counted overall only).
    by_touch = nps.breakdown(DATA, by="touchpoint", start=date(2025, 4, 1), end=AS_OF, min_n=0)
    assert by_touch.labels == ["onboarding", "support"]
    assert by_touch.unanswered.tolist() == [1, 1]
    assert by_touch.overall.unanswered == 3
    plain = nps.breakdown(ANSWERED, by="touchpoint", start=date(2025, 4, 1), end=AS_OF, min_n=0)
    assert by_touch.labels == plain.labels
    np.testing.assert_array_equal(by_touch.scores, plain.scores)
    assert by_touch.overall.score == plain.overall.score
    out = by_touch.to_dict()
    assert out["overall"]["unanswered"] == 3
    assert [g["unanswered"] for g in out["groups"].values()] == [1, 1]
    assert "n=3, unanswered=3," in repr(by_touch)
    # without a window every survey counts: support 03-01, 05-02 and 07-01
    everything = nps.breakdown(DATA, by="touchpoint", min_n=0)
    assert everything.unanswered.tolist() == [1, 3]
    assert everything.overall.unanswered == 5
    # by an account mapping: ent is A (04-15), smb is B and C (05-02, 06-10)
    by_segment = nps.breakdown(
        DATA, by={"A": "ent", "B": "smb", "C": "smb"}, start=date(2025, 4, 1), end=AS_OF, min_n=0
    )
    assert dict(zip(by_segment.labels, by_segment.unanswered.tolist())) == {"ent": 1, "smb": 2}
    assert by_segment.overall.unanswered == 3  # C's survey is in smb, which has B's answer
    # one label per response row, as a column
    labels = ["x", "x", "y", "y", "y", "y", "z", "x"]
    by_labels = nps.breakdown(
        {**DATA, "label": labels}, by="label", start=date(2025, 4, 1), end=AS_OF, min_n=0
    )
    assert dict(zip(by_labels.labels, by_labels.unanswered.tolist())) == {"x": 1, "y": 1}


def test_every_empty_marker_is_unanswered() -> None:
    frame = pd.DataFrame({**ANSWERED, "score": pd.array([9, 3, 7], dtype="Int64")})
    blanked = pd.concat(
        [frame, pd.DataFrame({**columns([ROWS[1]]), "score": pd.array([pd.NA], dtype="Int64")})],
        ignore_index=True,
    )
    res = nps.account_scores(blanked, as_of=AS_OF, window_days=90, survey_type=None)
    assert res.unanswered.tolist() == [1, 0]


def test_integer_account_ids() -> None:
    # account 1: an answer and a blank; 2: an answer; 3: a blank only (not listed)
    frame = pd.DataFrame(
        {
            "account_id": pd.array([1, 1, 2, 3], dtype="Int64"),
            "score": pd.array([9, None, 3, None], dtype="Int64"),
            "submitted_at": pd.to_datetime(["2025-05-01"] * 4, utc=True),
        }
    )
    res = nps.account_scores(frame, as_of=AS_OF, survey_type=None)
    assert res.account_ids.tolist() == [1, 2]
    assert res.unanswered.tolist() == [1, 0]
    by = nps.breakdown(frame, by={1: "x", 2: "y"}, min_n=0)
    assert (by.labels, by.unanswered.tolist(), by.overall.unanswered) == (["x", "y"], [1, 0], 2)
    assert nps.trend(frame, as_of=AS_OF, min_n=0).unanswered.tolist() == [2, 0]  # May, June


def test_records_are_always_answered() -> None:
    from cshealth import SurveyResponse

    records = [
        SurveyResponse(
            id="R1",
            account_id="A",
            kind="nps",
            survey_type="relationship",
            score=9,
            submitted_at=datetime(2025, 5, 1, tzinfo=UTC),
        )
    ]
    res = nps.account_scores(records, as_of=AS_OF)
    assert res.unanswered.tolist() == [0]
    assert nps.breakdown(records, by={"A": "x"}, min_n=0).overall.unanswered == 0


# --- the invariant: blanked equals removed, plus the count of what was blanked ---------------

START = datetime(2025, 1, 1, tzinfo=UTC)
survey_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),  # account
        st.sampled_from(["c1", "c2", "c3", None]),  # contact
        st.integers(0, 10),  # score
        st.integers(0, 200 * 24),  # hours after START
        st.sampled_from(["web", "app"]),  # touchpoint
        st.booleans(),  # blanked
    ),
    min_size=1,
    max_size=40,
)


def frames(rows: list[tuple[object, ...]]) -> tuple[dict[str, list[object]], ...]:
    """The rows with the blanked scores empty, and the rows without the blanked ones."""
    stamps = [(START + timedelta(hours=int(row[3]))).isoformat() for row in rows]
    blanked = {
        "account_id": [row[0] for row in rows],
        "contact_id": [row[1] for row in rows],
        "score": [None if row[5] else row[2] for row in rows],
        "submitted_at": stamps,
        "touchpoint": [row[4] for row in rows],
    }
    keep = [i for i, row in enumerate(rows) if not row[5]]
    removed = {name: [values[i] for i in keep] for name, values in blanked.items()}
    return blanked, removed


def blank_times(rows: list[tuple[object, ...]]) -> list[tuple[object, object, datetime]]:
    """(account, touchpoint, instant) of every blanked row."""
    return [(row[0], row[4], START + timedelta(hours=int(row[3]))) for row in rows if row[5]]


AS_OF_INSTANT = datetime(2025, 6, 1, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(rows=survey_rows, window=st.sampled_from([None, 30, 90]))
def test_account_scores_blanked_equals_removed(rows, window) -> None:
    blanked, removed = frames(rows)
    options = {"as_of": AS_OF_INSTANT, "window_days": window, "survey_type": None}
    got = nps.account_scores(blanked, **options)
    want = nps.account_scores(removed, **options)
    assert got.account_ids.tolist() == want.account_ids.tolist()
    for name in ("n", "promoters", "passives", "detractors", "respondents", "last_response_at"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    np.testing.assert_array_equal(got.score, want.score)
    low = AS_OF_INSTANT - timedelta(days=window) if window else datetime.min.replace(tzinfo=UTC)
    counted = Counter(a for a, _, t in blank_times(rows) if low <= t < AS_OF_INSTANT)
    assert got.unanswered.tolist() == [counted[a] for a in got.account_ids.tolist()]
    assert want.unanswered.tolist() == [0] * len(want)


@settings(max_examples=60, deadline=None)
@given(rows=survey_rows, rolling=st.booleans())
def test_trend_blanked_equals_removed(rows, rolling) -> None:
    blanked, removed = frames(rows)
    if not removed["score"]:
        return  # no answer: no period
    options = {
        "as_of": AS_OF_INSTANT,
        "min_n": 0,
        "survey_type": None,
        **({"rolling_days": 28} if rolling else {"period": "month"}),
        "step_days": 14,
    }
    got = nps.trend(blanked, **options)
    want = nps.trend(removed, **options)
    assert [(p.start, p.end) for p in got] == [(p.start, p.end) for p in want]
    np.testing.assert_array_equal(got.scores, want.scores)
    assert got.n.tolist() == want.n.tolist()
    np.testing.assert_array_equal(got.pvalues, want.pvalues)
    times = [t for _, _, t in blank_times(rows)]
    counted = [sum(p.start <= t < p.end for t in times) for p in got]
    assert got.unanswered.tolist() == counted


@settings(max_examples=60, deadline=None)
@given(rows=survey_rows, mapped=st.booleans())
def test_breakdown_blanked_equals_removed(rows, mapped) -> None:
    blanked, removed = frames(rows)
    by: object = {"A": "ent", "B": "smb"} if mapped else "touchpoint"
    start = datetime(2025, 2, 1, tzinfo=UTC)
    options = {"start": start, "end": AS_OF_INSTANT, "min_n": 0, "survey_type": None}
    got = nps.breakdown(blanked, by=by, **options)
    want = nps.breakdown(removed, by=by, **options)
    assert got.labels == want.labels
    np.testing.assert_array_equal(got.scores, want.scores)
    assert got.n.tolist() == want.n.tolist()
    np.testing.assert_array_equal(got.pvalues, want.pvalues)
    assert got.versus_rest == want.versus_rest
    inside = [(a, tp) for a, tp, t in blank_times(rows) if start <= t < AS_OF_INSTANT]
    segments = {"A": "ent", "B": "smb"}
    counted = Counter(segments.get(str(a), "(none)") if mapped else tp for a, tp in inside)
    assert got.unanswered.tolist() == [counted[label] for label in got.labels]
    assert got.overall.unanswered == len(inside)
    assert want.overall.unanswered == 0


@pytest.mark.parametrize("marker", [None, float("nan")])
def test_an_all_unanswered_group_has_no_row(marker: object) -> None:
    extra = ("D", "c9", marker, "2025-05-05T10:00Z", "b")  # D answered nothing
    data = columns([*(row for row in ROWS if isinstance(row[2], int)), extra])
    data["touchpoint"] = ["a", "a", "a", "b"]
    res = nps.breakdown(data, by="touchpoint", min_n=0)
    assert res.labels == ["a"]
    assert res.unanswered.tolist() == [0]
    assert res.overall.unanswered == 1
    assert len(nps.account_scores(data, as_of=AS_OF, survey_type=None)) == 2  # D not listed


def test_versus_rest_compares_answers_only() -> None:
    # a group's unanswered survey stays out of its comparison with the rest, as the rest's do
    answered = {
        "account_id": ["A", "B", "B"],
        "contact_id": ["c1", "c3", "c4"],
        "score": [9, 3, 7],
        "submitted_at": ["2025-03-01T10:00Z"] * 3,
        "touchpoint": ["a", "b", "b"],
        "kind": ["nps"] * 3,
        "survey_type": ["transactional"] * 3,
    }
    blanked = {name: [*values, values[0]] for name, values in answered.items()}
    blanked["score"][-1] = None
    blanked["contact_id"][-1] = "c2"
    got = nps.breakdown(blanked, by="touchpoint", min_n=0, survey_type=None)
    want = nps.breakdown(answered, by="touchpoint", min_n=0, survey_type=None)
    assert got.unanswered.tolist() == [1, 0]
    assert got.versus_rest == want.versus_rest
    comparison = got.versus_rest["a"]
    assert comparison is not None
    assert (comparison.a.unanswered, comparison.b.unanswered) == (0, 0)
