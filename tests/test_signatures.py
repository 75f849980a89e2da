"""One language in every signature: each parameter name means one thing, everywhere.

Every public function of every area is read with `inspect` and `typing.get_type_hints`,
and held to the vocabulary of the concepts guide ("One word per idea"):

* data first, then ``*``, then options: a parameter with a default is keyword-only
  (`POSITIONAL_OPTIONS` lists the few that are data given positionally, with why);
* ``as_of`` is annotated with the one alias `cshealth._types.AsOf`, ``period`` with
  `cshealth._types.Period` (a calendar period; rolling windows are their own parameter),
  ``timezone`` is text defaulting to ``"UTC"``;
* a look-back is ``window_days``: no ``since``, ``days``, ``weeks`` or ``*_window`` for it;
  ``time_unit`` is a unit of time (``unit`` is only NPS's respondent unit);
* ``confidence_level`` defaults to 0.95, as in scipy; ``alpha`` is the significance
  level of a flag (0.05), never a confidence.

A new public function is held to the same rules when it is written.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from types import ModuleType

import pytest

import cshealth
from cshealth import adoption, datasets, io, lifecycle, nps, retention, scoring, support
from cshealth._types import AsOf, Period

AREAS: tuple[ModuleType, ...] = (
    cshealth,
    nps,
    support,
    adoption,
    retention,
    scoring,
    lifecycle,
    io,
    datasets,
)

#: Parameters with a default that may be given positionally, because they are data.
POSITIONAL_OPTIONS = {
    ("to_columns", "model"): "the model of the rows: data, as in `load(source, model)`",
    ("from_columns", "model"): "the model of the rows: data, as in `load(source, model)`",
    ("kaplan_meier", "observed"): "the event flags beside the durations (lifelines' order)",
    ("kaplan_meier_partial", "observed"): "as in `kaplan_meier`: the flags beside the durations",
    ("sample", "seed"): "the one argument of the sample data",
    ("onboarding_report", "tickets"): "the tickets beside the accounts and milestones: data",
}
#: Names that spell an idea the vocabulary names otherwise.
FORBIDDEN = {
    "since": "a window is `start`/`end` ([start, end)); a look-back is `window_days`",
    "days": "a look-back is `window_days`",
    "weeks": "a count of calendar weeks is `history_weeks`; a look-back is `window_days`",
    "first_days_window": "a look-back is `..._window_days`",
}
#: ``as_of`` annotated otherwise than `AsOf`, and why.
OTHER_AS_OF = {
    "cshealth.datasets.sample": "the calendar day the generated history ends: a `date`",
}
#: Other parameters that are points in time, read as ``as_of`` is.
POINTS_IN_TIME = {"start", "end", "base_on", "compare_on", "as_of_t0", "as_of_t1"}
#: Where ``start`` and ``end`` name columns, not points in time.
COLUMN_NAMES = {"cshealth.retention.changes_from_subscriptions"}
#: Where ``unit`` means who answers a survey (a respondent or an account), not time.
RESPONDENT_UNIT = {"cshealth.nps"}


def public_functions() -> dict[str, Callable[..., object]]:
    found: dict[str, Callable[..., object]] = {}
    for area in AREAS:
        for name in area.__all__:
            obj = getattr(area, name)
            if inspect.isfunction(obj):
                found.setdefault(f"{area.__name__}.{name}", obj)
    return found


FUNCTIONS = public_functions()


def hints(function: Callable[..., object]) -> dict[str, object]:
    return typing.get_type_hints(function)


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_options_come_after_the_star(qualified: str) -> None:
    function = FUNCTIONS[qualified]
    for p in inspect.signature(function).parameters.values():
        if p.default is not p.empty and p.kind is p.POSITIONAL_OR_KEYWORD:
            assert (function.__name__, p.name) in POSITIONAL_OPTIONS, (
                f"{qualified}: option `{p.name}` must be keyword-only (after `*`)"
            )


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_each_parameter_name_means_one_thing(qualified: str) -> None:
    function = FUNCTIONS[qualified]
    parameters = inspect.signature(function).parameters
    types = hints(function)
    for name, p in parameters.items():
        assert name not in FORBIDDEN, f"{qualified}: `{name}`: {FORBIDDEN[name]}"
        if name == "as_of" and qualified not in OTHER_AS_OF:
            assert types[name] in (AsOf, AsOf | None), f"{qualified}: annotate `as_of` AsOf"
        if name in POINTS_IN_TIME and qualified not in COLUMN_NAMES:
            assert types[name] in (AsOf, AsOf | None), f"{qualified}: annotate `{name}` AsOf"
        if name == "period":
            assert types[name] == Period, f"{qualified}: annotate `period` with Period"
        if name == "timezone":
            assert types[name] is str, f"{qualified}: `timezone` is an IANA name (str)"
            assert p.default == "UTC", f"{qualified}: `timezone` defaults to 'UTC'"
        if name == "unit":
            assert function.__module__ in RESPONDENT_UNIT, (
                f"{qualified}: `unit` is NPS's respondent unit; a unit of time is `time_unit`"
            )
        if name == "confidence_level":
            assert p.default == 0.95, f"{qualified}: `confidence_level` defaults to 0.95"
        if name == "alpha":  # the significance level of a flag, never a confidence
            assert p.default == 0.05, f"{qualified}: `alpha` (a significance level) is 0.05"


def test_the_sweep_sees_every_area() -> None:
    modules = {q.rsplit(".", 1)[0] for q in FUNCTIONS}
    assert {"cshealth.nps", "cshealth.support", "cshealth.adoption", "cshealth.retention"} <= (
        modules
    )
    assert len(FUNCTIONS) >= 50


def test_the_allowances_are_all_used() -> None:
    used = {
        (f.__name__, p.name)
        for f in FUNCTIONS.values()
        for p in inspect.signature(f).parameters.values()
        if p.default is not p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
    }
    assert set(POSITIONAL_OPTIONS) <= used, sorted(set(POSITIONAL_OPTIONS) - used)
