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
the tallies of all accounts come from one `numpy.bincount` over account × category.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, cast, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import MAX_WINDOW_DAYS, one_of, real_number, whole_number
from cshealth._codes import id_codes
from cshealth._exceptions import AccountNotFoundError, InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._result import AccountResult
from cshealth._time import as_instant, to_datetime
from cshealth._types import (
    AsOf,
    BoolArray,
    FloatArray,
    IdArray,
    InstantArray,
    IntArray,
    ObjectArray,
)
from cshealth.io._read import keyed_values, read_ids
from cshealth.models import SurveyType
from cshealth.nps._responses import SurveyColumns, check_survey_type, survey_columns
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import tally_of

__all__ = ["ACCOUNT_UNITS", "AccountNPS", "AccountUnit", "account_scores"]

#: What one account's NPS counts: see the module documentation.
AccountUnit = Literal["response", "contact_latest", "account_mean"]
ACCOUNT_UNITS: tuple[str, ...] = get_args(AccountUnit)
#: What `AccountNPS.revenue_weighted` does with an account without revenue.
MissingRevenue = Literal["drop", "raise"]

#: Score -> category: 0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).
_CATEGORY = np.array([0] * 7 + [1] * 2 + [2] * 2, dtype=np.int64)
_US_PER_DAY = 86_400_000_000
_OLDEST = int(np.iinfo(np.int64).min) + 1  # one above NaT


