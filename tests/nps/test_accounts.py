"""Per-account NPS against a hand-worked example and a plain-Python second implementation.

References: a small example worked by hand (below, with the arithmetic in comments), a
dict-and-loop implementation of the three units written here (`reference`) compared on
sample data, ``cshealth.nps.score`` on each account's selected answers, and the spec's
revenue-weighted formula (§1.6: ``Σ R_a NPS_a / Σ R_a``, Kish ``n_eff = (Σw)² / Σw²``).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError, SurveyResponse, Table, from_columns
from cshealth.datasets import sample
from cshealth.nps import score
from cshealth.nps._account_nps import ACCOUNT_UNITS, AccountNPS
from cshealth.nps._accounts import account_scores

UTC = timezone.utc
AS_OF = datetime(2025, 7, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the hand-worked example ------------------------------------------------------------------
# as_of 2025-07-01T00:00Z, window 90 days: [2025-04-02T00:00Z, 2025-07-01T00:00Z).
HAND_ROWS = [
    # account, contact, score, submitted_at
    ("A", "c1", 2, "2025-04-10T10:00"),  # D
    ("A", "c1", 9, "2025-06-01T10:00"),  # P  (c1's latest)
    ("A", "c2", 8, "2025-05-15T10:00"),  # N
    ("A", "c2", 0, "2025-07-01T00:00"),  # at as_of: excluded (half-open window)
    ("B", "c3", 10, "2025-03-01T10:00"),  # before the window: excluded
    ("B", "c3", 6, "2025-05-01T10:00"),  # D
    ("B", "c4", 5, "2025-05-02T10:00"),  # D
    ("B", "c4", 10, "2025-06-02T10:00"),  # P  (c4's latest)
    ("B", None, 7, "2025-06-10T10:00"),  # N  (anonymous: its own respondent)
    ("C", "c5", 9, "2025-04-02T00:00"),  # P  (exactly at the window start: included)
    ("C", "c5", 3, "2025-04-20T10:00"),  # D  (c5's latest)
    ("C", "c6", 10, "2025-08-01T10:00"),  # after as_of: excluded
]
HAND = {
    "account_id": [r[0] for r in HAND_ROWS],
    "contact_id": [r[1] for r in HAND_ROWS],
    "score": [r[2] for r in HAND_ROWS],
    "submitted_at": [r[3] + "Z" for r in HAND_ROWS],
}

# unit -> per account (score, n, promoters, passives, detractors, respondents)
HAND_EXPECTED = {
    # A: D P N -> 0; B: D D P N -> (1 - 2)/4 = -25; C: P D -> 0
    "response": {
        "A": (0.0, 3, 1, 1, 1, 2),
        "B": (-25.0, 4, 1, 1, 2, 3),
        "C": (0.0, 2, 1, 0, 1, 1),
    },
    # A: c1 P, c2 N -> 50; B: c3 D, c4 P, anon N -> 0; C: c5 D -> -100
    "contact_latest": {
        "A": (50.0, 2, 1, 1, 0, 2),
        "B": (0.0, 3, 1, 1, 1, 3),
        "C": (-100.0, 1, 0, 0, 1, 1),
    },
    # A: c1 (-1 + 1)/2 = 0, c2 0 -> 0; B: c3 -1, c4 (-1 + 1)/2 = 0, anon 0 -> -1/3;
    # C: c5 (+1 - 1)/2 = 0 -> 0. Counts are of the responses behind the means.
    "account_mean": {
        "A": (0.0, 3, 1, 1, 1, 2),
        "B": (-100.0 / 3.0, 4, 1, 1, 2, 3),
        "C": (0.0, 2, 1, 0, 1, 1),
    },
}


@pytest.mark.parametrize("unit", ACCOUNT_UNITS)
def test_hand_worked_example(unit: str) -> None:
    res = account_scores(HAND, as_of=AS_OF, unit=unit, window_days=90)
    assert res.account_ids.tolist() == ["A", "B", "C"]
    expected = HAND_EXPECTED[unit]
    for name, column in [
        ("score", 0),
        ("n", 1),
        ("promoters", 2),
        ("passives", 3),
        ("detractors", 4),
        ("respondents", 5),
    ]:
        got = getattr(res, name).tolist()
        assert got == pytest.approx([expected[a][column] for a in "ABC"]), name
    assert res.last_response_at.tolist() == [
        datetime(2025, 6, 1, 10),
        datetime(2025, 6, 10, 10),
        datetime(2025, 4, 20, 10),
    ]
    assert (res.unit, res.window_days, res.survey_type, res.as_of) == (
        unit,
        90,
        "relationship",
        AS_OF,
    )


def test_hand_worked_example_all_history() -> None:
    # window_days=None brings in B's 10 of 2025-03-01 (still not the answers at or after as_of)
    res = account_scores(HAND, as_of=AS_OF, window_days=None)
    assert res.score.tolist() == pytest.approx([0.0, 0.0, 0.0])  # B: P P N D D -> 0
    assert res.n.tolist() == [3, 5, 2]
    assert "all history before 2025-07-01T00:00:00.000000Z" in repr(res)
    latest = account_scores(HAND, as_of=AS_OF, window_days=None, unit="contact_latest")
    assert latest.score.tolist() == pytest.approx([50.0, 0.0, -100.0])  # c3's latest is 6
    mean = account_scores(HAND, as_of=AS_OF, window_days=None, unit="account_mean")
    # B: c3 (+1 - 1)/2 = 0, c4 0, anon 0
    assert mean.score.tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_hand_worked_results_and_intervals() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90, unit="account_mean")
    b = res.result("B")
    assert b.score == pytest.approx(-100 / 3)
    assert (b.n, b.promoters, b.passives, b.detractors) == (4, 1, 1, 2)
    # weights: c3 1, c4 1/2 + 1/2, anon 1 -> Σw = 3, ΣW² over contacts = 3 -> n_eff 3
    assert b.effective_n == pytest.approx(3.0)
    assert res.effective_n.tolist() == pytest.approx([2.0, 3.0, 1.0])
    latest = account_scores(HAND, as_of=AS_OF, window_days=90, unit="contact_latest")
    assert latest.result("C").score == -100.0
    assert latest.effective_n.tolist() == [2.0, 3.0, 1.0]


def test_hand_worked_revenue_weighted() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90, unit="contact_latest")
    # (100·50 + 300·0 + 600·(-100)) / 1000 = -55
    out = res.revenue_weighted({"A": 100.0, "B": 300.0, "C": 600.0})
    assert out.score == pytest.approx(-55.0)
    # per-response weights R_a/n_a: A 50 ×2, B 100 ×3, C 600 ×1
    assert out.effective_n == pytest.approx(1000.0**2 / (2 * 50**2 + 3 * 100**2 + 600**2))
    assert (out.n, out.promoters, out.passives, out.detractors) == (6, 2, 2, 2)
    # C without revenue is left out: (100·50 + 300·0) / 400 = 12.5
    assert res.revenue_weighted({"A": 100.0, "B": 300.0}).score == pytest.approx(12.5)
    # revenue 0 leaves an account out too; unknown ids are ignored
    dropped = res.revenue_weighted({"A": 100.0, "B": 300.0, "C": 0.0, "Z": 5.0})
    assert dropped.score == pytest.approx(12.5)
    assert dropped.n == 5
    with pytest.raises(InvalidInputError, match=r"1 of 3 accounts have no revenue .*'C'"):
        res.revenue_weighted({"A": 100.0, "B": 300.0}, missing="raise")


# --- a second implementation: plain dicts and loops --------------------------------------------


def code(answer: int) -> int:
    return 1 if answer >= 9 else 0 if answer >= 7 else -1


def reference(
    records: list[SurveyResponse],
    *,
    as_of: datetime,
    unit: str,
    window_days: float | None,
    weights: list[float] | None = None,
) -> dict[str, dict[str, object]]:
    """Per-account results computed response by response, without numpy."""
    start = None if window_days is None else as_of - timedelta(days=window_days)
    accounts: dict[str, list[tuple[int, SurveyResponse, float]]] = defaultdict(list)
    for i, r in enumerate(records):
        if r.submitted_at < as_of and (start is None or r.submitted_at >= start):
            w = weights[i] if weights is not None else r.weight
            accounts[r.account_id].append((i, r, w))
    out = {}
    for account, items in accounts.items():
        people: dict[object, list[tuple[datetime, int, int, float]]] = defaultdict(list)
        for i, r, w in items:
            if w > 0:
                person = r.contact_id if r.contact_id is not None else ("anonymous", i)
                people[person].append((r.submitted_at, i, code(r.score), w))
        counted: list[tuple[int, float]] = []  # (code, weight)
        for answers in people.values():
            if unit == "response":
                counted += [(c, w) for _, _, c, w in answers]
            elif unit == "contact_latest":
                _, _, c, w = max(answers)  # latest time, then the later row
                counted.append((c, w))
            else:
                counted += [(c, w / len(answers)) for _, _, c, w in answers]
        total = sum(w for _, w in counted)
        out[account] = {
            "score": 100 * sum(c * w for c, w in counted) / total if total else math.nan,
            "n": len(counted),
            "promoters": sum(c == 1 for c, _ in counted),
            "passives": sum(c == 0 for c, _ in counted),
            "detractors": sum(c == -1 for c, _ in counted),
            "respondents": len(people),
            "last_response_at": max(r.submitted_at for _, r, _ in items),
        }
    return out


def assert_same(res: AccountNPS, ref: dict[str, dict[str, object]]) -> None:
    assert res.account_ids.tolist() == sorted(ref)
    rows = [ref[a] for a in res.account_ids.tolist()]
    np.testing.assert_allclose(res.score, [r["score"] for r in rows], rtol=1e-12, atol=1e-9)
    for name in ("n", "promoters", "passives", "detractors", "respondents"):
        assert res.__getattribute__(name).tolist() == [r[name] for r in rows], name
    stamps = [r["last_response_at"] for r in rows]
    assert [s.replace(tzinfo=UTC) for s in res.last_response_at.tolist()] == stamps


SAMPLE = sample(seed=11, n_accounts=300)
NPS_ROWS = [
    r
    for r in from_columns(SAMPLE.survey_responses)
    if isinstance(r, SurveyResponse) and r.kind == "nps" and r.survey_type == "relationship"
]
AS_OFS = [
    datetime(2024, 7, 1, tzinfo=UTC),
    datetime(2025, 3, 15, 12, 30, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("unit", ACCOUNT_UNITS)
@pytest.mark.parametrize("as_of", AS_OFS)
@pytest.mark.parametrize("window_days", [365, 90.5, None])
def test_matches_plain_python_on_sample_data(
    unit: str, as_of: datetime, window_days: float | None
) -> None:
    res = account_scores(SAMPLE.survey_responses, as_of=as_of, unit=unit, window_days=window_days)
    expected = reference(NPS_ROWS, as_of=as_of, unit=unit, window_days=window_days)
    assert len(res) == len(expected) > 0
    assert_same(res, expected)


@pytest.mark.parametrize("unit", ACCOUNT_UNITS)
def test_weighted_matches_plain_python_on_sample_data(unit: str) -> None:
    rng = np.random.default_rng(5)
    weights = rng.uniform(0.2, 3.0, len(NPS_ROWS))
    weights[rng.random(len(NPS_ROWS)) < 0.1] = 0.0  # some responses left out
    # the weights align with the NPS relationship rows read, not with the whole table
    res = account_scores(SAMPLE.survey_responses, as_of=AS_OFS[2], unit=unit, weights=weights)
    expected = reference(
        NPS_ROWS, as_of=AS_OFS[2], unit=unit, window_days=365, weights=weights.tolist()
    )
    assert_same(res, expected)


def test_transactional_survey_type_on_sample_data() -> None:
    rows = [
        r
        for r in from_columns(SAMPLE.survey_responses)
        if isinstance(r, SurveyResponse) and r.kind == "nps" and r.survey_type == "transactional"
    ]
    res = account_scores(
        SAMPLE.survey_responses, as_of=AS_OFS[2], survey_type="transactional", window_days=180
    )
    assert res.survey_type == "transactional"
    assert_same(res, reference(rows, as_of=AS_OFS[2], unit="response", window_days=180))


# --- one account's result equals the NPS of its selected answers -------------------------------


def selected(
    records: list[SurveyResponse], account: str, unit: str, as_of: datetime, days: int
) -> tuple[list[int], list[float]]:
    """An account's counted answers and the weights they count with (plain Python)."""
    start = as_of - timedelta(days=days)
    mine = [
        (r.submitted_at, i, r)
        for i, r in enumerate(records)
        if r.account_id == account and start <= r.submitted_at < as_of
    ]
    people: dict[object, list[tuple[datetime, int, SurveyResponse]]] = defaultdict(list)
    for t, i, r in mine:
        people[r.contact_id if r.contact_id is not None else i].append((t, i, r))
    if unit == "response":
        return [r.score for _, _, r in mine], [1.0] * len(mine)
    if unit == "contact_latest":
        return [max(a)[2].score for a in people.values()], [1.0] * len(people)
    answers = [(r.score, 1 / len(a)) for a in people.values() for _, _, r in a]
    return [s for s, _ in answers], [w for _, w in answers]


