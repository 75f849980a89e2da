"""``Account`` and ``Contact``: field rules, rules across fields, JSON traits, helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from tests.validation import the_error

from cshealth.models import Account, Contact
from cshealth.models._account import parse_json_object

ACCOUNT: dict[str, Any] = {"id": "A-1", "name": "Acme", "start_date": "2024-01-15"}
CONTACT: dict[str, Any] = {"id": "C-1", "account_id": "A-1"}


# --- Account -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({}, "segment", None),
        ({"end_date": "2024-01-15"}, "end_date", date(2024, 1, 15)),  # churned the day it began
        ({"renewal_date": "2024-01-15"}, "renewal_date", date(2024, 1, 15)),
        ({"parent_id": "A-0"}, "parent_id", "A-0"),
        ({"id": 17}, "id", 17),  # whole-number ids stay numbers
        ({"id": "17"}, "id", "17"),  # and text stays text
        ({"id": 17.0}, "id", 17),  # a whole float is the whole number
        ({"parent_id": 4}, "parent_id", 4),
        ({"id": "  A-1  "}, "id", "A-1"),  # surrounding whitespace is dropped
        ({"mrr": 0}, "mrr", 0.0),
        ({"mrr": "450.5"}, "mrr", 450.5),
        ({"seats": "12"}, "seats", 12),
        ({"seats": 12.0}, "seats", 12),
        ({"seats": 0}, "seats", 0),
        ({"name": 2024}, "name", "2024"),
        ({"start_date": date(2024, 1, 15)}, "start_date", date(2024, 1, 15)),
        ({"traits": {"industry": "retail", "employees": 120}}, "traits", None),
        ({"traits": '{"public": true, "score": 1.5, "note": null}'}, "traits", None),
        ({"traits": ""}, "traits", {}),
        ({"traits": "   "}, "traits", {}),
    ],
)
def test_valid_accounts(changes: dict[str, Any], field: str, expected: object) -> None:
    account = Account.model_validate({**ACCOUNT, **changes})
    if field == "traits" and expected is None:
        raw = changes["traits"]
        expected = raw if isinstance(raw, dict) else parse_json_object(raw)
    assert getattr(account, field) == expected


def test_traits_keep_their_scalar_types() -> None:
    account = Account.model_validate(
        {**ACCOUNT, "traits": '{"s": "x", "i": 3, "f": 1.5, "b": false, "n": null}'}
    )
    assert account.traits == {"s": "x", "i": 3, "f": 1.5, "b": False, "n": None}
    assert [type(v) for v in account.traits.values()] == [str, int, float, bool, type(None)]


@pytest.mark.parametrize(
    ("changes", "where", "error_type", "fragment"),
    [
        # rule: end_date >= start_date
        (
            {"end_date": "2024-01-14"},
            "end_date",
            "out_of_order",
            "`end_date` (2024-01-14) is before `start_date` (2024-01-15); it must be on or after",
        ),
        # rule: renewal_date >= start_date
        (
            {"renewal_date": "2023-12-31"},
            "renewal_date",
            "out_of_order",
            "`renewal_date` (2023-12-31) is before `start_date` (2024-01-15)",
        ),
        # rule: parent_id != id (also once numbers are text)
        ({"parent_id": "A-1"}, "parent_id", "not_distinct", "`parent_id` must differ from `id`"),
        ({"id": 7, "parent_id": 7}, "parent_id", "not_distinct", "both are 7"),
        # identifiers: non-empty, not too long, text
        ({"id": ""}, "id", "missing", "Field required"),  # blank is not given
        ({"id": "   "}, "id", "missing", "Field required"),
        ({"id": "x" * 513}, "id", "id_too_long", "at most 512 characters"),
        ({"id": True}, "id", "id_type", "not a flag"),
        ({"id": 2.5}, "id", "id_not_whole", "whole number"),
        ({"id": 1e20}, "id", "id_not_whole", "at most 2**53"),
        ({"id": 2**63}, "id", "id_out_of_range", "64 bits"),
        ({"id": "A-1\x00"}, "id", "id_character", "NUL"),
        ({"id": "A-\ud800"}, "id", "id_character", "lone surrogate"),
        ({"id": float("nan")}, "id", "missing", "Field required"),
        ({"name": float("inf")}, "name", "text_type", "got float"),
        ({"segment": 1.5}, "segment", "text_type", "got float"),
        ({"segment": "smb\x00"}, "segment", "text_character", "NUL"),
        ({"parent_id": 1e20}, "parent_id", "id_not_whole", "at most 2**53"),
        # money and counts: >= 0, finite, whole
        ({"mrr": -0.01}, "mrr", "greater_than_equal", "greater than or equal to 0"),
        ({"mrr": float("inf")}, "mrr", "finite_number", "finite number"),
        ({"mrr": "inf"}, "mrr", "finite_number", "finite number"),
        ({"mrr": "lots"}, "mrr", "number_parsing", "expected a number"),
        ({"seats": -1}, "seats", "greater_than_equal", "greater than or equal to 0"),
        ({"seats": 1.5}, "seats", "int_from_float", "expected a whole number"),
        ({"seats": "many"}, "seats", "number_parsing", "whole number in ASCII digits"),
        # dates
        ({"start_date": "2024-13-01"}, "start_date", "date_from_datetime_parsing", "valid date"),
        ({"start_date": "0"}, "start_date", "date_parsing", "calendar date"),
        ({"start_date": 0}, "start_date", "date_parsing", "never read as a date"),
        ({"end_date": "soon"}, "end_date", "date_parsing", "calendar date"),
        # traits: a JSON object of scalars
        ({"traits": "{bad"}, "traits", "json_object", "got text that is not JSON"),
        ({"traits": "[1, 2]"}, "traits", "json_object", "got a JSON array"),
        ({"traits": '"retail"'}, "traits", "json_object", "got a JSON string"),
        ({"traits": "3"}, "traits", "json_object", """such as '{"search": 3}'"""),
        ({"traits": 3}, "traits", "dict_type", "valid dictionary"),
        # the record as a whole
        ({"colour": "blue"}, "colour", "extra_forbidden", "Extra inputs are not permitted"),
    ],
)
def test_invalid_accounts(
    changes: dict[str, Any], where: str, error_type: str, fragment: str
) -> None:
    error = the_error(Account, {**ACCOUNT, **changes})
    assert error["type"] == error_type
    assert error["where"] == where
    assert fragment in error["msg"]


@pytest.mark.parametrize("field", ["id", "name", "start_date"])
def test_account_required_fields(field: str) -> None:
    data = {k: v for k, v in ACCOUNT.items() if k != field}
    error = the_error(Account, data)
    assert (error["type"], error["where"]) == ("missing", field)


def test_trait_values_must_be_scalars() -> None:
    with pytest.raises(ValidationError) as info:
        Account.model_validate({**ACCOUNT, "traits": {"regions": ["eu", "us"]}})
    assert {err["loc"][:2] for err in info.value.errors()} == {("traits", "regions")}


def test_account_errors_of_several_fields_are_all_reported() -> None:
    with pytest.raises(ValidationError) as info:
        Account.model_validate({**ACCOUNT, "mrr": -1, "seats": -1, "id": ""})
    assert sorted(err["loc"][0] for err in info.value.errors()) == ["id", "mrr", "seats"]


@pytest.mark.parametrize(
    ("on", "end_date", "active"),
    [
        (date(2024, 1, 14), None, False),  # before the start
        (date(2024, 1, 15), None, True),  # the first day counts
        (date(2099, 1, 1), None, True),  # active until it ends
        (date(2025, 5, 31), date(2025, 6, 1), True),  # the last day as a customer
        (date(2025, 6, 1), date(2025, 6, 1), False),  # end_date is the first day gone
        (date(2025, 7, 1), date(2025, 6, 1), False),
    ],
)
def test_is_active_uses_half_open_period(on: date, end_date: date | None, active: bool) -> None:
    account = Account.model_validate({**ACCOUNT, "end_date": end_date})
    assert account.is_active(on) is active


def test_account_is_frozen() -> None:
    account = Account.model_validate(ACCOUNT)
    with pytest.raises(ValidationError, match="frozen"):
        account.name = "Other"


def test_accounts_hash_by_key_and_compare_by_value() -> None:
    first = Account.model_validate(ACCOUNT)
    renamed = Account.model_validate({**ACCOUNT, "name": "Acme Ltd"})
    same = Account.model_validate({**ACCOUNT, "traits": {}})
    assert first.key() == renamed.key() == ("A-1",)
    assert hash(first) == hash(renamed)
    assert first != renamed
    assert first == same
    assert len({first, renamed, same}) == 2


def test_account_hash_differs_from_another_model_with_the_same_key() -> None:
    account = Account.model_validate(ACCOUNT)
    contact = Contact.model_validate({"id": "A-1", "account_id": "A-1"})
    assert account.key() == contact.key()
    assert account != contact
    assert hash(account) != hash(contact)


# --- Contact ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({}, "is_champion", False),
        ({"is_champion": "yes"}, "is_champion", True),
        ({"is_champion": "FALSE"}, "is_champion", False),
        ({"is_champion": 1}, "is_champion", True),
        ({"started_on": "2024-02-01", "left_on": "2024-02-01"}, "left_on", date(2024, 2, 1)),
        ({"left_on": "2024-02-01"}, "left_on", date(2024, 2, 1)),  # no start known
        ({"role": " admin "}, "role", "admin"),
        ({"account_id": 99}, "account_id", 99),
    ],
)
def test_valid_contacts(changes: dict[str, Any], field: str, expected: object) -> None:
    assert getattr(Contact.model_validate({**CONTACT, **changes}), field) == expected


@pytest.mark.parametrize(
    ("changes", "where", "error_type", "fragment"),
    [
        # rule: left_on >= started_on
        (
            {"started_on": "2024-02-01", "left_on": "2024-01-31"},
            "left_on",
            "out_of_order",
            "`left_on` (2024-01-31) is before `started_on` (2024-02-01)",
        ),
        ({"is_champion": "maybe"}, "is_champion", "bool_parsing", "valid boolean"),
        ({"is_champion": 2}, "is_champion", "bool_parsing", "valid boolean"),
        ({"account_id": ""}, "account_id", "missing", "Field required"),
        ({"name": 2.5}, "name", "text_type", "got float"),
        ({"started_on": "2024-02-30"}, "started_on", "date_from_datetime_parsing", "valid date"),
        ({"email": "a@b.c"}, "email", "extra_forbidden", "Extra inputs"),
    ],
)
def test_invalid_contacts(
    changes: dict[str, Any], where: str, error_type: str, fragment: str
) -> None:
    error = the_error(Contact, {**CONTACT, **changes})
    assert (error["type"], error["where"]) == (error_type, where)
    assert fragment in error["msg"]


@pytest.mark.parametrize("field", ["id", "account_id"])
def test_contact_required_fields(field: str) -> None:
    data = {k: v for k, v in CONTACT.items() if k != field}
    assert the_error(Contact, data)["type"] == "missing"


def test_contact_is_frozen() -> None:
    contact = Contact.model_validate(CONTACT)
    with pytest.raises(ValidationError, match="frozen"):
        contact.is_champion = True


# --- parse_json_object --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("", {}),
        (" \t", {}),
        ({"a": 1}, {"a": 1}),  # not text: left to the field's own validation
        (None, None),
        (3, 3),
    ],
)
def test_parse_json_object(value: object, expected: object) -> None:
    assert parse_json_object(value) == expected
