"""The numerical kernel of the linear mixed model: lme4's profiled deviance, its optimum,
and lmerTest's Satterthwaite degrees of freedom.

The model is ``y = X beta + Z b + e``, ``b = Lambda u``, ``u ~ N(0, sigma^2 I)``, ``e ~
N(0, sigma^2 I)``. Each random term ``t`` has ``q_t`` columns per level of its grouping
factor and a lower-triangular relative covariance factor ``T_t`` (the term's covariance
is ``sigma^2 T_t T_t'``); ``theta`` stacks each ``T_t``'s lower triangle column by column,
as lme4 does (Bates, Maechler, Bolker & Walker 2015, J Stat Softw 67(1):1-48, sections
3.1-3.6). The deviance is evaluated on dense cross-products (``Z'Z``, ``Z'X``, ``Z'y``),
which suits cohorts of tens to hundreds of groups.

Satterthwaite's degrees of freedom follow lmerTest (Kuznetsova, Brockhoff & Christensen
2017, J Stat Softw 82(13):1-26): the variance parameters are ``(theta, sigma)``; their
asymptotic covariance is twice the inverse Hessian of the deviance at the optimum, and
the gradient of each contrast's variance is taken numerically, both by Richardson
extrapolation of central differences (as R's numDeriv, which lmerTest uses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize
from scipy.linalg import lapack

from .._check import one_blas_thread

#: lme4's ``isSingular`` tolerance on the diagonal of each relative covariance factor.
SINGULAR_TOL = 1e-4


@dataclass
class Block:
    """One random term: its columns per observation and its grouping factor's codes.

    ``columns`` is ``n x q``, ``codes`` the level (0..levels-1) of each observation.
    """

    columns: np.ndarray
    codes: np.ndarray
    levels: int

    @property
    def q(self) -> int:
        return self.columns.shape[1]

    def z(self) -> np.ndarray:
        """The term's part of ``Z``, ``n x (levels * q)``, level by level."""
        n, q = self.columns.shape
        out = np.zeros((n, self.levels * q))
        idx = self.codes[:, None] * q + np.arange(q)[None, :]
        np.put_along_axis(out, idx, self.columns, axis=1)
        return out


def theta_layout(blocks: list[Block]) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Lower bounds of ``theta`` and ``(term, row, col)`` of each element."""
    where, lower = [], []
    for t, block in enumerate(blocks):
        for col in range(block.q):
            for row in range(col, block.q):
                where.append((t, row, col))
                lower.append(0.0 if row == col else -np.inf)
    return np.array(lower), where


def factors(theta: np.ndarray, blocks: list[Block], where) -> list[np.ndarray]:
    """Each term's relative covariance factor ``T_t`` from ``theta``."""
    out = [np.zeros((b.q, b.q)) for b in blocks]
    for value, (t, row, col) in zip(theta, where, strict=True):
        out[t][row, col] = value
    return out


