"""Dispatch table of synchrony measures by their command-line names.

Every entry of :data:`MEASURES` is ``f(x1, x2, sampling_rate, **params) -> dict`` of
named summary columns (floats), each starting with the measure's name and ``_`` (so the
columns of several measures never collide), and ``params`` are the keyword arguments of
the measure's function (:func:`measure_parameters`; defaults are the published ones,
cited in each function's docstring). The CLI adds the columns to ``summary.csv`` and
:func:`attunement.stats.surrogate_test` calls :func:`headline_function` on surrogate pairs.

Headline statistics
-------------------
:data:`HEADLINES` names, for every measure, the one statistic tested against
surrogates, the direction of the test and why (the one place where this is decided).

Cost of a surrogate test
------------------------
A surrogate test calls the headline function once per surrogate. Seconds per call for a
10-minute session at 30 Hz (18,000 samples; one core of a shared machine, so roughly), and
so for 500 surrogates (SUSY): ``wcc`` (batched), ``phase``, ``coherence``,
``contingency``, ``transfer_entropy``, ``physio``, ``drp`` and ``crqa`` (its headline needs
only the diagonals next to lag 0) 0.01-0.03 s, ``group`` 0.03 s: seconds to a minute;
``crqa_windows`` and ``dtw`` 0.3 s and ``granger`` (order kept from the real pair) 0.5 s:
3-4 minutes; ``wavelet_coherence`` and ``mdrqa`` about 2 s: 15-20 minutes, per session
and channel. Costs grow with length: ``dtw``, ``crqa_windows`` and ``granger`` about
linearly, ``wavelet_coherence`` a little faster, ``mdrqa`` with the square. ``attune sync``
warns when a test would run for more than a minute; it never lowers the number of
surrogates.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable

import numpy as np

from .._check import check_option
from ..lagcorr.lagged import wcc
from ..linkage.summary import linkage_summary
from ..session import Session
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
from .headlines import HEADLINES, PAIR_NULLS, Headline, headline_column, headline_function
from .phase import phase_sync
from .prosody import prosody_summary
from .recurrence import crqa, crqa_windows, recurrence_profile
from .vocal_rhythm import vocal_summary

__all__ = [
    "HEADLINES",
    "MEASURES",
    "MEASURE_CHANNELS",
    "NOT_PARAMETERS",
    "PAIR_NULLS",
    "WCC_COLUMNS",
    "check_measures",
    "check_params",
    "contingency_summary",
    "crqa_summary",
    "group_summary",
    "Headline",
    "headline_column",
    "headline_function",
    "mdrqa_summary",
    "measure_parameters",
    "measure_summary",
    "physio_summary",
    "wcc_summary",
]

#: WCC summaries in the registry (the CLI keeps its own unprefixed columns for WCC).
WCC_COLUMNS = ("grand_average", "lag_zero_mean", "all_lags_mean", "p1_leads_mean",
               "p2_leads_mean", "best_lag_s", "n_windows", "na_cell_fraction",
               "missing_fraction")
#: Parameters of the measures' functions that are not measure parameters.
NOT_PARAMETERS = ("channel",)


def _prefixed(name: str, summary: dict, own_prefix: str = "") -> dict:
    """``summary`` with every key starting ``<name>_`` (replacing ``own_prefix``)."""
    out = {}
    for key, value in summary.items():
        key = key.removeprefix(own_prefix) if own_prefix else key
        out[key if key.startswith(f"{name}_") else f"{name}_{key}"] = float(value)
    return out


def _summary_of(func: Callable, name: str, own_prefix: str = "") -> Callable[..., dict]:
    def summary(x1, x2, sampling_rate, **params) -> dict:
        return _prefixed(name, func(x1, x2, sampling_rate, **params).summary(), own_prefix)

    summary.__name__ = f"{func.__name__}_summary"
    summary.__doc__ = f"Summary columns of :func:`{func.__module__}.{func.__name__}`."
    summary.__wrapped__ = func
    return summary


def _stack(x1, x2) -> np.ndarray:
    """Both partners' channels as ``(n_signals, n_times)``."""
    a1, a2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    return np.vstack([a1.reshape(a1.shape[0], -1).T, a2.reshape(a2.shape[0], -1).T])


