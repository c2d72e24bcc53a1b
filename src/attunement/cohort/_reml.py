"""REML fit of a random intercept and slope per dyad for :mod:`attunement.cohort.growth`.

The variance parameters are found on lme4's profiled REML criterion (Bates et al. 2015) with
bounded steps, then statsmodels ``MixedLM`` refines them and gives every estimate.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

#: lme4's ``isSingular`` tolerance: a diagonal element of the random effects' relative
#: Cholesky factor (random-effect SD over residual SD) below this is a fit at the
#: boundary of the parameter space.
SINGULAR_TOL = 1e-4


def _dyad_sums(y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups) -> dict:
    """Per-dyad cross-products for the REML criterion of :func:`_reml_criterion`."""
    codes = pd.factorize(pd.Series(groups))[0]
    m = codes.max() + 1

    def per_dyad(a, b):
        out = np.zeros((m, a.shape[1], b.shape[1]))
        np.add.at(out, codes, np.einsum("ni,nj->nij", a, b))
        return out

    return {
        "ZtZ": per_dyad(Z, Z),
        "ZtX": per_dyad(Z, X),
        "Zty": per_dyad(Z, y[:, None])[..., 0],
        "XtX": X.T @ X,
        "Xty": X.T @ y,
        "yty": float(y @ y),
        "dof": len(y) - X.shape[1],
    }


def _reml_criterion(theta: np.ndarray, sums: dict) -> float:
    """-2 x REML log-likelihood, residual variance profiled out, up to a constant.

    The random effects' covariance is ``sigma^2 L L'`` with ``L`` lower triangular,
    ``theta = (L11, L21, L22)``: lme4's relative Cholesky parameterisation and profiled
    REML criterion (Bates et al. 2015, J Stat Softw 67(1):1-48), evaluated with each
    dyad's ``M = I + L' Z'Z L`` (Woodbury) so that a singular ``L`` is allowed.
    """
    L = np.array([[theta[0], 0.0], [theta[1], theta[2]]])
    M = np.eye(2) + np.einsum("ji,djk,kl->dil", L, sums["ZtZ"], L)
    U = np.einsum("ji,djp->dip", L, sums["ZtX"])
    u = np.einsum("ji,dj->di", L, sums["Zty"])
    MU = np.linalg.solve(M, U)
    Mu = np.linalg.solve(M, u[..., None])[..., 0]
    A = sums["XtX"] - np.einsum("dip,diq->pq", U, MU)
    b = sums["Xty"] - np.einsum("dip,di->p", U, Mu)
    rss = sums["yty"] - np.einsum("di,di->", u, Mu) - b @ np.linalg.solve(A, b)
    sign, logdet_a = np.linalg.slogdet(A)
    if not (rss > 0 and sign > 0):
        return np.inf
    return float(sums["dof"] * np.log(rss) + np.linalg.slogdet(M)[1].sum() + logdet_a)


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


def fit_random_slope(mlm, y: np.ndarray, design, groups, t: np.ndarray, time: str):
    """``((estimate, std_error, df, cov_re, scale, notes), None)``, or ``(None, why)``.

    ``design(axis)`` is the fixed effects' design for time values ``axis``. The model is
    fitted with time centred at its mean and scaled by its SD, ``z = (t - c) / s``, for
    numerical stability (with time far from 0, dates as days or years, statsmodels'
    optimisers fail or stop short on the axis as given), and every number is then taken
    back to the axis as given: that is the same model re-parameterised (``[1, t] = [1, z]
    K`` in the random part, ``X = X_z M`` in the fixed part), so the estimates, their
    covariance and the random effects' covariance transform exactly, and the intercept
    and its variance are at time 0.

    The variance parameters are searched first by bounded quasi-Newton steps (scipy's
    L-BFGS-B on :func:`_reml_criterion`, bounds as in lme4), from which statsmodels'
    ``MixedLM`` with ``exog_re = [1, z]`` refines the optimum and gives the estimates:
    statsmodels' optimisers from their default start failed to converge in 90 of 300
    simulated cohorts (20 dyads x 12 sessions, slope SD 0.005) and stop short of the
    boundary that decides a singular fit. ``df`` are Satterthwaite's degrees of freedom
    of each estimate (:func:`satterthwaite`).
    """
    from scipy import optimize

    centre, spread = float(np.mean(t)), float(np.std(t))
    z = (t - centre) / spread
    K = np.array([[1.0, centre], [0.0, spread]])  # [1, t] = [1, z] K
    X, Xz = design(t), design(z)
    M = np.linalg.lstsq(Xz.to_numpy(), X.to_numpy(), rcond=None)[0]  # X = Xz M, exactly
    exog_re = pd.DataFrame({"Intercept": np.ones_like(z), time: z}, index=X.index)
    sums = _dyad_sums(y, Xz.to_numpy(), exog_re.to_numpy(), groups)
    best = None
    for start in ((1.0, 0.0, 1.0), (0.5, 0.0, 0.1)):
        with np.errstate(invalid="ignore"):  # a step to where the criterion is infinite
            found = optimize.minimize(
                _reml_criterion, np.array(start), args=(sums,), method="L-BFGS-B",
                bounds=[(0, None), (None, None), (0, None)],
                options={"ftol": 1e-12, "gtol": 1e-8},
            )
        if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
            best = found
    if best is None:
        return None, "its REML criterion could not be evaluated"
    L = np.array([[best.x[0], 0.0], [best.x[1], best.x[2]]])
    singular = _singular(L @ L.T, time)
    if singular:
        return None, singular
    start = mlm.MixedLMParams.from_components(cov_re=L @ L.T)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = mlm.MixedLM(y, Xz, groups=groups, exog_re=exog_re).fit(
                reml=True, start_params=start, gtol=1e-8
            )
        except Exception as err:  # statsmodels' failures are reported, never raised
            return None, f"its fit failed ({type(err).__name__}: {err})"
    if not fit.converged:
        said = [str(w.message) for w in caught if "optimization failed" in str(w.message)]
        return None, "its fit did not converge" + "".join(f" ({m})" for m in said[-1:])
    scale = float(fit.scale)
    singular = _singular(np.asarray(fit.cov_re, float) / scale, time)
    if singular:
        return None, singular
    p = X.shape[1]
    back = np.linalg.inv(M)  # estimates on the axis as given: back @ (those on z)
    estimate = back @ np.asarray(fit.fe_params, float)
    covariance = back @ np.asarray(fit.cov_params(), float)[:p, :p] @ back.T
    std_error = np.sqrt(np.diag(covariance))
    if not np.all(np.isfinite(std_error)):
        return None, "its fit gave no finite standard errors"
    df = satterthwaite_df(y, Xz.to_numpy(float), exog_re.to_numpy(float), groups,
                          np.asarray(fit.cov_re, float), scale, back)
    Kinv = np.linalg.inv(K)
    cov_re = Kinv @ np.asarray(fit.cov_re, float) @ Kinv.T
    return (estimate, std_error, df, cov_re, scale, warning_notes(caught, fit)), None


def satterthwaite_df(*args) -> np.ndarray:
    """:func:`satterthwaite`'s df, ``inf`` (a z test) for each where it cannot be had."""
    try:
        with np.errstate(all="ignore"):
            df = satterthwaite(*args)[1]
    except np.linalg.LinAlgError:
        df = np.full(args[1].shape[1], np.nan)
    return np.where(np.isfinite(df) & (df > 0), df, np.inf)


