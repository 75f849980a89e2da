"""``summary`` against a hand-worked ticket set and a slow per-ticket reference.

References: the 14 tickets of ``tests/support/worked.py`` worked by hand below (arithmetic
in comments), and ``worked.reference_stats`` (a loop over records with Python datetimes,
``statistics.median`` and a hand-written linear percentile) compared on random tickets with
Hypothesis, overall and per group.
"""

from __future__ import annotations

import json
import math
import pickle
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support.worked import (
    BASE,
    CHANNELS,
    assert_close,
    comparable,
    reference_stats,
    ticket_lists,
    worked_columns,
    worked_records,
)

from cshealth import (
    NO_GROUP,
    Grouped,
    InvalidInputError,
    Ticket,
    from_columns,
    load_table,
    to_columns,
)
from cshealth._stats import Rate
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy
from cshealth.support._summary import _OPTIONAL as OPTIONAL
from cshealth.support._summary import summary
from cshealth.support._summary_result import _NEEDS as NEEDS
from cshealth.support._summary_result import DurationStats, SupportSummary

UTC = timezone.utc
START, END = date(2025, 3, 1), date(2025, 4, 1)
POLICY = SLAPolicy(by_priority={"urgent": 1, "high": 4})


def worked(**kwargs):
    options = {"start": START, "end": END, "sla": POLICY, **kwargs}
    return summary(worked_columns(), **options)


# --- the worked example ---------------------------------------------------------------------
# Period [2025-03-01, 2025-04-01). T12 is created at the end (left out of everything); T13 is
# all in February (counts nowhere).


def test_volume_and_channels():
    s = worked()
    # created in the period: T02..T10 and T14 = 10 tickets
    assert s.volume == 10
    # chat T04 T05 T14, email T02 T09 T10, phone T06 T07, forum T08 (unknown: kept), web T03;
    # largest first, ties by name
    assert list(s.volume_by_channel.items()) == [
        ("chat", 3),
        ("email", 3),
        ("phone", 2),
        ("forum", 1),
        ("web", 1),
    ]


def test_first_response_and_resolution_times():
    s = worked(include_mean=True)
    # first replies in the period (bucketed on the reply): T02 3 h = 10800, T03 2 h = 7200,
    # T04 30, T07 600, T08 48 h = 172800, T11 (created in February) 4 d = 345600, T14 300;
    # T10's reply (2025-04-01T00:30) is after the period.
    # sorted 30 300 600 7200 10800 172800 345600: median 7200;
    # p90 at position 0.9 * 6 = 5.4: 172800 + 0.4 * (345600 - 172800) = 241920
    # mean 537330 / 7
    assert s.first_response.n == 7
    assert s.first_response.median == 7200.0
    assert s.first_response.p90 == pytest.approx(241920.0)
    assert s.first_response.mean == pytest.approx(537330 / 7)
    # resolved in the period: T01 10 d = 864000, T02 86400, T03 86400, T04 1200, T07 1800,
    # T14 3600; T05 (closed after 7 min) and T06 (after 5 s) are abandoned contacts, not
    # resolutions. Sorted 1200 1800 3600 86400 86400 864000: median (3600 + 86400) / 2 =
    # 45000; p90 at 0.9 * 5 = 4.5: 86400 + 0.5 * (864000 - 86400) = 475200;
    # mean (864000 + 2 * 86400 + 1200 + 1800 + 3600) / 6 = 1043400 / 6 = 173900
    assert s.resolution.n == 6
    assert s.resolution.median == 45000.0
    assert s.resolution.p90 == pytest.approx(475200.0)
    assert s.resolution.mean == pytest.approx(173900.0)
    assert worked().first_response.mean is None  # only with include_mean


def test_sla():
    s = worked()
    # created in the period, judged at the end (2025-04-01T00:00):
    #   T02 high 3 h <= 4 h achieved     T03 urgent 2 h > 1 h breached
    #   T04 30 s achieved                T05 closed unanswered after 7 min: no verdict
    #   T06 closed unanswered: no verdict  T07 600 s achieved
    #   T08 48 h > 24 h breached         T09 unanswered, 12 h elapsed: active
    #   T10 urgent, reply after the end, 1 h elapsed = target (not above): active
    #   T14 300 s achieved
    assert s.sla == Rate(4, 6)
    assert s.sla_active == 2
    assert s.sla_not_applicable == 2
    assert s.sla.n + s.sla_active + s.sla_not_applicable == s.volume


