"""Hypothesis strategies for cshealth records and for raw rows that may be invalid.

* :func:`records` draws valid instances of any model (``records(Ticket)``), and
  :func:`record_lists` lists of them with distinct keys.
* :func:`raw_rows` draws rows as a loader sees them (text as in CSV cells, or Python values),
  some of them broken on purpose: bad values of every field kind, cross-field rules broken,
  required fields dropped. :func:`raw_row_lists` adds duplicate keys across rows.

The record path (pydantic) and the columnar path (:func:`cshealth.io.to_columns`) accept and
refuse exactly the same values, so the raw values include near-valid corruptions of every
kind the two once read differently (``_BAD``): numbers and numeric text as dates and instants
(Unix time), ``"1e3"``, ``"1_000"`` and full-width digits, whole numbers beyond ``2**53``,
NUL characters and lone surrogates in text, text too long for a label, instants in year
10000, infinite trait values; and, as valid spellings, numpy scalars and missing-like cells
(``None``, NaN, ``pd.NA``, ``pd.NaT``, blank text), which both read as "not given".
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

import numpy as np
import pandas as pd
from dateutil import tz
from hypothesis import strategies as st

from cshealth.io._schema import FieldSpec, field_specs
from cshealth.models import (
    DEFAULT_SCALES,
    KNOWN_CHANNELS,
    MODELS,
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
    "ZONES",
    "aware_datetimes",
    "dates",
    "identifiers",
    "raw_row_lists",
    "raw_rows",
    "record_lists",
    "records",
    "subscription_rows",
    "texts",
]

# --- building blocks -----------------------------------------------------------------------

#: Time zones instants are drawn in: UTC, fixed offsets either side (one with half an hour),
#: and two zones with daylight saving time (dateutil ships their rules, so no system tzdata
#: is needed).
ZONES: tuple[tzinfo, ...] = (
    timezone.utc,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-8)),
    tz.gettz("Europe/Paris") or timezone.utc,
    tz.gettz("America/New_York") or timezone.utc,
)
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2035, 12, 31)

_ID_ALPHABET = string.ascii_letters + string.digits + "-_."
_TEXT_ALPHABET = string.ascii_letters + string.digits + " ,.;:'\"-_/()&éüßøçñ漢字"


def identifiers() -> st.SearchStrategy[str]:
    """Non-empty identifiers, e.g. ``"A-17"``."""
    return st.text(_ID_ALPHABET, min_size=1, max_size=10)


def texts() -> st.SearchStrategy[str]:
    """Non-blank text without surrounding whitespace (commas, quotes and accents included)."""
    return st.text(_TEXT_ALPHABET, min_size=1, max_size=20).map(str.strip).filter(bool)


def dates(min_value: date = MIN_DATE, max_value: date = MAX_DATE) -> st.SearchStrategy[date]:
    """Calendar dates in a realistic range."""
    return st.dates(min_value=min_value, max_value=max_value)


def aware_datetimes(min_value: datetime | None = None) -> st.SearchStrategy[datetime]:
    """Timezone-aware instants in :data:`ZONES`, microseconds included.

    With ``min_value``, only instants at or after it (compared as instants, across zones).
    """
    if min_value is None:
        naive = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2035, 12, 30))
        aware = st.builds(lambda d, zone: d.replace(tzinfo=zone), naive, st.sampled_from(ZONES))
    else:
        start = min_value
        aware = st.builds(
            lambda delta, zone: (start + delta).astimezone(zone),
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
            st.sampled_from(ZONES),
        )
    return aware.filter(_unambiguous)


def _unambiguous(value: datetime) -> bool:
    # Python never finds a wall time in a repeated (fold) hour equal to an instant in another
    # zone (PEP 495), so such instants would not compare equal after a round trip.
    return value.utcoffset() == value.replace(fold=1 - value.fold).utcoffset()


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _money() -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)


def _counts(max_value: int = 10_000) -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=max_value)


def _traits() -> st.SearchStrategy[dict[str, object]]:
    values = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**53), max_value=2**53)
        | st.floats(allow_nan=False, allow_infinity=False)
        | texts()
    )
    return st.dictionaries(texts(), values, max_size=4)


def _feature_events() -> st.SearchStrategy[dict[str, int]]:
    return st.dictionaries(texts(), _counts(), max_size=4)


# --- valid records ---------------------------------------------------------------------------


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    """Valid accounts: end and renewal on or after the start, parent never the account."""
    start = draw(dates())
    account_id = draw(identifiers())
    return Account(
        id=account_id,
        name=draw(texts()),
        segment=draw(_optional(st.sampled_from(["smb", "mid_market", "enterprise"]))),
        plan=draw(_optional(texts())),
        parent_id=draw(_optional(identifiers().filter(lambda p: p != account_id))),
        owner=draw(_optional(texts())),
        start_date=start,
        renewal_date=draw(_optional(dates(min_value=start))),
        end_date=draw(_optional(dates(min_value=start))),
        mrr=draw(_optional(_money())),
        seats=draw(_optional(_counts())),
        traits=draw(_traits()),
    )


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    """Valid contacts: left on or after they started."""
    started = draw(_optional(dates()))
    return Contact(
        id=draw(identifiers()),
        account_id=draw(identifiers()),
        name=draw(_optional(texts())),
        role=draw(_optional(st.sampled_from(["admin", "user", "executive_sponsor"]))),
        is_champion=draw(st.booleans()),
        started_on=started,
        left_on=draw(_optional(dates(min_value=started or MIN_DATE))),
    )


@st.composite
def milestones(draw: st.DrawFn) -> Milestone:
    """Valid milestones: completed on or after they started."""
    started = draw(_optional(dates()))
    return Milestone(
        id=draw(identifiers()),
        account_id=draw(identifiers()),
        name=draw(texts()),
        required=draw(st.booleans()),
        due_date=draw(_optional(dates())),
        started_on=started,
        completed_on=draw(_optional(dates(min_value=started or MIN_DATE))),
        marks_first_value=draw(st.booleans()),
    )


@st.composite
def goals(draw: st.DrawFn) -> Goal:
    """Valid goals: achieved and targeted on or after they were set."""
    set_on = draw(_optional(dates()))
    later = dates(min_value=set_on or MIN_DATE)
    return Goal(
        id=draw(identifiers()),
        account_id=draw(identifiers()),
        name=draw(texts()),
        set_on=set_on,
        target_date=draw(_optional(later)),
        achieved_on=draw(_optional(later)),
    )


@st.composite
def tickets(draw: st.DrawFn) -> Ticket:
    """Valid tickets: responses and resolutions after creation, lead revenue only with a lead."""
    created = draw(aware_datetimes())
    lead = draw(st.booleans())
    return Ticket(
        id=draw(identifiers()),
        account_id=draw(identifiers()),
        channel=draw(st.sampled_from(KNOWN_CHANNELS) | texts()),
        priority=draw(st.sampled_from(["low", "normal", "high", "urgent"])),
        created_at=created,
        first_response_at=draw(_optional(aware_datetimes(min_value=created))),
        resolved_at=draw(_optional(aware_datetimes(min_value=created))),
        reopened_count=draw(_counts(20)),
        agent_replies=draw(_counts(50)),
        customer_replies=draw(_counts(50)),
        queue_wait_seconds=draw(_optional(_money())),
        abandoned=draw(st.booleans()),
        delighted=draw(st.booleans()),
        service_qualified_lead=lead,
        lead_revenue=draw(_optional(_money())) if lead else None,
    )


@st.composite
def survey_responses(draw: st.DrawFn) -> SurveyResponse:
    """Valid responses: a score on the default scale of the kind, or on a declared one."""
    kind = draw(st.sampled_from(sorted(DEFAULT_SCALES)))
    low, high = DEFAULT_SCALES[kind]
    scale_min = scale_max = None
    if kind != "nps" and draw(st.booleans()):
        low = scale_min = draw(st.integers(min_value=-5, max_value=5))
        high = scale_max = draw(st.integers(min_value=low + 1, max_value=12))
    return SurveyResponse(
        id=draw(identifiers()),
        account_id=draw(identifiers()),
        contact_id=draw(_optional(identifiers())),
        kind=kind,
        survey_type=draw(st.sampled_from(["relationship", "transactional"])),
        touchpoint=draw(_optional(st.sampled_from(["onboarding", "support"]) | texts())),
        score=draw(st.integers(min_value=low, max_value=high)),
        submitted_at=draw(aware_datetimes()),
        comment=draw(_optional(texts())),
        weight=draw(st.floats(min_value=0, max_value=100, allow_nan=False)),
        scale_min=scale_min,
        scale_max=scale_max,
    )


@st.composite
def usage_records(draw: st.DrawFn) -> UsageRecord:
    """Valid usage records."""
    return UsageRecord(
        account_id=draw(identifiers()),
        day=draw(dates()),
        active_users=draw(_counts()),
        logins=draw(_counts()),
        feature_events=draw(_feature_events()),
    )


@st.composite
def usage_events(draw: st.DrawFn) -> UsageEvent:
    """Valid usage events (a plain visit has no feature)."""
    return UsageEvent(
        account_id=draw(identifiers()),
        user_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        feature=draw(_optional(identifiers())),
    )


@st.composite
def revenue_changes(draw: st.DrawFn) -> RevenueChange:
    """Valid revenue changes (an MRR of 0 is a churn)."""
    return RevenueChange(
        account_id=draw(identifiers()),
        effective_on=draw(dates()),
        mrr=draw(st.just(0.0) | _money()),
    )


_RECORDS: dict[type[Record], st.SearchStrategy[Any]] = {
    Account: accounts(),
    Contact: contacts(),
    Milestone: milestones(),
    Goal: goals(),
    Ticket: tickets(),
    SurveyResponse: survey_responses(),
    UsageRecord: usage_records(),
    UsageEvent: usage_events(),
    RevenueChange: revenue_changes(),
}
assert set(_RECORDS) == set(MODELS.values()), "every model needs a strategy"


def records(model: type[Record]) -> st.SearchStrategy[Any]:
    """Valid instances of ``model``."""
    return _RECORDS[model]


def record_lists(model: type[Record], *, max_size: int = 6) -> st.SearchStrategy[list[Any]]:
    """Lists of valid ``model`` instances with distinct keys."""
    return st.lists(records(model), max_size=max_size, unique_by=lambda r: r.key())


# --- raw rows that may be invalid ------------------------------------------------------------

_BAD: dict[str, list[object]] = {
    "id": [True, 2.5, 1e20, float("inf"), [1, 2], "A-1\x00", "A-\ud800"],
    "text": [
        # near-valid corruptions: NUL (trailing and inner), lone surrogates, numbers
        "A-1\x00",
        "A\x00B",
        "a\ud800b",
        "\udfff",
        1.5,
        True,
        "x" * 513,  # too long for a label (any length of other text is fine)
    ],
    "int": [
        *(-1, "-3", 2.5, "2.5", "abc", float("inf"), "inf", "-inf"),
        *("1e3", "１２", "5.", ".5", "1_000", "0x10"),  # forms of number only some read
        *(2**53 + 1, -(2**53) - 1, "9007199254740993", 2**70),  # beyond exact floats
    ],
    "float": [-1.5, "-2", "abc", "1,5", float("inf"), float("-inf"), "inf", "１２", "1_0", "nan"],
    "bool": ["maybe", 2, "2", "yess", "true\x00"],
    "date": [
        *("2025-13-01", "2025-02-30", "soon", "2025/01/31", "31.01.2025"),
        *("0", 0, "1740992400", 1.5e9, "2025-01-01\x00"),  # Unix time is not a date
    ],
    "instant": [
        "2025-03-01T10:00:00",  # naive text
        datetime(2025, 3, 1, 10, 0),  # naive datetime
        "2025-02-30T10:00:00Z",
        "yesterday",
        "2025-03-01T25:00:00Z",
        *("0", 1_740_992_400, "1740992400.5"),  # Unix time is not an instant
        "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
    ],
    "mapping": ["{bad", "[1, 2]", "3", {"x": float("inf")}, '{"x": Infinity}'],
}
#: Values both paths read as "not given": the field's default (a required one: missing).
_MISSING_LIKE: list[object] = [None, float("nan"), pd.NA, pd.NaT, "", "  ", np.float64("nan")]


def _text_form(value: object) -> object:
    """The CSV-cell form of a valid value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, int, float)):
        return str(value) if not isinstance(value, date) else value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _python_form(value: object) -> object:
    return value