class Deviance:
    """lme4's deviance of ``(y, X, blocks)``, profiled over ``beta`` (and ``sigma``)."""

    def __init__(self, y: np.ndarray, X: np.ndarray, blocks: list[Block], reml: bool = True):
        self.y, self.X, self.blocks, self.reml = y, X, blocks, reml
        self.n, self.p = X.shape
        Z = np.hstack([b.z() for b in blocks])
        self.ZtZ, self.ZtX, self.Zty = Z.T @ Z, Z.T @ X, Z.T @ y
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ y, float(y @ y)
        self.lower, self.where = theta_layout(blocks)
        self.sizes = [b.levels * b.q for b in blocks]
        if len(blocks) == 1:  # one term: Z'Z is block diagonal, level by level
            b = blocks[0]
            by_level = lambda M: M.reshape(b.levels, b.q, *M.shape[1:])  # noqa: E731
            self.blockwise = (by_level(self.ZtZ.reshape(b.levels, b.q, b.levels, b.q)
                                       .diagonal(axis1=0, axis2=2).transpose(2, 0, 1)
                                       .reshape(b.levels * b.q, b.q)),
                              by_level(self.ZtX), by_level(self.Zty))
        else:
            self.blockwise = None

    def lam(self, theta: np.ndarray) -> np.ndarray:
        """``Lambda``: block diagonal, ``I_levels (x) T_t`` per term."""
        if not hasattr(self, "_slots"):  # where each element of theta goes in Lambda
            marks = np.arange(1, len(self.lower) + 1, dtype=float)
            pattern = linalg.block_diag(*[
                np.kron(np.eye(b.levels), T)
                for b, T in zip(self.blocks, factors(marks, self.blocks, self.where),
                                strict=True)
            ])
            self._shape = pattern.shape
            self._flat = np.flatnonzero(pattern)
            self._slots = pattern.flat[self._flat].astype(int) - 1
        out = np.zeros(self._shape)
        out.flat[self._flat] = np.asarray(theta, float)[self._slots]
        return out

    def solve(self, theta: np.ndarray) -> dict:
        """The pieces of the deviance at ``theta`` (lme4's ``L``, ``RX``, ``beta``, ...)."""
        if self.blockwise is not None:
            RZX, cu, ldL2 = self._solve_blockwise(theta)
        else:
            lam = self.lam(theta)
            M = lam.T @ self.ZtZ @ lam + np.eye(lam.shape[0])
            L = np.linalg.cholesky(M)
            LtZtX, LtZty = lam.T @ self.ZtX, lam.T @ self.Zty
            RZX, cu = _lower_solve(L, LtZtX), _lower_solve(L, LtZty[:, None])[:, 0]
            ldL2 = 2 * np.log(np.diag(L)).sum()
        XtVX = self.XtX - RZX.T @ RZX  # RX' RX
        RXt = np.linalg.cholesky(XtVX)  # lower: RX'
        b = self.Xty - RZX.T @ cu
        beta = np.linalg.solve(XtVX, b)
        r2 = self.yty - cu @ cu - b @ beta  # penalised residual sum of squares
        return {"beta": beta, "r2": max(r2, 0.0), "XtVX": XtVX,
                "ldL2": ldL2, "ldRX2": 2 * np.log(np.diag(RXt)).sum()}

    def _solve_blockwise(self, theta: np.ndarray):
        """:meth:`solve`'s ``RZX``, ``cu`` and ``log|L|^2`` level by level (one term)."""
        ZtZ, ZtX, Zty = self.blockwise
        T = factors(theta, self.blocks, self.where)[0]
        M = T.T @ ZtZ @ T + np.eye(T.shape[0])  # (levels, q, q)
        L = np.linalg.cholesky(M)
        RZX = np.linalg.solve(L, T.T @ ZtX)  # (levels, q, p)
        cu = np.linalg.solve(L, (T.T @ Zty[..., None]))[..., 0]  # (levels, q)
        ldL2 = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum()
        return RZX.reshape(-1, self.p), cu.reshape(-1), ldL2

    def __call__(self, theta: np.ndarray) -> float:
        """The profiled deviance (REML criterion with ``reml``), ``inf`` where undefined."""
        try:
            s = self.solve(theta)
        except (np.linalg.LinAlgError, ValueError):
            return np.inf
        dof = self.n - self.p if self.reml else self.n
        if not s["r2"] > 0:
            return np.inf
        dev = s["ldL2"] + dof * (1 + np.log(2 * np.pi * s["r2"] / dof))
        return float(dev + (s["ldRX2"] if self.reml else 0.0))

    def sigma(self, s: dict) -> float:
        return float(np.sqrt(s["r2"] / (self.n - self.p if self.reml else self.n)))

    def at_varpar(self, varpar: np.ndarray) -> float:
        """The deviance at ``(theta, sigma)``, sigma not profiled (lmerTest's ``devfun_vp``)."""
        theta, sigma2 = varpar[:-1], varpar[-1] ** 2
        s = self.solve(theta)
        dev = s["ldL2"] + s["r2"] / sigma2 + self.n * np.log(2 * np.pi * sigma2)
        if self.reml:
            dev += s["ldRX2"] - self.p * np.log(2 * np.pi * sigma2)
        return float(dev)

    def covbeta(self, varpar: np.ndarray) -> np.ndarray:
        """``cov(beta) = sigma^2 (RX' RX)^-1`` at ``(theta, sigma)``."""
        return varpar[-1] ** 2 * np.linalg.inv(self.solve(varpar[:-1])["XtVX"])


