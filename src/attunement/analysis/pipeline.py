"""One session, end to end: preprocess, measure, test against surrogates, find episodes.

:func:`analyze` runs the measures the configuration names (``[measures]``, from the
registry :data:`attunement.sync.registry.MEASURES`) on every channel and returns a
:class:`~attunement.analysis.results.SessionAnalysis`; :func:`analyze_sessions` runs
many sessions, each preprocessed once. ``attune analyze``, ``attune sync`` (a preset of
the configuration) and ``attune batch`` all run this one pipeline.

Progress: ``progress(done, total, step)`` is called after each channel, the episodes
and the heart-rate linkage; a line per step (preprocess, each measure, surrogates,
episodes) goes to the ``attunement.progress`` logger at INFO (the CLI shows it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from .._log import logger
from ..config import AnalysisConfig, load_config
from ..io.quality import channel_reasons
from ..lagcorr.window import check_window
from ..preprocess import remove_outliers, scale, smooth
from ..session import Session
from ..sync.registry import MEASURE_CHANNELS
from .measures import measure_columns
from .results import ChannelAnalysis, SessionAnalysis

#: File suffixes read as videos (motion energy is extracted first).
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm")
#: Step lines (preprocess, each measure, surrogates, episodes) go here, at INFO.
steps = logger.getChild("progress")
Progress = Callable[[int, int, str], None]


def preprocess_session(session: Session, config: AnalysisConfig) -> Session:
    """Apply the configured rMEA-style steps: smooth, then scale, then outliers."""
    pre = config.preprocess
    if pre.smooth_s is not None:
        session = smooth(session, pre.smooth_s)
    if pre.scale is not None:
        session = scale(session, pre.scale)
    if pre.outliers_sd is not None:
        session = remove_outliers(session, threshold_sd=pre.outliers_sd)
    return session


def analyze(session: Session, config: AnalysisConfig | None = None, *,
            pool: Sequence[Session] | None = None,
            progress: Progress | None = None) -> SessionAnalysis:
    """Analyse one session with ``config`` (defaults: :class:`AnalysisConfig`).

    Parameters
    ----------
    session : Session
        The recording, before preprocessing.
    config : AnalysisConfig, optional
        The settings (:func:`attunement.load_config`); ``config.measures`` names the
        measures to run on every channel.
    pool : sequence of Session, optional
        Other sessions (not preprocessed): the pseudo-dyad null draws its pairs from them.
        Without them that null is not run, and a note says so.
    progress : callable, optional
        Called as ``progress(done, total, step)`` after each step (each channel's
        measures and surrogates, the episodes, the heart-rate linkage).

    Examples
    --------
    >>> import attunement as att
    >>> s = att.simulate_dyad(duration_s=120, sampling_rate=10, seed=1).session
    >>> cfg = att.load_config(measures=["wcc", "phase"], read={"channels": ["movement"]},
    ...                       surrogates={"n_surrogates": 0}, episodes={"enabled": False},
    ...                       sync={"window_s": 20})
    >>> result = att.analyze(s, cfg)
    >>> row = result.summary_frame().iloc[0]
    >>> row.channel, bool(row.grand_average > 0), bool(row.phase_plv > 0)
    ('movement', True, True)
    """
    config = config or AnalysisConfig()
    session = preprocess_session(session, config)
    others = [preprocess_session(s, config) for s in pool or ()]
    return _analyze_preprocessed(session, config, others, progress)


def analyze_sessions(sessions: Sequence[Session], config: AnalysisConfig | None = None, *,
                     progress: Callable[[Session], Progress | None] | None = None,
                     ) -> Iterator[tuple[Session, SessionAnalysis | ValueError]]:
    """Analyse every session, each preprocessed once; yields ``(session, analysis)``, or
    ``(session, error)`` for a session that failed (one bad session never stops the rest).

    With the pseudo-dyad null, every session's pool is the other sessions. ``progress``,
    if given, is called with each session before it runs and returns that session's
    ``progress`` callback (see :func:`analyze`).

    Examples
    --------
    >>> import attunement as att
    >>> dyads = [att.simulate_dyad(duration_s=60, sampling_rate=10, seed=k, id=f"d{k}").session
    ...          for k in range(2)]
    >>> cfg = att.load_config(measures=["wcc"], read={"channels": ["movement"]},
    ...                       surrogates={"n_surrogates": 0}, episodes={"enabled": False},
    ...                       sync={"window_s": 20})
    >>> [(s.id, type(a).__name__) for s, a in att.analyze_sessions(dyads, cfg)]
    [('d0', 'SessionAnalysis'), ('d1', 'SessionAnalysis')]
    """
    config = config or AnalysisConfig()
    nul = config.surrogates
    needs_pool = nul.n_surrogates > 0 and nul.null == "pseudo-dyads" and len(sessions) > 1
    prepared: dict[int, Session | ValueError] = {}
    if needs_pool:
        for k, session in enumerate(sessions):
            prepared[k] = _prepare(session, config)
    for k, session in enumerate(sessions):
        callback = progress(session) if progress is not None else None
        pre = prepared[k] if needs_pool else _prepare(session, config)
        if isinstance(pre, ValueError):
            yield session, pre
            continue
        pool = [s for j, s in prepared.items() if j != k and isinstance(s, Session)]
        try:
            yield session, _analyze_preprocessed(pre, config, pool, callback)
        except (ValueError, FloatingPointError) as err:
            yield session, ValueError(str(err))


def _prepare(session: Session, config: AnalysisConfig) -> Session | ValueError:
    steps.info("%s: preprocess", session.id)
    try:
        return preprocess_session(session, config)
    except ValueError as err:
        return err


def _analyze_preprocessed(session: Session, config: AnalysisConfig, pool: list[Session],
                          progress: Progress | None) -> SessionAnalysis:
    channels = _channels(session, config.read.channels)
    sync, nul = config.sync, config.surrogates
    logger.info("session %s: %d sample(s) at %g Hz, channel(s) %s; measures %s; %d "
                "surrogate(s) (%s, seed %d)", session.id, len(session.signals),
                session.sampling_rate, ", ".join(channels), ", ".join(config.measures),
                nul.n_surrogates, nul.null, nul.seed)
    if "wcc" in config.measures:
        check_window(session.sampling_rate, sync.window_s, sync.max_lag_s,
                     f"session {session.id!r}: ", ("sync.window_s", "sync.max_lag_s"))
    notes: list[str] = []
    for channel in channels:
        reasons = channel_reasons(session, channel)
        if reasons:
            notes.append(f"Channel {channel!r}: {'; '.join(reasons)}; its measures are empty.")
            logger.warning("session %s: %s", session.id, notes[-1])
    total = len(channels) + 2

    def step(done: int, label: str) -> None:
        if progress is not None:
            progress(done, total, label)

    if nul.n_surrogates > 0 and nul.null == "pseudo-dyads" and not pool:
        notes.append(
            "Pseudo-dyads need other sessions: no per-session surrogate test was run "
            "(analyse the sessions together, or choose another null)."
        )
        logger.warning("session %s: %s", session.id, notes[-1])
    results = []
    for k, channel in enumerate(channels):
        others = [s.pair(channel) for s in pool if channel in s.channels]
        results.append(_channel(session, channel, config, others, notes))
        step(k + 1, f"{channel}: {', '.join(config.measures)} and {nul.n_surrogates} surrogates")
    analysis = SessionAnalysis(session, config, results, notes=notes)
    analysis.episodes = _episodes(session, config, channels, analysis)
    step(len(channels) + 1, "episodes")
    analysis.physio = _physio(session, config, analysis)
    step(total, "heart-rate linkage")
    return analysis


def _channel(session: Session, channel: str, config: AnalysisConfig, pool: list,
             notes: list[str]) -> ChannelAnalysis:
    """Every configured measure of one channel, in the configured order."""
    x1, x2 = session.pair(channel)
    rate, nul, pre = session.sampling_rate, config.surrogates, config.preprocess
    where = f"session {session.id!r}, channel {channel!r}"
    run_tests = nul.n_surrogates > 0 and (nul.null != "pseudo-dyads" or bool(pool))
    result = ChannelAnalysis(channel, settings={
        "smooth_s": pre.smooth_s, "scale": pre.scale, "outliers_sd": pre.outliers_sd,
        "seed": nul.seed, "sampling_rate": session.sampling_rate})
    for name in config.measures:
        if channel not in MEASURE_CHANNELS.get(name, (channel,)):
            continue  # a voice measure on another channel
        steps.info("%s [%s]: %s", session.id, channel, name)
        if name == "wcc":
            try:
                _wcc(result, (x1, x2, rate), config, pool, run_tests,
                     f"{session.id} [{channel}]")
            except ValueError as err:
                raise ValueError(f"{where}, measure 'wcc': {err}") from None
            continue
        if run_tests:
            steps.info("%s [%s]: %s against %d surrogates (%s)", session.id, channel, name,
                       nul.n_surrogates, nul.null)
        try:
            result.measures[name] = measure_columns(name, (x1, x2, rate), config,
                                                    pool or None, where)
        except ValueError as err:
            if name != "contingency":
                raise
            # the regression needs complete series: a session with gaps gets a note
            notes.append(f"Contingency not computed: {err}")
            logger.warning("session %s: %s", session.id, notes[-1])
            continue
        if name == "vocal":
            from ..episodes.vocal_markers import vocal_markers
            from ..sync.vocal_states import code_vocal_states

            base_s = config.measure_params(name).get("base_s", 0.25) or 1 / rate
            result.vocal = code_vocal_states(x1, x2, rate, base_s=base_s)
            result.vocal_markers = vocal_markers(result.vocal)
        if name == "contingency":
            from ..sync.contingency import contingency

            result.contingency = contingency(x1, x2, rate, **config.measure_params(name))
    return result


def _wcc(result: ChannelAnalysis, pair: tuple, config: AnalysisConfig, pool: list,
         run_tests: bool, label: str) -> None:
    """The WCC, its peaks (who leads) and its surrogate test, into ``result``."""
    from ..lagcorr.lagged import wcc
    from ..lagcorr.peaks import pick_peaks
    from ..stats import surrogate_test

    x1, x2, rate = pair
    nul, params = config.surrogates, config.sync.wcc_params()
    result.wcc = wcc(x1, x2, rate, **params)
    result.peaks = pick_peaks(result.wcc, x1, x2, rate, method=config.peaks.method,
                              alpha=config.peaks.alpha,
                              n_peak_surrogates=config.peaks.n_peak_surrogates, seed=nul.seed)
    if run_tests:
        steps.info("%s: wcc against %d surrogates (%s)", label, nul.n_surrogates, nul.null)
        result.test = surrogate_test(x1, x2, rate, null=nul.null, n_surrogates=nul.n_surrogates,
                                     seed=nul.seed, segment_s=nul.segment_s,
                                     pool=pool or None, params=params)


def _physio(session, config, analysis) -> pd.DataFrame | None:
    """Heart-rate linkage (Palumbo et al. 2017 families), inside vs outside the attuned
    episodes (Feldman et al. 2011), when the session records the configured channel."""
    phys = config.physio
    if (not phys.enabled or phys.channel not in session.channels
            or config.surrogates.n_surrogates == 0):
        return None
    steps.info("%s: heart-rate linkage", session.id)
    from ..linkage import physio_linkage

    episodes = None
    if analysis.episodes is not None:
        attuned = analysis.episodes.episodes.query("kind == 'attuned'")
        episodes = attuned.assign(duration_s=attuned.offset_s - attuned.onset_s)
    try:
        return physio_linkage(
            session,
            channel=phys.channel,
            n_surrogates=config.surrogates.n_surrogates,
            seed=config.surrogates.seed,
            episodes=episodes,
        )
    except ValueError as err:
        analysis.notes.append(f"Heart-rate linkage not computed: {err}")
        return None


def _episodes(session, config, channels, analysis):
    if not channels or not config.episodes.enabled:
        return None
    steps.info("%s: episodes", session.id)
    try:
        from ..episodes import detect_episodes
    except ImportError:  # pragma: no cover - until the episodes module lands
        analysis.notes.append("Episode detection is not available in this version.")
        return None
    try:
        return detect_episodes(
            session,
            channel=channels,
            paradigm=config.episodes.paradigm,
            long_unrepaired_s=config.episodes.long_unrepaired_s,
            seed=config.surrogates.seed,
        )
    except ValueError as err:
        analysis.notes.append(f"Episodes not computed: {err}")
        logger.warning("session %s: episodes not computed: %s", session.id, err)
        return None


def read_sessions(paths: Sequence[str | Path], config: AnalysisConfig,
                  recursive: bool = False) -> list[Session]:
    """Every session in ``paths`` (files, folders, videos) with the ``read`` and
    ``video`` settings of ``config``; a video becomes a session of motion energy
    (:func:`attunement.extract_video`). Phases of ``read.phases`` go to every session."""
    from ..io import read
    from ..io.writers import check_unique, safe_name

    paths = [Path(p) for p in paths]
    sessions = []
    tables = [p for p in paths if p.suffix.lower() not in VIDEO_SUFFIXES]
    if tables:
        r = config.read
        steps.info("read %d input(s)", len(tables))
        sessions.extend(read(tables, sampling_rate=r.sampling_rate, partners=r.partners,
                             resample=r.resample_hz, time_unit=r.time_unit,
                             recursive=recursive))
    for video in (p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES):
        from ..extract import extract_video

        v = config.video
        steps.info("%s: extract %s", video.name, ", ".join(v.features))
        sessions.append(extract_video(video, layout=None if v.regions else v.layout,
                                      regions=v.regions, features=v.features))
    if config.read.phases:
        from ..io.annotations import phases_from_file

        table = phases_from_file(config.read.phases, tier=config.read.phase_tier)
        sessions = [s.replace(phases=table) for s in sessions]
    check_unique({str(s.meta.get("source", s.id)): safe_name(s.id) for s in sessions})
    return sessions


def input_files(paths: Sequence[str | Path]) -> list[Path]:
    """The data files of ``paths`` (files and folders), videos included: a video named,
    or in a named folder, is a session whose motion energy the analysis extracts first
    (``[video]`` settings), as ``attune analyze`` does (``attune batch``'s projects).

    Examples
    --------
    >>> input_files(["tests/data/applied_project_mea"])[0].name
    'MEA_video1000.txt'
    """
    from ..io.dispatch import session_files

    out: list[Path] = []
    for path in map(Path, paths):
        if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file():
            out.append(path)
            continue
        out.extend(session_files([path]))
        if path.is_dir():
            out.extend(sorted(f for f in path.iterdir() if f.is_file()
                              and f.suffix.lower() in VIDEO_SUFFIXES
                              and not f.name.startswith(".")))
    return out


def read_one(path: str | Path, config: AnalysisConfig) -> Session:
    """Read the one session in ``path`` (a recording or a video) with ``config``."""
    sessions = read_sessions([path], config)
    if len(sessions) != 1:
        raise ValueError(f"{path}: expected one session, got {len(sessions)}.")
    return sessions[0]


def analyze_file(path: str | Path, settings: dict | None = None) -> dict[str, pd.DataFrame]:
    """Read one recording or video and return its tables (the worker of ``attune batch``)."""
    config = AnalysisConfig.model_validate(settings or {}) if settings else load_config()
    return analyze(read_one(path, config), config).tables()


def _channels(session: Session, wanted: list[str] | None) -> list[str]:
    """The configured channels this session records for both partners (all if none set)."""
    if wanted is None:
        return session.channels
    present = [c for c in wanted if c in session.channels]
    if not present:
        raise ValueError(
            f"session {session.id!r}: none of the configured channels {wanted} is recorded "
            f"for both partners; it has {session.channels}."
        )
    return present