def test_sla_clock_stops_at_resolution():
    # T05 (chat, created 03-11 14:00, closed unanswered at 14:07, 24 h target): before the
    # rule it became "breached" once 24 h had passed, so a weekly report said nothing and
    # a monthly one said breached. Now the verdict is the same for every period holding it.
    t05 = {name: values[4:5] for name, values in worked_columns().items()}
    for end in (date(2025, 3, 12), date(2025, 3, 18), END, date(2026, 1, 1)):
        s = summary(t05, start=date(2025, 3, 11), end=end, sla=POLICY)
        assert (s.sla, s.sla_active, s.sla_not_applicable) == (Rate(0, 0), 0, 1)
    # judged before it was closed, its target is still active
    at_1405 = datetime(2025, 3, 11, 14, 5, tzinfo=UTC)
    s = summary(t05, start=date(2025, 3, 11), end=at_1405, sla=POLICY)
    assert (s.sla, s.sla_active, s.sla_not_applicable) == (Rate(0, 0), 1, 0)
    # left open, it breaches once its 24 h target has passed by the end
    t05["resolved_at"] = [None]
    s = summary(t05, start=date(2025, 3, 11), end=date(2025, 3, 13), sla=POLICY)
    assert (s.sla, s.sla_active, s.sla_not_applicable) == (Rate(0, 1), 0, 0)


def test_resolution_rates_and_backlog():
    s = worked()
    # resolved in the period: T01 T02 T03 T04 T07 T14 (6; abandoned T05 and T06 left out)
    # customer replies 2 0 1 0 0 0 -> fcr 4 of 6
    assert s.fcr == Rate(4, 6)
    # agent replies 3 1 2 1 1 1 -> fewer than 2: 4 of 6
    assert s.one_touch == Rate(4, 6)
    # reopened: T01 and T03
    assert s.reopen == Rate(2, 6)
    # created before the end, not resolved before it: T08, T09, T10 (resolved 04-02), T11
    assert s.backlog == 4


def test_abandoned_contacts_are_not_resolutions():
    columns = worked_columns()
    served = dict(columns, abandoned=[False] * len(columns["id"]))
    s, as_served = worked(), summary(served, start=START, end=END, sla=POLICY)
    # counted as served, T05 (420 s, no replies) and T06 (5 s) would be two more resolutions,
    # both first-contact and one-touch: sorted 5 420 1200 1800 3600 86400 86400 864000,
    # median (1800 + 3600) / 2 = 2700 s instead of 45000 s
    assert as_served.resolution.n == 8
    assert as_served.resolution.median == 2700.0
    assert (as_served.fcr, as_served.one_touch, as_served.reopen) == (
        Rate(6, 8),
        Rate(6, 8),
        Rate(2, 8),
    )
    # they still count in volume, backlog (when open), abandonment, wow and leads
    assert (s.volume, s.backlog, s.abandonment, s.short_abandons) == (10, 4, Rate(1, 3), 1)
    # an abandoned contact left open is backlog
    columns["resolved_at"][4] = None  # T05
    assert summary(columns, start=START, end=END, sla=POLICY).backlog == 5
    # a group whose only event in the period is an abandoned contact's closing counts
    # nothing: T06 closed in March, but as an abandoned contact it counts for no metric
    moved = worked_columns()
    moved["team"] = ["p"] * 14
    moved["team"][5] = "gone"
    moved["created_at"][5] = "2025-02-28T23:59:50Z"  # T06 created in February
    moved["resolved_at"][5] = "2025-03-01T00:00:01Z"
    s = summary(moved, start=START, end=END, sla=POLICY, by="team")
    assert list(s.groups) == ["gone", "p"]
    assert (s["gone"].volume, s["gone"].resolution.n, s["gone"].backlog) == (0, 0, 0)
    alone = {name: values[5:6] for name, values in moved.items()}
    assert s["gone"] == summary(alone, start=START, end=END, sla=POLICY)
    moved["abandoned"][5] = False  # served, its resolution counts in March
    s = summary(moved, start=START, end=END, sla=POLICY, by="team")
    assert list(s.groups) == ["gone", "p"]
    assert s.groups["gone"].resolution.n == 1


def test_live_channels():
    s = worked()
    # chat/phone created in the period with a known wait: T04 30 answered, T05 400 abandoned,
    # T06 5 abandoned (short: < 10 s), T07 600 answered; T14 has no wait and is left out
    # answered waits 30, 600: median 315, p90 30 + 0.9 * 570 = 543
    assert s.queue_wait == DurationStats(2, 315.0, 543.0)
    assert s.long_waits == Rate(1, 2)  # T07 waited > 300 s
    assert s.short_abandons == 1
    # abandoned after >= 10 s: T05; queued 4 - 1 short abandon = 3
    assert s.abandonment == Rate(1, 3)
    # every contact a live one and every abandon kept
    s = worked(live_channels=("chat", "phone", "email"), short_abandon_seconds=0)
    assert s.abandonment == Rate(2, 4)
    assert s.short_abandons == 0


def test_wow_and_leads():
    s = worked()
    assert s.wow == 2
    assert s.wow_ticket_ids == ("T02", "T14")  # creation order
    # leads created in the period: T04 (5000), T07 (no revenue), T14 (0)
    assert s.sql_count == 3
    assert s.sql_revenue == 5000.0
    assert s.sql_rate == Rate(3, 10)
    assert s.sql_conversion == Rate(1, 3)  # only T04 brought revenue