def _numpy_form(spec: FieldSpec, value: object) -> object:
    """A valid value as the numpy scalar a column or a frame row holds."""
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value) if abs(value) < 2**63 else value
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, str):
        return np.str_(value)
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc).replace(tzinfo=None)
        return np.datetime64(utc, "us")
    if isinstance(value, date):
        return np.datetime64(value, "D")
    return value


def _good_variant(spec: FieldSpec, value: object, draw: st.DrawFn) -> object:
    """Another spelling of a valid value: text, a number for an id, other flag words."""
    if draw(st.integers(0, 5)) == 0:  # numpy scalars, as in a row of a data frame
        return _numpy_form(spec, value)
    if spec.kind == "float" and isinstance(value, float) and draw(st.booleans()):
        return draw(st.sampled_from([value, f"{value:e}", f"{value!r}"]))  # 1.5e+03 too
    if spec.kind == "bool" and isinstance(value, bool):
        words = ["true", "True", "yes", "Y", "on", "1", 1] if value else ["false", "no", "N", "0"]
        return draw(st.sampled_from([value, *words]))
    if spec.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return draw(st.sampled_from([value, str(value), float(value), f"{value}.0"]))
    if spec.kind == "instant" and isinstance(value, datetime):
        utc = value.astimezone(timezone.utc).replace(tzinfo=None)
        return draw(st.sampled_from([value, value.isoformat(), utc.isoformat() + "Z"]))
    if spec.kind == "id" and isinstance(value, str) and value.isdigit() and draw(st.booleans()):
        return int(value)  # numeric ids arrive as numbers from JSON (and stay numbers)
    convert: Callable[[object], object] = draw(st.sampled_from([_text_form, _python_form]))
    return convert(value)