@pytest.mark.parametrize("unit", ACCOUNT_UNITS)
def test_result_equals_score_of_selected_answers(unit: str) -> None:
    res = account_scores(SAMPLE.survey_responses, as_of=AS_OFS[2], unit=unit, window_days=730)
    for account in res.account_ids[::7].tolist():
        answers, weights = selected(NPS_ROWS, account, unit, AS_OFS[2], 730)
        one = res.result(account)
        if unit == "account_mean":
            direct = score(answers, weights=weights, min_n=0)
            assert one.score == pytest.approx(direct.score, abs=1e-9)
            assert one.n == direct.n
            # each contact is one sampling unit
            assert one.effective_n == pytest.approx(res.respondents[res.row(account)])
        else:
            direct = score(answers, min_n=0)
            assert one.score == direct.score  # unweighted: exactly the same tally
            assert one.tally == direct.tally
            assert one.confidence_interval() == direct.confidence_interval()


def test_result_of_unknown_account_names_it() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90)
    with pytest.raises(InvalidInputError, match=r"no account 'Z' among the 3 accounts"):
        res.result("Z")
    with pytest.raises(InvalidInputError, match=r"no account 7 "):
        res.result(7)  # an id of another type


# --- revenue-weighted NPS ---------------------------------------------------------------------


