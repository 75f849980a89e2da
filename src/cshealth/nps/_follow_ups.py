"""The NPS follow-up queue: what a customer-success team does next about each answer.

Detractors (0-6) get a call, passives (7-8) a nurture touch, promoters (9-10) a request
for a testimonial or a review. `FollowUpPolicy` holds the rules as data (windows, due
dates, the promoter ask, the quiet period); `follow_ups` applies them to responses as of a
date and returns the queue, most urgent first.

The selection is columnar: the window is a mask, the latest answer of each
respondent is found by sorting on integer respondent codes, and the quiet window is a
membership test on the same codes. `FollowUp` objects are built only for the rows that
make the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Literal, NamedTuple, cast, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cshealth._checks import shown
from cshealth._codes import id_codes, is_missing, latest_rows
from cshealth._config import Config
from cshealth._exceptions import ConfigError, InvalidInputError
from cshealth._result import Result
from cshealth._time import as_instant
from cshealth._types import AsOf, IdArray, IntArray
from cshealth.io._read import read_ids, same_kind
from cshealth.models import SurveyType
from cshealth.nps._responses import SurveyColumns, survey_columns

__all__ = [
    "FollowUp",
    "FollowUpAction",
    "FollowUpPolicy",
    "NPSCategory",
    "follow_ups",
    "queue_summary",
]

#: What the team does: call a detractor, nurture a passive, ask a promoter for a
#: testimonial or a review.
FollowUpAction = Literal["call", "testimonial_request", "review_request", "nurture"]
#: The NPS category of an answer: 0-6, 7-8 or 9-10.
NPSCategory = Literal["detractor", "passive", "promoter"]

_ACTIONS: tuple[str, ...] = get_args(FollowUpAction)
_CATEGORIES: tuple[NPSCategory, ...] = ("detractor", "passive", "promoter")
#: Score -> category code: 0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).
_CATEGORY = np.array([0] * 7 + [1] * 2 + [2] * 2, dtype=np.int64)
#: Category code -> priority (1 = most urgent): detractors, then promoters, then passives.
_PRIORITY = np.array([1, 3, 2], dtype=np.int64)
_ASK: Mapping[str, str] = {
    "call": "call",
    "nurture": "nurture",
    "testimonial_request": "ask for a testimonial",
    "review_request": "ask for a review",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICROSECOND = timedelta(microseconds=1)
_NO_IDS = np.empty(0, dtype=object)


#: The longest window or delay a policy accepts: a century (longer ones are mistakes, and
#: would overflow the microsecond instants).
_MAX_DAYS = 36_525
_AT_LEAST_ONE_DAY = frozenset({"window_days", "quiet_days"})
#: Whole numbers of days; the JSON Schema states the bounds, `FollowUpPolicy` checks them.
_Days = Annotated[int, Field(json_schema_extra={"minimum": 0, "maximum": _MAX_DAYS})]
_PositiveDays = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": _MAX_DAYS})]


class FollowUpPolicy(Config):
    """The rules of the NPS follow-up queue: which answers, what action, by when.

    Detractors (0-6) get a call, passives (7-8) a nurture touch (or nothing), promoters
    (9-10) a request for a testimonial or a review. Each action is due a number of days
    after the answer's (UTC) date. A policy is data: it loads from JSON
    (``FollowUpPolicy.model_validate_json``), publishes a JSON Schema, is immutable and
    hashable, and refuses unknown fields.

    Raises:
        ConfigError: On a number of days out of range, a value of the wrong type (the
            policy is strict: ``"30"`` and ``True`` are not days) or an unknown field,
            naming each.

    Examples:
        >>> FollowUpPolicy.model_validate_json('{"window_days": 60}').quiet_days
        90
        >>> from cshealth import ConfigError
        >>> try:
        ...     FollowUpPolicy(detractor_days=-1, call_days=3)
        ... except ConfigError as error:
        ...     print(error)
        invalid FollowUpPolicy:
          detractor_days: `detractor_days` must be a whole number of days from 0 to 36525
          (0 means the same day), got -1
          call_days: Extra inputs are not permitted
    """

    model_config = ConfigDict(strict=True, use_attribute_docstrings=True)

    window_days: _PositiveDays = 30
    """Only answers submitted in ``[as_of - window_days, as_of)`` get a follow-up
    (``>= 1``)."""
    detractor_days: _Days = 2
    """A detractor is called within this many days of the answer (``>= 0``; 0 = the same
    day)."""
    passive_days: _Days = 14
    """A passive is nurtured within this many days of the answer (``>= 0``)."""
    promoter_days: _Days = 7
    """A promoter is asked within this many days of the answer (``>= 0``)."""
    promoter_action: Literal["testimonial", "review", "auto"] = "auto"
    """What a promoter is asked for: ``testimonial``, ``review``, or ``auto``: a testimonial
    from a promoter who left a comment (they already put it in words), else a review."""
    quiet_days: _PositiveDays = 90
    """A contact is not asked again within this many days of a previous follow-up
    (``>= 1``)."""
    include_passives: bool = True
    """Whether passives get a nurture follow-up; when false, a contact whose latest answer
    is passive gets nothing."""

    @field_validator("window_days", "detractor_days", "passive_days", "promoter_days", "quiet_days")
    @classmethod
    def _check_days(cls, value: int, info: ValidationInfo) -> int:
        name = info.field_name or ""
        low = 1 if name in _AT_LEAST_ONE_DAY else 0
        if not low <= value <= _MAX_DAYS:
            raise PydanticCustomError(
                "days_out_of_range",
                "`{field}` must be a whole number of days from {low} to {high}{hint}, got {value}",
                {
                    "field": name,
                    "value": value,
                    "low": low,
                    "high": _MAX_DAYS,
                    "hint": "" if low else " (0 means the same day)",
                },
            )
        return value


@dataclass(frozen=True, eq=False, repr=False)
class FollowUp(Result):
    """One thing to do about one NPS answer.

    ``to_dict()`` gives every field as strict JSON (ISO 8601 dates and instants).

    Attributes:
        action: ``{'call', 'testimonial_request', 'review_request', 'nurture'}``.
        category: ``{'detractor', 'passive', 'promoter'}``.
        reason: Why, as a sentence: the score, the survey, the date and the rule.
        response_id: The answer's ``id``.
        account_id: The account the respondent belongs to.
        contact_id: The respondent, or ``None`` when the answer does not say.
        score: The answer, 0..10.
        survey_type: ``relationship`` or ``transactional`` (``None`` when the data does
            not say).
        touchpoint: Where a transactional survey was asked, when known.
        comment: The respondent's comment, when there is one.
        submitted_at: When the answer was given (aware, UTC).
        due_on: The (UTC) date of the answer plus the policy's days for the category.
        overdue: Whether ``due_on`` is before the ``as_of`` date.
        priority: 1 for detractors (an unhappy customer is the most urgent), 2 for
            promoters (their goodwill fades; ask while it is fresh), 3 for passives.
    """

    action: FollowUpAction
    category: NPSCategory
    reason: str
    response_id: int | str
    account_id: int | str
    contact_id: int | str | None
    score: int
    survey_type: SurveyType | None
    touchpoint: str | None
    comment: str | None
    submitted_at: datetime
    due_on: date
    overdue: bool
    priority: int

    def __repr__(self) -> str:
        late = ", overdue" if self.overdue else ""
        return (
            f"FollowUp({self.action}, priority {self.priority}, due {self.due_on}{late}; "
            f"response {self.response_id!r}, account {self.account_id!r}, "
            f"contact {self.contact_id!r}, score {self.score} ({self.category}))"
        )


def follow_ups(
    responses: object,
    *,
    as_of: AsOf,
    policy: FollowUpPolicy | None = None,
    previous: Mapping[str, date | datetime] | None = None,
) -> list[FollowUp]:
    """The follow-up queue of NPS answers as of a date.

    Every answer submitted in ``[as_of - window_days, as_of)`` is a candidate; answers
    at or after ``as_of`` are ignored (point in time). Relationship and transactional
    answers both count, and each follow-up says which survey it came from.

    * **One per contact.** A contact gets at most one follow-up a run, decided by their
      most recent answer in the window (ties: the larger response id). A detractor who
      later answered as a promoter is asked for a testimonial or review, not called; a
      contact whose latest answer is passive gets nothing when passives are left out.
      Answers without a ``contact_id`` are each their own respondent.
    * **Quiet window.** A contact whose previous follow-up (from ``previous``) falls in
      ``(as_of - quiet_days, as_of)`` gets nothing: they may be asked again
      ``quiet_days`` after it. Entries dated at or after ``as_of`` are ignored.
    * **Actions.** Detractor (0-6): ``call``, due ``detractor_days`` after the answer;
      passive (7-8): ``nurture``; promoter (9-10): ``testimonial_request`` or
      ``review_request`` (``promoter_action``). Dates are UTC dates.
    * **Order.** Priority (1 detractors, 2 promoters, 3 passives), then due date, then
      ``submitted_at``, then response id.

    Args:
        responses: NPS ``SurveyResponse`` records, a `Table`, a mapping of columns or a
            data frame with ``id``, ``account_id``, ``score`` and ``submitted_at``
            (``contact_id``, ``survey_type``, ``touchpoint`` and ``comment`` are read when
            present). Rows of other kinds (CSAT, CES) are set aside.
        as_of: The day the queue is built (a `date` is midnight UTC), or an aware
            `datetime`.
        policy: The rules; `FollowUpPolicy()` (its defaults) when omitted.
        previous: ``contact_id`` -> date (or aware datetime) of that contact's last
            follow-up before this run, so the quiet window spans runs. Identifiers
            compare as text (``17`` and ``"17"`` are one contact, as in the models).

    Returns:
        The follow-ups, most urgent first.

    Raises:
        InvalidInputError: On responses of another form or with missing columns, a score
            outside 0..10, a naive ``as_of`` or ``previous`` datetime, or a ``previous``
            that is not a mapping of contact ids to dates.
        ConfigError: If ``policy`` is not a `FollowUpPolicy`.

    Examples:
        >>> from datetime import date, datetime, timezone
        >>> from cshealth import SurveyResponse
        >>> def answer(id, contact, score, day, comment=None):
        ...     return SurveyResponse(
        ...         id=id,
        ...         account_id="A-1",
        ...         contact_id=contact,
        ...         kind="nps",
        ...         survey_type="relationship",
        ...         score=score,
        ...         comment=comment,
        ...         submitted_at=datetime(2025, 11, day, 9, tzinfo=timezone.utc),
        ...     )
        >>> queue = follow_ups(
        ...     [
        ...         answer("R-1", "C-1", 3, 2),
        ...         answer("R-2", "C-2", 10, 3, "Love it"),
        ...         answer("R-3", "C-3", 8, 4),
        ...         answer("R-4", "C-4", 9, 5),
        ...     ],
        ...     as_of=date(2025, 11, 6),
        ...     previous={"C-4": date(2025, 10, 1)},
        ... )
        >>> [(f.action, f.contact_id, str(f.due_on), f.overdue) for f in queue]
        [('call', 'C-1', '2025-11-04', True),
         ('testimonial_request', 'C-2', '2025-11-10', False),
         ('nurture', 'C-3', '2025-11-18', False)]
        >>> queue[0].reason
        'scored 3 (detractor) on the relationship survey on 2025-11-02: call within 2 days'
    """
    policy = _check_policy(policy)
    cutoff = as_instant(as_of, "as_of")
    quiet = _quiet_contacts(previous, cutoff, policy.quiet_days)
    columns = survey_columns(
        responses,
        kind="nps",
        need=("id", "account_id", "score", "submitted_at"),
        optional=("contact_id", "survey_type", "touchpoint", "comment"),
        survey_type="any",
    )
    _check_scores(columns)
    submitted = columns.instants()
    start = cutoff - np.timedelta64(policy.window_days, "D")
    window = columns.take((submitted >= start) & (submitted < cutoff))
    ids = _identifiers(window["id"])
    rows = _latest_per_respondent(window, ids, quiet)
    category = _CATEGORY[window.scores()[rows]]
    if not policy.include_passives:
        rows, category = rows[category != 1], category[category != 1]
    days = np.array([policy.detractor_days, policy.passive_days, policy.promoter_days])
    due = window.instants()[rows].astype("datetime64[D]") + days[category].astype("m8[D]")
    priority = _PRIORITY[category]
    order = np.lexsort((ids[rows], window.instants()[rows], due, priority))
    build = _Builder(window, ids, policy, cutoff.astype("datetime64[D]"))
    return build(rows[order], category[order], due[order], priority[order])


def queue_summary(follow_ups: Iterable[FollowUp]) -> dict[str, int]:
    """Counts of a queue: per action, overdue, and in all.

    Args:
        follow_ups: The `FollowUp` items of a queue (what `follow_ups` returns).

    Returns:
        The count per action, then ``overdue`` and ``total``.

    Raises:
        InvalidInputError: If ``follow_ups`` is not an iterable of `FollowUp` items.

    Examples:
        >>> queue_summary([])
        {'call': 0, 'testimonial_request': 0, 'review_request': 0, 'nurture': 0,
         'overdue': 0, 'total': 0}
    """
    counts = dict.fromkeys(_ACTIONS, 0)
    counts.update(overdue=0, total=0)
    for position, item in enumerate(_iterate(follow_ups, "follow_ups")):
        if not isinstance(item, FollowUp):
            msg = (
                f"`follow_ups` must hold FollowUp items (as `follow_ups()` returns); "
                f"position {position} holds {type(item).__name__} {shown(item)}"
            )
            raise InvalidInputError(msg)
        counts[item.action] += 1
        counts["overdue"] += item.overdue
        counts["total"] += 1
    return counts


# --- checking the arguments ----------------------------------------------------------------


def _iterate(values: object, name: str) -> Iterable[object]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        msg = f"`{name}` must be an iterable of FollowUp items, got {type(values).__name__}"
        raise InvalidInputError(msg)
    return values


def _check_policy(policy: object) -> FollowUpPolicy:
    if policy is None:
        return FollowUpPolicy()
    if isinstance(policy, FollowUpPolicy):
        return policy
    msg = (
        f"`policy` must be a FollowUpPolicy or None, got {type(policy).__name__}; build "
        "one with FollowUpPolicy(...) or FollowUpPolicy.model_validate_json(text)"
    )
    raise ConfigError(msg)


def _quiet_contacts(previous: object, cutoff: np.datetime64, quiet_days: int) -> IdArray:
    """The contacts whose previous follow-up lies in ``(as_of - quiet_days, as_of)``."""
    if previous is None:
        return _NO_IDS
    if not isinstance(previous, Mapping):
        msg = (
            "`previous` must be a mapping of contact_id to the date (or aware datetime) of "
            f"that contact's last follow-up, got {type(previous).__name__}"
        )
        raise InvalidInputError(msg)
    start = cutoff - np.timedelta64(quiet_days, "D")
    quiet: list[object] = []
    for contact, when in previous.items():
        if is_missing(contact):
            msg = f"`previous` has the contact_id {contact!r}; key it by the contacts' identifiers"
            raise InvalidInputError(msg)
        last = as_instant(when, f"previous[{contact!r}]")
        if start < last < cutoff:
            quiet.append(contact)
    return read_ids(quiet, name="the keys of previous")


def _check_scores(columns: SurveyColumns) -> None:
    scores = columns.scores()
    bad = (scores < 0) | (scores > 10)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"response {columns['id'][row]!r}: `score` is {int(scores[row])}; NPS scores "
            f"are whole numbers 0..10 ({int(bad.sum())} bad scores in all)"
        )
        raise InvalidInputError(msg)


def _identifiers(values: NDArray[np.generic]) -> IdArray:
    """Identifiers by the one rule (whole numbers stay numbers); missing is ``None``."""
    return read_ids(values, name="identifiers", allow_missing=True)


# --- the selection -------------------------------------------------------------------------


def _latest_per_respondent(columns: SurveyColumns, ids: IdArray, quiet: IdArray) -> IntArray:
    """The rows of each respondent's latest answer, leaving out quiet contacts."""
    codes, quiet_codes = _respondents(columns, quiet)
    rows = np.flatnonzero(~np.isin(codes, quiet_codes))
    return rows[latest_rows(codes[rows], columns.instants()[rows].view(np.int64), ids[rows])]


