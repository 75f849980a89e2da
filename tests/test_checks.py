"""The shared argument checks (`cshealth._checks`), and the messages every option gives.

Every option argument of the public API goes through `one_of`, so an unknown option is an
`InvalidInputError` that names the caller's parameter and lists the options as a set in
their declared order: the order of the argument's ``Literal`` annotation. The sweep below
checks exactly that text for every such argument, and checks that the text does not depend
on ``PYTHONHASHSEED`` (options printed from a ``set`` came out in a different order on
every run).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from tests.test_contract import _CARD, _MEASURES, FUNCTIONS, VALID_CALLS

from cshealth import InvalidInputError, Rate, datasets, nps, retention, scoring, support
from cshealth._checks import iso, one_of, options_of

ROOT = Path(__file__).resolve().parents[1]
#: An option no argument has.
BOGUS = "no_such_option"

# --- one_of, options_of, iso ---------------------------------------------------------------

Color = Literal["red", "green", "blue"]


def test_one_of_returns_the_declared_option() -> None:
    assert one_of("green", ("red", "green"), "color") == "green"
    chosen = one_of(np.str_("blue"), Color, "color")
    assert chosen == "blue"
    assert type(chosen) is str
    assert one_of(None, Color | None, "color") is None


@pytest.mark.parametrize(
    ("options", "listed"),
    [
        (("b", "a", "c"), "{'b', 'a', 'c'}"),
        (Color, "{'red', 'green', 'blue'}"),
        (Color | None, "{'red', 'green', 'blue'} or None"),
        (Literal["z"] | Literal["y", "x"], "{'z', 'y', 'x'}"),
    ],
)
@pytest.mark.parametrize("value", ["purple", None, 3, b"red", ["red"]])
def test_one_of_lists_the_options_in_declared_order(
    options: object, listed: str, value: object
) -> None:
    if value is None and "None" in listed:
        assert one_of(value, options, "color") is None
        return
    with pytest.raises(InvalidInputError) as caught:
        one_of(value, options, "color")
    assert str(caught.value) == f"`color` must be one of {listed}, got {value!r}"


def test_options_of_flattens_unions_and_refuses_what_is_not_an_option() -> None:
    assert options_of(Literal["a", "b"] | None) == ("a", "b", None)
    assert options_of(None) == (None,)
    for wrong in (int, Literal[1, 2], ("a", 1), str | None):
        with pytest.raises(TypeError, match="options must be text or None"):
            options_of(wrong)


def test_iso_prints_dates_and_instants_as_iso_text() -> None:
    assert iso(date(2025, 1, 31)) == "2025-01-31"
    assert iso(datetime(2025, 1, 31, 9, 30, tzinfo=timezone.utc)) == "2025-01-31T09:30:00+00:00"
    assert iso(np.datetime64("2025-01-31", "D")) == "2025-01-31"
    assert iso(np.datetime64("NaT")) == "NaT"
    assert iso("2025-01-31") == "'2025-01-31'"
    assert iso(None) == "None"


# --- every option of the public API --------------------------------------------------------


def _literal_options(annotation: object) -> tuple[object, ...]:
    """The values of the ``Literal`` parts of an annotation, in declared order."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(v for part in typing.get_args(annotation) for v in _literal_options(part))
    if annotation is type(None):
        return (None,)
    return ()


def _listed(options: tuple[object, ...]) -> str:
    text = "{" + ", ".join(repr(o) for o in options if isinstance(o, str)) + "}"
    return text + (" or None" if None in options else "")


def _hints(function: Callable[..., object]) -> dict[str, object]:
    return typing.get_type_hints(function)


def _function_options() -> list[tuple[str, str]]:
    """(function, parameter) for every public function option annotated with a Literal."""
    points = []
    for qualified in sorted(VALID_CALLS):
        for name, annotation in _hints(FUNCTIONS[qualified]).items():
            if name != "return" and any(isinstance(o, str) for o in _literal_options(annotation)):
                points.append((qualified, name))
    return points