@pytest.mark.parametrize("unit", ACCOUNT_UNITS)
def test_revenue_weighted_matches_hand_formula(unit: str) -> None:
    res = account_scores(SAMPLE.survey_responses, as_of=AS_OFS[2], unit=unit)
    rng = np.random.default_rng(3)
    revenue = {a: float(rng.uniform(1_000, 90_000)) for a in res.account_ids.tolist()}
    out = res.revenue_weighted(revenue)
    numerator = sum(revenue[a] * s for a, s in zip(res.account_ids.tolist(), res.score.tolist()))
    assert out.score == pytest.approx(numerator / sum(revenue.values()), abs=1e-9)
    assert out.n == int(res.n.sum())
    # Kish over the sampling units: unit weight W_u scaled by R_a / (account's total weight)
    totals = res.promoter_weight + res.passive_weight + res.detractor_weight
    r = np.array([revenue[a] for a in res.account_ids.tolist()])
    squares = float(np.sum((r / totals) ** 2 * res.weight_squares))
    assert out.effective_n == pytest.approx(r.sum() ** 2 / squares)
    pair = res.revenue_weighted((list(revenue), np.array(list(revenue.values()))))
    assert pair.tally == out.tally


def test_revenue_weighted_is_a_response_weighted_tally() -> None:
    """Weighting every counted answer by R_a / n_a gives the same tally as `score`."""
    res = account_scores(SAMPLE.survey_responses, as_of=AS_OFS[2], unit="contact_latest")
    revenue = {a: 1_000.0 * (i % 7 + 1) for i, a in enumerate(res.account_ids.tolist())}
    answers: list[int] = []
    weights: list[float] = []
    for account in res.account_ids.tolist():
        mine, _ = selected(NPS_ROWS, account, "contact_latest", AS_OFS[2], 365)
        answers += mine
        weights += [revenue[account] / len(mine)] * len(mine)
    direct = score(answers, weights=weights)
    out = res.revenue_weighted(revenue)
    assert out.score == pytest.approx(direct.score, abs=1e-9)
    assert out.effective_n == pytest.approx(direct.effective_n)
    assert out.confidence_interval() == pytest.approx(direct.confidence_interval())


