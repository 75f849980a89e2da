"""``active_users_partial``: per-account partials merged in any order give ``active_users``.

The reference is `active_users` itself on all the events: random events (the cases of
``tests/adoption/test_active.py``: several zones, windows, features, listed accounts) are
split into random partitions with every account's events in one of them (what the partial
requires), in random order, empty partitions included; the partials are merged along a
random tree, and the merge must be the partial of all the events and finalise to exactly
`active_users` of them all. With an account spread over partitions, the merge is wrong, as
documented: a guard against false confidence.
"""

from __future__ import annotations

import json
import pickle
import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.adoption.test_active import NUMBERS, Case, cases, columns

from cshealth import InvalidInputError
from cshealth._partial import PartialMismatchError
from cshealth.adoption import ActiveUsersPartial, active_users, active_users_partial

pa = pytest.importorskip("pyarrow")

AS_OF = date(2026, 1, 1)
SEATS = {"A": 4, "B": None, "C": 0, "D": 2, "Z": 7}


def options(case: Case, seats: dict[Any, int | None] | None = None) -> dict[str, Any]:
    return {
        "as_of": case.as_of,
        "window_days": case.days,
        "timezone": case.zone,
        "features": case.features,
        "accounts": case.accounts,
        "seats": seats,
    }


def by_account(events: list[Any], home: list[int], seed: int) -> list[list[Any]]:
    """The events split into partitions, each account's in one (``home``), shuffled."""
    accounts = sorted({e[0] for e in events}, key=str)
    where = {account: home[i % len(home)] for i, account in enumerate(accounts)}
    parts: list[list[Any]] = [[] for _ in range(max(home) + 1)]
    for event in events:
        parts[where[event[0]]].append(event)
    rng = random.Random(seed)
    for part in parts:
        rng.shuffle(part)
    return parts


def merged_along_a_random_tree(partials: list[ActiveUsersPartial], seed: int) -> ActiveUsersPartial:
    rng = random.Random(seed)
    items = list(partials)
    rng.shuffle(items)
    while len(items) > 1:
        i = rng.randrange(len(items) - 1)
        items[i : i + 2] = [items[i].merge(items[i + 1])]
    return items[0]


def same_rows(a: ActiveUsersPartial, b: ActiveUsersPartial) -> bool:
    return a.key == b.key and all(
        a.columns[name].tolist() == b.columns[name].tolist() for name in a.columns
    )


# --- any split by account, any merge: the single-machine answer ------------------------------


@given(
    cases(),
    st.lists(st.integers(0, 4), min_size=1, max_size=6),
    st.integers(0, 10**6),
    st.booleans(),
)
def test_any_split_by_account_merged_along_any_tree_is_active_users(
    case: Case, home: list[int], seed: int, with_seats: bool
) -> None:
    kw = options(case, SEATS if with_seats else None)
    parts = by_account(case.events, home, seed)
    partials = [active_users_partial(columns(p), **kw, part=f"p{i}") for i, p in enumerate(parts)]
    merged = merged_along_a_random_tree(partials, seed)
    assert same_rows(merged, active_users_partial(columns(case.events), **kw))
    assert merged.parts == tuple(sorted(f"p{i}" for i in range(len(parts))))
    assert merged.finalize() == active_users(columns(case.events), **kw)


@given(cases(), st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(0, 99))
def test_integer_ids_merge_as_integers(case: Case, home: list[int], seed: int) -> None:
    events = [(NUMBERS[a], NUMBERS[u], t, f) for a, u, t, f in case.events]
    kw = options(case, {10: 3, 7: None, 33: 1})
    kw["accounts"] = None if case.accounts is None else [NUMBERS[a] for a in case.accounts]
    parts = [active_users_partial(columns(p), **kw) for p in by_account(events, home, seed)]
    merged = merged_along_a_random_tree(parts, seed).finalize()
    want = active_users(columns(events), **kw)
    assert merged == want
    if len(want):  # no ids: no kind to keep
        assert merged.account_ids.dtype == want.account_ids.dtype


@given(cases(), st.integers(0, 99))
def test_merging_is_associative_and_commutative_with_an_identity(case: Case, seed: int) -> None:
    a_events, b_events, c_events = by_account(case.events, [0, 1, 2], seed)
    a, b, c = (
        active_users_partial(columns(e), **options(case)) for e in (a_events, b_events, c_events)
    )
    assert same_rows((a + b) + c, a + (b + c))
    assert same_rows(a + b, b + a)
    empty = ActiveUsersPartial.empty(a.key)
    assert empty + a == a == a + empty


# --- the partitioning it requires ------------------------------------------------------------

