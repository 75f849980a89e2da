"""`thresholds`: the bottom band's cut-off, against a brute force over every cut-off.

The reference tries every distinct score (and ``inf``) as the cut-off, row by row in
plain Python: the flagged set only changes at a score, so no other cut-off can do better.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import InvalidInputError, SmallSampleWarning
from cshealth._stats import proportion_interval
from cshealth.backtest._panel_result import Panel
from cshealth.backtest._thresholds import thresholds

_DAYS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]


def _quiet(data: object, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return thresholds(data, **options)  # type: ignore[arg-type]


def _candidates(scores: list[float]) -> list[float]:
    return [*sorted(set(scores)), math.inf]


def _brute_precision(scores: list[float], churned: list[bool], target: float) -> float:
    best = math.nan
    for cut in _candidates(scores):
        flagged = [c for s, c in zip(scores, churned) if s < cut]
        if flagged and sum(flagged) / len(flagged) >= target:
            best = cut
    return best


def _brute_capacity(scores: list[float], days: list[date], capacity: int) -> float:
    best = math.nan
    for cut in _candidates(scores):
        per_day = Counter(d for s, d in zip(scores, days) if s < cut)
        if max(per_day.values(), default=0) <= capacity:
            best = cut
    return best


_rows = st.lists(
    st.tuples(st.integers(0, 12), st.booleans(), st.sampled_from(_DAYS)), min_size=1, max_size=60
)


def _data(rows: list[tuple[int, bool, date]]) -> dict[str, list[object]]:
    return {
        "account_id": list(range(len(rows))),
        "score": [5.0 * s for s, _, _ in rows],
        "churned": [c for _, c, _ in rows],
        "as_of": [d for _, _, d in rows],
    }


@settings(max_examples=80, deadline=None)
@given(rows=_rows, target=st.sampled_from([0.05, 0.2, 0.25, 1 / 3, 0.5, 0.75, 1.0]))
def test_precision_cut_is_the_highest_that_reaches_the_target(
    rows: list[tuple[int, bool, date]], target: float
) -> None:
    data = _data(rows)
    cuts = _quiet(data, precision=target)
    want = _brute_precision(data["score"], data["churned"], target)
    assert cuts.cutoff == want or (math.isnan(cuts.cutoff) and math.isnan(want))
    flagged = [c for s, c in zip(data["score"], data["churned"]) if s < cuts.cutoff]
    assert cuts.flagged == len(flagged)
    assert cuts.events == sum(flagged)
    if flagged:
        assert cuts.precision >= target
        assert cuts.precision == sum(flagged) / len(flagged)


@settings(max_examples=80, deadline=None)
@given(rows=_rows, capacity=st.integers(1, 15))
def test_capacity_cut_is_the_highest_within_it_on_every_date(
    rows: list[tuple[int, bool, date]], capacity: int
) -> None:
    data = _data(rows)
    cuts = _quiet(data, capacity=capacity)
    assert cuts.cutoff == _brute_capacity(data["score"], data["as_of"], capacity)
    per_day = Counter(d for s, d in zip(data["score"], data["as_of"]) if s < cuts.cutoff)
    assert cuts.most_per_date == max(per_day.values(), default=0) <= capacity
    if per_day:
        assert per_day[cuts.busiest_date] == cuts.most_per_date


def test_a_tie_at_the_cut_is_never_split() -> None:
    data = {
        "account_id": list(range(10)),
        "score": [10.0, 20.0, 30.0, 30.0, 30.0, 50.0, 60.0, 70.0, 80.0, 90.0],
        "churned": [1, 1, 1, 0, 0, 0, 1, 0, 0, 0],
    }
    cuts = _quiet(data, capacity=3)  # three lowest include one 30 of three: leave all out
    assert cuts.cutoff == 30.0
    assert cuts.flagged == 2
    assert _quiet(data, capacity=5).cutoff == 50.0  # the whole tie fits
    assert _quiet(data, capacity=4).cutoff == 30.0


def test_the_cutoff_itself_is_not_flagged() -> None:
    data = {
        "account_id": list(range(40)),
        "score": [10.0] * 10 + [20.0] * 10 + [30.0] * 20,
        "churned": [1] * 6 + [0] * 4 + [1] * 4 + [0] * 6 + [1] * 2 + [0] * 18,
    }
    cuts = thresholds(data, precision=0.5)
    assert cuts.cutoff == 30.0  # flags 10 and 20: 10 of 20 churned
    assert (cuts.flagged, cuts.events) == (20, 10)
    assert cuts.precision == 0.5  # exactly the target counts as reaching it
    assert thresholds(data, precision=0.5 + 1e-9).cutoff == 20.0


def test_wilson_intervals_and_recall() -> None:
    rng = np.random.default_rng(2)
    score = rng.integers(0, 101, 2000).astype(float)
    churned = rng.random(2000) < 0.3 - 0.0025 * score
    data = {"account_id": np.arange(2000), "score": score, "churned": churned}
    cuts = thresholds(data, precision=0.3, confidence_level=0.9)
    flags = score < cuts.cutoff
    events = int((flags & churned).sum())
    low, high = proportion_interval(events, int(flags.sum()), confidence_level=0.9)
    assert tuple(cuts.precision_interval) == pytest.approx((float(low), float(high)))
    assert cuts.recall == events / churned.sum()
    low, high = proportion_interval(events, int(churned.sum()), confidence_level=0.9)
    assert tuple(cuts.recall_interval) == pytest.approx((float(low), float(high)))
    table = cuts.candidates
    assert table.cutoff[-1] == math.inf
    assert table.flagged[-1] == 2000
    assert (np.diff(table.recall) >= 0).all()


def test_a_target_at_or_below_the_base_rate_flags_everyone() -> None:
    data = {"account_id": list(range(40)), "score": list(range(40)), "churned": [1, 0, 0, 0] * 10}
    cuts = thresholds(data, precision=0.25)
    assert cuts.cutoff == math.inf
    assert cuts.flagged == 40
    assert "every scored observation" in cuts.format()
    assert thresholds(data, capacity=40).cutoff == math.inf
    assert thresholds(data, capacity=39).cutoff == 39.0


def test_an_unreachable_precision_has_no_cutoff_and_says_why() -> None:
    data = {"account_id": list(range(40)), "score": list(range(40)), "churned": [0, 1] * 20}
    cuts = thresholds(data, precision=0.9)
    assert math.isnan(cuts.cutoff)
    assert cuts.flagged == 0
    assert math.isnan(cuts.precision)
    assert math.isnan(cuts.recall)
    assert "best is 50.0%, flagging scores < 2" in cuts.undefined
    assert cuts.format().endswith(cuts.undefined)
    json.dumps(cuts.to_dict(), allow_nan=False)


def test_a_tie_beyond_capacity_at_the_lowest_score_flags_nothing() -> None:
    data = {"account_id": list(range(5)), "score": [0, 0, 0, 5, 9], "churned": [1, 1, 0, 0, 0]}
    cuts = _quiet(data, capacity=2)
    assert cuts.cutoff == 0.0
    assert cuts.flagged == 0
    assert "tie at the lowest score 0" in cuts.undefined
    assert math.isnan(cuts.precision)
    text = cuts.format()
    assert "precision -, recall 0.0%" in text
    assert cuts.undefined in text
    assert repr(cuts.candidates) == "CutTable(3 cut-offs)"


def test_the_busiest_date_decides_the_capacity() -> None:
    as_of = np.array(["2025-01-01"] * 6 + ["2025-02-01"] * 6, dtype="datetime64[D]")
    score = np.array([10, 20, 30, 40, 50, 60, 10, 15, 20, 25, 50, 60], dtype=float)
    panel = Panel(
        account_ids=np.arange(12),
        as_of=as_of,
        score=score,
        band=np.full(12, None, dtype=object),
        churned=np.array([1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0], dtype=bool),
        mrr=np.full(12, 100.0),
        dates=(date(2025, 1, 1), date(2025, 2, 1)),
    )
    cuts = _quiet(panel, capacity=3)
    assert cuts.cutoff == 25.0  # February's fourth lowest
    assert (cuts.most_per_date, cuts.busiest_date) == (3, date(2025, 2, 1))
    assert cuts.flagged == 5


def test_unscored_observations_are_left_out_and_counted() -> None:
    data = {
        "account_id": list(range(6)),
        "score": [10, None, 20, 30, None, 40],
        "churned": [1, 1, 0, 0, 1, 0],
    }
    cuts = _quiet(data, precision=0.5)
    assert (cuts.n, cuts.n_unscored, cuts.churners) == (4, 2, 1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of `precision`"),
        ({"precision": 0.3, "capacity": 10}, "exactly one of `precision`"),
        ({"precision": 0}, r"`precision` must be a finite number in \(0, 1\]"),
        ({"precision": 1.5}, "`precision` must be"),
        ({"precision": "30%"}, "`precision` must be"),
        ({"capacity": 0}, "`capacity` must be a whole number >= 1"),
        ({"capacity": 2.5}, "`capacity` must be a whole number"),
        ({"capacity": 5, "confidence_level": 2}, "confidence_level"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str) -> None:
    data = {"account_id": [1, 2], "score": [10, 20], "churned": [1, 0]}
    with pytest.raises(InvalidInputError, match=message):
        _quiet(data, **options)


def test_nothing_scored_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no scored observation"):
        thresholds({"account_id": [1], "score": [None], "churned": [1]}, capacity=3)


def test_few_churners_warn_at_the_callers_line() -> None:
    data = {"account_id": list(range(50)), "score": list(range(50)), "churned": [1] * 9 + [0] * 41}
    with pytest.warns(SmallSampleWarning, match="9 churners") as record:
        thresholds(data, capacity=10)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thresholds({**data, "churned": [1] * 10 + [0] * 40}, capacity=10)


def test_the_result_reads_as_text_and_json() -> None:
    rng = np.random.default_rng(5)
    score = np.round(rng.uniform(0, 100, 500))
    churned = rng.random(500) < 0.4 - 0.004 * score
    cuts = thresholds(
        {"account_id": np.arange(500), "score": score, "churned": churned}, capacity=60
    )
    out = cuts.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["rule"] == "capacity"
    assert out["candidates"]["cutoff"][-1] is None  # inf, in strict JSON
    text = cuts.format()
    assert text.startswith(f"Bottom band for at most 60 flagged per date: scores < {cuts.cutoff:g}")
    assert f"< {cuts.cutoff:g}" in text.splitlines()[-4]  # the chosen row amid its neighbours
    assert repr(cuts).startswith(f"BandCuts(capacity=60: score < {cuts.cutoff:g}, flagged=")
    assert len(cuts.candidates.format().splitlines()) == 12  # header, 10 rows, "... more"
    assert list(cuts.candidates.to_pandas().columns)[:3] == ["cutoff", "flagged", "events"]
