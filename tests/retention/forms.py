"""Account data in the forms users bring it: a dict of columns, a pandas frame, a CSV file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cshealth import Account, load_table


def accounts_in_form(
    data: dict[str, list[str | None]], form: str, folder: Path, *, end_dates: bool
) -> object:
    """``data`` (text cells, ``None`` empty) as ``form``, with or without ``end_date``.

    ``form`` is ``"columns"`` (the dict), ``"pandas"`` (a frame) or ``"csv"`` (a file in
    ``folder`` read by `load_table`, empty cells for ``None``).
    """
    data = {name: values for name, values in data.items() if end_dates or name != "end_date"}
    if form == "columns":
        return data
    if form == "pandas":
        return pd.DataFrame(data)
    path = folder / "accounts.csv"
    body = [",".join(v or "" for v in row) for row in zip(*data.values(), strict=True)]
    path.write_text("\n".join([",".join(data), *body]) + "\n")
    return load_table(path, Account)