def warning_notes(caught, fit, singular: bool = False) -> list[str]:
    """statsmodels' warnings worth a note (the boundary and retries judged elsewhere)."""
    warned: list[str] = []
    for w in caught:
        text = str(w.message)
        if not issubclass(w.category, (RuntimeWarning, UserWarning)) or text in warned:
            continue
        if "boundary of the parameter space" in text:
            continue  # judged on the relative scale (statsmodels uses 0.01 absolute)
        if singular and ("singular" in text or "not positive definite" in text):
            continue  # the singular fit's own symptoms; its estimates are computed directly
        if fit.converged and (
            text.startswith("Retrying MixedLM optimization")
            or text.startswith("Maximum Likelihood optimization failed")
        ):
            continue  # a first optimiser failed and the next one converged
        warned.append(text)
    if not fit.converged and not any("optimization failed" in w for w in warned):
        warned.append("the optimiser did not converge")
    if not warned:
        return []
    return [
        "Convergence warning (statsmodels: " + "; ".join(warned) + "). Read the "
        "estimates and standard errors with caution."
    ]


def satterthwaite(y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups, G: np.ndarray,
                  scale: float, back: np.ndarray | None = None):
    """Satterthwaite's degrees of freedom for each fixed effect: ``(covariance, df)``.

    The model is ``y = X beta + Z b + e`` with dyads' random effects ``b ~ N(0, G)`` and
    ``e ~ N(0, scale I)``, so each dyad's ``V_i = Z_i G Z_i' + scale I``, linear in the
    variance parameters ``psi`` (the distinct elements of ``G``, then ``scale``). For a
    coefficient ``c' beta`` with variance ``v(psi) = c' Phi(psi) c``, ``Phi = (X' V^-1
    X)^-1``, its t statistic has ``df = 2 v^2 / (g' A g)`` (Satterthwaite 1946; Giesbrecht
    & Burns 1985; as SAS ``DDFM=SATTERTHWAITE`` and R's lmerTest), where ``g = dv/dpsi``
    (``dPhi/dpsi_k = Phi X' V^-1 V_k V^-1 X Phi``) and ``A`` is the asymptotic covariance
    of the REML estimates of ``psi``: twice the inverse of the Hessian of -2 x REML
    log-likelihood, ``H_kl = 2 y'P V_k P V_l P y - tr(P V_k P V_l)`` with ``P = V^-1 -
    V^-1 X Phi X' V^-1`` (exact for ``V`` linear in ``psi``; observed information, as
    lmerTest, at the REML optimum where it does not depend on the parameterisation).
    Everything is computed analytically, dyad by dyad.

    ``back`` maps the coefficients to those reported (``back @ beta``); df and the
    covariance are then the reported coefficients'. In a balanced design whose
    covariance of the coefficient is one mean square's multiple (e.g. the difference of
    two arms' slopes with a random slope), the df is exact: ``n_dyads - 2`` there.
    """
    codes = pd.factorize(pd.Series(groups))[0]
    q = Z.shape[1]
    pairs = [(j, k) for j in range(q) for k in range(j + 1)]
    n_psi = len(pairs) + 1
    blocks = []
    XtWX = np.zeros((X.shape[1], X.shape[1]))
    XtWy = np.zeros(X.shape[1])
    for d in range(codes.max() + 1):
        rows = codes == d
        Zi, Xi, yi = Z[rows], X[rows], y[rows]
        W = np.linalg.inv(Zi @ G @ Zi.T + scale * np.eye(len(yi)))
        dV = []
        for j, k in pairs:
            E = np.zeros((q, q))
            E[j, k] = E[k, j] = 1.0
            dV.append(Zi @ E @ Zi.T)
        dV.append(np.eye(len(yi)))
        WX = W @ Xi
        XtWX += Xi.T @ WX
        XtWy += WX.T @ yi
        blocks.append((Xi, yi, W, WX, dV))
    Phi = np.linalg.inv(XtWX)
    beta = Phi @ XtWy
    # Q_k = X' W V_k W X and R_kl = X' W V_k W V_l W X; tr(W V_k W V_l); P y and V_k P y.
    Q = np.zeros((n_psi, *Phi.shape))
    R = np.zeros((n_psi, n_psi, *Phi.shape))
    trWW = np.zeros((n_psi, n_psi))
    v = []  # V_k P y, dyad by dyad
    for Xi, yi, W, WX, dV in blocks:
        WdV = [W @ D for D in dV]
        Py = W @ (yi - Xi @ beta)
        v.append(np.array([D @ Py for D in dV]))
        for k in range(n_psi):
            Q[k] += WX.T @ dV[k] @ WX
            for m in range(n_psi):
                R[k, m] += WX.T @ dV[k] @ WdV[m] @ WX
                trWW[k, m] += np.sum(WdV[k] * WdV[m].T)
    # tr(P V_k P V_l) = tr(W V_k W V_l) - tr(Phi R_kl) - tr(Phi R_lk) + tr(Phi Q_k Phi Q_l)
    # (tr(Phi R_kl) = tr(Phi R_lk), Phi and R_kl' = R_lk symmetric); and y'P V_k P V_l P y
    # = (V_k P y)' P (V_l P y).
    vWv = sum(np.einsum("ki,ij,mj->km", a, W, a) for (_, _, W, _, _), a in zip(blocks, v))
    XtWv = sum(WX.T @ a.T for (_, _, _, WX, _), a in zip(blocks, v))  # p x n_psi
    yPVPVPy = vWv - XtWv.T @ Phi @ XtWv
    tr = (trWW - 2 * np.einsum("ij,kmji->km", Phi, R)
          + np.einsum("ij,kjl,lm,nmi->kn", Phi, Q, Phi, Q))
    H = 2 * yPVPVPy - tr
    A = 2 * np.linalg.inv(H)
    back = np.eye(len(beta)) if back is None else back
    cov = back @ Phi @ back.T
    dcov = np.array([back @ Phi @ Q[k] @ Phi @ back.T for k in range(n_psi)])
    g = np.einsum("kjj->jk", dcov)  # d var(beta_j) / d psi_k
    df = 2 * np.diag(cov) ** 2 / np.einsum("jk,kl,jl->j", g, A, g)
    return cov, df
