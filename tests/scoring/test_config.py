"""Scorecard configuration: loading, JSON Schema, hashing, freezing, every `ConfigError`, bands.

References: the issue's example scorecard as JSON text (it must load as it is); its node
shares worked by hand; a SHA-256 of the sorted JSON recomputed here; and `reference_band`,
a plain loop over the bands that tests each interval's closure in turn (the module uses
``numpy.searchsorted`` on the inner edges).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from cshealth._exceptions import ConfigError
from cshealth.scoring import (
    BooleanTransform,
    CategoriesTransform,
    Condition,
    Group,
    LinearBoundedTransform,
    LinearTransform,
    Measure,
    Override,
    PercentileTransform,
    Scorecard,
    ScorecardSet,
    Segment,
    ThresholdsTransform,
)
from cshealth.scoring._bands import MAX_BANDS, Band, Closure, assign_bands, band_labels, band_top
from cshealth.scoring._base import _tree_path

# The issue's example, verbatim: it must load with `Scorecard.model_validate_json`.
ISSUE_JSON = """
{
  "name": "default",
  "missing": "renormalize",
  "min_coverage": 0.5,
  "bands": [
    {"label": "red", "min": 0, "max": 40},
    {"label": "yellow", "min": 40, "max": 70},
    {"label": "green", "min": 70, "max": 100}
  ],
  "closure": "lower_inclusive",
  "root": {"name": "overall", "aggregate": "weighted_mean", "children": [
    {"name": "usage", "weight": 50, "children": [
      {"name": "logins", "weight": 2, "column": "logins_per_seat",
       "transform": {"kind": "linear", "worst": 0, "best": 10}},
      {"name": "seats", "weight": 1, "column": "seat_utilisation",
       "transform": {"kind": "linear", "worst": 0.2, "best": 0.9}}]},
    {"name": "nps", "weight": 30, "column": "nps",
     "transform": {"kind": "thresholds", "cuts": [0, 30], "scores": [0, 50, 100]}},
    {"name": "tickets", "weight": 20, "column": "open_tickets",
     "transform": {"kind": "linear", "worst": 10, "best": 0}}]}
}
"""

KINDS = ("linear", "linear_bounded", "thresholds", "categories", "boolean", "percentile")

RYG = (
    Band(label="red", min=0, max=40),
    Band(label="yellow", min=40, max=70),
    Band(label="green", min=70, max=100),
)


def issue_card() -> Scorecard:
    """The issue's scorecard, loaded."""
    return Scorecard.model_validate_json(ISSUE_JSON)


def card_dict() -> dict:
    """A fresh, mutable copy of the issue's scorecard as plain data."""
    data: dict = json.loads(ISSUE_JSON)
    return data


def boolean_measure(name: str, **fields: object) -> dict:
    return {"name": name, "column": name, "transform": {"kind": "boolean"}, **fields}


def one_measure_card(**fields: object) -> dict:
    return {"name": "c", "root": {"name": "o", "children": [boolean_measure("m")]}, **fields}


def messages(model: type, data: dict) -> list[str]:
    """The ConfigError message from each way in: validate, validate JSON, the constructor."""
    found = []
    for load in (
        lambda: model.model_validate(data),
        lambda: model.model_validate_json(json.dumps(data)),
        lambda: model(**data),
    ):
        with pytest.raises(ConfigError) as info:
            load()
        found.append(str(info.value))
    return found


def assert_config_error(model: type, data: dict, *lines: str) -> None:
    """Every way in raises exactly ``invalid <Model>:`` then ``lines``, indented."""
    want = f"invalid {model.__name__}:\n" + "\n".join(f"  {line}" for line in lines)
    assert messages(model, data) == [want, want, want]


# --- loading ---------------------------------------------------------------------------------


def test_issue_example_loads_from_json() -> None:
    card = Scorecard.model_validate_json(ISSUE_JSON)
    assert card.name == "default"
    assert card.missing == "renormalize"
    assert card.min_coverage == 0.5
    assert card.closure == "lower_inclusive"
    assert [(b.label, b.min, b.max) for b in card.bands] == [
        ("red", 0, 40),
        ("yellow", 40, 70),
        ("green", 70, 100),
    ]
    usage, nps, tickets = card.root.children
    assert isinstance(usage, Group)
    assert [child.name for child in usage.children] == ["logins", "seats"]
    assert isinstance(nps, Measure)
    assert isinstance(nps.transform, ThresholdsTransform)
    assert nps.transform.cuts == (0.0, 30.0)
    assert nps.transform.scores == (0.0, 50.0, 100.0)
    assert nps.transform.closure is None
    assert isinstance(tickets, Measure)
    assert isinstance(tickets.transform, LinearTransform)
    assert (tickets.transform.worst, tickets.transform.best) == (10.0, 0.0)


def test_python_objects_dicts_and_json_give_one_config() -> None:
    from_json = Scorecard.model_validate_json(ISSUE_JSON)
    from_dict = Scorecard.model_validate(card_dict())
    from_kwargs = Scorecard(**card_dict())
    logins = Measure(
        name="logins",
        weight=2,
        column="logins_per_seat",
        transform=LinearTransform(worst=0, best=10),
    )
    seats = Measure(
        name="seats",
        column="seat_utilisation",
        transform=LinearTransform(worst=0.2, best=0.9),
    )
    nps = Measure(
        name="nps",
        weight=30,
        column="nps",
        transform=ThresholdsTransform(cuts=(0, 30), scores=(0, 50, 100)),
    )
    tickets = Measure(
        name="tickets",
        weight=20,
        column="open_tickets",
        transform=LinearTransform(worst=10, best=0),
    )
    built = Scorecard(
        name="default",
        min_coverage=0.5,
        bands=RYG,
        root=Group(
            name="overall",
            children=(Group(name="usage", weight=50, children=(logins, seats)), nps, tickets),
        ),
    )
    assert from_json == from_dict == from_kwargs == built
    assert len({c.config_hash for c in (from_json, from_dict, from_kwargs, built)}) == 1


def test_defaults() -> None:
    card = Scorecard.model_validate(one_measure_card())
    assert card.description == ""
    assert card.missing == "renormalize"
    assert card.neutral == 50.0
    assert card.min_coverage == 0.0
    assert card.bands == RYG
    assert card.closure == "lower_inclusive"
    assert card.hysteresis == 0.0
    group = card.root
    assert group.weight == 1.0
    assert group.aggregate == "weighted_mean"
    assert group.missing is None
    assert group.neutral is None
    assert group.anchor == 50.0
    assert group.min_coverage is None
    assert group.description == ""
    (measure,) = group.children
    assert isinstance(measure, Measure)
    assert measure.weight == 1.0
    assert measure.max_age_days is None
    assert measure.observed_at is None
    assert measure.description == ""
    assert measure.transform == BooleanTransform(true=100, false=0)
    assert CategoriesTransform(scores={"a": 1}).unknown == "error"
    assert PercentileTransform().by is None
    assert PercentileTransform().higher_is_better is True