def _sample_methods() -> dict[str, tuple[Callable[..., object], dict[str, Any]]]:
    """A bound method of a small result for every public method option (name -> call)."""
    curve = retention.kaplan_meier([3, 5, 8, 13], [1, 0, 1, 1])
    responses = {
        "account_id": ["A", "A", "B"],
        "contact_id": ["c1", "c2", "c3"],
        "score": [10, 3, 8],
        "submitted_at": np.array(["2025-01-10", "2025-02-10", "2025-03-01"], "datetime64[us]"),
    }
    accounts = nps.account_scores(responses, as_of=date(2025, 4, 1), min_n=0)
    movements = retention.mrr_movements(
        {"account_id": ["A"], "effective_on": ["2025-01-10"], "mrr": [10.0]},
        start=date(2025, 1, 1),
        end=date(2025, 3, 1),
    )
    sample = datasets.sample(seed=0, n_accounts=3, months=2)
    return {
        "Rate.confidence_interval": (Rate(3, 10).confidence_interval, {"method": BOGUS}),
        "NPSResult.confidence_interval": (nps.score([9, 3], min_n=0).confidence_interval, {}),
        "AccountNPS.revenue_weighted": (accounts.revenue_weighted, {"revenue": {"A": 1.0}}),
        "MRRMovements.amounts": (movements.amounts, {}),
        "SurvivalCurve.confidence_interval": (curve.confidence_interval, {}),
        "SurvivalCurve.median": (curve.median, {}),
        "SampleData.records": (sample.records, {}),
        "SampleData.write": (sample.write, {"directory": Path("never-written")}),
        "ScoreChange.movers": (
            scoring.attribute_change(_CARD, _MEASURES, _CARD, _MEASURES).movers,
            {},
        ),
    }


def _method_options() -> list[tuple[str, str]]:
    points = []
    for label, (method, _) in _sample_methods().items():
        for name, annotation in _hints(method).items():
            if name != "return" and any(isinstance(o, str) for o in _literal_options(annotation)):
                points.append((label, name))
    return points


FUNCTION_OPTIONS = _function_options()
METHOD_OPTIONS = _method_options()


def _refusal(call: Callable[..., object], kwargs: dict[str, Any]) -> str:
    try:
        call(**kwargs)
    except InvalidInputError as exc:
        return str(exc)
    return "accepted"


def option_messages() -> dict[str, str]:
    """The message of each option argument given `BOGUS`, keyed ``function:parameter``."""
    messages = {}
    for qualified, name in FUNCTION_OPTIONS:
        function = FUNCTIONS[qualified]
        args, kwargs = VALID_CALLS[qualified]()
        bound = inspect.signature(function).bind(*args, **kwargs)
        bound.arguments[name] = BOGUS
        messages[f"{qualified}:{name}"] = _refusal(
            lambda f=function, b=bound: f(*b.args, **b.kwargs), {}
        )
    methods = _sample_methods()
    for label, name in METHOD_OPTIONS:
        method, kwargs = methods[label]
        messages[f"{label}:{name}"] = _refusal(method, {**kwargs, name: BOGUS})
    return messages


def _expected(key: str) -> str:
    label, name = key.rsplit(":", 1)
    if label in FUNCTIONS:
        annotation = _hints(FUNCTIONS[label])[name]
    else:
        annotation = _hints(_sample_methods()[label][0])[name]
    return f"`{name}` must be one of {_listed(_literal_options(annotation))}, got {BOGUS!r}"


#: Options that also take something a Literal cannot state, with their own message.
OWN_MESSAGES: dict[str, str] = {
    "cshealth.lifecycle.transitions:weight": (
        "`weight` must be 'mrr', a mapping {account_id: weight} or None, got 'no_such_option'"
    ),
}


def test_the_sweep_finds_the_options() -> None:
    found = {f"{label}:{name}" for label, name in FUNCTION_OPTIONS + METHOD_OPTIONS}
    for expected in (
        "cshealth.retention.cohort_table:mode",
        "cshealth.scoring.rollup:closure",
        "cshealth.io.load:format",
        "SurvivalCurve.confidence_interval:method",
        "ScoreChange.movers:direction",
    ):
        assert expected in found


