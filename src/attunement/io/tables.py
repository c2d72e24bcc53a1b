"""Tables (CSV, TSV, Parquet) in wide or long format, read as Sessions."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from ..session import META_KEY, Session, session_from_parquet_header
from ._files import check_file
from ._sniff import head_bytes, is_parquet, mea_layout, read_text, table_delimiter
from ._time import (
    column_unit,
    find_time_column,
    inferred_rate,
    irregular,
    regular_grid,
    times_in_seconds,
)

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
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
    time_unit: str = "auto",
    resample: float | None = None,
    rate_only_if_missing: bool = False,
) -> Session:
    """Read a delimited text table (CSV, TSV, ``;`` or ``|``, sniffed) or Parquet as a Session.

    Wide layout: an optional time column and one column per partner and channel, named
    ``<partner>_<channel>`` (e.g. ``caregiver_smile``), or just the two partners' names
    (one channel, ``signal``), or mapped explicitly with ``columns``. Long layout:
    columns ``time_s``, ``partner``, ``channel``, ``value``. A Parquet file written by
    :meth:`Session.to_parquet` comes back whole (phases and meta included). ``inf`` cells
    are missing values, counted as such.

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
        Name of the time column. By default the first column named ``time``, ``Time``,
        ``time_s``, ``time_ms``, ``Time (ms)``, ``timestamp``, ``seconds`` or ``t``.
    layout : {'auto', 'wide', 'long'}
        'auto' chooses long when the columns partner, channel and value are present.
    id : str, optional
        Session id; defaults to the file name without extension.
    time_unit : {'auto', 's', 'ms'}
        Unit of the time column; 'auto' reads it from the name (``_ms``, ``(ms)``:
        milliseconds; otherwise seconds, refused when that gives an implausible rate).
    resample : float, optional
        Hz: put an irregular clock (jitter, gaps) on a regular grid by linear
        interpolation; gaps longer than two median steps stay missing and are reported.
    rate_only_if_missing : bool
        Use ``sampling_rate`` only when the file carries no time (as the CLI's
        ``--sampling-rate`` does) instead of checking it against the time column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dyad.csv"
    >>> _ = f.write_text("time_ms,mother_smile,infant_smile\\n"
    ...                  "0,0.1,0.0\\n500,0.2,inf\\n1000,0.3,0.3\\n")
    >>> s = read_table(f)
    >>> s, s.missing_report().n_missing.tolist()
    (<Session 'dyad': mother & infant, channels ['smile'], 3 samples at 2 Hz (1.5 s)>, [0, 1])
    """
    path = check_file(path)
    check_option(layout, "layout", ["auto", "wide", "long"])
    sid = id if id is not None else path.stem
    table, header = _load(path)
    if header is not None:
        return session_from_parquet_header(table, header)
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise ValueError(f"{path}: the table has no rows.")
    if layout == "long" or (layout == "auto" and set(_LONG_COLUMNS) <= set(table.columns)):
        named = time_col or find_time_column(table.columns)[0]
        if time_unit == "auto" and named is not None and column_unit(named) == "ms":
            time_unit = "ms"
        table, time_col = _long_to_wide(table, path, time_col), "time_s"
    elif time_col is None:
        time_col = find_time_column(table.columns)[0]
    elif time_col not in table.columns:
        raise ValueError(f"{path}: no column {time_col!r}; columns are {list(table.columns)}.")
    if rate_only_if_missing and time_col is not None:
        sampling_rate = None
    mapping = _map_columns(table, path, partners, columns, exclude=time_col)
    signals = _numeric(table[list(mapping)], path)
    signals.columns = pd.MultiIndex.from_tuples(list(mapping.values()))
    sr, meta = _clock(table, signals, path, time_col, time_unit, sampling_rate, resample)
    if "gaps" in meta:
        signals = meta.pop("frame")
    elif time_col is not None:
        signals.index = meta.pop("times")
    order = partners if partners and set(partners) <= {p for p, _ in mapping.values()} else \
        list(dict.fromkeys(p for p, _ in mapping.values()))
    try:
        return Session(signals, sr, partners=order, id=sid,
                       meta={"source": str(path), **meta})
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _numeric(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Signal columns as floats; ``inf`` becomes missing (logged, counted)."""
    out = {}
    for col in frame.columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{path}: column {col!r} holds a non-numeric value "
                             f"{frame[col].iloc[row]!r} at row {row}; expected numbers.")
        out[col] = values.to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(out, columns=frame.columns, index=frame.index)


