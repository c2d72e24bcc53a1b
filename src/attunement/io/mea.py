"""Motion Energy Analysis (MEA) text files, read as rMEA's ``readMEA`` reads them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..session import Session
from ._files import check_file, list_folder
from ._sniff import read_text


def read_mea(
    path: str | Path,
    sampling_rate: float,
    s1_col: int | Sequence[int] = 1,
    s2_col: int | Sequence[int] = 2,
    partners: Sequence[str] | None = None,
    channel: str = "motion",
    skip: int | None = None,
    id: str | None = None,
) -> Session | list[Session]:
    """Read a Motion Energy Analysis text file (or a folder of them).

    The file is whitespace-separated numbers, one row per video frame, optionally
    preceded by a header line (quoted or not, CRLF or LF line ends, row names as R's
    ``write.table`` writes them); ``NA`` marks a missing value. The file's name does not
    matter (``.txt``, ``.csv``, ...). As in rMEA's
    ``readMEA(sampRate, s1Col, s2Col, skip)``, column numbers are **1-based** and
    several columns per partner (regions such as head and body) are summed.

    Parameters
    ----------
    path : str or Path
        A file, or a folder: every ``.txt`` file in it, in sorted order.
    sampling_rate : float
        Frames per second of the video the file came from (MEA files do not carry it).
    s1_col, s2_col : int or sequence of int
        1-based column(s) of partner 1 and partner 2, summed when several.
    partners : pair of str, optional
        Role names, e.g. ``("patient", "therapist")``. By default the header's names of
        the two columns (R ``write.table`` writes ``"pat" "th"``), else
        ``("partner_1", "partner_2")`` as :meth:`Session.from_arrays` (rMEA's s1/s2 are
        column positions, not names of partners).
    channel : str
        The channel name given to the series.
    skip : int, optional
        Lines to skip at the top. By default a first line that is not numeric is
        taken as a header and skipped.
    id : str, optional
        Session id; defaults to the file name without extension.

    Returns
    -------
    Session, or list of Session for a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dyad_01.txt"
    >>> _ = f.write_text('"pat" "th"\\n10 20\\n11 NA\\n12 22\\n')
    >>> s = read_mea(f, sampling_rate=25)
    >>> s.id, s.partners, s.n_samples, s.missing_report().n_missing.tolist()
    ('dyad_01', ('pat', 'th'), 3, [0, 1])
    """
    path = Path(path)
    if path.is_dir():
        return [
            read_mea(f, sampling_rate, s1_col, s2_col, partners, channel, skip)
            for f in list_folder(path, (".txt",), "MEA text files")
        ]
    path = check_file(path)
    table, header = _read_numeric_table(path, skip)
    s1 = _sum_columns(table, s1_col, path, "s1_col")
    s2 = _sum_columns(table, s2_col, path, "s2_col")
    if partners is None:
        partners = _header_partners(header, s1_col, s2_col) or ("partner_1", "partner_2")
    elif len(partners) != 2 or partners[0] == partners[1]:
        raise ValueError(f"{path}: 'partners' must be two distinct names, got {partners!r}.")
    try:
        return Session.from_arrays(
            s1,
            s2,
            sampling_rate=sampling_rate,
            partners=partners,
            channel=channel,
            id=id if id is not None else path.stem,
            meta={"source": str(path), "format": "mea"},
        )
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _read_numeric_table(path: Path, skip: int | None) -> tuple[pd.DataFrame, list[str]]:
    """The numbers of the file and its header's names (empty without a header)."""
    lines = read_text(path).splitlines()
    first = lines[0].split() if lines else []
    if skip is None:
        skip = 0 if all(_is_number(tok) for tok in first) else 1
    header = [t.strip('"') for t in first] if skip == 1 else []
    body = "\n".join(lines[skip:])
    fast = _all_numbers(body)
    if fast is not None:
        if header and fast.shape[1] == len(header) + 1:  # write.table's row names
            fast = fast.iloc[:, 1:]
        return fast, header
    try:
        table = pd.read_csv(
            io.StringIO(body), sep=r"\s+", header=None, dtype=str, keep_default_na=False,
        )
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: no data rows after skipping {skip} line(s).") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"{path}: rows have different numbers of columns ({err}).") from None
    table = table.apply(lambda col: col.str.strip('"'))
    if header and table.shape[1] == len(header) + 1:  # write.table's row names
        table = table.iloc[:, 1:]
    numeric = table.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & ~table.isin(["NA", "NaN", "nan", ""])
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise ValueError(
            f"{path}: non-numeric value {table.iat[row, col]!r} at line {row + skip + 1}, "
            f"column {col + 1}; expected numbers or NA."
        )
    return numeric.astype(float), header


def _all_numbers(body: str) -> pd.DataFrame | None:
    """The table parsed as floats when every cell is a number or NA (the common case);
    None otherwise, and the careful path finds the cell to name."""
    try:
        table = pd.read_csv(io.StringIO(body), sep=r"\s+", header=None,
                            na_values=["NA", "NaN", "nan"], keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    if not all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
               for t in table.dtypes):
        return None
    return table.astype(float)


def _header_partners(header: list[str], s1_col, s2_col) -> tuple[str, str] | None:
    cols = (s1_col, s2_col)
    if not header or not all(isinstance(c, (int, np.integer)) and 1 <= c <= len(header)
                             for c in cols):
        return None
    names = (header[s1_col - 1], header[s2_col - 1])
    return names if names[0] and names[0] != names[1] else None


def _sum_columns(table: pd.DataFrame, cols, path: Path, name: str) -> np.ndarray:
    cols = [cols] if isinstance(cols, (int, np.integer)) else list(cols)
    n = table.shape[1]
    for c in cols:
        if not isinstance(c, (int, np.integer)) or not 1 <= c <= n:
            raise ValueError(
                f"{path}: {name}={c!r} is not a column; the file has {n} column(s), "
                "numbered from 1 as in rMEA."
            )
    # NaN propagates: a region that is missing makes the sum missing.
    return table.iloc[:, [c - 1 for c in cols]].to_numpy().sum(axis=1)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return token == "NA"
    return True
