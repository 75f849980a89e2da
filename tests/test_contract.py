"""The contract of every public function: a correct result or a named error, in bounded time.

Every function in `cshealth.__all__` and in each area's ``__all__`` is called with a small
valid call (`VALID_CALLS`), then once per parameter with each hostile value of `CASES` (and,
for column data, mismatched lengths and ids of the wrong type) in its place. Each call must
return normally (and its result must print) or raise `InvalidInputError` / `ConfigError`:
never another exception, never more than `TIME_BUDGET` seconds, never more than
`MEMORY_BUDGET` bytes of new address space.

A public function missing from `VALID_CALLS` fails `test_every_public_function_is_swept`,
so a new function joins the sweep when it is written. `KNOWN_GAPS` lists the calls known to
break the contract, each a real bug with its place in issue 13; an entry whose call now
keeps the contract fails too, so the list only shrinks.
"""

from __future__ import annotations

import functools
import inspect
import math
import resource
import signal
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import numpy as np
import pytest

import cshealth
from cshealth import (
    ConfigError,
    InvalidInputError,
    adoption,
    backtest,
    datasets,
    io,
    lifecycle,
    models,
    nps,
    retention,
    scoring,
    support,
)
from cshealth.models import Account, RevenueChange, SurveyResponse, Ticket

AREAS: tuple[ModuleType, ...] = (
    nps,
    support,
    adoption,
    retention,
    scoring,
    lifecycle,
    backtest,
    io,
    datasets,
    models,
    cshealth,
)
#: Seconds one call may take.
TIME_BUDGET = 10
#: Bytes of address space one call may add.
MEMORY_BUDGET = 3 * 2**30

# --- small valid data ---------------------------------------------------------------------

_SAMPLE = datasets.sample(seed=0, n_accounts=30)
AS_OF = _SAMPLE.as_of
START, END = date(2024, 1, 1), date(2025, 7, 1)
_WORK = Path(tempfile.mkdtemp(prefix="cshealth-contract-"))


def _columns(table: Any, rows: int) -> dict[str, Any]:
    return {name: np.asarray(table[name])[:rows] for name in table.columns}


_DATA = {
    "accounts": _columns(_SAMPLE.accounts, 30),
    "tickets": _columns(_SAMPLE.tickets, 60),
    "responses": _columns(_SAMPLE.survey_responses, 80),
    "usage": _columns(_SAMPLE.usage, 150),
    "events": _columns(_SAMPLE.usage_events, 150),
    "changes": _columns(_SAMPLE.revenue_changes, 48),
    "milestones": _columns(_SAMPLE.milestones, 60),
    "goals": _columns(_SAMPLE.goals, 40),
}


def data(name: str) -> dict[str, Any]:
    """A fresh dict of the small table ``name`` (the arrays are shared, never written)."""
    return dict(_DATA[name])


def _nps_only() -> dict[str, Any]:
    cols = data("responses")
    keep = cols["kind"] == "nps"
    return {name: values[keep] for name, values in cols.items()}


def _csv(model: type[models.Record], rows: Mapping[str, Any], name: str) -> Path:
    path = _WORK / f"{name}.csv"
    if not path.exists():
        cshealth.write(cshealth.to_columns(rows, model), path)
    return path


_CARD = scoring.Scorecard.model_validate(
    {
        "name": "mini",
        "root": {
            "name": "all",
            "children": [
                {
                    "name": "logins",
                    "weight": 3,
                    "column": "logins",
                    "transform": {"kind": "linear", "worst": 0, "best": 20},
                },
                {
                    "name": "nps",
                    "weight": 1,
                    "column": "nps",
                    "transform": {"kind": "linear", "worst": -100, "best": 100},
                },
            ],
        },
    }
)
_MEASURES = {"account_id": ["a", "b", "c"], "logins": [10.0, 16.0, 3.0], "nps": [None, 20.0, -5]}
_HISTORY = {
    "account_id": ["A"] * 5 + ["B"] * 5,
    "as_of": ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"] * 2,
    "score": [90, 84, 77, 71, 62, 60, 63, 59, 61, 64],
}
_SUBSCRIPTIONS = {
    "account_id": ["A", "A", "B"],
    "start_date": ["2025-01-01", "2025-03-01", "2025-02-01"],
    "end_date": ["2025-06-01", None, "2025-04-01"],
    "mrr": [100.0, 50.0, 30.0],
}
_DAYS = np.array(["2025-01-03", "2025-01-20", "2025-02-11", "2025-03-02"], "datetime64[D]")
_TIMES = np.array(
    ["2025-01-03T10:00", "2025-01-20T11:00", "2025-02-11T09:00", "2025-03-02T08:00"],
    "datetime64[us]",
)
_UTC = timezone.utc