@pytest.mark.parametrize("key", [f"{f}:{p}" for f, p in FUNCTION_OPTIONS + METHOD_OPTIONS])
def test_an_unknown_option_names_the_parameter_and_lists_the_options_in_order(key: str) -> None:
    label, name = key.rsplit(":", 1)
    if label in FUNCTIONS:
        function = FUNCTIONS[label]
        args, kwargs = VALID_CALLS[label]()
        bound = inspect.signature(function).bind(*args, **kwargs)
        bound.arguments[name] = BOGUS
        message = _refusal(lambda: function(*bound.args, **bound.kwargs), {})
    else:
        method, kwargs = _sample_methods()[label]
        message = _refusal(method, {**kwargs, name: BOGUS})
    assert message.startswith(OWN_MESSAGES.get(key, _expected(key)))


def test_option_messages_do_not_depend_on_the_hash_seed() -> None:
    script = "import json; from tests.test_checks import option_messages; "
    script += "print(json.dumps(option_messages()))"
    runs = []
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    assert runs[0] == runs[1]
    assert len(runs[0]) == len(FUNCTION_OPTIONS) + len(METHOD_OPTIONS)


def test_no_module_spells_an_option_message_of_its_own() -> None:
    """Option lists are printed by `one_of` alone; the few messages of their own are listed."""
    own = {
        "_checks.py",  # one_of itself
        "io/_kinds.py",  # a bad category in a data column (a row error, in declared order)
        "adoption/_trend.py",  # `measure`: the three names or 'feature:<name>'
        "lifecycle/_value_cohorts.py",  # `within`: whole-number horizons (one_of takes text)
    }
    source = ROOT / "src" / "cshealth"
    spelled = sorted(
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "must be one of" in path.read_text(encoding="utf-8")
    )
    assert set(spelled) <= own, f"option messages outside _checks.one_of: {set(spelled) - own}"


# --- messages name the caller's parameter; dates are ISO text -------------------------------


def test_a_custom_option_names_the_callers_parameter() -> None:
    usage = {"account_id": ["A"], "day": ["2025-03-01"], "logins": [3]}
    from cshealth import adoption

    with pytest.raises(InvalidInputError, match=r"^`trend_measure` must be one of"):
        adoption.account_metrics(usage, as_of=date(2025, 4, 1), trend_measure="sessions")
    with pytest.raises(InvalidInputError, match=r"^`measure` must be one of"):
        adoption.usage_trend(usage, as_of=date(2025, 4, 1), measure="sessions")


ACCOUNTS = {"id": ["A"], "start_date": ["2024-01-10"], "end_date": [None]}
TICKETS = {
    "id": ["T1"],
    "account_id": ["A"],
    "channel": ["email"],
    "created_at": np.array(["2025-03-01T10:00"], "datetime64[us]"),
}
LATE, EARLY = date(2025, 7, 1), date(2025, 1, 1)


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        (
            lambda: retention.logo_churn(ACCOUNTS, base_on=LATE, compare_on=EARLY),
            "got base_on=2025-07-01 and compare_on=2025-01-01",
        ),
        (
            lambda: retention.activity_churn(
                ["u1"], ["2025-02-01T00:00Z"], base_on=LATE, compare_on=EARLY
            ),
            "got base_on=2025-07-01 and compare_on=2025-01-01",
        ),
        (
            lambda: support.summary(TICKETS, start=LATE, end=EARLY),
            "`end` (2025-01-01) must be after `start` (2025-07-01)",
        ),
        (
            lambda: datasets.sample(1, as_of=datetime(2025, 1, 1)),  # type: ignore[arg-type]
            "got datetime 2025-01-01T00:00:00",
        ),
    ],
)
def test_dates_in_messages_are_iso_text(call: Callable[[], object], shown: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert shown in str(caught.value)
    assert "datetime.date(" not in str(caught.value)
