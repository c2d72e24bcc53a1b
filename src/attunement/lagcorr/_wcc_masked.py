"""The compiled masked path of the windowed lagged cross-correlation (numba, optional):
r over complete pairs in windows with missing values, as ``_wcc_exact.masked_cells`` (the
NumPy reference, ``engine="numpy"``) computes it.

For each series with such windows, over the stretch from its first to its last one, and at
each offset ``a``: the seven window sums of the pairs ``(u[t], v[t + a])`` (complete pairs,
pairs that differ, and the sums of u, v, u², v² and uv over complete pairs; u and v are 0
where missing) are summed into units of ``g`` samples (g = gcd of window and step, as in
``_wcc_kernel``), then over windows as the suffix of one block of ``win // g`` units plus the
prefix of the next, so that every chain of additions stays inside the window (the rounding
bound of ``_wcc_core`` holds; the counts are exact). Each cell then gets r, rMEA's NaN rules
and the rounding bound of ``masked_cells``: the same formulas, so the cells it marks unsure
are recomputed by the two-pass formula in ``_wcc_core`` as on the NumPy path. Work and
memory: O(n x offsets) per series, no (windows x offsets x samples) temporaries.
"""

from __future__ import annotations

import numpy as np

from .._jit import ensure_compiled, jit
from ._wcc_sums import TOL, Layout, SeriesStats, rounding_factor

#: The sums kept per pair: complete, differing, u, v, u², v², uv.
N_SUMS = 7


@jit()
def _unit_sums(u, v, ok_u, ok_v, raw_u, raw_v, lo, g, a, n_units, val):
    """``val[k, j]``: sum ``k`` of the pairs ``(t, t + a)`` over unit ``j`` (samples
    ``lo + j g`` to ``lo + (j + 1) g - 1``)."""
    for j in range(n_units):
        c = d = su = sv = qu = qv = p = 0.0
        for t in range(lo + j * g, lo + (j + 1) * g):
            x, y = u[t], v[t + a]
            mu, mv = ok_u[t], ok_v[t + a]  # 1.0 or 0.0; x, y are 0.0 where missing
            both = mu * mv
            c += both
            d += both * (raw_u[t] != raw_v[t + a])
            su += x * mv
            sv += y * mu
            qu += x * x * mv
            qv += y * y * mu
            p += x * y
        val[0, j], val[1, j], val[2, j], val[3, j] = c, d, su, sv
        val[4, j], val[5, j], val[6, j] = qu, qv, p


@jit()
def _block_scans(val, q, n_units, suf, pre):
    """Suffix sums of ``val`` within blocks of ``q`` units (``suf``) and prefix sums up to,
    not including, each unit (``pre``, one more column: the end)."""
    for k in range(N_SUMS):
        for j in range(n_units - 1, -1, -1):
            if (j + 1) % q == 0 or j == n_units - 1:
                suf[k, j] = val[k, j]
            else:
                suf[k, j] = val[k, j] + suf[k, j + 1]
        pre[k, 0] = 0.0
        for j in range(1, n_units + 1):
            pre[k, j] = 0.0 if j % q == 0 else pre[k, j - 1] + val[k, j - 1]


@jit()
def _cell(s, factor, tol):
    """r, and whether its rounding bound exceeds ``tol``, from the window sums ``s``; NaN
    where fewer than 2 complete pairs differ (the formulas of ``masked_cells``)."""
    n, differ, t_u, t_v, q_u, q_v, p = s[0], s[1], s[2], s[3], s[4], s[5], s[6]
    ss_u = q_u - t_u * t_u / n
    ss_v = q_v - t_v * t_v / n
    r = (p - t_u * t_v / n) / np.sqrt(ss_u * ss_v)
    if r > 1.0:
        r = 1.0
    elif r < -1.0:
        r = -1.0
    b_u, b_v = q_u / ss_u, q_v / ss_v
    worst = b_u if b_u != b_u or b_u >= b_v else b_v  # NaN wins, as np.maximum
    unsure = not (factor * worst < tol * (1.0 - r * r)) and differ >= 2
    if differ < 2:
        r = np.nan
    return r, unsure


