"""Issue 13 §5, "API arguments": each hostile argument gives a named error or a right answer."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from cshealth import ConfigError, InvalidInputError, adoption, nps, retention, scoring, support
from cshealth.retention import annualize, deannualize, quick_ratio

SCORES = [10, 9, 0, 3, 8, 10]
AS_OF = date(2025, 4, 1)
RESPONSES = {
    "contact_id": ["c1", "c2", "c3"],
    "score": [10, 3, 8],
    "submitted_at": np.array(["2025-01-10", "2025-02-10", "2025-03-01"], "datetime64[us]"),
}
TICKETS = {
    "id": ["T1"],
    "account_id": ["A"],
    "channel": ["email"],
    "created_at": np.array(["2025-03-01T10:00"], "datetime64[us]"),
}
USAGE = {"account_id": ["A"], "day": ["2025-03-01"], "logins": [3]}
ACCOUNTS = {"id": ["A"], "start_date": ["2025-01-10"], "end_date": [None]}
CHANGES = {"account_id": ["A", "B"], "effective_on": ["2025-01-10", "2025-02-01"]}


def _raises(
    function: Callable[..., object], kwargs: dict[str, Any], error: type[Exception], text: str
) -> None:
    with pytest.raises(error) as info:
        function(**kwargs)
    assert text in str(info.value)


CASES: list[tuple[Callable[..., object], dict[str, Any], type[Exception], str]] = [
    (
        nps.score,
        {"data": SCORES, "weights": ["1"] * 6},
        InvalidInputError,
        "`weights` must hold numbers, got text",
    ),
    (
        nps.tally,
        {"data": SCORES, "weights": ["a"] * 6},
        InvalidInputError,
        "`weights` must hold numbers",
    ),
    (
        nps.from_counts,
        {"detractors": None, "passives": 1, "promoters": 1},
        InvalidInputError,
        "`detractors` must be a whole number from 0 to 9007199254740992",
    ),
    (
        nps.from_counts,
        {"detractors": "5", "passives": 1, "promoters": 1},
        InvalidInputError,
        "got '5'",
    ),
    (
        nps.from_counts,
        {"detractors": 10**400, "passives": 1, "promoters": 1},
        InvalidInputError,
        "got an integer of 401 digits",
    ),
    (nps.holm, {"pvalues": "0.5"}, InvalidInputError, "`pvalues` must hold numbers, got '0.5'"),
    (nps.holm, {"pvalues": None}, InvalidInputError, "`pvalues` must hold numbers, got None"),
    (
        nps.sample_size,
        {"margin": 1e-300},
        InvalidInputError,
        "`margin` must be a finite number in [0.01, 200], got 1e-300",
    ),
    (
        nps.sample_size,
        {"margin": "5"},
        InvalidInputError,
        "`margin` must be a finite number in [0.01, 200], got '5'",
    ),
    (
        nps.sample_size,
        {"margin": 5, "population": 2.5},
        InvalidInputError,
        "`population` must be a whole number >= 1, got 2.5",
    ),
    (
        nps.score,
        {"data": SCORES, "min_n": float("nan")},
        InvalidInputError,
        "`min_n` must be a whole number >= 0, got nan",
    ),
    (
        nps.score,
        {"data": SCORES, "min_n": True},
        InvalidInputError,
        "`min_n` must be a whole number >= 0, got True",
    ),
    (
        nps.account_scores,
        {"responses": RESPONSES, "as_of": AS_OF, "window_days": 1e300, "survey_type": None},
        InvalidInputError,
        "`window_days` must be a finite number in (0, 36525]",
    ),
    (
        support.account_metrics,
        {"tickets": TICKETS, "as_of": AS_OF, "window_days": 1e300},
        InvalidInputError,
        "`window_days` must be a finite number in (0, 36525]",
    ),
    (
        adoption.usage_trend,
        {"usage": USAGE, "as_of": AS_OF, "history_weeks": 10**7},
        InvalidInputError,
        "`history_weeks` must be a whole number from 2 to 520, got 10000000",
    ),
    (
        adoption.usage_trend,
        {"usage": USAGE, "as_of": AS_OF, "history_weeks": True},
        InvalidInputError,
        "`history_weeks` must be a whole number from 2 to 520, got True",
    ),
    (
        retention.logo_cohorts,
        {"accounts": ACCOUNTS, "as_of": date(9999, 12, 31), "period": "week"},
        InvalidInputError,
        "spans 416115 weeks; at most 1200",
    ),
    (
        retention.mrr_movements,
        {
            "changes": {**CHANGES, "mrr": [1e308, 1e308]},
            "start": date(2025, 1, 1),
            "end": date(2025, 6, 1),
        },
        InvalidInputError,
        "an MRR above 1e+15 is not a plausible amount (2 such rows)",
    ),
    (
        retention.revenue_retention,
        {
            "changes": {**CHANGES, "mrr": [1e308, 5.0]},
            "base_on": date(2025, 1, 1),
            "compare_on": date(2025, 6, 1),
        },
        InvalidInputError,
        "`mrr` of account 'A' (row 1) is 1e+308",
    ),
    (
        quick_ratio,
        {"new": 1e300, "expansion": 0.0, "churned": 1e-300, "contraction": 0.0},
        InvalidInputError,
        "too large for a float",
    ),
    (
        scoring.score,
        {"card": {"name": "x"}, "data": {"account_id": ["a"]}},
        ConfigError,
        "`card` must be a Scorecard or a ScorecardSet, got dict",
    ),
    (nps.queue_summary, {"follow_ups": [1]}, InvalidInputError, "position 0 holds int 1"),
    (
        nps.queue_summary,
        {"follow_ups": 1},
        InvalidInputError,
        "`follow_ups` must be an iterable of FollowUp items, got int",
    ),
    (
        nps.breakdown,
        {"responses": {"score": [9, 3], "g": ["a", "b"]}, "by": "g", "alpha": 2},
        InvalidInputError,
        "`alpha` must be a finite number in (0, 1), got 2",
    ),
    (
        nps.trend,
        {"responses": RESPONSES, "as_of": AS_OF, "alpha": "0.05"},
        InvalidInputError,
        "`alpha` must be a finite number in (0, 1), got '0.05'",
    ),
]


@pytest.mark.parametrize(("function", "kwargs", "error", "text"), CASES)
def test_a_hostile_argument_is_named(
    function: Callable[..., object], kwargs: dict[str, Any], error: type[Exception], text: str
) -> None:
    _raises(function, kwargs, error, text)


@pytest.mark.parametrize("scale", [1e200, 1e-170, 1e100, 1e-100, 3.0])
def test_weighted_nps_is_scale_invariant(scale: float) -> None:
    weights = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.5])
    reference = nps.score(SCORES, weights=weights, min_n=0)
    scaled = nps.score(SCORES, weights=weights * scale, min_n=0)
    assert scaled.score == pytest.approx(reference.score, abs=1e-12)
    for method in ("adjusted_wald", "wald"):
        low, high = scaled.confidence_interval(method=method)
        ref_low, ref_high = reference.confidence_interval(method=method)
        assert (low, high) == pytest.approx((ref_low, ref_high), abs=1e-12)
    assert scaled.effective_n == pytest.approx(reference.effective_n, rel=1e-12)
    repr(scaled)


@pytest.mark.parametrize("weight", [1e200, 1e-170])
def test_equal_extreme_weights_give_the_unweighted_interval(weight: float) -> None:
    plain = nps.score(SCORES, weights=[1.0] * 6, min_n=0)
    extreme = nps.score(SCORES, weights=[weight] * 6, min_n=0)
    assert extreme.confidence_interval() == plain.confidence_interval()
    assert extreme.tally == plain.tally


def test_moderate_weights_keep_their_units() -> None:
    t = nps.tally([10, 0], weights=[2.0, 3.0])
    assert (t.promoter_weight, t.detractor_weight, t.weight_squares) == (2.0, 3.0, 13.0)


def test_annualize_is_exact_for_tiny_rates_over_many_periods() -> None:
    assert annualize(1e-300, 1e300) == pytest.approx(1 - math.exp(-1), abs=1e-12)
    assert deannualize(1 - math.exp(-1), 1e300) == pytest.approx(1e-300, rel=1e-9)
    # the spec's vectors still hold, and the edges
    assert round(annualize(0.01, 12), 4) == 0.1136
    assert annualize(1.0, 0.5) == 1.0
    assert deannualize(1.0, 12) == 1.0
    assert annualize(0.0, 12) == 0.0


def test_quick_ratio_never_overflows_to_inf() -> None:
    assert quick_ratio(1e308, 1e308, 1e308, 1e308, allow_inf=False) == pytest.approx(1.0)
    assert quick_ratio(300.0, 100.0, 50.0, 50.0) == 4.0
    assert quick_ratio(1.0, 0.0, 0.0, 0.0, allow_inf=True) == math.inf
    assert quick_ratio(1.0, 0.0, 0.0, 0.0) is None