def test_groups_by_channel():
    s = worked(by="channel")
    assert s.by == "channel"
    assert list(s.groups) == ["chat", "email", "forum", "phone", "web"]  # sorted
    email = s.groups["email"]
    # email: T01 (resolved in the period), T02, T09, T10, T11 (replied in the period)
    assert email.volume == 3
    assert email.first_response == DurationStats(2, (10800 + 345600) / 2, 10800 + 0.9 * 334800)
    assert email.resolution.n == 2  # T01, T02
    assert email.sla == Rate(1, 1)  # T02; T09 and T10 active
    assert (email.sla_active, email.sla_not_applicable) == (2, 0)
    chat = s.groups["chat"]
    # chat: T04, T05 (abandoned, closed unanswered), T14
    assert chat.sla == Rate(2, 2)  # T04 30 s, T14 300 s
    assert (chat.sla_active, chat.sla_not_applicable) == (0, 1)
    assert chat.resolution.n == 2  # T04, T14
    assert email.backlog == 3  # T09, T10, T11
    assert email.fcr == Rate(1, 2)  # T02 (T01 had customer replies)
    assert sum(g.volume for g in s.groups.values()) == s.overall.volume


def test_groups_by_priority_and_account_mapping():
    s = worked(by="priority")
    assert {name: g.volume for name, g in s.groups.items()} == {
        "normal": 6,  # T04 T05 T07 T08 T09 T14
        "urgent": 2,  # T03 T10
        "high": 1,  # T02
        "low": 1,  # T06
    }
    segments = {"A1": "smb", "A2": "smb", "A3": "enterprise"}
    s = worked(by=segments)
    assert s.by == "account"
    # smb: A1 (T02 T07) and A2 (T03 T04 T09); enterprise: A3 (T05 T06 T14);
    # A4 (T08 T10) and A5 (no ticket created in the period) are not in the mapping
    assert {name: g.volume for name, g in s.groups.items()} == {
        "smb": 5,
        "enterprise": 3,
        NO_GROUP: 2,
    }
    assert s.groups[NO_GROUP].backlog == 3  # T08, T10, T11


def test_an_account_mapping_follows_the_identifier_rule():
    # keys are matched as the data's ids are (as in nps.breakdown): white space trimmed
    segments = {"A1": "smb", "A2": "smb", "A3": "enterprise"}
    padded = {f" {key} ": value for key, value in segments.items()}
    assert worked(by=padded).groups == worked(by=segments).groups
    # whole-number ids: whole-number keys match them; text keys never could, and say so
    columns = worked_columns()
    numbered = {**columns, "account_id": [int(a[1:]) for a in columns["account_id"]]}
    by_number = summary(numbered, start=START, end=END, sla=POLICY, by={1: "smb", 2: "smb"})
    by_text = summary(columns, start=START, end=END, sla=POLICY, by={"A1": "smb", "A2": "smb"})
    assert by_number.groups == by_text.groups
    with pytest.raises(InvalidInputError, match=r"`by` is keyed by text \('1', '2'\), but the"):
        summary(numbered, start=START, end=END, by={"1": "smb", "2": "smb"})


def test_groups_by_any_column():
    labels = ["x", "y", None, 1, "1", "y", "x", "x", "x", "y", math.nan, "y", "x", None]
    columns = {**worked_columns(), "label": labels}
    s = summary(columns, start=START, end=END, sla=POLICY, by="label")
    assert s.by == "label"
    # labels are shown as text, so 1 and "1" are one group; None and NaN are "(none)".
    # created in the period: T02 y, T03 None, T04 1, T05 "1", T06 y, T07 x, T08 x, T09 x,
    # T10 y, T14 None
    assert {name: g.volume for name, g in s.groups.items()} == {
        "x": 3,
        "y": 3,
        "1": 2,
        NO_GROUP: 2,
    }
    assert list(s.groups) == [NO_GROUP, "1", "x", "y"]  # sorted as text
    assert s.ungrouped == 3  # T03, T11 (NaN), T14
    assert s.overall == worked()
    frame = pd.DataFrame(columns)
    assert summary(frame, start=START, end=END, sla=POLICY, by="label") == s


def test_groups_without_activity_are_listed_with_nothing_counted():
    # T13 is the only "feb" ticket: all its events are before the period, so its group
    # counts nothing, as the summary of T13 alone does
    columns = {**worked_columns(), "month": ["p"] * 12 + ["feb", "p"]}
    s = summary(columns, start=START, end=END, sla=POLICY, by="month")
    assert list(s.groups) == ["feb", "p"]
    t13 = {name: values[12:13] for name, values in columns.items()}
    assert s["feb"] == summary(t13, start=START, end=END, sla=POLICY)
    assert (s["feb"].volume, s["feb"].backlog, s["feb"].resolution.n) == (0, 0, 0)
    assert s["p"] == worked()


