"""Survey statistics: NPS with honest uncertainty.

Every score carries its sample size, standard error and a confidence interval (adjusted
Wald by default, or Wald, trinomial t, bootstrap, Bayesian Dirichlet); two independent
samples are compared with a z-test; `sample_size` plans a survey; `NPSTally` holds the
counts behind a score and merges exactly across partitions.

Trends over time, breakdowns, wave-to-wave migration, per-account scores, CSAT and CES,
and follow-up queues are planned (see the roadmap in the docs).
"""

from cshealth.nps._breakdown import BreakdownRow, NPSBreakdown, breakdown, holm
from cshealth.nps._compare import NPSComparison, compare, sample_size
from cshealth.nps._score import NPS_INTERVALS, NPSInterval, NPSResult, from_counts, score
from cshealth.nps._tally import NPSTally, tally
from cshealth.nps._trend import Dedupe, NPSTrend, Period, TrendPoint, trend

__all__ = [
    "NPS_INTERVALS",
    "BreakdownRow",
    "Dedupe",
    "NPSBreakdown",
    "NPSComparison",
    "NPSInterval",
    "NPSResult",
    "NPSTally",
    "NPSTrend",
    "Period",
    "TrendPoint",
    "breakdown",
    "compare",
    "from_counts",
    "holm",
    "sample_size",
    "score",
    "tally",
    "trend",
]
