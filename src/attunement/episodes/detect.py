"""``detect_episodes``: attuned stretches, ruptures and repairs from a synchrony series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._check import check_positive, spawn_seeds
from ..session import Session, validate_phases
from .result import EpisodeResult
from .rupture_types import TYPE_COLUMNS, type_ruptures
from .segment import segment_states
from .synchrony import SynchronySeries, combine_series, synchrony_series
from .table import episode_table, initiators, phase_at


def detect_episodes(
    data,
    *,
    channel: str | Sequence[str] | None = None,
    window_s: float = 4.0,
    max_lag_s: float = 2.0,
    step_s: float = 0.5,
    prewhiten_s: float | None = 1.0,
    n_surrogates: int = 19,
    min_shift_s: float = 30.0,
    attuned_dwell_s: float = 30.0,
    rupture_dwell_s: float = 15.0,
    evidence_s: float | None = None,
    min_effect: float = 1.0,
    rupture_fraction: float = 0.15,
    min_episode_s: float | None = None,
    long_unrepaired_s: float = 15.0,
    initiator_s: float | None = None,
    channel_roles: dict[str, str] | None = None,
    typing_baseline_s: float = 10.0,
    typing_threshold: float = 0.5,
    phases: pd.DataFrame | None = None,
    partners: Sequence[str] = ("partner_1", "partner_2"),
    session_id: str = "session",
    seed: int | np.random.Generator | None = 0,
) -> EpisodeResult:
    """Segment a session into attuned and non-attuned states; list ruptures and repairs.

    Pipeline: per channel, a pre-whitened windowed cross-correlation scored against
    circular-shift surrogates (:func:`~attunement.episodes.synchrony_series`); channels
    combined by Stouffer's method; a two-state hidden Markov model anchored to the surrogate
    null (:func:`~attunement.episodes.segment_states`); runs of states become episodes.

    Parameters
    ----------
    data : Session, SynchronySeries or (times_s, score)
        A session, a precomputed series, or window times with a synchrony score in
        surrogate SDs above chance (regularly spaced; typing and initiators need a Session).
    channel : str or list of str, optional
        Channel(s) both partners have; default all of them, combined.
    window_s, max_lag_s, step_s, prewhiten_s, n_surrogates, min_shift_s
        The synchrony series (4 s, 2 s, 0.5 s, 1 s, 19, 30 s; all choices for the short
        time scales of affect attunement, see :func:`~attunement.episodes.synchrony_series`).
    attuned_dwell_s, rupture_dwell_s, evidence_s, min_effect, rupture_fraction, min_episode_s
        The segmentation (see :func:`~attunement.episodes.segment_states`).
    long_unrepaired_s : float
        A rupture lasting at least this long is ``long_unrepaired`` (15 s: a choice, not a
        published value; SCIENCE.md).
    initiator_s : float, optional
        Windows centred this long after a repair decide who led it (default ``window_s``).
    channel_roles : dict, optional
        ``{channel: 'activity' | 'positive' | 'negative' | 'arousal'}`` for rupture typing;
        default from channel names (:func:`~attunement.episodes.channel_roles`).
    typing_baseline_s, typing_threshold : float
        Rupture typing (10 s before onset; 0.5 SD; choices).
    phases : DataFrame, optional
        ``onset_s, duration_s, label``; default the session's.
    partners, session_id
        Names used when ``data`` is not a Session.
    seed : int, Generator or None
        Draws the surrogate shifts (default 0, so repeated runs agree).

    Returns
    -------
    EpisodeResult

    Examples
    --------
    >>> from attunement import simulate_dyad
    >>> sim = simulate_dyad("intrusive", duration_s=300, sampling_rate=10, seed=3)
    >>> res = detect_episodes(sim.session, channel=["movement", "positive_affect"])
    >>> truth = sim.episodes.query("kind == 'rupture'")
    >>> truth.onset_s.round().tolist(), res.ruptures.onset_s.round().tolist()
    ([35.0, 100.0, 227.0], [34.0, 99.0, 226.0])
    """
    if isinstance(data, Session):
        session = data
        names = _channels(session, channel)
        seeds = spawn_seeds(seed, len(names))
        series = combine_series([
            synchrony_series(*session.pair(name), session.sampling_rate, window_s=window_s,
                             max_lag_s=max_lag_s, step_s=step_s, prewhiten_s=prewhiten_s,
                             n_surrogates=n_surrogates, min_shift_s=min_shift_s,
                             channel=name, seed=rng)
            for name, rng in zip(names, seeds)
        ])
        partners, session_id = session.partners, session.id
        phases = session.phases if phases is None else phases
    else:
        session = None
        series = _as_series(data, window_s)
    phases = validate_phases(phases)
    step = float(series.params.get("step_s", step_s))
    window = float(series.params.get("window_s", window_s))
    fit = segment_states(series.score, step, window_s=window, attuned_dwell_s=attuned_dwell_s,
                         rupture_dwell_s=rupture_dwell_s, evidence_s=evidence_s,
                         min_effect=min_effect, rupture_fraction=rupture_fraction,
                         min_episode_s=min_episode_s)
    long_s = check_positive(long_unrepaired_s, "long_unrepaired_s")
    episodes = episode_table(series.times_s, fit.attuned.astype(int), step, session=session_id,
                             long_unrepaired_s=long_s, centred=True, phases=phases)
    look = window if initiator_s is None else check_positive(initiator_s, "initiator_s")
    episodes["repair_initiator"] = initiators(episodes, series.times_s, series.lag_z,
                                              series.lags_s, tuple(partners), look)
    if session is not None and len(episodes):
        episodes[TYPE_COLUMNS] = type_ruptures(session, episodes, roles=channel_roles,
                                               baseline_s=typing_baseline_s,
                                               threshold=typing_threshold)
    states = pd.DataFrame({
        "time_s": series.times_s,
        "attuned": fit.attuned,
        "missing": ~np.isfinite(series.score),
        "value": series.score,
        "threshold": fit.threshold,
        "p_attuned": fit.p_attuned,
        "phase": phase_at(series.times_s, phases),
    })
    params = dict(series.params, channels=list(series.channels), **fit.params,
                  long_unrepaired_s=long_s, initiator_s=look,
                  seed=seed if isinstance(seed, (int, np.integer)) else None)
    return EpisodeResult(episodes=episodes, states=states, session=session_id,
                         partners=tuple(partners), step_s=step, phases=phases, params=params,
                         series=series, fit=fit)


def _channels(session: Session, channel) -> list[str]:
    if channel is None:
        names = session.channels
        if not names:
            raise ValueError(
                f"session {session.id!r}: no channel is recorded for both partners; "
                "episodes need a shared channel."
            )
        return names
    names = [channel] if isinstance(channel, str) else list(channel)
    if not names:
        raise ValueError("Invalid value for 'channel': expected a channel name, got none.")
    return [session.resolve_channel(name) for name in names]


def _as_series(data, window_s: float) -> SynchronySeries:
    if isinstance(data, SynchronySeries):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        times = np.asarray(data[0], dtype=float)
        score = np.asarray(data[1], dtype=float)
        if times.ndim != 1 or times.shape != score.shape or times.size < 2:
            raise ValueError(
                "Invalid value for 'data': expected (times_s, score) as two 1-D arrays of the "
                f"same length >= 2, got shapes {times.shape} and {score.shape}."
            )
        steps = np.diff(times)
        step = float(np.median(steps))
        if step <= 0 or np.max(np.abs(steps - step)) > 1e-6 * max(step, 1.0):
            raise ValueError(
                "Invalid value for 'data': times_s must increase in equal steps, got steps "
                f"from {steps.min():g} to {steps.max():g} s."
            )
        nan = np.full(score.shape, np.nan)
        return SynchronySeries(times, score, nan, nan, score, np.empty((times.size, 0)),
                               np.empty(0), ["score"], dict(step_s=step, window_s=window_s))
    raise ValueError(
        "Invalid value for 'data': expected a Session, a SynchronySeries or a (times_s, "
        f"score) pair, got {type(data).__name__}."
    )
