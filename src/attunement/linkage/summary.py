"""Every physiological linkage measure of a Session as one tidy table, and their values as
summary columns for the measure registry (``attune analyze``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._check import spawn_seeds
from ..session import Session
from . import measures as linkage
from .coupling import MIN_HR_RATE_HZ, coupling_by_episode, hr_coupling, synchrony_episodes


def physio_linkage(
    session: Session,
    channel: str = "hr_bpm",
    interval_s: float = 15.0,
    lag_s: float = 1.0,
    n_surrogates: int = 500,
    seed=None,
    behaviour_channel: str | None = None,
    episodes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every linkage measure of a Session's heart rate (or other autonomic) channel.

    :func:`interval_correlation` (with both the segment-shuffle null ``'segments'`` of
    Tschacher & Meier and the calibrated circular shift ``'shift'``), :func:`slope_concordance`,
    the two partner
    effects of :func:`partner_effect_test` and, at >= 4 Hz, :func:`hr_coupling`, each
    with its published or documented defaults. With ``episodes`` (onset_s, duration_s),
    or a ``behaviour_channel`` to find them with :func:`synchrony_episodes`, the
    coupling inside vs outside behavioural synchrony (:func:`coupling_by_episode`) is
    added. Tidy rows: ``session``, ``modality``, ``measure``, ``value``, ``null``,
    ``null_mean``, ``n_surrogates``, ``p_value``, ``effect_size``, ``n_used`` and the
    parameters.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = np.convolve(rng.normal(size=2400), np.ones(20) / 20, "same")
    >>> s = Session.from_arrays(80 + common + 0.02 * rng.normal(size=2400), 120 + common, 4,
    ...                         channel="hr_bpm")
    >>> physio_linkage(s, n_surrogates=19, seed=0)[["measure", "null"]]
                       measure      null
    0            hr_interval_r  segments
    1            hr_interval_r     shift
    2  slope_concordance_index     shift
    3    partner_effect_1_to_2     shift
    4    partner_effect_2_to_1     shift
    5                hr_peak_r     shift
    """
    x1, x2 = session.pair(channel)
    sr = session.sampling_rate
    seeds = spawn_seeds(seed, 6)
    results = [
        linkage.interval_correlation(x1, x2, sr, interval_s=interval_s, null=null,
                                     n_surrogates=n_surrogates, seed=g)
        for null, g in (("segments", seeds[0]), ("shift", seeds[1]))
    ]
    results.append(linkage.slope_concordance(x1, x2, sr, n_surrogates=n_surrogates,
                                             seed=seeds[2]))
    results += linkage.partner_effect_test(x1, x2, sr, lag_s=lag_s, n_surrogates=n_surrogates,
                                           seed=seeds[3])
    if sr >= MIN_HR_RATE_HZ:
        results.append(hr_coupling(x1, x2, sr, n_surrogates=n_surrogates, seed=seeds[4]))
    rows = [r.to_frame() for r in results]
    if behaviour_channel is not None and episodes is None:
        b1, b2 = session.pair(behaviour_channel)
        episodes = synchrony_episodes(b1, b2, sr, start_s=float(session.times[0]))
    if episodes is not None:
        by = coupling_by_episode(x1, x2, sr, episodes, start_s=float(session.times[0]),
                                 n_surrogates=n_surrogates, seed=seeds[5])
        rows.append(by.to_frame())
    table = pd.concat(rows, ignore_index=True)
    table.insert(0, "modality", channel)
    table.insert(0, "session", session.id)
    return table


def linkage_summary(x1, x2, sampling_rate: float, *, interval_s: float = 15.0,
                    lag_s: float = 1.0) -> dict:
    """The linkage measures' values without surrogates, as named summary columns.

    The ``f(x1, x2, sampling_rate, **params) -> dict`` form of the measure registry
    (:mod:`attunement.sync.registry`), so ``attune analyze`` can add them to its summary
    and :mod:`attunement.stats` can recompute them on surrogate pairs. ``hr_peak_r`` and
    ``hr_peak_lag_s`` (:func:`hr_coupling`) need >= 4 Hz and are NaN below.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = np.repeat(rng.normal(size=40), 60)
    >>> out = linkage_summary(80 + common + rng.normal(size=2400), 120 + common, 4)
    >>> sorted(out)[:3]
    ['hr_interval_r', 'hr_peak_lag_s', 'hr_peak_r']
    >>> round(out["hr_interval_r"], 2)
    0.99
    """
    ap = linkage.actor_partner(x1, x2, sampling_rate, lag_s=lag_s).table
    partner = ap[ap.effect == "partner"].set_index("outcome")["coef"]
    out = {
        "hr_interval_r": linkage.interval_correlation(
            x1, x2, sampling_rate, interval_s=interval_s, n_surrogates=0).value,
        "slope_concordance_index": linkage.slope_concordance(
            x1, x2, sampling_rate, n_surrogates=0).value,
        "partner_effect_1_to_2": float(partner[2]),
        "partner_effect_2_to_1": float(partner[1]),
        "hr_peak_r": np.nan,
        "hr_peak_lag_s": np.nan,
    }
    if sampling_rate >= MIN_HR_RATE_HZ:
        res = hr_coupling(x1, x2, sampling_rate, n_surrogates=0)
        out.update(hr_peak_r=res.value, hr_peak_lag_s=res.params["lag_s"])
    return out