def test_inputs_agree():
    expected = worked(by="channel").to_dict()
    records = worked_records()
    assert summary(records, start=START, end=END, sla=POLICY, by="channel").to_dict() == expected
    frame = pd.DataFrame(worked_columns())
    assert summary(frame, start=START, end=END, sla=POLICY, by="channel").to_dict() == expected


def test_aware_datetimes_as_bounds():
    paris = timezone(timedelta(hours=1))
    s = summary(
        worked_columns(),
        start=datetime(2025, 3, 1, 1, 0, tzinfo=paris),
        end=datetime(2025, 4, 1, 1, 0, tzinfo=paris),
        sla=POLICY,
    )
    assert s.start == datetime(2025, 3, 1, tzinfo=UTC)
    assert s == worked()


def test_results_print_and_serialise():
    s = worked(by="channel")
    assert repr(s) == (
        "Grouped(by='channel', 5 groups of SupportSummary: 'chat', 'email', 'forum', "
        "'phone', 'web'; ungrouped=0)"
    )
    assert repr(s.overall) == (
        "SupportSummary(2025-03-01T00:00:00+00:00 to 2025-04-01T00:00:00+00:00, "
        "clock='calendar', volume=10, first_response median=2 h, "
        "sla=Rate(0.6667, 4 of 6), backlog=4)"
    )
    assert repr(worked()) == repr(s.overall)
    out = s.to_dict()
    text = json.dumps(out)
    assert json.loads(text) == out
    assert list(out) == ["by", "overall", "groups", "ungrouped"]
    assert (out["by"], out["ungrouped"]) == ("channel", 0)
    assert out["overall"]["clock"] == out["overall"]["sla_clock"] == "calendar"
    assert out["overall"]["sla_policy"] == {
        "first_response_hours": 24.0,
        "by_priority": {"urgent": 1.0, "high": 4.0},
        "clock": "business",
    }
    overall = out["overall"]
    assert overall["sla"]["statistic"] == pytest.approx(4 / 6)
    sla_interval = overall["sla"]["confidence_interval"]
    assert sla_interval["low"] < 4 / 6 < sla_interval["high"]
    assert (overall["sla_active"], overall["sla_not_applicable"]) == (2, 2)
    assert overall["wow_ticket_ids"] == ["T02", "T14"]
    assert overall["first_response"] == {
        "n": 7,
        "median": 7200.0,
        "p90": pytest.approx(241920.0),
        "mean": None,
    }
    assert list(out["groups"]) == ["chat", "email", "forum", "phone", "web"]
    assert out["groups"]["chat"]["start"] == out["overall"]["start"]


def test_format():
    # the worked numbers above, rounded to two or three figures:
    # all: replies median 7200 s = 2.0 h, p90 241920 s = 2.8 d; resolution median 45000 s
    #   = 12.5 h, shown "12 h" (Python rounds halves to even); SLA 4/6, one-touch 4/6,
    #   FCR 4/6, reopen 2/6
    # chat: replies T04 30 s, T14 300 s: median 165 s = 2.75 min, p90 273 s = 4.55 min;
    #   resolutions T04 20 min, T14 60 min (T05 abandoned): median 40 min
    # email: replies T02 3 h, T11 4 d: median 178200 s = 2.06 d, p90 312120 s = 3.61 d;
    #   resolutions T01 10 d, T02 1 d: median 5.5 d; T01 is not one-touch, not FCR, reopened
    # phone: T07 replied in 10 min, resolved in 30 min; T06 abandoned: no verdict, not a
    #   resolution
    # forum: T08 replied after 48 h = 2.0 d (breached), still open
    # web: T03 urgent replied after 2 h (breached), resolved after 24 h, 2 agent replies,
    #   a customer reply, reopened
    assert worked(by="channel").format().splitlines() == [
        "SupportSummary by channel: 5 groups",
        "group  tickets    reply      p90  resolved   SLA  1-touch   FCR  reopen  backlog",
        "(all)       10    2.0 h    2.8 d      12 h   67%      67%   67%     33%        4",
        "chat         3  2.8 min  4.5 min    40 min  100%     100%  100%      0%        0",
        "email        3    2.1 d    3.6 d     5.5 d  100%      50%   50%     50%        3",
        "forum        1    2.0 d    2.0 d         -    0%        -     -       -        1",
        "phone        2   10 min   10 min    30 min  100%     100%  100%      0%        0",
        "web          1    2.0 h    2.0 h      24 h    0%       0%    0%    100%        0",
    ]
    # the first column is as wide as the longest group name; no groups: one line
    columns = {**worked_columns(), "team": ["a-much-longer-label"] * 14}
    lines = summary(columns, start=START, end=END, sla=POLICY, by="team").format().splitlines()
    assert lines[1].startswith("group                tickets")
    assert lines[3].startswith("a-much-longer-label       10    2.0 h")
    assert worked().format().splitlines() == worked(by="channel").format().splitlines()[1:3]
    assert str(worked(by="channel")) == worked(by="channel").format()  # print() shows the table
    assert str(worked()) == worked().format()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45.0, "45 s"), (600.0, "10 min"), (9000.0, "2.5 h"), (864000.0, "10 d")],
)
def test_duration_repr_units(seconds, text):
    assert (
        repr(DurationStats(1, seconds, seconds)) == f"DurationStats(n=1, median={text}, p90={text})"
    )
    assert repr(DurationStats(0, None, None)) == "DurationStats(n=0)"


