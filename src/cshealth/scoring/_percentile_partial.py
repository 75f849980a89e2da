"""`PercentileReference`: the value counts percentile transforms rank against, mergeable.

A ``percentile`` transform ranks an account's value among the scored accounts, so scoring
each partition on its own ranks accounts against their partition only (measured: 91% of
scores changed). Scoring in two passes is exact: first the reference, the count of
accounts with each value of each percentile measure (per group of its ``by`` column),
computed per partition and merged; then `cshealth.scoring.score` with
``reference=`` on each partition ranks every account against the merged counts, which are
the counts of all the accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import ConfigError, InvalidInputError, PartialMismatchError
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import FloatArray, IntArray, ObjectArray
from cshealth.scoring._inputs import Inputs, read_inputs
from cshealth.scoring._plan import compile_plan
from cshealth.scoring._scorecard import Measure, Scorecard
from cshealth.scoring._transform_config import PercentileTransform
from cshealth.scoring._transforms import Int8Array, column_kinds

__all__ = ["PercentileReference", "percentile_reference"]


@dataclass(frozen=True, eq=False, repr=False)
class PercentileReference(Partial):
    """How many accounts have each value of each percentile measure: a global ECDF.

    Rows: ``measure`` (the measure's name), ``group`` (the text of the account's ``by``
    label; ``''`` for a measure ranking all accounts together), ``value``, and
    ``accounts`` (how many have it). Accounts with no value (or no ``by`` label) are not
    counted, as they are not ranked. Its key holds the scorecard's ``config_hash``: a
    reference only scores the scorecard it was computed for. REQUIRES ``None``: each
    account's row counts once wherever it sits (the account ids of a measure table are
    unique).

    Examples:
        >>> from cshealth.scoring import Scorecard, score
        >>> card = Scorecard.model_validate(
        ...     {
        ...         "name": "ranked",
        ...         "root": {
        ...             "name": "overall",
        ...             "children": [
        ...                 {
        ...                     "name": "logins",
        ...                     "column": "logins",
        ...                     "transform": {"kind": "percentile"},
        ...                 },
        ...             ],
        ...         },
        ...     }
        ... )
        >>> a = percentile_reference(card, {"account_id": ["a", "b"], "logins": [1, 5]})
        >>> b = percentile_reference(card, {"account_id": ["c"], "logins": [5]})
        >>> a.merge(b).columns["accounts"].tolist()
        [1, 2]
    """

    KIND: ClassVar[str] = "percentile_reference"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("measure", "object"),
        ("group", "object"),
        ("value", "float64"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("accounts",)
    REQUIRES: ClassVar[Requires] = None

    def check(self, card: Scorecard) -> None:
        """Raise `PartialMismatchError` unless this reference is of ``card``."""
        differences = self.key.differences(_key(card))
        if differences:
            msg = "this percentile reference was computed for another scorecard: " + "; ".join(
                differences
            )
            raise PartialMismatchError(msg)

    def ranks(self, measure: Measure, inputs: Inputs) -> tuple[FloatArray, Int8Array | None]:
        """The measure's percentile scores of ``inputs``' accounts, against this reference.

        The same ranks, bit for bit, as the transform gives when ``inputs`` holds every
        account the reference counts.

        Raises:
            InvalidInputError: When an account's value (or group) is not in the reference:
                it was not computed over these accounts.
        """
        transform = cast("PercentileTransform", measure.transform)  # the caller's check
        values = inputs.number(measure.column)
        present, labels = _present(transform, inputs, values)
        mine = self.columns["measure"] == measure.name
        ref_groups = self.columns["group"][mine]
        ref_values = self.columns["value"][mine].astype(np.float64)
        ref_counts = self.columns["accounts"][mine].astype(np.int64)
        scores = np.full(len(values), np.nan)
        rows = np.flatnonzero(present)
        groups = labels[rows]
        for group in sorted(set(groups.tolist())):
            at = rows[groups == group]
            inside = ref_groups == group
            scores[at] = _rank(values[at], ref_values[inside], ref_counts[inside])
        if np.isnan(scores[rows]).any():
            row = int(rows[np.isnan(scores[rows])][0])
            msg = (
                f"measure {measure.name!r}: account {inputs.account_ids[row]!r}'s value "
                f"{values[row]!r} is not in the percentile reference; compute the reference "
                "over every partition scored with it"
            )
            raise InvalidInputError(msg)
        if not transform.higher_is_better:
            scores = 100.0 - scores
        return scores, None


def percentile_reference(
    card: Scorecard, data: object, *, part: str | None = None
) -> PercentileReference:
    """The value counts of one partition of accounts, for scoring percentiles exactly.

    Merge the references of every partition (`Partial.merge`), then score each partition
    with ``score(card, piece, reference=merged)``: the scores are those of
    ``score(card, everything)``.

    Args:
        card: The scorecard (a `ScorecardSet` is not supported).
        data: One row per account, as `cshealth.scoring.score` reads it (and checks it).
        part: The partition's name, to refuse merging it twice.

    Returns:
        The counts of every value of every ``percentile`` measure (none for a scorecard
        without such measures).

    Raises:
        ConfigError: When ``card`` is not a `Scorecard`.
        InvalidInputError: On data `cshealth.scoring.score` refuses.

    Examples:
        >>> from cshealth.scoring import Scorecard
        >>> card = Scorecard.model_validate(
        ...     {
        ...         "name": "ranked",
        ...         "root": {
        ...             "name": "overall",
        ...             "children": [
        ...                 {
        ...                     "name": "logins",
        ...                     "column": "logins",
        ...                     "transform": {"kind": "percentile"},
        ...                 }
        ...             ],
        ...         },
        ...     }
        ... )
        >>> ref = percentile_reference(card, {"account_id": ["a", "b"], "logins": [3, 3]})
        >>> ref.columns["value"].tolist(), ref.columns["accounts"].tolist()
        ([3.0], [2])
    """
    given: object = card  # checked: callers without a type checker pass anything
    if not isinstance(given, Scorecard):
        msg = f"`card` must be a Scorecard, got {type(given).__name__}"
        raise ConfigError(msg)
    plan = compile_plan(card)
    inputs = read_inputs(data, column_kinds(plan.measures))
    names: list[ObjectArray] = []
    groups: list[ObjectArray] = []
    values: list[FloatArray] = []
    for measure in plan.measures:
        transform = measure.transform
        if not isinstance(transform, PercentileTransform):
            continue
        column = inputs.number(measure.column)
        present, labels = _present(transform, inputs, column)
        names.append(np.full(int(present.sum()), measure.name, dtype=object))
        groups.append(labels[present])
        values.append(column[present] + 0.0)  # -0.0 counts as 0.0, as ranks compare them
    measure_column = np.concatenate([np.empty(0, dtype=object), *names])
    columns = {
        "measure": measure_column,
        "group": np.concatenate([np.empty(0, dtype=object), *groups]),
        "value": np.concatenate([np.empty(0, dtype=np.float64), *values]),
        "accounts": np.ones(len(measure_column), dtype=np.int64),
    }
    parts = () if part is None else (part,)
    return PercentileReference(_key(card), columns, parts)


def _key(card: Scorecard) -> PartialKey:
    return PartialKey.of(PercentileReference.KIND, scorecard=card.config_hash)


def _present(
    transform: PercentileTransform, inputs: Inputs, values: FloatArray
) -> tuple[NDArray[np.bool_], ObjectArray]:
    """Which accounts are ranked (a value, and a group label with ``by``), and their group."""
    present = ~np.isnan(values)
    labels = np.full(len(values), "", dtype=object)
    if transform.by is not None:
        raw = np.asarray(inputs.columns[transform.by])
        codes, _ = id_codes(raw)
        present &= codes >= 0
        labels[present] = [str(label) for label in raw[present].tolist()]
    return present, labels


def _rank(values: FloatArray, known: FloatArray, counts: IntArray) -> FloatArray:
    """Percentile ranks of ``values`` among the counted ``known`` values (NaN if unknown).

    The arithmetic of `cshealth.scoring._transforms._percentile` on whole-number counts:
    ``100 * (below + run / 2) / size``, so the ranks are the same floats.
    """
    if len(known) == 0:
        return np.full(len(values), np.nan)
    order = np.argsort(known, kind="stable")
    known, counts = known[order], counts[order]
    below = np.cumsum(counts) - counts
    size = np.maximum(counts.sum(), 1)
    index = np.searchsorted(known, values, side="left")
    found = index < len(known)
    found[found] = known[index[found]] == values[found]
    at = np.where(found, index, 0)
    rank: FloatArray = 100.0 * (below[at] + 0.5 * counts[at]) / np.full(len(values), size)
    rank[~found] = np.nan
    return rank