@pytest.mark.parametrize(
    ("transform", "model"),
    [
        ({"kind": "linear", "worst": -100, "best": 100}, LinearTransform),
        ({"kind": "linear_bounded", "worst": 1, "best": 0}, LinearBoundedTransform),
        (
            {
                "kind": "thresholds",
                "cuts": [2, 5],
                "scores": [0, 50, 100],
                "closure": "upper_inclusive",
            },
            ThresholdsTransform,
        ),
        (
            {"kind": "categories", "scores": {"good": 100, "average": 60, "poor": 0}},
            CategoriesTransform,
        ),
        ({"kind": "boolean", "true": 0, "false": 100}, BooleanTransform),
        ({"kind": "percentile", "by": "segment", "higher_is_better": False}, PercentileTransform),
    ],
)
def test_each_transform_kind_loads(transform: dict, model: type) -> None:
    text = json.dumps({"name": "m", "column": "x", "transform": transform})
    measure = Measure.model_validate_json(text)
    assert type(measure.transform) is model
    assert measure.transform.kind == transform["kind"]
    assert measure.transform == model(**transform)
    assert measure.transform == model.model_validate_json(json.dumps(transform))
    # the dump loads back to an equal object
    assert Measure.model_validate_json(measure.model_dump_json()) == measure


def test_full_options_load() -> None:
    card = Scorecard.model_validate(
        {
            "name": "full",
            "description": "all the options",
            "missing": "neutral",
            "neutral": 40,
            "min_coverage": 1,
            "closure": "upper_inclusive",
            "hysteresis": 2.5,
            "bands": [{"label": "all", "min": 0, "max": 100}],
            "root": {
                "name": "o",
                "aggregate": "points",
                "missing": "fixed",
                "neutral": 10,
                "anchor": 0,
                "min_coverage": 0.25,
                "description": "root",
                "children": [
                    boolean_measure(
                        "m", weight=0.5, max_age_days=30, observed_at="m_at", description="m"
                    ),
                    {
                        "name": "g",
                        "weight": 0,
                        "aggregate": "min",
                        "children": [boolean_measure("n")],
                    },
                    {
                        "name": "w",
                        "aggregate": "weakest_link",
                        "missing": "renormalize",
                        "children": [boolean_measure("k")],
                    },
                ],
            },
        }
    )
    assert card.closure == "upper_inclusive"
    assert card.root.aggregate == "points"
    assert card.root.min_coverage == 0.25
    measure = card.node("m")
    assert isinstance(measure, Measure)
    assert (measure.max_age_days, measure.observed_at) == (30.0, "m_at")
    assert card.node("g").weight == 0.0
    assert Scorecard.model_validate_json(card.model_dump_json()) == card


def test_bands_are_stored_sorted() -> None:
    data = card_dict()
    data["bands"].reverse()
    card = Scorecard.model_validate(data)
    assert [band.label for band in card.bands] == ["red", "yellow", "green"]
    assert card == Scorecard.model_validate_json(ISSUE_JSON)
    assert card.config_hash == Scorecard.model_validate_json(ISSUE_JSON).config_hash


def test_twelve_bands_are_allowed() -> None:
    bands = [{"label": f"b{i}", "min": i, "max": i + 1} for i in range(MAX_BANDS)]
    bands[-1]["max"] = 100  # [0, 1), [1, 2), ..., [11, 100]
    card = Scorecard.model_validate(one_measure_card(bands=bands))
    assert len(card.bands) == MAX_BANDS == 12


# --- JSON Schema -----------------------------------------------------------------------------


def test_json_schema_is_json_and_names_the_transform_kinds() -> None:
    schema = Scorecard.model_json_schema()
    text = json.dumps(schema)
    assert json.loads(text) == schema
    defs = schema["$defs"]
    kinds = {
        name: defs[name]["properties"]["kind"]
        for name in (
            "LinearTransform",
            "LinearBoundedTransform",
            "ThresholdsTransform",
            "CategoriesTransform",
            "BooleanTransform",
            "PercentileTransform",
        )
    }
    assert sorted(kind["const"] for kind in kinds.values()) == sorted(KINDS)
    for kind in KINDS:
        assert f'"{kind}"' in text
    assert {"Group", "Measure", "Band"} <= set(defs)
    assert schema["required"] == ["name", "root"]


@pytest.mark.parametrize(
    "model", [ScorecardSet, Override, Condition, Segment, Group, Measure, CategoriesTransform]
)
def test_other_models_publish_json_schemas(model: type) -> None:
    schema = model.model_json_schema()
    assert json.loads(json.dumps(schema)) == schema


# --- hashing and freezing --------------------------------------------------------------------