def test_results_are_frozen_and_pickle():
    s = worked(by="channel")
    with pytest.raises(AttributeError):
        s.overall = None
    with pytest.raises(AttributeError):
        s.overall.first_response.n = 3
    assert pickle.loads(pickle.dumps(s)) == s


def test_results_compare_by_value():
    s = worked(by="channel", include_mean=True)
    again = worked(by="channel", include_mean=True)
    assert s == again  # another call: equal values, never an error
    assert s.overall == again.overall
    assert s.groups["chat"] == again.groups["chat"]
    assert s.overall.first_response == DurationStats(
        7, 7200.0, s.overall.first_response.p90, s.overall.first_response.mean
    )
    assert s != worked(by="channel")  # means left out
    assert s.overall != worked(include_mean=True, end=date(2025, 3, 31))
    assert s != worked(by="channel", include_mean=True, sla=SLAPolicy())
    assert s.groups["chat"] != s.groups["email"]
    assert DurationStats(0, None, None) == DurationStats(0, None, None, None)
    assert DurationStats(1, 60.0, 60.0) != DurationStats(1, 60.0, 61.0)


def test_to_dict_is_every_field_and_not_measured_in_strict_json():
    s = summary(
        {k: v for k, v in worked_columns().items() if k != "agent_replies"},
        start=START,
        end=END,
        sla=POLICY,
        by="channel",
    )
    out = s.overall.to_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert list(out) == list(SupportSummary.__dataclass_fields__)
    assert list(out)[:5] == ["start", "end", "clock", "sla_clock", "sla_policy"]
    assert list(out)[-1] == "not_measured"
    assert (out["start"], out["end"]) == (
        "2025-03-01T00:00:00.000000Z",
        "2025-04-01T00:00:00.000000Z",
    )
    assert out["not_measured"] == {"one_touch": "no `agent_replies` column"}
    assert s.to_dict()["groups"]["chat"]["not_measured"] == out["not_measured"]
    assert out["one_touch"] is None
    assert out["volume_by_channel"] == dict(s.overall.volume_by_channel)
    assert s.to_dict()["groups"]["chat"] == s.groups["chat"].to_dict()
    assert s.to_dict()["overall"] == out


# --- empty input ------------------------------------------------------------------------------


#: Every optional ticket column, empty.
ALL_EMPTY = {name: [] for name in OPTIONAL}
#: Every optional ticket column, one ticket with the model's defaults.
ALL_DEFAULTS = {
    "priority": ["normal"],
    "first_response_at": [None],
    "resolved_at": [None],
    "reopened_count": [0],
    "agent_replies": [0],
    "customer_replies": [0],
    "queue_wait_seconds": [None],
    "abandoned": [False],
    "delighted": [False],
    "service_qualified_lead": [False],
    "lead_revenue": [None],
}


@pytest.mark.parametrize(
    "tickets",
    [
        [],
        {"id": [], "channel": [], "created_at": [], **ALL_EMPTY},
        # tickets after the end only
        {"id": ["T"], "channel": ["email"], "created_at": ["2025-05-01T00:00Z"], **ALL_DEFAULTS},
    ],
)
def test_empty_summary_is_zeros_and_undefined_rates(tickets):
    s = summary(tickets, start=START, end=END, by="channel")
    o = s.overall
    assert o == summary(tickets, start=START, end=END)
    counts = (o.volume, o.backlog, o.wow, o.sql_count, o.short_abandons, o.sla_active)
    assert counts == (0,) * 6
    assert o.sla_not_applicable == 0
    assert dict(o.volume_by_channel) == {}
    assert o.wow_ticket_ids == ()
    assert o.sql_revenue == 0.0
    for rate in (o.sla, o.fcr, o.one_touch, o.reopen, o.long_waits, o.abandonment, o.sql_rate):
        assert rate == Rate(0, 0)
        assert rate.statistic is None
    for stats in (o.first_response, o.resolution, o.queue_wait):
        assert stats == DurationStats(0, None, None, None)
    # every group of the data is listed: a ticket after the end counts nothing
    assert all(group == o for group in s.groups.values())
    assert list(s.groups) == sorted(set(tickets["channel"] if tickets else []))
    json.dumps(s.to_dict())


