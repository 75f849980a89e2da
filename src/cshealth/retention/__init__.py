"""Retention and revenue: MRR movements, NRR/GRR, churn, cohorts and survival.

Conventions (see the retention guide):

* An account is a customer on day ``d`` when ``start_date <= d < end_date``, or, from
  `RevenueChange` records, when the MRR in force on ``d`` is above 0.
* ``start``/``end`` are a half-open window ``[start, end)`` (the MRR waterfall and its
  periods). Retention and churn compare two snapshot days instead, named so:
  ``base_on`` (the base: the customers then) and ``compare_on`` (the day the base is
  looked at again); customers who join in between are not in the base.
* ``period`` is one of ``"week"`` (ISO, Monday first), ``"month"``, ``"quarter"`` and
  ``"year"``; ``as_of`` is a point in time: only what happened before it counts.
* ``by`` groups accounts by a column or a mapping from account id to group, and gives a
  `Grouped` result: one result per group, accounts without a group in ``'(none)'``.
* A rate with a zero denominator is ``None``, never 0; no churn is 0.0.
* Cohort cells not yet observed as of ``as_of`` are NaN (censored), never 0.
"""

from cshealth import _public
from cshealth.retention._churn import (
    ActivityChurn,
    Denominator,
    LogoChurn,
    activity_churn,
    logo_churn,
)
from cshealth.retention._cohorts import (
    CohortMode,
    CohortTable,
    RevenueCohortTable,
    cohort_table,
    logo_cohorts,
    revenue_cohorts,
)
from cshealth.retention._economics import (
    annualize,
    annualize_retention,
    cac_payback,
    deannualize,
    deannualize_retention,
    ltv,
    quick_ratio,
)
from cshealth.retention._grouped import NO_GROUP, Grouped
from cshealth.retention._logrank import SurvivalComparison, compare_survival
from cshealth.retention._revenue import (
    AnnualizedRetention,
    MovementKind,
    MRRMovements,
    RevenueRetention,
    mrr_movements,
    revenue_retention,
)
from cshealth.retention._subscriptions import changes_from_subscriptions
from cshealth.retention._survival import (
    BandMethod,
    Median,
    SurvivalCounts,
    SurvivalCurve,
    SurvivalUnit,
    kaplan_meier,
    survival,
    survival_by,
)

__all__ = [
    "NO_GROUP",
    "ActivityChurn",
    "AnnualizedRetention",
    "BandMethod",
    "CohortMode",
    "CohortTable",
    "Denominator",
    "Grouped",
    "LogoChurn",
    "MRRMovements",
    "Median",
    "MovementKind",
    "RevenueCohortTable",
    "RevenueRetention",
    "SurvivalComparison",
    "SurvivalCounts",
    "SurvivalCurve",
    "SurvivalUnit",
    "activity_churn",
    "annualize",
    "annualize_retention",
    "cac_payback",
    "changes_from_subscriptions",
    "cohort_table",
    "compare_survival",
    "deannualize",
    "deannualize_retention",
    "kaplan_meier",
    "logo_churn",
    "logo_cohorts",
    "ltv",
    "mrr_movements",
    "quick_ratio",
    "revenue_cohorts",
    "revenue_retention",
    "survival",
    "survival_by",
]

_public.publish(globals())
