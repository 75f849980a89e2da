"""The data-set report behind `cshealth demo`, against figures counted by hand."""

from __future__ import annotations

import json
from datetime import date

import numpy as np

from cshealth import (
    Account,
    Contact,
    Goal,
    Milestone,
    RevenueChange,
    SurveyResponse,
    to_columns,
)
from cshealth._report import describe
from cshealth.io import Table

AS_OF = date(2025, 6, 1)


def hand_made() -> dict[str, Table]:
    accounts = [
        Account(id="A", name="a", segment="smb", start_date=date(2024, 1, 1), mrr=100.0),
        Account(id="B", name="b", segment="smb", start_date=date(2024, 2, 1), mrr=300.0),
        Account(
            id="C",
            name="c",
            segment="enterprise",
            start_date=date(2024, 3, 1),
            end_date=date(2025, 1, 1),
            mrr=0.0,
            parent_id="A",
        ),
        # starts after as_of: neither active nor churned
        Account(id="D", name="d", start_date=date(2025, 7, 1), mrr=50.0),
        # churns exactly on as_of: the end date is the first day not a customer
        Account(id="E", name="e", start_date=date(2024, 1, 1), end_date=AS_OF, mrr=0.0),
    ]
    milestones = [
        Milestone(
            id="1",
            account_id="A",
            name="kickoff",
            due_date=date(2024, 1, 8),
            completed_on=date(2024, 1, 8),
        ),
        Milestone(
            id="2",
            account_id="A",
            name="live",
            due_date=date(2024, 3, 1),
            completed_on=date(2024, 3, 9),
        ),
        Milestone(id="3", account_id="B", name="live", due_date=date(2025, 5, 1)),
        Milestone(id="4", account_id="B", name="review", due_date=date(2025, 9, 1)),
        Milestone(id="5", account_id="B", name="extra"),
    ]
    changes = [
        RevenueChange(account_id="A", effective_on=date(2024, 1, 1), mrr=100.0),
        RevenueChange(account_id="C", effective_on=date(2024, 3, 1), mrr=80.0),
        RevenueChange(account_id="C", effective_on=date(2025, 1, 1), mrr=0.0),
    ]
    return {
        "accounts": to_columns(accounts),
        "milestones": to_columns(milestones),
        "revenue_changes": to_columns(changes),
    }


def test_figures_match_hand_counts() -> None:
    report = describe(hand_made(), as_of=AS_OF, title="t")
    sections = report.to_dict()["sections"]
    assert isinstance(sections, dict)
    assert sections["Tables"] == {"accounts": 5, "milestones": 5, "revenue_changes": 3}
    accounts = sections["Accounts"]
    assert accounts["active"] == 2  # A and B; D not yet, C and E churned
    assert accounts["churned"] == 2
    assert accounts["child_accounts"] == 1
    assert accounts["segments"] == {"smb": 2, "enterprise": 1}
    assert accounts["mrr_in_force"] == 400.0
    assert accounts["median_mrr"] == 200.0
    assert sections["Onboarding milestones"] == {
        "milestones": 5,
        "completed": 2,
        "completed_late": 1,
        "open": 3,
        "open_overdue": 1,
    }
    assert sections["Revenue changes"] == {"changes": 3, "to_zero": 1, "accounts": 2}
    assert "Support tickets" not in sections


def test_text_rendering() -> None:
    text = describe(hand_made(), as_of=AS_OF, title="Report").to_text()
    lines = text.splitlines()
    assert lines[:2] == ["Report", "======"]
    assert "  2 active and 2 churned of 5; 1 are child accounts" in lines
    assert "  by segment: smb 2 · enterprise 1" in lines
    assert "  started: 2024-01-01 to 2025-07-01" in lines


def test_empty_tables() -> None:
    report = describe({"accounts": to_columns([], Account)}, as_of=AS_OF)
    sections = report.to_dict()["sections"]
    assert isinstance(sections, dict)
    assert sections["Accounts"]["median_mrr"] is None
    assert "started: no dates" in report.to_text()
    assert "by segment: none" in report.to_text()


def test_no_tables_gives_only_the_table_section() -> None:
    report = describe({}, as_of=AS_OF)
    assert [s.title for s in report.sections] == ["Tables"]
    assert report.sections[0].lines == ()