def test_minimal_columns_measure_only_volume():
    # only the required columns: every measure built on an optional column is not measured
    data = {
        "id": ["T1", "T2"],
        "channel": ["chat", "email"],
        "created_at": ["2025-03-02T00:00Z", "2025-03-03T00:00Z"],
    }
    s = summary(data, start=START, end=END, by="channel")
    o = s.overall
    assert (o.volume, dict(o.volume_by_channel)) == (2, {"chat": 1, "email": 1})
    assert set(o.not_measured) == set(NEEDS)
    for name in NEEDS:
        assert getattr(o, name) is None, name
        assert o.to_dict()[name] is None, name
    assert o.wow_ticket_ids == ()
    assert o.not_measured == s.groups["chat"].not_measured
    assert o.not_measured["sla"] == "no `first_response_at` and `resolved_at` columns"
    assert o.not_measured["abandonment"] == "no `queue_wait_seconds` and `abandoned` columns"
    assert s.to_dict()["overall"]["not_measured"] == dict(o.not_measured)
    json.dumps(s.to_dict())


# The issue's reproduction: resolved tickets without reply counts showed "1-touch 100%, FCR
# 100%, reopen 0%". Each rate is measured exactly when its column is there.
RESOLVED = {
    "id": ["T1", "T2", "T3"],
    "account_id": ["A-1"] * 3,
    "channel": ["email"] * 3,
    "created_at": ["2025-03-02T00:00Z", "2025-03-03T00:00Z", "2025-03-04T00:00Z"],
    "first_response_at": ["2025-03-02T01:00Z", "2025-03-03T01:00Z", "2025-03-04T01:00Z"],
    "resolved_at": ["2025-03-02T02:00Z", "2025-03-03T02:00Z", "2025-03-05T00:00Z"],
}


@pytest.mark.parametrize(
    ("column", "values", "measure", "rate"),
    [
        ("agent_replies", [1, 3, 1], "one_touch", Rate(2, 3)),
        ("customer_replies", [0, 2, 1], "fcr", Rate(1, 3)),
        ("reopened_count", [0, 0, 1], "reopen", Rate(1, 3)),
    ],
)
def test_each_resolution_rate_is_measured_only_with_its_column(column, values, measure, rate):
    without = summary(RESOLVED, start=START, end=END)
    assert {"one_touch", "fcr", "reopen"} <= set(without.not_measured)
    assert getattr(without, measure) is None
    assert without.resolution.n == 3  # the resolutions themselves are measured
    assert without.backlog == 0
    text = without.format()
    assert "100%" in text  # the SLA: all answered within the hour
    assert text.splitlines()[1].split()[-4:] == ["n/m", "n/m", "n/m", "0"]
    assert text.splitlines()[-1] == (
        "n/m = not measured: 1-touch, FCR, reopen (no `agent_replies`, `customer_replies` "
        "and `reopened_count` columns)"
    )
    with_column = summary({**RESOLVED, column: values}, start=START, end=END)
    assert getattr(with_column, measure) == rate
    assert measure not in with_column.not_measured
    # the same tickets as records (every field given) agree on the measured rate
    records = from_columns(to_columns({**RESOLVED, column: values}, Ticket))
    assert getattr(summary(records, start=START, end=END), measure) == rate


def test_a_table_read_from_a_file_keeps_its_absent_columns_absent(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,account_id,channel,created_at,first_response_at,resolved_at\n"
        "T1,A-1,email,2025-03-02T00:00:00Z,2025-03-02T01:00:00Z,2025-03-02T02:00:00Z\n"
    )
    table = load_table(path, Ticket)
    assert "agent_replies" in table.absent
    o = summary(table, start=START, end=END)
    assert (o.one_touch, o.fcr, o.reopen) == (None, None, None)
    assert o.sla == Rate(1, 1)
    assert "one_touch" in repr(summary(table, start=START, end=END))
    assert repr(o).endswith("backlog=0, not measured: fcr, one_touch, reopen and 9 more)")


# --- bad input --------------------------------------------------------------------------------


def test_end_must_follow_start():
    with pytest.raises(InvalidInputError, match=r"`end` .* must be after `start`"):
        summary(worked_columns(), start=END, end=END)
    with pytest.raises(InvalidInputError, match=r"`end` .* must be after `start`"):
        summary(worked_columns(), start=END, end=START)


def test_naive_bounds_are_refused():
    with pytest.raises(InvalidInputError, match="`start` is a naive datetime"):
        summary(worked_columns(), start=datetime(2025, 3, 1), end=END)
    with pytest.raises(InvalidInputError, match="`end` must be a date or an aware datetime"):
        summary(worked_columns(), start=START, end=20250401)  # ISO text is read


