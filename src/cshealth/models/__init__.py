"""Domain models: the typed records cshealth computes on.

Every model is a frozen pydantic v2 model that rejects unknown fields, checks its fields
across each other (dates in order, scores on their scale, timestamps timezone-aware) and
publishes a JSON Schema (``Account.model_json_schema()`` or ``cshealth schema Account``).

``MODELS`` maps each model's name to its class, and ``TABLES`` each table (file) name.
"""

from cshealth import _public
from cshealth.models._account import Account, Contact, TraitValue
from cshealth.models._activity import RevenueChange, UsageEvent, UsageRecord
from cshealth.models._base import Record
from cshealth.models._journey import Goal, Milestone
from cshealth.models._registry import MODELS, TABLES
from cshealth.models._survey import DEFAULT_SCALES, SurveyKind, SurveyResponse, SurveyType
from cshealth.models._ticket import KNOWN_CHANNELS, Priority, Ticket

__all__ = [
    "DEFAULT_SCALES",
    "KNOWN_CHANNELS",
    "MODELS",
    "TABLES",
    "Account",
    "Contact",
    "Goal",
    "Milestone",
    "Priority",
    "Record",
    "RevenueChange",
    "SurveyKind",
    "SurveyResponse",
    "SurveyType",
    "Ticket",
    "TraitValue",
    "UsageEvent",
    "UsageRecord",
]

_public.publish(globals())
