"""rMEA's "2 differing values" rule, screened compiled (numba; the ``fast`` extra): running
counts of the units (or sub-blocks, with a unit of one sample) whose raw sums may differ,
offsets innermost; with units of several samples the cells where fewer than 2 may differ
come straight out, without the (series, windows, offsets) arrays of ``_wcc_core.few_differ``
(the NumPy reference)."""

from __future__ import annotations

import numpy as np

from .._jit import ensure_compiled, jit


@jit()
def _count(cu, cv, tol, g, a0, nb, n_units, count):
    """``count[j, b]``: how many of the first ``j`` units' sums differ by more than ``tol``
    at offset ``a0 + b`` (running counts, offsets innermost)."""
    for j in range(n_units):
        c, before, now = cu[j], count[j], count[j + 1]
        v = cv[j * g + a0 : j * g + a0 + nb]
        for b in range(nb):
            now[b] = before[b] + (abs(c - v[b]) > tol)


@jit()
def _few_differ_rows(cu, cv, tol, g, inside, first, last, n_units, a0, nb, rows):
    """``rows[s, b]``: some window may hold at most 1 differing whole sub-block among the
    ``inside`` after the one it starts in (sub-blocks ``first`` to ``last``)."""
    count = np.zeros((n_units + 1, nb), dtype=np.int32)
    for s in range(cu.shape[0]):
        _count(cu[s], cv[s], tol, g, a0, nb, n_units, count)
        for j in range(first, last + 1):
            low, high = count[j + 1], count[j + 1 + inside]
            for b in range(nb):
                if high[b] - low[b] <= 1:
                    rows[s, b] = True


def few_differ_rows(screen, a0: int, a1: int, lay) -> np.ndarray:
    """The (series, offset ``a0 + b``) rows (S, a1 - a0) where a window may hold fewer than
    2 differing pairs, screened by sub-blocks with a unit of one sample: equal to
    ``_wcc_core.few_differ`` in that case."""
    ensure_compiled()
    cu, cv, tol, g = screen
    n_units = (int(lay.starts[-1]) + lay.win) // g
    rows = np.zeros((len(cu), a1 - a0), dtype=bool)
    _few_differ_rows(np.ascontiguousarray(cu), np.ascontiguousarray(cv), tol, g,
                     lay.win // g - 1, int(lay.starts[0]) // g, int(lay.starts[-1]) // g,
                     n_units, a0, a1 - a0, rows)
    return rows


@jit()
def _few_differ(cu, cv, tol, g, q, starts, fast, a0, nb):
    """(series, window, b) of the ``fast`` windows where fewer than 2 units of ``g`` may
    differ at offset ``a0 + b`` (the screen of ``_wcc_core.few_differ``, unit > 1)."""
    n_units = (starts[-1] + q * g) // g
    count = np.zeros((n_units + 1, nb), dtype=np.int32)
    found = np.empty((64, 3), dtype=np.int64)
    n = 0
    for s in range(cu.shape[0]):
        _count(cu[s], cv[s], tol, g, a0, nb, n_units, count)
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
