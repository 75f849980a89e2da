"""``summary_partial``: partitions' partials, merged in any order, finalise to ``summary``.

The reference is `summary` itself on all the tickets: random tickets (the strategy of
``tests/support/worked.py``) are split into random partitions (empty and one-ticket ones
included), each partition's partial is taken, the partials are merged along a random tree,
and the merge must be the partial of all the tickets and finalise to `summary` of them all:
exactly, but for the float sums the partial documents (the leads' revenue, and the mean
durations with ``include_mean``), which must agree within ``1e-12`` relative.
"""

from __future__ import annotations

import itertools
import json
import math
import pickle
import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.worked import BASE, ticket_lists

from cshealth import Grouped, InvalidInputError, Ticket
from cshealth._partial import PartialKey, PartialMismatchError
from cshealth.support import (
    Schedule,
    SLAPolicy,
    SupportPartial,
    SupportSummary,
    summary,
    summary_partial,
)

pa = pytest.importorskip("pyarrow")

UTC = timezone.utc
POLICY = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4})
DESK = Schedule.weekdays("09:00", "17:00", timezone="Europe/Berlin")
SEGMENTS = {"A1": "smb", "A2": "ent"}  # A3 is in no segment
BY = st.sampled_from([None, "channel", "priority", SEGMENTS])
#: Revenues whose sums round: the merged revenue is then equal within the tolerance only.
REVENUES = st.none() | st.sampled_from([0.0, 0.1, 120.5, 1e6 / 3])


@st.composite
def tickets(draw: st.DrawFn, exact: bool = False) -> list[Ticket]:
    """Random tickets, ids in input order also in text order (``T000``, ``T001``, ...).

    Delighted tickets created at the same instant are listed in input order by `summary`
    and by id by the partial: with such ids, the two orders are one. ``exact``: revenues
    whose sums are exact in floats (0 and 120.5).
    """
    drawn = draw(ticket_lists(max_size=25))
    out = []
    for i, ticket in enumerate(drawn):
        update: dict[str, object] = {"id": f"T{i:03d}"}
        if ticket.service_qualified_lead and not exact:
            update["lead_revenue"] = draw(REVENUES)
        out.append(ticket.model_copy(update=update))
    return out


def split(items: list[Ticket], cuts: list[int]) -> list[list[Ticket]]:
    edges = [0, *sorted(min(c, len(items)) for c in cuts), len(items)]
    return [items[a:b] for a, b in itertools.pairwise(edges)]


def merged_along_a_random_tree(partials: list[SupportPartial], seed: int) -> SupportPartial:
    rng = random.Random(seed)
    items = list(partials)
    rng.shuffle(items)
    while len(items) > 1:
        i = rng.randrange(len(items) - 1)
        items[i : i + 2] = [items[i].merge(items[i + 1])]
    return items[0]


def assert_close(got: object, want: object, path: str = "") -> None:
    """Equal, but the float sums (``mean``, ``sql_revenue``) within 1e-12 relative."""
    if isinstance(want, dict):
        assert isinstance(got, dict)
        assert list(got) == list(want), path
        for name in want:
            assert_close(got[name], want[name], f"{path}.{name}")
    elif path.endswith((".mean", ".sql_revenue")) and want is not None:
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9), path
    else:
        assert got == want, path


def assert_same_rows(got: SupportPartial, want: SupportPartial) -> None:
    """The same key and rows; weight sums within 1e-12 relative."""
    assert got.key == want.key
    for name, column in want.columns.items():
        if name == "total":
            assert got.columns[name] == pytest.approx(column, rel=1e-12, abs=1e-9)
        else:
            assert got.columns[name].tolist() == column.tolist(), name


def options(by: object = None, **extra: object) -> dict[str, object]:
    start = BASE + timedelta(days=2)
    return {"start": start, "end": start + timedelta(days=12), "sla": POLICY, "by": by, **extra}


# --- any split, any merge: the single-machine answer -----------------------------------------


