"""Tables (CSV, TSV, Parquet) in wide or long format, read as Sessions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from ..session import _META_KEY, Session, session_from_parquet_header
from ._files import check_file

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
_TIME_NAMES = ("time_s", "time", "t", "timestamp_s", "seconds")
_LONG_COLUMNS = ("partner", "channel", "value")


def read_table(
    path: str | Path,
    sampling_rate: float | None = None,
    partners: Sequence[str] | None = None,
    columns: Mapping[str, tuple[str, str]] | None = None,
    time_col: str | None = None,
    layout: str = "auto",
    id: str | None = None,
    *,
    rate_only_if_missing: bool = False,
) -> Session:
    """Read a CSV, TSV or Parquet table as a Session.

    Wide layout: an optional time column (``time_s``/``time``, in seconds) and one
    column per partner and channel, named ``<partner>_<channel>`` (e.g.
    ``caregiver_smile``) or mapped explicitly with ``columns``. Long layout: columns
    ``time_s``, ``partner``, ``channel``, ``value``. A Parquet file written by
    :meth:`Session.to_parquet` comes back whole (phases and meta included).

    Parameters
    ----------
    path : str or Path
        The table.
    sampling_rate : float, optional
        Needed when there is no time column; otherwise inferred from it (and
        checked against this value when both are given).
    partners : pair of str, optional
        Role names; columns starting with ``<partner>_`` belong to that partner.
        When omitted, the part before the first ``_`` must name exactly two partners.
    columns : mapping, optional
        Explicit ``{column: (partner, channel)}``; other columns are ignored.
    time_col : str, optional
        Name of the time column (seconds).
    layout : {'auto', 'wide', 'long'}
        'auto' chooses long when the columns partner, channel and value are present.
    id : str, optional
        Session id; defaults to the file name without extension.
    rate_only_if_missing : bool
        Use ``sampling_rate`` only when the file carries no time (as the CLI's
        ``--sampling-rate`` does) instead of checking it against the time column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dyad.csv"
    >>> _ = f.write_text("time_s,mother_smile,infant_smile\\n"
    ...                  "0,0.1,0.0\\n0.5,0.2,0.1\\n1.0,0.3,0.3\\n")
    >>> read_table(f)
    <Session 'dyad': mother & infant, channels ['smile'], 3 samples at 2 Hz (1.5 s)>
    """
    path = check_file(path)
    check_option(layout, "layout", ["auto", "wide", "long"])
    sid = id if id is not None else path.stem
    table, header = _load(path)
    if header is not None:
        return session_from_parquet_header(table, header)
    if rate_only_if_missing and _has_time(table, layout, time_col):
        sampling_rate = None
    if table.empty:
        raise ValueError(f"{path}: the table has no rows.")
    if layout == "long" or (layout == "auto" and set(_LONG_COLUMNS) <= set(table.columns)):
        table = _long_to_wide(table, path, time_col)
        time_col = "time_s"
    time_col = time_col or next((c for c in _TIME_NAMES if c in table.columns), None)
    if time_col is not None and time_col not in table.columns:
        raise ValueError(f"{path}: no column {time_col!r}; columns are {list(table.columns)}.")
    mapping = _map_columns(table, path, partners, columns, exclude=time_col)
    signals = table[list(mapping)].copy()
    signals.columns = pd.MultiIndex.from_tuples(list(mapping.values()))
    sr = _sampling_rate(table, path, time_col, sampling_rate)
    if time_col is not None:
        signals.index = pd.to_numeric(table[time_col], errors="raise").to_numpy(dtype=float)
    order = partners or list(dict.fromkeys(p for p, _ in mapping.values()))
    try:
        return Session(signals, sr, partners=order, id=sid, meta={"source": str(path)})
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _has_time(table: pd.DataFrame, layout: str, time_col: str | None) -> bool:
    if time_col is not None:
        return True
    return any(c in table.columns for c in _TIME_NAMES)


def _load(path: Path) -> tuple[pd.DataFrame, dict | None]:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            t = pq.read_table(path)
        except Exception as err:  # pyarrow raises several types for broken files
            raise ValueError(f"{path}: not a readable Parquet file ({err}).") from None
        meta = (t.schema.metadata or {}).get(_META_KEY)
        return t.to_pandas(), (json.loads(meta) if meta else None)
    sep = "\t" if suffix in (".tsv", ".tab") else ","
    try:
        return pd.read_csv(path, sep=sep), None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file has no header or rows.") from None


def _long_to_wide(table: pd.DataFrame, path: Path, time_col: str | None) -> pd.DataFrame:
    time_col = time_col or next((c for c in _TIME_NAMES if c in table.columns), None)
    missing = [c for c in _LONG_COLUMNS if c not in table.columns]
    if time_col is None or missing:
        raise ValueError(
            f"{path}: a long table needs a time column (one of {_TIME_NAMES}) and the "
            f"columns {list(_LONG_COLUMNS)}; got {list(table.columns)}."
        )
    dup = table.duplicated([time_col, "partner", "channel"])
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise ValueError(f"{path}: row {row} repeats a (time, partner, channel) combination.")
    wide = table.pivot(index=time_col, columns=["partner", "channel"], values="value")
    wide = wide.sort_index()
    mapping = {f"{p}_{c}": (str(p), str(c)) for p, c in wide.columns}
    wide.columns = list(mapping)
    wide = wide.reset_index().rename(columns={time_col: "time_s"})
    wide.attrs["long_map"] = mapping
    return wide


def _map_columns(table, path, partners, columns, exclude) -> dict[str, tuple[str, str]]:
    if columns is not None:
        absent = [c for c in columns if c not in table.columns]
        if absent:
            raise ValueError(
                f"{path}: column(s) {absent} not found; columns are {list(table.columns)}."
            )
        return {c: (str(p), str(ch)) for c, (p, ch) in columns.items()}
    if "long_map" in table.attrs:
        return table.attrs["long_map"]
    candidates = [c for c in table.columns if c != exclude]
    mapping: dict[str, tuple[str, str]] = {}
    if partners is not None:
        for col in candidates:
            for p in partners:
                if str(col).startswith(f"{p}_") and len(str(col)) > len(p) + 1:
                    mapping[col] = (p, str(col)[len(p) + 1 :])
        found = {p for p, _ in mapping.values()}
        if found != set(partners):
            raise ValueError(
                f"{path}: expected columns named '<partner>_<channel>' for partners "
                f"{list(partners)}; found partner(s) {sorted(found)} among {candidates}."
            )
        return mapping
    for col in candidates:
        head, sep, tail = str(col).partition("_")
        if sep and head and tail:
            mapping[col] = (head, tail)
    found = list(dict.fromkeys(p for p, _ in mapping.values()))
    if len(found) != 2 or len(mapping) != len(candidates):
        raise ValueError(
            f"{path}: cannot tell the two partners from the column names {candidates}; name "
            "them '<partner>_<channel>' (e.g. caregiver_smile), or pass 'partners' or "
            "'columns'."
        )
    return mapping


def _sampling_rate(table, path, time_col, sampling_rate) -> float:
    if time_col is None:
        if sampling_rate is None:
            raise ValueError(
                f"{path}: no time column (looked for {_TIME_NAMES}); give 'sampling_rate' "
                "(--sampling-rate) in Hz."
            )
        return check_positive(sampling_rate, "sampling_rate")
    times = pd.to_numeric(table[time_col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(times).any():
        row = int(np.flatnonzero(np.isnan(times))[0])
        raise ValueError(f"{path}: column {time_col!r} row {row} is not a number.")
    if len(times) < 2:
        raise ValueError(f"{path}: at least two rows are needed to infer the sampling rate.")
    inferred = 1.0 / float(np.median(np.diff(times)))
    if sampling_rate is not None:
        given = check_positive(sampling_rate, "sampling_rate")
        if abs(given - inferred) > 1e-3 * given:
            raise ValueError(
                f"{path}: 'sampling_rate' is {given:g} Hz but column {time_col!r} is sampled "
                f"at {inferred:g} Hz."
            )
        return given
    if not np.isfinite(inferred) or inferred <= 0:
        raise ValueError(f"{path}: column {time_col!r} does not increase.")
    return inferred