def test_people_section_with_only_contacts_or_only_goals() -> None:
    contacts = to_columns(
        [
            Contact(id="C1", account_id="A", is_champion=True, left_on=date(2025, 1, 1)),
            Contact(id="C2", account_id="A"),
        ]
    )
    goals = to_columns([Goal(id="G1", account_id="A", name="g", achieved_on=date(2025, 2, 1))])
    only_contacts = describe({"contacts": contacts}, as_of=AS_OF).sections[-1]
    assert only_contacts.lines == ("2 contacts, 1 champions, 1 have left",)
    only_goals = describe({"goals": goals}, as_of=AS_OF).sections[-1]
    assert only_goals.lines == ("1 success-plan goals, 1 achieved",)
    assert dict(only_goals.figures) == {"goals": 1, "goals_achieved": 1}


def nps_table(rows: list[tuple[str, str, int, str]]) -> Table:
    """Survey responses from (contact, survey type, score, submitted date) rows."""
    return to_columns(
        {
            "id": [f"R{i}" for i in range(len(rows))],
            "account_id": ["A"] * len(rows),
            "contact_id": [row[0] for row in rows],
            "kind": ["nps"] * len(rows),
            "survey_type": [row[1] for row in rows],
            "touchpoint": ["support" if row[1] == "transactional" else None for row in rows],
            "score": [row[2] for row in rows],
            "submitted_at": [f"{row[3]}T10:00:00Z" for row in rows],
        },
        SurveyResponse,
    )


def test_nps_section_with_both_survey_types_and_two_waves() -> None:
    table = nps_table(
        [
            ("c1", "relationship", 3, "2025-02-10"),
            ("c2", "relationship", 9, "2025-02-11"),
            ("c1", "relationship", 10, "2025-05-10"),
            ("c2", "relationship", 9, "2025-05-11"),
            ("c3", "transactional", 2, "2025-05-20"),
        ]
    )
    report = describe({"survey_responses": table}, as_of=AS_OF)
    section = report.sections[-1]
    assert section.title == "NPS"
    migration = section.figures["migration_last_two_waves"]
    assert migration["matched"] == 2
    assert migration["transitions"] == [[0, 0, 1], [0, 0, 0], [0, 0, 1]]
    assert section.figures["follow_ups"]["call"] == 1  # c3, a detractor this month
    assert json.loads(json.dumps(report.to_dict()))["sections"]["NPS"]


def test_nps_section_with_one_wave_or_one_type() -> None:
    one_wave = nps_table([("c1", "relationship", 9, "2025-05-10")])
    section = describe({"survey_responses": one_wave}, as_of=AS_OF).sections[-1]
    assert "migration_last_two_waves" not in section.figures
    assert "transactional_by_month" not in section.figures
    only_transactional = nps_table([("c1", "transactional", 9, "2025-05-10")])
    section = describe({"survey_responses": only_transactional}, as_of=AS_OF).sections[-1]
    assert "relationship_by_quarter" not in section.figures
    assert section.figures["transactional_by_touchpoint"][0]["label"] == "support"


def test_no_nps_section_without_nps_responses() -> None:
    csat = nps_table([("c1", "transactional", 4, "2025-05-10")])
    csat = Table(dict(csat.items()) | {"kind": np.array(["csat"], dtype=object)})
    titles = [s.title for s in describe({"survey_responses": csat}, as_of=AS_OF).sections]
    assert "NPS" not in titles


def test_retention_section_against_hand_counts() -> None:
    report = describe(hand_made(), as_of=AS_OF, title="t")
    sections = report.to_dict()["sections"]
    assert isinstance(sections, dict)
    retention = sections["Retention"]
    # the year 2024-06-01 .. 2025-06-01: A (100) and C (80) pay on its first day; C churns
    year = retention["revenue_retention"]
    assert year["starting_customers"] == 2
    assert year["churned_customers"] == 1
    assert year["nrr"] == 100 / 180
    assert year["grr"] == 100 / 180
    # May 2025 from account dates: A, B and E are customers on May 1; E ends on June 1
    month = retention["logo_churn_last_month"]
    assert (month["starting_customers"], month["churned_customers"]) == (3, 1)
    waterfall = retention["waterfall"]
    assert [p["churn_mrr"] for p in waterfall["periods"]][7] == 80.0  # January 2025
    text = report.to_text()
    assert "NRR 55.6%, GRR 55.6%, logo churn 50.0%" in text
    assert "Logo retention by start quarter" in text
    assert "Enterprise against SMB" in text


def test_no_retention_section_without_revenue_changes() -> None:
    tables = hand_made()
    del tables["revenue_changes"]
    sections = describe(tables, as_of=AS_OF).to_dict()["sections"]
    assert isinstance(sections, dict)
    assert "Retention" not in sections