def _curves() -> dict[str, retention.SurvivalCurve]:
    return {
        "a": retention.kaplan_meier([3, 5, 8, 13], [1, 0, 1, 1]),
        "b": retention.kaplan_meier([2, 4, 9, 11], [1, 1, 0, 1]),
    }


def _scores() -> scoring.HealthScores:
    return scoring.score(_CARD, _MEASURES)


#: Three days a month apart, the last the sample's as_of, for lifecycle histories and flows.
_STAGE_DAYS = [date(2025, 11, 1), date(2025, 12, 1), AS_OF]


def _stages(day: date) -> lifecycle.StageAssignments:
    return lifecycle.classify(data("accounts"), as_of=day, revenue_changes=data("changes"))


def _stage_history() -> lifecycle.StageHistory:
    return lifecycle.history(data("accounts"), dates=_STAGE_DAYS, milestones=data("milestones"))


#: Observation dates of the backtest panel: each one's 90-day window ends before the data do.
_PANEL_DAYS = [date(2025, 3, 1), date(2025, 6, 1), date(2025, 9, 1)]


@functools.cache
def _health_on(day: date) -> scoring.HealthScores:
    inputs = scoring.default_inputs(
        accounts=data("accounts"),
        usage=data("usage"),
        tickets=data("tickets"),
        survey_responses=data("responses"),
        milestones=data("milestones"),
        as_of=day,
    )
    return scoring.score(scoring.default_scorecard(), inputs, as_of=day)


def _panel() -> backtest.Panel:
    scores = {day: _health_on(day) for day in _PANEL_DAYS}
    return backtest.panel(
        data("accounts"), scores, dates=_PANEL_DAYS, revenue_changes=data("changes")
    )


#: Two dates of six accounts scored by `_CARD`, for `fit_weights`: the low logins churn.
_FIT_DAYS = [date(2025, 1, 1), date(2025, 2, 1)]


def _fit_panel() -> backtest.Panel:
    ids = ["a", "b", "c", "d", "e", "f"]
    logins = {_FIT_DAYS[0]: [2, 18, 5, 15, 9, 12], _FIT_DAYS[1]: [3, 17, 4, 16, 8, 14]}
    nps = [-40.0, 60.0, None, 30.0, 10.0, -10.0]
    parts = [
        scoring.score(_CARD, {"account_id": ids, "logins": logins[day], "nps": nps}, as_of=day)
        for day in _FIT_DAYS
    ]
    return backtest.Panel(
        account_ids=np.array(ids * 2, dtype=object),
        as_of=np.repeat(np.array(_FIT_DAYS, dtype="datetime64[D]"), len(ids)),
        score=np.concatenate([s.score for s in parts]),
        band=np.concatenate([s.band for s in parts]),
        churned=np.array([True, False, True, False, False, False] * 2),
        mrr=np.full(2 * len(ids), 100.0),
        dates=tuple(_FIT_DAYS),
        bands=("red", "yellow", "green"),
        node_scores={
            k: np.concatenate([s.node_scores[k] for s in parts]) for k in parts[0].node_scores
        },
        config_hash=_CARD.config_hash,
    )


_RISK = np.array([10.0, 40.0, 40.0, 70.0, 90.0, 95.0])
_LEFT = np.array([True, True, False, False, False, False])

Call = tuple[tuple[Any, ...], dict[str, Any]]

