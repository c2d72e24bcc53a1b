"""Observation models: latent states to the channels later stages read.

Per partner, at the session's sampling rate:

- ``movement``: movement energy (arbitrary units), non-negative and bursty like
  Motion Energy Analysis: a soft threshold of the activity state with
  multiplicative jitter and a small camera-noise floor.
- ``positive_affect`` and ``negative_affect``: facial-affect intensities in
  ``[0, 1]`` (smile; cry-face), logistic in the affect state, with coding noise.
- ``hr_bpm``: heart rate in beats per minute from the autonomic state, which
  partners couple at a sub-second lag.
- ``eeg_uv``: an EEG-like narrow-band oscillation (µV) whose phase locking follows
  the dyad's coupling. At 30 Hz it can only be a slow rhythm; for realistic EEG
  rates simulate a separate session with a higher ``sampling_rate``.

Partner 2 (the infant) reacts to lost responsiveness with distress; partner 1 (the
caregiver) is the one whose face and body go still during the still-face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

CHANNELS = ("movement", "positive_affect", "negative_affect", "hr_bpm", "eeg_uv")
#: Channels that go missing together (one camera; one ECG; one EEG cap).
MODALITIES = {
    "video": ("movement", "positive_affect", "negative_affect"),
    "ecg": ("hr_bpm",),
    "eeg": ("eeg_uv",),
}


@dataclass(frozen=True)
class ChannelModel:
    """Time constants and observation parameters; pairs are (partner 1, partner 2).

    Values are *choices* unless a source is named.

    Parameters
    ----------
    affect_tau_s, activity_tau_s, autonomic_tau_s : float
        Time constants (s) of each partner's own affect, activity and autonomic
        processes.
    distress_rise_s, distress_recovery_s : float
        The infant's distress rises over tens of seconds of lost responsiveness
        (the within-still-face increase, Mattson et al. 2013) and recovers more
        slowly (reunion carry-over, Mesman et al. 2009).
    distress_affect, distress_activity, distress_hr : float
        Shift of the infant's affect (down), activity and heart rate (up) at full
        distress, in SDs of each state.
    distress_spread : float
        Between-infant spread of that reactivity: each dyad's shifts are scaled by
        ``exp(N(0, distress_spread))``, as infants differ widely in their still-face
        response (Mesman et al. 2009).
    hr_lag_s : float
        Autonomic response lag, each way (0.5 s; heart rhythms couple within lags
        under 1 s, Feldman et al. 2011, Infant Behav Dev 34:569).
    hr_coupling : float
        Autonomic coupling as a share of the behavioural coupling, so it is
        stronger during attuned stretches (Feldman et al. 2011).
    hr_bpm, hr_sd_bpm : pair of float
        Mean and SD of heart rate: typical adult and 3-6-month infant values.
    hr_activity : float
        Weight of activity in heart rate (SDs per SD).
    hr_noise_bpm : float
        Beat-detection noise.
    eeg_freq_hz, eeg_bandwidth_hz : float
        Rhythm of the oscillatory channel (6 Hz: the infant alpha band is 6-9 Hz,
        Marshall, Bar-Haim & Fox 2002, Clin Neurophysiol 113:1199) and its width.
    eeg_lag_s : float
        Lag of the partner-2 oscillation behind partner 1's.
    eeg_uv, eeg_noise_uv : float
        Amplitude of the rhythm and of the background noise, µV.
    eeg_noise_tau_s : float
        Time constant of the background noise (an AR(1), so its spectrum falls
        with frequency).
    face_gain, face_noise : float
        Logistic slope of facial affect in the affect state; coding noise (SD).
    smile_threshold, negative_threshold : pair of float
        Affect level (SDs) at which a smile (above) or a cry-face (below, as minus
        the level) reaches half intensity.
    still_face_level : float
        The caregiver's flat facial-affect intensity during the still-face.
    movement_gain, movement_threshold, movement_jitter, movement_floor : float
        Soft threshold of activity (slope, level in SDs), lognormal jitter SD and
        camera-noise floor of movement energy.
    missing_s : float
        Mean length (s) of a missing stretch (exponential, at least 0.5 s).

    Examples
    --------
    >>> ChannelModel().hr_lag_s
    0.5
    """

    affect_tau_s: float = 2.0
    activity_tau_s: float = 1.0
    autonomic_tau_s: float = 1.5
    distress_rise_s: float = 30.0
    distress_recovery_s: float = 40.0
    distress_affect: float = 1.5
    distress_activity: float = 0.5
    distress_hr: float = 1.0
    distress_spread: float = 0.4
    hr_lag_s: float = 0.5
    hr_coupling: float = 0.8
    hr_bpm: tuple[float, float] = (75.0, 140.0)
    hr_sd_bpm: tuple[float, float] = (4.0, 8.0)
    hr_activity: float = 0.3
    hr_noise_bpm: float = 0.5
    eeg_freq_hz: float = 6.0
    eeg_bandwidth_hz: float = 1.0
    eeg_lag_s: float = 0.1
    eeg_uv: float = 20.0
    eeg_noise_uv: float = 10.0
    eeg_noise_tau_s: float = 0.05
    face_gain: float = 2.0
    face_noise: float = 0.05
    smile_threshold: tuple[float, float] = (0.5, 0.5)
    negative_threshold: tuple[float, float] = (1.5, 1.0)
    still_face_level: float = 0.02
    movement_gain: float = 3.0
    movement_threshold: float = 0.5
    movement_jitter: float = 0.3
    movement_floor: float = 0.02
    missing_s: float = 3.0


def observe(
    latent: dict[str, np.ndarray],
    still: np.ndarray,
    model: ChannelModel,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Channels of both partners, each of shape (2, n), from the latent states.

    ``latent`` holds ``affect``, ``activity`` and ``autonomic`` (shape (2, n), set
    points included), the oscillation ``eeg`` (complex) and its background
    ``eeg_noise`` (both (2, n), unit power); ``still`` marks the still-face samples.

    Examples
    --------
    >>> n, rng = 100, np.random.default_rng(0)
    >>> names = ("affect", "activity", "autonomic", "eeg", "eeg_noise")
    >>> lat = {k: rng.standard_normal((2, n)) for k in names}
    >>> obs = observe(lat, np.zeros(n, bool), ChannelModel(), rng)
    >>> sorted(obs) == sorted(CHANNELS), bool((obs["movement"] >= 0).all())
    (True, True)
    """
    n = still.size
    affect, activity = latent["affect"], latent["activity"]
    m = model
    burst = np.logaddexp(0.0, m.movement_gain * (activity - m.movement_threshold))
    movement = burst * np.exp(m.movement_jitter * rng.standard_normal((2, n)))
    movement += np.abs(m.movement_floor * rng.standard_normal((2, n)))
    smile = _column(m.smile_threshold)
    cry = _column(m.negative_threshold)
    positive = expit(m.face_gain * (affect - smile))
    negative = expit(m.face_gain * (-affect - cry))
    positive[0, still] = m.still_face_level
    negative[0, still] = m.still_face_level
    movement[0, still] = np.abs(m.movement_floor * rng.standard_normal(int(still.sum())))
    positive = np.clip(positive + m.face_noise * rng.standard_normal((2, n)), 0.0, 1.0)
    negative = np.clip(negative + m.face_noise * rng.standard_normal((2, n)), 0.0, 1.0)
    arousal = latent["autonomic"] + m.hr_activity * activity
    hr = _column(m.hr_bpm) + _column(m.hr_sd_bpm) * arousal
    hr += m.hr_noise_bpm * rng.standard_normal((2, n))
    eeg = m.eeg_uv * latent["eeg"].real + m.eeg_noise_uv * latent["eeg_noise"]
    return {
        "movement": movement,
        "positive_affect": positive,
        "negative_affect": negative,
        "hr_bpm": hr,
        "eeg_uv": eeg,
    }


def missing_mask(
    n: int, sampling_rate: float, per_min: float, mean_s: float, rng: np.random.Generator
) -> np.ndarray:
    """Missing stretches for one partner and modality: a Poisson number per minute.

    Examples
    --------
    >>> mask = missing_mask(6000, 10.0, 1.0, 3.0, np.random.default_rng(0))
    >>> bool(0 < mask.mean() < 0.2)
    True
    """
    mask = np.zeros(n, dtype=bool)
    count = rng.poisson(per_min * n / sampling_rate / 60.0)
    onsets = rng.integers(0, n, size=count)
    lengths = np.maximum(rng.exponential(mean_s, size=count), 0.5) * sampling_rate
    for start, length in zip(onsets, lengths.astype(int), strict=True):
        mask[start : start + length] = True
    return mask


def _column(pair) -> np.ndarray:
    return np.asarray(pair, dtype=float)[:, None]
