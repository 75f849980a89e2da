"""`LifecycleRules`: the stages an account can be in, the flags it can carry, and why.

A rule is a list of conditions on named inputs (`INPUTS`: how long the account has been a
customer, its renewal date, its onboarding milestones, health, the latest relationship NPS
answer, usage measures, contacts, revenue changes) and on the account's own fields
(``account.segment``). A stage rule fires when all of its ``all`` conditions hold and, if
it has ``any`` conditions, at least one of them; the stage rules are tried in order and the
first that fires wins, so the last one must have no conditions (everyone else). Flag rules
are an overlay: each is tried on every account, so an account has one stage and any number
of flags.

A condition compares an input with a value, or with one of the named `Thresholds`
(``{"input": "days_to_renewal", "op": "<=", "threshold": "renewal_window_days"}``), so
changing a threshold changes every rule that uses it. Where an input is unknown for an
account (its source was not given, or holds nothing for that account), the condition takes
its ``if_missing`` value and the account's reasons say so; ``if_missing="error"`` makes the
input required instead.

The default rules (`DEFAULT_RULES`) follow the spec (§7) and the issue that introduced
them: churned, renewal, onboarding, adoption, expansion, advocacy, engagement; and the
flags at_risk, stuck_onboarding, expansion_ready, advocate, single_threaded, stage_stale,
each only for customers (a churned account carries no flag). ``Thresholds.min_dwell_days``
(0: off) keeps stages from flapping when `classify` is given previous assignments.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cshealth._config import Config

__all__ = [
    "DEFAULT_RULES",
    "INPUTS",
    "FlagRule",
    "LifecycleRules",
    "Operator",
    "RuleCondition",
    "StageRule",
    "Thresholds",
    "Value",
]

#: How a condition compares an input with its value.
Operator: TypeAlias = Literal["<", "<=", ">", ">=", "==", "!=", "in", "not_in"]

#: The named inputs a condition may refer to, with what each is and where it comes from.
#: ``account.<field>`` (any column of the accounts) and ``usage.<column>`` (any measure of
#: the usage table) are inputs too.
INPUTS: dict[str, str] = {
    "customer": "whether the account is a customer on as_of (accounts' dates; revenue "
    "changes: MRR in force above 0)",
    "days_since_start": "days from start_date to as_of (accounts)",
    "days_to_renewal": "days from as_of to renewal_date (accounts; unknown without one)",
    "mrr": "MRR in force before as_of (revenue changes), else the accounts' `mrr`",
    "expansion_mrr": "MRR added by expansions of existing customers in the last "
    "expansion_window_days (revenue changes)",
    "onboarding_complete": "every required milestone done before as_of (milestones; an "
    "account without milestones: onboarding_days since start)",
    "days_since_onboarded": "days from onboarding completion to as_of (milestones; only "
    "optional milestones: days_since_start; an account without milestones: days_since_start "
    "- onboarding_days)",
    "onboarding_status": "complete, on_track, due_soon, behind or stuck (milestones)",
    "first_value_reached": "a milestone that marks first value done before as_of",
    "health_score": "the health score, 0..100 (health)",
    "health_band": "the health band label (health)",
    "health_top_band": "whether the band is the scorecard's highest (health)",
    "health_bottom_band": "whether the band is the scorecard's lowest (health)",
    "nps_score": "the latest relationship NPS answer before as_of, 0..10 (nps)",
    "nps_category": "promoter, passive or detractor, of that answer (nps)",
    "seat_utilisation": "active users over licensed seats (usage)",
    "usage_change": "usage against its trailing baseline, a fraction: -0.5 is -50% (usage)",
    "active_contacts": "contacts started before as_of and not left (contacts)",
    "champion_left": "a champion has left and no champion is active (contacts)",
    "days_in_stage": "days since the account entered its stage (previous assignments; flags only)",
}

_PREFIXES = ("account.", "usage.")


class Thresholds(Config):
    """The named numbers the rules compare inputs with (all in days unless said otherwise).

    Attributes:
        renewal_window_days: A renewal this many days out or fewer is in the renewal stage.
        onboarding_days: Without milestones, onboarding is complete this many days after
            the start.
        adoption_days: Onboarded fewer days ago than this is still adoption.
        adoption_seat_utilisation: Seat utilisation under this is still adoption.
        expansion_seat_utilisation: Seat utilisation at or above this is expansion.
        expansion_window_days: Expansion MRR counts over this many days before as_of.
        usage_drop: A usage change at or below this (a fraction) is a risk.
        stuck_after_days: A required milestone more than this many days late is stuck.
        due_soon_days: A required milestone due within this many days is due soon.
        single_threaded_contacts: At most this many active contacts is single-threaded.
        stale_after_days: In one stage longer than this is stale.
        min_dwell_days: Given previous assignments, an account whose rules give another
            stage stays in its stage while it has been in it fewer than this many days
            (0, the default: never held); moves into and out of ``churned`` are never held.
    """

    renewal_window_days: int = Field(default=90, ge=0)
    onboarding_days: int = Field(default=90, ge=0)
    adoption_days: int = Field(default=90, ge=0)
    adoption_seat_utilisation: float = Field(default=0.5, ge=0, allow_inf_nan=False)
    expansion_seat_utilisation: float = Field(default=0.9, ge=0, allow_inf_nan=False)
    expansion_window_days: int = Field(default=90, ge=1)
    usage_drop: float = Field(default=-0.5, ge=-1, le=0, allow_inf_nan=False)
    stuck_after_days: int = Field(default=30, ge=0)
    due_soon_days: int = Field(default=7, ge=0)
    single_threaded_contacts: int = Field(default=1, ge=0)
    stale_after_days: int = Field(default=180, ge=1)
    min_dwell_days: int = Field(default=0, ge=0)


#: A value a condition compares with.
Value: TypeAlias = bool | int | float | str | tuple[str, ...]


class RuleCondition(Config):
    """One comparison of an input with a value or a named threshold.

    Attributes:
        input: A name of `INPUTS`, ``account.<field>`` or ``usage.<column>``.
        op: ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, ``in`` or ``not_in``.
        value: What the input is compared with (``in``/``not_in``: a list of texts).
        threshold: Instead of ``value``, the name of a `Thresholds` field.
        if_missing: Where the input is unknown for an account: ``'false'`` (the
            condition does not hold), ``'true'`` (it holds), or ``'error'`` (refuse).

    Examples:
        >>> RuleCondition(input="days_to_renewal", op="<=", threshold="renewal_window_days")
        RuleCondition(days_to_renewal <= renewal_window_days)
        >>> RuleCondition(input="nps_category", op="==", value="promoter").if_missing
        'false'
    """

    input: str
    op: Operator
    value: Value | None = None
    threshold: str | None = None
    if_missing: Literal["false", "true", "error"] = "false"

    @field_validator("input")
    @classmethod
    def _known_input(cls, name: str) -> str:
        if name in INPUTS or (name.startswith(_PREFIXES) and name.split(".", 1)[1]):
            return name
        raise PydanticCustomError(
            "unknown_input",
            "unknown input '{name}': use one of {known}, or 'account.<field>' or 'usage.<column>'",
            {"name": name, "known": ", ".join(INPUTS)},
        )

    @field_validator("threshold")
    @classmethod
    def _known_threshold(cls, name: str | None) -> str | None:
        if name is None or name in Thresholds.model_fields:
            return name
        raise PydanticCustomError(
            "unknown_threshold",
            "unknown threshold '{name}': use one of {known}",
            {"name": name, "known": ", ".join(Thresholds.model_fields)},
        )

    @model_validator(mode="after")
    def _one_operand(self) -> RuleCondition:
        if (self.value is None) == (self.threshold is None):
            raise PydanticCustomError(
                "one_operand", "give exactly one of `value` and `threshold`", {}
            )
        listed = isinstance(self.value, tuple)
        if (self.op in ("in", "not_in")) != listed:
            raise PydanticCustomError(
                "operand_kind",
                "`in` and `not_in` take a list of values, and only they do (op '{op}')",
                {"op": self.op},
            )
        return self

    def __repr__(self) -> str:
        operand = self.threshold if self.threshold is not None else repr(self.value)
        return f"RuleCondition({self.input} {self.op} {operand})"


class _Rule(Config):
    name: str = Field(min_length=1)
    all: tuple[RuleCondition, ...] = ()
    any: tuple[RuleCondition, ...] = ()
    description: str = ""

    def conditions(self) -> tuple[RuleCondition, ...]:
        """Every condition of the rule, ``all`` first."""
        return (*self.all, *self.any)


class StageRule(_Rule):
    """A stage and when an account is in it (the first stage rule that fires wins).

    Attributes:
        name: The stage (``renewal``).
        all: Conditions that must all hold.
        any: Conditions of which one must hold (none: no such requirement).
        description: What the stage means, for people.
    """


class FlagRule(_Rule):
    """A flag and when an account carries it (every flag rule is tried on every account).

    Attributes:
        name: The flag (``at_risk``).
        all: Conditions that must all hold.
        any: Conditions of which one must hold (none: no such requirement).
        description: What the flag means, for people.
    """


def _c(
    name: str, op: Operator, value: Value | None = None, *, t: str | None = None
) -> RuleCondition:
    return RuleCondition(input=name, op=op, value=value, threshold=t)


_DEFAULT_STAGES = (
    StageRule(
        name="churned",
        all=(_c("customer", "==", value=False),),
        description="no longer a customer on as_of",
    ),
    StageRule(
        name="renewal",
        all=(_c("days_to_renewal", ">=", 0), _c("days_to_renewal", "<=", t="renewal_window_days")),
        description="the renewal date is at most renewal_window_days away",
    ),
    StageRule(
        name="onboarding",
        all=(_c("onboarding_complete", "==", value=False),),
        description="a required milestone is not done (without milestones: fewer than "
        "onboarding_days since the start)",
    ),
    StageRule(
        name="adoption",
        any=(
            _c("days_since_onboarded", "<", t="adoption_days"),
            _c("seat_utilisation", "<", t="adoption_seat_utilisation"),
        ),
        description="onboarded fewer than adoption_days ago, or seats still under-used",
    ),
    StageRule(
        name="expansion",
        any=(
            _c("seat_utilisation", ">=", t="expansion_seat_utilisation"),
            _c("expansion_mrr", ">", 0),
        ),
        description="seats nearly all used, or MRR expanded in the last expansion_window_days",
    ),
    StageRule(
        name="advocacy",
        all=(_c("nps_category", "==", "promoter"), _c("health_top_band", "==", value=True)),
        description="the latest relationship NPS answer is a promoter and health is top band",
    ),
    StageRule(name="engagement", description="every other customer"),
)

#: Flags are for customers: the default flag rules all hold this condition first.
_CUSTOMER = _c("customer", "==", value=True)

_DEFAULT_FLAGS = (
    FlagRule(
        name="at_risk",
        all=(_CUSTOMER,),
        any=(
            _c("health_bottom_band", "==", value=True),
            _c("nps_category", "==", "detractor"),
            _c("usage_change", "<=", t="usage_drop"),
            _c("onboarding_status", "==", "stuck"),
        ),
        description="health in the bottom band, a detractor, usage down, or onboarding stuck",
    ),
    FlagRule(
        name="stuck_onboarding",
        all=(_CUSTOMER, _c("onboarding_status", "==", "stuck")),
        description="a required milestone more than stuck_after_days late",
    ),
    FlagRule(
        name="expansion_ready",
        all=(_CUSTOMER, _c("seat_utilisation", ">=", t="expansion_seat_utilisation")),
        description="seats nearly all used",
    ),
    FlagRule(
        name="advocate",
        all=(_CUSTOMER, _c("nps_category", "==", "promoter")),
        description="the latest relationship NPS answer is a promoter",
    ),
    FlagRule(
        name="single_threaded",
        all=(_CUSTOMER,),
        any=(
            _c("active_contacts", "<=", t="single_threaded_contacts"),
            _c("champion_left", "==", value=True),
        ),
        description="at most single_threaded_contacts active contacts, or the champion left",
    ),
    FlagRule(
        name="stage_stale",
        all=(_CUSTOMER, _c("days_in_stage", ">", t="stale_after_days")),
        description="in one stage longer than stale_after_days",
    ),
)


class LifecycleRules(Config):
    """Stage rules (in order, first match wins), flag rules, and the thresholds they use.

    Attributes:
        stages: The stage rules; the last has no conditions (every other account).
        flags: The flag rules.
        thresholds: The named numbers conditions may refer to.

    Raises:
        ConfigError: On an unknown input or threshold, a condition with both or neither
            of ``value`` and ``threshold``, two rules of one name, no stage rule, a last
            stage rule with conditions, or ``days_in_stage`` in a stage rule.

    Examples:
        >>> rules = LifecycleRules()
        >>> [rule.name for rule in rules.stages]
        ['churned', 'renewal', 'onboarding', 'adoption', 'expansion', 'advocacy', 'engagement']
        >>> custom = rules.model_copy(update={"thresholds": Thresholds(renewal_window_days=120)})
        >>> custom.thresholds.renewal_window_days, custom.config_hash != rules.config_hash
        (120, True)
    """

    stages: tuple[StageRule, ...] = _DEFAULT_STAGES
    flags: tuple[FlagRule, ...] = _DEFAULT_FLAGS
    thresholds: Thresholds = Thresholds()

    @model_validator(mode="after")
    def _well_formed(self) -> LifecycleRules:
        if not self.stages:
            raise PydanticCustomError("no_stages", "give at least one stage rule", {})
        last = self.stages[-1]
        if last.conditions():
            raise PydanticCustomError(
                "no_catch_all",
                "the last stage rule ('{name}') must have no conditions, so that every "
                "account gets a stage",
                {"name": last.name},
            )
        for kind, rules in (("stage", self.stages), ("flag", self.flags)):
            names = [rule.name for rule in rules]
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                raise PydanticCustomError(
                    "repeated_rule",
                    "{kind} rules named twice: {names}",
                    {"kind": kind, "names": twice},
                )
        for rule in self.stages:
            if any(c.input == "days_in_stage" for c in rule.conditions()):
                raise PydanticCustomError(
                    "stage_needs_stage",
                    "stage rule '{name}' uses `days_in_stage`, which depends on the stage; "
                    "use it in flag rules only",
                    {"name": rule.name},
                )
        return self

    def __repr__(self) -> str:
        stages = ", ".join(rule.name for rule in self.stages)
        flags = ", ".join(rule.name for rule in self.flags)
        return f"LifecycleRules(stages=[{stages}], flags=[{flags}])"


#: The default rules.
DEFAULT_RULES = LifecycleRules()