def recomputed_hash(config: BaseModel) -> str:
    """16 hex digits of the SHA-256 of the sorted, compact JSON dump (as documented)."""
    dump = config.model_dump(mode="json")
    text = json.dumps(dump, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_config_hash_is_the_documented_sha256() -> None:
    card = Scorecard.model_validate_json(ISSUE_JSON)
    assert len(card.config_hash) == 16
    int(card.config_hash, 16)
    assert card.config_hash == recomputed_hash(card)


def test_equal_configs_hash_equal_and_work_as_keys() -> None:
    a = Scorecard.model_validate_json(ISSUE_JSON)
    b = Scorecard.model_validate(card_dict())
    assert a is not b
    assert a == b
    assert hash(a) == hash(b)
    assert a.config_hash == b.config_hash
    assert len({a, b}) == 1
    assert {a: "x"}[b] == "x"


def test_config_hash_is_stable_across_json_round_trips() -> None:
    card = Scorecard.model_validate_json(ISSUE_JSON)
    again = card
    for _ in range(3):
        again = Scorecard.model_validate_json(again.model_dump_json())
    assert again.config_hash == card.config_hash
    assert Scorecard.model_validate(json.loads(json.dumps(card.model_dump()))) == card
    # key order inside a categories mapping does not matter either
    one = CategoriesTransform(scores={"good": 100, "poor": 0})
    other = CategoriesTransform(scores={"poor": 0, "good": 100})
    assert one == other
    assert one.config_hash == other.config_hash
    assert hash(one) == hash(other)


def _set(path: tuple[object, ...], value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


USAGE = ("root", "children", 0)
SEATS = (*USAGE, "children", 1)
NPS = ("root", "children", 1)

CHANGES = {
    "name": _set(("name",), "other"),
    "description": _set(("description",), "words"),
    "missing": _set(("missing",), "fixed"),
    "neutral": _set(("neutral",), 49),
    "min_coverage": _set(("min_coverage",), 0.6),
    "closure": _set(("closure",), "upper_inclusive"),
    "hysteresis": _set(("hysteresis",), 1),
    "band edge": lambda data: data["bands"][0].update(max=41) or data["bands"][1].update(min=41),
    "band label": _set(("bands", 2, "label"), "GREEN"),
    "root name": _set(("root", "name"), "total"),
    "aggregate": _set(("root", "aggregate"), "min"),
    "group weight": _set((*USAGE, "weight"), 51),
    "group missing": _set((*USAGE, "missing"), "renormalize"),
    "group neutral": _set((*USAGE, "neutral"), 50),
    "group anchor": _set((*USAGE, "anchor"), 60),
    "group min_coverage": _set((*USAGE, "min_coverage"), 0.5),
    "measure weight": _set((*SEATS, "weight"), 1.5),
    "measure column": _set((*SEATS, "column"), "seats"),
    "measure name": _set((*SEATS, "name"), "seat"),
    "measure description": _set((*SEATS, "description"), "x"),
    "measure age": _set((*SEATS, "max_age_days"), 30),
    "transform kind": _set((*SEATS, "transform", "kind"), "linear_bounded"),
    "transform worst": _set((*SEATS, "transform", "worst"), 0.25),
    "cuts": _set((*NPS, "transform", "cuts"), [0, 31]),
    "scores": _set((*NPS, "transform", "scores"), [0, 50, 99]),
    "thresholds closure": _set((*NPS, "transform", "closure"), "lower_inclusive"),
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_any_change_changes_the_hash(change: Callable[[dict], None]) -> None:
    base = Scorecard.model_validate_json(ISSUE_JSON)
    data = card_dict()
    change(data)
    if "max_age_days" in data["root"]["children"][0]["children"][1]:
        data["root"]["children"][0]["children"][1]["observed_at"] = "seen_at"
    changed = Scorecard.model_validate(data)
    assert changed != base
    assert changed.config_hash != base.config_hash
    assert hash(changed) != hash(base)


def test_child_order_is_part_of_the_config() -> None:
    data = card_dict()
    data["root"]["children"].reverse()
    changed = Scorecard.model_validate(data)
    assert changed.config_hash != Scorecard.model_validate_json(ISSUE_JSON).config_hash


@pytest.mark.parametrize(
    "config",
    [
        LinearTransform(worst=0, best=1),
        LinearBoundedTransform(worst=0, best=1),
        ThresholdsTransform(cuts=[1], scores=[0, 100]),
        CategoriesTransform(scores={"a": 1}),
        BooleanTransform(),
        PercentileTransform(),
        Condition(column="segment", op="in", value=["a", "b"]),
        Override(account_id="a", scope="overall", value=1, reason="r", author="k"),
        issue_card(),
        issue_card().root,
    ],
    ids=lambda config: type(config).__name__,
)
def test_every_model_is_hashable(config: BaseModel) -> None:
    twin = type(config).model_validate_json(config.model_dump_json())
    assert twin == config
    assert hash(twin) == hash(config)
    # two different classes with one dump do not share a hash
    assert hash(config) == hash((type(config).__name__, recomputed_hash(config)))


def test_same_dump_different_class_hashes_differ() -> None:
    linear = LinearTransform(worst=0, best=1)
    bounded = LinearBoundedTransform(worst=0, best=1)
    assert hash(linear) != hash(bounded)


def test_scorecard_set_hash() -> None:
    card = issue_card()
    other = card.model_copy(update={"name": "enterprise"})
    segment = {
        "name": "e",
        "when": [{"column": "segment", "value": "enterprise"}],
        "scorecard": other,
    }
    one = ScorecardSet(name="s", default=card, segments=[segment])
    two = ScorecardSet.model_validate_json(one.model_dump_json())
    assert one == two
    assert one.config_hash == two.config_hash
    assert ScorecardSet(name="s", default=card).config_hash != one.config_hash


@pytest.mark.parametrize(
    ("config", "field", "value"),
    [
        (issue_card(), "name", "x"),
        (issue_card(), "bands", ()),
        (issue_card().root, "weight", 2.0),
        (issue_card().node("nps"), "column", "y"),
        (LinearTransform(worst=0, best=1), "best", 2.0),
        (CategoriesTransform(scores={"a": 1}), "unknown", "missing"),
        (Condition(column="x", value="a"), "value", "b"),
        (Override(account_id="a", scope="overall", value=1, reason="r", author="k"), "value", 2.0),
        (RYG[0], "max", 50.0),
    ],
    ids=lambda item: type(item).__name__ if not isinstance(item, (str, float, tuple)) else "",
)
def test_configs_are_frozen(config: object, field: str, value: object) -> None:
    before = getattr(config, field)
    with pytest.raises(ConfigError, match="frozen"):
        setattr(config, field, value)
    assert getattr(config, field) == before


def test_nested_children_are_immutable_tuples() -> None:
    card = issue_card()
    assert isinstance(card.root.children, tuple)
    assert isinstance(card.bands, tuple)
    nps = card.node("nps")
    assert isinstance(nps, Measure)
    assert isinstance(nps.transform, ThresholdsTransform)
    assert isinstance(nps.transform.cuts, tuple)


# --- configuration errors, each naming its place in the tree -----------------------------


def with_bands(*bands: tuple[str, float, float]) -> dict:
    return one_measure_card(bands=[{"label": a, "min": b, "max": c} for a, b, c in bands])


BAND_ERRORS = {
    "gap": (
        with_bands(("red", 0, 40), ("green", 50, 100)),
        "bands: gap between 'red' (to 40) and 'green' (from 50)",
    ),
    "overlap": (
        with_bands(("red", 0, 50), ("green", 40, 100)),
        "bands: 'red' (to 50) overlaps 'green' (from 40)",
    ),
    "nested overlap": (
        with_bands(("all", 0, 100), ("mid", 40, 60)),
        "bands: 'all' (to 100) overlaps 'mid' (from 40)",
    ),
    "start": (with_bands(("all", 10, 100)), "bands: the bands start at 10, not at 0"),
    "end": (
        with_bands(("red", 0, 40), ("green", 40, 99.5)),
        "bands: the bands end at 99.5, not at 100",
    ),
    "empty band": (
        with_bands(("red", 0, 40), ("dot", 40, 40), ("green", 40, 100)),
        "bands: band 'dot' is empty: max 40 is not above min 40",
    ),
    "reversed band": (
        with_bands(("red", 0, 40), ("back", 70, 40), ("green", 40, 100)),
        "bands: band 'back' is empty: max 40 is not above min 70",
    ),
    "repeated labels": (
        with_bands(("red", 0, 40), ("red", 40, 70), ("green", 70, 100), ("green", 100, 100)),
        "bands: band labels must be unique, ['green', 'red'] repeat",
    ),
    "no bands": (one_measure_card(bands=[]), "bands: give at least one band"),
    "thirteen bands": (
        with_bands(*((f"b{i}", i, i + 1) for i in range(12)), ("top", 12, 100)),
        "bands: at most 12 bands, got 13",
    ),
    "band below 0": (
        with_bands(("red", -1, 40), ("green", 40, 100)),
        "bands[0].min: Input should be greater than or equal to 0",
    ),
    "band above 100": (
        with_bands(("red", 0, 40), ("green", 40, 101)),
        "bands[1].max: Input should be less than or equal to 100",
    ),
    "band NaN": (
        with_bands(("red", 0, 40), ("green", 40, math.nan)),
        "bands[1].max: Input should be a finite number",
    ),
    "band label empty": (
        with_bands(("", 0, 100)),
        "bands[0].label: String should have at least 1 character",
    ),
}


@pytest.mark.parametrize(("data", "line"), list(BAND_ERRORS.values()), ids=list(BAND_ERRORS))
def test_band_errors(data: dict, line: str) -> None:
    assert_config_error(Scorecard, data, line)


def issue_with(change: Callable[[dict], None]) -> dict:
    data = card_dict()
    change(data)
    return data


def _drop(path: tuple[object, ...]) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


TREE_ERRORS = {
    "negative measure weight": (
        _set((*SEATS, "weight"), -1),
        "overall > usage > seats: weight: Input should be greater than or equal to 0",
    ),
    "negative group weight": (
        _set((*USAGE, "weight"), -0.5),
        "overall > usage: weight: Input should be greater than or equal to 0",
    ),
    "NaN weight": (
        _set((*SEATS, "weight"), math.nan),
        "overall > usage > seats: weight: Input should be a finite number",
    ),
    "infinite weight": (
        _set((*USAGE, "weight"), math.inf),
        "overall > usage: weight: Input should be a finite number",
    ),
    "all-zero weights": (
        _set(
            (*USAGE, "children"), [boolean_measure("a", weight=0), boolean_measure("b", weight=0)]
        ),
        "overall > usage: children: the weights of a group's children sum to 0; give at least "
        "one a weight",
    ),
    "no children": (
        _set((*USAGE, "children"), []),
        "overall > usage: children: a group needs at least one child",
    ),
    "unknown transform": (
        _set((*SEATS, "transform"), {"kind": "cubic"}),
        "overall > usage > seats: transform: Input tag 'cubic' found using 'kind' does not "
        "match any of the expected tags: 'linear', 'linear_bounded', 'thresholds', "
        "'categories', 'boolean', 'percentile'",
    ),
    "transform without kind": (
        _set((*SEATS, "transform"), {"worst": 0, "best": 1}),
        "overall > usage > seats: transform: Unable to extract tag using discriminator 'kind'",
    ),
    "linear flat": (
        _set((*SEATS, "transform", "worst"), 0.9),
        "overall > usage > seats: transform: `worst` and `best` must differ, both are 0.9",
    ),
    "linear_bounded flat": (
        _set((*SEATS, "transform"), {"kind": "linear_bounded", "worst": 3, "best": 3}),
        "overall > usage > seats: transform: `worst` and `best` must differ, both are 3",
    ),
    "linear infinite": (
        _set((*SEATS, "transform", "best"), math.inf),
        "overall > usage > seats: transform.best: Input should be a finite number",
    ),
    "linear missing best": (
        _drop((*SEATS, "transform", "best")),
        "overall > usage > seats: transform.best: Field required",
    ),
    "cuts decreasing": (
        _set((*NPS, "transform", "cuts"), [30, 0]),
        "overall > nps: transform: `cuts` must increase strictly, got [30.0, 0.0]",
    ),
    "cuts repeated": (
        _set((*NPS, "transform", "cuts"), [30, 30]),
        "overall > nps: transform: `cuts` must increase strictly, got [30.0, 30.0]",
    ),
    "too many scores": (
        _set((*NPS, "transform", "scores"), [0, 25, 50, 100]),
        "overall > nps: transform: `scores` needs one more entry than `cuts` (3), got 4",
    ),
    "too few scores": (
        _set((*NPS, "transform", "scores"), [0, 100]),
        "overall > nps: transform: `scores` needs one more entry than `cuts` (3), got 2",
    ),
    "no cuts": (
        _set((*NPS, "transform"), {"kind": "thresholds", "cuts": [], "scores": [50]}),
        "overall > nps: transform.cuts: Tuple should have at least 1 item after validation, not 0",
    ),
    "score above 100": (
        _set((*NPS, "transform", "scores"), [0, 50, 100.5]),
        "overall > nps: transform.scores[2]: Input should be less than or equal to 100",
    ),
    "score below 0": (
        _set((*NPS, "transform", "scores"), [-1, 50, 100]),
        "overall > nps: transform.scores[0]: Input should be greater than or equal to 0",
    ),
    "NaN cut": (
        _set((*NPS, "transform", "cuts"), [0, math.nan]),
        "overall > nps: transform.cuts[1]: Input should be a finite number",
    ),
    "thresholds closure": (
        _set((*NPS, "transform", "closure"), "both"),
        "overall > nps: transform.closure: Input should be 'lower_inclusive' or 'upper_inclusive'",
    ),
    "categories empty": (
        _set((*NPS, "transform"), {"kind": "categories", "scores": {}}),
        "overall > nps: transform.scores: Dictionary should have at least 1 item after "
        "validation, not 0",
    ),
    "category score": (
        _set((*NPS, "transform"), {"kind": "categories", "scores": {"good": 101}}),
        "overall > nps: transform.scores.good: Input should be less than or equal to 100",
    ),
    "categories unknown policy": (
        _set((*NPS, "transform"), {"kind": "categories", "scores": {"a": 1}, "unknown": "zero"}),
        "overall > nps: transform.unknown: Input should be 'error' or 'missing'",
    ),
    "boolean score": (
        _set((*NPS, "transform"), {"kind": "boolean", "true": math.inf}),
        "overall > nps: transform.true: Input should be a finite number",
    ),
    "max_age_days without observed_at": (
        _set((*NPS, "max_age_days"), 90),
        "overall > nps: `max_age_days` needs `observed_at`, the column saying when each value "
        "was observed",
    ),
    "max_age_days zero": (
        lambda data: data["root"]["children"][1].update(max_age_days=0, observed_at="t"),
        "overall > nps: max_age_days: Input should be greater than 0",
    ),
    "max_age_days NaN": (
        lambda data: data["root"]["children"][1].update(max_age_days=math.nan, observed_at="t"),
        "overall > nps: max_age_days: Input should be a finite number",
    ),
    "measure without column": (
        _drop((*NPS, "column")),
        "overall > nps: column: Field required",
    ),
    "empty column": (
        _set((*NPS, "column"), ""),
        "overall > nps: column: String should have at least 1 character",
    ),
    "measure without name": (
        _drop((*NPS, "name")),
        "overall > children[1]: name: Field required",
    ),
    "measure field on a group": (
        _set((*USAGE, "column"), "usage"),
        "overall > usage: column: Extra inputs are not permitted",
    ),
    "extra measure field": (
        _set((*NPS, "colour"), "red"),
        "overall > nps: colour: Extra inputs are not permitted",
    ),
    "extra transform field": (
        _set((*SEATS, "transform", "clamp"), True),
        "overall > usage > seats: transform.clamp: Extra inputs are not permitted",
    ),
    "extra band field": (
        _set(("bands", 1, "colour"), "amber"),
        "bands[1].colour: Extra inputs are not permitted",
    ),
    "extra scorecard field": (
        _set(("version",), 2),
        "version: Extra inputs are not permitted",
    ),
    "unknown aggregate": (
        _set(("root", "aggregate"), "max"),
        "overall: aggregate: Input should be 'weighted_mean', 'points', 'weakest_link' or 'min'",
    ),
    "unknown group policy": (
        _set((*USAGE, "missing"), "zero"),
        "overall > usage: missing: Input should be 'renormalize', 'fixed' or 'neutral'",
    ),
    "group neutral above 100": (
        _set((*USAGE, "neutral"), 150),
        "overall > usage: neutral: Input should be less than or equal to 100",
    ),
    "group anchor NaN": (
        _set((*USAGE, "anchor"), math.nan),
        "overall > usage: anchor: Input should be a finite number",
    ),
    "group min_coverage above 1": (
        _set((*USAGE, "min_coverage"), 1.5),
        "overall > usage: min_coverage: Input should be less than or equal to 1",
    ),
    "unknown policy": (
        _set(("missing",), "zero"),
        "missing: Input should be 'renormalize', 'fixed' or 'neutral'",
    ),
    "unknown closure": (
        _set(("closure",), "both"),
        "closure: Input should be 'lower_inclusive' or 'upper_inclusive'",
    ),
    "scorecard neutral NaN": (
        _set(("neutral",), math.nan),
        "neutral: Input should be a finite number",
    ),
    "scorecard min_coverage negative": (
        _set(("min_coverage",), -0.1),
        "min_coverage: Input should be greater than or equal to 0",
    ),
    "hysteresis infinite": (
        _set(("hysteresis",), math.inf),
        "hysteresis: Input should be a finite number",
    ),
    "hysteresis negative": (
        _set(("hysteresis",), -1),
        "hysteresis: Input should be greater than or equal to 0",
    ),
    "empty name": (
        _set(("name",), ""),
        "name: String should have at least 1 character",
    ),
    "no root": (_drop(("root",)), "root: Field required"),
    "group vs measure name": (
        _set((*SEATS, "name"), "usage"),
        "overall > usage > usage: the name 'usage' is already used by overall > usage",
    ),
    "measure vs measure name": (
        _set((*NPS, "name"), "logins"),
        "overall > logins: the name 'logins' is already used by overall > usage > logins",
    ),
    "measure named as root": (
        _set((*SEATS, "name"), "overall"),
        "overall > usage > overall: the name 'overall' is already used by overall",
    ),
}


@pytest.mark.parametrize(("change", "line"), list(TREE_ERRORS.values()), ids=list(TREE_ERRORS))
def test_tree_errors_name_their_path(change: Callable[[dict], None], line: str) -> None:
    assert_config_error(Scorecard, issue_with(change), line)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (_set((*USAGE, "children"), "logins"), "overall > usage: children"),
        (_set((*USAGE, "children"), [[1]]), "overall > usage > children[0]"),
        (_set(("root",), []), "root"),
    ],
    ids=["children not a list", "child not a mapping", "root not a group"],
)
def test_wrong_types_name_their_path(change: Callable[[dict], None], path: str) -> None:
    # pydantic words type errors differently for JSON and for Python; the place is the same
    for message in messages(Scorecard, issue_with(change)):
        assert message.startswith(f"invalid Scorecard:\n  {path}: Input should be ")
        assert message.count("\n") == 1


def test_duplicate_names_deep_in_the_tree() -> None:
    data = one_measure_card()
    data["root"]["children"] = [
        {"name": "a", "children": [{"name": "b", "children": [boolean_measure("x")]}]},
        {"name": "c", "children": [{"name": "d", "children": [boolean_measure("x")]}]},
    ]
    assert_config_error(
        Scorecard, data, "o > c > d > x: the name 'x' is already used by o > a > b > x"
    )
    data["root"]["children"][1]["children"][0]["children"][0]["name"] = "b"
    assert_config_error(Scorecard, data, "o > c > d > b: the name 'b' is already used by o > a > b")


def test_every_problem_is_listed_at_once() -> None:
    data = card_dict()
    data["root"]["children"][0]["weight"] = -2
    data["root"]["children"][0]["children"][1]["transform"]["best"] = 0.2
    data["root"]["children"][1]["transform"]["cuts"] = [30, 0]
    data["closure"] = "both"
    assert_config_error(
        Scorecard,
        data,
        "closure: Input should be 'lower_inclusive' or 'upper_inclusive'",
        "overall > usage: weight: Input should be greater than or equal to 0",
        "overall > usage > seats: transform: `worst` and `best` must differ, both are 0.2",
        "overall > nps: transform: `cuts` must increase strictly, got [30.0, 0.0]",
    )


def test_unnamed_nodes_fall_back_to_their_position() -> None:
    data = card_dict()
    data["root"]["children"][0]["name"] = ""
    data["root"]["children"][0]["children"][0]["weight"] = -1
    assert_config_error(
        Scorecard,
        data,
        "overall > children[0]: name: String should have at least 1 character",
        "overall > children[0] > logins: weight: Input should be greater than or equal to 0",
    )


def test_nan_and_infinity_in_json_text_are_rejected() -> None:
    text = ISSUE_JSON.replace('"min_coverage": 0.5', '"min_coverage": NaN').replace(
        '"worst": 0.2', '"worst": -Infinity'
    )
    with pytest.raises(ConfigError) as info:
        Scorecard.model_validate_json(text)
    assert str(info.value) == (
        "invalid Scorecard:\n"
        "  min_coverage: Input should be a finite number\n"
        "  overall > usage > seats: transform.worst: Input should be a finite number"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("{not json", "Invalid JSON: key must be a string at line 1 column 2"),
        ("", "Invalid JSON: EOF while parsing a value at line 1 column 0"),
        ('{"name": "x", "root": ', "Invalid JSON: EOF while parsing a value at line 1 column 22"),
        ("[]", "Input should be an object"),
    ],
)
def test_invalid_json_text(text: str, detail: str) -> None:
    with pytest.raises(ConfigError) as info:
        Scorecard.model_validate_json(text)
    assert str(info.value) == f"invalid Scorecard:\n  {detail}"


