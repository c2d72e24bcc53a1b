"""The growth model's fits, on the mixed-model engine :mod:`attunement.stats._lmm`.

A random intercept and slope of time per dyad (time centred and scaled, every number
taken back to the axis as given), or a random intercept alone; both lme4's REML
estimates with lmerTest's Satterthwaite degrees of freedom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _lmm

#: lme4's ``isSingular`` tolerance: a diagonal element of the random effects' relative
#: Cholesky factor (random-effect SD over residual SD) below this is a fit at the
#: boundary of the parameter space.
SINGULAR_TOL = _lmm.SINGULAR_TOL


def dyad_block(columns: np.ndarray, groups) -> _lmm.Block:
    """The random term ``(columns | dyad)`` for the engine."""
    codes, levels = pd.factorize(pd.Series(groups), sort=True)
    return _lmm.Block(np.asarray(columns, float).reshape(len(codes), -1), codes, len(levels))


def fit_engine(y: np.ndarray, X: np.ndarray, block: _lmm.Block):
    """``(fit, None)`` or ``(None, why)``: REML by the engine, failures said, not raised."""
    try:
        with np.errstate(all="ignore"):
            return _lmm.fit(y, X, [block], reml=True), None
    except (ValueError, np.linalg.LinAlgError) as err:
        return None, f"fit failed ({type(err).__name__}: {err})"


def finite_df(df: np.ndarray) -> np.ndarray:
    """Satterthwaite's df, ``inf`` (a z test) where they could not be had."""
    df = np.asarray(df, float)
    return np.where(np.isfinite(df) & (df > 0), df, np.inf)


def _singular(D: np.ndarray, time: str) -> str | None:
    """Why the relative covariance ``D`` of (intercept, slope) is singular, or ``None``.

    Singular when a diagonal element of its Cholesky factor is below
    :data:`SINGULAR_TOL` (lme4's ``isSingular``): the slopes' or the levels' variance at
    zero, or the two perfectly correlated. ``D`` is for time centred and scaled.
    """
    d0, d1 = max(D[0, 0], 0.0), max(D[1, 1], 0.0)
    det = max(D[0, 0] * D[1, 1] - D[0, 1] ** 2, 0.0)
    if np.sqrt(d1) < SINGULAR_TOL:
        return (
            "its fit is singular (the variance of the dyads' slopes is estimated at zero: "
            "they vary no more than noise would make them)"
        )
    if np.sqrt(d0) < SINGULAR_TOL:
        return (
            f"its fit is singular (the variance of the dyads' levels at the mean '{time}' is "
            "estimated at zero while their slopes vary)"
        )
    if np.sqrt(det / d0) < SINGULAR_TOL:
        sign = "+1" if D[0, 1] > 0 else "-1"
        return (
            f"its fit is singular (the dyads' levels and slopes are estimated to be perfectly "
            f"correlated, r = {sign}, so the slopes' variance is not told apart from the "
            "levels')"
        )
    return None


def fit_random_slope(y: np.ndarray, design, groups, t: np.ndarray, time: str):
    """``((estimate, std_error, df, cov_re, scale, notes), None)``, or ``(None, why)``.

    ``design(axis)`` is the fixed effects' design for time values ``axis``. The model is
    fitted with time centred at its mean and scaled by its SD, ``z = (t - c) / s``, for
    numerical stability (dates as days or years), and every number is then taken back to
    the axis as given: that is the same model re-parameterised (``[1, t] = [1, z] K`` in
    the random part, ``X = X_z M`` in the fixed part), so the estimates, their covariance
    and the random effects' covariance transform exactly, and the intercept and its
    variance are at time 0. The estimates are lme4's (:func:`attunement.stats._lmm.fit`),
    ``df`` lmerTest's Satterthwaite df of each estimate as reported (a contrast of the
    centred model's coefficients).
    """
    centre, spread = float(np.mean(t)), float(np.std(t))
    z = (t - centre) / spread
    K = np.array([[1.0, centre], [0.0, spread]])  # [1, t] = [1, z] K
    X, Xz = design(t), design(z)
    M = np.linalg.lstsq(Xz.to_numpy(), X.to_numpy(), rcond=None)[0]  # X = Xz M, exactly
    block = dyad_block(np.column_stack([np.ones_like(z), z]), groups)
    fit, why = fit_engine(y, Xz.to_numpy(float), block)
    if fit is None:
        return None, f"its {why}"
    T = fit.T[0]
    singular = _singular(T @ T.T, time)
    if singular:
        return None, singular
    back = np.linalg.inv(M)  # estimates on the axis as given: back @ (those on z)
    with np.errstate(all="ignore"):
        estimate, std_error, df = fit.t_tests(back)
    if not np.all(np.isfinite(std_error)):
        return None, "its fit gave no finite standard errors"
    Kinv = np.linalg.inv(K)
    cov_re = fit.sigma**2 * Kinv @ T @ T.T @ Kinv.T
    return (estimate, std_error, finite_df(df), cov_re, fit.sigma**2, []), None