#: A small valid call of every public function: qualified name -> (args, kwargs).
VALID_CALLS: dict[str, Callable[[], Call]] = {
    # nps
    "cshealth.nps.account_scores": lambda: ((data("responses"),), {"as_of": AS_OF}),
    "cshealth.nps.breakdown": lambda: (
        (_nps_only(),),
        {"by": "touchpoint", "min_n": 5, "survey_type": "relationship"},
    ),
    "cshealth.nps.breakdown_partial": lambda: (
        (_nps_only(),),
        {"by": "touchpoint", "survey_type": "relationship", "part": "p0"},
    ),
    "cshealth.nps.ces": lambda: (([7, 6, 6, 5, 3, 7, 4, 6],), {"min_n": 0}),
    "cshealth.nps.ces_partial": lambda: (([7, 6, 6, 5, 3, 7, 4, 6],), {"min_n": 0, "part": "p0"}),
    "cshealth.nps.compare": lambda: (([10, 9, 3, 8, 10], [0, 7, 9, 10, 2, 6]), {}),
    "cshealth.nps.csat": lambda: (([5, 4, 4, 3, 5, 2, 5, 4, 1, 5],), {"min_n": 0}),
    "cshealth.nps.csat_partial": lambda: (([5, 4, 4, 3, 5, 2, 1],), {"min_n": 0, "part": "p0"}),
    "cshealth.nps.follow_ups": lambda: ((_nps_only(),), {"as_of": AS_OF}),
    "cshealth.nps.from_counts": lambda: ((), {"promoters": 5, "passives": 4, "detractors": 3}),
    "cshealth.nps.holm": lambda: (([0.01, 0.04, 0.03],), {}),
    "cshealth.nps.migration": lambda: (({"a": 9, "b": 3, "c": 7}, {"a": 10, "b": 8}), {}),
    "cshealth.nps.migration_partial": lambda: (
        ({"a": 9, "b": 3, "c": 7}, {"a": 10, "b": 8}),
        {"min_n": 0, "part": "p0"},
    ),
    "cshealth.nps.queue_summary": lambda: (
        (nps.follow_ups(_nps_only(), as_of=AS_OF),),
        {},
    ),
    "cshealth.nps.sample_size": lambda: ((5,), {"population": 2000}),
    "cshealth.nps.score": lambda: (([10, 9, 0, 3, 8, 10],), {"weights": [1, 2, 1, 1, 3, 1]}),
    "cshealth.nps.tally": lambda: (([10, 9, 0, 3, 8, 10],), {"weights": [1, 2, 1, 1, 3, 1]}),
    "cshealth.nps.trend": lambda: (
        (_nps_only(),),
        {"as_of": AS_OF, "min_n": 0, "survey_type": "relationship"},
    ),
    "cshealth.nps.trend_partial": lambda: (
        (_nps_only(),),
        {"as_of": AS_OF, "min_n": 0, "survey_type": "relationship", "part": "p0"},
    ),
    # support
    "cshealth.support.account_metrics": lambda: ((data("tickets"),), {"as_of": AS_OF}),
    "cshealth.support.summary": lambda: ((data("tickets"),), {"start": START, "end": END}),
    "cshealth.support.summary_partial": lambda: (
        (data("tickets"),),
        {"start": START, "end": END, "by": "channel", "part": "p0"},
    ),
    "cshealth.support.ticket_durations": lambda: ((data("tickets"),), {}),
    # adoption
    "cshealth.adoption.account_metrics": lambda: ((data("usage"),), {"as_of": AS_OF}),
    "cshealth.adoption.active_users": lambda: ((data("events"),), {"as_of": AS_OF}),
    "cshealth.adoption.active_users_partial": lambda: (
        (data("events"),),
        {"as_of": AS_OF, "part": "p0"},
    ),
    "cshealth.adoption.feature_adoption": lambda: ((data("events"),), {"as_of": AS_OF}),
    "cshealth.adoption.first_days": lambda: (
        (data("usage"), data("accounts")),
        {"as_of": AS_OF},
    ),
    "cshealth.adoption.usage_trend": lambda: ((data("usage"),), {"as_of": AS_OF}),
    # retention
    "cshealth.retention.activity_churn": lambda: (
        (["u1", "u2", "u1", "u3"], _TIMES),
        {"base_on": date(2025, 1, 1), "compare_on": date(2025, 4, 1)},
    ),
    "cshealth.retention.activity_churn_partial": lambda: (
        (["u1", "u2", "u1", "u3"], _TIMES),
        {"base_on": date(2025, 1, 1), "compare_on": date(2025, 4, 1), "part": "p0"},
    ),
    "cshealth.retention.annualize": lambda: ((0.02, 12), {}),
    "cshealth.retention.annualize_retention": lambda: ((1.01, 12), {}),
    "cshealth.retention.cac_payback": lambda: ((6000.0, 500.0), {"gross_margin": 0.8}),
    "cshealth.retention.changes_from_subscriptions": lambda: ((dict(_SUBSCRIPTIONS),), {}),
    "cshealth.retention.cohort_table": lambda: (
        (["u1", "u2", "u1", "u2"], _DAYS),
        {"as_of": date(2025, 4, 1)},
    ),
    "cshealth.retention.cohort_table_partial": lambda: (
        (["u1", "u2", "u1", "u2"], _DAYS),
        {"as_of": date(2025, 4, 1), "part": "p0"},
    ),
    "cshealth.retention.compare_survival": lambda: ((_curves(),), {}),
    "cshealth.retention.deannualize": lambda: ((0.2, 12), {}),
    "cshealth.retention.deannualize_retention": lambda: ((1.1, 12), {}),
    "cshealth.retention.kaplan_meier": lambda: (([3, 5, 8, 13], [1, 0, 1, 1]), {}),
    "cshealth.retention.kaplan_meier_partial": lambda: (
        ([3, 5, 8, 13], [1, 0, 1, 1]),
        {"part": "p0"},
    ),
    "cshealth.retention.logo_churn": lambda: (
        (data("accounts"),),
        {"base_on": START, "compare_on": END},
    ),
    "cshealth.retention.logo_churn_partial": lambda: (
        (data("accounts"),),
        {"base_on": START, "compare_on": END, "by": "segment", "part": "p0"},
    ),
    "cshealth.retention.logo_cohorts": lambda: ((data("accounts"),), {"as_of": AS_OF}),
    "cshealth.retention.logo_cohorts_partial": lambda: (
        (data("accounts"),),
        {"as_of": AS_OF, "part": "p0"},
    ),
    "cshealth.retention.ltv": lambda: ((500.0, 0.02), {"gross_margin": 0.8}),
    "cshealth.retention.mrr_movements": lambda: (
        (data("changes"),),
        {"start": START, "end": END},
    ),
    "cshealth.retention.mrr_movements_partial": lambda: (
        (data("changes"),),
        {"start": START, "end": END, "part": "p0"},
    ),
    "cshealth.retention.quick_ratio": lambda: ((300.0, 100.0, 50.0, 50.0), {}),
    "cshealth.retention.revenue_cohorts": lambda: ((data("changes"),), {"as_of": AS_OF}),
    "cshealth.retention.revenue_cohorts_partial": lambda: (
        (data("changes"),),
        {"as_of": AS_OF, "part": "p0"},
    ),
    "cshealth.retention.revenue_retention": lambda: (
        (data("changes"),),
        {"base_on": START, "compare_on": END},
    ),
    "cshealth.retention.revenue_retention_partial": lambda: (
        (data("changes"),),
        {"base_on": START, "compare_on": END, "part": "p0"},
    ),
    "cshealth.retention.survival": lambda: ((data("accounts"),), {"as_of": AS_OF}),
    "cshealth.retention.survival_partial": lambda: (
        (data("accounts"),),
        {"as_of": AS_OF, "by": "segment", "part": "p0"},
    ),
    # scoring
    "cshealth.scoring.attribute_change": lambda: ((_CARD, _MEASURES, _CARD, _MEASURES), {}),
    "cshealth.scoring.default_inputs": lambda: (
        (),
        {"accounts": data("accounts"), "usage": data("usage"), "as_of": AS_OF},
    ),
    "cshealth.scoring.default_scorecard": lambda: ((), {}),
    "cshealth.scoring.rollup": lambda: ((_scores(), {"b": "a", "c": "a"}), {}),
    "cshealth.scoring.percentile_reference": lambda: ((_CARD, _MEASURES), {}),
    "cshealth.scoring.score": lambda: ((_CARD, _MEASURES), {}),
    "cshealth.scoring.trend": lambda: ((_HISTORY,), {}),
    # lifecycle
    "cshealth.lifecycle.classify": lambda: (
        (data("accounts"),),
        {
            "as_of": AS_OF,
            "milestones": data("milestones"),
            "nps": _nps_only(),
            "revenue_changes": data("changes"),
            "previous": _stages(_STAGE_DAYS[1]),
        },
    ),
    "cshealth.lifecycle.dwell_times": lambda: ((_stage_history(),), {"stage": "onboarding"}),
    "cshealth.lifecycle.goals": lambda: ((data("goals"),), {"as_of": AS_OF}),
    "cshealth.lifecycle.history": lambda: (
        (data("accounts"),),
        {
            "dates": _STAGE_DAYS,
            "milestones": data("milestones"),
            "health": lambda day: _scores() if day == AS_OF else None,
            "revenue_changes": data("changes"),
        },
    ),
    "cshealth.lifecycle.onboarding": lambda: (
        (data("milestones"),),
        {"as_of": AS_OF, "accounts": data("accounts")},
    ),
    "cshealth.lifecycle.onboarding_report": lambda: (
        (data("accounts"), data("milestones"), data("tickets")),
        {"as_of": AS_OF, "period": "month"},
    ),
    "cshealth.lifecycle.renewals": lambda: (
        (data("accounts"),),
        {
            "as_of": AS_OF,
            "health": _scores(),
            "stages": _stages(AS_OF),
            "revenue_changes": data("changes"),
        },
    ),
    "cshealth.lifecycle.time_to_value": lambda: (
        (data("accounts"), data("milestones")),
        {"as_of": AS_OF, "by": "segment"},
    ),
    "cshealth.lifecycle.transitions": lambda: (
        (_stages(_STAGE_DAYS[0]), _stages(AS_OF)),
        {"weight": "mrr"},
    ),
    # backtest
    "cshealth.backtest.calibrate": lambda: ((_panel(),), {"method": "bands"}),
    "cshealth.backtest.compare": lambda: ((_panel(), _panel()), {"n_resamples": 20, "seed": 1}),
    "cshealth.backtest.evaluate": lambda: ((_panel(),), {"n_resamples": 20, "seed": 1}),
    "cshealth.backtest.fit_weights": lambda: (
        (_CARD, _fit_panel()),
        {"train_dates": _FIT_DAYS[:1], "test_dates": _FIT_DAYS[1:], "n_resamples": 20, "seed": 1},
    ),
    "cshealth.backtest.lift": lambda: ((_RISK, _LEFT), {"fraction": 0.5}),
    "cshealth.backtest.panel": lambda: (
        (data("accounts"), {day: _health_on(day) for day in _PANEL_DAYS}),
        {"dates": _PANEL_DAYS, "revenue_changes": data("changes")},
    ),
    "cshealth.backtest.probability_metrics": lambda: ((_RISK / 100, _LEFT), {}),
    "cshealth.backtest.thresholds": lambda: ((_panel(),), {"capacity": 5}),
    # io
    "cshealth.io.from_columns": lambda: ((data("changes"), RevenueChange), {}),
    "cshealth.io.load": lambda: (
        (_csv(RevenueChange, data("changes"), "changes"), RevenueChange),
        {},
    ),
    "cshealth.io.load_table": lambda: ((_csv(Ticket, data("tickets"), "tickets"), Ticket), {}),
    "cshealth.io.read_columns": lambda: (
        (data("accounts"), Account),
        {"need": ["id", "start_date"]},
    ),
    "cshealth.io.to_columns": lambda: ((data("responses"), SurveyResponse), {}),
    "cshealth.io.write": lambda: (
        (cshealth.to_columns(data("changes"), RevenueChange), _WORK / "w.csv"),
        {},
    ),
    # datasets
    "cshealth.datasets.sample": lambda: ((1,), {"n_accounts": 3, "months": 2}),
    # top level (the rest are the io functions above)
    "cshealth.join_measures": lambda: (
        (
            {"account_id": ["a", "b"], "x": [1.0, 2.0]},
            {"account_id": ["b", "c"], "y": [3.0, 4.0]},
        ),
        {},
    ),
}

