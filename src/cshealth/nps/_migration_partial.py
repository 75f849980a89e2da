"""`NPSMigrationPartial`: the counts behind an NPS migration between two waves, mergeable.

`migration_partial` matches the respondents of one partition of both waves and counts
their moves between categories (the 3×3 transitions), the entrants and leavers, and the
responses left out (without an identifier, or earlier answers of a respondent);
partials of disjoint partitions merge, and `NPSMigrationPartial.finalize` gives the
`NPSMigration` of all of them. `cshealth.nps.migration` is exactly the finalised partial
of both whole waves.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from cshealth._checks import whole_number
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._partial import Partial, PartialKey, Requires
from cshealth.io._read import same_kind
from cshealth.nps._migration_result import CATEGORIES, NPSMigration
from cshealth.nps._migration_waves import _codes, _Wave
from cshealth.nps._partial_tally import one_type, parts_of

__all__ = ["NPSMigrationPartial", "migration_partial"]

#: The count columns of the transitions, row by row (wave 1 category, then wave 2's).
TRANSITIONS = tuple(f"{a}_to_{b}" for a in CATEGORIES for b in CATEGORIES)


@dataclass(frozen=True, eq=False, repr=False)
class NPSMigrationPartial(Partial):
    """The counts behind an NPS migration: a partial of `migration`.

    One row per pair of survey types the two waves were read as (``survey_type_1``,
    ``survey_type_2``; ``''`` where a wave does not say): the nine transitions
    (``detractor_to_detractor`` ... ``promoter_to_promoter``, wave 1's category first),
    ``entrants`` and ``leavers``, the responses without a respondent identifier
    (``unidentified_1``, ``unidentified_2``) and the earlier answers of respondents who
    answered a wave twice (``duplicates_1``, ``duplicates_2``). The key holds
    ``respondent`` (the identifier column) and ``min_n`` (below which `finalize` warns).

    Requires ``'contact_id'`` (the respondent): a respondent is matched across the two
    waves, and its latest answer kept within a wave, only when all of its responses in
    both waves sit in one partition.

    Examples:
        >>> from cshealth import nps
        >>> spring = {"ann": 9, "bob": 10, "cat": 7}
        >>> autumn = {"ann": 10, "bob": 6, "dan": 9}
        >>> left = nps.migration_partial({"ann": 9}, {"ann": 10}, min_n=0)
        >>> right = nps.migration_partial({"bob": 10, "cat": 7}, {"bob": 6, "dan": 9}, min_n=0)
        >>> merged = left + right
        >>> merged.columns["promoter_to_promoter"].tolist(), merged.requires
        ([1], 'contact_id')
        >>> merged.finalize() == nps.migration(spring, autumn, min_n=0)
        True
    """

    KIND: ClassVar[str] = "nps_migration"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("survey_type_1", "object"),
        ("survey_type_2", "object"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = (
        *TRANSITIONS,
        "entrants",
        "leavers",
        "unidentified_1",
        "unidentified_2",
        "duplicates_1",
        "duplicates_2",
    )
    REQUIRES: ClassVar[Requires] = "contact_id"

    def finalize(self) -> NPSMigration:
        """The `NPSMigration` of the respondents counted, as `migration` gives it.

        Below the key's ``min_n`` matched respondents a `SmallSampleWarning` is issued,
        as `migration` issues it.

        Raises:
            InvalidInputError: When a wave's rows hold relationship and transactional
                responses, or the two waves are of different survey types (they are
                never pooled).

        Examples:
            >>> from cshealth import nps
            >>> p = nps.migration_partial({"a": 9, "b": 3}, {"a": 10, "b": 8}, min_n=0)
            >>> p.finalize().transitions.tolist()
            [[0, 1, 0], [0, 0, 0], [0, 0, 1]]
        """
        result = self._migration()
        warn_small(result, int(self.key.option("min_n")))
        return result

    def _migration(self) -> NPSMigration:
        """`finalize` without its small-sample warning."""
        c = self.columns
        first = one_type(c["survey_type_1"], untyped=True)
        second = one_type(c["survey_type_2"], untyped=True)
        totals = {name: int(c[name].sum()) for name in self.COUNT_COLUMNS}
        transitions = np.array([totals[name] for name in TRANSITIONS], dtype=np.int64)
        return NPSMigration(
            transitions=transitions.reshape(3, 3),
            entrants=totals["entrants"],
            leavers=totals["leavers"],
            unidentified=(totals["unidentified_1"], totals["unidentified_2"]),
            duplicates=(totals["duplicates_1"], totals["duplicates_2"]),
            survey_type=common_type(first, second),
        )


def warn_small(result: NPSMigration, min_n: int, stacklevel: int = 3) -> None:
    """Warn when fewer than ``min_n`` respondents were matched."""
    if result.matched < min_n:
        warnings.warn(
            f"NPS migration of {result.matched} matched respondents (fewer than "
            f"min_n={min_n}): the change is uncertain",
            SmallSampleWarning,
            stacklevel=stacklevel,
        )


def common_type(first: str | None, second: str | None) -> str | None:
    """The survey type of both waves.

    Raises:
        InvalidInputError: When the waves say different types.
    """
    if first is not None and second is not None and first != second:
        msg = (
            f"`wave1` holds {first} responses and `wave2` {second} ones; relationship and "
            "transactional NPS are never pooled: pass waves of one survey type"
        )
        raise InvalidInputError(msg)
    return first if first is not None else second


def migration_partial(
    wave1: object,
    wave2: object,
    *,
    respondent: str = "contact_id",
    min_n: int = 30,
    part: str | None = None,
) -> NPSMigrationPartial:
    """The partial of `migration` on one partition of both waves.

    Reads each wave as `migration` does. Every response of a respondent, in both waves,
    must be in this partition (`NPSMigrationPartial.requires`).

    Args:
        wave1: This partition of the first wave, in any form `migration` reads.
        wave2: This partition of the second wave.
        respondent: As in `migration`.
        min_n: As in `migration` (the finalised result warns below it).
        part: A name for the partition; merging two partials that name one partition
            is refused (a retried task counted twice).

    Returns:
        The `NPSMigrationPartial`; of a partition without responses, the empty partial.
        A wave holding no NPS response (other kinds only) is not an error here.

    Raises:
        InvalidInputError: As `migration` on bad waves or options.

    Examples:
        >>> p = migration_partial({"a": 9, "b": 3}, {"a": 10, "c": 8}, part="bucket-3")
        >>> p.columns["entrants"].tolist(), p.columns["leavers"].tolist(), p.parts
        ([1], [1], ('bucket-3',))
    """
    return build_migration(
        wave1, wave2, respondent=respondent, min_n=min_n, parts=parts_of(part), partition=True
    )


def build_migration(
    wave1: object,
    wave2: object,
    *,
    respondent: str,
    min_n: int,
    parts: tuple[str, ...] = (),
    partition: bool = False,
) -> NPSMigrationPartial:
    """`migration_partial`, of a partition or of the whole waves (which `migration` finalises)."""
    whole_number(min_n, "min_n", low=0)
    if not respondent:
        msg = f"`respondent` must be the name of a column, got {respondent!r}"
        raise InvalidInputError(msg)
    first = _Wave.read(wave1, "wave1", respondent, partition=partition)
    second = _Wave.read(wave2, "wave2", respondent, partition=partition)
    same_kind(("`wave1`", first.ids), ("`wave2`", second.ids), noun="respondent ids")
    common_type(first.survey_type, second.survey_type)
    codes, k = _codes(first.ids, second.ids)
    codes1, codes2 = codes[: len(first.ids)], codes[len(first.ids) :]
    cat1, dropped1 = first.categories(codes1, k)
    cat2, dropped2 = second.categories(codes2, k)
    in1, in2 = cat1 >= 0, cat2 >= 0
    both = in1 & in2
    counts = {
        **dict(zip(TRANSITIONS, np.bincount(3 * cat1[both] + cat2[both], minlength=9).tolist())),
        "entrants": int((in2 & ~in1).sum()),
        "leavers": int((in1 & ~in2).sum()),
        "unidentified_1": int((codes1 < 0).sum()),
        "unidentified_2": int((codes2 < 0).sum()),
        "duplicates_1": dropped1,
        "duplicates_2": dropped2,
    }
    rows = int(any(counts.values()))  # a partition without responses: the empty partial
    columns = {name: np.full(rows, value, dtype=np.int64) for name, value in counts.items()}
    columns["survey_type_1"] = np.full(rows, first.survey_type or "", dtype=object)
    columns["survey_type_2"] = np.full(rows, second.survey_type or "", dtype=object)
    key = PartialKey.of(NPSMigrationPartial.KIND, respondent=respondent, min_n=min_n)
    return NPSMigrationPartial(key, columns, parts)
