"""Customer lifecycle: onboarding status, time to value, goals, stages and their flows.

Every function is pure in ``as_of``: only what happened strictly before it counts, so the
same data gives the same answer for any past day (a milestone completed on the ``as_of``
day is still open then). Accounts, milestones and goals come as records, `Table` objects,
mappings of columns or data frames, like every other area.
"""

from cshealth import _public
from cshealth.lifecycle._assignments import Assignment, Reason, StageAssignments
from cshealth.lifecycle._classify import classify
from cshealth.lifecycle._dwell import DwellTimes, dwell_times
from cshealth.lifecycle._flows import GONE, NEW, StageFlow, transitions
from cshealth.lifecycle._goals import GOAL_STATUSES, GoalReport, GoalStatus, goals
from cshealth.lifecycle._history import Spells, StageHistory, history
from cshealth.lifecycle._onboarding import (
    ONBOARDING_STATUSES,
    OnboardingStatus,
    OverdueMilestones,
    Status,
    onboarding,
)
from cshealth.lifecycle._onboarding_report import OnboardingReport, onboarding_report
from cshealth.lifecycle._renewals import RenewalMonths, Renewals, renewals
from cshealth.lifecycle._rules import (
    DEFAULT_RULES,
    INPUTS,
    FlagRule,
    LifecycleRules,
    RuleCondition,
    StageRule,
    Thresholds,
)
from cshealth.lifecycle._time_to_value import time_to_value
from cshealth.lifecycle._value_cohorts import ValueCohorts
from cshealth.lifecycle._value_result import VALUE_STATUSES, Share, TimeToValue, ValueStatus

__all__ = [
    "DEFAULT_RULES",
    "GOAL_STATUSES",
    "GONE",
    "INPUTS",
    "NEW",
    "ONBOARDING_STATUSES",
    "VALUE_STATUSES",
    "Assignment",
    "DwellTimes",
    "FlagRule",
    "GoalReport",
    "GoalStatus",
    "LifecycleRules",
    "OnboardingReport",
    "OnboardingStatus",
    "OverdueMilestones",
    "Reason",
    "RenewalMonths",
    "Renewals",
    "RuleCondition",
    "Share",
    "Spells",
    "StageAssignments",
    "StageFlow",
    "StageHistory",
    "StageRule",
    "Status",
    "Thresholds",
    "TimeToValue",
    "ValueCohorts",
    "ValueStatus",
    "classify",
    "dwell_times",
    "goals",
    "history",
    "onboarding",
    "onboarding_report",
    "renewals",
    "time_to_value",
    "transitions",
]

_public.publish(globals())
