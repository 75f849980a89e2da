"""cshealth on Dask: exact results from partitions, and per-account work on aligned pieces.

An optional extra (``pip install 'cshealth[dask]'``). ``import cshealth.dask`` does not
import dask; each function imports it when called and raises `MissingDependencyError`
with the install hint when it is missing.

Aggregates (`nps_trend`, `nps_breakdown`, `csat`, `ces`, `survival`, `kaplan_meier`,
`cohort_table`, `logo_cohorts`, `revenue_cohorts`, `revenue_retention`, `mrr_movements`,
`logo_churn`, `activity_churn`, `support_summary`, `active_users`) take a Dask DataFrame
and the options of the single-machine function they mirror. Each computes the area's
partial (`cshealth.partials`) on every partition, merges the partials, and finalises the
merged one on the client: the result is the very one the single-machine function gives
on all the rows (exactly for counts; weighted figures within the stated tolerance of
partials). A partial that requires all rows of a contact, entity or account in one
partition gets them so: the frame is shuffled on that column, unless ``partitioned_by=``
states that it already keeps them together. `partials` and `aggregate` do the same for
any area's partial function.

`health_scores` scores a frame of accounts, ranking ``percentile`` transforms against all
of them in two passes (`cshealth.scoring.percentile_reference`, then
`cshealth.scoring.score` per partition).

`per_account` co-partitions several tables on the account and runs a per-account
function (`cshealth.scoring.default_inputs`, `cshealth.scoring.score`, ...) on each
partition's aligned pieces.

Time zones: naive timestamps in a Dask (or pandas) frame are read as UTC, as everywhere
in cshealth; time-zone-aware columns are converted from their zone. Data written with
local wall-clock times must be localised first (``Series.dt.tz_localize(zone)``).
"""

from cshealth import _public
from cshealth.dask._accounts import Tabular, per_account
from cshealth.dask._activity import active_users, support_summary
from cshealth.dask._movements import mrr_movements
from cshealth.dask._nps import nps_breakdown, nps_trend
from cshealth.dask._retention import (
    cohort_table,
    kaplan_meier,
    logo_cohorts,
    revenue_cohorts,
    survival,
)
from cshealth.dask._revenue import activity_churn, logo_churn, revenue_retention
from cshealth.dask._run import Merge, aggregate, partials
from cshealth.dask._satisfaction import ces, csat
from cshealth.dask._scores import health_scores

__all__ = [
    "Merge",
    "Tabular",
    "active_users",
    "activity_churn",
    "aggregate",
    "ces",
    "cohort_table",
    "csat",
    "health_scores",
    "kaplan_meier",
    "logo_churn",
    "logo_cohorts",
    "mrr_movements",
    "nps_breakdown",
    "nps_trend",
    "partials",
    "per_account",
    "revenue_cohorts",
    "revenue_retention",
    "support_summary",
    "survival",
]

_public.publish(globals())
