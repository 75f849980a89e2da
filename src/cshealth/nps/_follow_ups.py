"""The NPS follow-up queue: what a customer-success team does next about each answer.

Detractors (0-6) get a call, passives (7-8) a nurture touch, promoters (9-10) a request
for a testimonial or a review. `follow_ups` applies a `FollowUpPolicy` (the rules as data,
in `cshealth.nps._follow_up_policy`) to responses as of a date and returns the queue,
most urgent first.

The selection is columnar: the window is a mask, the latest answer of each
respondent is found by sorting on integer respondent codes, and the quiet window is a
membership test on the same codes. `FollowUp` objects (`cshealth.nps._follow_up`) are
built only for the rows that make the queue (`cshealth.nps._follow_up_build`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import numpy as np

from cshealth._codes import id_codes, is_missing, latest_rows
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant
from cshealth._types import AsOf, IdArray, IntArray
from cshealth.io._read import read_ids, same_kind
from cshealth.nps._follow_up import FollowUp
from cshealth.nps._follow_up_build import _Builder, _identifiers
from cshealth.nps._follow_up_policy import FollowUpPolicy, _check_policy
from cshealth.nps._responses import SurveyColumns, survey_columns

__all__ = ["follow_ups"]

#: Score -> category code: 0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).
_CATEGORY = np.array([0] * 7 + [1] * 2 + [2] * 2, dtype=np.int64)
#: Category code -> priority (1 = most urgent): detractors, then promoters, then passives.
_PRIORITY = np.array([1, 3, 2], dtype=np.int64)
_NO_IDS = np.empty(0, dtype=object)


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


# --- checking the arguments ----------------------------------------------------------------


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
