"""The aggregates of `cshealth.dask` equal the single-machine functions on the same rows.

The sample data, split into Dask partitions every which way, and on purpose so that each
contact's, entity's and account's rows span partitions: each function of `cshealth.dask`
gives the result of the single-machine function on all the rows (``==``; weighted NPS
within the stated tolerance). Where a partial requires a key, the partials computed per
partition by hand, with no shuffle, give another (wrong) result: the shuffle is what
makes the adapter exact.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

import cshealth.dask as cd  # noqa: E402
from cshealth import InvalidInputError, adoption, datasets, nps, retention, support  # noqa: E402
from cshealth.dask._plan import ColumnsJob  # noqa: E402
from cshealth.nps._breakdown_result import Correction  # noqa: E402


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


SAMPLE = datasets.sample(n_accounts=300)
AS_OF = SAMPLE.as_of
RESPONSES = SAMPLE.survey_responses.to_pandas()
NPS = RESPONSES[RESPONSES["kind"] == "nps"].reset_index(drop=True)
ACCOUNTS = SAMPLE.accounts.to_pandas().drop(columns="traits")
EVENTS = SAMPLE.usage_events.to_pandas()
CHANGES = SAMPLE.revenue_changes.to_pandas()
#: Relationship answers, each given again an hour later with another score (and once more
#: at the very same instant: of two answers at one instant, the later row is the latest).
_FIRST = NPS[NPS["survey_type"] == "relationship"]
REPEATS = pd.concat(
    [
        _FIRST,
        _FIRST.assign(submitted_at=_FIRST["submitted_at"] + pd.Timedelta(hours=1)),
        _FIRST.assign(
            submitted_at=_FIRST["submitted_at"] + pd.Timedelta(hours=1),
            score=(_FIRST["score"] + 5) % 11,
        ),
    ],
    ignore_index=True,
)


def spread(frame: pd.DataFrame, key: str, npartitions: int) -> dd.DataFrame:
    """Each key's rows dealt over the partitions in turn: every key spans partitions."""
    turn = frame.groupby(key).cumcount().to_numpy() % npartitions
    dealt = frame.iloc[np.argsort(turn, kind="stable")].reset_index(drop=True)
    return dd.from_pandas(dealt, npartitions=npartitions, sort=False)