@settings(max_examples=40)
@given(
    tickets(),
    st.lists(st.integers(0, 25), max_size=5),
    st.integers(0, 10**6),
    BY,
    st.fixed_dictionaries(
        {"include_mean": st.booleans(), "schedule": st.sampled_from([None, DESK])}
    ),
)
def test_any_split_merged_along_any_tree_finalises_to_summary(
    data: list[Ticket], cuts: list[int], seed: int, by: object, extra: dict[str, Any]
) -> None:
    kw = options(by, **extra)
    parts = [summary_partial(p, **kw, part=f"p{i}") for i, p in enumerate(split(data, cuts))]
    merged = merged_along_a_random_tree(parts, seed)
    assert_same_rows(merged, summary_partial(data, **kw))
    assert merged.parts == tuple(sorted(f"p{i}" for i in range(len(parts))))
    got, want = merged.finalize(), summary(data, **kw)
    assert type(got) is type(want)
    assert_close(got.to_dict(), want.to_dict())


@settings(max_examples=25)
@given(tickets(exact=True), st.lists(st.integers(0, 25), max_size=4), st.integers(0, 99), BY)
def test_without_rounding_sums_the_result_is_equal(
    data: list[Ticket], cuts: list[int], seed: int, by: object
) -> None:
    # revenues 0 and 120.5 sum exactly, and no mean: `==` on the results
    kw = options(by)
    parts = [summary_partial(p, **kw) for p in split(data, cuts)]
    assert merged_along_a_random_tree(parts, seed).finalize() == summary(data, **kw)
    assert summary_partial(data, **kw).finalize() == summary(data, **kw)


@given(tickets(), tickets(), tickets(), BY)
@settings(max_examples=20)
def test_merging_is_associative_and_commutative_with_an_identity(
    a_data: list[Ticket], b_data: list[Ticket], c_data: list[Ticket], by: object
) -> None:
    # three partitions of one data set: ids kept distinct
    b_data = [t.model_copy(update={"id": f"B{t.id}"}) for t in b_data]
    c_data = [t.model_copy(update={"id": f"C{t.id}"}) for t in c_data]
    a, b, c = (summary_partial(d, **options(by)) for d in (a_data, b_data, c_data))
    assert_same_rows((a + b) + c, a + (b + c))
    assert_same_rows(a + b, b + a)
    empty = SupportPartial.empty(a.key)
    assert empty + a == a == a + empty
    assert_close((a + b + c).finalize().to_dict(), (c + a + b).finalize().to_dict())


# --- the rows --------------------------------------------------------------------------------


def test_durations_are_exact_value_counts() -> None:
    kw = options()
    created = BASE + timedelta(days=3)
    data = [
        Ticket(
            id=f"T{i}",
            account_id="A1",
            channel="email",
            created_at=created,
            first_response_at=created + timedelta(minutes=m),
        )
        for i, m in enumerate([10, 10, 30, 60, 10])
    ]
    p = summary_partial(data, **kw)
    rows = p.columns["measure"] == "first_response"
    assert p.columns["seconds"][rows].tolist() == [600.0, 1800.0, 3600.0]
    assert p.columns["count"][rows].tolist() == [3, 1, 1]
    # one row per distinct duration: split anyhow, the median and p90 are those of all
    halves = summary_partial(data[:2], **kw) + summary_partial(data[2:], **kw)
    assert halves.finalize().first_response == summary(data, **kw).first_response


def test_groups_are_listed_with_the_tickets_without_one() -> None:
    kw = options(SEGMENTS)
    late = BASE + timedelta(days=40)  # after the period: the group exists, counts nothing
    data = [
        Ticket(id="T1", account_id="A1", channel="chat", created_at=BASE + timedelta(days=3)),
        Ticket(id="T2", account_id="A2", channel="web", created_at=late),
        Ticket(id="T3", account_id="A3", channel="web", created_at=BASE + timedelta(days=4)),
    ]
    p = summary_partial(data, **kw)
    got = p.finalize()
    assert isinstance(got, Grouped)
    assert list(got) == ["(none)", "ent", "smb"]
    assert got.ungrouped == 1
    assert got["ent"] == summary([], **options())
    assert got == summary(data, **kw)
    assert summary_partial(data[:1], **kw) + summary_partial(data[1:], **kw) == SupportPartial(
        p.key, p.columns
    )