@jit()
def _masked(u_all, v_all, ok_u_all, ok_v_all, raw_u_all, raw_v_all, sel, starts, g, win,
            lag, sign, factor, tol, r, unsure):
    """r and unsure (len(sel), 2 lag + 1) at lags ``sign * a`` for the windows from
    ``starts`` of series ``sel`` (sorted by series)."""
    q = win // g
    first = 0 if sign > 0 else 1
    s_now = np.empty(N_SUMS)
    i0, m = 0, len(sel)
    while i0 < m:
        series = sel[i0]
        i1 = i0
        lo, hi = starts[i0], starts[i0] + win
        while i1 < m and sel[i1] == series:
            lo, hi = min(lo, starts[i1]), max(hi, starts[i1] + win)
            i1 += 1
        n_units = (hi - lo) // g
        val = np.empty((N_SUMS, n_units))
        suf = np.empty((N_SUMS, n_units))
        pre = np.empty((N_SUMS, n_units + 1))
        u, v = u_all[series], v_all[series]
        ok_u, ok_v = ok_u_all[series], ok_v_all[series]
        raw_u, raw_v = raw_u_all[series], raw_v_all[series]
        for a in range(first, lag + 1):
            _unit_sums(u, v, ok_u, ok_v, raw_u, raw_v, lo, g, a, n_units, val)
            _block_scans(val, q, n_units, suf, pre)
            col = lag + sign * a
            for i in range(i0, i1):
                j = (starts[i] - lo) // g
                for k in range(N_SUMS):
                    s_now[k] = suf[k, j] + pre[k, j + q]
                r[i, col], unsure[i, col] = _cell(s_now, factor, tol)
        i0 = i1


def masked_cells(sx: SeriesStats, sy: SeriesStats, lay: Layout, sel: np.ndarray,
                 wsel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """r over complete pairs at every lag for windows ``wsel`` of series ``sel`` (those with
    missing values, ``sel`` sorted): (len(sel), n_lags), and the cells whose rounding bound
    exceeds TOL; compiled, equal to ``_wcc_exact.masked_cells`` within that bound.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.lagcorr import _wcc_exact, _wcc_sums
    >>> x, y = np.random.default_rng(0).normal(size=(2, 1, 300))
    >>> x[0, 40] = np.nan
    >>> lay = _wcc_sums.make_layout(300, 10, 5, 1, 1)
    >>> sx, sy = _wcc_sums.series_stats(np.concatenate([x, y]), lay.win).split(1)
    >>> sel, wsel = np.zeros(3, dtype=int), np.arange(3)
    >>> got, _ = masked_cells(sx, sy, lay, sel, wsel)
    >>> ref, _ = _wcc_exact.masked_cells(sx, sy, lay, sel, wsel)
    >>> bool(np.allclose(got, ref, rtol=0, atol=1e-12))
    True
    """
    ensure_compiled()
    r = np.empty((len(sel), lay.n_lags))
    unsure = np.zeros(r.shape, dtype=bool)
    starts = np.ascontiguousarray(lay.starts[wsel], dtype=np.int64)
    sel = np.ascontiguousarray(sel, dtype=np.int64)
    ok = [np.ascontiguousarray(st.ok, dtype=float) for st in (sx, sy)]
    centred = [np.ascontiguousarray(st.centred) for st in (sx, sy)]
    raw = [np.ascontiguousarray(st.raw0) for st in (sx, sy)]
    factor = rounding_factor(lay.win)
    for sign, i_u, i_v in ((1, 0, 1), (-1, 1, 0)):
        _masked(centred[i_u], centred[i_v], ok[i_u], ok[i_v], raw[i_u], raw[i_v], sel,
                starts, lay.unit, lay.win, lay.lag, sign, factor, TOL, r, unsure)
    return r, unsure