def test_not_a_mapping() -> None:
    with pytest.raises(
        ConfigError, match="Input should be a valid dictionary or instance of Scorecard"
    ):
        Scorecard.model_validate([])


def test_config_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid Scorecard"):
        Scorecard.model_validate({})


def test_errors_from_each_model_alone() -> None:
    with pytest.raises(ConfigError) as info:
        LinearTransform(worst=1, best=1)
    assert (
        str(info.value) == "invalid LinearTransform:\n  `worst` and `best` must differ, both are 1"
    )
    with pytest.raises(ConfigError) as info:
        ThresholdsTransform(cuts=[1, 2], scores=[0, 100])
    assert str(info.value) == (
        "invalid ThresholdsTransform:\n  `scores` needs one more entry than `cuts` (3), got 2"
    )
    with pytest.raises(ConfigError) as info:
        Group(name="g", children=[boolean_measure("m", transform={"kind": "boolean", "true": -1})])
    assert str(info.value) == (
        "invalid Group:\n  m: transform.true: Input should be greater than or equal to 0"
    )
    with pytest.raises(ConfigError) as info:
        Group(name="g", children=[])
    assert str(info.value) == "invalid Group:\n  children: a group needs at least one child"
    with pytest.raises(ConfigError) as info:
        Measure(name="m", column="m", transform={"kind": "boolean"}, max_age_days=3)
    assert str(info.value) == (
        "invalid Measure:\n  `max_age_days` needs `observed_at`, the column saying when each "
        "value was observed"
    )


