"""NPS migration: how the same respondents moved between two survey waves.

Respondents who answered both waves are matched by their identifier. Their movement
between the three categories is a 3×3 transition matrix (a Markov-style view), and the
change of their NPS is tested with a paired t-test on the per-person change of the
-1/0/+1 code, which accounts for the correlation of one person's two answers (the
independent-samples test of `compare` does not).

`migration` reads each wave (`_Wave`: a mapping of scores, or responses of any form,
keeping each respondent's latest answer) and matches them; the result, `NPSMigration`,
is in `cshealth.nps._migration_result`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sized
from dataclasses import dataclass
from typing import NoReturn, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import whole_number
from cshealth._codes import id_codes, latest_rows
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._types import IdArray, IntArray
from cshealth.io._read import read_ids, same_kind
from cshealth.nps._answers import _CATEGORY, _check_scores
from cshealth.nps._migration_result import NPSMigration
from cshealth.nps._responses import survey_columns

__all__ = ["migration"]


def migration(
    wave1: object,
    wave2: object,
    *,
    respondent: str = "contact_id",
    min_n: int = 30,
) -> NPSMigration:
    """Match the respondents of two NPS waves and measure how they moved.

    Args:
        wave1: The first wave: a mapping of respondent to 0-10 score, or NPS responses
            (``SurveyResponse`` records, a `Table`, a mapping of columns or a data frame)
            with a ``score`` column and the ``respondent`` column.
        wave2: The second wave, in any of the same forms.
        respondent: The column that identifies a respondent in responses (not used for a
            mapping of scores). Rows where it is missing (``None``, NaN) are counted as
            ``unidentified`` and left out.
        min_n: Below this many matched respondents a `SmallSampleWarning` is issued.

    Returns:
        The `NPSMigration`. With nobody matched its ``change`` is ``None``.

    Raises:
        InvalidInputError: On a score that is not a whole number in 0..10 (NaN included),
            an unhashable identifier, a missing column, waves of different survey types
            (or one wave mixing them: relationship and transactional NPS are never
            pooled), or a respondent answering a wave twice when there is no
            ``submitted_at`` to tell which answer is the latest.

    Notes:
        A respondent who answered a wave more than once counts with the latest answer by
        ``submitted_at`` (on a tie, the later row). With ``M`` the transition matrix and
        ``d_i = s_i2 - s_i1`` the change of person ``i``'s -1/0/+1 code:
        ``change = 100 mean(d)``, ``standard_error = 100 sd(d) / sqrt(n)`` (sample sd),
        ``statistic = change / standard_error`` and the p-value is two-sided from the t
        distribution with ``n - 1`` degrees of freedom. When every ``d_i`` is equal the
        standard deviation is 0: the statistic is 0 with p-value 1 when the change is 0,
        and ``±inf`` with p-value 0 otherwise (scipy's ``ttest_rel`` gives NaN there).
        Identifiers of both waves are coded together and matched with numpy, without a
        Python loop per respondent.

    Examples:
        Six customers answered in spring and six in autumn, five of them both times:

        | respondent | spring | autumn | categories           | change of code |
        |------------|--------|--------|----------------------|----------------|
        | ann        | 9      | 10     | promoter → promoter  | 0              |
        | bob        | 10     | 6      | promoter → detractor | -2             |
        | cat        | 7      | 9      | passive → promoter   | +1             |
        | dan        | 3      | 8      | detractor → passive  | +1             |
        | eve        | 5      | 7      | detractor → passive  | +1             |
        | fay        | 8      |        | left after spring    |                |
        | gus        |        | 9      | joined in autumn     |                |

        The panel is ann..eve: fay is a leaver and gus an entrant. In spring the panel had
        2 promoters and 2 detractors of 5 (NPS 0), in autumn 2 promoters and 1 detractor
        (NPS +20). The changes 0, -2, +1, +1, +1 have mean 0.2 (the +20 points) and sample
        standard deviation sqrt(6.8 / 4) = 1.304, so the standard error is
        1.304 / sqrt(5) = 0.583 (58.3 points) and t = 0.2 / 0.583 = 0.343 on 4 degrees of
        freedom: five people cannot show that a 20-point rise is real. One of the two
        promoters stayed (retention 0.5); both detractors recovered (recovery 1.0).

        >>> spring = {"ann": 9, "bob": 10, "cat": 7, "dan": 3, "eve": 5, "fay": 8}
        >>> autumn = {"ann": 10, "bob": 6, "cat": 9, "dan": 8, "eve": 7, "gus": 9}
        >>> res = migration(spring, autumn, min_n=0)
        >>> res.before.score, res.after.score, res.change
        (0.0, 20.0, 20.0)
        >>> res.matched, res.entrants, res.leavers
        (5, 1, 1)
        >>> round(res.standard_error, 2), round(res.statistic, 3), round(res.pvalue, 3)
        (58.31, 0.343, 0.749)
        >>> res.promoter_retention, res.detractor_recovery
        (0.5, 1.0)
        >>> print(res.format())
        wave 1 → wave 2  detractor  passive  promoter  total
        detractor                0        2         0      2
        passive                  0        0         1      1
        promoter                 1        0         1      2
        total                    1        2         2      5
    """
    whole_number(min_n, "min_n", low=0)
    if not respondent:
        msg = f"`respondent` must be the name of a column, got {respondent!r}"
        raise InvalidInputError(msg)
    first = _Wave.read(wave1, "wave1", respondent)
    second = _Wave.read(wave2, "wave2", respondent)
    same_kind(("`wave1`", first.ids), ("`wave2`", second.ids), noun="respondent ids")
    survey_type = _common_type(first.survey_type, second.survey_type)
    codes, k = _codes(first.ids, second.ids)
    codes1, codes2 = codes[: len(first.ids)], codes[len(first.ids) :]
    cat1, dropped1 = first.categories(codes1, k)
    cat2, dropped2 = second.categories(codes2, k)
    in1, in2 = cat1 >= 0, cat2 >= 0
    both = in1 & in2
    cells = np.bincount(3 * cat1[both] + cat2[both], minlength=9).astype(np.int64)
    transitions = cells.reshape(3, 3)
    result = NPSMigration(
        transitions=transitions,
        entrants=int((in2 & ~in1).sum()),
        leavers=int((in1 & ~in2).sum()),
        unidentified=(int((codes1 < 0).sum()), int((codes2 < 0).sum())),
        duplicates=(dropped1, dropped2),
        survey_type=survey_type,
    )
    if result.matched < min_n:
        warnings.warn(
            f"NPS migration of {result.matched} matched respondents (fewer than "
            f"min_n={min_n}): the change is uncertain",
            SmallSampleWarning,
            stacklevel=2,
        )
    return result


@dataclass(frozen=True)
class _Wave:
    """One wave as aligned columns: identifiers, checked scores, optional instants."""

    name: str
    ids: NDArray[np.generic]
    scores: NDArray[np.intp]
    submitted_at: NDArray[np.datetime64] | None
    survey_type: str | None

    @classmethod
    def read(cls, data: object, name: str, respondent: str) -> _Wave:
        if isinstance(data, Mapping) and _is_score_mapping(data):
            ids = read_ids(list(data.keys()), name=f"the keys of {name}", allow_missing=True)
            return cls(name, ids, _scores(list(data.values()), name), None, None)
        try:
            columns = survey_columns(
                data, kind="nps", need=("score", respondent), optional=("submitted_at",)
            )
        except InvalidInputError as err:  # name the wave; keep the per-row problems
            raise InvalidInputError(f"`{name}`: {err.args[0]}", err.errors) from None
        ids = read_ids(columns[respondent], name=f"{name}[{respondent!r}]", allow_missing=True)
        instants = columns.instants() if "submitted_at" in columns.columns else None
        scores = _scores(columns.scores(), name)
        return cls(name, ids, scores, instants, columns.survey_type)

    def categories(self, codes: IntArray, k: int) -> tuple[NDArray[np.intp], int]:
        """Each respondent's category (``-1`` when absent) and the duplicates left out."""
        rows = self._latest(codes, k)
        category = np.full(k, -1, dtype=np.intp)
        category[codes[rows]] = _CATEGORY[self.scores[rows]]
        return category, int((codes >= 0).sum()) - len(rows)

    def _latest(self, codes: IntArray, k: int) -> IntArray:
        """The rows kept: one per identified respondent, the latest when repeated."""
        rows = np.flatnonzero(codes >= 0)
        own = codes[rows]
        repeated = np.bincount(own, minlength=k)[own] > 1
        if not repeated.any():
            return rows
        if self.submitted_at is None:
            self._refuse(
                rows[repeated],
                own[repeated],
                "there is no `submitted_at` to tell "
                "which answer is the latest; pass it, or one answer per respondent",
            )
        times = self.submitted_at[rows]  # never NaT: the reader refuses a missing one
        kept: IntArray = rows[latest_rows(own, times.astype(np.int64), rows)]
        return kept

    def _refuse(self, rows: IntArray, codes: IntArray, reason: str) -> NoReturn:
        value = self.ids[int(rows[0])]
        shown = value.item() if isinstance(value, np.generic) else value
        msg = (
            f"`{self.name}`: respondent {shown!r} answered more than once and {reason} "
            f"(row {int(rows[0]) + 1}; {len(np.unique(codes))} such respondents in all)"
        )
        raise InvalidInputError(msg)


def _is_score_mapping(data: Mapping[object, object]) -> bool:
    """A mapping of respondent to score (scalar values) rather than of columns."""
    first = next(iter(data.values()), None)
    return not isinstance(first, Sized) or isinstance(first, (str, bytes))


def _scores(values: object, name: str) -> NDArray[np.intp]:
    try:
        array = np.asarray(values)
    except ValueError:  # ragged: sequences among the scores
        array = np.fromiter(cast("list[object]", values), dtype=object)
    return _check_scores(array, f"the scores of `{name}`")


def _codes(first: IdArray, second: IdArray) -> tuple[IntArray, int]:
    """Codes for the identifiers of both waves together (``-1`` where missing)."""
    if first.dtype != second.dtype:  # whole numbers with and without missing ones
        first, second = first.astype(object), second.astype(object)
    return id_codes(np.concatenate([first, second]), dense=False)


def _common_type(first: str | None, second: str | None) -> str | None:
    if first is not None and second is not None and first != second:
        msg = (
            f"`wave1` holds {first} responses and `wave2` {second} ones; relationship and "
            "transactional NPS are never pooled: pass waves of one survey type"
        )
        raise InvalidInputError(msg)
    return first if first is not None else second