def test_revenue_weighted_without_accounts_is_undefined() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90)
    out = res.revenue_weighted({"Z": 10.0})
    assert (out.score, out.n) == (None, 0)


# --- invariants -------------------------------------------------------------------------------

BASE = datetime(2025, 1, 1, tzinfo=UTC)


@st.composite
def response_columns(draw: st.DrawFn) -> tuple[dict[str, list[object]], list[float]]:
    n = draw(st.integers(0, 40))
    column = st.lists  # one draw per row
    data: dict[str, list[object]] = {
        "account_id": draw(column(st.sampled_from("abcd"), min_size=n, max_size=n)),
        "contact_id": draw(column(st.sampled_from(["x", "y", "z", None]), min_size=n, max_size=n)),
        "score": draw(column(st.integers(0, 10), min_size=n, max_size=n)),
        "submitted_at": [
            BASE + timedelta(hours=h)
            for h in draw(column(st.integers(0, 24 * 120), min_size=n, max_size=n))
        ],
    }
    weights = draw(column(st.sampled_from([0.0, 0.5, 1.0, 2.5]), min_size=n, max_size=n))
    return data, weights


@given(
    response_columns(),
    st.integers(0, 24 * 130),
    st.sampled_from([None, 1, 30, 200]),
    st.booleans(),
)
def test_invariants(
    drawn: tuple[dict[str, list[object]], list[float]],
    hours: int,
    window_days: int | None,
    weighted: bool,
) -> None:
    data, w = drawn
    as_of = BASE + timedelta(hours=hours)
    weights = w if weighted else None
    results = {
        unit: account_scores(data, as_of=as_of, unit=unit, window_days=window_days, weights=weights)
        for unit in ACCOUNT_UNITS
    }
    start = None if window_days is None else as_of - timedelta(days=window_days)
    inside = [
        i for i, t in enumerate(data["submitted_at"]) if t < as_of and (start is None or t >= start)
    ]
    counted = [i for i in inside if weights is None or weights[i] > 0]
    for unit, res in results.items():
        ids = res.account_ids.tolist()
        assert ids == sorted(set(ids))
        assert set(ids) == {data["account_id"][i] for i in inside}
        defined = ~np.isnan(res.score)
        assert np.all((res.score[defined] >= -100 - 1e-9) & (res.score[defined] <= 100 + 1e-9))
        assert np.array_equal(defined, res.n > 0)
        assert np.array_equal(res.promoters + res.passives + res.detractors, res.n)
        assert np.all(res.respondents <= res.n)
        if unit == "contact_latest":
            assert np.array_equal(res.n, res.respondents)
        for account in ids[:2]:
            one = res.result(account).score
            i = ids.index(account)
            assert (one is None) if math.isnan(res.score[i]) else one == res.score[i]
        if res.n.sum():  # a convex combination of the account scores
            out = res.revenue_weighted(dict.fromkeys(ids, 1.0))
            assert out.score is not None
            assert res.score[defined].min() - 1e-9 <= out.score <= res.score[defined].max() + 1e-9
    assert int(results["response"].n.sum()) == len(counted)
    assert np.array_equal(results["account_mean"].n, results["response"].n)
    if weights is None:
        assert np.array_equal(results["response"].effective_n, results["response"].n)


