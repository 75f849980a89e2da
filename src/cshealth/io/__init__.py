"""Reading records and converting them to and from columns.

* `load()` reads CSV, JSON Lines, JSON or an iterable of mappings into validated
  records, reporting every bad row (`LoadResult` keeps the good and the bad side by
  side).
* `to_columns()` turns records, a dict of lists or a data frame into a validated
  `Table` of numpy columns; `from_columns()` turns columns back into records.
* `load_table()` reads a file straight into columns, the fast path for big files.
* `read_columns()` reads just the columns a kernel needs, checked by the model's
  rules (the front door of every area function).
* `write()` writes a table or records to CSV, JSON Lines or JSON.
"""

from cshealth import _public
from cshealth._types import Column
from cshealth.io._columns import from_columns, load_table, to_columns
from cshealth.io._load import FileFormat, LoadResult, Source, load
from cshealth.io._read import read_columns
from cshealth.io._table import Table
from cshealth.io._write import write

__all__ = [
    "Column",
    "FileFormat",
    "LoadResult",
    "Source",
    "Table",
    "from_columns",
    "load",
    "load_table",
    "read_columns",
    "to_columns",
    "write",
]

_public.publish(globals())
