"""Scalar dates and instants: every public ``as_of``/``start``/``end``/``since`` reads one way.

Each form of the same point in time (a date, its ISO text, a day ``datetime64``; the UTC
midnight as an aware ``datetime``, an aware ``pandas.Timestamp``, a ``datetime64[us]``,
ISO text with ``Z`` or with another offset) must give every function the result the
plain ``date`` gives; a naive instant is refused with the one message of
`cshealth._time.naive_message`. The table of functions must name every public function
that takes such an argument, so a new one cannot read its bounds another way.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cshealth import adoption, lifecycle, nps, retention, scoring, support
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_day, as_instant
from cshealth.datasets import SampleData, sample

DAY = date(2025, 3, 1)
#: The same day, and its UTC midnight, in every form a scalar may take.
FORMS: dict[str, object] = {
    "date": DAY,
    "ISO date text": "2025-03-01",
    "datetime64 day": np.datetime64("2025-03-01"),
    "aware datetime": datetime(2025, 3, 1, tzinfo=timezone.utc),
    "aware datetime, other offset": datetime(2025, 3, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    "aware pandas Timestamp": pd.Timestamp("2025-03-01", tz="UTC"),
    "pandas Timestamp, Berlin": pd.Timestamp("2025-03-01 01:00", tz="Europe/Berlin"),
    "datetime64 instant": np.datetime64("2025-03-01T00:00", "us"),
    "ISO text with Z": "2025-03-01T00:00:00Z",
    "ISO text with offset": "2025-02-28T19:00:00-05:00",
}
NAIVE: dict[str, object] = {
    "naive datetime": datetime(2025, 3, 1),
    "naive pandas Timestamp": pd.Timestamp("2025-03-01"),
    "ISO text without offset": "2025-03-01T00:00:00",
}
#: Days before and after DAY for the bound that is not under test.
EARLY, LATE = date(2024, 12, 1), date(2025, 5, 1)


@cache
def world() -> SampleData:
    return sample(3, n_accounts=40, months=8, as_of=date(2025, 6, 1))


def _events() -> tuple[Any, Any]:
    events = world().usage_events
    return events["user_id"], events["occurred_at"]


def _card() -> scoring.Scorecard:
    measure = {
        "name": "usage",
        "column": "usage",
        "transform": {"kind": "linear", "worst": 0.0, "best": 100.0},
        "max_age_days": 30,
        "observed_at": "seen",
    }
    return scoring.Scorecard.model_validate(
        {"name": "t", "root": {"name": "overall", "children": [measure]}}
    )


_SCORING_DATA = {
    "account_id": ["A", "B"],
    "usage": [50.0, 70.0],
    "seen": np.array(["2025-02-20T00:00", "2025-01-01T00:00"], "datetime64[us]"),
}

#: Per public function taking a point in time: the argument and a call with it.
CALLS: dict[tuple[str, str], Callable[[object], object]] = {
    ("retention.cohort_table", "as_of"): lambda v: retention.cohort_table(*_events(), as_of=v),
    ("retention.logo_cohorts", "as_of"): lambda v: retention.logo_cohorts(
        world().accounts, as_of=v
    ),
    ("retention.revenue_cohorts", "as_of"): lambda v: retention.revenue_cohorts(
        world().revenue_changes, as_of=v
    ),
    ("retention.survival", "as_of"): lambda v: retention.survival(world().accounts, as_of=v),
    ("retention.logo_churn", "base_on"): lambda v: retention.logo_churn(
        world().accounts, base_on=v, compare_on=LATE
    ),
    ("retention.logo_churn", "compare_on"): lambda v: retention.logo_churn(
        world().accounts, base_on=EARLY, compare_on=v
    ),
    ("retention.activity_churn", "base_on"): lambda v: retention.activity_churn(
        *_events(), base_on=v, compare_on=date(2025, 6, 1)
    ),
    ("retention.activity_churn", "compare_on"): lambda v: retention.activity_churn(
        *_events(), base_on=date(2025, 2, 1), compare_on=v
    ),
    ("retention.mrr_movements", "start"): lambda v: retention.mrr_movements(
        world().revenue_changes, start=v, end=LATE
    ),
    ("retention.mrr_movements", "end"): lambda v: retention.mrr_movements(
        world().revenue_changes, start=EARLY, end=v
    ),
    ("retention.revenue_retention", "base_on"): lambda v: retention.revenue_retention(
        world().revenue_changes, base_on=v, compare_on=LATE
    ),
    ("retention.revenue_retention", "compare_on"): lambda v: retention.revenue_retention(
        world().revenue_changes, base_on=EARLY, compare_on=v
    ),
    ("retention.cohort_table_partial", "as_of"): lambda v: retention.cohort_table_partial(
        *_events(), as_of=v
    ),
    ("retention.logo_cohorts_partial", "as_of"): lambda v: retention.logo_cohorts_partial(
        world().accounts, as_of=v
    ),
    ("retention.revenue_cohorts_partial", "as_of"): lambda v: retention.revenue_cohorts_partial(
        world().revenue_changes, as_of=v
    ),
    ("retention.survival_partial", "as_of"): lambda v: retention.survival_partial(
        world().accounts, as_of=v
    ),
    ("retention.logo_churn_partial", "base_on"): lambda v: retention.logo_churn_partial(
        world().accounts, base_on=v, compare_on=LATE
    ),
    ("retention.logo_churn_partial", "compare_on"): lambda v: retention.logo_churn_partial(
        world().accounts, base_on=EARLY, compare_on=v
    ),
    ("retention.activity_churn_partial", "base_on"): lambda v: retention.activity_churn_partial(
        *_events(), base_on=v, compare_on=date(2025, 6, 1)
    ),
    ("retention.activity_churn_partial", "compare_on"): lambda v: retention.activity_churn_partial(
        *_events(), base_on=date(2025, 2, 1), compare_on=v
    ),
    ("retention.mrr_movements_partial", "start"): lambda v: retention.mrr_movements_partial(
        world().revenue_changes, start=v, end=LATE
    ),
    ("retention.mrr_movements_partial", "end"): lambda v: retention.mrr_movements_partial(
        world().revenue_changes, start=EARLY, end=v
    ),
    ("retention.revenue_retention_partial", "base_on"): lambda v: (
        retention.revenue_retention_partial(world().revenue_changes, base_on=v, compare_on=LATE)
    ),
    ("retention.revenue_retention_partial", "compare_on"): lambda v: (
        retention.revenue_retention_partial(world().revenue_changes, base_on=EARLY, compare_on=v)
    ),
    ("nps.trend", "as_of"): lambda v: nps.trend(
        world().survey_responses, as_of=v, survey_type="relationship", min_n=0
    ),
    ("nps.trend", "start"): lambda v: nps.trend(
        world().survey_responses, as_of=LATE, start=v, survey_type="relationship", min_n=0
    ),
    ("nps.breakdown", "end"): lambda v: nps.breakdown(
        world().survey_responses, by="survey_type", end=v, survey_type="relationship", min_n=0
    ),
    ("nps.breakdown", "start"): lambda v: nps.breakdown(
        world().survey_responses, by="survey_type", start=v, survey_type="relationship", min_n=0
    ),
    ("nps.trend_partial", "as_of"): lambda v: nps.trend_partial(
        world().survey_responses, as_of=v, survey_type="relationship", min_n=0
    ),
    ("nps.trend_partial", "start"): lambda v: nps.trend_partial(
        world().survey_responses, as_of=LATE, start=v, survey_type="relationship", min_n=0
    ),
    ("nps.breakdown_partial", "end"): lambda v: nps.breakdown_partial(
        world().survey_responses, by="survey_type", end=v, survey_type="relationship", min_n=0
    ),
    ("nps.breakdown_partial", "start"): lambda v: nps.breakdown_partial(
        world().survey_responses, by="survey_type", start=v, survey_type="relationship", min_n=0
    ),
    ("nps.account_scores", "as_of"): lambda v: nps.account_scores(
        world().survey_responses, as_of=v, survey_type="relationship"
    ),
    ("nps.follow_ups", "as_of"): lambda v: nps.follow_ups(world().survey_responses, as_of=v),
    ("adoption.active_users", "as_of"): lambda v: adoption.active_users(
        world().usage_events, as_of=v
    ),
    ("adoption.active_users_partial", "as_of"): lambda v: adoption.active_users_partial(
        world().usage_events, as_of=v
    ),
    ("adoption.usage_trend", "as_of"): lambda v: adoption.usage_trend(world().usage, as_of=v),
    ("adoption.feature_adoption", "as_of"): lambda v: adoption.feature_adoption(
        world().usage, as_of=v
    ),
    ("adoption.first_days", "as_of"): lambda v: adoption.first_days(
        world().usage, world().accounts, as_of=v
    ),
    ("adoption.account_metrics", "as_of"): lambda v: adoption.account_metrics(
        world().usage, as_of=v
    ),
    ("support.summary", "start"): lambda v: support.summary(world().tickets, start=v, end=LATE),
    ("support.summary", "end"): lambda v: support.summary(world().tickets, start=EARLY, end=v),
    ("support.summary_partial", "start"): lambda v: support.summary_partial(
        world().tickets, start=v, end=LATE
    ),
    ("support.summary_partial", "end"): lambda v: support.summary_partial(
        world().tickets, start=EARLY, end=v
    ),
    ("support.account_metrics", "as_of"): lambda v: support.account_metrics(
        world().tickets, as_of=v
    ),
    ("support.ticket_durations", "as_of"): lambda v: support.ticket_durations(
        world().tickets, as_of=v
    ),
    ("scoring.score", "as_of"): lambda v: scoring.score(_card(), _SCORING_DATA, as_of=v),
    ("scoring.default_inputs", "as_of"): lambda v: scoring.default_inputs(
        accounts=world().accounts, usage=world().usage, as_of=v
    ),
    ("lifecycle.onboarding", "as_of"): lambda v: lifecycle.onboarding(
        world().milestones, as_of=v, accounts=world().accounts
    ),
    ("lifecycle.time_to_value", "as_of"): lambda v: lifecycle.time_to_value(
        world().accounts, world().milestones, as_of=v
    ),
    ("lifecycle.goals", "as_of"): lambda v: lifecycle.goals(world().goals, as_of=v),
    ("lifecycle.classify", "as_of"): lambda v: lifecycle.classify(
        world().accounts,
        as_of=v,
        milestones=world().milestones,
        nps=world().survey_responses,
        contacts=world().contacts,
        revenue_changes=world().revenue_changes,
    ),
    ("lifecycle.renewals", "as_of"): lambda v: lifecycle.renewals(
        world().accounts,
        as_of=v,
        health=scoring.score(_card(), _SCORING_DATA, as_of=DAY),
        stages=lifecycle.classify(world().accounts, as_of=DAY),
    ),
    ("lifecycle.onboarding_report", "as_of"): lambda v: lifecycle.onboarding_report(
        world().accounts, world().milestones, world().tickets, as_of=v
    ),
}
#: Public functions whose ``start``/``end`` are column names, not points in time.
NOT_TIMES = {
    ("retention.changes_from_subscriptions", "start"),
    (
        "retention.changes_from_subscriptions",
        "end",
    ),
}


def _comparable(result: object) -> str:
    to_dict = getattr(result, "to_dict", None)
    return repr(to_dict() if callable(to_dict) else result)


def test_the_table_names_every_public_function_taking_a_point_in_time() -> None:
    found = set()
    for area in ("adoption", "lifecycle", "nps", "retention", "scoring", "support"):
        module = importlib.import_module(f"cshealth.{area}")
        for name in module.__all__:
            member = getattr(module, name)
            if inspect.isfunction(member):
                for arg in inspect.signature(member).parameters:
                    if arg in ("as_of", "start", "end", "since", "base_on", "compare_on"):
                        found.add((f"{area}.{name}", arg))
    assert found - NOT_TIMES == set(CALLS)


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("call", list(CALLS), ids="{0[0]}:{0[1]}".format)
def test_every_form_of_a_point_in_time_gives_the_same_result(
    call: tuple[str, str], form: str
) -> None:
    run = CALLS[call]
    assert _comparable(run(FORMS[form])) == _comparable(run(DAY))


@pytest.mark.parametrize("form", list(NAIVE))
@pytest.mark.parametrize("call", list(CALLS), ids="{0[0]}:{0[1]}".format)
def test_a_naive_instant_is_refused_with_one_message(call: tuple[str, str], form: str) -> None:
    with pytest.raises(InvalidInputError, match=rf"`{call[1]}` is a naive datetime \(2025-03-01"):
        CALLS[call](NAIVE[form])


# --- the reader itself ---------------------------------------------------------------------


@pytest.mark.parametrize("form", list(FORMS))
def test_the_reader_gives_one_instant_and_one_day_for_every_form(form: str) -> None:
    assert as_instant(FORMS[form]) == np.datetime64("2025-03-01T00:00", "us")
    assert as_day(FORMS[form], "as_of") == (DAY - date(1970, 1, 1)).days


def test_a_day_starts_at_local_midnight_and_an_instant_falls_on_its_local_day() -> None:
    # Berlin is UTC+1 in winter and UTC+2 in summer
    assert as_instant(DAY, timezone="Europe/Berlin") == np.datetime64("2025-02-28T23:00", "us")
    assert as_instant("2025-07-01", timezone="Europe/Berlin") == np.datetime64(
        "2025-06-30T22:00", "us"
    )
    late = "2025-01-31T23:30:00Z"
    assert as_day(late, "as_of") == as_day(date(2025, 1, 31), "d")
    assert as_day(late, "as_of", timezone="Europe/Berlin") == as_day(date(2025, 2, 1), "d")
    # an instant keeps its instant whatever the zone
    assert as_instant(late, timezone="Asia/Tokyo") == np.datetime64("2025-01-31T23:30", "us")


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (None, "`as_of` must be a date or an aware datetime, got NoneType None"),
        (20250301, "`as_of` must be a date or an aware datetime, got int"),
        (pd.NaT, "`as_of` must be a date or an aware datetime, got NaTType"),
        (np.datetime64("NaT"), "`as_of` must be a date or an aware datetime, got datetime64"),
        ("soon", "`as_of` must be a date or an aware datetime, got the text 'soon'"),
        ("2025-02-30", "got the text '2025-02-30'"),
        ("2025-03-01T25:00Z", "got the text"),
        (" 2025-03-01", "got the text"),
    ],
)
def test_what_is_not_a_point_in_time_is_named(value: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        as_instant(value)
    with pytest.raises(InvalidInputError, match=match):
        as_day(value, "as_of")


def test_an_unknown_zone_is_named() -> None:
    with pytest.raises(InvalidInputError, match="`timezone` 'Berlin' is not an IANA time zone"):
        as_instant(DAY, timezone="Berlin")
    with pytest.raises(InvalidInputError, match="`timezone` 'Berlin' is not an IANA time zone"):
        as_day(DAY, "as_of", timezone="Berlin")


@pytest.mark.parametrize("days", [2**40, -(2**40), 106_752_000, -106_752_000])
def test_a_day_whose_instants_do_not_fit_is_named(days: int) -> None:
    """Microseconds in an int64 reach about 292,000 years either side of 1970."""
    value = np.datetime64(days, "D")
    with pytest.raises(InvalidInputError, match="outside the representable range of instants"):
        as_instant(value)
    with pytest.raises(InvalidInputError, match="outside the representable range of instants"):
        as_instant(value, timezone="Europe/Berlin")
    assert as_day(value, "as_of") == days  # a day itself is fine


def test_the_last_days_that_fit_are_read() -> None:
    from cshealth._time import _LAST_DAY

    assert as_instant(np.datetime64(_LAST_DAY, "D")) == np.datetime64(_LAST_DAY, "D")
    assert as_instant(np.datetime64(-_LAST_DAY, "D")) == np.datetime64(-_LAST_DAY, "D")
    with pytest.raises(InvalidInputError, match="representable range"):
        as_instant(np.datetime64(_LAST_DAY + 1, "D"))