# --- input forms ------------------------------------------------------------------------------


def same_result(a: AccountNPS, b: AccountNPS) -> None:
    assert a.account_ids.tolist() == b.account_ids.tolist()
    np.testing.assert_array_equal(a.score, b.score)
    for name in ("n", "respondents", "promoters", "passives", "detractors", "last_response_at"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.weight_squares, b.weight_squares)


@pytest.mark.parametrize("unit", ACCOUNT_UNITS)
def test_records_table_dict_and_frame_agree(unit: str) -> None:
    table = SAMPLE.survey_responses
    base = account_scores(table, as_of=AS_OFS[1], unit=unit)
    forms = [
        from_columns(table),
        iter(from_columns(table)),  # a one-shot iterator is read once
        table.to_dict(),  # JSON-ready lists: ISO text instants
        dict(table.items()),  # numpy columns
        table.to_pandas(),
        Table(dict(table.items())),  # a table without a model
    ]
    for form in forms:
        same_result(account_scores(form, as_of=AS_OFS[1], unit=unit), base)


def test_as_of_forms_agree() -> None:
    base = account_scores(HAND, as_of=AS_OF, window_days=90)
    for form in (
        datetime(2025, 7, 1, 2, tzinfo=timezone(timedelta(hours=2))),
        datetime(2025, 6, 30, 20, tzinfo=timezone(timedelta(hours=-4))),
        date(2025, 7, 1),  # a date is its midnight UTC
        pd.Timestamp("2025-07-01", tz="UTC"),
    ):
        res = account_scores(HAND, as_of=form, window_days=90)
        same_result(res, base)
        assert res.as_of == AS_OF