def test_unknown_by_column():
    with pytest.raises(InvalidInputError) as caught:
        worked(by="segment")
    assert str(caught.value) == (
        f"`by` names no column of the tickets: 'segment' (columns {sorted(worked_columns())}); "
        "give a column name, or a mapping from account id to group"
    )
    # records have every field and no other column
    with pytest.raises(InvalidInputError, match=r"'segment' \(columns \['abandoned', 'account_id'"):
        summary(worked_records(), start=START, end=END, by="segment")
    with pytest.raises(InvalidInputError, match="tickets need the columns"):
        summary({k: v for k, v in worked_columns().items() if k != "account_id"},
                start=START, end=END, by={"A1": "x"})  # fmt: skip


def test_grouping_by_an_absent_priority_column_is_refused():
    # Without the column every ticket would take the default, "normal": one group, which
    # is not a grouping. Refused whatever form the tickets come in.
    columns = {k: v for k, v in worked_columns().items() if k != "priority"}
    forms = [columns, pd.DataFrame(columns), to_columns(columns, Ticket)]
    for tickets in forms:
        with pytest.raises(InvalidInputError) as caught:
            summary(tickets, start=START, end=END, by="priority")
        text = str(caught.value)
        assert text.startswith("`by` names no column of the tickets: 'priority' (columns [")
        assert "'priority'" not in text.split("(columns ")[1].split("]", maxsplit=1)[0]
        assert text.endswith(
            "; without a `priority` column every ticket would take the default ('normal') "
            "and be in one group"
        )
    # grouping by channel, and no grouping, still work on the same tickets
    assert summary(columns, start=START, end=END, by="channel").groups
    assert summary(columns, start=START, end=END).volume == worked().volume


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"live_channels": "chat"}, "`live_channels` must be a collection"),
        ({"live_channels": 3}, "`live_channels` must be a collection"),
        ({"long_wait_seconds": -1}, "`long_wait_seconds` must be a finite number"),
        ({"long_wait_seconds": math.inf}, "`long_wait_seconds` must be a finite number"),
        ({"short_abandon_seconds": True}, "`short_abandon_seconds` must be a finite number"),
        ({"short_abandon_seconds": "10"}, "`short_abandon_seconds` must be a finite number"),
        ({"include_mean": 1}, "`include_mean` must be True or False"),
        ({"sla": {"first_response_hours": 1}}, "`sla` must be an SLAPolicy"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        summary(worked_columns(), start=START, end=END, **kwargs)


def test_bad_tickets_are_reported():
    columns = worked_columns()
    columns["first_response_at"][2] = "2025-03-05T09:00Z"  # before T03's creation
    columns["queue_wait_seconds"][3] = -1.0
    columns["created_at"][4] = "2025-03-11T14:00"  # naive
    with pytest.raises(InvalidInputError, match="3 of 14 Ticket rows are invalid") as info:
        summary(columns, start=START, end=END)
    assert sorted((e.row, e.field) for e in info.value.errors) == [
        (3, "first_response_at"),
        (4, "queue_wait_seconds"),
        (5, "created_at"),
    ]
    columns = worked_columns()
    columns["id"][5] = "T01"
    with pytest.raises(InvalidInputError, match=r"1 id is used by more than one ticket \('T01'\)"):
        summary(columns, start=START, end=END)


# --- against the reference ----------------------------------------------------------------------


def test_reference_on_the_worked_example():
    got = comparable(worked(include_mean=True).to_dict())
    want = reference_stats(
        worked_records(),
        BASE,
        datetime(2025, 4, 1, tzinfo=UTC),
        targets={"urgent": 1, "high": 4},
        include_mean=True,
    )
    assert_close(got, want)


@given(ticket_lists(), st.integers(0, 20), st.integers(1, 30), st.booleans())
def test_matches_the_reference(tickets, start_day, days, include_mean):
    start = BASE + timedelta(days=start_day)
    end = start + timedelta(days=days)
    policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4})
    s = summary(tickets, start=start, end=end, sla=policy, by="channel", include_mean=include_mean)
    want = reference_stats(
        tickets, start, end, targets={"urgent": 1, "high": 4}, default_hours=8,
        include_mean=include_mean,
    )  # fmt: skip
    assert_close(comparable(s.overall.to_dict()), want)
    for channel, stats in s.groups.items():
        part = [t for t in tickets if t.channel == channel]
        want = reference_stats(
            part, start, end, targets={"urgent": 1, "high": 4}, default_hours=8,
            include_mean=include_mean,
        )  # fmt: skip
        assert_close(comparable(stats.to_dict()), want)
    # every channel of the data is a group, with or without activity in the period
    assert set(s.groups) == {t.channel for t in tickets} <= set(CHANNELS)
    assert s.overall == summary(
        tickets, start=start, end=end, sla=policy, include_mean=include_mean
    )


