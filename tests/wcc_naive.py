"""rMEA's rules for the windowed lagged cross-correlation restated cell by cell with
``np.corrcoef``: the independent reference of test_sync_lagged and test_wcc_masked."""

from __future__ import annotations

import numpy as np


def naive_wcc(x, y, win, lag, starts):
    """rMEA's rules cell by cell: span of win + lag from each start; lag k >= 0 pairs x[t]
    with y[t + k]; NaN if more than half of a span is missing, fewer than 2 complete pairs
    differ, or a side is constant; Pearson r (np.corrcoef) over complete pairs."""
    out = np.full((len(starts), 2 * lag + 1), np.nan)
    for i, s in enumerate(starts):
        span = slice(s, s + win + lag)
        if max(np.isnan(x[span]).sum(), np.isnan(y[span]).sum()) > (win + lag) / 2:
            continue
        for j, k in enumerate(range(-lag, lag + 1)):
            a = x[s + max(0, -k) : s + max(0, -k) + win]
            b = y[s + max(0, k) : s + max(0, k) + win]
            ok = ~np.isnan(a) & ~np.isnan(b)
            a, b = a[ok], b[ok]
            if (a != b).sum() < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
                continue
            out[i, j] = np.corrcoef(a, b)[0, 1]
    return out
