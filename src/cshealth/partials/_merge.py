"""`merge`, `kinds`, `from_dict`, `from_arrow`: partials of any kind, together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from cshealth._exceptions import InvalidInputError
from cshealth._partial import KINDS, Partial

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["from_arrow", "from_dict", "kinds", "merge"]


def merge(partials: Iterable[Partial]) -> Partial:
    """All ``partials`` merged into one (they must be of one kind and key).

    Raises:
        InvalidInputError: When there are none (an empty merge has no key: use
            ``Kind.empty(key)``).
        PartialMismatchError: When kinds or keys differ (naming the options that differ),
            or one partition is in two partials.

    Examples:
        Each partition's survival counts, merged, give the curve of all accounts:

        >>> from datetime import date
        >>> from cshealth import retention
        >>> accounts = {
        ...     "start_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-05-01"],
        ...     "end_date": ["2024-07-01", None, "2024-05-01", None],
        ... }
        >>> halves = [
        ...     {name: column[:2] for name, column in accounts.items()},
        ...     {name: column[2:] for name, column in accounts.items()},
        ... ]
        >>> parts = [
        ...     retention.survival_partial(half, as_of=date(2025, 1, 1), part=f"file-{i}")
        ...     for i, half in enumerate(halves)
        ... ]
        >>> merged = merge(parts)
        >>> merged.parts
        ('file-0', 'file-1')
        >>> merged.finalize() == retention.survival(accounts, as_of=date(2025, 1, 1))
        True
        >>> merge([merged, parts[0]])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        cshealth.PartialMismatchError: partition 'file-0' is in partials 0 and 1: ...
    """
    items = list(partials)
    if not items:
        msg = "merging no partials: there is no key to give the empty one (use Kind.empty(key))"
        raise InvalidInputError(msg)
    return items[0].merge(*items[1:])


def kinds() -> dict[str, type[Partial]]:
    """Every kind of partial cshealth defines, by name (importing every area).

    Examples:
        >>> "survival" in kinds() and "nps_trend" in kinds()
        True
    """
    _load_areas()
    return dict(sorted(KINDS.items()))


def from_dict(data: Mapping[str, object]) -> Partial:
    """The partial of any kind that `Partial.to_dict` gave.

    Raises:
        InvalidInputError: When the kind is missing or unknown, or the data is not a
            valid partial of that kind.

    Examples:
        >>> import json
        >>> from datetime import date
        >>> from cshealth import retention
        >>> counts = retention.survival_partial(
        ...     {"start_date": ["2024-01-01"], "end_date": [None]}, as_of=date(2025, 1, 1)
        ... )
        >>> from_dict(json.loads(json.dumps(counts.to_dict()))) == counts
        True
    """
    return _kind_of(data.get("kind")).from_dict(data)


def from_arrow(table: pa.Table) -> Partial:
    """The partial of any kind that `Partial.to_arrow` gave (its kind rides in the metadata).

    Raises:
        InvalidInputError: When the table carries no partial metadata, or is not a valid
            partial of its kind.
        MissingDependencyError: When pyarrow is not installed.

    Examples:
        >>> from datetime import date
        >>> from cshealth import retention
        >>> counts = retention.survival_partial(
        ...     {"start_date": ["2024-01-01"], "end_date": [None]}, as_of=date(2025, 1, 1)
        ... )
        >>> from_arrow(counts.to_arrow()) == counts
        True
    """
    import json  # noqa: PLC0415

    from cshealth._partial import ARROW_METADATA  # noqa: PLC0415

    meta = (table.schema.metadata or {}).get(ARROW_METADATA)
    if meta is None:
        msg = "this Arrow table carries no cshealth partial in its metadata"
        raise InvalidInputError(msg)
    return _kind_of(json.loads(meta).get("kind")).from_arrow(table)


def _kind_of(kind: object) -> type[Partial]:
    known = kinds()
    if not isinstance(kind, str) or kind not in known:
        msg = f"unknown kind of partial {kind!r}; known: {', '.join(known) or 'none'}"
        raise InvalidInputError(msg)
    return known[kind]


def _load_areas() -> None:
    """Import every area, so each defines its partials (`KINDS` fills on import)."""
    import importlib  # noqa: PLC0415

    for area in ("nps", "retention", "support", "adoption", "scoring", "lifecycle"):
        importlib.import_module(f"cshealth.{area}")
