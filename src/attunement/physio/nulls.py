"""Surrogate helpers local to physiological linkage.

Only what the linkage measures need to draw their nulls: circular-shift offsets and the
one-sided surrogate p-value. General surrogate generators and tests live in
:mod:`attunement.stats`.
"""

from __future__ import annotations

import numpy as np

#: Nulls the linkage measures accept.
NULLS = ("segment_shuffle", "circular_shift")


def circular_shift_null(n: int, min_shift: int, n_surrogates: int, rng) -> np.ndarray:
    """``n_surrogates`` circular shifts of an ``n``-long series, each at least ``min_shift``
    from zero either way.

    Examples
    --------
    >>> shifts = circular_shift_null(100, 10, 500, np.random.default_rng(0))
    >>> int(shifts.min()) >= 10 and int(shifts.max()) <= 90
    True
    """
    if n_surrogates < 0:
        raise ValueError(f"Invalid value for 'n_surrogates': expected >= 0, got {n_surrogates}.")
    if n - 2 * min_shift < 1:
        raise ValueError(
            f"Invalid circular shift: a series of {n} values cannot be shifted by at least "
            f"{min_shift} either way; shorten 'min_shift_s' or use a longer recording."
        )
    return rng.integers(min_shift, n - min_shift + 1, size=n_surrogates)


def p_greater(value: float, null_values: np.ndarray) -> float:
    """One-sided surrogate p-value ``(1 + #{null >= value}) / (1 + n)`` (Davison &
    Hinkley 1997; never 0).

    Examples
    --------
    >>> p_greater(2.0, np.array([0.0, 1.0, 3.0]))
    0.5
    """
    null_values = np.asarray(null_values, dtype=float)
    return float((1 + np.sum(null_values >= value)) / (1 + len(null_values)))


def p_two_sided(value: float, null_values: np.ndarray) -> float:
    """Two-sided surrogate p-value ``(1 + #{|null| >= |value|}) / (1 + n)``.

    Examples
    --------
    >>> p_two_sided(-2.0, np.array([0.0, 1.0, 3.0]))
    0.5
    """
    null_values = np.asarray(null_values, dtype=float)
    return float((1 + np.sum(np.abs(null_values) >= abs(value))) / (1 + len(null_values)))
