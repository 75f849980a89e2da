"""NPS migration: how the same respondents moved between two survey waves.

Respondents who answered both waves are matched by their identifier. Their movement
between the three categories is a 3×3 transition matrix (a Markov-style view), and the
change of their NPS is tested with a paired t-test on the per-person change of the
-1/0/+1 code, which accounts for the correlation of one person's two answers (the
independent-samples test of `compare` does not).

`migration` reads each wave (`cshealth.nps._migration_waves`: a mapping of scores, or
responses of any form, keeping each respondent's latest answer) and matches them into the
partial of both whole waves (`cshealth.nps._migration_partial`), which it finalises; the
result, `NPSMigration`, is in `cshealth.nps._migration_result`.
"""

from __future__ import annotations

from cshealth.nps._migration_partial import build_migration, warn_small
from cshealth.nps._migration_result import NPSMigration

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
    result = build_migration(wave1, wave2, respondent=respondent, min_n=min_n)._migration()
    warn_small(result, min_n)
    return result