#: Calls known to break the contract: (function, parameter, case) -> where issue 13 covers
#: it and why. Every entry is a real bug to fix; the sweep fails when one is fixed so that
#: its entry is removed.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}

# --- hostile values ---------------------------------------------------------------------------

#: The values every parameter is tried with.
CASES: dict[str, object] = {
    "empty_list": [],
    "empty_dict": {},
    "none": None,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "text": "5",
    "number": 5,
    "negative": -1,
    "huge_int": 10**12,
    "huge": 1e300,
    "tiny": 1e-300,
    "bool": True,
    "dict": {"a": 1},
    "naive": datetime(2025, 1, 1),
}


def _column_cases(valid: Mapping[str, Any]) -> dict[str, object]:
    """Hostile variants of a dict of columns: lengths that differ, ids of the wrong type."""
    names = list(valid)
    cases: dict[str, object] = {}
    if not all(isinstance(name, str) for name in names):  # keyed by day, not columns
        return cases
    first = np.asarray(valid[names[0]])
    if first.ndim == 1 and len(first) > 1:
        cases["mismatched_lengths"] = {**valid, names[0]: first[:-1]}
    ids = [n for n in names if n == "id" or n.endswith("_id")]
    if ids:
        n = len(np.asarray(valid[ids[0]]))
        cases["float_ids"] = {**valid, ids[0]: np.arange(n) + 0.5}
        cases["mixed_ids"] = {**valid, ids[0]: [i if i % 2 else str(i) for i in range(n)]}
    return cases


