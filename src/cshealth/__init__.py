"""cshealth: typed, honest, fast customer-success analytics.

The top level re-exports the domain models, loading and columnar conversion, the result
types shared by every area, and the exception family. Each area lives in its own
subpackage: `cshealth.nps`, `cshealth.scoring`, `cshealth.retention`,
`cshealth.lifecycle`, `cshealth.backtest`, `cshealth.support`, `cshealth.adoption`,
`cshealth.signals`, and the sample data in `cshealth.datasets`.
"""

from cshealth import _public
from cshealth._exceptions import (
    AccountNotFoundError,
    ConfigError,
    CSHealthError,
    CSHealthWarning,
    InvalidInputError,
    MissingDependencyError,
    PartialMismatchError,
    RecordError,
    SmallSampleWarning,
)
from cshealth._grouped import NO_GROUP, Grouped
from cshealth._measures import MeasureTable
from cshealth._measures_join import join_measures
from cshealth._stats import ConfidenceInterval, Rate
from cshealth._version import __version__
from cshealth.io import (
    LoadResult,
    Table,
    from_columns,
    load,
    load_table,
    read_columns,
    to_columns,
    write,
)
from cshealth.models import (
    Account,
    Contact,
    Goal,
    Milestone,
    Record,
    RevenueChange,
    SurveyResponse,
    Ticket,
    UsageEvent,
    UsageRecord,
)

__all__ = [
    "NO_GROUP",
    "Account",
    "AccountNotFoundError",
    "CSHealthError",
    "CSHealthWarning",
    "ConfidenceInterval",
    "ConfigError",
    "Contact",
    "Goal",
    "Grouped",
    "InvalidInputError",
    "LoadResult",
    "MeasureTable",
    "Milestone",
    "MissingDependencyError",
    "PartialMismatchError",
    "Rate",
    "Record",
    "RecordError",
    "RevenueChange",
    "SmallSampleWarning",
    "SurveyResponse",
    "Table",
    "Ticket",
    "UsageEvent",
    "UsageRecord",
    "__version__",
    "from_columns",
    "join_measures",
    "load",
    "load_table",
    "read_columns",
    "to_columns",
    "write",
]

_public.publish(globals())
