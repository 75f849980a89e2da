"""What the tests of retention's partials share: random data, splits, trees, comparisons.

Data comes as rows (tuples) drawn by Hypothesis and turned into the columns the functions
read. A split puts each row (or each entity's or account's rows, for a partial that
requires it) in one of ``k`` partitions, some of them empty; the partials of the
partitions are merged along a random tree. Results with float sums are compared within the
stated tolerance of a partial (`assert_close`), everything else with ``==``.
"""

from __future__ import annotations

import json
import math
import pickle
import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from cshealth._partial import Partial

#: Relative tolerance of a float sum merged in another order (measured: about 1e-15).
REL = 1e-12
DAY0 = date(2024, 1, 1)


def day(offset: int) -> date:
    return DAY0 + timedelta(days=offset)


#: Accounts: (start offset, days to the end or None while active, segment).
account_rows = st.lists(
    st.tuples(
        st.integers(0, 500),
        st.one_of(st.none(), st.integers(1, 300)),
        st.sampled_from(["smb", "ent", "", None]),
    ),
    max_size=25,
)
#: Events: (entity, day offset).
event_rows = st.lists(st.tuples(st.integers(0, 8), st.integers(0, 420)), max_size=40)
#: Revenue changes: (account, day offset, MRR); one change per account and day is kept.
change_rows = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.integers(0, 500),
        st.sampled_from([0.0, 0.0, 10.0, 99.99, 150.5, 1000 / 3, 0.1, 2500.0]),
    ),
    max_size=30,
)


def accounts(rows: Sequence[tuple[int, int | None, str | None]]) -> dict[str, list[Any]]:
    return {
        "id": [f"a{i}" for i in range(len(rows))],
        "start_date": [day(s) for s, _, _ in rows],
        "end_date": [None if e is None else day(s + e) for s, e, _ in rows],
        "segment": [g for _, _, g in rows],
    }


def changes(rows: Sequence[tuple[int, int, float]]) -> dict[str, list[Any]]:
    kept = list({(a, d): (a, d, m) for a, d, m in rows}.values())
    return {
        "account_id": [f"acct{a}" for a, _, _ in kept],
        "effective_on": [day(d) for _, d, _ in kept],
        "mrr": [m for _, _, m in kept],
        "plan": [["basic", "pro", None][a % 3] for a, _, _ in kept],
    }


def take(columns: dict[str, list[Any]], rows: Sequence[int]) -> dict[str, list[Any]]:
    return {name: [values[i] for i in rows] for name, values in columns.items()}


def split(n: int, owner: Sequence[int], k: int) -> list[list[int]]:
    """The rows of each of ``k`` partitions, row ``i`` in partition ``owner[i] % k``."""
    parts: list[list[int]] = [[] for _ in range(k)]
    for i in range(n):
        parts[owner[i] % k].append(i)
    return parts


def by_key(keys: Sequence[object], owner: Sequence[int], k: int) -> list[list[int]]:
    """Like `split`, but all rows of one key in one partition (the first row's owner)."""
    first: dict[object, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, owner[i] % k)
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
    make: Callable[..., Partial], columns: dict[str, list[Any]], parts: list[list[int]]
) -> list[Partial]:
    return [make(take(columns, rows), part=f"p{i}") for i, rows in enumerate(parts)]


def assert_same_partial(got: Partial, want: Partial) -> None:
    """Same key and rows: keys and counts exactly, sums within `REL`."""
    assert got.key == want.key
    assert len(got) == len(want)
    for name, _ in type(got).KEY_COLUMNS:
        assert got.columns[name].tolist() == want.columns[name].tolist(), name
    for name in type(got).COUNT_COLUMNS:
        assert got.columns[name].tolist() == want.columns[name].tolist(), name
    for name in type(got).SUM_COLUMNS:
        assert got.columns[name].tolist() == pytest.approx(
            want.columns[name].tolist(), rel=REL, abs=1e-9
        ), name


def assert_canonical(partial: Partial) -> None:
    """Rows built in order equal the same rows grouped again by the checking constructor."""
    again = type(partial)(partial.key, dict(partial.columns), partial.parts)
    assert again == partial


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
    """Pickle (arrays stay read-only), JSON through `to_dict`, and Arrow give it back."""
    copy = pickle.loads(pickle.dumps(partial))
    assert copy == partial
    assert all(not column.flags.writeable for column in copy.columns.values())
    kind = type(partial)
    assert kind.from_dict(json.loads(json.dumps(partial.to_dict()))) == partial
    assert kind.from_arrow(partial.to_arrow()) == partial