@given(ticket_lists(), st.integers(0, 20), st.integers(1, 30))
def test_invariants(tickets, start_day, days):
    start = BASE + timedelta(days=start_day)
    end = start + timedelta(days=days)
    columns = dict(to_columns(tickets, Ticket).items())
    columns["label"] = [t.account_id if i % 3 else None for i, t in enumerate(tickets)]
    s = summary(columns, start=start, end=end, by="label")
    created_before_end = sum(t.created_at < end for t in tickets)
    for stats in (s.overall, *s.groups.values()):
        assert isinstance(stats, SupportSummary)
        assert 0 <= stats.backlog <= created_before_end
        for value in vars(stats).values():
            if isinstance(value, Rate):
                assert 0 <= value.successes <= value.n
                assert value.statistic is None or 0 <= value.statistic <= 1
        for stats_ in (stats.first_response, stats.resolution, stats.queue_wait):
            if stats_.n:
                assert stats_.median <= stats_.p90 + 1e-9
        assert sum(stats.volume_by_channel.values()) == stats.volume
        assert stats.sla.n + stats.sla_active + stats.sla_not_applicable == stats.volume
    assert sum(g.volume for g in s.groups.values()) == s.overall.volume
    assert sum(g.backlog for g in s.groups.values()) == s.overall.backlog
    assert isinstance(s, Grouped)
    assert s.ungrouped == len(tickets[::3])


# --- business time ------------------------------------------------------------------------------

DESK = Schedule.weekdays("09:00", "17:00")  # UTC, Monday to Friday


def test_worked_example_on_business_time():
    s = worked(schedule=DESK)
    assert (s.clock, s.sla_clock) == ("business", "business")
    o = s
    # first replies in the period, business seconds (09:00-17:00 UTC on weekdays):
    #   T02 Mon 09:00 -> 12:00 = 10800   T03 Wed 10:00 -> 12:00 = 7200
    #   T04 Mon 08:00 -> 08:00:30 before opening = 0   T07 Sat = 0
    #   T08 Thu 09:00 -> Sat 09:00 = Thu 8 h + Fri 8 h = 57600
    #   T11 Tue 02-25 09:00 -> Sat 03-01 = 4 days of 8 h = 115200   T14 Tue 10:00 -> 10:05 = 300
    # sorted 0 0 300 7200 10800 57600 115200: median 7200, p90 at 5.4:
    # 57600 + 0.4 * (115200 - 57600) = 80640
    assert o.first_response.n == 7
    assert o.first_response.median == 7200.0
    assert o.first_response.p90 == pytest.approx(80640.0)
    # SLA on business time: T08 now waited 16 h <= 24 h (achieved); T09 (Mon 12:00, 5 h
    # to the end) and T10 (Mon 23:00, none) are active; T03 breached; T05 and T06 were
    # closed unanswered (no verdict)
    assert o.sla == Rate(5, 6)
    assert (o.sla_active, o.sla_not_applicable) == (2, 2)
    # queue waits are seconds as recorded, whatever the clock
    assert o.queue_wait == worked().queue_wait
    # the policy's calendar clock keeps SLA on calendar time
    s = worked(schedule=DESK, sla=SLAPolicy(by_priority={"urgent": 1, "high": 4}, clock="calendar"))
    assert (s.clock, s.sla_clock) == ("business", "calendar")
    assert s.sla == Rate(4, 6)
    assert s.first_response == o.first_response


def test_always_open_equals_calendar():
    calendar = worked(by="priority", include_mean=True).to_dict()
    business = worked(by="priority", include_mean=True, schedule=Schedule.always()).to_dict()
    for out, clock in ((business, "business"), (calendar, "calendar")):
        for part in (out["overall"], *out["groups"].values()):
            assert part.pop("clock") == part.pop("sla_clock") == clock
    assert_close(business, calendar)


SCHEDULES = (
    DESK,
    Schedule.weekdays("08:30", "17:00", timezone="Europe/Paris", holidays=[date(2025, 3, 14)]),
    Schedule(
        timezone="America/New_York",
        hours={"sat": [("10:00", "14:00")], "mon": [("00:00", "24:00")]},
    ),
)


@given(ticket_lists(), st.integers(0, 20), st.integers(1, 30), st.sampled_from(SCHEDULES))
def test_matches_the_reference_on_business_time(tickets, start_day, days, schedule):
    start = BASE + timedelta(days=start_day)
    end = start + timedelta(days=days)
    policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4})
    s = summary(tickets, start=start, end=end, sla=policy, schedule=schedule, by="priority")
    targets = {"urgent": 1, "high": 4}
    want = reference_stats(
        tickets, start, end, targets=targets, default_hours=8, schedule=schedule,
        sla_schedule=schedule,
    )  # fmt: skip
    assert_close(comparable(s.overall.to_dict()), want)
    for priority, stats in s.groups.items():
        part = [t for t in tickets if t.priority == priority]
        want = reference_stats(
            part, start, end, targets=targets, default_hours=8, schedule=schedule,
            sla_schedule=schedule,
        )  # fmt: skip
        assert_close(comparable(stats.to_dict()), want)
