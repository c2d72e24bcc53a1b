"""|z| and |z|^2 of analytic signals into preallocated rows, compiled where numba is installed
(the ``fast`` extra), else NumPy. NumPy's ``abs`` of a complex array calls ``hypot`` element by
element (1.4 ns each here, the largest part of envelope and power correlation); the compiled
loop computes ``sqrt(re^2 + im^2)``, within an ulp or two of it for any value an EEG or fNIRS signal
takes (it would lose range only beyond 1e154 or below 1e-154), and ``re^2 + im^2`` for power
without a square root at all."""

from __future__ import annotations

import numpy as np

from .._jit import AVAILABLE, ensure_compiled, jit


def modulus_into(z: np.ndarray, rows: np.ndarray, power: bool) -> None:
    """Write ``|z|`` (or ``|z|^2`` when ``power``) into ``rows[:, :n]`` for ``z`` of shape
    (k, n, n_times); ``rows`` is (k, >= n, n_times) float64.

    Examples
    --------
    >>> z = np.array([[[3 + 4j, 1j]]])
    >>> rows = np.zeros((1, 2, 2))
    >>> modulus_into(z, rows, power=False); rows[0, 0].tolist()
    [5.0, 1.0]
    >>> modulus_into(z, rows, power=True); rows[0, 0].tolist()
    [25.0, 1.0]
    """
    n = z.shape[1]
    if AVAILABLE:
        ensure_compiled()
        _fill(z, rows, n, power)
        return
    out = rows[:, :n]
    np.abs(z, out=out)
    if power:
        np.multiply(out, out, out=out)


@jit()
def _fill(z, rows, n, power):
    for a in range(z.shape[0]):
        for b in range(n):
            src, dst = z[a, b], rows[a, b]
            if power:
                for t in range(src.shape[0]):
                    dst[t] = src[t].real * src[t].real + src[t].imag * src[t].imag
            else:
                for t in range(src.shape[0]):
                    dst[t] = np.sqrt(src[t].real * src[t].real + src[t].imag * src[t].imag)
