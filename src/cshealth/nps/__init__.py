"""Survey statistics: NPS, CSAT and CES with honest uncertainty.

Every score carries its sample size, standard error and a confidence interval (adjusted
Wald by default, or Wald, trinomial t, bootstrap, Bayesian Dirichlet); two independent
samples are compared with a z-test; `sample_size` plans a survey; `NPSTally` holds the
counts behind a score and merges exactly across partitions.

Over time, `trend` gives weekly, monthly, quarterly, yearly or rolling NPS with each
respondent counted once per period and changes tested between disjoint periods;
`breakdown` compares groups (touchpoint, segment, plan) with Holm-adjusted tests;
`migration` follows the same respondents across two waves; `account_scores` gives one NPS
per account (the input of a health score) and the revenue-weighted NPS; `csat` and `ces`
score the other two surveys; `follow_ups` turns responses into the calls and requests a
CS team makes next.
"""

from cshealth import _public
from cshealth.nps._account_nps import ACCOUNT_UNITS, AccountNPS, AccountUnit
from cshealth.nps._accounts import account_scores
from cshealth.nps._breakdown import breakdown
from cshealth.nps._breakdown_partial import NPSBreakdownPartial, breakdown_partial
from cshealth.nps._breakdown_result import NPSBreakdown, holm
from cshealth.nps._compare import NPSComparison, compare, sample_size
from cshealth.nps._follow_up import FollowUp, FollowUpAction, NPSCategory, queue_summary
from cshealth.nps._follow_up_policy import FollowUpPolicy
from cshealth.nps._follow_ups import follow_ups
from cshealth.nps._migration import migration
from cshealth.nps._migration_partial import NPSMigrationPartial, migration_partial
from cshealth.nps._migration_result import CATEGORIES, NPSMigration
from cshealth.nps._satisfaction import ces, ces_partial, csat, csat_partial
from cshealth.nps._satisfaction_partial import CESPartial, CSATPartial
from cshealth.nps._satisfaction_result import CESMethod, CESResult, CSATMethod, CSATResult
from cshealth.nps._score import NPS_INTERVALS, NPSInterval, NPSResult, from_counts, score
from cshealth.nps._tally import NPSTally, tally
from cshealth.nps._trend import Period, trend
from cshealth.nps._trend_counts import Dedupe
from cshealth.nps._trend_partial import NPSTrendPartial, trend_partial
from cshealth.nps._trend_result import NPSTrend, TrendPoint

__all__ = [
    "ACCOUNT_UNITS",
    "CATEGORIES",
    "NPS_INTERVALS",
    "AccountNPS",
    "AccountUnit",
    "CESMethod",
    "CESPartial",
    "CESResult",
    "CSATMethod",
    "CSATPartial",
    "CSATResult",
    "Dedupe",
    "FollowUp",
    "FollowUpAction",
    "FollowUpPolicy",
    "NPSBreakdown",
    "NPSBreakdownPartial",
    "NPSCategory",
    "NPSComparison",
    "NPSInterval",
    "NPSMigration",
    "NPSMigrationPartial",
    "NPSResult",
    "NPSTally",
    "NPSTrend",
    "NPSTrendPartial",
    "Period",
    "TrendPoint",
    "account_scores",
    "breakdown",
    "breakdown_partial",
    "ces",
    "ces_partial",
    "compare",
    "csat",
    "csat_partial",
    "follow_ups",
    "from_counts",
    "holm",
    "migration",
    "migration_partial",
    "queue_summary",
    "sample_size",
    "score",
    "tally",
    "trend",
    "trend_partial",
]

_public.publish(globals())
