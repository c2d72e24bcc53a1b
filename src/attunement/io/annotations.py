"""Coded annotations (onset, offset, label, tier, coder): human coding or detected episodes.

CSV or TSV only in this version (ELAN and BORIS exports come with the fuller reader). An
``episodes.csv`` written by ``attune episodes`` reads as annotations too: its ``kind``
column (attuned / rupture) is the label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._files import check_file
from .phases import _DURATION, _LABEL, _OFFSET, _ONSET, _find

#: The columns of an annotation table, in order.
ANNOTATION_COLUMNS = ["onset_s", "offset_s", "label", "tier", "coder"]


def read_annotations(path: str | Path, *, coder: str | None = None) -> pd.DataFrame:
    """Read a table of coded stretches from CSV or TSV.

    Columns are matched case-insensitively: an onset (``onset_s``, ``onset``, ``start``),
    an offset (``offset_s``, ``offset``, ``end``) or a duration (``duration_s``), a label
    (``label``, ...; ``kind`` as written by ``attune episodes``), and optionally ``tier``
    and ``coder``. All times in seconds.

    Parameters
    ----------
    path : str or Path
        The table.
    coder : str, optional
        The coder's name for every row (overrides a ``coder`` column); default the
        ``coder`` column, else the file name without extension.

    Returns
    -------
    DataFrame
        ``onset_s``, ``offset_s`` (float), ``label``, ``tier`` and ``coder`` (strings;
        ``tier`` NA when the file has none), sorted by onset.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "coder_a.csv"
    >>> _ = f.write_text("start,end,label\\n0,2.5,match\\n4,6,mismatch\\n")
    >>> read_annotations(f)
       onset_s  offset_s     label  tier    coder
    0      0.0       2.5     match  <NA>  coder_a
    1      4.0       6.0  mismatch  <NA>  coder_a
    """
    path = check_file(path)
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    try:
        table = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise ValueError(f"{path}: not a readable CSV/TSV table ({err}).") from None
    lower = {str(c).lower().strip(): c for c in table.columns}
    onset = _find(lower, _ONSET)
    label = _find(lower, _LABEL + ("kind",))
    offset, duration = _find(lower, _OFFSET), _find(lower, _DURATION)
    if onset is None or label is None or (offset is None and duration is None):
        raise ValueError(
            f"{path}: an annotation table needs an onset column (one of {_ONSET}), an offset "
            f"(one of {_OFFSET}) or duration (one of {_DURATION}) column, and a label column "
            f"(one of {_LABEL + ('kind',)}); got {list(table.columns)}."
        )
    on = _seconds(table[onset], path, onset)
    off = (_seconds(table[offset], path, offset) if offset is not None
           else on + _seconds(table[duration], path, duration))
    bad = np.flatnonzero(off < on)
    if len(bad):
        raise ValueError(f"{path}: row {int(bad[0]) + 1}: the offset ({off[bad[0]]}) is before "
                         f"the onset ({on[bad[0]]}); expected offset >= onset.")
    labels = table[label].astype("string")
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0]) + 1
        raise ValueError(f"{path}: column {label!r} is empty in row {row}; every coded "
                         "stretch needs a label.")
    tier_col, coder_col = _find(lower, ("tier",)), _find(lower, ("coder", "observer"))
    if coder is not None:
        coders = pd.Series(str(coder), index=table.index, dtype="string")
    elif coder_col is not None:
        coders = table[coder_col].astype("string").fillna(path.stem)
    else:
        coders = pd.Series(path.stem, index=table.index, dtype="string")
    out = pd.DataFrame({
        "onset_s": on, "offset_s": off, "label": labels.str.strip(),
        "tier": (table[tier_col].astype("string") if tier_col is not None
                 else pd.Series(pd.NA, index=table.index, dtype="string")),
        "coder": coders,
    })
    return out.sort_values("onset_s", kind="stable").reset_index(drop=True)


def _seconds(column: pd.Series, path: Path, name: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise ValueError(f"{path}: column {name!r} must hold numbers (seconds); row "
                         f"{int(bad[0]) + 1} has {column.iloc[bad[0]]!r}.")
    return values