def test_integer_account_ids() -> None:
    data = {
        "account_id": [30, 4, 4, 1000],
        "score": [10, 0, 9, 8],
        "submitted_at": ["2025-01-01T00:00Z"] * 4,
    }
    res = account_scores(data, as_of=AS_OF)
    assert res.account_ids.tolist() == [4, 30, 1000]
    assert res.account_ids.dtype == object
    assert res.score.tolist() == [0.0, 100.0, 0.0]
    assert res.result(4).n == 2
    assert res.revenue_weighted({4: 1.0, 30: 3.0}).score == pytest.approx(75.0)


def test_without_contacts_the_units_coincide() -> None:
    data = {k: v for k, v in HAND.items() if k != "contact_id"}
    results = [account_scores(data, as_of=AS_OF, unit=u, window_days=90) for u in ACCOUNT_UNITS]
    for res in results[1:]:
        same_result(res, results[0])


def test_latest_tie_goes_to_the_later_row() -> None:
    data = {
        "account_id": ["A", "A"],
        "contact_id": ["c", "c"],
        "score": [0, 10],
        "submitted_at": ["2025-01-01T00:00Z"] * 2,
    }
    assert account_scores(data, as_of=AS_OF, unit="contact_latest").score.tolist() == [100.0]
    data["score"] = [10, 0]
    assert account_scores(data, as_of=AS_OF, unit="contact_latest").score.tolist() == [-100.0]


def test_weights_override_the_weight_column() -> None:
    data = {**HAND, "weight": [1.0] * len(HAND_ROWS)}
    w = [0.0] * len(HAND_ROWS)
    w[1] = 3.0  # A: only c1's 9 counts
    w[5], w[8] = 1.0, 3.0  # B: 6 with weight 1, 7 with weight 3 -> -25
    res = account_scores(data, as_of=AS_OF, window_days=90, weights=w)
    assert res.score[:2].tolist() == pytest.approx([100.0, -25.0])
    assert math.isnan(res.score[2])  # C: every answer weighs 0 -> listed, NaN, n = 0
    assert res.n.tolist() == [1, 2, 0]
    assert res.result("C").score is None
    assert res.to_records()[2]["score"] is None
    assert res.revenue_weighted({"A": 1.0, "B": 1.0, "C": 1.0}).score == pytest.approx(37.5)
    data["weight"] = w  # the same weights as a column
    same_result(account_scores(data, as_of=AS_OF, window_days=90), res)