SPREAD = {  # Ana of account A on two days, Bo on one
    "account_id": ["A", "A", "A"],
    "user_id": ["ana", "ana", "bo"],
    "occurred_at": ["2025-12-20T09:00Z", "2025-12-31T09:00Z", "2025-12-31T10:00Z"],
    "feature": ["x", "reports", "x"],
}


def test_an_account_spread_over_partitions_is_counted_wrong() -> None:
    # the layout the partial refuses to promise anything for: one account in two partitions
    first = {name: values[:1] for name, values in SPREAD.items()}
    rest = {name: values[1:] for name, values in SPREAD.items()}
    merged = active_users_partial(first, as_of=AS_OF) + active_users_partial(rest, as_of=AS_OF)
    whole = active_users(SPREAD, as_of=AS_OF)
    assert merged.requires == "account_id"
    assert merged.finalize() != whole
    assert (merged.finalize().mau.tolist(), whole.mau.tolist()) == ([3], [2])  # Ana twice
    assert merged.finalize().l28[0, :2].tolist() == [3, 0]  # Ana on 1 day, twice, not on 2
    # each account in one partition: exact
    assert active_users_partial(SPREAD, as_of=AS_OF).finalize() == whole


@given(cases())
def test_spreading_the_accounts_changes_the_result_when_a_user_spans_partitions(
    case: Case,
) -> None:
    # one event per partition: every user active on several days or weeks counts too often
    kw = options(case)
    empty = active_users_partial(columns([]), **kw)  # an empty partition: lists `accounts`
    merged = ActiveUsersPartial.combine(
        [empty, *(active_users_partial(columns([e]), **kw) for e in case.events)]
    )
    whole = active_users(columns(case.events), **kw)
    spread = merged.finalize()
    assert (spread.mau >= whole.mau).all()
    assert spread.account_ids.tolist() == whole.account_ids.tolist()
    repeated = (whole.l28[:, 1:].sum() > 0) if len(whole) else False  # a user on 2+ days
    if repeated:
        assert spread != whole


# --- the rows --------------------------------------------------------------------------------


def test_rows_per_account() -> None:
    p = active_users_partial(SPREAD, as_of=AS_OF, seats={"A": 5})
    rows = list(zip(*(p.columns[n].tolist() for n in ("account_id", "measure", "value", "count"))))
    day = (date(2025, 12, 20) - date(1970, 1, 1)).days
    assert rows == [
        ("A", "daily", day, 1),
        ("A", "daily", day + 11, 2),
        ("A", "l28", 1, 1),
        ("A", "l28", 2, 1),
        ("A", "mau", 0, 2),
        ("A", "seats", 5, 0),
        ("A", "wau", 0, 2),
    ]
    assert p.key.option("first_day") == "2025-12-04"
    assert p.key.option("as_of") == "2026-01-01T00:00:00.000000Z"


def test_an_empty_partition_gives_the_empty_partial() -> None:
    empty = {"account_id": [], "user_id": [], "occurred_at": []}
    p = active_users_partial(empty, as_of=AS_OF, part="p9")
    assert len(p) == 0
    assert p == ActiveUsersPartial(p.key, ActiveUsersPartial.empty(p.key).columns, ("p9",))
    assert p.finalize() == active_users(empty, as_of=AS_OF)


def test_listed_accounts_are_listed_by_every_partition() -> None:
    empty = {"account_id": [], "user_id": [], "occurred_at": []}
    kw = {"as_of": AS_OF, "accounts": ["A", "Q"], "seats": {"Q": 3}}
    p = active_users_partial(empty, **kw)
    assert p.columns["measure"].tolist() == ["mau", "mau", "seats"]
    assert p.columns["count"].tolist() == [0, 0, 0]
    merged = p + active_users_partial(SPREAD, **kw)
    assert merged.finalize() == active_users(SPREAD, **kw)
    assert merged.finalize().seats.tolist()[1] == 3.0


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"measure": ["happiness"]}, "no measure 'happiness'"),
        ({"measure": ["daily"], "value": [3]}, "outside its 28-day window"),
        ({"measure": ["l28"], "value": [29]}, "outside its 28-day window"),
        ({"account_id": ["B"], "measure": ["wau"]}, "'B' has rows but no `mau` row"),
        ({"measure": ["seats"], "value": [9], "count": [0]}, "two seat counts"),
        ({"account_id": [7], "measure": ["mau"]}, "account ids of two kinds"),
    ],
)
def test_rows_a_partial_cannot_hold_are_refused(rows: dict[str, list[Any]], message: str) -> None:
    p = active_users_partial(SPREAD, as_of=AS_OF, seats={"A": 5})
    data = p.to_dict()
    columns_ = data["columns"]
    assert isinstance(columns_, dict)
    extra = {"account_id": ["A"], "value": [0], "count": [1], **rows}
    for name in columns_:
        columns_[name] = [*columns_[name], *extra[name]]
    with pytest.raises(InvalidInputError, match=message):
        ActiveUsersPartial.from_dict(data).finalize()