def test_an_empty_partition_gives_the_empty_partial() -> None:
    for by in (None, "channel"):
        p = summary_partial([], **options(by))
        assert len(p) == 0
        assert p == SupportPartial.empty(p.key)
        assert p.finalize() == summary([], **options(by))


def test_tickets_created_after_the_period_count_for_nothing() -> None:
    late = Ticket(id="T1", account_id="A1", channel="chat", created_at=BASE + timedelta(days=90))
    assert len(summary_partial([late], **options())) == 0


def test_wow_tickets_created_together_are_listed_by_id() -> None:
    created = BASE + timedelta(days=3)
    data = [
        Ticket(id=name, account_id="A1", channel="web", created_at=created, delighted=True)
        for name in ("T-b", "T-a")
    ]
    assert summary(data, **options()).wow_ticket_ids == ("T-b", "T-a")  # input order
    assert summary_partial(data, **options()).finalize().wow_ticket_ids == ("T-a", "T-b")


def test_a_delighted_ticket_in_two_partitions_is_refused() -> None:
    ticket = Ticket(
        id="T1", account_id="A1", channel="web", created_at=BASE + timedelta(days=3), delighted=True
    )
    twice = summary_partial([ticket], **options()) + summary_partial([ticket], **options())
    with pytest.raises(InvalidInputError, match="'T1' is counted 2 times"):
        twice.finalize()


def test_rows_of_an_unknown_measure_are_refused() -> None:
    p = summary_partial([], **options())
    data = p.to_dict()
    data["columns"] = {
        "group": [""],
        "measure": ["happiness"],
        "label": [""],
        "seconds": [0.0],
        "at": [0],
        "count": [1],
        "total": [0.0],
    }
    with pytest.raises(InvalidInputError, match="no measure 'happiness'"):
        SupportPartial.from_dict(data).finalize()


