"""The data-set report behind `cshealth demo`, against figures counted by hand."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from cshealth import (
    Account,
    Contact,
    Goal,
    Milestone,
    RevenueChange,
    SurveyResponse,
    Ticket,
    UsageRecord,
    load_table,
    to_columns,
)
from cshealth._report import Report, Section, describe
from cshealth._report._stages import _lifecycle
from cshealth.datasets import sample
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
    # the revenue changes are given, so the MRR in force is theirs: A pays 100 (since
    # 2024-01-01), C went to 0 on 2025-01-01; B has no change (its `mrr` of 300 is not used)
    assert accounts["mrr_source"] == "revenue_changes"
    assert accounts["mrr_in_force"] == 100.0
    assert accounts["median_mrr"] == 100.0
    without_changes = {k: v for k, v in hand_made().items() if k != "revenue_changes"}
    accounts = describe(without_changes, as_of=AS_OF).to_dict()["sections"]["Accounts"]
    assert accounts["mrr_source"] == "accounts"
    assert accounts["mrr_in_force"] == 400.0  # A 100 + B 300, the active accounts
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
    assert list(section.figures["transactional_by_touchpoint"]["groups"]) == ["support"]


def test_nps_section_counts_unanswered_surveys() -> None:
    # Two relationship surveys and one transactional survey went unanswered (an empty
    # score in a table of columns): counted apart, never in the NPS.
    rows = [
        ("c1", "relationship", 3, "2025-02-10"),
        ("c2", "relationship", 9, "2025-02-11"),
        ("c4", "relationship", 0, "2025-02-12"),  # blanked below
        ("c1", "relationship", 10, "2025-05-10"),
        ("c5", "relationship", 0, "2025-05-12"),  # blanked below
        ("c3", "transactional", 2, "2025-05-20"),
        ("c6", "transactional", 0, "2025-05-21"),  # blanked below
    ]
    table = nps_table(rows)
    scores = table["score"].astype(np.float64)
    scores[[2, 4, 6]] = np.nan
    blanked = Table(dict(table.items()) | {"score": scores})
    answered = nps_table([row for i, row in enumerate(rows) if i not in (2, 4, 6)])
    section = describe({"survey_responses": blanked}, as_of=AS_OF).sections[-1]
    plain = describe({"survey_responses": answered}, as_of=AS_OF).sections[-1]
    assert section.figures["relationship_unanswered"] == 2
    assert section.figures["transactional_unanswered"] == 1
    assert plain.figures["relationship_unanswered"] == 0
    lines = [line for line in section.lines if "unanswered" in line]
    assert lines == [
        "  2 unanswered surveys (no score): counted apart, not in the NPS",
        "  1 unanswered survey (no score): counted apart, not in the NPS",
    ]
    assert not [line for line in plain.lines if "unanswered" in line]
    # every other line is that of the answered surveys alone
    assert [line for line in section.lines if "unanswered" not in line] == list(plain.lines)


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
    assert waterfall["churned_mrr"][7] == 80.0  # January 2025
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


# --- the report says only what its data support (issue 13, section 3) ------------------------
# A small data folder as a user would write it: twelve months of accounts without `mrr`,
# revenue changes, tickets without reply or reopen counts, and NPS answers.


def write_folder(folder: Path) -> None:
    (folder / "accounts.csv").write_text(
        "id,name,segment,start_date,end_date\n"
        "A,a,smb,2024-12-01,\n"
        "B,b,smb,2025-01-01,2025-07-01\n"
        "C,c,enterprise,2025-02-01,\n"
    )
    (folder / "revenue_changes.csv").write_text(
        "account_id,effective_on,mrr\n"
        "A,2024-12-01,100\n"
        "B,2025-01-01,50\n"
        "B,2025-07-01,0\n"
        "C,2025-02-01,200\n"
        "A,2025-06-01,150\n"
    )
    (folder / "tickets.csv").write_text(
        "id,account_id,channel,created_at,first_response_at,resolved_at\n"
        "T1,A,email,2025-11-03T09:00:00Z,2025-11-03T10:00:00Z,2025-11-03T12:00:00Z\n"
        "T2,C,email,2025-11-10T09:00:00Z,2025-11-10T09:30:00Z,2025-11-11T09:00:00Z\n"
    )
    (folder / "survey_responses.csv").write_text(
        "id,account_id,contact_id,kind,survey_type,score,submitted_at\n"
        "R1,A,c-1,nps,relationship,3,2025-12-20T10:00:00Z\n"
        "R2,C,,nps,relationship,10,2025-12-21T10:00:00Z\n"
    )


def folder_report(tmp_path: Path) -> Report:
    write_folder(tmp_path)
    tables = {
        model.table_name: load_table(tmp_path / f"{model.table_name}.csv", model)
        for model in (Account, RevenueChange, Ticket, SurveyResponse)
    }
    return describe(tables, as_of=date(2026, 1, 1))


def test_survival_only_at_horizons_the_follow_up_reaches(tmp_path: Path) -> None:
    text = folder_report(tmp_path).to_text()
    line = next(line for line in text.splitlines() if "Customer lifetime" in line)
    # A followed 13 months (365 + 31 days), C 11; B churned after 6: S(12) = 2/3
    assert "still customers after 12 months 66.7%" in line
    assert "24 or 36 months not observed (follow-up 13.0 months)" in line
    assert "36 months 100.0%" not in text
    assert "Enterprise against SMB" not in text  # C (enterprise) is followed 11 months only


def test_mrr_in_force_comes_from_the_revenue_changes(tmp_path: Path) -> None:
    report = folder_report(tmp_path)
    accounts = report.to_dict()["sections"]["Accounts"]
    # on 2026-01-01: A 150 (since June), B 0 (churned in July), C 200
    assert accounts["mrr_in_force"] == 350.0
    assert accounts["median_mrr"] == 175.0
    waterfall = report.to_dict()["sections"]["Retention"]["waterfall"]
    assert waterfall["ending_mrr"][-1] == 350.0  # the same figure
    assert "MRR in force: 350 (from the revenue changes; median paying account 175)" in (
        report.to_text()
    )


def test_mrr_without_a_source_is_not_measured(tmp_path: Path) -> None:
    write_folder(tmp_path)
    accounts = load_table(tmp_path / "accounts.csv", Account)
    report = describe({"accounts": accounts}, as_of=date(2026, 1, 1))
    assert report.to_dict()["sections"]["Accounts"]["mrr_in_force"] is None
    assert (
        "MRR in force: not measured: no `mrr` column in accounts and no revenue changes"
        in report.to_text()
    )


def test_each_follow_up_names_the_account_and_the_contact(tmp_path: Path) -> None:
    lines = folder_report(tmp_path).to_text().splitlines()
    follow = [line.strip() for line in lines if " call " in line or "_request " in line]
    assert len(follow) == 2
    assert any("account A, contact c-1: " in line for line in follow)
    assert any("account C, no contact given: " in line for line in follow)


def test_support_rates_without_their_columns_are_not_measured(tmp_path: Path) -> None:
    report = folder_report(tmp_path)
    text = report.to_text()
    row = next(line.split() for line in text.splitlines() if line.strip().startswith("(all) "))
    # (all), tickets, reply, p90, resolved, SLA, 1-touch, FCR, reopen, backlog (durations: 2 cells)
    assert row[-5:] == ["100%", "n/m", "n/m", "n/m", "0"]
    assert (
        "n/m = not measured: 1-touch, FCR, reopen (no `agent_replies`, `customer_replies` "
        "and `reopened_count` columns)"
    ) in text
    assert "Live channels: queue wait not measured: no `queue_wait_seconds` column" in text
    assert "Wow moments: not measured: no `delighted` column" in text
    support = report.to_dict()["sections"]["Support"]["last_90_days"]
    assert support["overall"]["one_touch"] is None
    assert support["overall"]["not_measured"]["fcr"] == "no `customer_replies` column"
    assert support["overall"]["sla"]["statistic"] == 1.0


def test_logins_trend_without_a_logins_column_is_not_measured() -> None:
    # Weekly usage without `logins` (read from a file, the column is held filled and
    # marked absent): the logins trend is not measured, never a trend of zeros.
    days = ["2025-05-05", "2025-05-12", "2025-05-19", "2025-05-26"]
    usage = to_columns(
        {"account_id": ["A"] * 4, "day": days, "active_users": [3, 3, 2, 2]}, UsageRecord
    )
    assert "logins" in usage.absent
    section = describe({"usage": usage}, as_of=AS_OF).sections[-1]
    assert section.title == "Adoption"
    assert section.lines == ("Logins of current customers: not measured: no `logins` column",)
    assert section.figures["logins_median_change"] is None
    with_logins = to_columns({**dict(usage.items()), "logins": [9, 9, 8, 8]}, UsageRecord)
    measured = describe({"usage": with_logins}, as_of=AS_OF).sections[-1]
    assert measured.lines[0].startswith("Logins of current customers, 4 weeks to ")


def test_churn_without_an_end_date_column_is_not_measured(tmp_path: Path) -> None:
    # accounts without `end_date`: who churned is unknown, so the report gives no active,
    # churned, logo churn, cohort or lifetime figures (it gave 0% churn, 100% survival)
    write_folder(tmp_path)
    lines = (tmp_path / "accounts.csv").read_text().splitlines()
    (tmp_path / "accounts.csv").write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n"
    )
    tables = {
        "accounts": load_table(tmp_path / "accounts.csv", Account),
        "revenue_changes": load_table(tmp_path / "revenue_changes.csv", RevenueChange),
    }
    report = describe(tables, as_of=date(2026, 1, 1))
    text = report.to_text()
    assert "3 accounts, active and churned not measured: no `end_date` column; 0 are" in text
    assert (
        "Logo churn, logo cohorts and customer lifetime: not measured: no `end_date` column "
        "in accounts"
    ) in text
    assert "Customer lifetime (Kaplan-Meier" not in text
    sections = report.to_dict()["sections"]
    assert (sections["Accounts"]["active"], sections["Accounts"]["churned"]) == (None, None)
    retention = sections["Retention"]
    assert (retention["logo_churn_last_month"], retention["logo_cohorts"]) == (None, None)
    assert retention["not_measured"]["logo_cohorts"] == "no `end_date` column in accounts"
    # the revenue figures are measured from the revenue changes all the same
    assert retention["revenue_retention"]["starting_customers"] == 2


# --- the lifecycle section (issue 15) ---------------------------------------------------------
# Every figure against a count made here in plain Python from the sample's tables, the
# Kaplan-Meier median against lifelines and the goal intervals against scipy.

LIFECYCLE_AS_OF = date(2026, 1, 1)


@pytest.fixture(scope="module")
def sample_run() -> tuple[dict[str, Table], Section]:
    data = sample(seed=3, n_accounts=300)
    assert data.as_of == LIFECYCLE_AS_OF
    tables = data.tables()
    report = describe(tables, as_of=LIFECYCLE_AS_OF)
    section = next(s for s in report.sections if s.title == "Lifecycle")
    accounts = next(s for s in report.sections if s.title == "Accounts")
    figures = {**section.figures, "mrr_in_force": accounts.figures["mrr_in_force"]}
    return tables, Section(section.title, section.lines, figures)


def rows(table: Table, *names: str) -> list[dict[str, object]]:
    """The rows of a table as plain Python values (dates as `date`, NaT as None)."""
    columns = {name: np.asarray(table[name]).tolist() for name in names}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def levels_before(changes: Table, day: date) -> dict[object, float]:
    """Each account's MRR set by its latest revenue change before ``day``."""
    latest: dict[object, tuple[date, float]] = {}
    for row in rows(changes, "account_id", "effective_on", "mrr"):
        when = row["effective_on"]
        assert isinstance(when, date)
        if when < day and (row["account_id"] not in latest or latest[row["account_id"]][0] <= when):
            latest[row["account_id"]] = (when, float(row["mrr"]))  # type: ignore[arg-type]
    return {account: level for account, (_, level) in latest.items()}


