"""``nps.breakdown`` and ``nps.holm`` against plain references.

References: group scores recomputed by grouping in Python and calling ``nps.score`` on each
group; group-versus-rest tests recomputed with ``nps.compare`` on the complement; Holm's
adjustment written as the textbook loop (Holm 1979) and checked on a worked example.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth.nps import breakdown, compare, holm, score

UTC = timezone.utc


def holm_loop(pvalues: list[float]) -> list[float]:
    """Holm's adjusted p-values, the step-down procedure written out."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def test_holm_worked_example() -> None:
    # four tests at alpha 0.05: only the smallest (0.005 -> 0.02) and 0.01 (-> 0.03) survive
    assert holm([0.01, 0.04, 0.03, 0.005]).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])


@given(st.lists(st.floats(0.0, 1.0), max_size=12))
def test_holm_matches_the_loop_and_never_lowers_a_pvalue(pvalues: list[float]) -> None:
    adjusted = holm(pvalues)
    assert adjusted.tolist() == pytest.approx(holm_loop(pvalues))
    assert np.all(adjusted >= np.asarray(pvalues) - 1e-15)
    assert np.all(adjusted <= 1.0)


def test_holm_skips_untested_entries_and_refuses_bad_pvalues() -> None:
    adjusted = holm([0.01, float("nan"), 0.02])
    assert adjusted[1] != adjusted[1]
    assert adjusted[[0, 2]].tolist() == pytest.approx([0.02, 0.02])
    with pytest.raises(InvalidInputError, match=r"`pvalues` must lie in \[0, 1\]"):
        holm([0.5, 1.5])


