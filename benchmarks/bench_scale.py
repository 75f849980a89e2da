"""Beyond one machine: ``cshealth.dask`` against plain Dask and one process, from parquet.

Run from ``benchmarks/``: ``python bench_scale.py [--rows 20000000] [--repeat 1]
[--adversarial] [--single-max 20000000] [--file-rows 500000] [--jobs nps,survival]``
(the CI runs every benchmark with ``--rows 20000 --repeat 1``).

The data, written to a temporary folder file by file (one file's rows in memory at a
time, ``--file-rows`` rows per file) and read back with ``dask.dataframe.read_parquet``:

* ``--rows`` NPS answers (``account_id``, ``contact_id``, ``score`` 0..10, ``submitted_at``
  UTC to the microsecond over 2024-01 to 2026-01, ``kind='nps'``,
  ``survey_type='relationship'``), from ``rows / 5`` contacts (about 5 answers each: one a
  contact every few months), 2 contacts an account. By default each file holds the
  answers of its own range of contacts (as data written by contact or by account);
  with ``--adversarial`` every contact's answers are spread over all the files. Rows are
  in random order within a file either way.
* ``rows / 10`` accounts (``id``, ``start_date`` 2018..2025, ``end_date`` for about half,
  some after ``as_of``, ``segment``), in the same kind of files.

Timed (as of 2026-01-01, so January 2026's answers are left out), each the best of
``--repeat`` runs:

* the NPS trend by calendar month, ``dedupe='none'`` and ``dedupe='latest'``:
  ``cshealth.dask.nps_trend`` (``latest`` shuffles on ``contact_id``; in the default
  layout also with ``partitioned_by='contact_id'``, which states the files already keep
  each contact together and skips the shuffle; in the adversarial layout that statement
  is false, and the run shows what it costs); the plain Dask way a user writes
  (``groupby([month, category]).size()``; for ``latest``: ``shuffle(on='contact_id')``,
  then per partition ``sort_values`` and ``drop_duplicates`` per contact and month); and
  one process (``pandas.read_parquet`` + ``nps.trend``);
* Kaplan-Meier survival of the accounts: ``cshealth.dask.survival``; plain Dask (the
  durations and event flags per row, ``groupby(duration).agg``); one process
  (``pandas.read_parquet`` + ``retention.survival``).

The one-process runs are skipped above ``--single-max`` rows (accounts: the same limit).

Every job runs in a child forked from this process (which holds no data), and reports
its wall time and its peak resident memory (``ru_maxrss`` of the child, whose Dask work
runs on the threaded scheduler in that same process, so the peak covers every worker
thread; the figure includes the libraries imported before the fork: the baseline
printed). EXACTNESS: every month's detractors, passives and promoters (survival: every
duration's events and censorings) must equal the one-process result; above
``--single-max``, the adapter's and the plain Dask counts must equal each other. Any
disagreement (other than the adversarial layout's false ``partitioned_by``) fails the run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import queue as queue_module
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import dask.config
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import cshealth.dask
from cshealth import nps, retention
from cshealth.nps import Dedupe

AS_OF = "2026-01-01"
FIRST = np.datetime64("2024-01-01T00:00:00", "us")
SPAN_US = int((np.datetime64("2026-02-01", "us") - FIRST).astype(np.int64))
NPS_COLUMNS = ["contact_id", "score", "submitted_at", "kind", "survey_type"]
ACCOUNT_COLUMNS = ["start_date", "end_date"]
SEGMENTS = np.array(["smb", "mid-market", "enterprise"])
#: Scores 0..10: a realistic B2B mix (about 25% detractors, 35% passives, 40% promoters).
SCORE_P = np.array([2, 1, 1, 2, 2, 5, 12, 15, 20, 20, 20], dtype=np.float64) / 100

Counts = dict[object, tuple[int, ...]]


# --- data ------------------------------------------------------------------------------


def files(rows: int, file_rows: int) -> list[int]:
    """Rows per file: ``file_rows`` each, the last one what is left."""
    count = max(1, -(-rows // file_rows))
    return [min(file_rows, rows - i * file_rows) for i in range(count)]


def write_answers(folder: Path, rows: int, file_rows: int, *, adversarial: bool) -> int:
    """Write the NPS answers file by file; return how many contacts answered."""
    contacts = max(rows // 5, 1)
    sizes = files(rows, file_rows)
    folder.mkdir()
    for i, size in enumerate(sizes):
        rng = np.random.default_rng([11, i])
        if adversarial:  # any contact in any file
            contact = rng.integers(0, contacts, size)
        else:  # this file's own range of contacts
            low, high = contacts * i // len(sizes), max(contacts * (i + 1) // len(sizes), 1)
            contact = rng.integers(low, max(high, low + 1), size)
        micros = rng.integers(0, SPAN_US, size)
        table = pa.table(
            {
                "account_id": contact // 2,
                "contact_id": contact,
                "score": rng.choice(11, size, p=SCORE_P).astype(np.int8),
                "submitted_at": pa.array(
                    FIRST + micros.astype("timedelta64[us]"), pa.timestamp("us", tz="UTC")
                ),
                "kind": pa.DictionaryArray.from_arrays(np.zeros(size, np.int8), pa.array(["nps"])),
                "survey_type": pa.DictionaryArray.from_arrays(
                    np.zeros(size, np.int8), pa.array(["relationship"])
                ),
            }
        )
        pq.write_table(table, folder / f"part-{i:05d}.parquet")
    return contacts


def write_accounts(folder: Path, rows: int, file_rows: int) -> None:
    """Write the accounts file by file (start and end as UTC-naive timestamps)."""
    folder.mkdir()
    first = np.datetime64("2018-01-01", "D")
    for i, size in enumerate(files(rows, file_rows)):
        rng = np.random.default_rng([13, i])
        start = first + rng.integers(0, 8 * 365, size)
        end = start + np.ceil(rng.exponential(900, size)).astype(np.int64)
        ended = rng.random(size) < 0.5
        table = pa.table(
            {
                "id": np.arange(size, dtype=np.int64) + i * file_rows,
                "start_date": pa.array(start.astype("datetime64[ms]"), pa.timestamp("ms")),
                "end_date": pa.array(end.astype("datetime64[ms]"), pa.timestamp("ms"), mask=~ended),
                "segment": rng.choice(SEGMENTS, size),
            }
        )
        pq.write_table(table, folder / f"part-{i:05d}.parquet")


# --- the jobs: each returns counts to compare ----------------------------------------


def trend_counts(trend: nps.NPSTrend) -> Counts:
    """Month -> (detractors, passives, promoters), months with answers only."""
    out: Counts = {}
    for point in trend.points:
        tally = point.result.tally
        counts = (int(tally.detractors), int(tally.passives), int(tally.promoters))
        if sum(counts):
            out[str(point.start)[:7]] = counts
    return out


def curve_counts(curve: retention.SurvivalCurve) -> Counts:
    """Duration -> (events, censored)."""
    c = curve.counts
    return {
        float(t): (int(e), int(k)) for t, e, k in zip(c.times, c.events, c.censored, strict=True)
    }


#: The two dedupe rules timed: every answer, and each contact's latest per period.
DEDUPES: tuple[Dedupe, ...] = ("none", "latest")


def answers(folder: Path) -> dd.DataFrame:
    return dd.read_parquet(folder, columns=NPS_COLUMNS)


def adapter_trend(dedupe: Dedupe, partitioned_by: str | None = None) -> Callable[[Path], Counts]:
    def job(folder: Path) -> Counts:
        trend = cshealth.dask.nps_trend(
            answers(folder),
            as_of=AS_OF,
            period="month",
            dedupe=dedupe,
            survey_type="relationship",
            partitioned_by=partitioned_by,
        )
        return trend_counts(trend)

    return job


def _labelled(piece: pd.DataFrame) -> pd.DataFrame:
    """The plain way's month and category (0 detractor, 1 passive, 2 promoter)."""
    month = piece["submitted_at"].dt.tz_convert(None).to_numpy().astype("datetime64[M]")
    category = (piece["score"] >= 7).astype(np.int8) + (piece["score"] >= 9).astype(np.int8)
    return piece.assign(month=month, category=category)


