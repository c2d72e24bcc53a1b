"""Inter-brain synchrony measures on analytic signals (the arrays layer).

Every measure takes two participants' analytic signals, shape (..., n_channels, n_times), and
returns one value per channel pair, shape (..., n_channels_1, n_channels_2), for all pairs, bands
and epochs at once: sums over time are matrix products, and the two sign-based measures (PLI,
wPLI) run over all pairs in cache-sized blocks. The definitions are HyPyP 0.6.2's
(``hypyp.analyses.compute_sync`` and ``hypyp/sync/*.py``), restricted to the inter-brain block:
rows are participant 1's channels, columns participant 2's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np

from .._check import check_n_jobs
from .._check import one_blas_thread as _one_blas_thread
from ._modulus import modulus_into

#: Elements per block for the pairwise-in-time measures (PLI, wPLI): 2 MiB of float64.
BLOCK_ELEMENTS = 2**18
#: Bytes of analytic signal per chunk of (band, epoch) rows: small enough that temporaries are
#: reused from the heap instead of freshly mapped (page faults dominate on large arrays).
CHUNK_BYTES = 2**21


class _Workspace:
    """Arrays one thread reuses from chunk to chunk.

    Fresh chunk-sized temporaries are mapped and unmapped by the allocator on every chunk, and
    the page faults can cost more than the arithmetic (3x for PLI on 31 x 31 channels).
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype=float) -> np.ndarray:
        """Uninitialised array of ``shape``; reused while all but the first axis stay the same."""
        buf = self._arrays.get(name)
        if buf is None or buf.dtype != dtype or buf.shape[0] < shape[0] or (
            buf.shape[1:] != tuple(shape[1:])
        ):
            buf = self._arrays[name] = np.empty(shape, dtype)
        return buf[: shape[0]]

    def rows_with_ones(self, name: str, k: int, n: int, n_times: int) -> np.ndarray:
        """Array (k, n + 1, n_times) whose last row is ones: one matrix product of two such
        arrays gives the cross products and, in its last row and column, the plain sums."""
        buf = self.array(name, (k, n + 1, n_times))
        buf[:, n] = 1.0
        return buf


