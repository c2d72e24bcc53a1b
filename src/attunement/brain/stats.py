"""Surrogate statistics for inter-brain synchrony: pseudo-pairs, shuffled epochs, corrections.

Shared stimulation and shared task timing produce inter-brain "synchrony" between people who
never interacted (Burgess 2013, Front Hum Neurosci 7:881), and short epochs inflate every
estimate (Zimmermann et al. 2024): observed values mean little without a null. Two nulls:

- ``pseudo-dyads`` (Burgess 2013): participant 1 of each dyad paired with participant 2 of
  another dyad, epoch by epoch; the re-pairings are derangements of the dyads, so the
  statistic (mean over dyads) keeps the task structure and loses only the interaction.
- ``epochs``: within each dyad, participant 2's epochs re-ordered (no epoch keeps its
  partner epoch); tests synchrony specific to simultaneous epochs.

p-values and their corrections over channel pairs: :mod:`~attunement.brain.pvalues`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_random_state, soft_import
from .._log import logger
from ..mne_data import is_mne
from .eeg import Prepared, nanmean, prepare
from .measures import check_modes, interbrain_matrix
from .pvalues import compare_to_null, derangements, pair_adjacency

NULLS = ("pseudo-dyads", "epochs")


@dataclass(frozen=True)
class InterBrainTest:
    """Inter-brain synchrony against a surrogate null, per mode, band and channel pair.

    ``observed``, ``null_mean``, ``null_sd``, ``p_value``, ``p_corrected`` and ``cluster``
    have shape (n_modes, n_bands, n_channels_1, n_channels_2); ``null`` has a leading
    n_surrogates axis; ``p_global`` (n_modes, n_bands) tests the mean over all channel pairs.
    """

    observed: np.ndarray
    null: np.ndarray
    null_mean: np.ndarray
    null_sd: np.ndarray
    p_value: np.ndarray
    p_corrected: np.ndarray
    cluster: np.ndarray
    p_global: np.ndarray
    modes: tuple[str, ...]
    bands: dict[str, tuple[float, float]]
    channels_1: tuple[str, ...]
    channels_2: tuple[str, ...]
    null_name: str
    correction: str
    alternative: str
    alpha: float
    n_dyads: int
    params: dict = field(default_factory=dict)

    @property
    def n_surrogates(self) -> int:
        return self.null.shape[0]

    def to_frame(self) -> pd.DataFrame:
        """One row per mode, band and channel pair: value, null, effect size, p-values."""
        index = pd.MultiIndex.from_product(
            [self.modes, list(self.bands), self.channels_1, self.channels_2],
            names=["mode", "band", "channel_1", "channel_2"],
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (self.observed - self.null_mean) / self.null_sd
        frame = pd.DataFrame({
            "value": self.observed.ravel(),
            "null_mean": self.null_mean.ravel(),
            "null_sd": self.null_sd.ravel(),
            "effect_size": (self.observed - self.null_mean).ravel(),
            "z": z.ravel(),
            "p_value": self.p_value.ravel(),
            "p_corrected": self.p_corrected.ravel(),
            "significant": (self.p_corrected <= self.alpha).ravel(),
            "cluster": self.cluster.ravel(),
        }, index=index).reset_index()
        return self._annotate(frame)

    def summary(self) -> pd.DataFrame:
        """One row per mode and band: mean over channel pairs against the null of that mean."""
        rows = []
        for m, mode in enumerate(self.modes):
            for b, band in enumerate(self.bands):
                null = np.nanmean(self.null[:, m, b], axis=(-2, -1))
                value = float(np.nanmean(self.observed[m, b]))
                rows.append({
                    "mode": mode, "band": band, "value": value,
                    "null_mean": float(null.mean()), "null_sd": float(null.std(ddof=1)),
                    "effect_size": value - float(null.mean()),
                    "p_value": float(self.p_global[m, b]),
                    "n_significant_pairs": int(np.sum(self.p_corrected[m, b] <= self.alpha)),
                })
        return self._annotate(pd.DataFrame(rows))

    def _annotate(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame["null"] = self.null_name
        frame["correction"] = self.correction
        frame["alternative"] = self.alternative
        frame["n_surrogates"] = self.n_surrogates
        frame["n_dyads"] = self.n_dyads
        return frame


def _as_dyads(dyads) -> list[tuple]:
    if isinstance(dyads, (tuple, list)) and len(dyads) == 2 and not isinstance(
        dyads[0], (tuple, list)
    ):
        return [tuple(dyads)]
    out = list(dyads)
    for k, d in enumerate(out):
        if not isinstance(d, (tuple, list)) or len(d) != 2:
            raise ValueError(
                f"'dyads': expected (participant_1, participant_2) pairs, item {k} is "
                f"{type(d).__name__}."
            )
    return [tuple(d) for d in out]


def _epoch_mean(z1, z2, modes, n_jobs=None):
    return nanmean(interbrain_matrix(z1, z2, modes, n_jobs=n_jobs), axis=2)


def _check_same(preps: Sequence[Prepared]):
    first = preps[0]
    for k, p in enumerate(preps[1:], start=2):
        if (p.channels_1, p.channels_2) != (first.channels_1, first.channels_2):
            raise ValueError(
                f"dyad {k}: channels differ from dyad 1's; pseudo-pairs need the same montage."
            )
        if p.sampling_rate != first.sampling_rate or p.z1.shape[-1] != first.z1.shape[-1]:
            raise ValueError(
                f"dyad {k}: sampling rate or epoch length differs from dyad 1's "
                f"({p.sampling_rate:g} Hz x {p.z1.shape[-1]} vs {first.sampling_rate:g} Hz x "
                f"{first.z1.shape[-1]} samples)."
            )


def interbrain_test(
    dyads,
    modes="plv",
    bands=None,
    *,
    null: str = "pseudo-dyads",
    n_surrogates: int = 200,
    correction: str = "fdr",
    alternative: str = "greater",
    alpha: float = 0.05,
    adjacency=None,
    cluster_threshold: float | None = None,
    sampling_rate: float | None = None,
    pair_by: str = "name",
    window_s: float | None = None,
    step_s: float | None = None,
    seed=None,
    on_progress: Callable[[int, int], None] | None = None,
    n_jobs: int | None = None,
) -> InterBrainTest:
    """Test inter-brain synchrony against pseudo-pairs or shuffled epochs.

    Parameters
    ----------
    dyads : (p1, p2) or list of (p1, p2)
        One dyad or several, each two ``Epochs`` (or arrays, see :func:`~attunement.interbrain`);
        the statistic is the mean over dyads of the epoch-averaged values.
    modes, bands, sampling_rate, pair_by, window_s, step_s
        As :func:`~attunement.interbrain`. With continuous recordings cut into windows,
        'epochs' pairs windows from different times; keep ``step_s >= window_s`` so
        that no window is paired with an overlapping one.
    null : {'pseudo-dyads', 'epochs'}
        'pseudo-dyads' (Burgess 2013) needs at least two dyads with the same channels;
        'epochs' needs at least two epochs per dyad.
    n_surrogates : int
        Surrogates drawn (all distinct re-pairings when there are fewer).
    correction : {'fdr', 'max', 'cluster', 'none'}
        Over channel pairs, per mode and band.
    alternative : {'greater', 'two-sided'}
    alpha : float
        Level that sets the ``significant`` column.
    adjacency : ndarray (n_channels, n_channels), (adjacency_1, adjacency_2) or 'auto'
        Channel neighbours for ``correction='cluster'``; 'auto' asks MNE
        (``mne.channels.find_ch_adjacency``, needs channel positions).
    seed : int, Generator or None
        Same seed, same surrogates.
    on_progress : callable(done, total), optional
    n_jobs : int or None
        Threads per matrix (see :func:`~attunement.brain.measures.interbrain_matrix`).

    Returns
    -------
    InterBrainTest

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(200) / 100
    >>> s = np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (8, 1, 1)))
    >>> p1 = s + 0.5 * rng.normal(size=(8, 2, 200))
    >>> p2 = s + 0.5 * rng.normal(size=(8, 2, 200))
    >>> res = interbrain_test((p1, p2), "plv", {"alpha": (8, 12)}, null="epochs",
    ...                       n_surrogates=19, sampling_rate=100, seed=1)
    >>> res.summary()[["mode", "band", "p_value"]].to_dict("records")
    [{'mode': 'plv', 'band': 'alpha', 'p_value': 0.05}]
    """
    check_option(null, "null", NULLS)
    modes = check_modes(modes)
    if int(n_surrogates) < 1:
        raise ValueError(f"'n_surrogates': expected an integer >= 1, got {n_surrogates!r}.")
    dyads = _as_dyads(dyads)
    preps = [
        prepare(a, b, bands, sampling_rate=sampling_rate, pair_by=pair_by, window_s=window_s,
                step_s=step_s,
                labels=(f"dyad {k + 1} participant 1", f"dyad {k + 1} participant 2"))
        for k, (a, b) in enumerate(dyads)
    ]
    rng = check_random_state(seed)
    make_null = _pseudo_pair_null if null == "pseudo-dyads" else _epoch_shuffle_null
    observed, surrogates = make_null(preps, modes, int(n_surrogates), rng, on_progress, n_jobs)
    first = preps[0]
    adj = None
    if correction == "cluster" and isinstance(adjacency, str):
        check_option(adjacency, "adjacency", ["auto"])
        adjacency = (_auto_adjacency(dyads[0][0], first.channels_1),
                     _auto_adjacency(dyads[0][1], first.channels_2))
    if correction == "cluster" and adjacency is not None:
        a1, a2 = adjacency if isinstance(adjacency, tuple) else (adjacency, None)
        adj = pair_adjacency(a1, a2)
    res = compare_to_null(observed.reshape(observed.shape[:2] + (-1,)),
                          surrogates.reshape(surrogates.shape[:3] + (-1,)),
                          correction=correction, alternative=alternative, adjacency=adj,
                          cluster_threshold=cluster_threshold)
    shape = observed.shape
    return InterBrainTest(
        observed=observed, null=surrogates,
        null_mean=res.null_mean.reshape(shape), null_sd=res.null_sd.reshape(shape),
        p_value=res.p_value.reshape(shape), p_corrected=res.p_corrected.reshape(shape),
        cluster=res.cluster.reshape(shape), p_global=res.p_global,
        modes=modes, bands=first.bands, channels_1=first.channels_1, channels_2=first.channels_2,
        null_name=null, correction=correction, alternative=alternative, alpha=float(alpha),
        n_dyads=len(preps),
        params={"seed": seed, "cluster_threshold": cluster_threshold, "pair_by": pair_by},
    )


def _auto_adjacency(inst, channels) -> np.ndarray:
    """Channel neighbours from MNE (``find_ch_adjacency``), in ``channels`` order."""
    if not is_mne(inst):
        raise ValueError("adjacency='auto' needs MNE objects with channel positions; pass an "
                         "adjacency array (n_channels x n_channels) instead.")
    mne = soft_import("mne", "Cluster correction (channel adjacency)")
    try:
        adjacency, names = mne.channels.find_ch_adjacency(inst.info, ch_type=None)
    except (ValueError, RuntimeError) as err:
        raise ValueError(f"adjacency='auto': MNE found no channel neighbours ({err}); pass an "
                         "adjacency array instead.") from err
    missing = [c for c in channels if c not in names]
    if missing:
        raise ValueError(f"adjacency='auto': no neighbours known for channels {missing[:5]}.")
    order = [names.index(c) for c in channels]
    return adjacency.toarray()[np.ix_(order, order)]


def _pseudo_pair_null(preps, modes, n_surrogates, rng, on_progress, n_jobs):
    n = len(preps)
    if n < 2:
        raise ValueError(
            "null='pseudo-dyads' needs at least 2 dyads (participant 1 of one dyad with "
            "participant 2 of another); pass several dyads or use null='epochs'."
        )
    _check_same(preps)
    cross = {}
    total = n * n
    for k, (d, e) in enumerate(itertools.product(range(n), range(n))):
        m = min(preps[d].z1.shape[1], preps[e].z2.shape[1])
        cross[d, e] = _epoch_mean(preps[d].z1[:, :m], preps[e].z2[:, :m], modes, n_jobs)
        if on_progress:
            on_progress(k + 1, total)
    perms = derangements(n, n_surrogates, rng)
    if len(perms) < n_surrogates:
        logger.warning("%d dyads allow only %d distinct pseudo-pairings; the smallest p-value "
                       "is %.3g.", n, len(perms), 1 / (1 + len(perms)))
    observed = np.mean([cross[d, d] for d in range(n)], axis=0)
    null = np.stack([np.mean([cross[d, p[d]] for d in range(n)], axis=0) for p in perms])
    return observed, null


def _epoch_shuffle_null(preps, modes, n_surrogates, rng, on_progress, n_jobs):
    for k, p in enumerate(preps, start=1):
        if p.z1.shape[1] < 2:
            raise ValueError(f"dyad {k}: null='epochs' needs at least 2 epochs, got 1.")
    observed = np.mean([_epoch_mean(p.z1, p.z2, modes, n_jobs) for p in preps], axis=0)
    perms = [derangements(p.z1.shape[1], n_surrogates, rng) for p in preps]
    n_draws = min(len(x) for x in perms)
    null = np.empty((n_draws,) + observed.shape)
    for s in range(n_draws):
        null[s] = np.mean([_epoch_mean(p.z1, p.z2[:, perm[s]], modes, n_jobs)
                           for p, perm in zip(preps, perms, strict=True)], axis=0)
        if on_progress:
            on_progress(s + 1, n_draws)
    return observed, null
