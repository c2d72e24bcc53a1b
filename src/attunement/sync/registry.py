"""Dispatch table of synchrony measures by their command-line names.

Every entry is ``f(x1, x2, sampling_rate, **params) -> dict`` of named summary columns
(floats), so the CLI can add them to ``summary.csv`` and ``attunement.stats`` can call
them on surrogate pairs. ``params`` are the keyword arguments of the measure's function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._check import check_option
from .coherence import coherence, wavelet_coherence
from .contingency import contingency
from .direction import granger, transfer_entropy
from .dtw import dtw
from .group import (
    cluster_phase,
    kuramoto_order,
    mdrqa,
    sum_normalized_csd,
    symbolic_entropy,
    team_coherence,
)
from .phase import phase_sync
from .recurrence import crqa, crqa_windows, recurrence_profile


def _summary_of(func: Callable) -> Callable[..., dict]:
    def summary(x1, x2, sampling_rate, **params) -> dict:
        return func(x1, x2, sampling_rate, **params).summary()

    summary.__name__ = f"{func.__name__}_summary"
    summary.__doc__ = f"Summary columns of :func:`{func.__module__}.{func.__name__}`."
    return summary


def _stack(x1, x2) -> np.ndarray:
    """Both partners' channels as ``(n_signals, n_times)``."""
    a1, a2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    return np.vstack([a1.reshape(a1.shape[0], -1).T, a2.reshape(a2.shape[0], -1).T])


def group_summary(x1, x2, sampling_rate, *, segment_s=None, band_hz=None) -> dict:
    """Cluster-phase rho, Kuramoto order, team coherence, sum-normalised CSD and symbolic
    entropy of both partners' channels (``x1``, ``x2``: ``(n_times,)`` or
    ``(n_times, n_channels)``).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(2, 1200))
    >>> sorted(group_summary(x[0], x[0] + x[1], 10))[:2]
    ['cluster_phase_rho', 'kuramoto_order']
    """
    signals = _stack(x1, x2)
    out = {}
    for func in (cluster_phase, kuramoto_order):
        out.update(func(signals, sampling_rate, band_hz=band_hz).summary())
    for func in (team_coherence, sum_normalized_csd):
        out.update(func(signals, sampling_rate, segment_s=segment_s).summary())
    out.update(symbolic_entropy(signals, sampling_rate).summary())
    return out


def mdrqa_summary(x1, x2, sampling_rate, **params) -> dict:
    """MdRQA summary of both partners' channels (see :func:`attunement.sync.group.mdrqa`)."""
    return mdrqa(_stack(x1, x2), sampling_rate, **params).summary()


#: CLI name -> ``f(x1, x2, sampling_rate, **params) -> dict`` of summary columns.
MEASURES: dict[str, Callable[..., dict]] = {
    "phase": _summary_of(phase_sync),
    "coherence": _summary_of(coherence),
    "wavelet_coherence": _summary_of(wavelet_coherence),
    "crqa": _summary_of(crqa),
    "crqa_windows": _summary_of(crqa_windows),
    "drp": _summary_of(recurrence_profile),
    "dtw": _summary_of(dtw),
    "granger": _summary_of(granger),
    "transfer_entropy": _summary_of(transfer_entropy),
    "contingency": _summary_of(contingency),
    "group": group_summary,
    "mdrqa": mdrqa_summary,
}


def measure_summary(name: str, x1, x2, sampling_rate, **params) -> dict:
    """Summary columns of the measure called ``name`` (one of :data:`MEASURES`).

    Examples
    --------
    >>> t = np.arange(600) / 10
    >>> measure_summary("phase", np.sin(t), np.sin(t - 0.5), 10)["phase_plv"] > 0.99
    True
    """
    check_option(name, "measure", MEASURES)
    return MEASURES[name](x1, x2, sampling_rate, **params)