def test_weighted_account_mean_uses_each_contacts_mean_weight() -> None:
    data = {
        "account_id": ["A", "A", "A"],
        "contact_id": ["c1", "c1", "c2"],
        "score": [10, 0, 10],
        "submitted_at": ["2025-01-01T00:00Z", "2025-02-01T00:00Z", "2025-03-01T00:00Z"],
        "weight": [1.0, 3.0, 4.0],
    }
    res = account_scores(data, as_of=AS_OF, unit="account_mean")
    # c1: mean code (1·1 + 3·(-1))/4 = -1/2 with weight (1 + 3)/2 = 2; c2: +1 with weight 4
    assert res.score.tolist() == pytest.approx([100 * (2 * -0.5 + 4 * 1) / 6])
    assert res.weight_squares.tolist() == pytest.approx([2.0**2 + 4.0**2])


def test_min_n_flags_small_accounts() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90, min_n=3)
    assert res.small.tolist() == [False, False, True]  # responses: 3, 4, 2
    latest = account_scores(HAND, as_of=AS_OF, window_days=90, min_n=3, unit="account_mean")
    assert latest.small.tolist() == [True, False, True]  # contacts: 2, 3, 1
    assert not account_scores(HAND, as_of=AS_OF).small.any()


def test_survey_type_none_takes_the_one_type_held() -> None:
    data = {**HAND, "survey_type": ["transactional"] * len(HAND_ROWS)}
    res = account_scores(data, as_of=AS_OF, window_days=90, survey_type=None)
    assert res.survey_type == "transactional"
    assert res.score.tolist() == pytest.approx([0.0, -25.0, 0.0])
    assert len(account_scores(data, as_of=AS_OF, window_days=90)) == 0  # no relationship rows


def test_output_forms() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=np.int64(90), unit="contact_latest")
    assert len(res) == 3
    assert type(res.window_days) is int
    text = repr(res)
    assert text.startswith("AccountNPS(3 accounts, unit='contact_latest'")
    assert "90 days before 2025-07-01T00:00:00.000000Z" in text
    assert re.search(r"\n  C\s+-100\.0\s+1\s+0/0/1\)$", text)
    out = res.to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["as_of"] == "2025-07-01T00:00:00.000000Z"
    assert {name: column[0] for name, column in out.items() if isinstance(column, list)} == {
        "account_ids": "A",
        "score": 50.0,
        "n": 2,
        "respondents": 2,
        "promoters": 1,
        "passives": 1,
        "detractors": 0,
        "promoter_weight": 1.0,
        "passive_weight": 1.0,
        "detractor_weight": 0.0,
        "weight_squares": 2.0,
        "last_response_at": "2025-06-01T10:00:00.000000Z",
        "unanswered": 0,
        "small": False,
    }
    assert res.to_records()[1]["last_response_at"] == datetime(2025, 6, 10, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="read-only"):
        res.score[0] = 1.0
    many = account_scores(SAMPLE.survey_responses, as_of=AS_OFS[2])
    assert f"... {len(many) - 5} more" in repr(many)


