"""What every test against a null shares: the offsets of circular shifts, the Monte Carlo
p-value, the effect size against surrogates and the Benjamini-Hochberg FDR.

Measures that carry a null of their own (peak picking, physiological linkage, the
inter-brain corrections) use these, below the surrogate engine of :mod:`attunement.stats`,
which builds on them too (and re-exports them); so no measure imports stats.
"""

from __future__ import annotations

import math

import numpy as np

from ._check import check_option

#: Directions of a test against surrogates.
ALTERNATIVES = ("greater", "less", "two-sided")


def shift_offsets(n: int, min_shift: int, n_surrogates: int, rng: np.random.Generator,
                  name: str = "the largest lag") -> np.ndarray:
    """Offsets of ``n_surrogates`` circular shifts of an ``n``-long series, uniform in
    ``[min_shift, n - min_shift]`` (at least 1: a shift of 0 or ``n`` is the series itself).

    ``name`` is what sets ``min_shift``, named in the error when the series is too short.

    Examples
    --------
    >>> shifts = shift_offsets(100, 10, 500, np.random.default_rng(0))
    >>> int(shifts.min()) >= 10 and int(shifts.max()) <= 90
    True
    """
    if n_surrogates < 0:
        raise ValueError(f"Invalid value for 'n_surrogates': expected >= 0, got {n_surrogates}.")
    low = max(1, int(min_shift))
    if n - low < low:
        raise ValueError(
            f"Invalid input: {n} samples leave no circular shift of at least {low} samples "
            f"either way; use a longer recording or a shorter {name}."
        )
    return rng.integers(low, n - low + 1, size=n_surrogates)


def permutation_p(observed: float, null, alternative: str = "greater") -> float:
    """Monte Carlo p-value with the +1 correction: (1 + #as extreme) / (1 + #surrogates),
    NaN surrogates left out. Two-sided compares distances from the surrogate mean.

    Examples
    --------
    >>> permutation_p(3.0, [1.0, 2.0, 3.5, 0.5])
    0.4
    """
    check_option(alternative, "alternative", ALTERNATIVES)
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or not len(null):
        return math.nan
    if alternative == "greater":
        extreme = null >= observed
    elif alternative == "less":
        extreme = null <= observed
    else:
        centre = null.mean()
        extreme = np.abs(null - centre) >= abs(observed - centre)
    return float((1 + extreme.sum()) / (1 + len(null)))


def effect_size(observed: float, null) -> float:
    """(observed - mean) / SD (ddof 1) of the finite surrogate values.

    Examples
    --------
    >>> effect_size(3.0, [1.0, 2.0, 3.0])
    1.0
    """
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if len(null) < 2 or not null.std() > 0:
        return math.nan
    return float((observed - null.mean()) / null.std(ddof=1))


def fdr_bh(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg (1995) control of the false-discovery rate at ``alpha``: which
    p-values are significant, and the adjusted p-values, as statsmodels'
    ``multipletests(p, alpha, 'fdr_bh')`` gives them. Over the last axis of an array (each
    row one family); NaN p-values are left out of the count and stay NaN (never significant).

    Examples
    --------
    >>> significant, adjusted = fdr_bh([0.01, 0.03, 0.02, 0.5], alpha=0.05)
    >>> significant.tolist(), adjusted.round(3).tolist()
    ([True, True, True, False], [0.04, 0.04, 0.04, 0.5])
    """
    p = np.atleast_1d(np.asarray(p_values, dtype=float))
    adjusted = np.full(p.shape, np.nan)
    width = max(1, p.shape[-1])
    for row, dest in zip(p.reshape(-1, width), adjusted.reshape(-1, width), strict=True):
        ok = np.flatnonzero(np.isfinite(row))
        if not ok.size:
            continue
        order = ok[np.argsort(row[ok], kind="stable")]
        scaled = row[order] * ok.size / np.arange(1, ok.size + 1)
        dest[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    with np.errstate(invalid="ignore"):
        return adjusted <= alpha, adjusted