def test_a_model_built_inside_a_bad_one_still_raises_config_error() -> None:
    # the nested constructor raises pydantic's error inside, the outer one turns it into one
    # ConfigError; a later, separate construction is outermost again
    with pytest.raises(ConfigError):
        Scorecard(name="c", root={"name": "o", "children": [boolean_measure("m", weight=-1)]})
    with pytest.raises(ConfigError, match="invalid Measure"):
        Measure(name="m", column="m", transform={"kind": "nope"})


# --- conditions, segments, sets, overrides ---------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "stored"),
    [
        ("eq", "enterprise", "enterprise"),
        ("eq", 3, 3.0),
        ("eq", True, True),
        ("ne", "smb", "smb"),
        ("in", ["a", "b"], ("a", "b")),
        ("not_in", [1, "b"], (1.0, "b")),
        ("lt", 10, 10.0),
        ("le", 0.5, 0.5),
        ("gt", -1, -1.0),
        ("ge", 1e9, 1e9),
        ("missing", None, None),
        ("present", None, None),
    ],
)
def test_condition_operands_accepted(op: str, value: object, stored: object) -> None:
    condition = Condition(column="segment", op=op, value=value)
    assert condition.value == stored
    assert type(condition.value) is type(stored)
    assert Condition.model_validate_json(condition.model_dump_json()) == condition