def random_data(seed: int, n: int = 2000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    touchpoint = rng.choice(["onboarding", "support", "renewal", "in_app"], n).astype(object)
    touchpoint[::29] = None
    scores = rng.integers(0, 11, n)
    scores[touchpoint == "support"] = rng.integers(0, 9, int((touchpoint == "support").sum()))
    return {
        "account_id": rng.choice([f"A{i}" for i in range(30)], n).astype(object),
        "touchpoint": touchpoint,
        "score": scores,
        "submitted_at": np.datetime64("2025-01-01", "us")
        + rng.integers(0, 200 * 86_400_000_000, n).astype("timedelta64[us]"),
    }


def test_groups_match_a_plain_grouping() -> None:
    data = random_data(seed=1)
    result = breakdown(data, "touchpoint")
    groups: dict[object, list[int]] = defaultdict(list)
    for label, value in zip(data["touchpoint"], data["score"]):
        groups[label].append(int(value))
    assert {row.label for row in result} == set(groups)
    for row in result:
        assert row.result.tally == score(groups[row.label], min_n=0).tally
        rest = [v for label, values in groups.items() if label != row.label for v in values]
        expected = compare(score(rest, min_n=0), score(groups[row.label], min_n=0))
        assert row.versus_rest is not None
        assert row.versus_rest.difference == pytest.approx(expected.difference)
        assert row.versus_rest.pvalue == pytest.approx(expected.pvalue)
    raw = [row.versus_rest.pvalue for row in result if row.versus_rest]
    assert [row.pvalue for row in result] == pytest.approx(holm_loop(raw))
    assert result.n.tolist() == sorted(result.n.tolist(), reverse=True)
    assert result.overall.n == len(data["score"])
    assert result["support"].significant  # support was drawn from 0..8 only


def test_without_correction_the_raw_pvalues_are_reported() -> None:
    result = breakdown(random_data(seed=2), "touchpoint", correction="none")
    for row in result:
        assert row.versus_rest is not None
        assert row.pvalue == row.versus_rest.pvalue


def test_grouping_by_an_account_attribute() -> None:
    data = random_data(seed=3)
    segments = {f"A{i}": ("enterprise" if i < 10 else "smb") for i in range(25)}  # A25+ unknown
    result = breakdown(data, segments)
    assert result.by == "account"
    expected = {"enterprise": 0, "smb": 0, None: 0}
    for account in data["account_id"]:
        expected[segments.get(account)] += 1
    assert {row.label: row.result.n for row in result} == expected


def test_grouping_by_labels_per_response_row_follows_the_kind_filter() -> None:
    data = {
        "kind": ["nps", "csat", "nps", "nps"],
        "score": [10, 2, 0, 9],
    }
    result = breakdown(data, ["x", "y", "z", "x"], min_n=0)
    assert result.by == "labels"
    assert {row.label: row.result.n for row in result} == {"x": 2, "z": 1}
    assert result["x"].result.promoters == 2


def test_weights_and_time_window() -> None:
    data = random_data(seed=4, n=500)
    weights = np.random.default_rng(4).uniform(0.0, 2.0, 500)
    end, start = date(2025, 5, 1), datetime(2025, 2, 1, tzinfo=UTC)
    result = breakdown(data, "touchpoint", weights=weights, start=start, end=end)
    times = data["submitted_at"]
    inside = (times < np.datetime64(end, "us")) & (times >= np.datetime64("2025-02-01", "us"))
    for row in result:
        rows = inside & np.array([t == row.label for t in data["touchpoint"]])
        expected = score(data["score"][rows], weights=weights[rows], min_n=0).tally
        assert row.result.tally.n == expected.n
        assert row.result.tally.promoter_weight == pytest.approx(expected.promoter_weight)
        assert row.result.tally.weight_squares == pytest.approx(expected.weight_squares)


def test_end_and_start_each_alone() -> None:
    data = random_data(seed=7, n=400)
    times = data["submitted_at"]
    cut = np.datetime64("2025-03-01", "us")
    before = breakdown(data, "touchpoint", end=date(2025, 3, 1))
    after = breakdown(data, "touchpoint", start=date(2025, 3, 1))
    assert before.overall.n == int((times < cut).sum())
    assert after.overall.n == int((times >= cut).sum())


def test_small_groups_and_single_group() -> None:
    result = breakdown({"plan": ["pro"] * 5 + ["free"] * 40, "score": [9] * 45}, "plan")
    assert result["pro"].small
    assert not result["free"].small
    alone = breakdown({"plan": ["pro"] * 3, "score": [9, 9, 1]}, "plan", min_n=0)
    (row,) = alone
    assert row.versus_rest is None
    assert row.pvalue is None
    assert not row.significant


def test_views_and_export() -> None:
    result = breakdown(random_data(seed=5), "touchpoint")
    assert result.labels == [row.label for row in result]
    assert result.scores.tolist() == [row.result.score for row in result]
    exported = json.loads(json.dumps(result.to_dict()))
    assert exported["by"] == "touchpoint"
    assert len(exported["groups"]) == len(result) == 5
    lines = result.format().splitlines()
    assert lines[0].split() == ["group", "NPS", "n", "interval", "vs", "rest"]
    assert len(lines) == 6
    assert "5 groups" in repr(result)
    assert repr(result["support"]).startswith("BreakdownRow('support': NPSResult(")
    with pytest.raises(KeyError, match="no group 'sales'"):
        result["sales"]


def test_frames_and_records_read_alike() -> None:
    data = random_data(seed=6, n=300)
    expected = breakdown(data, "touchpoint").to_dict()
    assert breakdown(pd.DataFrame(data), "touchpoint").to_dict() == expected


@pytest.mark.parametrize(
    ("args", "options", "fragment"),
    [
        (("touchpoint",), {"correction": "bonferroni"}, "`correction` must be one of"),
        (("touchpoint",), {"alpha": 1.0}, r"`alpha` must be a finite number in \(0, 1\), got 1.0"),
        (("segment",), {}, r"need the columns \['segment'\]"),
        (({"A1": "smb"},), {}, "needs an `account_id` column"),
        (("touchpoint",), {"end": date(2025, 1, 1)}, "need a `submitted_at` column"),
        (
            ("touchpoint",),
            {"start": date(2025, 1, 1), "end": date(2025, 1, 1)},
            r"`end` \(2025-01-01\) must be after `start` \(2025-01-01\); the window is \[start",
        ),
    ],
)
def test_bad_options(args: tuple, options: dict, fragment: str) -> None:
    data = {"touchpoint": ["support"], "score": [9]}
    with pytest.raises(InvalidInputError, match=fragment):
        breakdown(data, *args, **options)
