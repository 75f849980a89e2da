"""A readable overview of a customer-success data set (what ``cshealth demo`` prints).

Each section is a small function of the tables and ``as_of``; an area adds its own section
to ``SECTIONS`` when it is built. A section is skipped when its table is absent. Each
section imports its area when it runs, so commands that print no report (``cshealth
validate``, ``cshealth schema``) start without loading every area.

The report says only what its data support: a figure whose column a file does not have is
"not measured" (with the column named), survival is shown only at horizons the follow-up
reaches, and the MRR in force comes from the revenue changes when they are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cshealth._report._backtest import _backtest
from cshealth._report._base import _RUN, Picture, Report, Section, SectionFn
from cshealth._report._html import to_html
from cshealth._report._records import (
    _accounts,
    _milestones,
    _people,
    _revenue,
    _surveys,
    _tables,
    _tickets,
    _usage,
)
from cshealth._report._retention import _retention
from cshealth._report._stages import _lifecycle
from cshealth._report._usage_health import _adoption, _health
from cshealth._report._voice import _nps, _support
from cshealth.io import Table

__all__ = ["SECTIONS", "Picture", "Report", "Section", "describe", "to_html"]


def describe(tables: Mapping[str, Table], *, as_of: date, title: str = "cshealth report") -> Report:
    """Describe a set of tables (keyed by table name, e.g. ``"accounts"``) as of a date.

    Args:
        tables: Tables by name, such as ``SampleData.tables()``; any may be absent.
        as_of: The date the overview is taken at.
        title: The report's heading.

    Returns:
        The `Report`, with a section per table present.
    """
    token = _RUN.set({})
    try:
        sections = [fn(tables, as_of) for fn in SECTIONS]
    finally:
        _RUN.reset(token)
    return Report(title=title, as_of=as_of, sections=tuple(s for s in sections if s))


#: The report's sections, in order. Each area appends its own when it is built.
SECTIONS: tuple[SectionFn, ...] = (
    _tables,
    _accounts,
    _revenue,
    _milestones,
    _tickets,
    _surveys,
    _usage,
    _people,
    _nps,
    _support,
    _adoption,
    _health,
    _retention,
    _lifecycle,
    _backtest,
)
