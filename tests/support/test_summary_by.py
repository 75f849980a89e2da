"""``summary(..., by=)``: the one grouped shape, checked against the summary of each group alone.

The rule of every area (issue 14): with ``by``, `summary` returns a `cshealth.Grouped`
whose ``overall`` is the summary without ``by`` and whose every group is the summary of
that group's tickets alone; labels are text in sorted order, tickets without a group are
``'(none)'`` and counted in ``ungrouped``. The reference is plain Python: the tickets of
each group picked one by one, and `summary` called on them.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support.worked import BASE, ticket_lists, worked_columns

from cshealth import NO_GROUP, Grouped, InvalidInputError, Ticket, to_columns
from cshealth._stats import Rate
from cshealth.support import SupportSummary, summary
from cshealth.support._sla import SLAPolicy

POLICY = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4})
START = BASE + timedelta(days=3)
END = START + timedelta(days=14)
#: The period and targets of the worked tickets (`tests.support.test_summary`).
WORKED = {
    "start": date(2025, 3, 1),
    "end": date(2025, 4, 1),
    "sla": SLAPolicy(by_priority={"urgent": 1, "high": 4}),
}

#: Labels of every kind a column may hold: text, whole and fractional numbers, gaps.
LABELS = st.sampled_from(["smb", "ent", "5", 5, 5.0, 2.5, 7, None, math.nan, "(none)"])


def label_text(value: object) -> str:
    """The group a label is in, written out: gaps ``'(none)'``, a whole float its integer."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_GROUP
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def columns_of(tickets: list[Ticket]) -> dict[str, object]:
    return dict(to_columns(tickets, Ticket).items())


@given(ticket_lists(), st.data())
def test_each_group_is_the_summary_of_its_tickets_alone(tickets, data):
    labels = data.draw(st.lists(LABELS, min_size=len(tickets), max_size=len(tickets)))
    columns = {**columns_of(tickets), "team": labels}
    options = {"start": START, "end": END, "sla": POLICY}
    grouped = summary(columns, **options, by="team")
    assert isinstance(grouped, Grouped)
    assert grouped.by == "team"
    assert grouped.overall == summary(tickets, **options)
    texts = [label_text(value) for value in labels]
    assert list(grouped) == sorted(set(texts))
    assert grouped.ungrouped == sum(
        value is None or (isinstance(value, float) and math.isnan(value)) for value in labels
    )
    for label, result in grouped.items():
        alone = [t for t, text in zip(tickets, texts) if text == label]
        assert isinstance(result, SupportSummary)
        assert result == summary(alone, **options), label
    # the groups split the tickets: volumes and backlogs add up
    assert sum(g.volume for g in grouped.values()) == grouped.overall.volume
    assert sum(g.backlog for g in grouped.values()) == grouped.overall.backlog


@given(ticket_lists(max_size=20), st.sampled_from(["priority", "channel", "account_id"]))
def test_by_a_ticket_field_of_records(tickets, field):
    grouped = summary(tickets, start=START, end=END, sla=POLICY, by=field)
    values = [getattr(t, field) for t in tickets]
    assert list(grouped) == sorted(set(values))
    assert grouped.ungrouped == 0
    for label, result in grouped.items():
        alone = [t for t, value in zip(tickets, values) if value == label]
        assert result == summary(alone, start=START, end=END, sla=POLICY)


def test_by_any_column_of_a_data_frame():
    columns = worked_columns()
    frame = pd.DataFrame({**columns, "team": ["a", "b", None] * 4 + ["b", "a"]})
    grouped = summary(frame, **WORKED, by="team")
    assert list(grouped) == [NO_GROUP, "a", "b"]
    assert grouped.ungrouped == 4
    assert grouped.overall == summary(frame.drop(columns="team"), **WORKED)
    for label, part in (
        ("a", frame[frame["team"] == "a"]),
        (NO_GROUP, frame[frame["team"].isna()]),
    ):
        assert grouped[label] == summary(part, **WORKED)
    # a frame's whole-number column with gaps holds floats: 5.0 reads '5'
    frame["tier"] = [5, 7, None] * 4 + [5, 5]
    assert frame["tier"].dtype == np.float64
    tiers = summary(frame, **WORKED, by="tier")
    assert list(tiers) == [NO_GROUP, "5", "7"]
    assert tiers["5"] == summary(frame[frame["tier"] == 5], **WORKED)


def test_by_a_mapping_with_integer_ids():
    columns = worked_columns()
    numbered = {**columns, "account_id": [int(a[1:]) for a in columns["account_id"]]}
    segments = {1: "smb", 2: "smb", np.int64(3): "ent", 9: "ent"}  # 9 has no ticket
    grouped = summary(numbered, **WORKED, by=segments)
    assert grouped.by == "account"
    assert list(grouped) == [NO_GROUP, "ent", "smb"]
    assert grouped.ungrouped == 4  # A4 (T08, T10) and A5 (T11, T12)
    for label, accounts in (("smb", {1, 2}), ("ent", {3}), (NO_GROUP, {4, 5})):
        rows = [i for i, a in enumerate(numbered["account_id"]) if a in accounts]
        alone = {name: [values[i] for i in rows] for name, values in numbered.items()}
        assert grouped[label] == summary(alone, **WORKED)
    # text keys can never match whole-number ids: an error, not a silent '(none)'
    with pytest.raises(InvalidInputError, match="`by` is keyed by text"):
        summary(numbered, **WORKED, by={"1": "smb"})