def test_the_same_errors_as_summary() -> None:
    with pytest.raises(InvalidInputError, match=r"`end` .* must be after `start`"):
        summary_partial([], start=date(2025, 3, 1), end=date(2025, 3, 1))
    with pytest.raises(InvalidInputError, match="`part` names the partition"):
        summary_partial([], start=date(2025, 3, 1), end=date(2025, 4, 1), part=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`by` names no column"):
        summary_partial({"id": [], "channel": [], "created_at": []}, **options("team"))


# --- keys ------------------------------------------------------------------------------------

REFERENCE = [
    Ticket(
        id="T1",
        account_id="A1",
        channel="chat",
        created_at=BASE + timedelta(days=3),
        first_response_at=BASE + timedelta(days=3, hours=2),
    )
]


@pytest.mark.parametrize(
    ("option", "change"),
    [
        ("start", {"start": BASE + timedelta(days=1)}),
        ("end", {"end": BASE + timedelta(days=20)}),
        ("schedule", {"schedule": DESK}),
        ("sla", {"sla": SLAPolicy()}),
        ("by", {"by": "channel"}),
        ("by_mapping", {"by": {"A1": "smb"}}),
        ("live_channels", {"live_channels": ("chat",)}),
        ("long_wait_seconds", {"long_wait_seconds": 60}),
        ("short_abandon_seconds", {"short_abandon_seconds": 0}),
        ("include_mean", {"include_mean": True}),
    ],
)
def test_partials_of_other_options_are_refused(option: str, change: dict[str, object]) -> None:
    base = options(SEGMENTS if option == "by_mapping" else None)
    a = summary_partial(REFERENCE, **base)
    b = summary_partial(REFERENCE, **{**base, **change})
    with pytest.raises(PartialMismatchError, match=f"{option}: "):
        a.merge(b)


def test_partials_of_tickets_with_other_columns_are_refused() -> None:
    columns = {
        "id": ["T1"],
        "channel": ["chat"],
        "created_at": [BASE + timedelta(days=3)],
        "first_response_at": [BASE + timedelta(days=3, hours=2)],
    }
    fewer = {name: v for name, v in columns.items() if name != "first_response_at"}
    with pytest.raises(PartialMismatchError, match="not_measured: "):
        summary_partial(columns, **options()).merge(summary_partial(fewer, **options()))


def test_the_same_partition_twice_is_refused() -> None:
    a = summary_partial(REFERENCE, **options(), part="tickets-1.parquet")
    with pytest.raises(PartialMismatchError, match=r"'tickets-1\.parquet' is in partials"):
        a.merge(a)


def test_the_key_reads_back_as_the_options() -> None:
    p = summary_partial(REFERENCE, **options(schedule=DESK))
    assert p.key.option("schedule") == DESK.config_hash
    assert SLAPolicy.model_validate_json(p.key.option("sla")) == POLICY
    assert p.key.option("start") == "2025-03-03T00:00:00+00:00"
    got = p.finalize()
    assert isinstance(got, SupportSummary)
    assert (got.clock, got.sla_clock, got.start) == (
        "business",
        "business",
        datetime(2025, 3, 3, tzinfo=UTC),
    )


# --- serial forms ----------------------------------------------------------------------------

ROUND = [
    Ticket(
        id=f"T{i}",
        account_id="A1" if i % 2 else "A3",
        channel="chat",
        created_at=BASE + timedelta(days=3, minutes=i),
        first_response_at=BASE + timedelta(days=3, minutes=2 * i),
        resolved_at=BASE + timedelta(days=4, seconds=i / 3),
        queue_wait_seconds=12.5 * i,
        delighted=i == 2,
        service_qualified_lead=True,
        lead_revenue=0.1 * i,
    )
    for i in range(4)
]


def test_round_trips_through_pickle_dict_and_arrow() -> None:
    p = summary_partial(ROUND, **options(SEGMENTS), part="p1")
    back = pickle.loads(pickle.dumps(p))
    assert back == p
    assert all(not column.flags.writeable for column in back.columns.values())
    assert SupportPartial.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    assert SupportPartial.from_arrow(p.to_arrow()) == p
    assert SupportPartial.from_arrow(p.to_arrow()).finalize() == p.finalize()
    engine_sum = pa.table({name: p.to_arrow().column(name) for name in p.columns})  # no metadata
    assert SupportPartial.from_arrow(engine_sum, key=p.key).finalize() == p.finalize()


@pytest.mark.parametrize("bad", [-1, 1.5])
def test_from_dict_refuses_counts_that_are_not_whole_numbers(bad: float) -> None:
    data = summary_partial(ROUND, **options()).to_dict()
    columns = data["columns"]
    assert isinstance(columns, dict)
    columns["count"] = [bad, *columns["count"][1:]]
    with pytest.raises(InvalidInputError, match="holds counts"):
        SupportPartial.from_dict(data)


def test_the_revenue_is_a_float_sum_within_the_tolerance() -> None:
    kw = options()
    parts = [summary_partial([t], **kw) for t in ROUND]
    merged = merged_along_a_random_tree(parts, 3).finalize()
    assert isinstance(merged, SupportSummary)
    want = summary(ROUND, **kw).sql_revenue
    assert want is not None
    assert merged.sql_revenue == pytest.approx(want, rel=1e-12)
    assert math.isclose(merged.sql_revenue or 0.0, 0.6, rel_tol=1e-12)


def test_the_kind_and_what_it_requires() -> None:
    p = SupportPartial.empty(PartialKey.of("support_summary"))
    assert (p.KIND, p.requires) == ("support_summary", None)
    assert np.asarray(p.columns["seconds"]).dtype == np.float64