def wcc_summary(x1, x2, sampling_rate, **params) -> dict:
    """WCC summaries (:data:`WCC_COLUMNS`) with the prefix ``wcc_``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(2, 1200))
    >>> out = wcc_summary(x[0], x[0] + x[1], 10, window_s=20, max_lag_s=2, step_s=10)
    >>> round(out["wcc_lag_zero_mean"], 1)
    0.7
    """
    summary = wcc(x1, x2, sampling_rate, **params).summary()
    return {f"wcc_{k}": float(summary[k]) for k in WCC_COLUMNS}


wcc_summary.__wrapped__ = wcc


def crqa_summary(x1, x2, sampling_rate, **params) -> dict:
    """CRQA summaries and ``crqa_zero_lag_recurrence_rate``, the recurrence rate on the
    line of synchrony (lag 0; NaN when a Theiler window leaves it out).

    Examples
    --------
    >>> t = np.arange(600) / 10
    >>> out = crqa_summary(np.sin(t), np.sin(t), 10)
    >>> out["crqa_zero_lag_recurrence_rate"]
    1.0
    """
    res = crqa(x1, x2, sampling_rate, **params)
    zero = res.profile[np.isclose(res.lag_s, 0.0)]
    rate = math.nan if res.params["theiler_s"] > 0 or not zero.size else float(zero[0])
    return {**res.summary(), "crqa_zero_lag_recurrence_rate": rate}


crqa_summary.__wrapped__ = crqa


def contingency_summary(x1, x2, sampling_rate, **params) -> dict:
    """Contingency summaries and ``contingency_interactive_max_abs``, the larger absolute
    interactive coefficient of the two directions.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(2, 600))
    >>> out = contingency_summary(x[0], x[1], 1)
    >>> out["contingency_interactive_max_abs"] >= abs(out["contingency_interactive_1to2"])
    True
    """
    out = contingency(x1, x2, sampling_rate, **params).summary()
    out = {k: float(v) for k, v in out.items()}
    out["contingency_interactive_max_abs"] = max(
        abs(out["contingency_interactive_1to2"]), abs(out["contingency_interactive_2to1"]))
    return out


contingency_summary.__wrapped__ = contingency


def group_summary(x1, x2, sampling_rate, *, segment_s=None, band_hz=None) -> dict:
    """Cluster-phase rho, Kuramoto order, team coherence, sum-normalised CSD and symbolic
    entropy of both partners' channels (``x1``, ``x2``: ``(n_times,)`` or
    ``(n_times, n_channels)``), with the prefix ``group_``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(2, 1200))
    >>> sorted(group_summary(x[0], x[0] + x[1], 10))[:2]
    ['group_cluster_phase_rho', 'group_kuramoto_order']
    """
    signals = _stack(x1, x2)
    out = {}
    for func in (cluster_phase, kuramoto_order):
        out.update(func(signals, sampling_rate, band_hz=band_hz).summary())
    for func in (team_coherence, sum_normalized_csd):
        out.update(func(signals, sampling_rate, segment_s=segment_s).summary())
    out.update(symbolic_entropy(signals, sampling_rate).summary())
    return _prefixed("group", out)


def mdrqa_summary(x1, x2, sampling_rate, **params) -> dict:
    """MdRQA summary of both partners' channels (see :func:`attunement.sync.group.mdrqa`)."""
    return _prefixed("mdrqa", mdrqa(_stack(x1, x2), sampling_rate, **params).summary())


mdrqa_summary.__wrapped__ = mdrqa


def physio_summary(x1, x2, sampling_rate, **params) -> dict:
    """Physiological linkage of a heart-rate (or other autonomic) channel without
    surrogates (:func:`attunement.physio.linkage_summary`), with the prefix ``physio_``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = np.repeat(rng.normal(size=40), 60)
    >>> out = physio_summary(80 + common + rng.normal(size=2400), 120 + common, 4)
    >>> round(out["physio_hr_interval_r"], 2)
    0.99
    """
    return _prefixed("physio", linkage_summary(x1, x2, sampling_rate, **params))


physio_summary.__wrapped__ = linkage_summary