def _lower_solve(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``L^-1 B`` for lower-triangular ``L`` (LAPACK's trtrs, without scipy's checks)."""
    out, info = lapack.dtrtrs(L, B, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("a singular triangular factor")
    return out


def optimise(dev: Deviance, start: np.ndarray | None = None):
    """``theta`` at the minimum of ``dev``, bounded as lme4 (diagonal >= 0).

    From lme4's start (identity factors), L-BFGS-B's bounded quasi-Newton steps, then
    Powell's bounded derivative-free search from there (the family of lme4's BOBYQA) to
    reach the optimum closely; a diagonal element near 0 is set to the bound where the
    deviance is no higher there (a singular fit, as lme4 reports it).
    """
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in dev.lower]
    x = np.where(dev.lower == 0, 1.0, 0.0) if start is None else start
    best = None
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for method, options in (("L-BFGS-B", {"ftol": 1e-13, "gtol": 1e-9, "maxiter": 1000}),
                                ("Powell", {"xtol": 1e-8, "ftol": 1e-14})):
            found = optimize.minimize(dev, x, method=method, bounds=bounds, options=options)
            if np.isfinite(found.fun) and (best is None or found.fun <= best.fun):
                best, x = found, found.x
    if best is None or not np.isfinite(best.fun):
        raise ValueError("the deviance could not be evaluated from lme4's start")
    theta = best.x
    for k in np.flatnonzero((dev.lower == 0) & (theta < 1e-4)):  # at the boundary?
        trial = theta.copy()
        trial[k] = 0.0
        if dev(trial) <= best.fun + 1e-10:
            theta = trial
    return theta, float(dev(theta))


def _steps(x: np.ndarray, d: float = 1e-2, eps: float = 1e-4) -> np.ndarray:
    """numDeriv's step sizes: ``d * |x|``, or ``eps`` where ``x`` is near zero."""
    return np.where(np.abs(x) < 1e-5, eps, d * np.abs(x))


def _richardson(estimate, h: np.ndarray, levels: int = 4):
    """Richardson extrapolation of ``estimate(h)``, an O(h^2) central difference."""
    table = [np.asarray(estimate(h / 2**k), float) for k in range(levels)]
    for m in range(1, levels):
        table = [(4**m * table[k + 1] - table[k]) / (4**m - 1) for k in range(len(table) - 1)]
    return table[0]


def hessian(f, x: np.ndarray) -> np.ndarray:
    """Hessian of scalar ``f`` at ``x`` (central differences, Richardson-extrapolated)."""
    k = len(x)
    f0 = f(x)

    def at(h):
        H = np.zeros((k, k))
        for i in range(k):
            ei = np.zeros(k)
            ei[i] = h[i]
            H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
            for j in range(i):
                ej = np.zeros(k)
                ej[j] = h[j]
                H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                     + f(x - ei - ej)) / (4 * h[i] * h[j])
        return H

    return _richardson(at, _steps(x))


def jacobian(f, x: np.ndarray) -> np.ndarray:
    """Derivatives of matrix-valued ``f`` at ``x``: ``out[k] = df/dx_k``."""
    k = len(x)

    def at(h):
        out = []
        for i in range(k):
            ei = np.zeros(k)
            ei[i] = h[i]
            out.append((f(x + ei) - f(x - ei)) / (2 * h[i]))
        return np.array(out)

    return _richardson(at, _steps(x))


def varpar_covariance(dev: Deviance, varpar: np.ndarray) -> np.ndarray:
    """Asymptotic covariance of ``(theta, sigma)``: ``2 H^-1`` (lmerTest's ``vcov_varpar``).

    Where the Hessian is not positive definite (a fit at the boundary), its positive
    eigenvalues only are inverted, as lmerTest does.
    """
    H = hessian(dev.at_varpar, varpar)
    H = (H + H.T) / 2
    values, vectors = np.linalg.eigh(H)
    if np.all(values > 0):
        return 2 * np.linalg.inv(H)
    keep = values > max(1e-8 * values.max(), 0) if values.max() > 0 else values > np.inf
    return 2 * (vectors[:, keep] / values[keep]) @ vectors[:, keep].T


