"""Feature adoption from usage records flattens a checked table's mappings once.

The flattening of a `Table` io checked is kept between calls (its columns cannot
change); every other input is flattened on each call. Both must give the same result on
every date, in any order of dates, with and without a catalog, and a caller's own
arrays changed between calls must be read afresh.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from cshealth import UsageRecord, to_columns
from cshealth.adoption import Feature, FeatureCatalog, feature_adoption
from cshealth.adoption import _features_counts as counting
from cshealth.datasets import sample

DATES = [date(2025, 12, 29), date(2025, 3, 3), date(2025, 9, 1), date(2024, 6, 3)]


def test_a_checked_table_gives_what_plain_columns_give_on_every_date() -> None:
    usage = sample(seed=4, n_accounts=60).tables()["usage"]
    assert usage.n_rows
    plain = {name: np.array(usage[name]) for name in usage.columns}
    catalog = FeatureCatalog(
        features=[Feature(name="reports", tag="sticky"), Feature(name="dashboards")]
    )
    counting._FLATTENED.clear()
    for day in DATES:  # not in order: later dates first
        for options in ({}, {"catalog": catalog}):
            cached = feature_adoption(usage, as_of=day, **options)  # type: ignore[arg-type]
            fresh = feature_adoption(plain, as_of=day, **options)  # type: ignore[arg-type]
            assert cached == fresh
    # one flattening kept, the checked table's: the columns io read for one call are gone
    assert [ref() is usage["feature_events"] for ref, _ in counting._FLATTENED] == [True]


def test_a_callers_own_columns_are_read_afresh_after_a_change() -> None:
    records = to_columns(
        [
            UsageRecord(
                account_id="a", day=date(2025, 1, 6), active_users=1, feature_events={"x": 2}
            ),
            UsageRecord(
                account_id="a", day=date(2025, 1, 13), active_users=1, feature_events={"y": 1}
            ),
        ],
        UsageRecord,
    )
    columns = {name: np.array(records[name]) for name in records.columns}
    first = feature_adoption(columns, as_of=date(2025, 1, 20))
    columns["feature_events"][1] = {"x": 5}
    second = feature_adoption(columns, as_of=date(2025, 1, 20))
    assert first.features == ("x", "y")
    assert second.features == ("x",)