def test_the_same_errors_as_active_users() -> None:
    with pytest.raises(InvalidInputError, match="`window_days` must be a whole number"):
        active_users_partial(SPREAD, as_of=AS_OF, window_days=3)
    with pytest.raises(InvalidInputError, match="`part` names the partition"):
        active_users_partial(SPREAD, as_of=AS_OF, part=1)  # type: ignore[arg-type]


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "change"),
    [
        ("as_of", {"as_of": date(2026, 1, 2)}),
        ("window_days", {"window_days": 7}),
        ("timezone", {"timezone": "Europe/Berlin"}),
        ("features", {"features": ["reports"]}),
        ("seats", {"seats": {"A": 9}}),
        ("accounts", {"accounts": ["A"]}),
    ],
)
def test_partials_of_other_options_are_refused(option: str, change: dict[str, Any]) -> None:
    a = active_users_partial(SPREAD, as_of=AS_OF, seats={"A": 5})
    b = active_users_partial(SPREAD, **{"as_of": AS_OF, "seats": {"A": 5}, **change})
    with pytest.raises(PartialMismatchError, match=f"{option}: "):
        a.merge(b)


def test_the_same_partition_twice_is_refused() -> None:
    a = active_users_partial(SPREAD, as_of=AS_OF, part="events-7")
    with pytest.raises(PartialMismatchError, match="'events-7' is in partials"):
        a.merge(a)


def test_seats_from_the_listed_accounts_are_in_the_key() -> None:
    listed = [{"id": "A", "seats": 5}, {"id": "B", "seats": 1}]
    other = [{"id": "A", "seats": 6}, {"id": "B", "seats": 1}]
    kw = {"as_of": AS_OF}
    a = active_users_partial(SPREAD, **kw, accounts={"id": ["A", "B"], "seats": [5, 1]})
    b = active_users_partial(SPREAD, **kw, accounts={"id": ["A", "B"], "seats": [6, 1]})
    assert a.key.option("accounts") == b.key.option("accounts")
    with pytest.raises(PartialMismatchError, match="seats: "):
        a.merge(b)
    assert listed != other


# --- serial forms ----------------------------------------------------------------------------


@pytest.mark.parametrize("ids", ["text", "int"])
def test_round_trips_through_pickle_dict_and_arrow(ids: str) -> None:
    events = dict(SPREAD)
    seats: dict[Any, int | None] = {"A": 5}
    if ids == "int":
        events["account_id"] = [11, 11, 12]
        seats = {11: 5}
    p = active_users_partial(events, as_of=AS_OF, seats=seats, part="p1")
    back = pickle.loads(pickle.dumps(p))
    assert back == p
    assert all(not column.flags.writeable for column in back.columns.values())
    assert ActiveUsersPartial.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    assert ActiveUsersPartial.from_arrow(p.to_arrow()) == p
    engine_sum = pa.table({name: p.to_arrow().column(name) for name in p.columns})  # no metadata
    got = ActiveUsersPartial.from_arrow(engine_sum, key=p.key).finalize()
    assert got == p.finalize() == active_users(events, as_of=AS_OF, seats=seats)


@pytest.mark.parametrize("bad", [-1, 0.5])
def test_from_dict_refuses_counts_that_are_not_whole_numbers(bad: float) -> None:
    data = active_users_partial(SPREAD, as_of=AS_OF).to_dict()
    columns_ = data["columns"]
    assert isinstance(columns_, dict)
    columns_["count"] = [bad, *columns_["count"][1:]]
    with pytest.raises(InvalidInputError, match="holds counts"):
        ActiveUsersPartial.from_dict(data)


def test_the_window_reads_back_from_the_key() -> None:
    p = active_users_partial(
        SPREAD, as_of=AS_OF, window_days=14, timezone="Asia/Kolkata", features=["x", "a"]
    )
    got = p.finalize()
    assert (got.window_days, got.timezone, got.features) == (14, "Asia/Kolkata", ("a", "x"))
    assert got.first_day == AS_OF - timedelta(days=14)
    assert got == active_users(
        SPREAD, as_of=AS_OF, window_days=14, timezone="Asia/Kolkata", features=["x", "a"]
    )
    assert np.isnan(got.seats).all()
