"""The record models by name: ``MODELS`` by class name, ``TABLES`` by table (file) name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cshealth.models._account import Account, Contact
from cshealth.models._activity import RevenueChange, UsageEvent, UsageRecord
from cshealth.models._base import Record
from cshealth.models._journey import Goal, Milestone
from cshealth.models._survey import SurveyResponse
from cshealth.models._ticket import Ticket

__all__ = ["MODELS", "TABLES"]

_ALL: tuple[type[Record], ...] = (
    Account,
    Contact,
    Milestone,
    Goal,
    Ticket,
    SurveyResponse,
    UsageRecord,
    UsageEvent,
    RevenueChange,
)
#: Model classes by class name (``"Account"``).
MODELS: Mapping[str, type[Record]] = MappingProxyType({m.__name__: m for m in _ALL})
#: Model classes by table name (``"accounts"``, the file ``accounts.csv``).
TABLES: Mapping[str, type[Record]] = MappingProxyType({m.table_name: m for m in _ALL})
