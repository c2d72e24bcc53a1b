"""The compiled masked path of the windowed lagged cross-correlation (numba, optional):
r over complete pairs in windows with missing values, as ``_wcc_exact.masked_cells`` (the
NumPy reference, ``engine="numpy"``) computes it.

For each series with such windows, from its first to its last one, in blocks of
:data:`OFFSETS` offsets ``a`` (innermost, so that the loops vectorise): the seven window sums
of the pairs ``(u[t], v[t + a])`` (complete pairs, pairs that differ, and the sums of u, v, u²,
v² and uv over complete pairs; u and v are 0 where missing) are summed into units of ``g``
samples (g = gcd of window and step, as in ``_wcc_kernel``), then over windows as the suffix
of one block of ``win // g`` units plus the prefix of the next, so that every chain of
additions stays inside the window (the rounding bound of ``_wcc_core`` holds; the counts are
exact). Long series are cut into chunks of blocks (overlapping by one block) so that the sums
stay within :data:`BLOCK_ELEMENTS`; stretches without such windows are skipped. Each cell then
gets r, rMEA's NaN rules and the rounding bound of ``masked_cells``: the same formulas, so the
cells it marks unsure are recomputed by the two-pass formula in ``_wcc_core`` as on the NumPy
path.
"""

from __future__ import annotations

import numpy as np

from .._jit import ensure_compiled, jit
from ._wcc_sums import TOL, Layout, SeriesStats, rounding_factor

#: The sums kept per pair: complete, differing, u, v, u², v², uv.
N_SUMS = 7


#: Offsets per block (innermost, so that the sums vectorise).
OFFSETS = 32
#: Elements of one array of sums (sums x units x offsets), 8 MB of float64: the units per
#: chunk follow from it (at least two blocks of a window's units).
BLOCK_ELEMENTS = 1 << 20


@jit(fastmath=frozenset({"contract"}))
def _unit_sums(u, v, ok_u, ok_v, raw_u, raw_v, lo, g, a0, nb, n_units, val):
    """``val[k, j, b]``: sum ``k`` of the pairs ``(t, t + a0 + b)`` over unit ``j`` (samples
    ``lo + j g`` to ``lo + (j + 1) g - 1``), offsets innermost."""
    for j in range(n_units):
        c, d, s_u, s_v = val[0, j], val[1, j], val[2, j], val[3, j]
        q_u, q_v, p = val[4, j], val[5, j], val[6, j]
        for b in range(nb):
            c[b] = d[b] = s_u[b] = s_v[b] = q_u[b] = q_v[b] = p[b] = 0.0
        for t in range(lo + j * g, lo + (j + 1) * g):
            x, mu, rx = u[t], ok_u[t], raw_u[t]  # x, y are 0.0 where missing
            ys = v[t + a0 : t + a0 + nb]
            ms = ok_v[t + a0 : t + a0 + nb]
            rs = raw_v[t + a0 : t + a0 + nb]
            for b in range(nb):
                y, mv = ys[b], ms[b]
                both = mu * mv
                c[b] += both
                d[b] += both * (rx != rs[b])
                s_u[b] += x * mv
                s_v[b] += y * mu
                q_u[b] += x * x * mv
                q_v[b] += y * y * mu
                p[b] += x * y


@jit()
def _block_scans(val, q, n_units, nb, pre):
    """Prefix sums of ``val`` within blocks of ``q`` units up to, not including, each unit
    (``pre``, one more row: the end), then ``val`` turned into suffix sums within blocks."""
    for k in range(N_SUMS):
        for b in range(nb):
            pre[k, 0, b] = 0.0
        for j in range(1, n_units + 1):
            if j % q == 0:
                for b in range(nb):
                    pre[k, j, b] = 0.0
            else:
                for b in range(nb):
                    pre[k, j, b] = pre[k, j - 1, b] + val[k, j - 1, b]
        for j in range(n_units - 2, -1, -1):
            if (j + 1) % q != 0:
                for b in range(nb):
                    val[k, j, b] += val[k, j + 1, b]


@jit()
def _cell(n, differ, t_u, t_v, q_u, q_v, p, factor, tol):
    """r, and whether its rounding bound exceeds ``tol``, from the window sums; NaN where
    fewer than 2 complete pairs differ (the formulas of ``masked_cells``)."""
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
            lag, sign, factor, tol, budget, r, unsure):
    """r and unsure (len(sel), 2 lag + 1) at lags ``sign * a`` for the windows from
    ``starts`` of series ``sel`` (sorted by series, then start); ``budget``: elements per
    array of sums."""
    q = win // g
    first = 0 if sign > 0 else 1
    if first > lag:  # lag 0: no negative lags
        return
    block = min(lag + 1 - first, OFFSETS)
    n_blocks = max(2, budget // (N_SUMS * block * q))  # blocks of units per chunk
    val = np.empty((N_SUMS, n_blocks * q, block))
    pre = np.empty((N_SUMS, n_blocks * q + 1, block))
    i0, m = 0, len(sel)
    while i0 < m:
        series = sel[i0]
        i1 = i0
        while i1 < m and sel[i1] == series:
            i1 += 1
        lo = starts[i0]
        n_units = (starts[i1 - 1] + win - lo) // g
        u, v = u_all[series], v_all[series]
        ok_u, ok_v = ok_u_all[series], ok_v_all[series]
        raw_u, raw_v = raw_u_all[series], raw_v_all[series]
        i_c = i0
        while i_c < i1:  # chunks of units: the windows starting in all but the last block
            c0 = (starts[i_c] - lo) // g // q * q  # from the block of the next window
            n_c = min(n_blocks * q, n_units - c0)
            i_e = i_c
            while i_e < i1 and (c0 + n_c == n_units
                                or (starts[i_e] - lo) // g < c0 + (n_blocks - 1) * q):
                i_e += 1
            for a0 in range(first, lag + 1, block):
                nb = min(block, lag + 1 - a0)
                _unit_sums(u, v, ok_u, ok_v, raw_u, raw_v, lo + c0 * g, g, a0, nb, n_c,
                           val)
                _block_scans(val, q, n_c, nb, pre)
                for i in range(i_c, i_e):
                    j = (starts[i] - lo) // g - c0
                    for b in range(nb):
                        col = lag + sign * (a0 + b)
                        r[i, col], unsure[i, col] = _cell(
                            val[0, j, b] + pre[0, j + q, b], val[1, j, b] + pre[1, j + q, b],
                            val[2, j, b] + pre[2, j + q, b], val[3, j, b] + pre[3, j + q, b],
                            val[4, j, b] + pre[4, j + q, b], val[5, j, b] + pre[5, j + q, b],
                            val[6, j, b] + pre[6, j + q, b], factor, tol)
            i_c = i_e
        i0 = i1


def masked_cells(sx: SeriesStats, sy: SeriesStats, lay: Layout, sel: np.ndarray,
                 wsel: np.ndarray, budget: int = BLOCK_ELEMENTS
                 ) -> tuple[np.ndarray, np.ndarray]:
    """r over complete pairs at every lag for windows ``wsel`` of series ``sel`` (those with
    missing values, ``sel`` sorted): (len(sel), n_lags), and the cells whose rounding bound
    exceeds TOL; compiled, equal to ``_wcc_exact.masked_cells`` within that bound
    (``budget``: elements per array of sums, which sets the units per chunk).

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
                starts, lay.unit, lay.win, lay.lag, sign, factor, TOL, budget, r, unsure)
    return r, unsure
