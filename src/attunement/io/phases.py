"""Phase and annotation tables (onset, duration, label), e.g. play / still-face / reunion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..session import validate_phases
from ._files import check_file

_ONSET = ("onset_s", "onset", "start_s", "start", "begin")
_DURATION = ("duration_s", "duration", "dur")
_OFFSET = ("offset_s", "offset", "end_s", "end", "stop")
_LABEL = ("label", "phase", "description", "annotation", "name")


def read_phases(path: str | Path) -> pd.DataFrame:
    """Read a phase table from CSV or TSV.

    Columns are matched case-insensitively: an onset (``onset_s``, ``onset``,
    ``start``), either a duration (``duration_s``, ``duration``) or an offset
    (``offset_s``, ``offset``, ``end``), and a label (``label``, ``phase``,
    ``description``). All times in seconds.

    Returns
    -------
    DataFrame
        ``onset_s``, ``duration_s``, ``label``, sorted by onset.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "phases.csv"
    >>> _ = f.write_text("phase,start,end\\nplay,0,120\\nstill-face,120,240\\n")
    >>> read_phases(f)
       onset_s  duration_s       label
    0      0.0       120.0        play
    1    120.0       120.0  still-face
    """
    path = check_file(path)
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    table = pd.read_csv(path, sep=sep)
    lower = {c.lower().strip(): c for c in table.columns}
    onset = _find(lower, _ONSET)
    label = _find(lower, _LABEL)
    duration = _find(lower, _DURATION)
    offset = _find(lower, _OFFSET)
    if onset is None or label is None or (duration is None and offset is None):
        raise ValueError(
            f"{path}: a phase table needs an onset column (one of {_ONSET}), a duration "
            f"(one of {_DURATION}) or offset (one of {_OFFSET}) column, and a label column "
            f"(one of {_LABEL}); got {list(table.columns)}."
        )
    out = pd.DataFrame({"onset_s": table[onset], "label": table[label]})
    if duration is not None:
        out["duration_s"] = table[duration]
    else:
        on = pd.to_numeric(table[onset], errors="coerce")
        out["duration_s"] = pd.to_numeric(table[offset], errors="coerce") - on
        bad = out["duration_s"].isna() & table[offset].notna() & on.notna()
        if bad.any():
            raise ValueError(f"{path}: column {offset!r} must hold numbers (seconds).")
    return validate_phases(out, str(path))


def _find(lower: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in lower:
            return lower[name]
    return None
