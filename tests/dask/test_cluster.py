"""One real cluster: two worker processes, so partials, jobs and pieces cross by pickle.

The synchronous scheduler of the other tests pickles nothing. Here a local cluster of two
processes (one thread each) runs an NPS trend whose contacts span every partition, with
answers tied in time, through Dask's distributed shuffle; the result must still equal the
single-machine trend of the frame's rows, and the named partials must come back whole.
Starting the cluster takes a few seconds: deselect with ``-m 'not dask_cluster'``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import cshealth.dask as cd  # noqa: E402
from cshealth import datasets, nps, scoring  # noqa: E402


@pytest.mark.dask_cluster
def test_a_two_process_cluster_gives_the_single_machine_results() -> None:
    sample = datasets.sample(n_accounts=200)
    answers = sample.survey_responses.to_pandas()
    answers = answers[(answers["kind"] == "nps") & (answers["survey_type"] == "relationship")]
    later = answers["submitted_at"] + pd.Timedelta(hours=1)
    rows = pd.concat(
        [answers, answers.assign(submitted_at=later), answers.assign(submitted_at=later, score=0)],
        ignore_index=True,
    )
    turn = rows.groupby("contact_id").cumcount().to_numpy() % 4  # every contact spans parts
    rows = rows.iloc[np.argsort(turn, kind="stable")].reset_index(drop=True)
    frame = dd.from_pandas(rows, npartitions=4, sort=False)
    options = {"as_of": sample.as_of, "survey_type": "relationship"}
    single = nps.trend(rows, **options)  # type: ignore[arg-type]
    tables = {
        "accounts": sample.accounts.to_pandas().drop(columns="traits"),
        "usage": sample.usage.to_pandas().drop(columns="feature_events"),
        "tickets": sample.tickets.to_pandas(),
        "survey_responses": sample.survey_responses.to_pandas(),
    }
    card, as_of = scoring.default_scorecard(), sample.as_of

    def health(**pieces: pd.DataFrame) -> scoring.HealthScores:  # pickled by value
        return scoring.score(card, scoring.default_inputs(**pieces, as_of=as_of), as_of=as_of)

    scores = health(**tables).to_pandas()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        assert cd.nps_trend(frame, **options) == single  # type: ignore[arg-type]
        assert cd.nps_trend(frame, merge="groupby", **options) == single  # type: ignore[arg-type]
        parts = cd.partials(frame, nps.trend_partial, **options)
        assert [p.parts[0].rsplit(":", 1)[1] for p in parts] == ["0", "1", "2", "3"]
        assert parts[0].merge(*parts[1:]).finalize() == single  # shuffled first, too
        split = {name: dd.from_pandas(t, npartitions=3) for name, t in tables.items()}
        done = cd.per_account(split, health, on={"accounts": "id"})
    got = done.sort_values("account_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, scores.sort_values("account_id").reset_index(drop=True))
