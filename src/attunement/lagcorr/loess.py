"""Loess of many rows over one grid (R's ``loess(surface = "direct")``): at each point a
weighted polynomial fit over the ``span`` fraction of nearest points, tricube weights. Used
to smooth each window's cross-correlation over lag before its peak is picked (Boker et al.
2002, Psych Methods 7:338)."""

from __future__ import annotations

import math

import numpy as np


def loess_rows(values: np.ndarray, x: np.ndarray, span: float, degree: int = 2) -> np.ndarray:
    """Loess of every row of ``values`` over the common grid ``x`` (direct computation,
    tricube weights over the ``span`` fraction of nearest points; missing points get no
    weight). Complete rows share one linear operator; rows with gaps are fitted one by one
    in a vectorised batch.

    Examples
    --------
    >>> x = np.arange(9.0)
    >>> np.allclose(loess_rows(np.array([x**2]), x, 0.5), x**2)
    True
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    weights, design = _local_fits(x, span, degree)
    out = np.empty_like(values)
    ok = ~np.isnan(values)
    complete = ok.all(axis=1)
    if complete.any():
        out[complete] = values[complete] @ _operator(weights, design).T
    gaps = np.flatnonzero(~complete)
    n_chunks = -(-len(gaps) * len(x) ** 2 // (1 << 22))
    for chunk in np.array_split(gaps, n_chunks) if len(gaps) else []:
        w = weights[None] * ok[chunk][:, None, :]  # (rows, targets, points)
        gram = np.einsum("rij,ijk,ijl->rikl", w, design, design)
        rhs = np.einsum("rij,ijk,rj->rik", w, design, np.where(ok[chunk], values[chunk], 0.0))
        with np.errstate(invalid="ignore"):
            solvable = np.linalg.matrix_rank(gram) == design.shape[-1]
            gram[~solvable] = np.eye(design.shape[-1])
            out[chunk] = np.where(solvable, np.linalg.solve(gram, rhs[..., None])[..., 0, 0],
                                  np.nan)
    return out


def _local_fits(x: np.ndarray, span: float, degree: int):
    """Tricube weights (targets, points) and centred designs (targets, points, degree + 1)."""
    n = len(x)
    q = min(n, max(degree + 2, int(math.floor(n * span + 1e-9))))  # degree + 1 weighted
    dist = np.abs(x[None, :] - x[:, None])
    reach = np.sort(dist, axis=1)[:, q - 1] * max(1.0, span)
    reach[reach == 0] = 1.0
    weights = np.clip(1 - (dist / reach[:, None]) ** 3, 0, None) ** 3
    offset = x[None, :] - x[:, None]
    design = offset[..., None] ** np.arange(degree + 1)
    return weights, design


def _operator(weights: np.ndarray, design: np.ndarray) -> np.ndarray:
    """The loess hat matrix for complete rows: smoothed = values @ operator.T."""
    gram = np.einsum("ij,ijk,ijl->ikl", weights, design, design)
    unit = np.broadcast_to(np.eye(design.shape[-1])[:, :1], gram.shape[:1] + (len(gram[0]), 1))
    first = np.linalg.solve(gram, unit)[..., 0]
    return weights * np.einsum("ijk,ik->ij", design, first)