def test_condition_default_op_is_eq() -> None:
    assert Condition(column="segment", value="smb").op == "eq"


@pytest.mark.parametrize(
    ("op", "value", "want", "got"),
    [
        ("missing", "x", "no value", "'x'"),
        ("present", 1, "no value", "1.0"),
        ("in", "a", "a non-empty list", "'a'"),
        ("not_in", [], "a non-empty list", "()"),
        ("in", None, "a non-empty list", "None"),
        ("lt", "10", "a number", "'10'"),
        ("ge", True, "a number", "True"),
        ("gt", [1], "a number", "(1.0,)"),
        ("le", None, "a number", "None"),
        ("eq", None, "one value", "None"),
        ("ne", ["a"], "one value", "('a',)"),
    ],
)
def test_condition_operand_errors(op: str, value: object, want: str, got: str) -> None:
    data = {"column": "segment", "op": op, "value": value}
    for message in messages(Condition, data):
        assert message == f"invalid Condition:\n  `{op}` on 'segment' takes {want}, got {got}"


def test_condition_errors_inside_a_set_name_their_place() -> None:
    card = issue_card().model_dump()
    data = {
        "name": "health",
        "default": card,
        "segments": [
            {"name": "ok", "when": [{"column": "segment", "value": "a"}], "scorecard": card},
            {
                "name": "bad",
                "when": [
                    {"column": "segment", "value": "a"},
                    {"column": "mrr", "op": "lt", "value": "big"},
                ],
                "scorecard": card,
            },
        ],
    }
    for message in messages(ScorecardSet, data):
        assert message.startswith(
            "invalid ScorecardSet:\n  segments[1].when[1]: `lt` on 'mrr' takes a number, got 'big'"
        )


@pytest.mark.parametrize(
    ("model", "data", "line"),
    [
        (
            Segment,
            {
                "name": "s",
                "when": [{"column": "mrr", "op": "lt", "value": "big"}],
                "scorecard": one_measure_card(),
            },
            "when[0]: `lt` on 'mrr' takes a number, got 'big'",
        ),
        (
            ThresholdsTransform,
            {"cuts": [math.nan], "scores": [0, 100]},
            "cuts[0]: Input should be a finite number",
        ),
    ],
    ids=["condition", "cut"],
)
def test_a_bad_only_item_is_reported_once(model: type, data: dict, line: str) -> None:
    # the one item given is wrong: that is the problem, not an empty list besides it
    assert_config_error(model, data, line)


def test_unknown_condition_op() -> None:
    for message in messages(Condition, {"column": "x", "op": "like", "value": "a"}):
        assert message.startswith("invalid Condition:\n  op: Input should be 'eq', 'ne', 'in'")


def test_segments_and_sets() -> None:
    card = issue_card()
    enterprise = card.model_copy(update={"name": "enterprise"})
    smb = card.model_copy(update={"name": "smb"})
    cards = ScorecardSet(
        name="health",
        default=card,
        segments=[
            {
                "name": "e",
                "when": [{"column": "segment", "value": "enterprise"}],
                "scorecard": enterprise,
            },
            Segment(name="s", when=[Condition(column="segment", value="smb")], scorecard=smb),
        ],
    )
    assert [c.name for c in cards.scorecards()] == ["enterprise", "smb", "default"]
    assert ScorecardSet(name="only", default=card).scorecards() == (card,)
    assert ScorecardSet.model_validate_json(cards.model_dump_json()) == cards