def contrast_t(L: np.ndarray, beta, cov, jac, A) -> tuple[float, float, float]:
    """One contrast ``L beta``: ``(estimate, std_error, Satterthwaite df)``."""
    var = float(L @ cov @ L)
    grad = np.array([L @ J @ L for J in jac])
    df = 2 * var**2 / float(grad @ A @ grad)
    return float(L @ beta), float(np.sqrt(var)), df


def contrast_f(L: np.ndarray, beta, cov, jac, A) -> tuple[float, int, float]:
    """A multi-row contrast ``L beta = 0``: ``(F, numerator df, denominator df)``.

    lmerTest's ``contestMD``: ``L cov L'`` diagonalised, one Satterthwaite df per
    eigen-direction, combined as in its ``get_Fstat_ddf`` (Fai & Cornelius 1996).
    """
    V = L @ cov @ L.T
    values, vectors = np.linalg.eigh(V)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    keep = values > max(np.sqrt(np.finfo(float).eps) * values[0], 0)
    q = int(keep.sum())
    PtL = vectors[:, :q].T @ L
    t2 = (PtL @ beta) ** 2 / values[:q]
    F = float(t2.sum() / q)
    nu = np.array([
        2 * values[m] ** 2 / float(g @ A @ g)
        for m in range(q)
        for g in [np.array([PtL[m] @ J @ PtL[m] for J in jac])]
    ])
    if q == 1:
        ddf = float(nu[0])
    elif np.all(np.abs(np.diff(nu)) < 1e-8):
        ddf = float(nu.mean())
    elif np.any(nu <= 2):
        ddf = 2.0
    else:
        E = float(np.sum(nu / (nu - 2)))
        ddf = 2 * E / (E - q)
    return F, q, ddf


@dataclass
class Fit:
    """A fitted model: ``theta``, ``sigma``, ``beta`` and what the tests need.

    ``cov`` is ``cov(beta)``; ``jac[k]`` its derivative in the ``k``-th variance
    parameter, ``A`` their asymptotic covariance (lmerTest's ``Jac_list`` and
    ``vcov_varpar``); ``T`` each term's relative covariance factor.
    """

    theta: np.ndarray
    sigma: float
    beta: np.ndarray
    cov: np.ndarray
    jac: np.ndarray
    A: np.ndarray
    criterion: float
    T: list[np.ndarray]

    def t_tests(self, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(estimate, std_error, df)`` of each row of ``L`` (contrasts of ``beta``)."""
        rows = [contrast_t(row, self.beta, self.cov, self.jac, self.A) for row in L]
        return tuple(np.array(c) for c in zip(*rows, strict=True))

    def singular(self) -> bool:
        """lme4's ``isSingular``: a diagonal element of a factor below the tolerance."""
        return any(np.any(np.abs(np.diag(T)) < SINGULAR_TOL) for T in self.T)


def fit(y: np.ndarray, X: np.ndarray, blocks: list[Block], reml: bool = True) -> Fit:
    """Fit ``y = X beta + Z b + e`` by REML (or ML): lme4's estimates, lmerTest's pieces."""
    with one_blas_thread():  # small matrices: BLAS threads only add synchronisation
        return _fit(y, X, blocks, reml)


def _fit(y, X, blocks, reml) -> Fit:
    dev = Deviance(y, X, blocks, reml=reml)
    theta, criterion = optimise(dev)
    sigma = dev.sigma(dev.solve(theta))
    varpar = np.append(theta, sigma)
    with np.errstate(all="ignore"):
        A = varpar_covariance(dev, varpar)
        jac = jacobian(dev.covbeta, varpar)
    return Fit(theta, sigma, dev.solve(theta)["beta"], dev.covbeta(varpar), jac, A,
               criterion, factors(theta, blocks, dev.where))
