"""The ``cshealth`` command: ``demo``, ``report``, ``validate`` and ``schema``.

Exit status: 0 on success, 1 when ``validate`` found bad rows (or ``report`` could not
read its data), 2 on a usage error (unknown command, option or model, missing folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel

from cshealth._config import Config
from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._report import describe, to_html
from cshealth._version import __version__
from cshealth.io import Table, load, load_table
from cshealth.io._read import FILE_SUFFIXES
from cshealth.models import MODELS, TABLES, Record

__all__ = ["main"]


class _UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cshealth`` command with ``argv`` (default: the process arguments).

    Args:
        argv: The arguments after the program name.

    Returns:
        The exit status: 0 success, 1 invalid data, 2 usage error.

    Examples:
        >>> main(["schema", "RevenueChange"])  # doctest: +ELLIPSIS
        {
          "additionalProperties": false,
        ...
        0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args, sys.stdout)
    except _UsageError as exc:
        parser.error(str(exc))  # exits with status 2
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cshealth",
        description="Customer-success analytics: health, surveys, retention, lifecycle.",
    )
    parser.add_argument("--version", action="version", version=f"cshealth {__version__}")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="build the embedded sample data and report on it",
        description="Build the deterministic sample data set and print a report of it.",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--accounts", type=int, default=2000, help="accounts (default 2000)")
    demo.add_argument("--months", type=int, default=36, help="months of history (default 36)")
    demo.add_argument(
        "--as-of",
        type=_date,
        default=None,
        help="end of the history, YYYY-MM-DD (default 2026-01-01)",
    )
    demo.add_argument("--json", action="store_true", help="print the report as JSON")
    demo.add_argument("--html", type=Path, metavar="FILE", help=_HTML_HELP)
    demo.add_argument(
        "--write",
        type=Path,
        metavar="DIR",
        help="also write the sample's tables as CSV files into DIR",
    )
    demo.set_defaults(run=_demo)

    report = sub.add_parser(
        "report",
        help="report on a folder of CSV/JSONL files",
        description="Validate a folder of files named after the tables "
        "(accounts.csv, tickets.jsonl, ...) and print a report of them.",
    )
    report.add_argument("directory", type=Path, metavar="DIR")
    report.add_argument("--as-of", type=_date, required=True, help="report date, YYYY-MM-DD")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--html", type=Path, metavar="FILE", help=_HTML_HELP)
    report.set_defaults(run=_report)

    validate = sub.add_parser(
        "validate",
        help="check a folder of CSV/JSONL files",
        description="Check every file named after a table "
        "(accounts.csv, tickets.jsonl, ...) and print every bad row.",
    )
    validate.add_argument("directory", type=Path, metavar="DIR")
    validate.set_defaults(run=_validate)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the models and configurations",
        description="Print the JSON Schema of one record model (by class or table name) "
        "or configuration (Scorecard, SLAPolicy, ...), or of all of them.",
    )
    schema.add_argument(
        "model",
        nargs="?",
        help=f"one of {', '.join(MODELS)}, or a configuration such as Scorecard",
    )
    schema.set_defaults(run=_schema)
    return parser


_HTML_HELP = (
    "write the report as one self-contained HTML page with its pictures to FILE "
    "(needs pip install 'cshealth[plot]')"
)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"expected a date as YYYY-MM-DD, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from cshealth.datasets import sample  # noqa: PLC0415

    try:
        data = sample(
            seed=args.seed, n_accounts=args.accounts, months=args.months, as_of=args.as_of
        )
    except InvalidInputError as exc:
        raise _UsageError(str(exc)) from None
    title = (
        f"cshealth {__version__} demo: sample data, seed {data.seed}, {data.start} to {data.as_of}"
    )
    status = _print_report(data.tables(), data.as_of, title, args, out)
    if args.write is not None:
        paths = data.write(args.write)
        print(f"\nwrote {len(paths)} files to {args.write}", file=out)
    return status


def _report(args: argparse.Namespace, out: TextIO) -> int:
    files = _table_files(args.directory)
    try:
        tables = {model.table_name: load_table(path, model) for path, model in files}
    except InvalidInputError as exc:
        print(exc, file=sys.stderr)
        print("run `cshealth validate` for the full list of bad rows", file=sys.stderr)
        return 1
    return _print_report(tables, args.as_of, f"cshealth report: {args.directory}", args, out)


def _print_report(
    tables: dict[str, Table], as_of: date, title: str, args: argparse.Namespace, out: TextIO
) -> int:
    """Print the report as text or JSON; with ``--html FILE``, write the page instead of text."""
    report = describe(tables, as_of=as_of, title=title)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2), file=out)
    if args.html is not None:
        try:
            page = to_html(report)  # before opening the file: a missing extra leaves none
            args.html.write_text(page, encoding="utf-8")
        except (MissingDependencyError, OSError) as exc:
            print(f"cshealth: cannot write {args.html}: {exc}", file=sys.stderr)
            return 1
        pictures = sum(len(section.pictures) for section in report.sections)
        print(
            f"wrote {args.html}: {len(report.sections)} sections, {pictures} pictures, "
            f"{len(page.encode()) / 1e6:.1f} MB",
            file=out,
        )
    elif not args.json:
        print(report.to_text(), file=out)
    return 0


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    files = _table_files(args.directory)
    bad_files = 0
    for path, model in files:
        try:
            result = load(path, model, strict=False)
        except InvalidInputError as exc:  # the file as a whole cannot be read
            print(f"{path.name}: unreadable: {exc}", file=out)
            bad_files += 1
            continue
        if result.ok:
            print(f"{path.name}: {result.rows_read} rows, all valid", file=out)
            continue
        bad_files += 1
        print(f"{path.name}: {len(result.bad_rows)} of {result.rows_read} rows invalid", file=out)
        for error in result.errors:
            print(f"  {error}", file=out)
    verdict = "all files valid" if not bad_files else f"{bad_files} of {len(files)} files invalid"
    print(verdict, file=out)
    return 1 if bad_files else 0


def _table_files(directory: Path) -> list[tuple[Path, type[Record]]]:
    if not directory.is_dir():
        msg = f"no such folder: {str(directory)!r}"
        raise _UsageError(msg)
    found: list[tuple[Path, type[Record]]] = []
    ignored: list[str] = []
    for path in sorted(directory.iterdir()):
        model = TABLES.get(path.stem) if path.suffix.lower() in FILE_SUFFIXES else None
        if model is None:
            ignored.append(path.name)
        else:
            found.append((path, model))
    if ignored:
        print(f"ignoring files not named after a table: {', '.join(ignored)}", file=sys.stderr)
    if not found:
        names = ", ".join(f"{name}.csv" for name in TABLES)
        msg = f"no table files in {str(directory)!r}; expected names such as {names}"
        raise _UsageError(msg)
    return found


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    models = {**MODELS, **_configs()}
    if args.model is None:
        schema: object = {name: model.model_json_schema() for name, model in models.items()}
    else:
        schema = _find_model(args.model, models).model_json_schema()
    print(json.dumps(schema, indent=2), file=out)
    return 0


def _find_model(name: str, models: Mapping[str, type[BaseModel]]) -> type[BaseModel]:
    wanted = name.lower()
    for key, model in [*models.items(), *TABLES.items()]:
        if key.lower() == wanted:
            return model
    msg = f"unknown model {name!r}; choose one of {', '.join(models)} (or a table name)"
    raise _UsageError(msg)


def _configs() -> dict[str, type[Config]]:
    """Every public configuration model, by class name, in the order of the areas."""
    from cshealth import (  # noqa: PLC0415 - the areas load only for `cshealth schema`
        adoption,
        lifecycle,
        nps,
        retention,
        scoring,
        signals,
        support,
    )

    found: dict[str, type[Config]] = {}
    for area in (scoring, nps, support, adoption, retention, lifecycle, signals):
        for name in area.__all__:
            member = getattr(area, name)
            if isinstance(member, type) and issubclass(member, Config):
                found[name] = member
    return found
