"""Per-account NPS as of a date, and the revenue-weighted NPS across accounts.

A B2B survey asks several people at each customer, some of them more than once, so "the NPS
of an account" needs a rule for which answers count (spec §1.6, B2B aggregation modes from
[S11]; §1.7 for repeat respondents). `account_scores` offers three, chosen by ``unit``:

| unit | what counts | a contact weighs | Kish unit |
| --- | --- | --- | --- |
| ``response`` | every response in the window | the sum of its weights | response |
| ``contact_latest`` | each contact's latest response | its latest answer's weight | contact |
| ``account_mean`` | every response, averaged per contact first | its mean weight | contact |

``response`` suits transactional surveys, where each touchpoint is a unit; frequent
responders weigh more. ``contact_latest`` is the spec's "latest" dedupe (§1.7): a contact
counts once, with its current opinion. ``account_mean`` also lets a contact count once, but
with all its answers in the window (a contact who answered 10, then 0, counts as 0, not
as whichever came last); taking the latest answer *and then* the mean over contacts would only
repeat ``contact_latest``. The last two agree whenever no contact answered twice, and all
three agree without a ``contact_id`` column. A response without a ``contact_id`` is its
own respondent.

Everything is done on whole columns: accounts are numbered with `id_codes` (hashing,
not sorting text), the latest answer of each contact is found with one `numpy.lexsort`, and
the tallies of all accounts come from one `numpy.bincount` over account × category
(`cshealth.nps._account_counts`). The result is `cshealth.nps._account_nps.AccountNPS`.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import MAX_WINDOW_DAYS, one_of, real_number, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, FloatArray, InstantArray, IntArray, ObjectArray
from cshealth.models import SurveyType
from cshealth.nps._account_counts import (
    _OLDEST,
    _account_index,
    _contact_codes,
    _Counted,
    _select,
    _unanswered,
)
from cshealth.nps._account_nps import AccountNPS, AccountUnit
from cshealth.nps._responses import SurveyColumns, check_survey_type, survey_columns

__all__ = ["account_scores"]

#: Score -> category: 0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).
_CATEGORY = np.array([0] * 7 + [1] * 2 + [2] * 2, dtype=np.int64)
_US_PER_DAY = 86_400_000_000


def account_scores(
    responses: object,
    *,
    as_of: AsOf,
    unit: AccountUnit = "response",
    window_days: float | None = 365,
    survey_type: SurveyType | None = "relationship",
    weights: ArrayLike | None = None,
    min_n: int = 0,
) -> AccountNPS:
    """One NPS per account, from the responses in a window before ``as_of``.

    Args:
        responses: NPS ``SurveyResponse`` records, a `Table`, a mapping of columns or a
            data frame with ``account_id``, ``score`` and ``submitted_at`` (``contact_id``
            and ``weight`` used when present). Rows of other kinds are set aside.
        as_of: The instant the scores are taken at: a timezone-aware `datetime`, or a
            `date` (the start of that day in UTC). Naive datetimes are refused.
        unit: ``{'response', 'contact_latest', 'account_mean'}``: every response counts
            once; each contact's latest response counts once; or each contact counts once
            with the mean of its answers (see the module documentation).
        window_days: Responses with ``as_of - window_days <= submitted_at < as_of``
            count (a number of days ``> 0``, at most 36,525: a century); ``None`` takes
            all history before ``as_of``.
        survey_type: The survey type scored; ``None`` takes the one type the data holds
            and refuses a mix (relationship and transactional NPS are never pooled).
        weights: Weights ``>= 0``, one per NPS response read (after other kinds and
            survey types are set aside); they replace the ``weight`` column. Responses of
            weight 0 are left out.
        min_n: Accounts with fewer sampling units are flagged in `AccountNPS.small`
            (no warning per account).

    Returns:
        The `AccountNPS`, accounts sorted by id.

    Raises:
        InvalidInputError: On a naive or malformed ``as_of``, an unknown ``unit``, a
            window that is not a positive number of days, a bad ``min_n``, bad weights,
            a score outside 0..10, a missing ``account_id``, or mixed survey types when
            ``survey_type=None``.

    Notes:
        With ``s_i`` = +1 (9-10), 0 (7-8), -1 (0-6) and ``w_i`` the response weights,
        an account's score is ``100 Σ_i w_i s_i / Σ_i w_i`` over: every response
        (``response``); the latest response of each contact, ties going to the later
        row (``contact_latest``); or every response with ``w_i`` replaced by ``w_i / m_c``,
        ``m_c`` being the number of responses of weight > 0 of its contact ``c``
        (``account_mean``). The last is ``Σ_c W_c s̄_c / Σ_c W_c``, with ``s̄_c`` the
        contact's weighted mean code and ``W_c`` its mean weight; unweighted, the plain
        mean over contacts of each contact's mean code. `AccountNPS.result` gives the
        interval; under ``account_mean`` Kish's ``n_eff`` counts contacts, not answers.

    Examples:
        Two customers, as of the first of April: at A, Ana answered twice (3, then 10)
        and Bo once (9); at B, Cy answered 7 and an anonymous respondent 2.

        >>> from datetime import datetime, timezone
        >>> responses = {
        ...     "account_id": ["A", "A", "A", "B", "B"],
        ...     "contact_id": ["ana", "ana", "bo", "cy", None],
        ...     "score": [3, 10, 9, 7, 2],
        ...     "submitted_at": [
        ...         "2025-01-10T09:00Z",
        ...         "2025-03-01T09:00Z",
        ...         "2025-02-01T09:00Z",
        ...         "2025-02-15T09:00Z",
        ...         "2025-02-20T09:00Z",
        ...     ],
        ... }
        >>> april = datetime(2025, 4, 1, tzinfo=timezone.utc)  # or date(2025, 4, 1)
        >>> for unit in ("response", "contact_latest", "account_mean"):
        ...     res = account_scores(responses, as_of=april, unit=unit)
        ...     print(unit, res.score.round(1).tolist(), res.n.tolist())
        response [33.3, -50.0] [3, 2]
        contact_latest [100.0, -50.0] [2, 2]
        account_mean [50.0, -50.0] [3, 2]
        >>> latest = account_scores(responses, as_of=april, unit="contact_latest")
        >>> latest.revenue_weighted({"A": 90_000, "B": 10_000}).score
        85.0
        >>> latest.result("B")
        NPSResult(score=-50.0, n=2, 95% CI [-79.4, 39.4],
                  promoters=0, passives=1, detractors=1)
    """
    chosen_unit = _check_unit(unit)
    instant = as_instant(as_of)
    end = int(instant.astype(np.int64))
    span, days = _window(window_days)
    floor = whole_number(min_n, "min_n", low=0)
    columns = survey_columns(
        responses,
        kind="nps",
        need=("account_id", "score", "submitted_at"),
        optional=("contact_id", "weight"),
        survey_type=check_survey_type(survey_type),
    )
    categories = _categories(columns.scores())
    row_weights = _row_weights(weights, columns)
    times = columns.instants().astype("datetime64[us]").view(np.int64)
    inside = times < end
    if span is not None:
        inside &= times >= max(end - span, _OLDEST)
    rows = np.flatnonzero(inside)
    account, ids = _account_index(columns["account_id"][rows], rows)
    unanswered = _unanswered(columns, ids, end, span)
    contact = _contact_codes(columns.columns.get("contact_id"), rows)
    last = np.full(len(ids), _OLDEST, dtype=np.int64)
    np.maximum.at(last, account, times[rows])
    counted = _select(
        chosen_unit,
        account=account,
        contact=contact,
        times=times[rows],
        weight=row_weights[rows],
        category=categories[rows],
    )
    return _assemble(
        counted,
        ids,
        last.view("datetime64[us]"),
        unanswered,
        as_of=to_datetime(instant),
        unit=chosen_unit,
        window_days=days,
        survey_type=columns.survey_type,
        min_n=floor,
    )


def _assemble(
    counted: _Counted,
    ids: ObjectArray,
    last: InstantArray,
    unanswered: IntArray,
    *,
    as_of: datetime,
    unit: AccountUnit,
    window_days: float | None,
    survey_type: str | None,
    min_n: int,
) -> AccountNPS:
    """The per-account arrays (read-only), from one bincount over account × category."""
    k = len(ids)
    key = counted.account * 3 + counted.category
    counts = np.bincount(key, minlength=3 * k).reshape(k, 3).astype(np.int64)
    sums = np.bincount(key, weights=counted.weight, minlength=3 * k).reshape(k, 3)
    total = sums.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN where nothing weighs
        score = 100.0 * (sums[:, 2] / total - sums[:, 0] / total)
    respondents = np.bincount(counted.respondent_account, minlength=k).astype(np.int64)
    n = counts.sum(axis=1)
    squares = cast(
        "FloatArray",
        np.bincount(counted.unit_account, weights=counted.unit_weight**2, minlength=k),
    )
    return AccountNPS(
        account_ids=ids,
        score=score,
        n=n,
        respondents=respondents,
        promoters=counts[:, 2].copy(),
        passives=counts[:, 1].copy(),
        detractors=counts[:, 0].copy(),
        promoter_weight=sums[:, 2].copy(),
        passive_weight=sums[:, 1].copy(),
        detractor_weight=sums[:, 0].copy(),
        weight_squares=squares,
        last_response_at=last,
        unanswered=unanswered,
        small=(n if unit == "response" else respondents) < min_n,
        as_of=as_of,
        unit=unit,
        window_days=window_days,
        survey_type=survey_type,
        min_n=min_n,
    )


def _categories(scores: IntArray) -> IntArray:
    bad = (scores < 0) | (scores > 10)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"row {row + 1}: `score` is {int(scores[row])}; NPS scores are whole numbers "
            f"0..10 ({int(bad.sum())} bad values in all)"
        )
        raise InvalidInputError(msg)
    categories: IntArray = _CATEGORY[scores]
    return categories


def _row_weights(weights: ArrayLike | None, columns: SurveyColumns) -> FloatArray:
    if weights is None:
        given = columns.weights()
        return np.ones(columns.n) if given is None else given
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        msg = "`weights` must be numbers >= 0, one per NPS response"
        raise InvalidInputError(msg) from None
    if w.shape != (columns.n,):
        msg = (
            f"`weights` must hold one weight per NPS response read ({columns.n}), "
            f"got shape {w.shape}"
        )
        raise InvalidInputError(msg)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        msg = f"`weights` must be finite and >= 0; position {position} holds {w[position]!r}"
        raise InvalidInputError(msg)
    return w


def _check_unit(unit: object) -> AccountUnit:
    return cast("AccountUnit", one_of(unit, AccountUnit, "unit"))


def _window(window_days: object) -> tuple[int | None, float | None]:
    """The window in microseconds and in days (``None``: all history)."""
    if window_days is None:
        return None, None
    days = real_number(
        window_days,
        "window_days",
        low=0.0,
        high=MAX_WINDOW_DAYS,
        open_low=True,
        hint="; pass a number of days, or None for all history before `as_of`",
    )
    return round(days * _US_PER_DAY), int(days) if days.is_integer() else days