def _respondents(columns: SurveyColumns, quiet: IdArray) -> tuple[IntArray, IntArray]:
    """Respondent codes of the rows and of the quiet contacts, on one numbering.

    An answer without a contact gets a code of its own, which no quiet contact shares.
    """
    if "contact_id" not in columns.columns:
        return np.arange(columns.n, dtype=np.int64), np.empty(0, dtype=np.int64)
    contacts = _identifiers(columns["contact_id"])
    same_kind(("`previous`", quiet), ("the responses' `contact_id`", contacts), noun="contact ids")
    codes, k = id_codes(np.concatenate([contacts.astype(object), quiet.astype(object)]))
    own, quiet_codes = codes[: columns.n], codes[columns.n :]
    anonymous = own < 0
    own[anonymous] = k + np.arange(int(anonymous.sum()))
    return own, quiet_codes


# --- building the follow-ups ---------------------------------------------------------------


def _within(days: int) -> str:
    if days == 0:
        return "the same day"
    return "within 1 day" if days == 1 else f"within {days} days"


def _text(value: object) -> str | None:
    """Text of a cell; ``None`` for a missing (``None``, NaN) or blank one."""
    text = None if is_missing(value) else str(value).strip()
    return text or None


class _Row(NamedTuple):
    """The cells of one selected row, as Python values."""

    response_id: int | str
    account_id: int | str
    contact_id: int | str | None
    score: int
    survey_type: str | None
    touchpoint: str | None
    comment: str | None
    micros: int
    category: int
    due_on: date
    overdue: bool
    priority: int


