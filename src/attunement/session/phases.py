"""A session's phases: a table of onset, duration and label (seconds), like MNE's
``Annotations``."""

from __future__ import annotations

import numpy as np
import pandas as pd

PHASE_COLUMNS = ["onset_s", "duration_s", "label"]


def empty_phases() -> pd.DataFrame:
    """An empty phases table with the right columns and dtypes."""
    return pd.DataFrame(
        {
            "onset_s": pd.Series(dtype=float),
            "duration_s": pd.Series(dtype=float),
            "label": pd.Series(dtype=object),
        }
    )


def validate_phases(phases: pd.DataFrame | None, source: str = "phases") -> pd.DataFrame:
    """Check a phases table (``onset_s``, ``duration_s``, ``label``) and return a clean copy.

    Parameters
    ----------
    phases : DataFrame or None
        One row per phase. ``None`` gives an empty table.
    source : str
        Named in error messages (a file name, or ``'phases'``).

    Examples
    --------
    >>> validate_phases(pd.DataFrame({"onset_s": [0, 120], "duration_s": [120, 120],
    ...                               "label": ["play", "still-face"]}))
       onset_s  duration_s       label
    0      0.0       120.0        play
    1    120.0       120.0  still-face
    """
    if phases is None:
        return empty_phases()
    if not isinstance(phases, pd.DataFrame):
        raise ValueError(f"{source}: expected a DataFrame with columns {PHASE_COLUMNS}.")
    missing = [c for c in PHASE_COLUMNS if c not in phases.columns]
    if missing:
        raise ValueError(
            f"{source}: missing column(s) {missing}; expected {PHASE_COLUMNS}, "
            f"got {list(phases.columns)}."
        )
    out = phases[PHASE_COLUMNS].copy()
    for col in ("onset_s", "duration_s"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{source}: column {col!r} must hold finite numbers; row {row} has "
                f"{phases[col].iloc[row]!r}."
            )
        out[col] = values.astype(float)
    if (out["duration_s"] < 0).any():
        row = int(np.flatnonzero((out["duration_s"] < 0).to_numpy())[0])
        raise ValueError(f"{source}: 'duration_s' must be >= 0; row {row} is negative.")
    out["label"] = out["label"].astype(str)
    return out.sort_values("onset_s", kind="stable").reset_index(drop=True)