def _other_valid(spec: FieldSpec, draw: st.DrawFn) -> object:
    """A value valid for the field alone, which may break a rule across fields."""
    if spec.kind == "date":
        return draw(dates())
    if spec.kind == "instant":
        return draw(aware_datetimes())
    if spec.kind == "int":
        return draw(st.integers(min_value=-2, max_value=12))
    if spec.kind == "id":
        return draw(st.one_of(identifiers(), st.integers(min_value=-5, max_value=2**63 - 1)))
    if spec.kind == "text" and spec.choices is None:
        return draw(identifiers())
    if spec.kind == "text":
        return draw(st.sampled_from([*spec.choices, "other", spec.choices[0].upper()]))
    if spec.kind == "float":
        return draw(st.sampled_from([0.0, 12.5, "3"]))
    if spec.kind == "bool":
        return draw(st.booleans())
    return draw(st.sampled_from([{}, {"a": 1}, '{"b": 2}', {"c": -1}, {"d": [1]}]))


@st.composite
def raw_rows(draw: st.DrawFn, model: type[Record], *, broken: bool | None = None) -> dict:
    """One raw row of ``model``: valid, or broken in one or two places.

    ``broken=None`` lets Hypothesis choose; ``True`` and ``False`` force it.
    """
    record = draw(records(model))
    specs = {spec.name: spec for spec in field_specs(model)}
    row = {
        name: _good_variant(specs[name], value, draw)
        for name, value in record.model_dump().items()
        if value is not None and value != {}
    }
    for name, spec in specs.items():  # a field not given may still be a missing-like cell
        if name not in row and draw(st.integers(0, 3)) == 0:
            row[name] = draw(st.sampled_from(_MISSING_LIKE))
        elif not spec.required and spec.default == row.get(name) and draw(st.booleans()):
            row[name] = draw(st.sampled_from(_MISSING_LIKE))  # e.g. a flag left empty
    if broken is None:
        broken = draw(st.booleans())
    if not broken:
        return row
    for name in draw(st.lists(st.sampled_from(sorted(specs)), min_size=1, max_size=2)):
        spec = specs[name]
        action = draw(st.sampled_from(["bad", "other", "copy", "drop", "unknown", "missing"]))
        same_kind = sorted(n for n, s in specs.items() if s.kind == spec.kind and n in row)
        if action == "bad" and _BAD[spec.kind]:
            row[name] = draw(st.sampled_from(_BAD[spec.kind]))
        elif action == "copy" and same_kind:  # e.g. parent_id := id, equal dates
            row[name] = row[draw(st.sampled_from(same_kind))]
        elif action == "drop":
            row.pop(name, None)
        elif action == "missing":  # NaN, NA, NaT or blank: not given, in both paths
            row[name] = draw(st.sampled_from(_MISSING_LIKE))
        elif action == "unknown":
            row["colour"] = "blue"
        else:
            row[name] = _other_valid(spec, draw)
    return row