class _Pair:
    """Two analytic signals (k, n_channels_i, n_times) and the intermediate products shared
    by several measures."""

    def __init__(self, z1: np.ndarray, z2: np.ndarray, workspace: _Workspace | None = None):
        self.z1, self.z2 = z1, z2
        self.n_times = z1.shape[-1]
        self.workspace = workspace or _Workspace()

    def _rows(self, name: str, z: np.ndarray) -> np.ndarray:
        return self.workspace.rows_with_ones(name, z.shape[0], z.shape[1], self.n_times)

    @cached_property
    def amplitude_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """|z1|, |z2| with a row of ones appended (see :meth:`_Workspace.rows_with_ones`)."""
        out = (self._rows("amplitude_1", self.z1), self._rows("amplitude_2", self.z2))
        for z, rows in zip((self.z1, self.z2), out, strict=True):
            modulus_into(z, rows, power=False)
        return out

    @cached_property
    def amplitude(self) -> tuple[np.ndarray, np.ndarray]:
        return tuple(rows[:, :-1] for rows in self.amplitude_rows)

    @cached_property
    def power_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """|z1|^2, |z2|^2 with a row of ones appended (one buffer each)."""
        out = (self._rows("power_1", self.z1), self._rows("power_2", self.z2))
        for z, rows in zip((self.z1, self.z2), out, strict=True):
            modulus_into(z, rows, power=True)
        return out

    @cached_property
    def unit(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit phasors z / |z| (NaN where |z| = 0, as in HyPyP)."""
        out = []
        for k, (z, amp) in enumerate(zip((self.z1, self.z2), self.amplitude, strict=True)):
            u = self.workspace.array(f"unit_{k}", z.shape, complex)
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(z.real, amp, out=u.real)
                np.divide(z.imag, amp, out=u.imag)
            out.append(u)
        return tuple(out)

    @cached_property
    def cross(self) -> np.ndarray:
        """Sum over time of z1 * conj(z2), per channel pair."""
        return self.z1 @ np.conj(self.z2).swapaxes(-1, -2)

    @cached_property
    def unit_cross(self) -> np.ndarray:
        u1, u2 = self.unit
        return u1 @ np.conj(u2).swapaxes(-1, -2)

    @cached_property
    def power_norm(self) -> np.ndarray:
        """sqrt(sum |z1|^2 * sum |z2|^2), per channel pair."""
        p1, p2 = (_sum_squares(a) for a in self.amplitude)
        return np.sqrt(p1[..., :, None] * p2[..., None, :])

    @cached_property
    def parts(self) -> tuple[np.ndarray, ...]:
        """Real and imaginary parts (c1, s1, c2, s2), shape (batch, channels, times)."""
        out = []
        for name, part in zip(("c1", "s1", "c2", "s2"), (self.z1.real, self.z1.imag,
                                                         self.z2.real, self.z2.imag), strict=True):
            buf = self.workspace.array(name, part.shape)
            np.copyto(buf, part)
            out.append(buf)
        return tuple(out)


def _row_dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sum_t x * y over the last axis (real arrays)."""
    if hasattr(np, "vecdot"):  # NumPy >= 2.0: twice as fast as einsum here
        return np.vecdot(x, y)
    return np.einsum("...t,...t->...", x, y)


def _sum_squares(x: np.ndarray) -> np.ndarray:
    return _row_dot(x, x)


def _plv(p: _Pair) -> np.ndarray:
    return np.abs(p.unit_cross) / p.n_times


def _ccorr(p: _Pair) -> np.ndarray:
    # sin(angle - mu) = (Im z cos mu - Re z sin mu) / |z|, with mu = angle(sum_t z / |z|) the
    # circular mean: formed from z and 1/|z| directly, in reused buffers, without unit phasors.
    rows = []
    for k, (z, amp) in enumerate(zip((p.z1, p.z2), p.amplitude, strict=True)):
        inverse = p.workspace.array(f"inverse_{k}", amp.shape)
        with np.errstate(divide="ignore"):
            np.divide(1.0, amp, out=inverse)
        with np.errstate(invalid="ignore"):
            mu = np.arctan2(_row_dot(z.imag, inverse), _row_dot(z.real, inverse))[..., None]
        sines = p._rows(f"sines_{k}", z)  # a row of ones makes the product 32-row friendly
        x = sines[:, :-1]
        scratch = p.workspace.array("scratch", x.shape)
        with np.errstate(invalid="ignore"):
            np.multiply(z.imag, np.cos(mu), out=x)
            np.multiply(z.real, np.sin(mu), out=scratch)
            np.subtract(x, scratch, out=x)
            np.multiply(x, inverse, out=x)
        rows.append(sines)
    gram = rows[0] @ rows[1].swapaxes(-1, -2)
    den = np.sqrt(_sum_squares(rows[0][:, :-1])[:, :, None] *
                  _sum_squares(rows[1][:, :-1])[:, None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(gram[:, :-1, :-1] / den)


def _accorr(p: _Pair) -> np.ndarray:
    # Zimmermann et al. 2024: per-pair centring m = (mean diff + mean sum) / 2,
    # n = (mean sum - mean diff) / 2; sum_t sin^2(a - m) = (T - Re(exp(-2im) sum_t exp(2ia))) / 2.
    u1, u2 = p.unit
    conj_sum = p.unit_cross
    prod_sum = u1 @ u2.swapaxes(-1, -2)
    num = np.abs(conj_sum) - np.abs(prod_sum)
    mean_diff, mean_sum = np.angle(conj_sum), np.angle(prod_sum)
    m_adj = (mean_diff + mean_sum) / 2
    n_adj = (mean_sum - mean_diff) / 2
    z2_1 = (u1**2).sum(-1)[..., :, None]
    z2_2 = (u2**2).sum(-1)[..., None, :]
    t = p.n_times
    ss1 = (t - np.real(np.exp(-2j * m_adj) * z2_1)) / 2
    ss2 = (t - np.real(np.exp(-2j * n_adj) * z2_2)) / 2
    den = 2 * np.sqrt(ss1 * ss2)
    return num / np.where(den == 0, 1, den)


def _coh(p: _Pair) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(p.cross) / p.power_norm


def _imaginary_coh(p: _Pair) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(p.cross.imag) / p.power_norm


def _pairwise_in_time(p: _Pair, reduce: Callable, n_out: int) -> list[np.ndarray]:
    """Apply ``reduce(s1*c2, c1*s2, mask)`` block-wise to every pair and sample; sum over time.

    Im(z1 * conj(z2)) = s1*c2 - c1*s2 is formed from the same float64 products as HyPyP's,
    so its sign (PLI) is bit-for-bit the same. Blocks reuse the workspace's buffers.
    """
    c1, s1, c2, s2 = p.parts
    n_batch, n1, n_times = c1.shape
    n2 = c2.shape[1]
    t_step = int(min(n_times, max(1, BLOCK_ELEMENTS // (n1 * n2))))
    b_step = int(min(n_batch, max(1, BLOCK_ELEMENTS // (n1 * n2 * t_step))))
    buf_a = p.workspace.array("block_a", (b_step, n1, n2, t_step))
    buf_b = p.workspace.array("block_b", (b_step, n1, n2, t_step))
    mask = p.workspace.array("block_mask", (b_step, n1, n2, t_step), bool)
    out = [np.zeros((n_batch, n1, n2)) for _ in range(n_out)]
    for b0 in range(0, n_batch, b_step):
        bs = slice(b0, b0 + b_step)
        for t0 in range(0, n_times, t_step):
            ts = slice(t0, t0 + t_step)
            shape = (len(range(n_batch)[bs]), n1, n2, len(range(n_times)[ts]))
            a = buf_a[: shape[0], ..., : shape[3]]
            b = buf_b[: shape[0], ..., : shape[3]]
            np.multiply(s1[bs, :, None, ts], c2[bs, None, :, ts], out=a)
            np.multiply(c1[bs, :, None, ts], s2[bs, None, :, ts], out=b)
            parts = reduce(a, b, mask[: shape[0], ..., : shape[3]])
            for total, part in zip(out, parts, strict=True):
                total[bs] += part
    return out


def _pli(p: _Pair) -> np.ndarray:
    def signs(a, b, mask):
        above = np.count_nonzero(np.greater(a, b, out=mask), axis=-1)
        return [above - np.count_nonzero(np.less(a, b, out=mask), axis=-1)]

    (total,) = _pairwise_in_time(p, signs, 1)
    return np.abs(total) / p.n_times


def _wpli(p: _Pair) -> np.ndarray:
    def sums(a, b, mask):
        np.subtract(a, b, out=a)
        total = a.sum(-1)
        return [total, np.abs(a, out=a).sum(-1)]

    total, total_abs = _pairwise_in_time(p, sums, 2)
    return np.abs(total) / np.where(total_abs == 0, 1, total_abs)


def _pearson_rows(rows_1: np.ndarray, rows_2: np.ndarray) -> np.ndarray:
    """Pearson r between every row of x1 and of x2, given as ``[x; 1]`` (rows of ones last).

    One matrix product gives sum x1 x2 and both row sums; r comes from raw sums (no centred
    copies). For the non-negative envelopes and powers used here the mean is of the order of
    the SD, so the cancellation in ``sum xy - sum x sum y / n`` costs a few ulps, far inside 1e-9.
    Finishing each chunk on its own is faster than once for all chunks: per-chunk temporaries
    stay small and come from the heap, full-size ones are freshly mapped (page faults).
    """
    n = rows_1.shape[-1]
    gram = rows_1 @ rows_2.swapaxes(-1, -2)
    sum_1, sum_2 = gram[:, :-1, -1], gram[:, -1, :-1]
    num = gram[:, :-1, :-1] - sum_1[:, :, None] * (sum_2 / n)[:, None, :]
    ss1 = _sum_squares(rows_1[:, :-1]) - sum_1 * sum_1 / n
    ss2 = _sum_squares(rows_2[:, :-1]) - sum_2 * sum_2 / n
    return num / np.sqrt(ss1[:, :, None] * ss2[:, None, :])  # 0/0: NaN (run's errstate)


def _envelope_corr(p: _Pair) -> np.ndarray:
    return _pearson_rows(*p.amplitude_rows)


def _pow_corr(p: _Pair) -> np.ndarray:
    return _pearson_rows(*p.power_rows)


#: The one dispatch table: mode -> (function, definition, reference).
MODES: dict[str, tuple[Callable[[_Pair], np.ndarray], str, str]] = {
    "plv": (_plv, "|<exp(i dphi)>|", "Lachaux et al. 1999, Hum Brain Mapp 8:194"),
    "ccorr": (_ccorr, "circular correlation, global circular means", "Fisher 1995"),
    "accorr": (_accorr, "circular correlation, per-pair centring", "Zimmermann et al. 2024"),
    "coh": (_coh, "|sum S12| / sqrt(sum|S1|^2 sum|S2|^2)", "Nunez & Srinivasan 2006"),
    "imaginary_coh": (_imaginary_coh, "|Im sum S12| / sqrt(...)", "Nolte et al. 2004"),
    "pli": (_pli, "|<sign Im S12>|", "Stam et al. 2007, Hum Brain Mapp 28:1178"),
    "wpli": (_wpli, "|<Im S12>| / <|Im S12|>", "Vinck et al. 2011, NeuroImage 55:1548"),
    "envelope_corr": (_envelope_corr, "Pearson r of |z|", "Hipp et al. 2012, Nat Neurosci"),
    "pow_corr": (_pow_corr, "Pearson r of |z|^2", "Colclough et al. 2016, NeuroImage"),
}


def check_modes(modes: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Return ``modes`` (a name, a comma-separated string or a list) as a checked tuple.

    Examples
    --------
    >>> check_modes("plv,wpli")
    ('plv', 'wpli')
    """
    if isinstance(modes, str):
        modes = [m.strip() for m in modes.split(",") if m.strip()]
    modes = tuple(dict.fromkeys(str(m).lower() for m in modes))
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ValueError(
            f"Invalid value for the 'mode' parameter. Allowed values are "
            f"{', '.join(MODES)}, but got {bad or list(modes)!r}."
        )
    return modes


def interbrain_matrix(
    analytic_1: np.ndarray,
    analytic_2: np.ndarray,
    modes: str | list[str] = "plv",
    *,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Inter-brain synchrony between every channel of participant 1 and of participant 2.

    Parameters
    ----------
    analytic_1, analytic_2 : ndarray, complex, shape (..., n_channels_i, n_times)
        Analytic signals (e.g. from :func:`band_analytic`) with the same leading shape
        (bands, epochs) and the same number of samples; channel counts may differ.
    modes : str or list of str
        Keys of :data:`MODES` (HyPyP's names), e.g. ``"plv"`` or ``["plv", "wpli"]``.
    n_jobs : int or None
        Threads, each taking its share of the (band, epoch) chunks with one BLAS thread:
        ``None`` or 1 is one thread, -1 every CPU (joblib's convention). Results are the same
        for any value.

    Returns
    -------
    ndarray, shape (n_modes, ..., n_channels_1, n_channels_2)
        One value per epoch (no averaging here), as HyPyP's ``compute_sync`` for the
        inter-brain block.

    Examples
    --------
    >>> t = np.arange(200) / 100
    >>> z1 = np.exp(2j * np.pi * 10 * t)[None, :]
    >>> z2 = np.exp(2j * np.pi * 10 * t - 1j)[None, :]
    >>> interbrain_matrix(z1, z2, ["plv", "pli"]).round(6).tolist()
    [[[1.0]], [[1.0]]]
    """
    modes = check_modes(modes)
    n_jobs = check_n_jobs(n_jobs)
    z1, z2 = np.asarray(analytic_1), np.asarray(analytic_2)
    if z1.ndim < 2 or z2.ndim < 2 or z1.shape[:-2] != z2.shape[:-2]:
        raise ValueError(
            "analytic_1 and analytic_2: expected shapes (..., n_channels, n_times) with the same "
            f"leading shape, got {z1.shape} and {z2.shape}."
        )
    if z1.shape[-1] != z2.shape[-1]:
        raise ValueError(
            f"analytic_1 and analytic_2: expected the same number of samples, got "
            f"{z1.shape[-1]} and {z2.shape[-1]}."
        )
    lead, (n1, n_times), n2 = z1.shape[:-2], z1.shape[-2:], z2.shape[-2]
    if not lead:
        z1, z2 = z1[None], z2[None]
    # Chunks run along the last lead axis, so each is a view (no copy of a band slice).
    outer = list(np.ndindex(*z1.shape[:-3]))
    inner = z1.shape[-3]
    out = np.empty((len(modes), len(outer) * inner, n1, n2))
    step = max(1, CHUNK_BYTES // (16 * (n1 + n2) * n_times))
    chunks = [(k_outer * inner, idx, start, min(start + step, inner))
              for k_outer, idx in enumerate(outer) for start in range(0, inner, step)]

    def run(share: list[tuple]) -> None:
        workspace = _Workspace()
        # errstate once per thread, not per chunk (entering it cost ~7 % of envelope_corr)
        with np.errstate(invalid="ignore", divide="ignore"):
            for offset, idx, start, stop in share:
                pair = _Pair(z1[idx][start:stop].astype(complex, copy=False),
                             z2[idx][start:stop].astype(complex, copy=False), workspace)
                for k, mode in enumerate(modes):
                    out[k, offset + start:offset + stop] = MODES[mode][0](pair)

    n_jobs = min(n_jobs, len(chunks))
    with _one_blas_thread():
        if n_jobs == 1:
            run(chunks)
        else:  # NumPy and BLAS release the GIL; threads write disjoint rows of ``out``
            with ThreadPoolExecutor(n_jobs) as pool:
                list(pool.map(run, [chunks[k::n_jobs] for k in range(n_jobs)]))
    return out.reshape((len(modes),) + lead + (n1, n2))