def plain_trend(dedupe: Dedupe) -> Callable[[Path], Counts]:
    def job(folder: Path) -> Counts:
        frame = answers(folder)
        keep = (
            (frame["kind"] == "nps")
            & (frame["survey_type"] == "relationship")
            & (frame["submitted_at"] < pd.Timestamp(AS_OF, tz="UTC"))
        )
        frame = frame[keep].map_partitions(_labelled)
        if dedupe == "latest":
            frame = frame.shuffle(on="contact_id").map_partitions(
                lambda p: p.sort_values("submitted_at").drop_duplicates(
                    ["contact_id", "month"], keep="last"
                )
            )
        sizes = frame.groupby(["month", "category"]).size().compute()
        out: Counts = {}
        for (start, category), n in sizes.items():
            month = str(start)[:7]
            row = list(out.get(month, (0, 0, 0)))
            row[int(category)] += int(n)
            out[month] = tuple(row)
        return out

    return job


def single_trend(dedupe: Dedupe) -> Callable[[Path], Counts]:
    def job(folder: Path) -> Counts:
        frame = pd.read_parquet(folder, columns=NPS_COLUMNS)
        return trend_counts(
            nps.trend(frame, as_of=AS_OF, period="month", dedupe=dedupe, survey_type="relationship")
        )

    return job


