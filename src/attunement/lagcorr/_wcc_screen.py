"""rMEA's "2 differing values" rule with units of several samples, screened compiled
(numba; the ``fast`` extra): running counts of the units whose raw sums may differ, offsets
innermost, and the cells where fewer than 2 may differ straight out, without the (series,
windows, offsets) arrays of ``_wcc_core.few_differ`` (the NumPy reference)."""

from __future__ import annotations

import numpy as np

from .._jit import ensure_compiled, jit


@jit()
def _few_differ(cu, cv, tol, g, q, starts, fast, a0, nb):
    """(series, window, b) of the ``fast`` windows where fewer than 2 units of ``g`` may
    differ at offset ``a0 + b`` (the screen of ``_wcc_core.few_differ``, unit > 1)."""
    n_units = (starts[-1] + q * g) // g
    count = np.zeros((n_units + 1, nb), dtype=np.int32)  # running counts, offsets inner
    found = np.empty((64, 3), dtype=np.int64)
    n = 0
    for s in range(cu.shape[0]):
        for j in range(n_units):
            c, before, now = cu[s, j], count[j], count[j + 1]
            v = cv[s, j * g + a0 : j * g + a0 + nb]
            for b in range(nb):
                now[b] = before[b] + (abs(c - v[b]) > tol)
        for w in range(starts.shape[0]):
            k = starts[w] // g
            if not fast[s, w]:
                continue
            first, last = count[k], count[k + q]
            few = 0
            for b in range(nb):
                few += last[b] - first[b] <= 1
            if few == 0:
                continue
            for b in range(nb):
                if last[b] - first[b] <= 1:
                    if n == found.shape[0]:
                        found = np.concatenate((found, np.empty_like(found)))
                    found[n, 0], found[n, 1], found[n, 2] = s, w, b
                    n += 1
    return found[:n]


def few_differ_cells(screen, a0: int, a1: int, lay, fast: np.ndarray) -> tuple:
    """Indices (series, window, b) of the cells of windows ``fast`` where rMEA's "2 differing
    values" rule may apply at offsets ``a0 + b < a1``, screened by units of ``g > 1``
    samples (``screen``: one of ``_wcc_core.rule_screens``); equal to ``np.nonzero`` of
    ``_wcc_core.few_differ`` in ``fast`` windows, without its (S, windows, offsets) arrays."""
    ensure_compiled()
    cu, cv, tol, g = screen
    found = _few_differ(np.ascontiguousarray(cu), np.ascontiguousarray(cv), tol, g,
                        lay.win // g, np.ascontiguousarray(lay.starts, np.int64),
                        np.ascontiguousarray(fast), a0, a1 - a0)
    return found[:, 0], found[:, 1], found[:, 2]