def test_duplicate_segment_names() -> None:
    card = issue_card().model_dump()
    segment = {"name": "e", "when": [{"column": "segment", "value": "e"}], "scorecard": card}
    assert_config_error(
        ScorecardSet,
        {"name": "s", "default": card, "segments": [segment, {**segment, "name": "f"}, segment]},
        "segment names must be unique, ['e'] repeat",
    )


def test_segment_needs_conditions_and_a_name() -> None:
    card = issue_card().model_dump()
    assert_config_error(
        Segment,
        {"name": "", "when": [], "scorecard": card},
        "name: String should have at least 1 character",
        "when: Tuple should have at least 1 item after validation, not 0",
    )


def test_errors_in_a_segment_scorecard_name_the_path() -> None:
    card = issue_card().model_dump()
    bad = copy.deepcopy(card)
    bad["root"]["children"][0]["children"][0]["weight"] = -1
    data = {
        "name": "s",
        "default": card,
        "segments": [{"name": "e", "when": [{"column": "x", "value": 1}], "scorecard": bad}],
    }
    assert_config_error(
        ScorecardSet,
        data,
        "overall > usage > logins: weight: Input should be greater than or equal to 0",
    )


def override(**fields: object) -> dict:
    return {"account_id": "a1", "value": 20, "reason": "escalation", "author": "kim", **fields}


def test_override_loads() -> None:
    text = json.dumps(override(scope="group", node="usage", expires_on="2026-03-01"))
    loaded = Override.model_validate_json(text)
    assert loaded.expires_on == date(2026, 3, 1)
    assert loaded.node == "usage"
    assert Override(**override(scope="overall")).node is None
    assert Override(**override(scope="overall", node="overall")).node == "overall"


@pytest.mark.parametrize("scope", ["measure", "group"])
def test_override_scope_without_node(scope: str) -> None:
    assert_config_error(Override, override(scope=scope), f"a {scope} override names its `node`")


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"scope": "node"}, "scope: Input should be 'measure', 'group' or 'overall'"),
        ({"scope": "overall", "value": 101}, "value: Input should be less than or equal to 100"),
        ({"scope": "overall", "value": math.nan}, "value: Input should be a finite number"),
        ({"scope": "overall", "reason": ""}, "reason: String should have at least 1 character"),
        ({"scope": "overall", "author": ""}, "author: String should have at least 1 character"),
        (
            {"scope": "overall", "account_id": ""},
            "account_id: an identifier is required: got ''",
        ),
        (
            {"scope": "overall", "account_id": True},
            "account_id: expected an identifier: text or a whole number (not a flag, date or list)",
        ),
        (
            {"scope": "overall", "expires_on": "2026-02-30"},
            "expires_on: Input should be a valid date or datetime, day value is outside "
            "expected range",
        ),
    ],
)
def test_override_field_errors(fields: dict, line: str) -> None:
    assert_config_error(Override, override(**fields), line)


def test_override_active() -> None:
    until = Override(**override(scope="overall", expires_on=date(2026, 3, 1)))
    assert until.active(date(2026, 2, 28))
    assert not until.active(date(2026, 3, 1))  # expires_on is the first day it no longer applies
    assert not until.active(date(2027, 1, 1))
    forever = Override(**override(scope="overall"))
    assert forever.active(date(1990, 1, 1))
    assert forever.active(date(2999, 12, 31))


# --- tree queries ----------------------------------------------------------------------------


def test_measures_depth_first() -> None:
    card = Scorecard.model_validate_json(ISSUE_JSON)
    assert [m.name for m in card.measures()] == ["logins", "seats", "nps", "tickets"]
    assert all(isinstance(m, Measure) for m in card.measures())


def test_walk_paths() -> None:
    card = Scorecard.model_validate_json(ISSUE_JSON)
    walked = [(" > ".join(path), type(node).__name__) for path, node in card.root.walk()]
    assert walked == [
        ("overall", "Group"),
        ("overall > usage", "Group"),
        ("overall > usage > logins", "Measure"),
        ("overall > usage > seats", "Measure"),
        ("overall > nps", "Measure"),
        ("overall > tickets", "Measure"),
    ]
    usage = card.node("usage")
    assert isinstance(usage, Group)
    assert [path for path, _ in usage.walk(("top",))] == [
        ("top", "usage"),
        ("top", "usage", "logins"),
        ("top", "usage", "seats"),
    ]


def test_node_lookup() -> None:
    card = Scorecard.model_validate_json(ISSUE_JSON)
    assert card.node("overall") is card.root
    assert card.node("usage").weight == 50
    seats = card.node("seats")
    assert isinstance(seats, Measure)
    assert seats.column == "seat_utilisation"
    with pytest.raises(KeyError) as info:
        card.node("nope")
    assert info.value.args[0] == (
        "no node 'nope' in scorecard 'default'; the nodes are "
        "['overall', 'usage', 'logins', 'seats', 'nps', 'tickets']"
    )


def test_nominal_shares_by_hand() -> None:
    shares = Scorecard.model_validate_json(ISSUE_JSON).nominal_shares()
    # root weights 50 + 30 + 20 = 100: usage 0.5, nps 0.3, tickets 0.2;
    # inside usage 2 + 1 = 3: logins 0.5 * 2/3 = 1/3, seats 0.5 * 1/3 = 1/6
    assert shares == pytest.approx(
        {"overall": 1, "usage": 0.5, "logins": 1 / 3, "seats": 1 / 6, "nps": 0.3, "tickets": 0.2}
    )


def test_nominal_shares_with_zero_weights_and_min_groups() -> None:
    card = Scorecard.model_validate(
        {
            "name": "c",
            "root": {
                "name": "o",
                "children": [
                    {
                        "name": "worst",
                        "weight": 3,
                        "aggregate": "min",
                        "children": [
                            boolean_measure("a", weight=1),
                            boolean_measure("b", weight=3),
                            boolean_measure("z", weight=0),
                        ],
                    },
                    {
                        "name": "g",
                        "weight": 1,
                        "children": [{"name": "h", "children": [boolean_measure("c")]}],
                    },
                    boolean_measure("off", weight=0),
                ],
            },
        }
    )
    shares = card.nominal_shares()
    # o: 3 + 1 + 0 = 4 -> worst 3/4, g 1/4, off 0
    # worst: 1 + 3 + 0 = 4 -> a 3/4 * 1/4 = 3/16, b 3/4 * 3/4 = 9/16, z 0
    # g -> h -> c: 1/4 all the way down
    assert shares == pytest.approx(
        {
            "o": 1,
            "worst": 0.75,
            "a": 3 / 16,
            "b": 9 / 16,
            "z": 0,
            "g": 0.25,
            "h": 0.25,
            "c": 0.25,
            "off": 0,
        }
    )
    measures = sum(shares[m.name] for m in card.measures())
    assert measures == pytest.approx(1)