def adapter_survival(folder: Path) -> Counts:
    frame = dd.read_parquet(folder, columns=ACCOUNT_COLUMNS)
    return curve_counts(cshealth.dask.survival(frame, as_of=AS_OF))


def _lifetimes(piece: pd.DataFrame) -> pd.DataFrame:
    as_of = pd.Timestamp(AS_OF)
    piece = piece[piece["start_date"] < as_of]
    churned = piece["end_date"].notna() & (piece["end_date"] <= as_of)
    end = piece["end_date"].where(churned, as_of)
    days = (end - piece["start_date"]).dt.days.astype(np.float64)
    return pd.DataFrame({"days": days, "event": churned.astype(np.int64)})


def plain_survival(folder: Path) -> Counts:
    frame = dd.read_parquet(folder, columns=ACCOUNT_COLUMNS).map_partitions(_lifetimes)
    grouped = frame.groupby("days")["event"].agg(["sum", "count"]).compute().sort_index()
    return {
        float(t): (int(e), int(n - e))
        for t, e, n in zip(grouped.index, grouped["sum"], grouped["count"], strict=True)
    }


def single_survival(folder: Path) -> Counts:
    frame = pd.read_parquet(folder, columns=ACCOUNT_COLUMNS)
    return curve_counts(retention.survival(frame, as_of=AS_OF))


# --- running in a child: wall time and peak memory -----------------------------------


def peak_bytes() -> int:
    """``ru_maxrss`` of this process in bytes (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


def _child(job: Callable[[Path], Counts], folder: Path, repeat: int, out: mp.Queue) -> None:
    try:
        with dask.config.set(scheduler="threads"):
            times, counts = [], {}
            for _ in range(repeat):
                start = time.perf_counter()
                counts = job(folder)
                times.append(time.perf_counter() - start)
        out.put((min(times), peak_bytes(), counts, None))
    except BaseException as error:
        out.put((0.0, peak_bytes(), {}, f"{type(error).__name__}: {error}"))


def run(job: Callable[[Path], Counts], folder: Path, repeat: int) -> tuple[float, int, Counts]:
    """``job(folder)`` in a forked child: best wall time, the child's peak RSS, counts."""
    context = mp.get_context("fork")
    queue: mp.Queue = context.Queue()
    child = context.Process(target=_child, args=(job, folder, repeat, queue))
    child.start()
    while True:
        try:
            seconds, peak, counts, error = queue.get(timeout=1)
            break
        except queue_module.Empty:
            if not child.is_alive():  # killed (out of memory?) before it could report
                msg = f"the job's process ended with exit code {child.exitcode}"
                raise RuntimeError(msg) from None
    child.join()
    if error:
        raise RuntimeError(error)
    return seconds, peak, counts


def differences(a: Counts, b: Counts) -> tuple[int, int]:
    """Keys whose counts differ, and the difference in the total counted."""
    keys = set(a) | set(b)
    differ = sum(a.get(k) != b.get(k) for k in keys)
    return differ, sum(map(sum, a.values())) - sum(map(sum, b.values()))


# --- main ------------------------------------------------------------------------------


