"""Product adoption: active users, stickiness, breadth, depth and usage trends.

* `active_users`: DAU, WAU, MAU, stickiness (average DAU over MAU, and WAU/MAU), the L28
  power-user histogram and seat utilisation per account, from user-level events, on
  local calendar days; `active_users_partial` the same on one partition of the events
  (each account's in one), as an `ActiveUsersPartial` that merges with the others'.
* `usage_trend`: each account's usage against the mean of its previous windows, banded
  red / yellow / green, and the Theil–Sen slope of its weekly usage with Kendall's test,
  so usage is called falling only when it is.
* `feature_adoption`: adoption of each feature among eligible users, breadth (key
  features used over those available), depth and the share of activity on sticky
  features.
* `first_days`: logins and active days in each account's first 90 days.
* `account_metrics`: all of it, one row per account, ready for a health score.
"""

from cshealth import _public
from cshealth.adoption._accounts import account_metrics
from cshealth.adoption._active import active_users
from cshealth.adoption._active_partial import ActiveUsersPartial, active_users_partial
from cshealth.adoption._active_result import ActiveUsers
from cshealth.adoption._drop_thresholds import DEFAULT_THRESHOLDS, DropThresholds
from cshealth.adoption._feature_catalog import Feature, FeatureCatalog
from cshealth.adoption._features import feature_adoption
from cshealth.adoption._features_result import FeatureAdoption
from cshealth.adoption._onboarding import FirstDays, FirstDaysSummary, first_days
from cshealth.adoption._trend import MEASURES, usage_trend
from cshealth.adoption._trend_result import UsageDrop, UsageTrend

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MEASURES",
    "ActiveUsers",
    "ActiveUsersPartial",
    "DropThresholds",
    "Feature",
    "FeatureAdoption",
    "FeatureCatalog",
    "FirstDays",
    "FirstDaysSummary",
    "UsageDrop",
    "UsageTrend",
    "account_metrics",
    "active_users",
    "active_users_partial",
    "feature_adoption",
    "first_days",
    "usage_trend",
]

_public.publish(globals())
