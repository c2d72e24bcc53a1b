"""``detect_episodes``: attuned stretches, ruptures and repairs from a synchrony series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._check import check_positive, spawn_seeds
from .._log import logger
from ..session import Session, validate_phases
from .detectability import detectability
from .gate import gate_attuned
from .paradigms import DEFAULT_PARADIGM, resolve
from .result import EpisodeResult
from .rupture_types import TYPE_COLUMNS, type_ruptures
from .segment import segment_states
from .synchrony import SynchronySeries, combine_series, synchrony_series
from .table import episode_table, initiators, phase_at

#: Step lines (each channel's synchrony, the states) go here, at INFO.
steps = logger.getChild("progress")


def detect_episodes(
    data,
    *,
    paradigm: str = DEFAULT_PARADIGM,
    channel: str | Sequence[str] | None = None,
    window_s: float | None = None,
    max_lag_s: float | None = None,
    step_s: float | None = None,
    prewhiten_s: float | None = None,
    n_surrogates: int = 99,
    min_shift_s: float | None = None,
    attuned_dwell_s: float | None = None,
    rupture_dwell_s: float | None = None,
    evidence_s: float | None = None,
    min_effect: float = 1.0,
    rupture_fraction: float = 0.15,
    min_episode_s: float | None = None,
    gate_alpha: float | None = 0.05,
    long_unrepaired_s: float | None = None,
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
    null (:func:`~attunement.episodes.segment_states`); a gate
    (:func:`~attunement.episodes.gate_attuned`) that keeps attuned runs only in a session
    whose overall synchrony exceeds its surrogates, and there only where a run's evidence
    exceeds the largest attuned run the same detector finds in the surrogates, so that
    attuned states mark synchrony beyond chance and agree with the session-level test;
    runs of states become episodes (:func:`~attunement.episodes.table.episode_table`:
    rupture = the loss of an attuned state; a start out of step is ``not_yet_attuned``).

    Parameters
    ----------
    data : Session, SynchronySeries or (times_s, score)
        A session, a precomputed series, or window times with a synchrony score in
        surrogate SDs above chance (regularly spaced; typing and initiators need a Session;
        without surrogate scores the gate is skipped).
    paradigm : str
        The time-scale preset (:data:`~attunement.episodes.PARADIGMS`):
        ``'infant-face-to-face'`` (default; 4 s windows) or ``'psychotherapy-movement'``
        (30 s windows). Parameters given explicitly override it.
    channel : str or list of str, optional
        Channel(s) both partners have; default all of them, combined.
    window_s, max_lag_s, step_s, prewhiten_s, n_surrogates, min_shift_s
        The synchrony series (default: the paradigm's; 99 surrogates, so that the session
        test of the gate resolves p-values in steps of 0.01; see
        :func:`~attunement.episodes.synchrony_series`).
    attuned_dwell_s, rupture_dwell_s, evidence_s, min_effect, rupture_fraction, min_episode_s
        The segmentation (dwell times from the paradigm; see
        :func:`~attunement.episodes.segment_states`).
    gate_alpha : float or None
        Level of the gate (0.05, choice; None: no gate): the session's mean synchrony must
        exceed its surrogates' at this level, and then each attuned run the surrogates'
        largest run (:func:`~attunement.episodes.gate_attuned`).
    long_unrepaired_s : float, optional
        An unrepaired rupture lasting at least this long is ``long_unrepaired`` (from the
        paradigm: a choice, not a published value; SCIENCE.md).
    initiator_s : float, optional
        Windows centred within this time of a repair decide who moved first towards the
        other (default ``window_s``; :func:`~attunement.episodes.table.initiators`).
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
        ``params`` records the paradigm, every parameter, the session-level test of
        synchrony against the surrogates (``session_p_value``) and whether episodes are
        meaningful here (``detectable``, with the reason in ``detectability``).

    Examples
    --------
    >>> from attunement import simulate_dyad
    >>> sim = simulate_dyad("intrusive", duration_s=300, sampling_rate=10, seed=3)
    >>> res = detect_episodes(sim.session, channel=["movement", "positive_affect"])
    >>> truth = sim.episodes.query("kind == 'rupture'")
    >>> truth.onset_s.round().tolist(), res.ruptures.onset_s.round().tolist()
    ([35.0, 100.0, 227.0], [34.0, 99.0, 226.0])
    """
    p = resolve(paradigm, window_s=window_s, max_lag_s=max_lag_s, step_s=step_s,
                prewhiten_s=prewhiten_s, min_shift_s=min_shift_s,
                attuned_dwell_s=attuned_dwell_s, rupture_dwell_s=rupture_dwell_s,
                long_unrepaired_s=long_unrepaired_s)
    if isinstance(data, Session):
        session = data
        names = _channels(session, channel)
        seeds = spawn_seeds(seed, len(names))
        parts = []
        for name, rng in zip(names, seeds):
            steps.info("%s [%s]: synchrony against %d surrogates (shift)", session.id, name,
                       n_surrogates)
            parts.append(synchrony_series(
                *session.pair(name), session.sampling_rate, window_s=p["window_s"],
                max_lag_s=p["max_lag_s"], step_s=p["step_s"], prewhiten_s=p["prewhiten_s"],
                n_surrogates=n_surrogates, min_shift_s=p["min_shift_s"], channel=name,
                seed=rng))
        series = combine_series(parts)
        partners, session_id = session.partners, session.id
        phases = session.phases if phases is None else phases
    else:
        session = None
        series = _as_series(data, p["window_s"])
    phases = validate_phases(phases)
    steps.info("%s: attuned and rupture states", session_id)
    step = float(series.params.get("step_s", p["step_s"]))
    window = float(series.params.get("window_s", p["window_s"]))
    seg = dict(window_s=window, attuned_dwell_s=p["attuned_dwell_s"],
               rupture_dwell_s=p["rupture_dwell_s"], evidence_s=evidence_s,
               min_effect=min_effect, rupture_fraction=rupture_fraction,
               min_episode_s=min_episode_s)
    fit = segment_states(series.score, step, **seg)
    attuned, run_p, gate = fit.attuned, np.full(fit.attuned.shape, np.nan), {}
    if gate_alpha is not None and series.null_score is not None:
        attuned, run_p, null_max, _ = gate_attuned(
            fit.attuned, series.score, series.null_score,
            lambda s: segment_states(s, step, **seg).attuned,
            step_s=step, evidence_s=fit.params["evidence_s"], alpha=gate_alpha)
        gate = dict(gate_alpha=float(gate_alpha), gate_null_max=float(np.max(null_max)))
    long_s = check_positive(p["long_unrepaired_s"], "long_unrepaired_s")
    episodes = episode_table(series.times_s, attuned.astype(int), step, session=session_id,
                             long_unrepaired_s=long_s, centred=True, phases=phases)
    look = window if initiator_s is None else check_positive(initiator_s, "initiator_s")
    if session is not None:
        names = list(series.channels)
        x1 = np.column_stack([session.signal(partners[0], c) for c in names])
        x2 = np.column_stack([session.signal(partners[1], c) for c in names])
        who = initiators(episodes, session.times, x1, x2, tuple(partners), look,
                         smooth_s=min(step, look))
    else:
        who = [None] * len(episodes)
    episodes["repair_initiator"] = pd.array(who, dtype="string")
    if session is not None and len(episodes):
        episodes[TYPE_COLUMNS] = type_ruptures(session, episodes, roles=channel_roles,
                                               baseline_s=typing_baseline_s,
                                               threshold=typing_threshold)
    states = pd.DataFrame({
        "time_s": series.times_s,
        "attuned": attuned,
        "missing": ~np.isfinite(series.score),
        "value": series.score,
        "threshold": fit.threshold,
        "p_attuned": fit.p_attuned,
        "run_p_value": run_p,
        "phase": phase_at(series.times_s, phases),
    })
    check = detectability(series, dwell_s=p["attuned_dwell_s"] + p["rupture_dwell_s"],
                          step_s=step, any_attuned=bool(attuned.any()),
                          separation=fit.emissions["attuned_mean"] - fit.emissions["rupture_mean"],
                          alpha=0.05 if gate_alpha is None else gate_alpha)
    params = dict(series.params, paradigm=paradigm, channels=list(series.channels),
                  **fit.params, **gate, long_unrepaired_s=long_s, initiator_s=look,
                  seed=seed if isinstance(seed, (int, np.integer)) else None, **check)
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