def section(
    title: str,
    jobs: list[tuple[str, Callable[[Path], Counts], str]],
    folder: Path,
    repeat: int,
) -> list[str]:
    """Run the jobs, print a line each, and check the counts; return any failures.

    Each job is (label, job, role): ``'single'`` is the reference, ``'adapter'`` and
    ``'plain'`` must equal it (or each other, without a reference), ``'trap'`` is
    expected to differ and is only reported.
    """
    print(f"  {title}")
    results: dict[str, tuple[float, int, Counts, str]] = {}
    for label, job, role in jobs:
        seconds, peak, counts = run(job, folder, repeat)
        results[label] = (seconds, peak, counts, role)
    singles = [r for r in results.values() if r[3] == "single"]
    adapters = [r for r in results.values() if r[3] == "adapter"]
    reference = singles[0][2] if singles else adapters[0][2]
    failures = []
    first = next(iter(results.values()))[0]
    for label, (seconds, peak, counts, role) in results.items():
        differ, extra = differences(counts, reference)
        n = sum(map(sum, counts.values()))
        if counts is reference:
            verdict = "the reference" if singles else "the reference (no one process)"
        elif differ == 0:
            verdict = "exact" if singles else "equal to the adapter"
        else:
            verdict = f"DIFFERS in {differ} of {len(reference)} keys, {extra:+,} counted"
            if role == "trap":
                verdict += " (expected: the statement is false here)"
            else:
                failures.append(f"{title}: {label}: {verdict}")
        print(
            f"    {label:<52} {seconds:8.2f} s ({seconds / first:5.2f}x)  "
            f"peak {peak / 2**30:6.2f} GB  n={n:,}  {verdict}"
        )
    if not singles:
        print("    (one process skipped: more rows than --single-max; checked adapter = plain)")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000, help="NPS answers")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--adversarial", action="store_true")
    parser.add_argument("--single-max", type=int, default=20_000_000)
    parser.add_argument("--file-rows", type=int, default=500_000)
    parser.add_argument("--jobs", default="nps,survival")
    args = parser.parse_args()
    jobs = set(args.jobs.split(","))
    n_accounts = max(args.rows // 10, 1)
    layout = (
        "adversarial: every contact spread over all files"
        if args.adversarial
        else ("each file its own contacts")
    )
    print(
        f"cshealth.dask at scale on {platform.machine()} with {os.cpu_count()} cores; "
        f"dask {version('dask')}, pandas {pd.__version__}, pyarrow {pa.__version__}; "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    print(f"  baseline peak RSS (imports, before any job): {peak_bytes() / 2**30:.2f} GB")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        root = Path(tmp)
        if "nps" in jobs:
            start = time.perf_counter()
            run_write = mp.get_context("fork").Process(
                target=write_answers,
                args=(root / "answers", args.rows, args.file_rows),
                kwargs={"adversarial": args.adversarial},
            )
            run_write.start()
            run_write.join()
            size = sum(f.stat().st_size for f in (root / "answers").iterdir())
            count = len(list((root / "answers").iterdir()))
            print(
                f"  wrote {args.rows:,} NPS answers ({max(args.rows // 5, 1):,} contacts; "
                f"{layout}) to {count} files, {size / 2**30:.2f} GB, in "
                f"{time.perf_counter() - start:.1f} s"
            )
            single = args.rows <= args.single_max
            for dedupe in DEDUPES:
                nps_jobs: list[tuple[str, Callable[[Path], Counts], str]] = [
                    (
                        f"cshealth.dask.nps_trend(dedupe='{dedupe}')",
                        adapter_trend(dedupe),
                        "adapter",
                    )
                ]
                if dedupe == "latest":
                    nps_jobs[0] = (
                        "cshealth.dask.nps_trend(dedupe='latest') [shuffle]",
                        adapter_trend(dedupe),
                        "adapter",
                    )
                    nps_jobs.append(
                        (
                            "  ... partitioned_by='contact_id' [no shuffle]",
                            adapter_trend(dedupe, "contact_id"),
                            "trap" if args.adversarial else "adapter",
                        )
                    )
                nps_jobs.append(
                    (
                        "plain Dask groupby(month, category).size()"
                        if dedupe == "none"
                        else "plain Dask shuffle + sort + drop_duplicates",
                        plain_trend(dedupe),
                        "plain",
                    )
                )
                if single:
                    nps_jobs.append(
                        ("one process: read_parquet + nps.trend", single_trend(dedupe), "single")
                    )
                failures += section(
                    f"NPS trend by month, dedupe='{dedupe}'",
                    nps_jobs,
                    root / "answers",
                    args.repeat,
                )
            shutil.rmtree(root / "answers")
        if "survival" in jobs:
            start = time.perf_counter()
            run_write = mp.get_context("fork").Process(
                target=write_accounts, args=(root / "accounts", n_accounts, args.file_rows)
            )
            run_write.start()
            run_write.join()
            count = len(list((root / "accounts").iterdir()))
            print(
                f"  wrote {n_accounts:,} accounts to {count} files in "
                f"{time.perf_counter() - start:.1f} s"
            )
            survival_jobs: list[tuple[str, Callable[[Path], Counts], str]] = [
                ("cshealth.dask.survival", adapter_survival, "adapter"),
                ("plain Dask durations + groupby(duration).agg", plain_survival, "plain"),
            ]
            if n_accounts <= args.single_max:
                survival_jobs.append(
                    ("one process: read_parquet + retention.survival", single_survival, "single")
                )
            failures += section(
                "Kaplan-Meier survival of the accounts (day durations)",
                survival_jobs,
                root / "accounts",
                args.repeat,
            )
    print(
        f"  times: best of {args.repeat}; ratios to the first line of each block; peak: "
        f"ru_maxrss of the job's own forked process (Dask on its threaded scheduler, in "
        f"that process); load average {os.getloadavg()[0]:.2f} at the end"
    )
    if failures:
        raise SystemExit("NOT EXACT:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
