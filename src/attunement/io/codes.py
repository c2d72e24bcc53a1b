"""Coded categorical states: a time column and one code column per partner (SPAFF, ICEP).

The codes feed Tronick-style matching (:func:`attunement.match_states`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

_TIME_NAMES = ("time_s", "time", "t", "seconds", "second", "onset_s", "onset")


def read_codes(path: str | Path, time_column: str | None = None) -> pd.DataFrame:
    """Read a CSV/TSV of coded states: a time column (s) and one code column per partner.

    Returns a table with ``time_s`` and the two partner columns (named as in the file);
    ``attrs['id']`` is the file name without extension.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dyad.csv"
    >>> _ = f.write_text("t,parent,adolescent\\n0,Neutral,Neutral\\n1,Humor,Neutral\\n")
    >>> read_codes(f).columns.tolist()
    ['time_s', 'parent', 'adolescent']
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    table = pd.read_csv(path, sep=sep)
    lower = {str(c).lower().strip(): c for c in table.columns}
    if time_column is None:
        time_column = next((lower[n] for n in _TIME_NAMES if n in lower), None)
    if time_column not in table.columns:
        raise ValueError(
            f"{path}: no time column; expected one named {_TIME_NAMES} (or pass "
            f"time_column), got columns {list(table.columns)}."
        )
    codes = [c for c in table.columns if c != time_column]
    if len(codes) != 2:
        raise ValueError(
            f"{path}: expected a time column and exactly two code columns (one per partner), "
            f"got {codes}."
        )
    times = pd.to_numeric(table[time_column], errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise ValueError(f"{path}: column {time_column!r} must hold seconds; row {row} does not.")
    out = pd.DataFrame({"time_s": times.astype(float), codes[0]: table[codes[0]],
                        codes[1]: table[codes[1]]})
    out.attrs["id"] = path.stem
    return out
