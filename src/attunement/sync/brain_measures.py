"""Inter-brain synchrony measures on analytic signals (the arrays layer).

Every measure takes two participants' analytic signals, shape (..., n_channels, n_times), and
returns one value per channel pair, shape (..., n_channels_1, n_channels_2), for all pairs, bands
and epochs at once: sums over time are matrix products, and the two sign-based measures (PLI,
wPLI) run over all pairs in cache-sized blocks. The definitions are HyPyP 0.6.2's
(``hypyp.analyses.compute_sync`` and ``hypyp/sync/*.py``), restricted to the inter-brain block:
rows are participant 1's channels, columns participant 2's.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from functools import cached_property

import numpy as np

#: Elements per block for the pairwise-in-time measures (PLI, wPLI): 2 MiB of float64.
BLOCK_ELEMENTS = 2**18
#: Bytes of analytic signal per chunk of (band, epoch) rows: small enough that temporaries are
#: reused from the heap instead of freshly mapped (page faults dominate on large arrays).
CHUNK_BYTES = 2**20


class _Pair:
    """Two analytic signals and the intermediate products shared by several measures."""

    def __init__(self, z1: np.ndarray, z2: np.ndarray) -> None:
        self.z1, self.z2 = z1, z2
        self.n_times = z1.shape[-1]

    @cached_property
    def amplitude(self) -> tuple[np.ndarray, np.ndarray]:
        return np.abs(self.z1), np.abs(self.z2)

    @cached_property
    def unit(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit phasors z / |z| (NaN where |z| = 0, as in HyPyP)."""
        out = []
        for z, amp in zip((self.z1, self.z2), self.amplitude, strict=True):
            u = np.empty_like(z)
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
        return tuple(np.ascontiguousarray(p) for p in (self.z1.real, self.z1.imag,
                                                       self.z2.real, self.z2.imag))


def _sum_squares(x: np.ndarray) -> np.ndarray:
    return np.einsum("...t,...t->...", x, x)


def _plv(p: _Pair) -> np.ndarray:
    return np.abs(p.unit_cross) / p.n_times


def _ccorr(p: _Pair) -> np.ndarray:
    def centred_sin(u):
        # sin(angle - circular mean) = Im(u * exp(-i mu)), mu = angle(sum_t u)
        mu = np.angle(u.sum(-1))[..., None]
        return u.imag * np.cos(mu) - u.real * np.sin(mu)

    x1, x2 = (centred_sin(u) for u in p.unit)
    den = np.sqrt(_sum_squares(x1)[..., :, None] * _sum_squares(x2)[..., None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(x1 @ x2.swapaxes(-1, -2) / den)


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
    so its sign (PLI) is bit-for-bit the same. Blocks reuse preallocated buffers.
    """
    c1, s1, c2, s2 = p.parts
    n_batch, n1, n_times = c1.shape
    n2 = c2.shape[1]
    t_step = int(min(n_times, max(1, BLOCK_ELEMENTS // (n1 * n2))))
    b_step = int(min(n_batch, max(1, BLOCK_ELEMENTS // (n1 * n2 * t_step))))
    buf_a = np.empty((b_step, n1, n2, t_step))
    buf_b = np.empty_like(buf_a)
    mask = np.empty(buf_a.shape, dtype=bool)
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


def _pearson_uncentred(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Pearson r between every row of x1 and of x2, from raw sums (no centred copies).

    For the non-negative envelopes and powers used here the mean is of the order of the SD,
    so the cancellation in ``sum xy - n mx my`` costs a few ulps, far inside 1e-9.
    """
    n = x1.shape[-1]
    m1, m2 = x1.mean(-1), x2.mean(-1)
    num = x1 @ x2.swapaxes(-1, -2) - n * m1[..., :, None] * m2[..., None, :]
    ss1 = _sum_squares(x1) - n * m1**2
    ss2 = _sum_squares(x2) - n * m2**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / np.sqrt(ss1[..., :, None] * ss2[..., None, :])


def _envelope_corr(p: _Pair) -> np.ndarray:
    a1, a2 = p.amplitude
    return _pearson_uncentred(a1, a2)


def _pow_corr(p: _Pair) -> np.ndarray:
    a1, a2 = p.amplitude
    return _pearson_uncentred(a1**2, a2**2)


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
    analytic_1: np.ndarray, analytic_2: np.ndarray, modes: str | list[str] = "plv"
) -> np.ndarray:
    """Inter-brain synchrony between every channel of participant 1 and of participant 2.

    Parameters
    ----------
    analytic_1, analytic_2 : ndarray, complex, shape (..., n_channels_i, n_times)
        Analytic signals (e.g. from :func:`band_analytic`) with the same leading shape
        (bands, epochs) and the same number of samples; channel counts may differ.
    modes : str or list of str
        Keys of :data:`MODES` (HyPyP's names), e.g. ``"plv"`` or ``["plv", "wpli"]``.

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
    # Blocks along the last lead axis are views (no copy of a band/participant slice).
    outer = list(np.ndindex(*lead[:-1])) if lead else [()]
    inner = lead[-1] if lead else 1
    out = np.empty((len(modes), len(outer) * inner, n1, n2))
    step = max(1, CHUNK_BYTES // (16 * (n1 + n2) * n_times))
    with _one_blas_thread():
        for k_outer, idx in enumerate(outer):
            b1 = z1[idx] if lead else z1[None]
            b2 = z2[idx] if lead else z2[None]
            for start in range(0, inner, step):
                stop = min(start + step, inner)
                pair = _Pair(b1[start:stop].astype(complex, copy=False),
                             b2[start:stop].astype(complex, copy=False))
                rows = slice(k_outer * inner + start, k_outer * inner + stop)
                for k, mode in enumerate(modes):
                    out[k, rows] = MODES[mode][0](pair)
    return out.reshape((len(modes),) + lead + (n1, n2))


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # inspects the loaded libraries once, not on every call


def _one_blas_thread():
    """Many small matrix products run faster on one BLAS thread (threads only add
    synchronisation, badly so on a busy machine); threadpoolctl sets it where installed."""
    try:
        controller = _blas_controller()
    except ImportError:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")