@dataclass(frozen=True, eq=False, repr=False)
class AccountNPS(AccountResult):
    """One NPS per account as of a date: the input a health score uses.

    Only accounts with at least one response in the window are listed, sorted by id. The
    arrays are aligned with `account_ids` and read-only. Counts are of responses with a
    weight above 0 (as in `NPSTally`), so an account whose responses in the window all
    weigh 0 is listed with ``n == 0`` and a NaN score; that is the only way NaN appears.

    ``len()`` is the number of accounts, ``row(account_id)`` an account's position in the
    arrays, `result` its full `NPSResult`; ``to_pandas()`` gives one row per account,
    ``to_dict()`` every field (the arrays as lists), `to_measures` the columns a health
    score reads.

    Attributes:
        account_ids: The accounts (``object`` array, ascending).
        score: NPS in points (-100..100), ``100 Σ w s / Σ w`` over what the unit counts.
        n: Responses counted (for ``contact_latest`` one per contact, so contacts).
        respondents: Distinct respondents among them (a response without
            ``contact_id`` is its own respondent).
        promoters: Responses counted that scored 9-10.
        passives: Responses counted that scored 7-8.
        detractors: Responses counted that scored 0-6.
        promoter_weight: Sum of the weights the promoters count with (per account, as in
            `NPSTally`; under ``account_mean`` a response weighs ``w / m``, ``m`` being the
            number of its contact's responses of weight > 0).
        passive_weight: The same for passives.
        detractor_weight: The same for detractors.
        weight_squares: Kish's ``Σ W²`` over the sampling units (responses, or contacts
            for ``account_mean``).
        last_response_at: The latest response in the window (``datetime64[us]``, UTC),
            whatever its weight.
        unanswered: Unanswered surveys of the account in the window (an empty score in
            the column form: ``NaN``, ``None``, ``pd.NA``), counted apart and left out of
            everything else. An account whose surveys in the window were all unanswered
            has no answer and is not listed.
        small: Fewer than ``min_n`` sampling units: responses for ``unit='response'``,
            contacts for the other units (all false when ``min_n`` is 0).
        as_of: The instant the scores are taken at (UTC); responses at or after it are
            ignored.
        unit: ``{'response', 'contact_latest', 'account_mean'}``.
        window_days: Length of the window ``[as_of - window_days, as_of)``, or ``None``
            for all history before ``as_of``.
        survey_type: The survey type scored, or ``None`` when the data does not say.
        min_n: The floor behind `small`.
    """

    account_ids: IdArray
    score: FloatArray
    n: IntArray
    respondents: IntArray
    promoters: IntArray
    passives: IntArray
    detractors: IntArray
    promoter_weight: FloatArray
    passive_weight: FloatArray
    detractor_weight: FloatArray
    weight_squares: FloatArray
    last_response_at: InstantArray
    unanswered: IntArray
    small: BoolArray
    as_of: datetime
    unit: AccountUnit
    window_days: float | None
    survey_type: str | None
    min_n: int

    @property
    def effective_n(self) -> FloatArray:
        """Kish's effective sample size per account, ``(Σw)² / ΣW²`` (0 without weight)."""
        total = self.detractor_weight + self.passive_weight + self.promoter_weight
        out = np.zeros(len(self))
        np.divide(total**2, self.weight_squares, out=out, where=self.weight_squares > 0)
        return out

    def result(self, account_id: object) -> NPSResult:
        """The full `NPSResult` of one account: counts, standard error, intervals.

        Under ``account_mean`` its effective sample size is the number of contacts (each
        contact is one sampling unit), so its interval is wider than that of the same
        answers treated as independent responses.

        Raises:
            AccountNotFoundError: If the account has no response in the window (also an
                `InvalidInputError` and a `KeyError`).
        """
        try:
            i = self.row(account_id)
        except AccountNotFoundError as error:
            window = self._window_text()
            msg = f"{error}; only accounts with responses in the window are listed ({window})"
            raise AccountNotFoundError(msg) from None
        return NPSResult(
            tally_of(
                (int(self.detractors[i]), int(self.passives[i]), int(self.promoters[i])),
                (
                    float(self.detractor_weight[i]),
                    float(self.passive_weight[i]),
                    float(self.promoter_weight[i]),
                ),
                float(self.weight_squares[i]),
            )
        )

    def revenue_weighted(
        self,
        revenue: Mapping[object, float] | tuple[ArrayLike, ArrayLike],
        *,
        missing: MissingRevenue = "drop",
    ) -> NPSResult:
        """The NPS across accounts, each account counting with its revenue (ARR or MRR).

        Args:
            revenue: Revenue by account: a mapping ``{account_id: value}`` or a pair
                ``(account_ids, values)`` of equal length. Values must be finite and
                ``>= 0``, one currency; ids not among `account_ids` are ignored.
            missing: What to do with listed accounts that have no revenue:
                ``{'drop', 'raise'}``. ``drop`` leaves them out (as it does accounts of
                revenue 0 and accounts with a NaN score).

        Returns:
            An `NPSResult` whose tally holds, per category, the revenue-weighted sums;
            its ``n`` counts the responses of the accounts that took part. Without any
            such account its score is ``None``.

        Raises:
            InvalidInputError: On a negative, NaN or infinite revenue, a duplicate or
                missing id, a malformed argument, or (``missing='raise'``) a listed
                account without revenue.

        Notes:
            ``NPS_R = Σ_a R_a NPS_a / Σ_a R_a`` [S11 greenbook]. It is built as a weighted
            tally: every counted response ``i`` of account ``a`` gets the weight
            ``R_a w_i / Σ_{j∈a} w_j`` (``R_a / n_a`` unweighted), so each account brings
            exactly its revenue and its own mix of answers. The standard error and
            intervals then use Kish's ``n_eff = (Σ_a R_a)² / Σ_a (R_a/W_a)² S_a``, with
            ``W_a`` the account's total weight and ``S_a`` its `weight_squares`: revenue
            concentrated in a few accounts gives a small ``n_eff``. Like every Kish
            correction it ignores clustering of answers within an account (spec §1.6).
        """
        one_of(missing, MissingRevenue, "missing")
        ids, values = _revenue_columns(revenue)
        given, found = keyed_values(
            dict(zip(ids.tolist(), values.tolist())), self.account_ids, name="revenue"
        )
        per_account = np.where(found, given, np.nan).astype(np.float64)
        absent = ~found
        if missing == "raise" and absent.any():
            shown = ", ".join(repr(a) for a in self.account_ids[absent][:5].tolist())
            msg = (
                f"{int(absent.sum())} of {len(self)} accounts have no revenue (e.g. {shown}); "
                "give every account a value, or pass missing='drop' to leave them out"
            )
            raise InvalidInputError(msg)
        totals = self.detractor_weight + self.passive_weight + self.promoter_weight
        use = ~absent & (totals > 0) & (np.nan_to_num(per_account) > 0)
        scale = np.zeros(len(self))
        np.divide(per_account, totals, out=scale, where=use)
        return NPSResult(
            tally_of(
                (
                    int(self.detractors[use].sum()),
                    int(self.passives[use].sum()),
                    int(self.promoters[use].sum()),
                ),
                (
                    float(scale @ self.detractor_weight),
                    float(scale @ self.passive_weight),
                    float(scale @ self.promoter_weight),
                ),
                float(scale**2 @ self.weight_squares),
            )
        )

    def to_measures(self) -> MeasureTable:
        """The per-account measures a health score reads, as a `MeasureTable`.

        Columns: ``nps`` (points; NaN for an account whose responses all weigh 0),
        ``nps_responses`` (`n`), ``nps_respondents``, ``nps_promoters``,
        ``nps_detractors``, ``nps_unanswered`` (`unanswered`), ``nps_small`` and
        ``nps_last_response_at``. Join it with other areas' tables with
        `cshealth.join_measures`.

        Examples:
            >>> from datetime import date
            >>> table = account_scores(
            ...     {
            ...         "account_id": ["A", "A", "B"],
            ...         "score": [10, 3, 9],
            ...         "submitted_at": ["2025-05-01T10:00Z"] * 3,
            ...     },
            ...     as_of=date(2025, 6, 1),
            ... ).to_measures()
            >>> table["nps"].tolist(), table["nps_responses"].tolist()
            ([0.0, 100.0], [2, 1])
        """
        return MeasureTable(
            self.account_ids,
            {
                "nps": self.score,
                "nps_responses": self.n,
                "nps_respondents": self.respondents,
                "nps_promoters": self.promoters,
                "nps_detractors": self.detractors,
                "nps_unanswered": self.unanswered,
                "nps_small": self.small,
                "nps_last_response_at": self.last_response_at,
            },
            as_of=as_instant(self.as_of),
            source="nps",
        )

    def to_records(self) -> list[dict[str, object]]:
        """One dictionary per account (scores ``None`` where NaN, instants aware UTC)."""
        stamps = self.last_response_at.astype(datetime).tolist()
        columns = {
            "account_id": self.account_ids.tolist(),
            "score": [None if math.isnan(s) else s for s in self.score.tolist()],
            "n": self.n.tolist(),
            "respondents": self.respondents.tolist(),
            "promoters": self.promoters.tolist(),
            "passives": self.passives.tolist(),
            "detractors": self.detractors.tolist(),
            "effective_n": self.effective_n.tolist(),
            "unanswered": self.unanswered.tolist(),
            "last_response_at": [s.replace(tzinfo=timezone.utc) for s in stamps],
            "small": self.small.tolist(),
        }
        return [dict(zip(columns, row)) for row in zip(*columns.values())]

    def _window_text(self) -> str:
        end = _iso(as_instant(self.as_of))
        if self.window_days is None:
            return f"all history before {end}"
        return f"{self.window_days:g} days before {end}"

    def __repr__(self) -> str:
        aside = int(self.unanswered.sum())
        head = (
            f"AccountNPS({len(self)} accounts, unit={self.unit!r}, "
            f"survey_type={self.survey_type!r}, {self._window_text()}"
            f"{f', {aside} unanswered' if aside else ''}"
        )
        if not len(self):
            return head + ")"
        lines = [f"  {'account_id':<14} {'score':>7} {'n':>5}  P/N/D"]
        for i in range(min(len(self), 5)):
            score = "nan" if math.isnan(self.score[i]) else f"{self.score[i]:.1f}"
            lines.append(
                f"  {self.account_ids[i]!s:<14} {score:>7} {self.n[i]:>5}  "
                f"{self.promoters[i]}/{self.passives[i]}/{self.detractors[i]}"
            )
        if len(self) > 5:
            lines.append(f"  ... {len(self) - 5} more")
        return head + ";\n" + "\n".join(lines) + ")"


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


