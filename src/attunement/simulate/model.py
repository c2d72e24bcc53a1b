"""``simulate_dyad``: a co-regulating dyad as a Session, with its ground truth."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_option, check_positive, check_random_state
from .._log import logger
from ..io.writers import write_csv
from ..session import Session
from . import dynamics
from .events import coupling_course, draw_episodes, draw_switches, procedure_phases
from .observe import CHANNELS, MODALITIES, ChannelModel, missing_mask, observe
from .styles import STYLES, DyadStyle

_STREAMS = ("events", "affect", "activity", "autonomic", "eeg", "observe", "missing", "dyad")


@dataclass(frozen=True)
class SimulatedDyad:
    """A simulated session and the ground truth that produced it.

    Attributes
    ----------
    session : Session
        The observed channels of both partners; ``phases`` filled for the
        still-face procedure and every parameter in ``meta``.
    coupling : DataFrame
        ``time_s, k_12, k_21, attuned`` on the session's clock.
    episodes : DataFrame
        ``onset_s, offset_s, kind ('rupture' or 'still-face'), repaired,
        repair_latency_s (NaN if unrepaired), long_unrepaired``.
    latent : DataFrame
        ``time_s`` and each partner's latent ``affect``, ``activity`` and
        ``autonomic`` states (``<partner>_<state>``), and partner 2's ``distress``.
    """

    session: Session
    coupling: pd.DataFrame
    episodes: pd.DataFrame
    latent: pd.DataFrame

    @property
    def truth(self) -> dict[str, pd.DataFrame]:
        """The truth tables by name: ``coupling``, ``episodes`` and ``phases``."""
        return {"coupling": self.coupling, "episodes": self.episodes, "phases": self.session.phases}

    def summary(self) -> dict:
        """The session's id, length, rate and seed, and its planted ruptures: how many,
        and how many were repaired.

        Examples
        --------
        >>> sim = simulate_dyad("intrusive", duration_s=300, sampling_rate=10, seed=3)
        >>> s = sim.summary()
        >>> s["n_ruptures"], s["n_repaired"] <= s["n_ruptures"], s["duration_s"]
        (3, True, 300.0)
        """
        ruptures = self.episodes[self.episodes["kind"] == "rupture"]
        return {"session": self.session.id, "duration_s": self.session.duration_s,
                "sampling_rate_hz": self.session.sampling_rate,
                "seed": self.session.meta["seed"], "n_ruptures": len(ruptures),
                "n_repaired": int(ruptures["repaired"].sum())}

    def write(self, path: str | Path, force: bool = False) -> dict[str, Path]:
        """Write the session to ``path`` (``.parquet``) and the truth tables beside it.

        Files: ``<stem>.parquet``, ``<stem>.truth_coupling.csv``,
        ``<stem>.truth_episodes.csv`` and ``<stem>.phases.csv`` (which
        :func:`attunement.read` attaches; header only for free play, so that no
        earlier phase table is left behind). Nothing is written if any of them
        exists, unless ``force``.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "dyad.parquet"
        >>> sim = simulate_dyad(duration_s=30, sampling_rate=10, seed=1)
        >>> sorted(p.name for p in sim.write(out).values())
        ['dyad.parquet', 'dyad.phases.csv', 'dyad.truth_coupling.csv', 'dyad.truth_episodes.csv']
        """
        path = Path(path)
        if path.suffix.lower() != ".parquet":
            raise ValueError(f"{path}: expected a .parquet file name for the session.")
        stem = path.with_suffix("")
        targets = {
            "session": path,
            "coupling": Path(f"{stem}.truth_coupling.csv"),
            "episodes": Path(f"{stem}.truth_episodes.csv"),
            "phases": Path(f"{stem}.phases.csv"),
        }
        taken = [str(p) for p in targets.values() if p.exists()]
        if taken and not force:
            raise ValueError(f"{', '.join(taken)}: already exists; use 'force' to overwrite.")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.session.to_parquet(path)
        write_csv(self.coupling, targets["coupling"])
        write_csv(self.episodes, targets["episodes"])
        write_csv(self.session.phases, targets["phases"])
        return targets


def simulate_dyad(
    style: str | DyadStyle = "sensitive",
    duration_s: float | None = None,
    sampling_rate: float = 30.0,
    procedure: str = "free-play",
    phase_s: Sequence[float] | None = None,
    lag_12_s: float = 1.0,
    lag_21_s: float = 1.0,
    missing_per_min: float = 0.0,
    partners: Sequence[str] = ("caregiver", "infant"),
    channels: Sequence[str] | None = None,
    channel_model: ChannelModel | None = None,
    seed: int | np.random.Generator | None = None,
    id: str | None = None,
) -> SimulatedDyad:
    """Simulate two partners whose states regulate each other, with known ruptures.

    Each partner's latent affect and activity mix their own AR(1) process with the
    partner's state one response lag earlier, with time-varying directed coupling
    ``k_12(t)`` (partner 2 follows partner 1) and ``k_21(t)``
    (:mod:`attunement.simulate.dynamics`). The style sets the coupling and its
    ruptures and repairs (:data:`STYLES`); the still-face procedure sets both
    couplings to zero (the caregiver neither leads nor follows, Tronick et al.
    1978) and the caregiver's expression flat during the still-face.
    The infant grows distressed while responsiveness is lost and recovers slowly.
    Channels per partner: ``movement``, ``positive_affect``, ``negative_affect``,
    ``hr_bpm`` (coupled at a sub-second lag) and ``eeg_uv`` (phase locking follows
    the coupling) (:mod:`attunement.simulate.observe`).

    Parameters
    ----------
    style : str or DyadStyle
        One of ``'sensitive'``, ``'intrusive'``, ``'withdrawn'``, ``'inconsistent'``,
        or a :class:`DyadStyle` (e.g. a preset changed with ``dataclasses.replace``).
    duration_s : float, optional
        Length in seconds; defaults to the sum of ``phase_s``, else 600 s (choice).
    sampling_rate : float
        Hz of every channel (30: video frame rate, choice).
    procedure : {'free-play', 'still-face'}
        Still-face: play, still-face, reunion (Tronick et al. 1978).
    phase_s : three floats, optional
        Still-face phase lengths in seconds; default thirds of ``duration_s``.
    lag_12_s, lag_21_s : float
        Response lags (s, at least one sample; rounded to samples): partner 2
        responds to partner 1's state ``lag_12_s`` ago, and partner 1 to partner
        2's ``lag_21_s`` ago. Default 1 s, one step of the 1 s behavioural time
        base (Beebe et al. 2010; Feldman 2007) (choice). A positive cross-
        correlation lag means partner 2 follows partner 1 (rMEA's convention).
    missing_per_min : float
        Missing stretches per minute, per partner and modality (video, ECG, EEG).
    partners : pair of str
        Role names of partner 1 (the caregiver) and partner 2 (the infant).
    channels : sequence of str, optional
        Which of :data:`CHANNELS` to return. ``'eeg_uv'`` needs a ``sampling_rate``
        above twice ``channel_model.eeg_freq_hz``; by default every channel is
        returned, less ``'eeg_uv'`` (with a log message) where the rate is too low.
    channel_model : ChannelModel, optional
        Time constants and observation parameters.
    seed : int, Generator or None
        The same seed gives the same session; events are drawn in seconds, so they
        also agree across sampling rates. None draws a seed and records it in meta.
    id : str, optional
        Session id; default ``'sim-<style>-<seed>'``.

    Returns
    -------
    SimulatedDyad
        ``.session`` and the truth: ``.coupling``, ``.episodes``, ``.latent``.

    Examples
    --------
    >>> sim = simulate_dyad("withdrawn", duration_s=60, sampling_rate=15, seed=3)
    >>> sim.session
    <Session 'sim-withdrawn-3': caregiver & infant, channels ['movement', 'positive_affect',
    'negative_affect', 'hr_bpm', 'eeg_uv'], 900 samples at 15 Hz (60 s)>
    >>> list(sim.coupling.columns)
    ['time_s', 'k_12', 'k_21', 'attuned']
    """
    style = _resolve_style(style)
    model = channel_model or ChannelModel()
    fs = check_positive(sampling_rate, "sampling_rate")
    duration, phases = procedure_phases(procedure, duration_s, phase_s)
    lag12, lag21 = _lag(lag_12_s, "lag_12_s", fs), _lag(lag_21_s, "lag_21_s", fs)
    hr_lag = _lag(model.hr_lag_s, "hr_lag_s", fs)
    per_min = check_positive(missing_per_min, "missing_per_min", allow_zero=True)
    channels = _check_channels(channels, model, fs)
    partners = _check_partners(partners)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    streams = dict(zip(_STREAMS, check_random_state(seed).spawn(len(_STREAMS)), strict=True))

    episodes = draw_episodes(style, phases, duration, streams["events"])
    switches = draw_switches(style, duration, streams["events"])
    n = int(round(duration * fs))
    times = np.arange(n) / fs
    coupling, drive = coupling_course(style, times, episodes, switches)
    k12, k21 = coupling.k_12.to_numpy(), coupling.k_21.to_numpy()
    still = _in_phase(times, phases, "still-face")
    reactivity = float(np.exp(model.distress_spread * streams["dyad"].standard_normal()))
    latent = _latent(streams, model, fs, k12, k21, (lag12, lag21, hr_lag), drive, reactivity)
    observed = observe(latent, still, model, streams["observe"])
    _drop_missing(observed, per_min, model.missing_s, fs, streams["missing"])

    meta = {
        "generator": "attunement.simulate_dyad",
        "style": style.name,
        "seed": int(seed) if isinstance(seed, (int, np.integer)) else None,
        "procedure": procedure,
        "duration_s": duration,
        "lag_12_s": lag12 / fs,
        "lag_21_s": lag21 / fs,
        "missing_per_min": per_min,
        "distress_reactivity": reactivity,
        "style_params": dataclasses.asdict(style),
        "channel_model": dataclasses.asdict(model),
        "n_ruptures": int((episodes.kind == "rupture").sum()),
    }
    sid = id if id is not None else f"sim-{style.name}-{meta['seed']}"
    signals = pd.DataFrame(
        {(partners[p], c): observed[c][p] for p in (0, 1) for c in channels}, index=times
    )
    session = Session(signals, fs, partners=partners, id=sid, phases=phases, meta=meta)
    return SimulatedDyad(session, coupling, episodes, _latent_table(times, latent, partners))


def _latent(streams, model, fs, k12, k21, lags, drive, reactivity) -> dict[str, np.ndarray]:
    """Coupled latent states (2, n), with the infant's distress set points added."""
    lag12, lag21, hr_lag = lags
    n = k12.size
    burn = max(4 * (lag12 + lag21), 8 * hr_lag, int(10 * fs))
    pad12, pad21 = (np.r_[np.full(burn, k[0]), k] for k in (k12, k21))
    shape = (2, n + burn)
    own = np.stack(
        [
            dynamics.ar1(streams["affect"], shape, model.affect_tau_s, fs),
            dynamics.ar1(streams["activity"], shape, model.activity_tau_s, fs),
        ],
        axis=1,
    )
    y1, y2 = dynamics.coupled_pair(own[0], own[1], pad12, pad21, lag12, lag21)
    u = dynamics.ar1(streams["autonomic"], shape, model.autonomic_tau_s, fs)
    c = model.hr_coupling
    h1, h2 = dynamics.coupled_pair(u[0], u[1], c * pad12, c * pad21, hr_lag, hr_lag)
    distress = dynamics.distress(drive, fs, model.distress_rise_s, model.distress_recovery_s)
    felt = distress * reactivity
    affect = np.stack([y1[0, burn:], y2[0, burn:] - model.distress_affect * felt])
    activity = np.stack([y1[1, burn:], y2[1, burn:] + model.distress_activity * felt])
    autonomic = np.stack([h1[burn:], h2[burn:] + model.distress_hr * felt])
    return {
        "affect": affect,
        "activity": activity,
        "autonomic": autonomic,
        "distress": distress,
        **_eeg(streams["eeg"], model, fs, (k12 + k21) / 2),
    }


def _eeg(rng, model, fs, weight) -> dict[str, np.ndarray]:
    """Partner 2's rhythm mixes in partner 1's, lagged, with the dyad's mean coupling."""
    n, lag = weight.size, int(round(model.eeg_lag_s * fs))
    z = dynamics.oscillation(rng, (2, n + lag), model.eeg_freq_hz, model.eeg_bandwidth_hz, fs)
    lead = z[0, lag:]
    follow = np.sqrt(1.0 - weight) * z[1, lag:] + np.sqrt(weight) * z[0, :n]
    noise = dynamics.ar1(rng, (2, n), model.eeg_noise_tau_s, fs)
    return {"eeg": np.stack([lead, follow]), "eeg_noise": noise}


def _drop_missing(channels, per_min, mean_s, fs, rng) -> None:
    if per_min == 0:
        return
    n = channels[CHANNELS[0]].shape[1]
    for p in (0, 1):
        for names in MODALITIES.values():
            mask = missing_mask(n, fs, per_min, mean_s, rng)
            for name in names:
                channels[name][p, mask] = np.nan


def _latent_table(times, latent, partners) -> pd.DataFrame:
    cols = {"time_s": times}
    for p, partner in enumerate(partners):
        for state in ("affect", "activity", "autonomic"):
            cols[f"{partner}_{state}"] = latent[state][p]
    cols[f"{partners[1]}_distress"] = latent["distress"]
    return pd.DataFrame(cols)


def _resolve_style(style) -> DyadStyle:
    if isinstance(style, DyadStyle):
        return style
    return STYLES[check_option(style, "style", list(STYLES))]


def _lag(value: float, name: str, fs: float) -> int:
    lag_s = check_positive(value, name)
    samples = int(round(lag_s * fs))
    if samples < 1:
        raise ValueError(
            f"Invalid value for {name!r}: expected at least one sample (1/sampling_rate = "
            f"{1 / fs:g} s), got {value!r}."
        )
    return samples


def _check_channels(channels, model: ChannelModel, fs: float) -> list[str]:
    if channels is None:
        if model.eeg_freq_hz < fs / 2:
            return list(CHANNELS)
        logger.info(
            "simulate_dyad: no 'eeg_uv' channel; its %g Hz rhythm needs a sampling rate above "
            "%g Hz.",
            model.eeg_freq_hz,
            2 * model.eeg_freq_hz,
        )
        return [c for c in CHANNELS if c != "eeg_uv"]
    chosen = [check_option(c, "channels", CHANNELS) for c in channels]
    if not chosen:
        raise ValueError(f"Invalid value for 'channels': expected some of {CHANNELS}, got none.")
    if "eeg_uv" in chosen and not model.eeg_freq_hz < fs / 2:
        raise ValueError(
            f"Invalid value for 'sampling_rate': the 'eeg_uv' channel's {model.eeg_freq_hz:g} "
            f"Hz rhythm needs more than {2 * model.eeg_freq_hz:g} Hz, got {fs:g}. Raise "
            "sampling_rate, lower channel_model.eeg_freq_hz, or leave 'eeg_uv' out of "
            "'channels'."
        )
    return chosen


def _check_partners(partners) -> tuple[str, str]:
    names = tuple(str(p) for p in partners)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(
            f"Invalid value for 'partners': expected two distinct role names, got {partners!r}."
        )
    return names


def _in_phase(times: np.ndarray, phases: pd.DataFrame, label: str) -> np.ndarray:
    mask = np.zeros(times.size, dtype=bool)
    for phase in phases[phases.label == label].itertuples():
        i0, i1 = np.searchsorted(times, [phase.onset_s, phase.onset_s + phase.duration_s])
        mask[i0:i1] = True
    return mask
