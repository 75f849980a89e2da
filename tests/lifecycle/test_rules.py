"""`LifecycleRules`: the default rules as documented, and a `ConfigError` for every bad rule.

The defaults are checked field by field against the issue's list (thresholds, stage order,
the flags and their conditions); each malformed rule set is refused with a `ConfigError`
naming the place in the tree; a rule set survives a JSON round trip with its hash.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import ConfigError
from cshealth.lifecycle import (
    DEFAULT_RULES,
    INPUTS,
    FlagRule,
    LifecycleRules,
    RuleCondition,
    StageRule,
    Thresholds,
)


def rules_with(**parts: Any) -> dict[str, Any]:
    """The default rules as Python data, with some parts replaced."""
    return {**DEFAULT_RULES.model_dump(mode="json"), **parts}


def catch_all(name: str = "engagement") -> dict[str, Any]:
    return {"name": name}


def cond(input: str, op: str, **rest: Any) -> dict[str, Any]:
    return {"input": input, "op": op, **rest}


# --- the defaults ----------------------------------------------------------------------------


def test_the_default_thresholds_are_the_documented_numbers() -> None:
    assert Thresholds().model_dump() == {
        "renewal_window_days": 90,
        "onboarding_days": 90,
        "adoption_days": 90,
        "adoption_seat_utilisation": 0.5,
        "expansion_seat_utilisation": 0.9,
        "expansion_window_days": 90,
        "usage_drop": -0.5,
        "stuck_after_days": 30,
        "due_soon_days": 7,
        "single_threaded_contacts": 1,
        "stale_after_days": 180,
        "min_dwell_days": 0,
    }
    assert LifecycleRules() == DEFAULT_RULES
    assert DEFAULT_RULES.thresholds == Thresholds()


def test_the_default_stages_are_in_the_documented_order_with_a_catch_all_last() -> None:
    names = [rule.name for rule in DEFAULT_RULES.stages]
    assert names == [
        "churned",
        "renewal",
        "onboarding",
        "adoption",
        "expansion",
        "advocacy",
        "engagement",
    ]
    assert DEFAULT_RULES.stages[-1].conditions() == ()
    assert all(rule.conditions() for rule in DEFAULT_RULES.stages[:-1])


def _shown(rule: StageRule | FlagRule) -> tuple[list[str], list[str]]:
    def one(c: RuleCondition) -> str:
        operand = c.threshold if c.threshold is not None else repr(c.value)
        return f"{c.input} {c.op} {operand}"

    return [one(c) for c in rule.all], [one(c) for c in rule.any]


def test_the_default_stage_conditions_are_the_documented_ones() -> None:
    stages = {rule.name: _shown(rule) for rule in DEFAULT_RULES.stages}
    assert stages == {
        "churned": (["customer == False"], []),
        "renewal": (["days_to_renewal >= 0", "days_to_renewal <= renewal_window_days"], []),
        "onboarding": (["onboarding_complete == False"], []),
        "adoption": (
            [],
            [
                "days_since_onboarded < adoption_days",
                "seat_utilisation < adoption_seat_utilisation",
            ],
        ),
        "expansion": (
            [],
            ["seat_utilisation >= expansion_seat_utilisation", "expansion_mrr > 0"],
        ),
        "advocacy": (["nps_category == 'promoter'", "health_top_band == True"], []),
        "engagement": ([], []),
    }


def test_the_default_flags_are_for_customers_only_with_the_documented_conditions() -> None:
    flags = {rule.name: _shown(rule) for rule in DEFAULT_RULES.flags}
    customer = "customer == True"
    assert flags == {
        "at_risk": (
            [customer],
            [
                "health_bottom_band == True",
                "nps_category == 'detractor'",
                "usage_change <= usage_drop",
                "onboarding_status == 'stuck'",
            ],
        ),
        "stuck_onboarding": ([customer, "onboarding_status == 'stuck'"], []),
        "expansion_ready": ([customer, "seat_utilisation >= expansion_seat_utilisation"], []),
        "advocate": ([customer, "nps_category == 'promoter'"], []),
        "single_threaded": (
            [customer],
            ["active_contacts <= single_threaded_contacts", "champion_left == True"],
        ),
        "stage_stale": ([customer, "days_in_stage > stale_after_days"], []),
    }


def test_every_condition_defaults_to_false_where_its_input_is_unknown() -> None:
    for rule in (*DEFAULT_RULES.stages, *DEFAULT_RULES.flags):
        assert {c.if_missing for c in rule.conditions()} <= {"false"}, rule.name


def test_every_default_input_and_threshold_is_documented() -> None:
    used = {c.input for r in (*DEFAULT_RULES.stages, *DEFAULT_RULES.flags) for c in r.conditions()}
    assert used <= set(INPUTS)
    thresholds = {
        c.threshold
        for r in (*DEFAULT_RULES.stages, *DEFAULT_RULES.flags)
        for c in r.conditions()
        if c.threshold is not None
    }
    assert thresholds <= set(Thresholds.model_fields)
    assert all(text for text in INPUTS.values())


# --- the configuration contract ------------------------------------------------------------------


def test_a_rule_set_survives_json_with_its_hash() -> None:
    custom = LifecycleRules.model_validate(
        rules_with(
            stages=[
                {
                    "name": "enterprise",
                    "all": [cond("account.segment", "in", value=["ent", "strategic"])],
                },
                *DEFAULT_RULES.model_dump(mode="json")["stages"],
            ]
        )
    )
    text = custom.model_dump_json()
    back = LifecycleRules.model_validate_json(text)
    assert back == custom
    assert back.config_hash == custom.config_hash
    assert back.stages[0].all[0].value == ("ent", "strategic")
    assert json.loads(text)["stages"][0]["all"][0]["value"] == ["ent", "strategic"]
    assert custom.config_hash != DEFAULT_RULES.config_hash


def test_a_threshold_changes_the_hash_and_nothing_else() -> None:
    wider = DEFAULT_RULES.model_copy(update={"thresholds": Thresholds(renewal_window_days=120)})
    assert wider.config_hash != DEFAULT_RULES.config_hash
    assert wider.stages == DEFAULT_RULES.stages
    assert LifecycleRules(thresholds=Thresholds()).config_hash == DEFAULT_RULES.config_hash


def test_rules_are_frozen() -> None:
    with pytest.raises(ConfigError, match="frozen"):
        DEFAULT_RULES.thresholds = Thresholds()  # type: ignore[misc]
    with pytest.raises(ConfigError, match="frozen"):
        DEFAULT_RULES.thresholds.renewal_window_days = 1  # type: ignore[misc]


def test_reprs_are_short_and_say_what_the_rules_are() -> None:
    assert repr(DEFAULT_RULES) == (
        "LifecycleRules(stages=[churned, renewal, onboarding, adoption, expansion, "
        "advocacy, engagement], flags=[at_risk, stuck_onboarding, expansion_ready, "
        "advocate, single_threaded, stage_stale])"
    )
    assert repr(RuleCondition(input="usage_change", op="<=", threshold="usage_drop")) == (
        "RuleCondition(usage_change <= usage_drop)"
    )
    assert repr(RuleCondition(input="account.segment", op="in", value=("smb",))) == (
        "RuleCondition(account.segment in ('smb',))"
    )


def test_the_schema_is_published() -> None:
    schema = LifecycleRules.model_json_schema()
    assert {"stages", "flags", "thresholds"} <= set(schema["properties"])


@given(
    st.lists(st.sampled_from([r.name for r in DEFAULT_RULES.stages[:-1]]), unique=True),
    st.lists(st.sampled_from([r.name for r in DEFAULT_RULES.flags]), unique=True),
)
def test_any_reordering_and_subset_of_the_defaults_is_valid(
    stages: list[str], flags: list[str]
) -> None:
    by_name = {r.name: r for r in (*DEFAULT_RULES.stages, *DEFAULT_RULES.flags)}
    rules = LifecycleRules(
        stages=(*(by_name[n] for n in stages), DEFAULT_RULES.stages[-1]),
        flags=tuple(by_name[n] for n in flags),
    )
    assert [r.name for r in rules.stages] == [*stages, "engagement"]
    assert LifecycleRules.model_validate_json(rules.model_dump_json()) == rules


# --- bad rules: a ConfigError naming the place ------------------------------------------------

_FIRST = r"stages\[0\]\.all\[0\]"

BAD: list[tuple[str, dict[str, Any], str]] = [
    (
        "an unknown input",
        rules_with(
            stages=[{"name": "x", "all": [cond("heath_score", "<", value=40)]}, catch_all()]
        ),
        rf"{_FIRST}\.input: unknown input 'heath_score': use one of customer, ",
    ),
    (
        "an account field without a name",
        rules_with(stages=[{"name": "x", "all": [cond("account.", "==", value="a")]}, catch_all()]),
        rf"{_FIRST}\.input: unknown input 'account\.'",
    ),
    (
        "an unknown threshold",
        rules_with(
            stages=[
                {"name": "x", "all": [cond("health_score", "<", threshold="risk_score")]},
                catch_all(),
            ]
        ),
        rf"{_FIRST}\.threshold: unknown threshold 'risk_score': use one of renewal_window_days",
    ),
    (
        "neither value nor threshold",
        rules_with(stages=[{"name": "x", "all": [cond("health_score", "<")]}, catch_all()]),
        rf"{_FIRST}: give exactly one of `value` and `threshold`",
    ),
    (
        "both value and threshold",
        rules_with(
            stages=[
                {
                    "name": "x",
                    "all": [cond("health_score", "<", value=3, threshold="adoption_days")],
                },
                catch_all(),
            ]
        ),
        rf"{_FIRST}: give exactly one of `value` and `threshold`",
    ),
    (
        "`in` with a scalar",
        rules_with(
            stages=[{"name": "x", "all": [cond("account.segment", "in", value="smb")]}, catch_all()]
        ),
        rf"{_FIRST}: `in` and `not_in` take a list of values, and only they do \(op 'in'\)",
    ),
    (
        "`not_in` with a threshold",
        rules_with(
            stages=[
                {"name": "x", "all": [cond("account.seats", "not_in", threshold="adoption_days")]},
                catch_all(),
            ]
        ),
        rf"{_FIRST}: `in` and `not_in` take a list of values, and only they do \(op 'not_in'\)",
    ),
    (
        "`<` with a list",
        rules_with(
            stages=[{"name": "x", "all": [cond("health_score", "<", value=["a"])]}, catch_all()]
        ),
        rf"{_FIRST}: `in` and `not_in` take a list of values, and only they do \(op '<'\)",
    ),
    (
        "an unknown operator",
        rules_with(
            stages=[{"name": "x", "all": [cond("health_score", "=<", value=1)]}, catch_all()]
        ),
        rf"{_FIRST}\.op: ",
    ),
    (
        "an unknown if_missing",
        rules_with(
            stages=[
                {"name": "x", "all": [cond("health_score", "<", value=1, if_missing="skip")]},
                catch_all(),
            ]
        ),
        rf"{_FIRST}\.if_missing: ",
    ),
    (
        "a last stage rule with conditions",
        rules_with(stages=[{"name": "x", "all": [cond("health_score", "<", value=1)]}]),
        r"the last stage rule \('x'\) must have no conditions, so that every account gets a stage",
    ),
    ("no stage rules", rules_with(stages=[]), "give at least one stage rule"),
    (
        "two stage rules of one name",
        rules_with(
            stages=[
                {"name": "x", "all": [cond("health_score", "<", value=1)]},
                {"name": "x", "any": [cond("health_score", ">", value=1)]},
                catch_all(),
            ]
        ),
        r"stage rules named twice: \['x'\]",
    ),
    (
        "two flag rules of one name",
        rules_with(flags=[{"name": "f"}, {"name": "f"}]),
        r"flag rules named twice: \['f'\]",
    ),
    (
        "days_in_stage in a stage rule",
        rules_with(
            stages=[{"name": "x", "all": [cond("days_in_stage", ">", value=9)]}, catch_all()]
        ),
        r"stage rule 'x' uses `days_in_stage`, which depends on the stage; use it in flag rules",
    ),
    (
        "a rule without a name",
        rules_with(stages=[{"name": ""}]),
        r"stages\[0\]\.name: String should have at least 1 character",
    ),
    (
        "a usage drop above 0",
        rules_with(thresholds={"usage_drop": 0.5}),
        r"thresholds\.usage_drop: Input should be less than or equal to 0",
    ),
    (
        "a usage drop below -100%",
        rules_with(thresholds={"usage_drop": -1.5}),
        r"thresholds\.usage_drop: Input should be greater than or equal to -1",
    ),
    (
        "a negative renewal window",
        rules_with(thresholds={"renewal_window_days": -1}),
        r"thresholds\.renewal_window_days: Input should be greater than or equal to 0",
    ),
    (
        "an empty expansion window",
        rules_with(thresholds={"expansion_window_days": 0}),
        r"thresholds\.expansion_window_days: Input should be greater than or equal to 1",
    ),
    (
        "a NaN seat threshold",
        rules_with(thresholds={"expansion_seat_utilisation": float("nan")}),
        r"thresholds\.expansion_seat_utilisation: ",
    ),
    (
        "a text threshold",
        rules_with(thresholds={"stale_after_days": "soon"}),
        r"thresholds\.stale_after_days: ",
    ),
    (
        "an unknown threshold field",
        rules_with(thresholds={"renewal_days": 60}),
        r"thresholds\.renewal_days: Extra inputs are not permitted",
    ),
    (
        "an unknown rule field",
        rules_with(flags=[{"name": "f", "when": []}]),
        r"flags\[0\]\.when: Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("data", "match"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_rule_set_is_a_config_error_naming_the_place(
    data: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigError, match=match) as caught:
        LifecycleRules.model_validate(data)
    assert str(caught.value).startswith("invalid LifecycleRules:")
    with pytest.raises(ConfigError, match=match):
        LifecycleRules.model_validate_json(json.dumps(data))


def test_a_bad_condition_built_alone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="input: unknown input 'bogus'"):
        RuleCondition(input="bogus", op="<", value=1)
    with pytest.raises(ConfigError, match="`in` and `not_in` take a list of values"):
        RuleCondition(input="account.segment", op="in", value="smb")
    with pytest.raises(ConfigError, match="name: String should have at least 1 character"):
        FlagRule(name="")