@dataclass(frozen=True)
class _Counted:
    """What the unit counts: responses (account, category, weight) and sampling units."""

    account: IntArray
    category: IntArray
    weight: FloatArray
    unit_account: IntArray
    unit_weight: FloatArray
    respondent_account: IntArray


def _select(
    unit: str,
    *,
    account: IntArray,
    contact: IntArray,
    times: IntArray,
    weight: FloatArray,
    category: IntArray,
) -> _Counted:
    """The responses a unit counts, by sorting on (account, contact, time, row)."""
    keep = weight > 0
    account, contact, times = account[keep], contact[keep], times[keep]
    weight, category = weight[keep], category[keep]
    order = np.lexsort((np.arange(len(account)), times, contact, account))
    account, contact, weight, category = (
        account[order], contact[order], weight[order], category[order],
    )  # fmt: skip
    first = np.ones(len(account), dtype=bool)  # first response of each respondent
    first[1:] = (account[1:] != account[:-1]) | (contact[1:] != contact[:-1])
    respondent_account = account[first]
    if unit == "contact_latest":
        last = np.ones(len(account), dtype=bool)
        last[:-1] = first[1:]
        account, weight, category = account[last], weight[last], category[last]
    elif unit == "account_mean":
        group = np.cumsum(first) - 1
        weight = weight / np.bincount(group)[group]
        contact_weight = cast("FloatArray", np.bincount(group, weights=weight))
        return _Counted(
            account, category, weight, respondent_account, contact_weight, respondent_account
        )
    return _Counted(account, category, weight, account, weight, respondent_account)