class Book:
    """The sample's accounts as plain records, and who is a customer on a day."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.accounts = rows(
            tables["accounts"], "id", "start_date", "end_date", "renewal_date", "mrr"
        )

    def in_scope(self, day: date) -> list[dict[str, object]]:
        return [a for a in self.accounts if a["start_date"] < day]  # type: ignore[operator]

    def mrr(self, day: date) -> dict[object, float]:
        levels = levels_before(self.tables["revenue_changes"], day)
        return {a["id"]: levels.get(a["id"], a["mrr"]) for a in self.in_scope(day)}  # type: ignore[misc]

    def customers(self, day: date) -> set[object]:
        levels = levels_before(self.tables["revenue_changes"], day)
        return {
            a["id"]
            for a in self.in_scope(day)
            if (a["end_date"] is None or a["end_date"] > day)  # type: ignore[operator]
            and levels.get(a["id"], 1.0) > 0
        }


def test_lifecycle_stages_and_flow_against_hand_counts(
    sample_run: tuple[dict[str, Table], Section],
) -> None:
    tables, section = sample_run
    figures = section.figures
    book = Book(tables)
    day = LIFECYCLE_AS_OF
    # the report computed health scores and usage measures, so the section used them
    assert figures["inputs"] == [
        "milestones", "survey_responses", "contacts", "revenue_changes", "health", "usage"
    ]  # fmt: skip
    stages = figures["stages"]
    assert (
        sum(s["accounts"] for s in stages.values())
        == figures["accounts"]
        == len(book.in_scope(day))
    )
    assert figures["not_started"] == len(book.accounts) - len(book.in_scope(day))
    assert stages["churned"]["accounts"] == len(book.in_scope(day)) - len(book.customers(day))
    assert stages["churned"]["mrr"] == 0.0
    mrr = book.mrr(day)
    total = sum(s["mrr"] for s in stages.values())
    assert total == pytest.approx(sum(mrr.values()), rel=1e-12)
    assert total == pytest.approx(figures["mrr_in_force"], rel=1e-12)  # the Accounts section's
    # the flow over the quarter: every account once, the new ones started within it
    flow = figures["flow"]
    start = day - timedelta(days=91)
    assert (flow["start"], flow["end"]) == (start.isoformat(), day.isoformat())
    counts = np.array(flow["counts"])
    rows_, columns = flow["rows"], flow["columns"]
    assert counts.sum() == len(book.in_scope(day))
    new = [a for a in book.in_scope(day) if a["start_date"] >= start]  # type: ignore[operator]
    assert counts[rows_.index("new")].sum() == len(new)
    assert counts[:, columns.index("gone")].sum() == 0
    churned_then = len(book.in_scope(start)) - len(book.customers(start))
    assert counts[rows_.index("churned")].sum() == churned_then  # some came back since
    mrr_then = book.mrr(start)
    lost = book.customers(start) - book.customers(day)
    assert flow["mrr_to_churned"] == pytest.approx(sum(mrr_then[a] for a in lost), rel=1e-12)
    assert flow["mrr_new"] == pytest.approx(sum(mrr[a["id"]] for a in new), rel=1e-12)
    assert flow["from_records_alone"] is True
    lines = section.lines
    assert lines[0].startswith(
        f"Stages and flags as of {day}, default rules ({figures['rules_hash']}): "
        f"{figures['accounts']:,} accounts; "
    )
    churned_line = next(line for line in lines if line.split()[:1] == ["churned"])
    assert churned_line.split() == ["churned", str(stages["churned"]["accounts"]), "0"]
    json.dumps(figures, allow_nan=False)


def test_lifecycle_onboarding_and_stuck_accounts_against_hand_counts(
    sample_run: tuple[dict[str, Table], Section],
) -> None:
    tables, section = sample_run
    figures = section.figures
    day = LIFECYCLE_AS_OF
    customers = Book(tables).customers(day)
    plans: dict[object, list[dict[str, object]]] = {}
    milestones = rows(tables["milestones"], "account_id", "name", "required", "due_date",
                      "completed_on")  # fmt: skip
    for m in milestones:
        if m["account_id"] in customers:
            plans.setdefault(m["account_id"], []).append(m)
    late: dict[object, int] = {}
    complete = 0
    for account, plan in plans.items():
        required = [m for m in plan if m["required"]]
        open_ = [m for m in required if m["completed_on"] is None or m["completed_on"] >= day]
        complete += not open_
        overdue = [(day - m["due_date"]).days for m in open_ if m["due_date"] is not None]
        if overdue and max(overdue) > 30:
            late[account] = max(overdue)
    onboarding = figures["onboarding"]
    assert onboarding["accounts"] == len(plans)
    assert sum(onboarding["counts"].values()) == len(plans)
    assert onboarding["counts"]["complete"] == complete
    assert onboarding["counts"]["stuck"] == len(late) > 0
    # the stuck_onboarding flag of `classify` and the `onboarding` status agree
    assert figures["flags"]["stuck_onboarding"]["accounts"] == len(late)
    order = [a["id"] for a in Book(tables).accounts]
    expected = sorted(late, key=lambda a: (-late[a], order.index(a)))[:10]
    listed = onboarding["stuck"]
    assert [(s["account_id"], s["days_overdue"]) for s in listed] == [
        (a, late[a]) for a in expected
    ]
    for stuck in listed:
        names = [
            m["name"]
            for m in plans[stuck["account_id"]]
            if m["required"] and m["completed_on"] is None and m["due_date"] is not None
            and (day - m["due_date"]).days == stuck["days_overdue"]
        ]  # fmt: skip
        assert stuck["milestone"] in names
        assert f"    {stuck['account_id']}  {stuck['days_overdue']} days late: " in "\n".join(
            section.lines
        )


def test_lifecycle_time_to_value_against_lifelines(
    sample_run: tuple[dict[str, Table], Section],
) -> None:
    from lifelines import KaplanMeierFitter

    tables, section = sample_run
    day = LIFECYCLE_AS_OF
    first: dict[object, date | None] = {}
    for m in rows(tables["milestones"], "account_id", "completed_on", "marks_first_value"):
        if m["marks_first_value"]:
            done = m["completed_on"] if m["completed_on"] and m["completed_on"] < day else None
            known = first.get(m["account_id"])
            first[m["account_id"]] = min(d for d in (known, done) if d) if known or done else None
    durations, reached = [], []
    for a in Book(tables).in_scope(day):
        if a["id"] not in first:
            continue  # no milestone marks first value: off the curve
        start, value, end = a["start_date"], first[a["id"]], a["end_date"]
        if value is not None:
            durations.append((value - start).days)  # type: ignore[operator]
            reached.append(True)
        else:
            stop = end if end is not None and end <= day else day  # type: ignore[operator]
            durations.append((stop - start).days)  # type: ignore[operator]
            reached.append(False)
    ttv = section.figures["time_to_value"]
    assert (ttv["accounts"], ttv["reached"]) == (len(durations), sum(reached))
    km = KaplanMeierFitter().fit(durations, reached)
    assert ttv["median"]["statistic"] == km.median_survival_time_
    naive = float(np.median([d for d, r in zip(durations, reached) if r]))
    assert ttv["reached_only_median"] == naive
    cohorts = ttv["by_start_quarter"]
    assert sum(c["accounts"] for c in cohorts) == len(durations)
    assert sum(c["reached"] for c in cohorts) == sum(reached)
    text = "\n".join(section.lines)
    assert f"median {km.median_survival_time_:g} days (95% CI " in text
    assert f"The median of those that reached it, {naive:g} days, is biased low" in text


def test_lifecycle_goals_and_renewals_against_hand_counts(
    sample_run: tuple[dict[str, Table], Section],
) -> None:
    from scipy.stats import binomtest

    tables, section = sample_run
    figures = section.figures
    day = LIFECYCLE_AS_OF
    tally = dict.fromkeys(["achieved", "achieved_late", "open", "missed"], 0)
    for g in rows(tables["goals"], "set_on", "target_date", "achieved_on"):
        if g["set_on"] is not None and g["set_on"] >= day:
            continue
        done = g["achieved_on"] if g["achieved_on"] and g["achieved_on"] < day else None
        target = g["target_date"]
        if done is not None:
            tally["achieved_late" if target is not None and done > target else "achieved"] += 1
        else:
            tally["missed" if target is not None and target < day else "open"] += 1
    goals = figures["goals"]
    assert goals["counts"] == tally
    decided = tally["achieved"] + tally["achieved_late"] + tally["missed"]
    won = tally["achieved"] + tally["achieved_late"]
    assert (goals["attainment"]["successes"], goals["attainment"]["n"]) == (won, decided)
    wilson = binomtest(won, decided).proportion_ci(method="wilson")
    interval = goals["attainment"]["confidence_interval"]
    assert (interval["low"], interval["high"]) == pytest.approx((wilson.low, wilson.high))
    assert any(line.startswith("attainment: ") for line in section.lines)
    # the renewals of the next 120 days, at the MRR in force
    book = Book(tables)
    mrr = book.mrr(day)
    due = [
        a
        for a in book.in_scope(day)
        if a["id"] in book.customers(day)
        and a["renewal_date"] is not None
        and 0 <= (a["renewal_date"] - day).days <= 120  # type: ignore[operator]
    ]
    renewals = figures["renewals"]
    assert renewals["renewals"] == len(due) > 0
    assert renewals["mrr_due"] == pytest.approx(sum(mrr[a["id"]] for a in due), rel=1e-12)
    months = renewals["by_month"]
    assert sum(months["renewals"]) == len(due)
    assert sum(months["mrr_at_risk"]) == pytest.approx(renewals["mrr_at_risk"])
    assert 0 < renewals["at_risk"] <= figures["flags"]["at_risk"]["accounts"]
    assert 0 < renewals["mrr_at_risk"] < renewals["mrr_due"]
    line = next(line for line in section.lines if line.startswith("Renewals due "))
    assert line == (
        f"Renewals due {day} to {day + timedelta(days=120)} (120 days): {len(due)}, MRR "
        f"{renewals['mrr_due']:,.0f}; of accounts flagged at_risk: {renewals['at_risk']}, "
        f"MRR at risk {renewals['mrr_at_risk']:,.0f}"
    )


def test_lifecycle_section_needs_no_health_scores() -> None:
    # outside a report run (and without usage) nothing is reused: the records alone
    tables = hand_made()
    section = _lifecycle(tables, AS_OF)
    assert section is not None
    figures = section.figures
    assert figures["inputs"] == ["milestones", "revenue_changes"]
    # by hand: A engagement (100 from its revenue change), B onboarding with `live` 31 days
    # late (300 from `mrr`: no revenue change), C churned in January, E churned on as_of,
    # D starts after as_of
    assert {k: v["accounts"] for k, v in figures["stages"].items() if v["accounts"]} == {
        "churned": 2,
        "onboarding": 1,
        "engagement": 1,
    }
    assert figures["stages"]["onboarding"]["mrr"] == 300.0
    assert figures["stages"]["engagement"]["mrr"] == 100.0
    assert figures["not_started"] == 1
    assert figures["flags"]["stuck_onboarding"] == {"accounts": 1, "mrr": 300.0}
    assert figures["onboarding"]["stuck"] == [
        {"account_id": "B", "days_overdue": 31, "milestone": "live"}
    ]
    flow = figures["flow"]
    counts = np.array(flow["counts"])
    # E was in engagement on 2025-03-02 and ends on as_of; C had churned already
    assert counts[flow["rows"].index("engagement"), flow["columns"].index("churned")] == 1
    assert counts[flow["rows"].index("churned"), flow["columns"].index("churned")] == 1
    assert flow["from_records_alone"] is False  # both days from the same inputs
    assert figures["time_to_value"] is None
    assert figures["goals"] is None
    assert figures["renewals"]["renewals"] == 0
    assert "Time to first value: not measured: no milestone marks first value" in section.lines
    assert "Goals: not measured: no goals" in section.lines
    assert section.lines[-1].startswith("Renewals due 2025-06-01 to 2025-09-29 (120 days): 0,")


def test_lifecycle_section_of_tables_that_disagree() -> None:
    tables = hand_made()
    stray = to_columns([Milestone(id="9", account_id="Z", name="kickoff")])
    section = _lifecycle({**tables, "milestones": stray}, AS_OF)
    assert section is not None
    assert section.lines[0].startswith("not computed: 1 milestones belong to no account given")
    assert "error" in section.figures


def test_lifecycle_section_without_renewal_dates(tmp_path: Path) -> None:
    report = folder_report(tmp_path)
    lifecycle = report.to_dict()["sections"]["Lifecycle"]
    assert lifecycle["renewals"] is None
    assert lifecycle["onboarding"] is None
    text = report.to_text()
    assert "Renewals: not measured: no `renewal_date` column in accounts" in text
    assert "Onboarding: not measured: no milestones" in text
    assert "renewal dates are the accounts' current ones" not in text
