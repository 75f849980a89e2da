"""Retention and revenue: MRR movements, NRR/GRR, churn, cohorts and survival.

Conventions (see the retention guide):

* An account is a customer on day ``d`` when ``start_date <= d < end_date``, or, from
  `RevenueChange` records, when the MRR in force on ``d`` is above 0.
* A window ``[start, end]`` counts its base on ``start`` and looks at it again on ``end``;
  customers who join inside it are not in the base. Waterfall periods are half-open.
* A rate with a zero denominator is ``None``, never 0; no churn is 0.0.
* Cohort cells not yet observed as of ``as_of`` are NaN (censored), never 0.
"""

from cshealth.retention._logrank import SurvivalComparison, compare_survival
from cshealth.retention._revenue import (
    AnnualizedRetention,
    MovementKind,
    MRRMovements,
    RevenueRetention,
    mrr_movements,
    revenue_retention,
)
from cshealth.retention._survival import (
    BandMethod,
    Median,
    SurvivalBand,
    SurvivalCounts,
    SurvivalCurve,
    SurvivalUnit,
    kaplan_meier,
    survival,
)

__all__ = [
    "AnnualizedRetention",
    "BandMethod",
    "MRRMovements",
    "Median",
    "MovementKind",
    "RevenueRetention",
    "SurvivalBand",
    "SurvivalComparison",
    "SurvivalCounts",
    "SurvivalCurve",
    "SurvivalUnit",
    "compare_survival",
    "kaplan_meier",
    "mrr_movements",
    "revenue_retention",
    "survival",
]
