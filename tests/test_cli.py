"""The `cshealth` command, in process (for coverage) and through a subprocess (as users run it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cshealth import __version__
from cshealth.cli import main
from cshealth.models import MODELS
from cshealth.scoring import Scorecard


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse usage errors and --help/--version
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    assert main(["demo", "--accounts", "80", "--seed", "3", "--write", str(folder)]) == 0
    return folder


def test_subprocess_help_and_demo() -> None:
    help_run = subprocess.run(
        [sys.executable, "-m", "cshealth", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("demo", "report", "validate", "schema"):
        assert command in help_run.stdout
    demo = subprocess.run(
        [sys.executable, "-m", "cshealth", "demo", "--accounts", "40"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Tables" in demo.stdout
    assert "Accounts" in demo.stdout
    assert "Support tickets" in demo.stdout


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.strip() == f"cshealth {__version__}"


@pytest.mark.parametrize("command", ["demo", "report", "validate", "schema"])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert out.startswith("usage: cshealth " + command)


def test_demo_text_report_has_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "demo", "--accounts", "60")
    assert status == 0
    for title in (
        "Tables",
        "Accounts",
        "Revenue changes",
        "Onboarding milestones",
        "Support tickets",
        "Survey responses",
        "Product usage",
        "People and goals",
    ):
        assert f"\n{title}\n" in out
    assert "seed 0" in out.splitlines()[0]


def test_demo_json_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = run(capsys, "demo", "--accounts", "50", "--json", "--seed", "7")
    _, second, _ = run(capsys, "demo", "--accounts", "50", "--json", "--seed", "7")
    assert first == second
    report = json.loads(first)
    assert report["sections"]["Accounts"]["accounts"] == 50
    assert report["as_of"] == "2026-01-01"


def test_demo_bad_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "demo", "--accounts", "0")
    assert status == 2
    assert "n_accounts" in err
    status, _, err = run(capsys, "demo", "--as-of", "2026-13-01")
    assert status == 2
    assert "expected a date as YYYY-MM-DD" in err


def test_validate_written_sample_is_valid(
    capsys: pytest.CaptureFixture[str], sample_dir: Path
) -> None:
    status, out, _ = run(capsys, "validate", str(sample_dir))
    assert status == 0
    assert out.strip().endswith("all files valid")
    assert out.count("all valid") == len(MODELS)


def test_validate_reports_every_bad_row(
    capsys: pytest.CaptureFixture[str], sample_dir: Path, tmp_path: Path
) -> None:
    lines = (sample_dir / "survey_responses.csv").read_text().splitlines()
    header = lines[0].split(",")
    kind_col = header.index("kind")
    broken = []
    for number, line in enumerate(lines):
        cells = line.split(",")
        if number in (2, 5) and len(cells) == len(header):
            cells[kind_col] = "nps-ish"
        broken.append(",".join(cells))
    (tmp_path / "survey_responses.csv").write_text("\n".join(broken) + "\n")
    (tmp_path / "notes.txt").write_text("not a table")
    status, out, err = run(capsys, "validate", str(tmp_path))
    assert status == 1
    assert "ignoring files not named after a table: notes.txt" in err
    assert "survey_responses.csv: 2 of" in out
    assert "(line 3, " in out
    assert "(line 6, " in out
    assert "`kind` = 'nps-ish'" in out
    assert out.strip().endswith("1 of 1 files invalid")


def test_validate_unreadable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("id,nombre\nA-1,Acme\n")
    status, out, _ = run(capsys, "validate", str(tmp_path))
    assert status == 1
    assert "accounts.csv: unreadable" in out
    assert "unknown columns ['nombre']" in out


def test_validate_names_a_file_not_in_utf8(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "accounts.csv").write_bytes(
        "id,name,start_date\nA-1,Café,2024-01-15\n".encode("cp1252")
    )
    (tmp_path / "contacts.csv").write_text("id,account_id\nC-1,A-1\n")
    status, out, err = run(capsys, "validate", str(tmp_path))
    assert status == 1
    assert "Traceback" not in out + err
    assert "accounts.csv: unreadable: " in out
    assert (
        "is not valid utf-8 text: line 2, column 8 (byte offset 26) holds the bytes b'\\xe9'" in out
    )
    assert "contacts.csv: 1 rows, all valid" in out
    assert out.strip().endswith("1 of 2 files invalid")
    status, _, err = run(capsys, "report", str(tmp_path), "--as-of", "2026-01-01")
    assert status == 1
    assert "is not valid utf-8 text" in err


def test_validate_subprocess_prints_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_bytes(b"id,name,start_date\nA-1,Caf\xe9,2024-01-15\n")
    done = subprocess.run(
        [sys.executable, "-m", "cshealth", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "accounts.csv: unreadable: " in done.stdout


@pytest.mark.parametrize("command", ["validate", "report"])
def test_missing_or_empty_folder_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    extra = ["--as-of", "2026-01-01"] if command == "report" else []
    status, _, err = run(capsys, command, str(tmp_path / "nope"), *extra)
    assert status == 2
    assert "no such folder" in err
    status, _, err = run(capsys, command, str(tmp_path), *extra)
    assert status == 2
    assert "no table files" in err
    assert "accounts.csv" in err


def test_report_of_written_files_matches_the_demo(
    capsys: pytest.CaptureFixture[str], sample_dir: Path
) -> None:
    _, demo_json, _ = run(capsys, "demo", "--accounts", "80", "--seed", "3", "--json")
    status, report_json, _ = run(
        capsys, "report", str(sample_dir), "--as-of", "2026-01-01", "--json"
    )
    assert status == 0
    assert json.loads(report_json)["sections"] == json.loads(demo_json)["sections"]
    status, text, _ = run(capsys, "report", str(sample_dir), "--as-of", "2026-01-01")
    assert status == 0
    assert text.startswith("cshealth report: ")


def test_report_of_invalid_files_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "revenue_changes.csv").write_text("account_id,effective_on,mrr\nA1,2025-01-01,-5\n")
    status, _, err = run(capsys, "report", str(tmp_path), "--as-of", "2026-01-01")
    assert status == 1
    assert "`mrr` = '-5': must be >= 0" in err
    assert "cshealth validate" in err


def test_schema_of_all_models(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "schema")
    assert status == 0
    schemas = json.loads(out)
    assert set(MODELS) < set(schemas)
    assert {"Scorecard", "SLAPolicy", "Schedule", "FeatureCatalog"} < set(schemas)
    assert schemas["Ticket"]["additionalProperties"] is False
    assert schemas["Scorecard"] == Scorecard.model_json_schema()


@pytest.mark.parametrize("name", ["Scorecard", "scorecard", "FollowUpPolicy", "DropThresholds"])
def test_schema_of_a_configuration(capsys: pytest.CaptureFixture[str], name: str) -> None:
    status, out, _ = run(capsys, "schema", name)
    assert status == 0
    assert json.loads(out)["title"].lower() == name.lower()


@pytest.mark.parametrize("name", ["Account", "account", "accounts", "ACCOUNTS"])
def test_schema_by_class_or_table_name(capsys: pytest.CaptureFixture[str], name: str) -> None:
    status, out, _ = run(capsys, "schema", name)
    assert status == 0
    assert json.loads(out)["title"] == "Account"


def test_schema_unknown_model(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "schema", "Customer")
    assert status == 2
    assert "unknown model 'Customer'" in err
    assert "SurveyResponse" in err


def test_module_entry_point_imports() -> None:
    import cshealth.__main__ as entry

    assert entry.main is main


def test_report_of_a_small_folder_says_only_what_its_data_support(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.test_report import write_folder

    write_folder(tmp_path)
    status, text, _ = run(capsys, "report", str(tmp_path), "--as-of", "2026-01-01")
    assert status == 0
    assert "MRR in force: 350 (from the revenue changes" in text
    assert "24 or 36 months not observed (follow-up 13.0 months)" in text
    assert "36 months 100.0%" not in text
    assert "account A, contact c-1: " in text
    assert "n/m = not measured: 1-touch, FCR, reopen" in text
    status, report_json, _ = run(capsys, "report", str(tmp_path), "--as-of", "2026-01-01", "--json")
    support = json.loads(report_json)["sections"]["Support"]["last_90_days"]
    assert support["overall"]["one_touch"] is None
    assert support["overall"]["not_measured"]["reopen"] == "no `reopened_count` column"