def test_empty_window() -> None:
    res = account_scores(HAND, as_of=datetime(2020, 1, 1, tzinfo=UTC))
    assert len(res) == 0
    assert res.score.dtype == np.float64
    assert res.last_response_at.dtype == np.dtype("datetime64[us]")
    assert res.to_dict()["account_ids"] == []
    assert repr(res).endswith("before 2020-01-01T00:00:00.000000Z)")
    assert res.revenue_weighted({}).score is None
    assert len(account_scores([], as_of=AS_OF)) == 0


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"as_of": datetime(2025, 7, 1)}, r"`as_of` is a naive datetime \(2025-07-01T00:00:00\)"),
        ({"as_of": 2.5}, r"`as_of` must be a date or an aware datetime, got float"),
        ({"as_of": 1_750_000_000}, r"`as_of` must be a date or an aware datetime, got int"),
        ({"unit": "account_waterfall"}, r"`unit` must be one of .*'account_waterfall'"),
        ({"window_days": -30}, r"`window_days` must be a finite number in \(0, 36525\].*-30"),
        ({"window_days": 0}, r"`window_days` must be a finite number in \(0, 36525\]"),
        ({"window_days": math.inf}, r"`window_days`"),
        ({"window_days": "90"}, r"`window_days`"),
        ({"window_days": True}, r"`window_days`"),
        ({"min_n": -1}, r"`min_n` must be a whole number >= 0"),
        ({"min_n": 2.5}, r"`min_n`"),
        ({"survey_type": "nps"}, r"`survey_type` must be one of"),
        ({"weights": [1.0, 2.0]}, r"one weight per NPS response read \(12\)"),
        ({"weights": [-1.0] * 12}, r"`weights` must be finite and >= 0; position 0"),
        ({"weights": ["x"] * 12}, r"`weights` must be numbers"),
    ],
)
def test_bad_options(options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"as_of": AS_OF, **options}
    with pytest.raises(InvalidInputError, match=message):
        account_scores(HAND, **arguments)


def test_mixed_survey_types_are_never_pooled() -> None:
    data = {**HAND, "survey_type": ["relationship", "transactional"] * 6}
    with pytest.raises(InvalidInputError, match="never pooled"):
        account_scores(data, as_of=AS_OF, survey_type=None)
    assert len(account_scores(data, as_of=AS_OF, survey_type="transactional")) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": [11, *HAND["score"][1:]]}, r"row 1: `score` is 11; NPS scores are whole"),
        ({"account_id": [None, *HAND["account_id"][1:]]}, r"row 1: `account_id` is missing"),
        (
            {"account_id": np.array([1, *HAND["account_id"][1:]], dtype=object)},
            r"must all be text or all numbers, got a mix of \['int', 'str'\]",
        ),
        ({"submitted_at": ["2025-07-01T00:00"] * 12}, r"submitted_at"),
    ],
)
def test_bad_columns(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        account_scores({**HAND, **change}, as_of=AS_OF)


def test_missing_column() -> None:
    with pytest.raises(InvalidInputError, match="need the columns"):
        account_scores({"score": [1], "submitted_at": ["2025-01-01T00:00Z"]}, as_of=AS_OF)


@pytest.mark.parametrize(
    ("revenue", "message"),
    [
        ({"A": -1.0}, r"`revenue` of account 'A' is -1.0"),
        ({"A": math.nan}, r"`revenue` of account 'A' is nan"),
        ({"A": math.inf}, r"must be\s+finite"),
        ((["A", "A"], [1.0, 2.0]), r"must be distinct"),
        (([1, "1"], [1.0, 2.0]), r"whole numbers and text are mixed"),
        (([None], [1.0]), r"row 1: `revenue account ids`: an identifier is required"),
        ((["A", "B"], [1.0]), r"2 account ids but values of shape \(1,\)"),
        ((["A"], ["lots"]), r"`revenue` values must be numbers"),
        ([1.0, 2.0, 3.0], r"mapping \{account_id: value\} or a pair"),
        (5.0, r"got float"),
    ],
)
def test_bad_revenue(revenue: object, message: str) -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90)
    with pytest.raises(InvalidInputError, match=message):
        res.revenue_weighted(revenue)


def test_bad_missing_option() -> None:
    res = account_scores(HAND, as_of=AS_OF, window_days=90)
    with pytest.raises(InvalidInputError, match=r"`missing` must be one of"):
        res.revenue_weighted({"A": 1.0}, missing="ignore")