#: CLI name -> ``f(x1, x2, sampling_rate, **params) -> dict`` of summary columns.
MEASURES: dict[str, Callable[..., dict]] = {
    "wcc": wcc_summary,
    "phase": _summary_of(phase_sync, "phase"),
    "coherence": _summary_of(coherence, "coherence"),
    "wavelet_coherence": _summary_of(wavelet_coherence, "wavelet_coherence"),
    "crqa": crqa_summary,
    "crqa_windows": _summary_of(crqa_windows, "crqa_windows", own_prefix="crqa_window_"),
    "drp": _summary_of(recurrence_profile, "drp"),
    "dtw": _summary_of(dtw, "dtw"),
    "granger": _summary_of(granger, "granger"),
    "transfer_entropy": _summary_of(transfer_entropy, "transfer_entropy"),
    "contingency": contingency_summary,
    "group": group_summary,
    "mdrqa": mdrqa_summary,
    "physio": physio_summary,
    "vocal": vocal_summary,
    "prosody": prosody_summary,
}
#: Measures that apply to some channels only (from attunement.extract_audio); the analysis
#: runs them on these channels and skips the others.
MEASURE_CHANNELS: dict[str, tuple[str, ...]] = {"vocal": ("voice",), "prosody": ("f0_hz",)}


def check_measures(names: str | Iterable[str], label: str = "measure") -> list[str]:
    """Measure names (a comma-separated string or a list), each checked against
    :data:`MEASURES`; duplicates dropped, order kept.

    Examples
    --------
    >>> check_measures("wcc, phase,wcc")
    ['wcc', 'phase']
    >>> check_measures("wavelet")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for the 'measure' parameter. Allowed values are 'wcc', ...
    """
    items = names.split(",") if isinstance(names, str) else list(names)
    out = [n.strip() for n in items if n.strip()]
    if not out:
        raise ValueError(f"Invalid value for {label!r}: expected one or more of "
                         f"{', '.join(MEASURES)}, got {names!r}.")
    for name in out:
        check_option(name, label, MEASURES)
    return list(dict.fromkeys(out))


def measure_parameters(name: str) -> dict:
    """The measure's parameters and their defaults (the keyword arguments of its function).

    Examples
    --------
    >>> measure_parameters("dtw")
    {'window_s': 5.0, 'normalize': 'zscore'}
    """
    check_option(name, "measure", MEASURES)
    signature = inspect.signature(MEASURES[name])
    return {p.name: p.default for p in signature.parameters.values()
            if p.kind is p.KEYWORD_ONLY and p.name not in NOT_PARAMETERS}


def check_params(name: str, params: dict) -> dict:
    """Raise naming the key when ``params`` has one that measure ``name`` does not take.

    Examples
    --------
    >>> check_params("crqa", {"radius": 0.3})
    {'radius': 0.3}
    >>> check_params("crqa", {"radiuss": 0.3})
    Traceback (most recent call last):
    ...
    ValueError: Invalid parameter 'radiuss' for measure 'crqa': expected one of 'dimension', ...
    """
    allowed = measure_parameters(name)
    for key in params:
        if key not in allowed:
            listed = ", ".join(repr(k) for k in allowed)
            raise ValueError(f"Invalid parameter {key!r} for measure {name!r}: expected one "
                             f"of {listed}, got {key!r}.")
    return dict(params)


def measure_summary(name: str, x1, x2=None, sampling_rate=None, *, channel=None,
                    **params) -> dict:
    """Summary columns of the measure called ``name`` (one of :data:`MEASURES`), of two
    arrays and a sampling rate or of a Session's ``channel``.

    Examples
    --------
    >>> t = np.arange(600) / 10
    >>> measure_summary("phase", np.sin(t), np.sin(t - 0.5), 10)["phase_plv"] > 0.99
    True
    >>> s = Session.from_arrays(np.sin(t), np.sin(t - 0.5), 10, channel="movement")
    >>> measure_summary("phase", s)["phase_plv"] > 0.99
    True
    """
    check_option(name, "measure", MEASURES)
    check_params(name, params)
    if isinstance(x1, Session):
        if x2 is not None:
            raise ValueError("Invalid value for 'x2': expected None when 'x1' is a Session, "
                             f"got {type(x2).__name__}.")
        x1, x2, sampling_rate = *x1.pair(channel), x1.sampling_rate
    return MEASURES[name](x1, x2, sampling_rate, **params)
