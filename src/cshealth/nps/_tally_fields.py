"""The fields of an `NPSTally`, checked, and the arithmetic of subtracting one tally.

`count` and `weight_sum` check one field, `check_sums` the four weight sums against the
counts (what the constructor of `cshealth.nps.NPSTally` guarantees), and `difference`
gives the fields of one tally minus another: "the rest of the population" beside a group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cshealth._checks import real_number, whole_number
from cshealth._exceptions import InvalidInputError

__all__ = ["FIELDS", "MAX_COUNT", "check_sums", "count", "difference", "weight_sum"]

#: Largest count of a tally: the counts a float holds exactly.
MAX_COUNT = 2**53
#: The fields of a tally, in order: the three counts, then the four weight sums.
FIELDS = (
    "detractors",
    "passives",
    "promoters",
    "detractor_weight",
    "passive_weight",
    "promoter_weight",
    "weight_squares",
)
#: A weight sum of a difference within this share of the larger of its two terms from 0
#: is rounding residue (``(a + b) - b`` need not be ``a`` in floats) and is read as 0.
ROUNDING = 1e-9


def count(value: object, name: str) -> int:
    """A count: a whole number from 0 to ``2**53`` (a plain ``int`` is checked inline)."""
    if type(value) is int and 0 <= value <= MAX_COUNT:  # the common case, quickly
        return value
    return whole_number(value, name, high=MAX_COUNT)


def weight_sum(value: object, name: str) -> float:
    """A weight sum: a finite number ``>= 0`` (a plain ``float`` is checked inline)."""
    if type(value) is float and 0.0 <= value < math.inf:  # the common case, quickly
        return value
    return real_number(value, name, low=0.0)


def check_sums(
    given: tuple[float | None, ...], counts: tuple[int, int, int]
) -> tuple[float, float, float, float]:
    """The four weight sums checked: all given, finite, ``>= 0`` and consistent with counts."""
    names = FIELDS[3:]
    missing = [name for name, value in zip(names, given) if value is None]
    if missing:
        msg = (
            f"an NPSTally takes all four weight sums or none (an unweighted tally); "
            f"{', '.join(f'`{name}`' for name in missing)} not given"
        )
        raise InvalidInputError(msg)
    sums = tuple(weight_sum(value, name) for name, value in zip(names, given))
    for number, total, name, count_name in zip(counts, sums, names, FIELDS):
        if number == 0 and total != 0:
            msg = (
                f"`{name}` is {total!r} but `{count_name}` is 0: a category without "
                "responses weighs 0"
            )
            raise InvalidInputError(msg)
    n = sum(counts)
    if n == 0 and sums[3] != 0:
        msg = f"`weight_squares` is {sums[3]!r} but the tally has no responses: it must be 0"
        raise InvalidInputError(msg)
    if n > 0 and sum(sums[:3]) == 0:
        msg = (
            f"the tally has {n} responses but its weight sums are 0 (responses of weight 0 "
            "are left out of a tally); give the counts alone for an unweighted tally"
        )
        raise InvalidInputError(msg)
    return sums[0], sums[1], sums[2], sums[3]


def difference(whole: Sequence[float], part: Sequence[float]) -> dict[str, float]:
    """The fields of the tally ``whole`` minus the tally ``part`` (fields in `FIELDS` order).

    Counts subtract exactly. A weight sum that comes out within `ROUNDING` (relative to
    the larger of its terms) of 0 is 0: below 0, or above 0 where its category (for
    ``weight_squares``, the tally) has no response left.

    Raises:
        InvalidInputError: When ``part`` cannot be a part of ``whole``: a count or a
            weight sum would be negative beyond rounding, responses would be left with
            no weight, or weight would be left with no response.
    """
    out: dict[str, float] = {}
    for name, a, b in zip(FIELDS[:3], whole[:3], part[:3]):
        if b > a:
            msg = (
                f"cannot subtract a tally of {int(b)} {name} from one of {int(a)}: the "
                "tally subtracted must be a part of the other"
            )
            raise InvalidInputError(msg)
        out[name] = int(a) - int(b)
    left = (*(out[name] for name in FIELDS[:3]), sum(out[name] for name in FIELDS[:3]))
    for name, a, b, responses in zip(FIELDS[3:], whole[3:], part[3:], left):
        rest = float(a) - float(b)
        residue = abs(rest) <= ROUNDING * max(float(a), float(b))
        if (rest < 0 or responses == 0) and not residue:
            why = "negative" if rest < 0 else "left where no response is"
            msg = (
                f"cannot subtract these tallies: `{name}` would be {rest!r} ({why}); the "
                "tally subtracted must be a part of the other"
            )
            raise InvalidInputError(msg)
        out[name] = 0.0 if rest < 0 or responses == 0 else rest
    if left[3] and not out["detractor_weight"] + out["passive_weight"] + out["promoter_weight"]:
        msg = (
            f"cannot subtract these tallies: {left[3]} responses would be left with no "
            "weight; the tally subtracted must be a part of the other"
        )
        raise InvalidInputError(msg)
    return out
