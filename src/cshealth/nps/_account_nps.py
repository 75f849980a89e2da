"""The result of `account_scores`: one NPS per account, and the revenue-weighted NPS.

`AccountNPS` holds the per-account counts, weights and scores; `AccountNPS.result` gives
one account's full `NPSResult` and `AccountNPS.revenue_weighted` the NPS across accounts,
each counting with its revenue (spec §1.6).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._exceptions import AccountNotFoundError, InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._result import AccountResult
from cshealth._time import as_instant
from cshealth._types import BoolArray, FloatArray, IdArray, InstantArray, IntArray
from cshealth.io._read import keyed_values, read_ids
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import tally_of

__all__ = ["ACCOUNT_UNITS", "AccountNPS", "AccountUnit"]

#: What one account's NPS counts: see `account_scores` and its module's documentation.
AccountUnit = Literal["response", "contact_latest", "account_mean"]
ACCOUNT_UNITS: tuple[str, ...] = get_args(AccountUnit)
#: What `AccountNPS.revenue_weighted` does with an account without revenue.
MissingRevenue = Literal["drop", "raise"]


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
            >>> from cshealth.nps import account_scores
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


def _iso(stamps: InstantArray | np.datetime64) -> NDArray[np.str_]:
    return np.datetime_as_string(stamps, unit="us", timezone="UTC")


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
