"""Recorded stretches and gaps of a signal with missing samples."""

from __future__ import annotations

import numpy as np
import pandas as pd

GAP_COLUMNS = ["onset_s", "duration_s", "reason"]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start and stop (exclusive) of each run of True in ``mask``.

    Examples
    --------
    >>> runs(np.array([0, 1, 1, 0, 1], dtype=bool))
    [(1, 3), (4, 5)]
    """
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def segment_bounds(missing: np.ndarray, min_len: int):
    """Recorded stretches of at least ``min_len`` samples, and the gaps between them.

    Returns ``(bounds, gaps)``: ``bounds`` lists ``(start, stop)`` sample indices;
    ``gaps`` lists ``(start, stop, reason)`` with reason ``'missing'`` (NaN samples)
    or ``'short_segment'`` (a recorded stretch shorter than ``min_len``).

    Examples
    --------
    >>> m = np.array([0, 0, 0, 1, 0, 1, 0, 0, 0], dtype=bool)
    >>> segment_bounds(m, 2)
    ([(0, 3), (6, 9)], [(3, 4, 'missing'), (4, 5, 'short_segment'), (5, 6, 'missing')])
    """
    bounds, gaps = [], [(a, b, "missing") for a, b in runs(missing)]
    for a, b in runs(~np.asarray(missing, dtype=bool)):
        if b - a >= max(min_len, 1):
            bounds.append((a, b))
        else:
            gaps.append((a, b, "short_segment"))
    return bounds, sorted(gaps)


def gap_table(gaps) -> pd.DataFrame:
    """Gaps as a table with ``onset_s``, ``duration_s``, ``reason``, sorted by onset."""
    table = pd.DataFrame(list(gaps), columns=GAP_COLUMNS)
    table = table.astype({"onset_s": float, "duration_s": float, "reason": object})
    return table.sort_values("onset_s", kind="stable").reset_index(drop=True)