@st.composite
def raw_row_lists(
    draw: st.DrawFn, model: type[Record], *, max_size: int = 6, broken: bool | None = None
) -> list[dict]:
    """Rows of ``model``, some perhaps broken, some perhaps repeating an earlier key."""
    rows = draw(st.lists(raw_rows(model, broken=broken), max_size=max_size))
    if len(rows) > 1 and broken is not False and draw(st.booleans()):
        source, target = draw(st.permutations(range(len(rows))))[:2]
        for name in model.key_fields:
            if name in rows[source]:
                rows[target][name] = rows[source][name]
    return rows


@st.composite
def subscription_rows(
    draw: st.DrawFn, *, max_size: int = 12
) -> list[tuple[int, date, date | None, float]]:
    """Subscriptions ``(account, start, end or None, mrr)`` of a few accounts over 60 days.

    Dense on purpose: few accounts and days, so subscriptions overlap, end on the day
    another starts, end on their start day (empty), leave gaps; MRR is a whole number
    (0 included) or half of one, so every sum is exact and two levels compare exactly.
    """
    first = date(2025, 1, 1)
    one = st.tuples(
        st.integers(1, 3),
        st.integers(0, 40),
        st.one_of(st.none(), st.integers(0, 20)),
        st.integers(0, 8).map(lambda halves: halves * 50 / 2),
    )
    rows = draw(st.lists(one, max_size=max_size))
    return [
        (
            account,
            first + timedelta(days=start),
            None if length is None else first + timedelta(days=start + length),
            mrr,
        )
        for account, start, length, mrr in rows
    ]
