"""Two small partials for testing the Dask machinery on any `Partial`, and their data.

`Latest` counts each contact's latest answer before ``as_of`` per group label (labels may
be missing): it REQUIRES all rows of a contact in one partition, like ``dedupe='latest'``.
`Rows` counts rows and sums a weight, with no key columns at all. Both are taken out of
the registry of kinds at once, so that no other test sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from cshealth._partial import KINDS, Partial, PartialKey, Requires


@dataclass(frozen=True, eq=False, repr=False)
class Latest(Partial):
    """Each contact's latest answer before ``as_of``: answers and promoters per group."""

    KIND: ClassVar[str] = "test_dask_latest"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (("group", "object"),)
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("answers", "promoters")
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("weight",)
    REQUIRES: ClassVar[Requires] = "contact_id"

    def finalize(self) -> dict[object, tuple[int, int]]:
        names = zip(self.columns["group"], self.columns["answers"], self.columns["promoters"])
        return {group: (int(a), int(p)) for group, a, p in names}


@dataclass(frozen=True, eq=False, repr=False)
class Rows(Partial):
    """How many rows, and their weight: no key columns."""

    KIND: ClassVar[str] = "test_dask_rows"
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("rows",)
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("weight",)


for _kind in (Latest, Rows):
    KINDS.pop(_kind.KIND)

COLUMNS = ("contact_id", "t", "score", "group", "weight")


def latest_partial(data: object, *, as_of: int, part: str | None = None) -> Latest:
    """The `Latest` partial of the rows of ``data`` (a mapping of columns)."""
    frame = pd.DataFrame({name: np.asarray(data[name]) for name in COLUMNS})  # type: ignore[index]
    frame = frame[frame["t"] < as_of].sort_values(["contact_id", "t"], kind="stable")
    frame = frame.drop_duplicates("contact_id", keep="last")
    labels = [None if pd.isna(label) else str(label) for label in frame["group"]]
    uniques = list(dict.fromkeys(labels))
    codes = np.asarray([uniques.index(label) for label in labels], dtype=np.int64)
    columns = {
        "group": np.asarray(uniques, dtype=object),
        "answers": np.bincount(codes, minlength=len(uniques)),
        "promoters": np.bincount(codes, weights=frame["score"] >= 9, minlength=len(uniques)),
        "weight": np.bincount(codes, weights=frame["weight"], minlength=len(uniques)),
    }
    return Latest(PartialKey.of(Latest.KIND, as_of=as_of), columns, (part,) if part else ())


def rows_partial(data: object, *, tag: str = "", part: str | None = None) -> Rows:
    """The `Rows` partial: one row (or none, for no rows) of the count and weight sum."""
    weight = np.asarray(data["weight"], dtype=float)  # type: ignore[index]
    columns = (
        {"rows": [len(weight)], "weight": [weight.sum()]}
        if len(weight)
        else {
            "rows": [],
            "weight": [],
        }
    )
    return Rows(PartialKey.of(Rows.KIND, tag=tag), columns, (part,) if part else ())


def answers(n: int, contacts: int, seed: int) -> pd.DataFrame:
    """``n`` answers of ``contacts`` contacts at distinct times, some without a group."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "contact_id": [f"c{i}" for i in rng.integers(0, contacts, n)],
            "t": rng.permutation(n),
            "score": rng.integers(0, 11, n),
            "group": rng.choice(np.array(["a", "b", None], dtype=object), n),
            "weight": rng.random(n),
        }
    )


def spread(frame: pd.DataFrame, npartitions: int) -> pd.DataFrame:
    """The rows dealt round-robin by contact answer, so each contact spans partitions."""
    order = frame.groupby("contact_id").cumcount().to_numpy() % npartitions
    return frame.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