def _unanswered(columns: SurveyColumns, ids: ObjectArray, end: int, span: int | None) -> IntArray:
    """Per listed account, its unanswered surveys submitted in ``[end - span, end)``."""
    aside = columns.unanswered
    if not aside:
        return np.zeros(len(ids), dtype=np.int64)
    times = aside["submitted_at"].astype("datetime64[us]").view(np.int64)
    inside = times < end
    if span is not None:
        inside &= times >= max(end - span, _OLDEST)
    accounts = read_ids(aside["account_id"][inside], name="account_id", allow_missing=True)
    codes, k = id_codes(np.concatenate([ids.astype(object), accounts.astype(object)]))
    listed = np.full(k + 1, -1, dtype=np.int64)  # the last slot answers code -1 (missing)
    listed[codes[: len(ids)]] = np.arange(len(ids))
    where = listed[codes[len(ids) :]]
    return np.bincount(where[where >= 0], minlength=len(ids)).astype(np.int64)


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


def _account_index(values: NDArray[np.generic], rows: IntArray) -> tuple[IntArray, ObjectArray]:
    """Each row's position among the sorted distinct accounts, and those accounts."""
    codes, k = id_codes(values)
    if (codes < 0).any():
        row = int(rows[np.flatnonzero(codes < 0)[0]])
        msg = f"row {row + 1}: `account_id` is missing; every response needs its account"
        raise InvalidInputError(msg)
    ids = np.empty(k, dtype=object)
    ids[codes] = values.astype(object)
    try:
        order = np.argsort(ids, kind="stable")
    except TypeError:
        kinds = sorted({type(v).__name__ for v in ids.tolist()})
        msg = f"`account_id` values must all be text or all numbers, got a mix of {kinds}"
        raise InvalidInputError(msg) from None
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[codes], cast("ObjectArray", ids[order])


def _contact_codes(values: NDArray[np.generic] | None, rows: IntArray) -> IntArray:
    """A code per respondent; a response without ``contact_id`` gets a code of its own."""
    if values is None:
        return np.arange(len(rows), dtype=np.int64)
    codes, k = id_codes(values[rows])
    anonymous = codes < 0
    return np.where(anonymous, k + np.cumsum(anonymous) - 1, codes)


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


def _iso(stamps: InstantArray | np.datetime64) -> NDArray[np.str_]:
    return np.datetime_as_string(stamps, unit="us", timezone="UTC")


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


def _revenue_columns(revenue: object) -> tuple[IdArray, FloatArray]:
    """Revenue as ``(ids, values)``, checked: finite, ``>= 0``, ids distinct."""
    if isinstance(revenue, Mapping):
        keys, raw = list(revenue.keys()), list(revenue.values())
    elif isinstance(revenue, (tuple, list)) and len(revenue) == 2:
        keys, raw = list(np.asarray(revenue[0], dtype=object)), revenue[1]
    else:
        msg = (
            "`revenue` must be a mapping {account_id: value} or a pair "
            f"(account_ids, values); got {type(revenue).__name__}"
        )
        raise InvalidInputError(msg)
    ids = read_ids(keys, name="revenue account ids")
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        msg = "`revenue` values must be numbers >= 0"
        raise InvalidInputError(msg) from None
    if values.shape != ids.shape:
        msg = f"`revenue` has {len(ids)} account ids but values of shape {values.shape}"
        raise InvalidInputError(msg)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = (
            f"`revenue` of account {ids[i]!r} is {float(values[i])!r}; revenue must be "
            f"finite and >= 0 ({int(bad.sum())} bad values in all)"
        )
        raise InvalidInputError(msg)
    if len(np.unique(ids)) < len(ids):
        msg = "`revenue` account ids must be distinct (one value per account)"
        raise InvalidInputError(msg)
    return ids, values
