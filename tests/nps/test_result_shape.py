"""The NPS, CSAT and CES results on the one result shape (issue 14).

Every result compares by value (``==`` between two calls on the same data, ``!=`` when a
number differs), its ``to_dict()`` is strict JSON (NaN and infinities as ``None``), the
results with rows give ``to_pandas()`` columns equal to their arrays, per-account lookups
raise `AccountNotFoundError`, and intervals are one `ConfidenceInterval` type, also as
arrays (one bound per period or group) equal to each point's own interval.
"""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable
from datetime import date, datetime, timezone

import numpy as np
import pytest
from tests.validation import field_of

from cshealth import AccountNotFoundError, InvalidInputError
from cshealth._stats import ConfidenceInterval
from cshealth.nps import (
    account_scores,
    breakdown,
    ces,
    compare,
    csat,
    follow_ups,
    from_counts,
    migration,
    score,
    trend,
)

UTC = timezone.utc
DAY_US = 86_400_000_000


def responses(shift: int = 0) -> dict[str, object]:
    """Twelve NPS answers over three months at three accounts; ``shift`` turns the last
    answer (a promoter's 9) into a detractor's 5."""
    days = np.array([3, 9, 15, 20, 28, 33, 40, 44, 50, 61, 70, 80])
    scores = np.array([10, 9, 3, 8, 10, 0, 9, 6, 7, 10, 2, 9])
    scores[11] -= 4 * shift
    return {
        "id": [f"R{i}" for i in range(12)],
        "account_id": ["A", "B", "C"] * 4,
        "contact_id": [f"c{i % 5}" for i in range(12)],
        "touchpoint": ["support", "onboarding"] * 6,
        "score": scores,
        "submitted_at": np.datetime64("2025-01-01", "us") + (days * DAY_US).astype("m8[us]"),
    }


AS_OF = date(2025, 4, 1)
QUIET = {"min_n": 0}

