"""``run_live``: one live session end to end (what ``attune live`` calls)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..session import Session
from .dashboard import Dashboard
from .engine import LiveEngine
from .lsl import Replay, StreamSpec, read_mapping, resolve_streams
from .outputs import MarkerOutlet, OscSender, Recorder

logger = logging.getLogger("attunement")


def run_live(
    out: str | Path,
    *,
    partners: Sequence[str] | None = None,
    mapping: str | Path | None = None,
    replay: Session | None = None,
    video=None,
    speed: float = 1.0,
    channels: Sequence[str] | None = None,
    duration_s: float | None = None,
    idle_s: float = 3.0,
    resolve_timeout_s: float = 10.0,
    osc_port: int | None = None,
    osc_host: str = "127.0.0.1",
    osc_allow_remote: bool = False,
    dashboard_port: int | None = None,
    markers: bool = True,
    force: bool = False,
    session_id: str = "live",
    score_params: dict | None = None,
    state_params: dict | None = None,
    sinks: Sequence = (),
    on_ready=None,
) -> dict:
    """Read two partners' LSL streams (or replay a session through LSL on this machine) and
    record, publish and show synchrony, state and events until the streams stop.

    Parameters
    ----------
    out : path
        Folder for the recording (:class:`~attunement.live.outputs.Recorder`).
    partners : (str, str), optional
        The partners' names (required unless replaying: the session's).
    mapping : path, optional
        TOML stream mapping (:func:`~attunement.live.lsl.read_mapping`); default the
        ``<partner>`` / ``<partner>-...`` stream names.
    replay : Session, optional
        Pushed to LSL outlets on this machine at ``speed`` times real time and read back.
    video : VideoSource, optional
        Movement from a video file or camera (:class:`~attunement.live.video.VideoSource`),
        extracted as frames arrive; its partners and, with ``mapping``, other mapped
        streams are read.
    channels : list of str, optional
        With ``replay``: the channels to stream (default all).
    duration_s, idle_s
        Stop after ``duration_s`` or when no sample came for ``idle_s`` seconds.
    osc_port, osc_host, osc_allow_remote
        Send OSC (:class:`~attunement.live.outputs.OscSender`) when a port is given.
    dashboard_port : int, optional
        Serve the dashboard on 127.0.0.1 at this port (0: any free port).
    markers : bool
        Publish the ``attune-markers`` LSL stream.
    sinks : list
        More sinks (e.g. a test's collector).
    on_ready : callable, optional
        Called with the dashboard (or None) once the streams are open.

    Returns
    -------
    dict
        The engine's summary (per stream: received, dropped, late; updates) and ``out``.
    """
    replayer, specs = None, None
    if replay is not None:
        session = replay
        if channels:
            keep = [session.resolve_channel(c) for c in channels]
            session = session.replace(
                signals=session.signals.loc[:, [c for c in session.signals.columns
                                                if c[1] in keep]])
        partners = session.partners
        session_id = session.id if session_id == "live" else session_id
        # A name of its own, so that streams left by an earlier replay on this machine
        # are never read in its place.
        # (with a mapping, the mapped names are used as they are).
        suffix = "" if mapping is not None else f"-replay-{uuid.uuid4().hex[:8]}"
        replayer = Replay(session, speed=speed, suffix=suffix)
        if mapping is None:
            specs = [StreamSpec(f"{p}{suffix}", p) for p in partners]
    elif video is not None:
        partners, speed = video.partners, video.speed
        specs = video.specs
    elif partners is None or len(partners) != 2:
        raise ValueError(
            f"Invalid value for 'partners': expected two names, got {partners!r}."
        )
    if mapping is not None:
        specs = (specs if video is not None else []) + read_mapping(mapping, partners)
    # the outputs that validate user input first, so that a bad one leaves no files behind
    osc = (OscSender(osc_port, osc_host, allow_remote=osc_allow_remote)
           if osc_port is not None else None)
    recorder = Recorder(out, session_id=session_id, partners=tuple(partners), force=force)
    outputs = [recorder, *sinks, *([osc] if osc else [])]
    if markers:
        outputs.append(MarkerOutlet())
    dashboard = None
    if dashboard_port is not None:
        dashboard = Dashboard(port=dashboard_port, title=f"attune live: {session_id}")
        outputs.append(dashboard)
        logger.info("dashboard at %s", dashboard.url)
    try:
        streams = resolve_streams(partners, specs, timeout_s=resolve_timeout_s)
        engine = LiveEngine(streams, partners, sinks=outputs, score_params=score_params,
                            state_params=state_params,
                            speed=speed if replayer or video else 1.0)
        engine.open()
        if on_ready is not None:
            on_ready(dashboard)
        for source in (replayer, video):
            if source is not None:
                source.start()
        summary = engine.run(duration_s=duration_s, idle_s=idle_s)
    finally:
        for source in (replayer, video):
            if source is not None:
                source.stop()
        if dashboard is not None:
            dashboard.shutdown()
    if video is not None:
        if video.error is not None:
            raise video.error
        summary["frames"] = video.frames
    return dict(summary, out=str(out))


def live_states(session: Session, channels: Sequence[str] | None = None, *,
                score_params: dict | None = None, state_params: dict | None = None):
    """The live computation on a recorded session, without LSL: every sample in order.

    What ``attune live`` reports for the same session over LSL when no sample is dropped
    (tests/test_live.py checks it); for validation on many recordings (pseudo-dyads).

    Returns
    -------
    list of StateUpdate
        One per step, as :class:`~attunement.live.state.ForwardState` gives them.

    Examples
    --------
    >>> from attunement import simulate_dyad
    >>> sim = simulate_dyad("intrusive", duration_s=120, sampling_rate=10, seed=3)
    >>> ups = live_states(sim.session, ["movement"])
    >>> len(ups), [u.event for u in ups if u.event][:2]
    (229, ['attuned', 'rupture'])
    """
    from .score import OnlineScore
    from .state import ForwardState

    names = sorted(session.resolve_channel(c) for c in (channels or session.channels))
    scorers = {c: OnlineScore(session.sampling_rate, **(score_params or {})) for c in names}
    state = ForwardState(**(state_params or {}))
    pairs = {c: session.pair(c) for c in names}
    pending: dict[float, dict] = {}
    updates = []
    for i in range(session.n_samples):
        for c in names:
            for t, s, _ in scorers[c].push(pairs[c][0][i], pairs[c][1][i]):
                pending.setdefault(round(t, 6), {})[c] = s
        for t in sorted(k for k, v in pending.items() if len(v) == len(names)):
            step = pending.pop(t)
            scores = np.array([step[c] for c in names])
            finite = scores[np.isfinite(scores)]
            combined = finite.sum() / np.sqrt(finite.size) if finite.size else np.nan
            updates.append(state.update(t, combined))
    return updates