# --- error paths (the formatter on its own) --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "loc", "path"),
    [
        (
            {"root": {"name": "o", "children": [{"name": "m"}]}},
            ("root", "children", 0, "measure", "weight"),
            "o > m: weight",
        ),
        (
            {"root": {"children": [{}]}},
            ("root", "children", 0, "group", "name"),
            "root > children[0]: name",
        ),
        ({"bands": [{"min": 1}]}, ("bands", 0, "min"), "bands[0].min"),
        ({"a": {"b": [[1, 2]]}}, ("a", "b", 0, 1), "a.b[0][1]"),
        ([{"x": 1}], (0, "x"), "[0].x"),
        (None, (0, "x"), "0.x"),
        ({"a": [1]}, ("a", 5), "a.5"),
        ({"a": 1}, ("b",), "b"),
        ({"root": {"name": "o"}}, ("root",), "o"),
        ({}, (), ""),
    ],
)
def test_tree_path_formatting(raw: object, loc: tuple[int | str, ...], path: str) -> None:
    assert _tree_path(raw, loc) == path


# --- bands -----------------------------------------------------------------------------------


def reference_band(bands: tuple[Band, ...], closure: Closure, score: float) -> int:
    """The band a score falls in, testing each interval with its own closure."""
    if math.isnan(score):
        return -1
    last = len(bands) - 1
    for i, band in enumerate(bands):
        if closure == "lower_inclusive":
            inside = band.min <= score < band.max or (i == last and score == band.max)
        else:
            inside = band.min < score <= band.max or (i == 0 and score == band.min)
        if inside:
            return i
    raise AssertionError(score)


def below(x: float) -> float:
    return float(np.nextafter(x, -np.inf))


def above(x: float) -> float:
    return float(np.nextafter(x, np.inf))


EDGES = [
    0.0,
    above(0),
    below(40),
    40.0,
    above(40),
    55.0,
    below(70),
    70.0,
    above(70),
    below(100),
    100.0,
]


@pytest.mark.parametrize(
    ("closure", "want"),
    [
        # [0, 40) [40, 70) [70, 100]
        ("lower_inclusive", [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]),
        # [0, 40] (40, 70] (70, 100]
        ("upper_inclusive", [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]),
    ],
)
def test_assign_bands_at_every_edge(closure: Closure, want: list[int]) -> None:
    scores = np.array([*EDGES, math.nan])
    index = assign_bands(RYG, closure, scores)
    assert index.dtype == np.int64
    assert index.tolist() == [*want, -1]
    assert want == [reference_band(RYG, closure, s) for s in EDGES]
    labels = band_labels(RYG, index)
    assert labels.dtype == object
    assert labels.tolist() == [RYG[i].label for i in want] + [None]


def test_assign_bands_empty_and_single_band() -> None:
    empty = assign_bands(RYG, "lower_inclusive", np.array([]))
    assert empty.tolist() == []
    assert band_labels(RYG, empty).tolist() == []
    one = (Band(label="all", min=0, max=100),)
    for closure in ("lower_inclusive", "upper_inclusive"):
        index = assign_bands(one, closure, np.array([0.0, 50.0, 100.0, math.nan]))
        assert index.tolist() == [0, 0, 0, -1]
        assert band_labels(one, index).tolist() == ["all", "all", "all", None]
        assert band_top(one, closure, np.array([0])).tolist() == [100.0]


def test_band_top_under_both_closures() -> None:
    index = np.array([0, 1, 2, 1])
    lower = band_top(RYG, "lower_inclusive", index)
    assert lower.tolist() == [below(40), below(70), 100.0, below(70)]
    upper = band_top(RYG, "upper_inclusive", index)
    assert upper.tolist() == [40.0, 70.0, 100.0, 70.0]
    for closure, tops in (("lower_inclusive", lower), ("upper_inclusive", upper)):
        # the top is inside its band, the next float up is in the next band
        assert assign_bands(RYG, closure, tops).tolist() == index.tolist()
        nxt = np.nextafter(tops[:2], np.inf)
        assert assign_bands(RYG, closure, nxt).tolist() == [1, 2]


@st.composite
def band_sets(draw: st.DrawFn) -> tuple[Band, ...]:
    inner = draw(
        st.lists(st.floats(0, 100, exclude_min=True, exclude_max=True), max_size=11, unique=True)
    )
    edges = [0.0, *sorted(inner), 100.0]
    return tuple(
        Band(label=f"b{i}", min=low, max=high)
        for i, (low, high) in enumerate(itertools.pairwise(edges))
    )


@given(
    bands=band_sets(),
    closure=st.sampled_from(["lower_inclusive", "upper_inclusive"]),
    scores=st.lists(st.one_of(st.floats(0, 100), st.just(math.nan)), max_size=30),
    data=st.data(),
)
def test_assign_bands_matches_the_reference(
    bands: tuple[Band, ...], closure: Closure, scores: list[float], data: st.DataObject
) -> None:
    # scores exactly on the edges and a float either side of them too
    edges = [b.max for b in bands[:-1]]
    extra = data.draw(st.lists(st.sampled_from([*edges, 0.0, 100.0]), max_size=10))
    values = [*scores, *extra, *(above(e) for e in edges), *(below(e) for e in edges)]
    index = assign_bands(bands, closure, np.array(values, dtype=np.float64))
    assert index.tolist() == [reference_band(bands, closure, s) for s in values]
    # a valid scorecard takes these bands
    card = Scorecard.model_validate(one_measure_card(bands=[b.model_dump() for b in bands]))
    assert card.bands == bands
    tops = band_top(bands, closure, np.arange(len(bands)))
    assert assign_bands(bands, closure, tops).tolist() == list(range(len(bands)))


def test_band_model() -> None:
    band = Band(label="red", min=0, max=40)
    assert band == Band.model_validate_json('{"label": "red", "min": 0, "max": 40}')
    assert hash(band) == hash(Band(label="red", min=0, max=40))
    with pytest.raises(ConfigError, match="colour: Extra inputs are not permitted"):
        Band.model_validate({"label": "red", "min": 0, "max": 40, "colour": "r"})
    with pytest.raises(ConfigError, match="invalid Band:\n  min: Input should be greater"):
        Band(label="x", min=-1, max=5)