class _Builder:
    """Turns selected rows into `FollowUp` objects (Python values only for those rows)."""

    def __init__(
        self,
        columns: SurveyColumns,
        ids: IdArray,
        policy: FollowUpPolicy,
        today: np.datetime64,
    ) -> None:
        self.columns = columns
        self.ids = ids
        self.policy = policy
        self.today = today
        days = {
            "call": policy.detractor_days,
            "nurture": policy.passive_days,
            "testimonial_request": policy.promoter_days,
            "review_request": policy.promoter_days,
        }
        said = {"testimonial_request": " with a comment", "review_request": " without a comment"}
        #: The end of each reason, from the date on: the rule that chose the action.
        self.tails = {
            action: (said.get(action, "") if policy.promoter_action == "auto" else "")
            + f": {_ASK[action]} {_within(days[action])}"
            for action in _ACTIONS
        }

    def __call__(
        self, rows: IntArray, category: IntArray, due: NDArray[np.datetime64], priority: IntArray
    ) -> list[FollowUp]:
        values = zip(
            self.ids[rows].tolist(),
            _identifiers(self.columns["account_id"][rows]).tolist(),
            self._optional_ids("contact_id", rows),
            self.columns.scores()[rows].tolist(),
            self._column("survey_type", rows),
            self._column("touchpoint", rows),
            self._column("comment", rows),
            self.columns.instants()[rows].astype(np.int64).tolist(),
            category.tolist(),
            due.astype(object).tolist(),
            (due < self.today).tolist(),
            priority.tolist(),
        )
        return [self._one(_Row(*row)) for row in values]

    def _column(self, name: str, rows: IntArray) -> list[str | None]:
        if name not in self.columns.columns:
            return [None] * len(rows)
        return [_text(value) for value in self.columns[name][rows].tolist()]

    def _optional_ids(self, name: str, rows: IntArray) -> list[int | str | None]:
        if name not in self.columns.columns:
            return [None] * len(rows)
        return cast("list[int | str | None]", _identifiers(self.columns[name][rows]).tolist())

    def _one(self, row: _Row) -> FollowUp:
        category = _CATEGORIES[row.category]
        action = self._action(category, row.comment)
        submitted_at = _EPOCH + row.micros * _ONE_MICROSECOND
        survey = f"the {row.survey_type} survey" if row.survey_type else "an NPS survey"
        where = f" at the {row.touchpoint} touchpoint" if row.touchpoint else ""
        reason = (
            f"scored {row.score} ({category}) on {survey}{where} on "
            f"{submitted_at.date().isoformat()}{self.tails[action]}"
        )
        return FollowUp(
            action=action,
            category=category,
            reason=reason,
            response_id=row.response_id,
            account_id=row.account_id,
            contact_id=row.contact_id,
            score=row.score,
            survey_type=cast("SurveyType | None", row.survey_type),
            touchpoint=row.touchpoint,
            comment=row.comment,
            submitted_at=submitted_at,
            due_on=row.due_on,
            overdue=row.overdue,
            priority=row.priority,
        )

    def _action(self, category: NPSCategory, comment: str | None) -> FollowUpAction:
        if category == "detractor":
            return "call"
        if category == "passive":
            return "nurture"
        wanted = self.policy.promoter_action
        if wanted == "auto":
            wanted = "review" if comment is None else "testimonial"
        return "testimonial_request" if wanted == "testimonial" else "review_request"
