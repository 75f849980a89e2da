"""``nps.trend`` against a deliberately plain reference: one window at a time, in Python.

The reference walks the responses of each period with a dict of each contact's latest
answer, the way the spec states the rule (spec §1.7: "keeps each respondent's most recent
response inside the window"); the library finds the same answers with sorted slices,
``maximum.at`` and, for daily rolling windows, cumulative sums over window ranges.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError, SurveyResponse
from cshealth.nps import NPSTally, compare, score, trend

UTC = timezone.utc
DAY_US = 86_400_000_000
BASE = np.datetime64("2024-01-01T00:00:00", "us")


def random_responses(seed: int, n: int = 4000, days: int = 400, contacts: int = 600) -> dict:
    rng = np.random.default_rng(seed)
    times = BASE + rng.integers(0, days * DAY_US, n).astype("timedelta64[us]")
    times[: n // 10] = times[n // 10 : 2 * (n // 10)]  # ties: same instant, other rows
    contact = rng.integers(0, contacts, n).astype(object)
    contact[::17] = None  # anonymous answers count one by one
    return {"contact_id": contact, "score": rng.integers(0, 11, n), "submitted_at": times}


def reference_counts(data: dict, start: datetime, end: datetime, latest: bool) -> tuple:
    """(detractors, passives, promoters) in [start, end), plainly."""
    lo, hi = (np.datetime64(x.replace(tzinfo=None), "us") for x in (start, end))
    chosen: dict[object, tuple[np.datetime64, int]] = {}
    alone: list[int] = []
    for row, (who, when) in enumerate(zip(data["contact_id"], data["submitted_at"])):
        if not lo <= when < hi:
            continue
        if not latest or who is None:
            alone.append(row)
        elif who not in chosen or chosen[who][0] <= when:  # a later row wins a tie
            chosen[who] = (when, row)
    rows = alone + [row for _, row in chosen.values()]
    scores = [int(data["score"][row]) for row in rows]
    return (
        sum(s <= 6 for s in scores),
        sum(7 <= s <= 8 for s in scores),
        sum(s >= 9 for s in scores),
    )


def counts_of(result: object) -> list[tuple[int, int, int]]:
    return [(p.result.detractors, p.result.passives, p.result.promoters) for p in result]


CONFIGS = [
    ({"period": "week"}, 1),
    ({"period": "month"}, 1),
    ({"period": "quarter"}, 1),
    ({"period": "year"}, 1),
    ({"rolling_days": 90}, 1),  # daily: the window-range (cumulative sum) kernel
    ({"rolling_days": 90}, 45),  # sparse: the slice kernel
    ({"rolling_days": 7}, 3),
]


@pytest.mark.parametrize(("period", "step"), CONFIGS)
@pytest.mark.parametrize("dedupe", ["latest", "none"])
def test_counts_match_the_plain_reference(period: dict, step: int, dedupe: str) -> None:
    data = random_responses(seed=3)
    result = trend(data, as_of=date(2025, 1, 20), **period, dedupe=dedupe, step_days=step)
    expected = [reference_counts(data, p.start, p.end, dedupe == "latest") for p in result]
    assert counts_of(result) == expected
    assert len(result) > (1 if period.get("period") == "year" else 3)  # 400 days: two years


@given(
    seed=st.integers(0, 10_000),
    shape=st.tuples(st.integers(0, 60), st.integers(1, 40), st.integers(1, 8)),
    window=st.integers(1, 15),
    step=st.integers(1, 6),
)
def test_rolling_windows_match_the_reference(
    seed: int, shape: tuple[int, int, int], window: int, step: int
) -> None:
    n, days, contacts = shape
    data = random_responses(seed, n=n, days=days, contacts=contacts)
    as_of = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=days, hours=seed % 24)
    result = trend(data, as_of=as_of, rolling_days=window, step_days=step, min_n=0)
    expected = [reference_counts(data, p.start, p.end, latest=True) for p in result]
    assert counts_of(result) == expected
    for point in result:
        assert point.end - point.start == timedelta(days=window)
        if point.result.score is not None:
            assert -100 <= point.result.score <= 100


@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), quarter=st.booleans())
def test_calendar_periods_partition_the_responses(seed: int, n: int, quarter: bool) -> None:
    data = random_responses(seed, n=n, days=300, contacts=5)
    as_of = date(2024, 9, 14)
    result = trend(data, as_of=as_of, period="quarter" if quarter else "month", dedupe="none")
    before = int((data["submitted_at"] < np.datetime64(as_of, "us")).sum())
    assert int(result.n.sum()) == before
    assert all(a.end == b.start for a, b in itertools.pairwise(result))
    assert [p.complete for p in result] == [True] * (len(result) - 1) + [False]


#: pandas' names of the calendar periods (``W`` is ``W-SUN``: ISO weeks, Monday first).
PANDAS_PERIODS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
@pytest.mark.parametrize("period", list(PANDAS_PERIODS))
def test_calendar_periods_match_pandas_to_period(period: str, zone: str) -> None:
    data = random_responses(seed=11, n=3000, days=900)
    as_of = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)  # a Wednesday, mid-quarter
    result = trend(data, as_of=as_of, period=period, dedupe="none", min_n=0, timezone=zone)
    local = pd.DatetimeIndex(data["submitted_at"]).tz_localize("UTC").tz_convert(zone)
    local = local[local < pd.Timestamp(as_of)]
    labels = local.tz_localize(None).to_period(PANDAS_PERIODS[period])
    expected = pd.Series(1, index=labels).groupby(level=0).size()
    spans = pd.period_range(expected.index.min(), expected.index.max())
    assert len(result) == len(spans)  # every period from the first response's, none skipped
    for point, span in zip(result, spans):
        assert point.start == span.start_time.tz_localize(zone)
        if point.complete:
            assert point.end == (span + 1).start_time.tz_localize(zone)
        else:  # the running period ends at `as_of`
            assert point.end == as_of
        assert point.result.n == expected.get(span, 0), span
    assert [p.complete for p in result] == [True] * (len(result) - 1) + [False]
    # a week starts on a Monday, a year on 1 January; changes compare disjoint neighbours
    starts = [p.start for p in result]
    if period == "week":
        assert {s.isoweekday() for s in starts} == {1}
    if period == "year":
        assert {(s.month, s.day) for s in starts} == {(1, 1)}
    for before, after in itertools.pairwise(result):
        if after.change is not None:
            assert after.change.a == before.result


def test_weighted_periods_equal_score_of_their_responses() -> None:
    data = random_responses(seed=5, n=3000)
    weights = np.random.default_rng(5).uniform(0.0, 3.0, 3000)
    weights[::50] = 0.0
    for period, step in CONFIGS:
        result = trend(
            data,
            as_of=date(2025, 1, 1),
            **period,
            step_days=step,
            dedupe="none",
            weights=weights,
        )
        for point in result:
            lo, hi = (np.datetime64(x.replace(tzinfo=None), "us") for x in (point.start, point.end))
            rows = (data["submitted_at"] >= lo) & (data["submitted_at"] < hi)
            expected = NPSTally.from_scores(data["score"][rows], weights=weights[rows])
            got = point.result.tally
            assert (got.detractors, got.passives, got.promoters) == (
                expected.detractors, expected.passives, expected.promoters
            )  # fmt: skip
            for name in ("detractor_weight", "passive_weight", "promoter_weight", "weight_squares"):
                assert getattr(got, name) == pytest.approx(getattr(expected, name), abs=1e-6)


def test_weight_column_is_used_and_zero_weights_left_out() -> None:
    data = {"score": [10, 0, 9], "submitted_at": [BASE] * 3, "weight": [2.0, 0.0, 1.0]}
    (point,) = trend(data, as_of=date(2024, 2, 1), dedupe="none", min_n=0)
    assert point.result.n == 2
    assert point.result.tally.total_weight == 3.0


def test_changes_are_tested_against_the_previous_disjoint_period() -> None:
    data = random_responses(seed=11, n=6000, contacts=3000)
    monthly = trend(data, as_of=date(2025, 1, 1), alpha=0.2)
    for before, after in itertools.pairwise(monthly):
        assert after.change is not None
        expected = compare(before.result, after.result)
        assert after.change.difference == pytest.approx(expected.difference)
        assert after.significant == (expected.pvalue < 0.2)
    assert monthly[0].change is None
    rolling = trend(data, as_of=date(2025, 1, 1), rolling_days=30, step_days=7)
    lag = math.ceil(30 / 7)
    for i, point in enumerate(rolling):
        if i < lag:
            assert point.change is None
            continue
        previous = rolling[i - lag]
        assert previous.end <= point.start
        assert point.change is not None
        assert point.change.a == previous.result


def test_a_real_drop_is_flagged_and_noise_is_not() -> None:
    rng = np.random.default_rng(2)
    months = np.repeat([5, 35, 65], 400)
    scores = np.r_[rng.choice([10, 9, 8, 3], 800), rng.choice([10, 7, 3, 2], 400)]
    data = {
        "score": scores,
        "submitted_at": BASE + (months * DAY_US).astype("timedelta64[us]"),
    }
    result = trend(data, as_of=date(2024, 4, 1), dedupe="none")
    assert result.significant.tolist() == [False, False, True]
    assert result.pvalues[0] != result.pvalues[0]  # NaN: nothing to compare with


def test_dedupe_defaults_follow_the_survey_type() -> None:
    rows = {
        "contact_id": ["c1", "c1"],
        "score": [0, 10],
        "submitted_at": [BASE, BASE + np.timedelta64(1, "D")],
    }
    relationship = trend(
        rows | {"survey_type": ["relationship"] * 2}, as_of=date(2024, 2, 1), min_n=0
    )
    assert relationship.dedupe == "latest"
    assert relationship[0].result.promoters == 1
    assert relationship[0].result.n == 1
    transactional = trend(
        rows | {"survey_type": ["transactional"] * 2}, as_of=date(2024, 2, 1), min_n=0
    )
    assert transactional.dedupe == "none"
    assert transactional[0].result.n == 2
    assert trend(rows, as_of=date(2024, 2, 1)).dedupe == "latest"  # type unknown


def test_survey_types_are_never_pooled() -> None:
    rows = {
        "score": [0, 10, 9],
        "submitted_at": [BASE] * 3,
        "survey_type": ["relationship", "transactional", "transactional"],
    }
    with pytest.raises(InvalidInputError, match="never pooled"):
        trend(rows, as_of=date(2024, 2, 1))
    chosen = trend(rows, as_of=date(2024, 2, 1), survey_type="transactional")
    assert chosen.survey_type == "transactional"
    assert chosen[0].result.n == 2
    with pytest.raises(InvalidInputError, match="`survey_type` must be one of"):
        trend(rows, as_of=date(2024, 2, 1), survey_type="annual")


def test_nothing_at_or_after_as_of_is_seen() -> None:
    cut = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    data = {
        "score": [10, 0, 0],
        "submitted_at": np.array(
            ["2024-03-10T11:59:59", "2024-03-10T12:00:00", "2025-01-01"], "datetime64[us]"
        ),
    }
    result = trend(data, as_of=cut, min_n=0)
    assert result.n.tolist() == [1]
    assert result[-1].end == cut
    assert not result[-1].complete
    assert result.as_of == cut
    with pytest.raises(InvalidInputError, match="naive datetime"):
        trend(data, as_of=datetime(2024, 3, 10))
    with pytest.raises(InvalidInputError, match="must be a date or an aware datetime"):
        trend(data, as_of=20240310)  # a number; ISO text is read since issue 13


def test_quarters_are_calendar_quarters_and_start_is_honoured() -> None:
    data = {
        "score": [9, 9],
        "submitted_at": np.array(["2024-02-15", "2024-08-01"], "datetime64[us]"),
    }
    quarters = trend(data, as_of=date(2024, 10, 1), period="quarter", min_n=0)
    assert [p.start.date() for p in quarters] == [
        date(2024, 1, 1),
        date(2024, 4, 1),
        date(2024, 7, 1),
    ]
    assert all(p.complete for p in quarters)
    assert quarters.n.tolist() == [1, 0, 1]
    assert quarters[1].result.score is None
    assert quarters[2].change is None  # the previous quarter is empty
    later = trend(data, as_of=date(2024, 10, 1), period="month", start=date(2024, 6, 20), min_n=0)
    assert later[0].start.date() == date(2024, 6, 1)
    rolling = trend(
        data, as_of=date(2024, 10, 1), rolling_days=30, step_days=30, start=date(2024, 7, 1)
    )
    assert rolling[0].start.date() >= date(2024, 7, 1)
    assert rolling[-1].end.date() == date(2024, 10, 1)


def test_empty_inputs_give_empty_trends() -> None:
    empty = {"score": [], "submitted_at": np.array([], "datetime64[us]")}
    for period in ({"period": "month"}, {"rolling_days": 30}):
        result = trend(empty, as_of=date(2024, 1, 1), **period)
        assert len(result) == 0
        assert result.scores.shape == (0,)
        assert result.confidence_interval().low.shape == (0,)
    late = {"score": [9], "submitted_at": np.array(["2030-01-01"], "datetime64[us]")}
    assert len(trend(late, as_of=date(2024, 1, 1))) == 0
    assert len(trend([], as_of=date(2024, 1, 1))) == 0


def test_records_frames_and_columns_agree() -> None:
    data = random_responses(seed=8, n=300, contacts=40)
    records = [
        SurveyResponse(
            id=f"R{i}",
            account_id="A",
            contact_id=None if c is None else str(c),
            kind="nps",
            survey_type="relationship",
            score=int(s),
            submitted_at=t.astype(datetime).replace(tzinfo=UTC),
        )
        for i, (c, s, t) in enumerate(zip(data["contact_id"], data["score"], data["submitted_at"]))
    ]
    frame = pd.DataFrame(data).assign(
        submitted_at=lambda d: (
            pd.to_datetime(d["submitted_at"]).dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
        )
    )
    as_of = date(2024, 12, 1)
    expected = counts_of(trend(data, as_of=as_of))
    assert counts_of(trend(records, as_of=as_of)) == expected
    assert counts_of(trend(iter(records), as_of=as_of)) == expected
    assert counts_of(trend(frame, as_of=as_of)) == expected


def test_result_views_and_export() -> None:
    data = random_responses(seed=4, n=500)
    result = trend(data, as_of=date(2024, 6, 1), min_n=40, confidence_level=0.9)
    point = result[2]
    low, high = point.result.confidence_interval(0.9)
    interval = result.confidence_interval()
    assert (interval.low[2], interval.high[2]) == (low, high)
    assert result.scores[2] == point.result.score
    assert result.small.tolist() == (result.n < 40).tolist()
    assert result.starts[0] == np.datetime64("2024-01-01", "us")
    assert result.ends[-1] == np.datetime64("2024-06-01", "us")
    exported = json.loads(json.dumps(result.to_dict()))
    assert exported["period"] == "month"
    assert exported["points"][2]["n"] == point.result.n
    assert len(list(result)) == len(result) == 5
    assert "5 periods of month" in repr(result)
    assert repr(point).startswith("TrendPoint(2024-03-01..2024-04-01: NPSResult(")
    lines = result.format().splitlines()
    assert lines[0].split() == ["period", "NPS", "n", "interval", "change"]
    assert len(lines) == 6


def test_rolling_windows_say_so_apart_from_the_period() -> None:
    data = random_responses(seed=4, n=500)
    rolling = trend(data, as_of=date(2024, 6, 1), rolling_days=30, step_days=30, min_n=0)
    assert (rolling.period, rolling.rolling_days) == (None, 30)
    exported = json.loads(json.dumps(rolling.to_dict()))
    assert (exported["period"], exported["rolling_days"]) == (None, 30)
    assert f"{len(rolling)} rolling windows of 30 days" in repr(rolling)
    weekly = trend(data, as_of=date(2024, 6, 1), period="week", min_n=0)
    assert (weekly.period, weekly.rolling_days) == ("week", None)
    assert f"{len(weekly)} periods of week" in repr(weekly)


def test_empty_periods_in_views_and_table() -> None:
    data = {
        "score": [9, 9],
        "submitted_at": np.array(["2024-01-15", "2024-03-01"], "datetime64[us]"),
    }
    result = trend(data, as_of=date(2024, 4, 1), min_n=0)
    assert math.isnan(result.scores[1])
    assert math.isnan(result.confidence_interval().low[1])
    assert result.to_dict()["points"][1]["confidence_interval"] is None
    assert result.format().splitlines()[2].split() == ["2024-02-01..2024-03-01", "-", "0"]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"period": "fortnight"}, "`period` must be"),
        ({"rolling_days": 0}, "`rolling_days` must be"),
        ({"rolling_days": 2.5}, "`rolling_days` must be"),
        ({"period": ("rolling", 30)}, "`period` must be"),
        ({"period": "week", "rolling_days": 30}, "give one of them"),
        ({"step_days": 0}, "`step_days` must be"),
        ({"step_days": True}, "`step_days` must be"),
        ({"dedupe": "first"}, "`dedupe` must be"),
        ({"alpha": 0.0}, "`alpha` must be"),
        ({"confidence_level": 95}, "confidence_level"),
        ({"start": datetime(2024, 1, 1)}, "`start` is a naive datetime"),
    ],
)
def test_bad_options(options: dict, fragment: str) -> None:
    data = {"score": [9], "submitted_at": np.array(["2024-01-15"], "datetime64[us]")}
    with pytest.raises(InvalidInputError, match=fragment):
        trend(data, as_of=date(2024, 4, 1), **options)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"score": [11], "submitted_at": [BASE]}, "whole numbers 0..10"),
        ({"score": [7.5], "submitted_at": [BASE]}, r"row 1: `score` is 7\.5"),
        ({"score": [float("inf")], "submitted_at": [BASE]}, "row 1: `score` is inf"),
        ({"score": [9]}, r"need the columns \['submitted_at'\]"),
        ({"score": [9], "submitted_at": ["2024-01-01T10:00:00"]}, "invalid"),
        ({"score": [9], "submitted_at": [BASE], "weight": [-1.0]}, "row 1: `weight` is -1.0"),
        ({"score": [9], "submitted_at": [BASE], "kind": ["csat"]}, "no responses of kind 'nps'"),
        ("scores", "must be SurveyResponse records"),
    ],
)
def test_bad_responses(data: object, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        trend(data, as_of=date(2024, 4, 1))


def test_naive_timestamps_are_refused_with_their_row() -> None:
    with pytest.raises(InvalidInputError) as caught:
        trend(
            {
                "score": [9, 9],
                "submitted_at": [datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2)],
            },
            as_of=date(2024, 4, 1),
        )
    (error,) = caught.value.errors
    assert (error.row, error.field, error.code) == (2, "submitted_at", "naive_datetime")


def test_trend_point_scores_equal_nps_score() -> None:
    data = random_responses(seed=6, n=800)
    result = trend(data, as_of=date(2024, 8, 1), dedupe="none", min_n=0)
    for point in result:
        lo, hi = (np.datetime64(x.replace(tzinfo=None), "us") for x in (point.start, point.end))
        rows = (data["submitted_at"] >= lo) & (data["submitted_at"] < hi)
        assert point.result.score == pytest.approx(score(data["score"][rows], min_n=0).score)
