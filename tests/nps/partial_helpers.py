"""What the tests of the survey partials share: random responses, splits, trees, checks.

Responses are drawn as rows (tuples) and turned into the columns the functions read. A
split puts each row (or each contact's rows, for a partial that requires it) in one of
``k`` partitions, some of them empty; the partials of the partitions are merged along a
random tree. Weights are drawn as dyadic fractions (quarters), so every weight sum is
exact in a float whatever the order of the additions: merged partials then equal the
partial of all rows exactly, and their results the single-machine results exactly; the
tests of non-dyadic weights compare within the stated tolerance (`REL`).
"""

from __future__ import annotations

import json
import math
import pickle
import random
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth._partial import Partial

#: Relative tolerance of a float sum merged in another order (measured: about 1e-15).
REL = 1e-12
AS_OF = date(2025, 7, 1)
#: The instant hours are counted from; ``AS_OF`` is 4,344 hours later.
T0 = np.datetime64("2025-01-01T00:00", "us")
HOUR = np.timedelta64(3_600_000_000, "us")

#: Responses: (contact, score or None when unanswered, hours after T0, weight, group).
response_rows = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.one_of(st.integers(0, 10), st.integers(0, 10), st.none()),
        st.integers(-500, 4_800),
        st.sampled_from([0.25, 0.5, 1.0, 1.0, 2.0, 3.75, 0.0]),
        st.sampled_from(["web", "phone", "ünïcode", None]),
    ),
    max_size=40,
)


#: How rows are spread: (owner of each row, number of partitions, seed of the merge tree).
layouts = st.tuples(
    st.lists(st.integers(0, 50), min_size=1, max_size=40), st.integers(1, 6), st.integers(0, 1000)
)


def responses(
    rows: Sequence[tuple[int, int | None, int, float, str | None]],
    *,
    weighted: bool = False,
    survey_type: str | None = "relationship",
) -> dict[str, Any]:
    """The columns of NPS responses (``weight`` only when ``weighted``)."""
    columns: dict[str, Any] = {
        "contact_id": np.array([r[0] for r in rows], dtype=np.int64),
        "account_id": np.array([f"acct{r[0] % 3}" for r in rows], dtype=object),
        "score": np.array([r[1] for r in rows], dtype=object),
        "submitted_at": T0 + np.array([r[2] for r in rows], dtype=np.int64) * HOUR,
        "touchpoint": np.array([r[4] for r in rows], dtype=object),
    }
    if weighted:
        columns["weight"] = np.array([r[3] for r in rows], dtype=np.float64)
    if survey_type is not None:
        columns["survey_type"] = np.full(len(rows), survey_type, dtype=object)
    return columns


def take(columns: dict[str, Any], rows: Sequence[int]) -> dict[str, Any]:
    index = np.array(rows, dtype=np.int64)
    return {name: np.asarray(values)[index] for name, values in columns.items()}


def split(n: int, owner: Sequence[int], k: int) -> list[list[int]]:
    """The rows of each of ``k`` partitions, row ``i`` in partition ``owner[i] % k``."""
    parts: list[list[int]] = [[] for _ in range(k)]
    for i in range(n):
        parts[owner[i % len(owner)] % k if owner else 0].append(i)
    return parts


def by_key(keys: Sequence[object], owner: Sequence[int], k: int) -> list[list[int]]:
    """Like `split`, but all rows of one key in one partition (its first row's)."""
    first: dict[object, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, owner[i % len(owner)] % k if owner else 0)
    return split(len(keys), [first[key] for key in keys], k)


def tree(partials: Sequence[Partial], seed: int) -> Partial:
    """The partials merged along a random tree: random order, random grouping."""
    rng = random.Random(seed)
    items = list(partials)
    rng.shuffle(items)
    while len(items) > 1:
        i = rng.randrange(len(items) - 1)
        items[i : i + 2] = [items[i].merge(items[i + 1])]
    return items[0]


def partials_of(
    make: Callable[..., Partial], columns: dict[str, Any], parts: list[list[int]]
) -> list[Partial]:
    return [make(take(columns, rows), part=f"p{i}") for i, rows in enumerate(parts)]


def assert_same_rows(got: Partial, want: Partial, *, rel: float = 0.0) -> None:
    """Same key and rows: key columns and counts exactly, sums within ``rel``."""
    assert got.key == want.key
    assert len(got) == len(want)
    for name, _ in type(got).KEY_COLUMNS:
        assert got.columns[name].tolist() == want.columns[name].tolist(), name
    for name in type(got).COUNT_COLUMNS:
        assert got.columns[name].tolist() == want.columns[name].tolist(), name
    for name in type(got).SUM_COLUMNS:
        assert got.columns[name].tolist() == pytest.approx(
            want.columns[name].tolist(), rel=rel, abs=0.0
        ), name


def assert_algebra(a: Partial, b: Partial, c: Partial) -> None:
    """Associative, commutative, with the empty partial as identity (rows compared)."""
    assert_same_rows((a + b) + c, a + (b + c), rel=REL)
    assert_same_rows(a + b, b + a, rel=REL)
    empty = type(a).empty(a.key)
    assert a + empty == a == empty + a


def assert_close(got: object, want: object) -> None:
    """Two results equal, floats within `REL` (compared through ``to_dict``)."""
    _close(_plain(got), _plain(want), "")


def _plain(value: object) -> object:
    to_dict = getattr(value, "to_dict", None)
    return json.loads(json.dumps(to_dict())) if to_dict is not None else value


def _close(a: object, b: object, where: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=REL, abs_tol=1e-9), (where, a, b)
    else:
        assert a == b, (where, a, b)


def round_trips(partial: Partial) -> None:
    """Pickle (arrays stay read-only), JSON through `to_dict`, Arrow; bad counts refused."""
    copy = pickle.loads(pickle.dumps(partial))
    assert copy == partial
    assert all(not column.flags.writeable for column in copy.columns.values())
    kind = type(partial)
    data = json.loads(json.dumps(partial.to_dict()))
    assert kind.from_dict(data) == partial
    assert kind.from_arrow(partial.to_arrow()) == partial
    if len(partial):
        count = kind.COUNT_COLUMNS[0]
        for bad in (-1, 0.5):
            data["columns"][count][0] = bad
            with pytest.raises(InvalidInputError, match="holds counts"):
                kind.from_dict(data)