def close(a: object, b: object) -> bool:
    """Equal JSON forms, floats within the stated tolerance of partials (sums of floats)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return a == b


def by_hand(frame: dd.DataFrame, job: typing.Callable[..., typing.Any], **options: object):
    """The partials of every partition as they are, merged: what no shuffle gives."""
    pieces = [frame.get_partition(i).compute() for i in range(frame.npartitions)]
    partials = [job(piece, part=str(i), **options) for i, piece in enumerate(pieces)]
    return partials[0].merge(*partials[1:]).finalize()


# --- NPS ------------------------------------------------------------------------------------


@settings(max_examples=4)
@given(
    npartitions=st.integers(1, 6),
    survey_type=st.sampled_from(["relationship", "transactional"]),
    merge=st.sampled_from(["tree", "groupby"]),
    period=st.sampled_from(["month", "quarter"]),
)
def test_nps_trend_equals_the_single_machine_trend(
    npartitions: int, survey_type: str, merge: str, period: str
) -> None:
    frame = spread(NPS, "contact_id", npartitions)
    options = {"as_of": AS_OF, "survey_type": survey_type, "period": period}
    trend = cd.nps_trend(frame, merge=merge, **options)  # type: ignore[arg-type]
    assert trend == nps.trend(NPS, **options)  # type: ignore[arg-type]


def test_nps_trend_latest_is_exact_only_through_the_shuffle() -> None:
    frame = spread(REPEATS, "contact_id", 4)
    rows = frame.compute()  # the frame's own order: ties go to its later row
    options = {"as_of": AS_OF, "survey_type": "relationship"}
    single = nps.trend(rows, **options)  # type: ignore[arg-type]
    assert single != nps.trend(rows.iloc[::-1], **options)  # ties: row order decides
    assert cd.nps_trend(frame, **options) == single  # type: ignore[arg-type]
    wrong = by_hand(frame, nps.trend_partial, **options)
    assert sum(p.result.n for p in wrong.points) > sum(p.result.n for p in single.points)
    assert cd.nps_trend(frame, dedupe="none", **options) == by_hand(  # type: ignore[arg-type]
        frame, nps.trend_partial, dedupe="none", **options
    )


def test_nps_trend_without_contacts_needs_no_shuffle() -> None:
    rows = NPS.drop(columns="contact_id")
    frame = dd.from_pandas(rows, npartitions=3)
    options = {"as_of": AS_OF, "survey_type": "relationship"}
    assert cd.nps_trend(frame, **options) == nps.trend(rows, **options)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="partitioned_by='account_id' does not say so"):
        cd.nps_trend(frame, partitioned_by="account_id", **options)  # type: ignore[arg-type]


def test_weighted_nps_is_within_the_stated_tolerance() -> None:
    rows = NPS.assign(weight=np.random.default_rng(0).lognormal(size=len(NPS)))
    options = {"as_of": AS_OF, "survey_type": "transactional"}
    single = nps.trend(rows, **options)  # type: ignore[arg-type]
    for merge in ("tree", "groupby"):
        trend = cd.nps_trend(dd.from_pandas(rows, npartitions=5), merge=merge, **options)  # type: ignore[arg-type]
        assert [p.result.n for p in trend.points] == [p.result.n for p in single.points]
        np.testing.assert_allclose(trend.scores, single.scores, rtol=1e-12)


def test_naive_instants_are_utc_and_aware_ones_keep_their_zone() -> None:
    rows = NPS[NPS["survey_type"] == "transactional"].reset_index(drop=True)
    options = {"as_of": AS_OF, "survey_type": "transactional", "period": "month"}
    single = nps.trend(rows, **options)  # type: ignore[arg-type]
    aware = rows.assign(submitted_at=rows["submitted_at"].dt.tz_localize("UTC"))
    in_new_york = aware.assign(submitted_at=aware["submitted_at"].dt.tz_convert("America/New_York"))
    for same in (rows, aware, in_new_york):  # one instant, three spellings
        assert cd.nps_trend(dd.from_pandas(same, npartitions=3), **options) == single  # type: ignore[arg-type]
    # New York wall-clock times written without their zone are read as UTC: other months
    wall = in_new_york.assign(submitted_at=in_new_york["submitted_at"].dt.tz_localize(None))
    assert cd.nps_trend(dd.from_pandas(wall, npartitions=3), **options) != single  # type: ignore[arg-type]


def test_nps_breakdown_equals_the_single_machine_breakdown() -> None:
    rows = NPS[NPS["survey_type"] == "transactional"].reset_index(drop=True)
    segments = dict(zip(ACCOUNTS["id"], ACCOUNTS["segment"]))
    written = inspect.signature(cd.nps_breakdown).parameters["correction"].annotation
    correction = eval(written, {"Literal": typing.Literal})  # our own annotation
    assert typing.get_args(correction) == typing.get_args(Correction)
    for by in ("touchpoint", segments):
        for merge in ("tree", "groupby"):
            got = cd.nps_breakdown(spread(rows, "account_id", 3), by=by, merge=merge)  # type: ignore[arg-type]
            assert got == nps.breakdown(rows, by=by)


@pytest.mark.parametrize("merge", ["tree", "groupby"])
def test_csat_and_ces_equal_the_single_machine_results(merge: str) -> None:
    weights = np.random.default_rng(1).lognormal(size=len(RESPONSES))
    for kind, function, single in (("csat", cd.csat, nps.csat), ("ces", cd.ces, nps.ces)):
        rows = RESPONSES[RESPONSES["kind"] == kind].reset_index(drop=True)
        frame = dd.from_pandas(rows, npartitions=3)
        assert function(frame, merge=merge) == single(rows)  # type: ignore[operator]
        weighted = rows.assign(weight=weights[: len(rows)])
        got = function(dd.from_pandas(weighted, npartitions=4), merge=merge)  # type: ignore[operator]
        assert close(got.to_dict(), single(weighted).to_dict())  # type: ignore[operator]


# --- retention ------------------------------------------------------------------------------


@pytest.mark.parametrize("merge", ["tree", "groupby"])
def test_survival_and_kaplan_meier_equal_the_single_machine_curves(merge: str) -> None:
    frame = dd.from_pandas(ACCOUNTS, npartitions=4)
    assert cd.survival(frame, as_of=AS_OF, merge=merge) == retention.survival(  # type: ignore[arg-type]
        ACCOUNTS, as_of=AS_OF
    )
    grouped = cd.survival(frame, as_of=AS_OF, by="segment", time_unit="month", merge=merge)  # type: ignore[arg-type]
    assert grouped == retention.survival(ACCOUNTS, as_of=AS_OF, by="segment", time_unit="month")
    lives = pd.DataFrame({"days": [2.0, 3, 3, 8, 1, 9], "churned": [1, 0, 1, 1, 0, 1] * 1})
    lives["churned"] = lives["churned"].astype(bool)
    frame = dd.from_pandas(lives, npartitions=3)
    assert cd.kaplan_meier(frame, duration="days", observed="churned", merge=merge) == (  # type: ignore[arg-type]
        retention.kaplan_meier(lives["days"], lives["churned"])
    )
    assert cd.kaplan_meier(frame, duration="days") == retention.kaplan_meier(lives["days"])
    with pytest.raises(InvalidInputError, match="the frame has no column 'nope'"):
        cd.kaplan_meier(frame, duration="nope")


def test_cohort_table_is_exact_only_through_the_shuffle() -> None:
    frame = spread(EVENTS, "user_id", 4)
    options = {"as_of": AS_OF, "mode": "on_or_after"}
    single = retention.cohort_table(EVENTS["user_id"], EVENTS["occurred_at"], **options)  # type: ignore[arg-type]
    for merge in ("tree", "groupby"):
        got = cd.cohort_table(frame, entity="user_id", date="occurred_at", merge=merge, **options)  # type: ignore[arg-type]
        assert got == single
    job = ColumnsJob(retention.cohort_table_partial, ("user_id", "occurred_at"))
    wrong = by_hand(frame, job, **options)
    assert wrong.sizes.sum() > 2 * single.sizes.sum()
    with pytest.raises(InvalidInputError, match="partitioned_by='account_id' does not say so"):
        cd.cohort_table(
            frame, entity="user_id", date="occurred_at", partitioned_by="account_id", as_of=AS_OF
        )
    with pytest.raises(InvalidInputError, match="the frame has no column 'user'"):
        cd.cohort_table(frame, entity="user", date="occurred_at", as_of=AS_OF)


def test_logo_cohorts_and_logo_churn_equal_the_single_machine_ones() -> None:
    frame = dd.from_pandas(ACCOUNTS, npartitions=3)
    assert cd.logo_cohorts(frame, as_of=AS_OF, period="quarter") == retention.logo_cohorts(
        ACCOUNTS, as_of=AS_OF, period="quarter"
    )
    window = {"base_on": AS_OF - timedelta(days=365), "compare_on": AS_OF}
    for by in (None, "segment"):
        assert cd.logo_churn(frame, by=by, merge="groupby", **window) == retention.logo_churn(  # type: ignore[call-overload]
            ACCOUNTS, by=by, **window
        )


def test_revenue_functions_are_exact_only_through_the_shuffle() -> None:
    frame = spread(CHANGES, "account_id", 4)
    segments = dict(zip(ACCOUNTS["id"], ACCOUNTS["segment"]))
    # MRR is summed: equal within the stated tolerance of partials, counts exactly
    cohorts = retention.revenue_cohorts(CHANGES, as_of=AS_OF)
    got = cd.revenue_cohorts(frame, as_of=AS_OF)
    assert close(got.to_dict(), cohorts.to_dict())
    assert got.customers.tolist() == cohorts.customers.tolist()
    window = {"base_on": AS_OF - timedelta(days=365), "compare_on": AS_OF}
    single = retention.revenue_retention(CHANGES, **window)  # type: ignore[arg-type]
    assert close(cd.revenue_retention(frame, **window).to_dict(), single.to_dict())  # type: ignore[arg-type]
    grouped = cd.revenue_retention(frame, by=segments, merge="groupby", **window)  # type: ignore[arg-type]
    assert close(
        grouped.to_dict(), retention.revenue_retention(CHANGES, by=segments, **window).to_dict()
    )  # type: ignore[arg-type]
    assert not close(
        by_hand(frame, retention.revenue_retention_partial, **window).to_dict(), single.to_dict()
    )
    assert not close(
        by_hand(frame, retention.revenue_cohorts_partial, as_of=AS_OF).to_dict(), cohorts.to_dict()
    )
    period = {"start": AS_OF - timedelta(days=365), "end": AS_OF}
    moves = retention.mrr_movements(CHANGES, **period)  # type: ignore[arg-type]
    for by, merge in ((None, "tree"), (segments, "groupby")):
        got = cd.mrr_movements(frame, by=by, merge=merge, **period)  # type: ignore[call-overload]
        assert close(got.to_dict(), retention.mrr_movements(CHANGES, by=by, **period).to_dict())  # type: ignore[call-overload]
    assert not close(
        by_hand(frame, retention.mrr_movements_partial, **period).to_dict(), moves.to_dict()
    )


def test_activity_churn_is_exact_only_through_the_shuffle() -> None:
    frame = spread(EVENTS, "user_id", 3)
    window = {"base_on": AS_OF - timedelta(days=90), "compare_on": AS_OF}
    single = retention.activity_churn(EVENTS["user_id"], EVENTS["occurred_at"], **window)  # type: ignore[arg-type]
    assert cd.activity_churn(frame, entity="user_id", time="occurred_at", **window) == single  # type: ignore[arg-type]
    job = ColumnsJob(retention.activity_churn_partial, ("user_id", "occurred_at"))
    assert by_hand(frame, job, **window) != single


# --- support and adoption -------------------------------------------------------------------


def test_support_summary_equals_the_single_machine_summary() -> None:
    tickets = SAMPLE.tickets.to_pandas()
    window = {"start": AS_OF - timedelta(days=180), "end": AS_OF}
    frame = dd.from_pandas(tickets, npartitions=4)
    for by, merge in ((None, "tree"), ("channel", "groupby")):
        got = cd.support_summary(frame, by=by, merge=merge, **window)  # type: ignore[call-overload]
        assert got == support.summary(tickets, by=by, **window)


def test_active_users_is_exact_only_through_the_shuffle() -> None:
    frame = spread(EVENTS, "account_id", 4)
    single = adoption.active_users(EVENTS, as_of=AS_OF)
    for merge in ("tree", "groupby"):
        assert cd.active_users(frame, as_of=AS_OF, merge=merge) == single  # type: ignore[arg-type]
    assert by_hand(frame, adoption.active_users_partial, as_of=AS_OF) != single