def _clock(table, signals, path, time_col, time_unit, sampling_rate, resample):
    """The session's rate and how it was set (``meta``: times, or a resampled frame)."""
    if time_col is None:
        if sampling_rate is None:
            raise ValueError(
                f"{path}: no time column (looked for names like time, Time, time_s, "
                "time_ms, timestamp); give 'sampling_rate' in Hz."
            )
        rate = check_positive(sampling_rate, "sampling_rate")
        if resample is not None:
            times = np.arange(len(signals)) / rate
            frame = regular_grid(times, signals, resample, path)
            return float(resample), {"frame": frame, "gaps": frame.attrs["gaps"]}
        return rate, {}
    times = times_in_seconds(table[time_col], path, time_col, time_unit)
    unit = column_unit(time_col) if time_unit == "auto" else time_unit
    inferred = inferred_rate(times, path, time_col,
                             "auto" if time_unit == "auto" and unit == "s" else unit)
    if resample is not None:
        frame = regular_grid(times, signals, resample, path)
        return float(resample), {"frame": frame, "gaps": frame.attrs["gaps"],
                                 "resampled_from_hz": inferred}
    if irregular(times, inferred):
        step = np.diff(times)
        raise ValueError(
            f"{path}: column {time_col!r} is not a regular clock (steps {step.min():g} to "
            f"{step.max():g} s, median {np.median(step):g} s); give a rate to resample to "
            "('resample', in Hz): gaps stay missing and are reported."
        )
    if sampling_rate is not None:
        given = check_positive(sampling_rate, "sampling_rate")
        if abs(given - inferred) > 1e-3 * given:
            raise ValueError(
                f"{path}: 'sampling_rate' is {given:g} Hz but column {time_col!r} is sampled "
                f"at {inferred:g} Hz."
            )
        inferred = given
    return inferred, {"times": times}


def _load(path: Path) -> tuple[pd.DataFrame, dict | None]:
    if is_parquet(head_bytes(path, 4)):
        import pyarrow.parquet as pq

        try:
            t = pq.read_table(path)
        except Exception as err:  # pyarrow raises several types for broken files
            raise ValueError(f"{path}: not a readable Parquet file ({err}).") from None
        meta = (t.schema.metadata or {}).get(META_KEY)
        return t.to_pandas(), (json.loads(meta) if meta else None)
    text = read_text(path)
    sep = table_delimiter(text)
    if sep is None:
        if mea_layout(text):
            sep = r"\s+"
        else:
            raise ValueError(f"{path}: not a table: no delimiter (',', tab, ';', '|') gives "
                             "the same number of fields (at least 2) on every row.")
    try:
        return pd.read_csv(io.StringIO(text), sep=sep), None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file has no header or rows.") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"{path}: rows have different numbers of fields ({err}).") from None


def _long_to_wide(table: pd.DataFrame, path: Path, time_col: str | None) -> pd.DataFrame:
    time_col = time_col or find_time_column(table.columns)[0]
    missing = [c for c in _LONG_COLUMNS if c not in table.columns]
    if time_col is None or missing:
        raise ValueError(
            f"{path}: a long table needs a time column (time_s, time, ...) and the "
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
    if partners is not None and (len(partners) != 2 or partners[0] == partners[1]):
        raise ValueError(f"{path}: 'partners' must be two distinct names, got {partners!r}.")
    plain = len(candidates) == 2 and not any("_" in str(c) for c in candidates)
    if plain and candidates[0] != candidates[1]:
        # Two columns, one per partner (as R's write.table header "pat" "th"): the
        # header names the partners, unless 'partners' renames them in order.
        names = partners if partners is not None and not set(partners) & set(candidates) \
            else candidates
        return {c: (str(n), "signal") for c, n in zip(candidates, names, strict=True)}
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