# --- the sweep ------------------------------------------------------------------------------


def public_functions() -> dict[str, Callable[..., object]]:
    """Every public function, once, under its first qualified name (areas first)."""
    found: dict[str, Callable[..., object]] = {}
    seen: set[int] = set()
    for module in AREAS:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(inspect.unwrap(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                found[f"{module.__name__}.{name}"] = obj
    return found


FUNCTIONS = public_functions()


class _Timeout(BaseException):
    """Raised by the alarm: a call over its time budget (not an Exception on purpose)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


@contextmanager
def _budget() -> Iterator[None]:
    """Run the block under `TIME_BUDGET` and `MEMORY_BUDGET`, warnings silenced."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    limit = used + MEMORY_BUDGET
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_BUDGET)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def outcome(function: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """``'ok'``, ``'named: ...'`` (a named error) or what broke the contract."""
    try:
        with _budget():
            try:
                result = function(*args, **kwargs)
                repr(result)
                to_dict = getattr(result, "to_dict", None)
                if callable(to_dict):
                    to_dict()
            except (InvalidInputError, ConfigError) as exc:
                return f"named: {type(exc).__name__}: {str(exc)[:300]}"
    except _Timeout:
        return f"no result within {TIME_BUDGET} s"
    except Exception as exc:  # the contract: anything else is a failure, reported
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return "ok"


def _sweep_points() -> list[tuple[str, str, str]]:
    points = []
    for qualified, function in FUNCTIONS.items():
        if qualified not in VALID_CALLS:
            continue
        args, kwargs = VALID_CALLS[qualified]()
        bound = inspect.signature(function).bind(*args, **kwargs)
        for parameter in inspect.signature(function).parameters.values():
            if parameter.kind is parameter.VAR_KEYWORD:
                continue
            cases = list(CASES)
            valid = bound.arguments.get(parameter.name)
            if parameter.kind is parameter.VAR_POSITIONAL and valid:
                valid = valid[0]
            if isinstance(valid, dict) and valid:
                cases += list(_column_cases(valid))
            points += [(qualified, parameter.name, case) for case in cases]
    return points


def _hostile_call(
    qualified: str, parameter: str, case: str
) -> tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]:
    function = FUNCTIONS[qualified]
    args, kwargs = VALID_CALLS[qualified]()
    signature = inspect.signature(function)
    bound = signature.bind(*args, **kwargs)
    kind = signature.parameters[parameter].kind
    current = bound.arguments.get(parameter)
    if kind is inspect.Parameter.VAR_POSITIONAL:
        current = current[0] if current else None
    value = CASES[case] if case in CASES else _column_cases(current)[case]
    bound.arguments[parameter] = (value,) if kind is inspect.Parameter.VAR_POSITIONAL else value
    return function, bound.args, bound.kwargs


def test_every_public_function_is_swept() -> None:
    missing = sorted(set(FUNCTIONS) - set(VALID_CALLS))
    stale = sorted(set(VALID_CALLS) - set(FUNCTIONS))
    assert not missing, f"public functions without a valid call in VALID_CALLS: {missing}"
    assert not stale, f"VALID_CALLS names functions that are not public: {stale}"
    assert set(KNOWN_GAPS) <= set(SWEEP), f"KNOWN_GAPS names calls not swept: {KNOWN_GAPS}"


@pytest.mark.parametrize("qualified", sorted(VALID_CALLS))
def test_the_valid_call_works(qualified: str) -> None:
    args, kwargs = VALID_CALLS[qualified]()
    assert outcome(FUNCTIONS[qualified], args, kwargs) == "ok"


SWEEP = _sweep_points()


@pytest.mark.parametrize(("qualified", "parameter", "case"), SWEEP)
def test_a_hostile_argument_gets_a_result_or_a_named_error(
    qualified: str, parameter: str, case: str
) -> None:
    function, args, kwargs = _hostile_call(qualified, parameter, case)
    result = outcome(function, args, kwargs)
    gap = KNOWN_GAPS.get((qualified, parameter, case))
    kept = result == "ok" or result.startswith("named: ")
    if gap is None and not kept:
        pytest.fail(f"contract broken: {result}")
    if gap is not None and kept:
        pytest.fail(f"fixed ({gap}): remove it from KNOWN_GAPS")
