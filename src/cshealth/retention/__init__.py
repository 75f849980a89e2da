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
  `cshealth.Grouped` result: the overall result and one per group, accounts without a
  group in ``'(none)'``.
* A rate with a zero denominator is ``None``, never 0; no churn is 0.0.
* Cohort cells not yet observed as of ``as_of`` are NaN (censored), never 0.
"""

from cshealth import _public
from cshealth.retention._activity_churn import ActivityChurn, activity_churn
from cshealth.retention._churn_partial import (
    ActivityChurnPartial,
    LogoChurnPartial,
    activity_churn_partial,
    logo_churn_partial,
)
from cshealth.retention._cohort_kernel import CohortMode
from cshealth.retention._cohort_table import CohortPartial, CohortTable, LogoCohortPartial
from cshealth.retention._cohorts import (
    cohort_table,
    cohort_table_partial,
    logo_cohorts,
    logo_cohorts_partial,
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
from cshealth.retention._kaplan_meier import SurvivalUnit, kaplan_meier, kaplan_meier_partial
from cshealth.retention._logo_churn import Denominator, LogoChurn, logo_churn
from cshealth.retention._logrank import SurvivalComparison, compare_survival
from cshealth.retention._mrr_movements import mrr_movements
from cshealth.retention._mrr_partial import MRRMovementsPartial, mrr_movements_partial
from cshealth.retention._revenue_cohorts import (
    RevenueCohortPartial,
    RevenueCohortTable,
    revenue_cohorts,
    revenue_cohorts_partial,
)
from cshealth.retention._revenue_partial import (
    RevenueRetentionPartial,
    revenue_retention_partial,
)
from cshealth.retention._revenue_retention import RevenueRetention, revenue_retention
from cshealth.retention._subscriptions import changes_from_subscriptions
from cshealth.retention._survival import survival, survival_partial
from cshealth.retention._survival_counts import SurvivalCounts
from cshealth.retention._survival_curve import BandMethod, Median, SurvivalCurve
from cshealth.retention._survival_partial import SurvivalPartial
from cshealth.retention._waterfall import MovementKind, MRRMovements
from cshealth.retention._window_rates import AnnualizedRetention

__all__ = [
    "ActivityChurn",
    "ActivityChurnPartial",
    "AnnualizedRetention",
    "BandMethod",
    "CohortMode",
    "CohortPartial",
    "CohortTable",
    "Denominator",
    "LogoChurn",
    "LogoChurnPartial",
    "LogoCohortPartial",
    "MRRMovements",
    "MRRMovementsPartial",
    "Median",
    "MovementKind",
    "RevenueCohortPartial",
    "RevenueCohortTable",
    "RevenueRetention",
    "RevenueRetentionPartial",
    "SurvivalComparison",
    "SurvivalCounts",
    "SurvivalCurve",
    "SurvivalPartial",
    "SurvivalUnit",
    "activity_churn",
    "activity_churn_partial",
    "annualize",
    "annualize_retention",
    "cac_payback",
    "changes_from_subscriptions",
    "cohort_table",
    "cohort_table_partial",
    "compare_survival",
    "deannualize",
    "deannualize_retention",
    "kaplan_meier",
    "kaplan_meier_partial",
    "logo_churn",
    "logo_churn_partial",
    "logo_cohorts",
    "logo_cohorts_partial",
    "ltv",
    "mrr_movements",
    "mrr_movements_partial",
    "quick_ratio",
    "revenue_cohorts",
    "revenue_cohorts_partial",
    "revenue_retention",
    "revenue_retention_partial",
    "survival",
    "survival_partial",
]

_public.publish(globals())
