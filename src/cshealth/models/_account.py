"""Accounts (customers) and the people at them."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from cshealth.models._base import Record
from cshealth.models._fields import Count, Day, Identifier, Label, Money, Text

__all__ = ["Account", "Contact", "TraitValue", "parse_json_object"]


def _trait_value(value: object) -> object:
    """NaN is a missing trait (``None``), as everywhere; infinity is refused."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise PydanticCustomError(
                "finite_number", "a trait value must be finite, got {value}", {"value": value}
            )
    return value


#: A custom account attribute: text, number, flag or missing (NaN is missing).
TraitValue = Annotated[str | int | float | bool | None, BeforeValidator(_trait_value)]


#: JSON's own names for what ``json.loads`` returns, for messages.
_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
_JSON_KINDS[type(None)] = "null"


def parse_json_object(value: object) -> object:
    """Accept a JSON object given as text (a CSV cell) for a mapping field."""
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value) if value.strip() else {}
    except json.JSONDecodeError as exc:
        raise PydanticCustomError(
            "json_object",
            "expected a JSON object such as '{\"search\": 3}', got text that is not JSON ({error})",
            {"error": exc.msg},
        ) from None
    if not isinstance(parsed, dict):
        raise PydanticCustomError(
            "json_object",
            "expected a JSON object such as '{\"search\": 3}', got a JSON {kind}",
            {"kind": _JSON_KINDS.get(type(parsed), type(parsed).__name__)},
        )
    return parsed


class Account(Record):
    """A customer account: one paying (or formerly paying) organisation.

    An account is a customer from ``start_date`` (inclusive) until ``end_date`` (exclusive:
    the first day it is no longer a customer). ``end_date`` is ``None`` while it is active.

    Examples:
        >>> from datetime import date
        >>> acme = Account(
        ...     id="A-1",
        ...     name="Acme",
        ...     segment="smb",
        ...     start_date=date(2024, 1, 15),
        ...     mrr=450.0,
        ...     seats=12,
        ... )
        >>> acme.is_active(date(2025, 6, 1))
        True
        >>> Account(id="A-2", name="Beta", start_date=date(2024, 1, 1), parent_id="A-2")
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for Account
        ...
    """

    table_name: ClassVar[str] = "accounts"
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = (
        ("start_date", "end_date"),
        ("start_date", "renewal_date"),
    )
    distinct_rules: ClassVar[tuple[tuple[str, str], ...]] = (("parent_id", "id"),)

    id: Identifier
    """Stable identifier of the account."""
    name: Label
    """Display name."""
    segment: Text | None = None
    """Customer segment, e.g. ``"smb"``, ``"mid_market"``, ``"enterprise"``."""
    plan: Text | None = None
    """Subscription plan or tier."""
    parent_id: Identifier | None = None
    """Identifier of the parent account in a hierarchy; never the account's own id."""
    owner: Text | None = None
    """The customer success manager (or team) who owns the account."""
    start_date: Day
    """First day as a customer (contract start)."""
    renewal_date: Day | None = None
    """Next contract renewal date."""
    end_date: Day | None = None
    """First day no longer a customer (churned on); ``None`` while active."""
    mrr: Money | None = None
    """Current monthly recurring revenue; ``None`` when unknown."""
    seats: Count | None = None
    """Licensed seats; ``None`` when the plan is not seat-based."""
    traits: Annotated[dict[str, TraitValue], BeforeValidator(parse_json_object)] = Field(
        default_factory=dict
    )
    """Custom scalar attributes (industry, region, ...). In CSV, a JSON object."""

    def is_active(self, on: date) -> bool:
        """Whether the account is a customer on ``on`` (``start_date <= on < end_date``)."""
        return self.start_date <= on and (self.end_date is None or on < self.end_date)


class Contact(Record):
    """A person at a customer account.

    Examples:
        >>> from datetime import date
        >>> Contact(
        ...     id="C-1",
        ...     account_id="A-1",
        ...     role="admin",
        ...     is_champion=True,
        ...     started_on=date(2024, 2, 1),
        ... ).is_champion
        True
    """

    table_name: ClassVar[str] = "contacts"
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = (("started_on", "left_on"),)

    id: Identifier
    """Stable identifier of the contact."""
    account_id: Identifier
    """The account the contact belongs to."""
    name: Text | None = None
    """Display name."""
    role: Text | None = None
    """Role at the customer, e.g. ``"executive_sponsor"``, ``"admin"``, ``"user"``."""
    is_champion: bool = False
    """Whether the contact is the account's internal champion."""
    started_on: Day | None = None
    """When the contact started working with us."""
    left_on: Day | None = None
    """When the contact left the account (a champion leaving is a classic risk)."""
