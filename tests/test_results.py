"""The contract of every public result class: one shape, checked on real results.

Every public function's small valid call (`tests.test_contract.VALID_CALLS`) is run, and
every result it returns is gathered with the results it holds (fields, mappings, lists)
and those its ``confidence_interval()`` gives. Each public result class must turn up, so
a new result class joins the contract when it is written. On every instance:

* frozen: assigning a field raises;
* ``==`` with itself and with a pickled copy is ``True`` and never raises;
* ``to_dict()`` is strict JSON (``json.dumps(..., allow_nan=False)``);
* the repr is at most `REPR_LINES` lines;

and classes built on the result base (`cshealth._result.Result`) keep their arrays
read-only after a pickle round trip, and those with rows give ``len()`` rows to pandas.
`NOT_ON_THE_BASE` lists the classes still to move onto the base (issue 14); an entry that
has moved fails, so the list only shrinks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import pickle
import warnings
from collections.abc import Iterator, Mapping
from datetime import timedelta
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from tests.test_contract import VALID_CALLS

import cshealth
from cshealth import adoption, io, lifecycle, nps, retention, scoring, support
from cshealth._result import Result, RowsResult

AREAS: tuple[ModuleType, ...] = (
    cshealth,
    nps,
    support,
    adoption,
    retention,
    scoring,
    lifecycle,
    io,
)
#: The most lines a repr may take.
REPR_LINES = 40
#: Public classes that are not results: records, configurations, containers of input.
NOT_RESULTS = {"RecordError", "Table", "LoadResult", "MeasureTable"}
#: Result classes not yet on the result base; shrinks to empty as issue 14 lands.
NOT_ON_THE_BASE: set[str] = set()


def result_classes() -> dict[str, type]:
    """Public dataclasses of every area that are results (not records or configurations)."""
    found: dict[str, type] = {}
    for area in AREAS:
        for name in area.__all__:
            obj = getattr(area, name)
            if (
                isinstance(obj, type)
                and dataclasses.is_dataclass(obj)
                and not issubclass(obj, BaseException)
                and name not in NOT_RESULTS
            ):
                found[name] = obj
    return found


def _held(value: object, seen: set[int]) -> Iterator[object]:
    """``value`` and every result it holds, depth first, each once."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Mapping) and not dataclasses.is_dataclass(value):  # a Grouped: below
        for item in value.values():
            yield from _held(item, seen)
    elif isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        for item in value:
            yield from _held(item, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__module__.startswith("cshealth"):
            yield value
        for f in dataclasses.fields(value):
            yield from _held(getattr(value, f.name), seen)
        for method, arguments in _PRODUCERS.items():
            produce = getattr(value, method, None)
            if produce is not None and not callable(produce):  # a property
                yield from _held(produce, seen)
            elif callable(produce):
                # a method that needs other arguments, or has no data to work on, gives none
                with contextlib.suppress(TypeError, cshealth.InvalidInputError):
                    yield from _held(produce(*arguments(value)), seen)
    elif isinstance(value, tuple) and type(value).__module__.startswith("cshealth"):
        yield value  # a named tuple result


def _first_account(value: Any) -> tuple[object, ...]:
    return (value.account_ids[0],)


#: Methods that give further results: name -> the arguments, from the result itself.
_PRODUCERS = {
    "confidence_interval": lambda value: (),
    "annualized": lambda value: (),
    "summary": lambda value: (),
    "median": lambda value: (),
    "drops": lambda value: (),
    "explain": _first_account,
}


def _whole_sample() -> object:
    """Follow-ups, usage drops, a grouped result, one account's lifecycle stage with its
    reasons and the spells of a stage history, of the whole sample.

    The small valid calls have no follow-ups or drops, and group nothing; an account's
    reasons and a history's spells come from methods the gathering does not call.
    """
    sample = cshealth.datasets.sample(seed=0, n_accounts=30)
    stages = lifecycle.classify(sample.accounts, as_of=sample.as_of, milestones=sample.milestones)
    days = [sample.as_of - timedelta(days=60), sample.as_of - timedelta(days=30), sample.as_of]
    return (
        stages.account(stages.account_ids[0]),
        lifecycle.history(sample.accounts, dates=days, milestones=sample.milestones).spells(),
        nps.follow_ups(sample.survey_responses, as_of=sample.as_of),
        adoption.usage_trend(sample.usage, as_of=sample.as_of),
        retention.survival(sample.accounts, as_of=sample.as_of, by="segment"),
        support.summary(
            sample.tickets, start=sample.as_of - timedelta(days=90), end=sample.as_of, by="channel"
        ),
    )


def _gather() -> dict[str, list[Any]]:
    instances: dict[str, list[Any]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for qualified in sorted(VALID_CALLS):
            args, kwargs = VALID_CALLS[qualified]()
            function = eval(qualified, {"cshealth": cshealth})  # our own names
            for value in _held(function(*args, **kwargs), set()):
                instances.setdefault(type(value).__name__, []).append(value)
        for value in _held(_whole_sample(), set()):
            instances.setdefault(type(value).__name__, []).append(value)
    return instances


CLASSES = result_classes()
INSTANCES = _gather()


def test_every_result_class_turns_up_in_the_valid_calls() -> None:
    missing = sorted(set(CLASSES) - set(INSTANCES))
    assert not missing, f"no valid call returns these result classes: {missing}"


def test_the_list_of_classes_not_on_the_base_only_shrinks() -> None:
    moved = sorted(n for n in NOT_ON_THE_BASE if n in CLASSES and issubclass(CLASSES[n], Result))
    stale = sorted(n for n in NOT_ON_THE_BASE if n not in CLASSES and n not in INSTANCES)
    assert not moved, f"now on the result base: remove from NOT_ON_THE_BASE: {moved}"
    assert not stale, f"not result classes (renamed?): remove from NOT_ON_THE_BASE: {stale}"
    off = sorted(n for n, c in CLASSES.items() if not issubclass(c, Result))
    assert set(off) <= NOT_ON_THE_BASE, f"new result classes off the base: {off}"


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_results_are_frozen_json_ready_and_short(name: str) -> None:
    for value in INSTANCES.get(name, [])[:3]:
        first = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, first, getattr(value, first))
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            json.dumps(to_dict(), allow_nan=False)
        assert len(repr(value).splitlines()) <= REPR_LINES


@pytest.mark.parametrize("name", sorted(set(CLASSES) - NOT_ON_THE_BASE))
def test_results_on_the_base_compare_pickle_and_tabulate(name: str) -> None:
    for value in INSTANCES.get(name, [])[:3]:
        assert value == value  # noqa: PLR0124  # never raises
        copy = pickle.loads(pickle.dumps(value))
        assert copy == value
        for f in dataclasses.fields(copy):
            field = getattr(copy, f.name)
            if isinstance(field, np.ndarray):
                assert not field.flags.writeable, f"{name}.{f.name} is writeable after pickling"
        assert callable(value.to_dict)
        assert str(value) == value.format()
        if isinstance(value, RowsResult):
            assert len(value.to_pandas()) == len(value)
