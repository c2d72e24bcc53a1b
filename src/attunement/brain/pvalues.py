"""Surrogate p-values with corrections over channel pairs (shared by EEG and fNIRS tests).

Per pair, p = (1 + #{null >= observed}) / (1 + n_surrogates) (Phipson & Smyth 2010); the
corrections run over the pairs of each family (mode and band): Benjamini-Hochberg FDR
(:func:`attunement.stats.fdr_bh`),
max-statistic (FWER), or cluster mass over adjacent channel pairs (Maris & Oostenveld 2007,
J Neurosci Methods 164:177). Re-pairings are derangements (no dyad or epoch keeps its partner).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.stats import norm

from .._check import check_option, check_random_state
from ..nulls import fdr_bh

CORRECTIONS = ("fdr", "max", "cluster", "none")
ALTERNATIVES = ("greater", "two-sided")


def derangements(n: int, n_draws: int, seed=None) -> np.ndarray:
    """Permutations of ``range(n)`` without fixed points: all of them when there are at most
    ``n_draws`` (in lexicographic order), else ``n_draws`` random ones.

    Examples
    --------
    >>> derangements(3, 10).tolist()
    [[1, 2, 0], [2, 0, 1]]
    >>> derangements(6, 4, seed=0).shape
    (4, 6)
    """
    if n < 2:
        raise ValueError(f"a derangement needs at least 2 items, got {n}.")
    count = round(math.factorial(n) / math.e)
    if count <= n_draws:
        return np.array([p for p in itertools.permutations(range(n))
                         if all(i != j for i, j in enumerate(p))])
    rng = check_random_state(seed)
    out = np.empty((n_draws, n), dtype=int)
    k = 0
    while k < n_draws:
        p = rng.permutation(n)
        if np.all(p != np.arange(n)):
            out[k] = p
            k += 1
    return out


def pair_adjacency(adjacency_1: np.ndarray, adjacency_2: np.ndarray | None = None):
    """Adjacency of channel pairs: (i, j) ~ (k, l) when i ~ k and j = l, or i = k and j ~ l.

    Examples
    --------
    >>> a = np.array([[0, 1], [1, 0]])
    >>> pair_adjacency(a).toarray().astype(int)[0].tolist()
    [0, 1, 1, 0]
    """
    def as_sparse(a, name):
        a = sparse.csr_matrix(np.asarray(a.toarray() if sparse.issparse(a) else a, dtype=bool),
                              dtype=float)
        if a.shape[0] != a.shape[1]:
            raise ValueError(f"'{name}': expected a square array, got shape {a.shape}.")
        return a

    a1 = as_sparse(adjacency_1, "adjacency_1")
    a2 = a1 if adjacency_2 is None else as_sparse(adjacency_2, "adjacency_2")
    eye1, eye2 = sparse.identity(a1.shape[0]), sparse.identity(a2.shape[0])
    out = (sparse.kron(a1, eye2) + sparse.kron(eye1, a2)).tocsr()
    out.setdiag(0)
    out.eliminate_zeros()
    return out


@dataclass(frozen=True)
class NullComparison:
    """Observed values against a surrogate null, per element of the last (pairs) axis."""

    null_mean: np.ndarray
    null_sd: np.ndarray
    p_value: np.ndarray
    p_corrected: np.ndarray
    cluster: np.ndarray
    p_global: np.ndarray


def _standardise(x, mean, sd):
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x - mean) / sd
    return np.where(sd > 0, z, np.where(x == mean, 0.0, np.sign(x - mean) * np.inf))


def _cluster_masses(z, adjacency, threshold, two_sided):
    """Clusters of supra-threshold adjacent pairs: (labels (0 = none), masses)."""
    labels = np.zeros(z.shape, dtype=int)
    masses = []
    for sign in (1, -1) if two_sided else (1,):
        mask = np.nan_to_num(sign * z, nan=-np.inf) > threshold
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        _, comp = connected_components(adjacency[idx][:, idx], directed=False)
        for c in np.unique(comp):
            members = idx[comp == c]
            masses.append(float(np.sum(np.minimum(sign * z[members], 1e6))))
            labels[members] = len(masses)
    return labels, np.array(masses)


def compare_to_null(observed, null, *, correction="fdr", alternative="greater",
                    adjacency=None, cluster_threshold=None) -> NullComparison:
    """Surrogate p-values per pair, corrected over the pairs (last axis) of each family.

    Parameters
    ----------
    observed : ndarray, shape (..., n_pairs)
    null : ndarray, shape (n_surrogates, ..., n_pairs)
    correction : {'fdr', 'max', 'cluster', 'none'}
    alternative : {'greater', 'two-sided'}
    adjacency : sparse or ndarray (n_pairs, n_pairs), for ``correction='cluster'``
    cluster_threshold : float, optional
        z (against the null's mean and SD) that forms clusters; default the normal quantile of
        0.95 ('greater') or 0.975 ('two-sided').

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = compare_to_null(np.array([5.0, 0.0]), rng.normal(size=(99, 2)))
    >>> res.p_value.tolist()
    [0.01, 0.5]
    """
    check_option(correction, "correction", CORRECTIONS)
    check_option(alternative, "alternative", ALTERNATIVES)
    obs, null = np.asarray(observed, dtype=float), np.asarray(null, dtype=float)
    n = null.shape[0]
    mean, sd = null.mean(0), null.std(0, ddof=1) if n > 1 else np.zeros(obs.shape)
    two = alternative == "two-sided"
    if two:
        exceed = np.abs(null - mean) >= np.abs(obs - mean)
    else:
        exceed = null >= obs
    p = (1 + exceed.sum(0)) / (1 + n)
    p = np.where(np.isnan(obs), np.nan, p)
    g_obs, g_null = np.nanmean(obs, -1), np.nanmean(null, -1)
    g_mean = g_null.mean(0)
    g_exceed = np.abs(g_null - g_mean) >= np.abs(g_obs - g_mean) if two else g_null >= g_obs
    p_global = (1 + g_exceed.sum(0)) / (1 + n)
    cluster = np.zeros(obs.shape, dtype=int)
    if correction == "fdr":
        p_corr = fdr_bh(p)[1]
    elif correction == "none":
        p_corr = p.copy()
    else:
        z_obs, z_null = _standardise(obs, mean, sd), _standardise(null, mean, sd)
        if two:
            z_obs, z_null = np.abs(z_obs), np.abs(z_null)
        if correction == "max":
            max_null = np.nanmax(np.where(np.isnan(z_null), -np.inf, z_null), axis=-1)
            p_corr = (1 + (max_null[..., None] >= z_obs).sum(0)) / (1 + n)
            p_corr = np.where(np.isnan(obs), np.nan, p_corr)
        else:
            p_corr, cluster = _cluster_p(obs, null, mean, sd, adjacency, cluster_threshold, two)
    return NullComparison(mean, sd, p, p_corr, cluster, p_global)


def _cluster_p(obs, null, mean, sd, adjacency, threshold, two):
    if adjacency is None:
        raise ValueError("correction='cluster' needs 'adjacency' (which channels neighbour).")
    adjacency = sparse.csr_matrix(adjacency)
    if adjacency.shape != (obs.shape[-1],) * 2:
        raise ValueError(
            f"'adjacency': expected ({obs.shape[-1]}, {obs.shape[-1]}) for the channel pairs, got "
            f"{adjacency.shape}."
        )
    threshold = norm.ppf(0.975 if two else 0.95) if threshold is None else float(threshold)
    z_obs, z_null = _standardise(obs, mean, sd), _standardise(null, mean, sd)
    p_corr = np.ones(obs.shape)
    labels = np.zeros(obs.shape, dtype=int)
    lead = obs.shape[:-1]
    for idx in np.ndindex(*lead):
        lab, masses = _cluster_masses(z_obs[idx], adjacency, threshold, two)
        max_null = np.array([
            max(_cluster_masses(zn, adjacency, threshold, two)[1], default=0.0)
            for zn in z_null[(slice(None),) + idx]
        ])
        labels[idx] = lab
        for k, mass in enumerate(masses, start=1):
            p_corr[idx][lab == k] = (1 + np.sum(max_null >= mass)) / (1 + len(max_null))
    return np.where(np.isnan(obs), np.nan, p_corr), labels
