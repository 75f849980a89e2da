"""Every configuration model: one base, one contract, a published JSON Schema.

A configuration model is a pydantic model reachable from a public ``__all__`` that is not a
domain record (`cshealth.models.Record`). Each one must subclass `cshealth._config.Config`
and keep its contract: frozen, hashable, a stable `config_hash` equal for equal
configurations, a JSON round trip to an equal object, and a `ConfigError` naming the place
of a bad field (never pydantic's ``ValidationError``).

A new configuration class fails `test_every_config_has_examples` until it has its
`EXAMPLES`, `BAD` and `HASHES` entries, and `test_every_snapshot_belongs_to_a_config` /
`test_json_schema_matches_the_snapshot` until its schema is checked in. The schemas are a
public contract (users validate their JSON files against them): when a change is intended,
regenerate the snapshots and review the diff::

    CSHEALTH_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_configs.py
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import importlib
import json
import os
import pickle
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

import cshealth
from cshealth import ConfigError
from cshealth._config import Config
from cshealth.adoption import DropThresholds, Feature, FeatureCatalog
from cshealth.lifecycle import FlagRule, LifecycleRules, RuleCondition, StageRule, Thresholds
from cshealth.models import Record
from cshealth.nps import FollowUpPolicy
from cshealth.scoring import (
    Band,
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
    default_scorecard,
)
from cshealth.support import Schedule, SLAPolicy

SCHEMAS = Path(__file__).parent / "schemas"
UPDATE = os.environ.get("CSHEALTH_UPDATE_SNAPSHOTS") == "1"
REGENERATE = "CSHEALTH_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_configs.py"


# --- discovery ---------------------------------------------------------------------------------


def public_modules() -> Iterator[ModuleType]:
    """`cshealth` and every public module or package directly under it."""
    yield cshealth
    for info in pkgutil.iter_modules(cshealth.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"cshealth.{info.name}")


def public_models() -> dict[str, type[BaseModel]]:
    """Every pydantic model class named in a public ``__all__``, by name."""
    found: dict[str, type[BaseModel]] = {}
    for module in public_modules():
        for name in getattr(module, "__all__", ()):
            member = getattr(module, name)
            if isinstance(member, type) and issubclass(member, BaseModel):
                assert found.setdefault(name, member) is member, f"two public {name} classes"
    return found


def config_classes() -> dict[str, type[BaseModel]]:
    """The public configuration classes: public models other than the domain records."""
    return {name: model for name, model in public_models().items() if not issubclass(model, Record)}


def defined_configs() -> set[type[Config]]:
    """Every concrete (leaf, not private) Config subclass defined in a cshealth module."""
    found: set[type[Config]] = set()
    stack = list(Config.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        module = sys.modules.get(cls.__module__)
        defined = module is not None and getattr(module, cls.__name__, None) is cls
        if defined and not cls.__subclasses__() and not cls.__name__.startswith("_"):
            found.add(cls)
    return found


CONFIGS = config_classes()


# --- examples ----------------------------------------------------------------------------------


def measure(name: str = "m", **fields: object) -> dict[str, object]:
    return {"name": name, "column": name, "transform": {"kind": "boolean"}, **fields}


def card_set(segment: str) -> ScorecardSet:
    return ScorecardSet(
        name="health",
        default=default_scorecard(),
        segments=[
            {
                "name": segment,
                "when": [{"column": "segment", "value": segment}],
                "scorecard": default_scorecard(),
            }
        ],
    )


def bad_scorecard() -> dict[str, object]:
    data = default_scorecard().model_dump()
    data["root"]["children"][0]["weight"] = -1
    return data


#: Two different valid configurations of each class (the first as in the docs).
EXAMPLES: dict[str, tuple[Callable[[], Config], Callable[[], Config]]] = {
    "Band": (
        lambda: Band(label="red", min=0, max=40),
        lambda: Band(label="red", min=0, max=41),
    ),
    "BooleanTransform": (
        lambda: BooleanTransform(true=0, false=100),
        BooleanTransform,
    ),
    "CategoriesTransform": (
        lambda: CategoriesTransform(scores={"good": 100, "average": 60, "poor": 0}),
        lambda: CategoriesTransform(scores={"good": 100, "poor": 0}, unknown="missing"),
    ),
    "Condition": (
        lambda: Condition(column="segment", op="in", value=["enterprise", "strategic"]),
        lambda: Condition(column="mrr", op="ge", value=1000),
    ),
    "Group": (
        lambda: Group(name="usage", children=[measure("logins"), measure("seats", weight=2)]),
        lambda: Group(name="usage", aggregate="min", children=[measure("logins")]),
    ),
    "LinearBoundedTransform": (
        lambda: LinearBoundedTransform(worst=0, best=1),
        lambda: LinearBoundedTransform(worst=1, best=0),
    ),
    "LinearTransform": (
        lambda: LinearTransform(worst=10, best=0),
        lambda: LinearTransform(worst=-100, best=100),
    ),
    "Measure": (
        lambda: Measure(
            name="nps", column="nps", transform={"kind": "linear", "worst": -100, "best": 100}
        ),
        lambda: Measure(
            name="nps",
            column="nps",
            transform={"kind": "linear", "worst": -100, "best": 100},
            max_age_days=90,
            observed_at="nps_at",
        ),
    ),
    "Override": (
        lambda: Override(
            account_id="a1",
            scope="overall",
            value=20,
            reason="exec escalation",
            author="kim",
            expires_on=date(2026, 3, 1),
        ),
        lambda: Override(
            account_id="a1", scope="measure", node="nps", value=20, reason="r", author="kim"
        ),
    ),
    "PercentileTransform": (
        lambda: PercentileTransform(by="segment"),
        lambda: PercentileTransform(higher_is_better=False),
    ),
    "Scorecard": (
        default_scorecard,
        lambda: default_scorecard().model_copy(update={"name": "enterprise"}),
    ),
    "ScorecardSet": (lambda: card_set("enterprise"), lambda: card_set("smb")),
    "Segment": (
        lambda: Segment(
            name="enterprise",
            when=[{"column": "segment", "value": "enterprise"}],
            scorecard=default_scorecard(),
        ),
        lambda: Segment(
            name="enterprise",
            when=[{"column": "segment", "op": "ne", "value": "smb"}],
            scorecard=default_scorecard(),
        ),
    ),
    "ThresholdsTransform": (
        lambda: ThresholdsTransform(cuts=[0, 30], scores=[0, 50, 100]),
        lambda: ThresholdsTransform(cuts=[0, 30], scores=[0, 50, 100], closure="upper_inclusive"),
    ),
    "FollowUpPolicy": (
        lambda: FollowUpPolicy(window_days=60, promoter_action="review"),
        lambda: FollowUpPolicy(window_days=60, promoter_action="review", quiet_days=30),
    ),
    "Schedule": (
        lambda: Schedule.weekdays(
            "09:00", "17:00", timezone="Europe/Berlin", holidays=[date(2025, 12, 25)]
        ),
        lambda: Schedule(timezone="UTC", hours={"sat": [("10:00", "12:30")]}),
    ),
    "SLAPolicy": (
        lambda: SLAPolicy(first_response_hours=8, by_priority={"urgent": 1}),
        lambda: SLAPolicy(first_response_hours=8, by_priority={"urgent": 1}, clock="calendar"),
    ),
    "Feature": (
        lambda: Feature(name="api", plans=("growth", "enterprise")),
        lambda: Feature(name="api", tag="sticky"),
    ),
    "FeatureCatalog": (
        lambda: FeatureCatalog(
            features=[{"name": "reports", "tag": "sticky"}, {"name": "api", "plans": ["big"]}]
        ),
        lambda: FeatureCatalog(features=[{"name": "reports"}]),
    ),
    "DropThresholds": (DropThresholds, lambda: DropThresholds(red=-0.6, yellow=-0.3)),
    "RuleCondition": (
        lambda: RuleCondition(input="days_to_renewal", op="<=", threshold="renewal_window_days"),
        lambda: RuleCondition(input="days_to_renewal", op="<=", value=120),
    ),
    "StageRule": (
        lambda: StageRule(
            name="renewal", all=[{"input": "days_to_renewal", "op": "<=", "value": 90}]
        ),
        lambda: StageRule(
            name="renewal", all=[{"input": "days_to_renewal", "op": "<", "value": 90}]
        ),
    ),
    "FlagRule": (
        lambda: FlagRule(
            name="advocate", all=[{"input": "nps_category", "op": "==", "value": "promoter"}]
        ),
        lambda: FlagRule(
            name="advocate", all=[{"input": "nps_category", "op": "!=", "value": "promoter"}]
        ),
    ),
    "Thresholds": (Thresholds, lambda: Thresholds(renewal_window_days=120)),
    "LifecycleRules": (
        LifecycleRules,
        lambda: LifecycleRules(thresholds=Thresholds(stale_after_days=90)),
    ),
}

#: For each class, data with one bad field deep in it, and the line its error must have.
BAD: dict[str, tuple[dict[str, object] | Callable[[], dict[str, object]], str]] = {
    "Band": ({"label": "red", "min": -1, "max": 40}, "min: Input should be greater than or"),
    "BooleanTransform": ({"true": 101}, "true: Input should be less than or equal to 100"),
    "CategoriesTransform": (
        {"scores": {"good": 100, "poor": -1}},
        "scores.poor: Input should be greater than or equal to 0",
    ),
    "Condition": ({"column": "x", "op": "like"}, "op: Input should be 'eq', 'ne', 'in'"),
    "Group": (
        {"name": "g", "children": [measure("a"), measure("b", transform={"kind": "cubic"})]},
        "b: transform: Input tag 'cubic' found using 'kind' does not match",
    ),
    "LinearBoundedTransform": ({"worst": 0, "best": "high"}, "best: Input should be a valid"),
    "LinearTransform": ({"worst": 0}, "best: Field required"),
    "Measure": (
        measure(transform={"kind": "thresholds", "cuts": [0, 1], "scores": [0, 50, 101]}),
        "transform.scores[2]: Input should be less than or equal to 100",
    ),
    "Override": (
        {"account_id": "a", "scope": "overall", "value": 1, "reason": "", "author": "k"},
        "reason: String should have at least 1 character",
    ),
    "PercentileTransform": ({"higher_is_better": "sometimes"}, "higher_is_better: Input should"),
    "Scorecard": (bad_scorecard, "overall > usage: weight: Input should be greater than or"),
    "ScorecardSet": (
        lambda: {
            "name": "s",
            "default": default_scorecard().model_dump(),
            "segments": [{"name": "e", "when": [{"column": "x", "op": "lt", "value": "big"}]}],
        },
        "segments[0].when[0]: `lt` on 'x' takes a number, got 'big'",
    ),
    "Segment": (
        lambda: {"name": "s", "when": [], "scorecard": default_scorecard().model_dump()},
        "when: Tuple should have at least 1 item",
    ),
    "ThresholdsTransform": ({"cuts": [0, "x"], "scores": [0, 1, 2]}, "cuts[1]: Input should"),
    "FollowUpPolicy": (
        {"quiet_days": 0},
        "quiet_days: `quiet_days` must be a whole number of days from 1 to 36525, got 0",
    ),
    "Schedule": (
        {"timezone": "UTC", "hours": {"mon": [["09:00", "12:00"], ["13:00"]]}},
        "hours.mon[1][1]: Field required",
    ),
    "SLAPolicy": (
        {"by_priority": {"urgent": 0}},
        "by_priority.urgent: Input should be greater than 0",
    ),
    "Feature": ({"name": "api", "plans": []}, "plans: Tuple should have at least 1 item"),
    "FeatureCatalog": (
        {"features": [{"name": "a"}, {"name": "b", "tag": "core"}]},
        "features[1].tag: Input should be 'basic' or 'sticky'",
    ),
    "DropThresholds": ({"red": -0.1}, "thresholds must satisfy -1 <= red < yellow <= 0"),
    "RuleCondition": (
        {"input": "seat_utilization", "op": "<", "value": 1},
        "input: unknown input 'seat_utilization'",
    ),
    "StageRule": (
        {"name": "x", "any": [{"input": "mrr", "op": "in", "value": 5}]},
        "any[0]: `in` and `not_in` take a list of values",
    ),
    "FlagRule": (
        {"name": "x", "all": [{"input": "mrr", "op": ">", "threshold": "bogus"}]},
        "all[0].threshold: unknown threshold 'bogus'",
    ),
    "Thresholds": ({"usage_drop": 0.5}, "usage_drop: Input should be less than or equal to 0"),
    "LifecycleRules": (
        {"stages": [{"name": "x", "all": [{"input": "customer", "op": "==", "value": True}]}]},
        "the last stage rule ('x') must have no conditions",
    ),
}

#: The `config_hash` of the first example of each class: it must never change by accident
#: (results carry it, and users compare it across runs and versions).
HASHES: dict[str, str] = {
    "Band": "787acdb348cddeae",
    "BooleanTransform": "bf53ac278275519b",
    "CategoriesTransform": "2b18efa4eb6205ff",
    "Condition": "b260a945bb1be77c",
    "DropThresholds": "c6ad6acf9df790aa",
    "Feature": "97dafdbf8953389d",
    "FeatureCatalog": "451d20c19373688c",
    "FollowUpPolicy": "83585c8b5e61ee44",  # the field `lookback_days` is now `window_days`
    "Group": "76c08e514bb15dbe",
    "LinearBoundedTransform": "1e3c9691aba5fa41",
    "LinearTransform": "94ab240478933748",
    "Measure": "fb5e02f8145e32f5",
    "Override": "a0207aedfb8fe087",
    "PercentileTransform": "7ab3327b1eb2a446",
    "SLAPolicy": "41cc2ade66fda027",
    "Schedule": "df5570f702508ec5",
    "Scorecard": "b155d4187deb2900",
    "ScorecardSet": "afc3e1518450d9a4",
    "Segment": "a59cf5bbfac40443",
    "ThresholdsTransform": "c910f5f91b7a4847",
    "RuleCondition": "ec8cc8db4a70cdb1",
    "StageRule": "a471354ac3536e93",
    "FlagRule": "e466cf0dc5bf766e",
    "Thresholds": "7ea4ae4f3982b392",  # the field `min_dwell_days` is new
    "LifecycleRules": "f33ae3c8854193d6",  # its thresholds have `min_dwell_days`
}


def example(name: str) -> Config:
    return EXAMPLES[name][0]()


def bad_data(name: str) -> dict[str, object]:
    data = BAD[name][0]
    return data() if callable(data) else data


# --- discovery and coverage --------------------------------------------------------------------


def test_the_known_configurations_are_found() -> None:
    for model in (Scorecard, ScorecardSet, Schedule, SLAPolicy, FollowUpPolicy, FeatureCatalog):
        assert CONFIGS[model.__name__] is model
    assert "Account" not in CONFIGS  # a domain record, not a configuration


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_config_is_a_config(name: str) -> None:
    assert issubclass(CONFIGS[name], Config), f"{name} does not subclass cshealth._config.Config"


def test_every_config_class_is_public() -> None:
    defined = defined_configs()
    hidden = {cls.__name__ for cls in defined} - set(CONFIGS)
    assert not hidden, f"configuration classes in no public __all__: {sorted(hidden)}"
    assert defined == set(CONFIGS.values())


def test_every_config_has_examples() -> None:
    assert set(EXAMPLES) == set(CONFIGS)
    assert set(BAD) == set(CONFIGS)
    assert set(HASHES) == set(CONFIGS)


def test_the_cli_prints_every_config_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from cshealth.cli import main

    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    for name, model in CONFIGS.items():
        assert printed[name] == json.loads(json.dumps(model.model_json_schema()))


# --- the contract ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_are_distinct_configs_of_their_class(name: str) -> None:
    one, two = (make() for make in EXAMPLES[name])
    assert type(one) is type(two) is CONFIGS[name]
    assert one != two
    assert one.config_hash != two.config_hash
    assert len({one, two}) == 2


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_frozen(name: str) -> None:
    config = example(name)
    for field in type(config).model_fields:
        before = getattr(config, field)
        with pytest.raises(ConfigError, match=f"cannot set `{field}`: a configuration is frozen"):
            setattr(config, field, None)
        with pytest.raises(ConfigError, match="frozen"):
            delattr(config, field)
        assert getattr(config, field) == before
    with pytest.raises(ConfigError, match="frozen"):
        config.new_attribute = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_json_round_trip_gives_an_equal_config(name: str) -> None:
    config = example(name)
    model = type(config)
    text = config.model_dump_json()
    assert model.model_validate_json(text) == config
    assert model.model_validate(json.loads(text)) == config
    assert model(**config.model_dump()) == config
    assert model.model_validate_json(model.model_validate_json(text).model_dump_json()) == config


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_pickles_and_copies_are_equal(name: str) -> None:
    config = example(name)
    for twin in (pickle.loads(pickle.dumps(config)), copy.deepcopy(config), copy.copy(config)):
        assert twin == config
        assert hash(twin) == hash(config)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_equal_configs_hash_equal(name: str) -> None:
    config = example(name)
    twin = type(config).model_validate_json(config.model_dump_json())
    assert twin is not config
    assert twin == config == example(name)
    assert hash(twin) == hash(config)
    assert twin.config_hash == config.config_hash
    assert {config: name}[twin] == name


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_config_hash_is_the_documented_sha256(name: str) -> None:
    config = example(name)
    text = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert config.config_hash == hashlib.sha256(text.encode()).hexdigest()[:16]
    assert re.fullmatch("[0-9a-f]{16}", config.config_hash)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_config_hash_is_stable(name: str) -> None:
    assert example(name).config_hash == HASHES[name]


def ways_in(model: type[BaseModel], data: dict[str, object]) -> Iterator[Callable[[], object]]:
    """Validate the data from Python, from JSON text and through the constructor."""
    yield lambda: model.model_validate(data)
    yield lambda: model.model_validate_json(json.dumps(data, default=str))
    yield lambda: model(**data)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_field_is_a_config_error_naming_its_place(name: str) -> None:
    model = CONFIGS[name]
    line = BAD[name][1]
    for load in ways_in(model, bad_data(name)):
        with pytest.raises(ConfigError) as info:
            load()
        message = str(info.value)
        assert message.startswith(f"invalid {name}:\n  ")
        assert f"\n  {line}" in message, message
        assert "pydantic" not in message
        assert "[type=" not in message


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_unknown_field_is_a_config_error_naming_it(name: str) -> None:
    config = example(name)
    data = {**json.loads(config.model_dump_json()), "colour": "amber"}
    for load in ways_in(type(config), data):
        with pytest.raises(ConfigError) as info:
            load()
        assert str(info.value) == f"invalid {name}:\n  colour: Extra inputs are not permitted"


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_not_a_mapping_is_a_config_error(name: str) -> None:
    with pytest.raises(ConfigError, match=f"^invalid {name}:\n  Input should be"):
        CONFIGS[name].model_validate([1, 2])
    with pytest.raises(ConfigError, match=f"^invalid {name}:\n  Invalid JSON"):
        CONFIGS[name].model_validate_json("{not json")


def test_a_config_error_is_a_cshealth_error_and_a_value_error() -> None:
    with pytest.raises(cshealth.CSHealthError):
        SLAPolicy(first_response_hours=-1)
    with pytest.raises(ValueError, match="invalid SLAPolicy"):
        SLAPolicy.model_validate({"clock": "wall"})


# --- JSON Schema snapshots ---------------------------------------------------------------------


def schema_text(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_json_schema_matches_the_snapshot(name: str) -> None:
    path = SCHEMAS / f"{name}.json"
    current = schema_text(CONFIGS[name])
    if UPDATE:
        SCHEMAS.mkdir(exist_ok=True)
        path.write_text(current, encoding="utf-8")
    if not path.is_file():
        pytest.fail(f"no schema snapshot for {name}; create it with {REGENERATE}")
    snapshot = path.read_text(encoding="utf-8")
    if current != snapshot:
        diff = difflib.unified_diff(
            snapshot.splitlines(keepends=True),
            current.splitlines(keepends=True),
            fromfile=f"tests/schemas/{name}.json (snapshot)",
            tofile=f"{name}.model_json_schema() (now)",
        )
        pytest.fail(
            f"the JSON Schema of {name} changed. If the change is intended, regenerate the "
            f"snapshots with {REGENERATE} and review the diff of tests/schemas/:\n" + "".join(diff),
            pytrace=False,
        )


def test_every_snapshot_belongs_to_a_config() -> None:
    assert sorted(path.stem for path in SCHEMAS.glob("*.json")) == sorted(CONFIGS)


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of the model itself (a recursive model's is a ``$ref`` into ``$defs``)."""
    schema = model.model_json_schema()
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = schema["$defs"][ref.removeprefix("#/$defs/")]
    return found


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_schema_forbids_unknown_fields_and_names_the_model(name: str) -> None:
    schema = model_schema(CONFIGS[name])
    assert schema["title"] == name
    assert schema["additionalProperties"] is False
    for definition in CONFIGS[name].model_json_schema().get("$defs", {}).values():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition["additionalProperties"] is False, definition["title"]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_schema_describes_the_model_and_every_field(name: str) -> None:
    schema = model_schema(CONFIGS[name])
    description = schema["description"]
    assert description.strip()
    assert not re.search(r"^(Attributes|Raises|Examples):", description, re.MULTILINE)
    assert ">>>" not in description
    for field, spec in schema["properties"].items():
        assert spec.get("description"), f"{name}.{field} has no description"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_schema_lists_exactly_the_fields_of_a_dump(name: str) -> None:
    config = example(name)
    schema = model_schema(type(config))
    dump = json.loads(config.model_dump_json())
    assert set(schema["properties"]) == set(dump)
    assert set(schema.get("required", ())) <= set(dump)