#: Each result, built by a call on the data of ``responses(shift)``.
CALLS: dict[str, Callable[[int], object]] = {
    "NPSResult": lambda shift: score(responses(shift), **QUIET),
    "NPSComparison": lambda shift: compare(
        score(responses()["score"][:6], **QUIET), score(responses(shift)["score"][6:], **QUIET)
    ),
    "NPSTrend": lambda shift: trend(responses(shift), as_of=AS_OF, **QUIET),
    "NPSBreakdown": lambda shift: breakdown(responses(shift), by="touchpoint", **QUIET),
    "NPSMigration": lambda shift: migration(
        {"a": 10 - 4 * shift, "b": 3, "c": 7}, {"a": 9, "b": 8, "c": 10}, **QUIET
    ),
    "AccountNPS": lambda shift: account_scores(responses(shift), as_of=AS_OF),
    "CSATResult": lambda shift: csat([5 - 3 * shift, 4, 3, 5, 1], **QUIET),
    "CESResult": lambda shift: ces([7 - shift, 6, 2, 5], **QUIET),
    "FollowUp": lambda shift: next(
        item
        for item in follow_ups(responses(shift), as_of=date(2025, 3, 25))
        if item.response_id == "R11"
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_results_compare_by_value(name: str) -> None:
    first, again, other = CALLS[name](0), CALLS[name](0), CALLS[name](1)
    assert type(first).__name__ == name
    assert first is not again
    assert first == again  # two calls on the same data
    assert not (first != again)  # noqa: SIM202  # `!=` is answered too
    assert first != other  # one answer differs
    assert first == pickle.loads(pickle.dumps(first))
    assert first != "something else"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_to_dict_is_strict_json_and_survives_a_round_trip(name: str) -> None:
    data = CALLS[name](0).to_dict()  # type: ignore[attr-defined]
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data


# --- NaN and infinities become null --------------------------------------------------------------


def test_undefined_numbers_are_null_in_json() -> None:
    # an account whose answers all weigh 0 is listed with a NaN score
    weighted = {**responses(), "weight": [0.0, 1, 1] * 4}
    scores = account_scores(weighted, as_of=AS_OF)
    assert math.isnan(scores.score[0])
    assert json.loads(json.dumps(scores.to_dict(), allow_nan=False))["score"][0] is None
    # every change alike: an infinite paired t statistic
    moved = migration({"a": 3, "b": 2}, {"a": 10, "b": 9}, min_n=0)
    assert moved.statistic == math.inf
    assert json.loads(json.dumps(moved.to_dict(), allow_nan=False))["statistic"] is None
    # no spread at all in either sample: an infinite z statistic
    split = compare([10] * 5, [0] * 5, method="wald")
    assert split.statistic == -math.inf
    out = json.loads(json.dumps(split.to_dict(), allow_nan=False))
    assert out["statistic"] is None
    assert out["a"]["score"] == 100.0
    assert set(out) == {
        "a", "b", "difference", "statistic", "pvalue", "method", "standard_error",
        "confidence_interval", "confidence_level",
    }  # fmt: skip


def test_intervals_in_json_are_low_and_high() -> None:
    res = from_counts(promoters=3, passives=0, detractors=1)
    low, high = res.confidence_interval()
    assert res.to_dict()["confidence_interval"] == {"low": low, "high": high}
    monthly = trend(responses(), as_of=AS_OF, **QUIET)
    interval = monthly.confidence_interval()
    points = monthly.to_dict()["points"]
    assert [p["confidence_interval"] for p in points] == [
        {"low": lo, "high": hi} for lo, hi in zip(interval.low.tolist(), interval.high.tolist())
    ]
    assert points[0]["start"] == "2025-01-01T00:00:00.000000Z"


# --- rows to pandas ------------------------------------------------------------------------------


def test_trend_rows_to_pandas() -> None:
    monthly = trend(responses(), as_of=AS_OF, **QUIET)
    frame = monthly.to_pandas()
    assert list(frame.columns) == [
        "starts", "ends", "scores", "n", "unanswered", "pvalues", "significant", "small",
    ]  # fmt: skip
    assert len(frame) == len(monthly) == 3
    for column in frame.columns:
        np.testing.assert_array_equal(frame[column].to_numpy(), getattr(monthly, column))
    assert frame["n"].tolist() == [p.result.n for p in monthly]


def test_breakdown_rows_to_pandas() -> None:
    groups = breakdown(responses(), by="touchpoint", **QUIET)
    frame = groups.to_pandas()
    assert list(frame.columns) == [
        "group", "score", "n", "unanswered", "low", "high", "small", "difference_from_rest",
        "pvalue", "significant",
    ]  # fmt: skip
    assert frame["group"].tolist() == groups.labels == list(groups)
    assert frame["score"].tolist() == [result.score for result in groups.values()]
    assert frame["pvalue"].tolist() == groups.pvalues.tolist()
    assert frame["small"].tolist() == groups.small.tolist()


def test_account_rows_to_pandas() -> None:
    scores = account_scores(responses(), as_of=AS_OF)
    frame = scores.to_pandas()
    assert list(frame.columns) == [
        "account_id", "score", "n", "respondents", "promoters", "passives", "detractors",
        "promoter_weight", "passive_weight", "detractor_weight", "weight_squares",
        "last_response_at", "unanswered", "small",
    ]  # fmt: skip
    assert len(frame) == len(scores) == 3
    for column in frame.columns:
        np.testing.assert_array_equal(frame[column].to_numpy(), getattr(scores, field_of(column)))


# --- one account lookup ---------------------------------------------------------------------------


def test_an_absent_account_is_not_found() -> None:
    scores = account_scores(responses(), as_of=AS_OF, window_days=30)
    assert scores.account_ids.tolist() == ["A", "B", "C"]
    assert [scores.row(a) for a in ("A", "B", "C")] == [0, 1, 2]
    assert scores.result("B").n == int(scores.n[scores.row("B")])
    for lookup in (scores.row, scores.result):
        with pytest.raises(AccountNotFoundError, match="no account 'Z' among the 3 accounts"):
            lookup("Z")
    with pytest.raises(KeyError):
        scores.result("Z")
    with pytest.raises(InvalidInputError, match=r"in the window are listed \(30 days before"):
        scores.result("Z")
    with pytest.raises(AccountNotFoundError, match="their ids are text"):
        scores.result(7)


def test_arrays_stay_read_only_after_pickling() -> None:
    for result in (account_scores(responses(), as_of=AS_OF), CALLS["NPSMigration"](0)):
        copy = pickle.loads(pickle.dumps(result))
        arrays = [v for v in vars(copy).values() if isinstance(v, np.ndarray)]
        assert arrays
        assert not any(a.flags.writeable for a in arrays)


# --- intervals as arrays ----------------------------------------------------------------------


def test_trend_intervals_are_the_points_intervals() -> None:
    data = responses()
    monthly = trend(data, as_of=AS_OF, confidence_level=0.8, **QUIET)
    own = monthly.confidence_interval()  # the trend's level
    assert isinstance(own, ConfidenceInterval)
    assert own == ConfidenceInterval(
        np.array([p.result.confidence_interval(0.8).low for p in monthly]),
        np.array([p.result.confidence_interval(0.8).high for p in monthly]),
    )
    wald = monthly.confidence_interval(0.95, "wald")
    assert wald.low.tolist() == [p.result.confidence_interval(0.95, "wald").low for p in monthly]
    assert bool((wald.width > own.width).all())  # 95% is wider than 80%
    with pytest.raises(InvalidInputError, match="`method` must be one of"):
        monthly.confidence_interval(method="exact")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="confidence_level"):
        monthly.confidence_interval(1.5)


def test_an_empty_period_has_nan_bounds() -> None:
    data = {"score": [9, 9], "submitted_at": np.array(["2024-01-15", "2024-03-01"], "M8[us]")}
    monthly = trend(data, as_of=date(2024, 4, 1), **QUIET)
    low, high = monthly.confidence_interval()
    assert np.isnan(low[1])
    assert np.isnan(high[1])
    assert not np.isnan(low[[0, 2]]).any()


def test_rolling_weighted_windows_without_answers_have_no_score() -> None:
    # running sums of weights 0.1 + 0.2 - 0.1 - 0.2 leave a residue: an empty window must
    # still weigh exactly 0, so its score is NaN (it once read 100)
    days = np.array([0, 1, 2, 20, 40])
    data = {
        "score": [10, 9, 3, 8, 10],
        "weight": [0.1, 0.2, 0.7, 0.3, 0.1],
        "submitted_at": np.datetime64("2025-01-01", "us") + (days * DAY_US).astype("m8[us]"),
    }
    rolling = trend(data, as_of=date(2025, 3, 1), rolling_days=7, **QUIET)
    empty = rolling.n == 0
    assert empty.any()
    assert np.isnan(rolling.scores[empty]).all()
    for point in rolling:
        t = point.result.tally
        for count, weight in [
            (t.detractors, t.detractor_weight),
            (t.passives, t.passive_weight),
            (t.promoters, t.promoter_weight),
        ]:
            assert (count == 0) == (weight == 0)
    # the reference: each window scored on its own answers
    for point in rolling:
        inside = (data["submitted_at"] >= np.datetime64(point.start.replace(tzinfo=None))) & (
            data["submitted_at"] < np.datetime64(point.end.replace(tzinfo=None))
        )
        if inside.any():
            own = score(
                np.array(data["score"])[inside], weights=np.array(data["weight"])[inside], min_n=0
            )
            assert point.result.score == pytest.approx(own.score, abs=1e-9)


def test_breakdown_intervals_are_the_groups_intervals() -> None:
    groups = breakdown(responses(), by="touchpoint", **QUIET)
    interval = groups.confidence_interval(0.9)
    assert interval.low.tolist() == [r.confidence_interval(0.9).low for r in groups.values()]
    assert interval.high.tolist() == [r.confidence_interval(0.9).high for r in groups.values()]


# --- text ---------------------------------------------------------------------------------------


def test_text_tables_are_format_and_str() -> None:
    monthly = trend(responses(), as_of=AS_OF, **QUIET)
    groups = breakdown(responses(), by="touchpoint", **QUIET)
    moved = CALLS["NPSMigration"](0)
    for result in (monthly, groups, moved):
        assert str(result) == result.format()  # type: ignore[attr-defined]
        assert result._repr_html_().startswith("<pre>")  # type: ignore[attr-defined]
    assert not hasattr(monthly, "table")
    two = monthly.format(decimals=2).splitlines()
    one = monthly.format().splitlines()
    assert len(two) == len(one)
    first = monthly[0].result
    assert f"{first.score:.2f}" in two[1]
    assert f"{first.score:.1f}" in one[1]
    assert f"{groups.scores[0]:.0f}" in groups.format(decimals=0).splitlines()[2].split()
    assert moved.format(shares=True, decimals=1).splitlines()[1].split()[1:] == [
        "0.0%", "100.0%", "0.0%", "1",
    ]  # fmt: skip
    assert moved.format(shares=True).splitlines()[1].split()[1:] == ["0%", "100%", "0%", "1"]
    with pytest.raises(InvalidInputError, match="`decimals` must be a whole number"):
        monthly.format(decimals=-1)


def test_comparison_repr_is_short() -> None:
    res = compare(
        from_counts(promoters=160, passives=160, detractors=80),
        from_counts(promoters=200, passives=180, detractors=70),
    )
    assert repr(res) == (
        "NPSComparison(difference=+8.8, 95% CI [-1.0, 18.7], statistic=1.76, pvalue=0.0786, "
        "method='adjusted_wald', n_a=400, n_b=450)"
    )


def test_follow_up_to_dict_is_every_field() -> None:
    item = CALLS["FollowUp"](0)
    data = item.to_dict()  # type: ignore[attr-defined]
    assert list(data) == [
        "action", "category", "reason", "response_id", "account_id", "contact_id", "score",
        "survey_type", "touchpoint", "comment", "submitted_at", "due_on", "overdue", "priority",
    ]  # fmt: skip
    submitted = datetime.fromisoformat(data["submitted_at"].replace("Z", "+00:00"))
    assert submitted == item.submitted_at  # type: ignore[attr-defined]
    assert data["submitted_at"].endswith("Z")  # an instant in UTC