@pytest.mark.parametrize(
    "labels",
    [
        ["a", "b"] * 7,
        np.array(["a", "b"] * 7, dtype=object),
        pd.Series(["a", "b"] * 7),
        ("a", "b") * 7,
        iter(["a", "b"] * 7),
    ],
    ids=["list", "array", "series", "tuple", "iterator"],
)
def test_labels_per_ticket_are_refused_with_the_way_to_give_them(labels):
    with pytest.raises(InvalidInputError) as caught:
        summary(worked_columns(), **WORKED, by=labels)
    text = str(caught.value)
    assert text.startswith("`by` takes a column name or a mapping from account id to group")
    assert "add the labels to the tickets as a column" in text


@pytest.mark.parametrize("by", [5, 1.5, True, {"a"}, b"team"])
def test_a_by_that_is_neither_a_column_nor_a_mapping_is_refused(by):
    with pytest.raises(InvalidInputError, match="`by` must be a column name or a mapping"):
        summary(worked_columns(), **WORKED, by=by)


def test_a_column_the_tickets_lack_is_refused_listing_theirs():
    frame = pd.DataFrame({**worked_columns(), "team": ["a"] * 14})
    with pytest.raises(InvalidInputError) as caught:
        summary(frame, **WORKED, by="teams")
    assert str(caught.value) == (
        f"`by` names no column of the tickets: 'teams' (columns {sorted(frame.columns)}); "
        "give a column name, or a mapping from account id to group"
    )
    with pytest.raises(InvalidInputError, match="must be text, numbers or dates, got arrays"):
        summary({**worked_columns(), "team": np.zeros((14, 2))}, **WORKED, by="team")
    with pytest.raises(InvalidInputError, match="must hold one value per ticket"):
        summary({**worked_columns(), "team": ["a"] * 13}, **WORKED, by="team")
    with pytest.raises(InvalidInputError, match="must be text, numbers or dates"):
        summary({**worked_columns(), "team": [["a"]] * 14}, **WORKED, by="team")


def test_by_is_keyword_only():
    with pytest.raises(TypeError):
        summary(worked_columns(), date(2025, 3, 1), date(2025, 4, 1), None, "channel")  # type: ignore[misc]


def test_to_pandas_has_a_row_per_group_with_flat_cells():
    columns = {k: v for k, v in worked_columns().items() if k != "agent_replies"}
    grouped = summary(columns, **WORKED, by="channel")
    frame = grouped.to_pandas()
    assert list(frame.columns) == [
        "group",
        "volume",
        "first_response_median",
        "first_response_p90",
        "first_response_n",
        "resolution_median",
        "resolution_p90",
        "resolution_n",
        "sla",
        "sla_n",
        "sla_active",
        "sla_not_applicable",
        "fcr",
        "fcr_n",
        "one_touch",
        "one_touch_n",
        "reopen",
        "reopen_n",
        "backlog",
        "queue_wait_median",
        "queue_wait_p90",
        "queue_wait_n",
        "long_waits",
        "long_waits_n",
        "abandonment",
        "abandonment_n",
        "short_abandons",
        "wow",
        "sql_count",
        "sql_revenue",
        "sql_rate",
        "sql_rate_n",
        "sql_conversion",
        "sql_conversion_n",
    ]
    assert frame["group"].tolist() == list(grouped)
    for row in frame.to_dict("records"):
        result = grouped[row["group"]]
        assert row["volume"] == result.volume
        assert row["backlog"] == result.backlog
        for name in ("first_response", "resolution", "queue_wait"):
            stats = getattr(result, name)
            assert row[f"{name}_n"] == stats.n
            for part in ("median", "p90"):
                value = getattr(stats, part)
                assert row[f"{name}_{part}"] == value or (
                    value is None and math.isnan(row[f"{name}_{part}"])
                )
        for name in ("sla", "fcr", "reopen", "long_waits", "abandonment", "sql_rate"):
            rate: Rate = getattr(result, name)
            assert row[f"{name}_n"] == rate.n
            if rate.statistic is None:
                assert math.isnan(row[name])
            else:
                assert row[name] == rate.statistic
        # one_touch was not measured (no `agent_replies` column): no number at all
        assert row["one_touch"] is None or math.isnan(row["one_touch"])
        assert row["one_touch_n"] is None or math.isnan(row["one_touch_n"])
    # the worked numbers: email, T02 within its 4 h; T09, T10 still active
    email = frame.set_index("group").loc["email"]
    assert (email["volume"], email["sla"], email["sla_n"], email["sla_active"]) == (3, 1.0, 1, 2)
    assert email["first_response_median"] == (10800 + 345600) / 2


def test_format_with_groups_and_ungrouped_tickets():
    columns = {k: v for k, v in worked_columns().items() if k != "reopened_count"}
    columns["team"] = ["a", "b", None, "a", "a", "b", "a", "b", "a", "b", "a", "a", "b", "a"]
    grouped = summary(columns, **WORKED, by="team")
    lines = grouped.format().splitlines()
    assert lines[0] == "SupportSummary by team: 3 groups, 1 without one in '(none)'"
    assert lines[1].startswith("group   tickets")
    assert [line.split()[0] for line in lines[2:5]] == ["(all)", "(none)", "a"]
    assert lines[5].split()[0] == "b"
    # the footnote once, under the table
    assert lines[6:] == ["n/m = not measured: reopen (no `reopened_count` column)"]
    assert str(grouped) == grouped.format()
    # the overall line is the line of the summary without `by`
    alone = summary({k: v for k, v in columns.items() if k != "team"}, **WORKED)
    assert alone.format().splitlines()[1].split() == lines[2].split()
