"""One voice's features on a frame grid: voice activity, fundamental frequency, intensity.

Frame ``k`` covers ``[k, k + 1) * frame_s`` seconds of the recording. Voice activity is
WebRTC's detector (``webrtcvad``; its model is compiled into the package, nothing is
downloaded), which reads 10, 20 or 30 ms frames of 16-bit sound at 8, 16, 32 or 48 kHz:
the sound is resampled to 16 kHz for it. F0 and intensity are Praat's (Boersma &
Weenink), through parselmouth: the autocorrelation pitch tracker (Boersma 1993) and
Praat's intensity (dB re 2e-5, the samples read as pascals), each read at the frame's
centre. F0 is NaN where Praat finds no periodicity or no voice is detected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from .._check import check_option, check_positive, soft_import

#: Frame lengths webrtcvad accepts, in seconds.
VAD_FRAMES_S = (0.01, 0.02, 0.03)
#: Praat's default pitch range for speech (To Pitch (ac): floor 75 Hz, ceiling 600 Hz).
DEFAULT_F0_RANGE_HZ = (75.0, 600.0)
VAD_RATE = 16000


@dataclass(frozen=True)
class VoiceFeatures:
    """Per-frame features of one channel: ``voice`` (0/1), ``f0_hz`` and ``intensity_db``."""

    voice: np.ndarray
    f0_hz: np.ndarray
    intensity_db: np.ndarray
    frame_s: float

    @property
    def n_frames(self) -> int:
        return int(self.voice.size)


def voice_activity(x, sampling_rate: float, frame_s: float = 0.01,
                   aggressiveness: int = 2) -> np.ndarray:
    """WebRTC voice activity per frame (1 voice, 0 none) of a mono signal in [-1, 1].

    Parameters
    ----------
    frame_s : float
        Frame length: 0.01, 0.02 or 0.03 s (webrtcvad's frames).
    aggressiveness : int
        0 (least) to 3 (most eager to call a frame non-speech); 2 is a middle choice.

    Examples
    --------
    >>> rate = 16000
    >>> t = np.arange(rate) / rate
    >>> tone = np.where(t > 0.5, 0.3 * np.sin(2 * np.pi * 150 * t) * (1 + np.sin(2 * np.pi
    ...                 * 4 * t)), 0.0)
    >>> vad = voice_activity(tone, rate)
    >>> vad.shape, int(vad[:45].sum())
    ((100,), 0)
    """
    webrtcvad = soft_import("webrtcvad", "Voice activity detection")
    frame_s = float(check_option(round(float(frame_s), 6), "frame_s", VAD_FRAMES_S))
    check_option(aggressiveness, "aggressiveness", (0, 1, 2, 3))
    mono = _mono(x, "x")
    rate = check_positive(sampling_rate, "sampling_rate")
    pcm = _to_pcm16(_resample(mono, rate, VAD_RATE))
    width = round(frame_s * VAD_RATE)
    n_frames = int(mono.size / rate / frame_s)
    pcm = np.pad(pcm, (0, max(0, n_frames * width - pcm.size)))
    vad = webrtcvad.Vad(int(aggressiveness))
    out = np.zeros(n_frames)
    for k in range(n_frames):
        chunk = pcm[k * width:(k + 1) * width]
        out[k] = float(chunk.any() and vad.is_speech(chunk.tobytes(), VAD_RATE))
    return out


def pitch_intensity(x, sampling_rate: float, n_frames: int, frame_s: float = 0.01,
                    f0_range_hz: tuple[float, float] = DEFAULT_F0_RANGE_HZ):
    """Praat's F0 (Hz, NaN when unvoiced) and intensity (dB) at the centres of ``n_frames``.

    Examples
    --------
    >>> rate = 16000
    >>> t = np.arange(rate) / rate
    >>> f0, db = pitch_intensity(0.1 * np.sin(2 * np.pi * 200 * t), rate, 100)
    >>> round(float(np.nanmedian(f0)), 1), bool(np.nanmedian(db) > 60)
    (200.0, True)
    """
    parselmouth = soft_import("parselmouth", "F0 and intensity")
    floor, ceiling = _check_range(f0_range_hz)
    mono = _mono(x, "x")
    rate = check_positive(sampling_rate, "sampling_rate")
    sound = parselmouth.Sound(mono, sampling_frequency=rate)
    centres = (np.arange(n_frames) + 0.5) * frame_s
    pitch = sound.to_pitch_ac(time_step=frame_s, pitch_floor=floor, pitch_ceiling=ceiling)
    f0 = _at_times(pitch.xs(), pitch.selected_array["frequency"], centres, frame_s)
    f0[f0 <= 0] = np.nan
    try:
        intensity = sound.to_intensity(minimum_pitch=floor, time_step=frame_s,
                                       subtract_mean=False)
        db = _at_times(intensity.xs(), intensity.values[0], centres, frame_s)
    except parselmouth.PraatError:  # shorter than Praat's intensity window
        db = np.full(n_frames, np.nan)
    return f0, db


def voice_features(x, sampling_rate: float, frame_s: float = 0.01, aggressiveness: int = 2,
                   f0_range_hz: tuple[float, float] = DEFAULT_F0_RANGE_HZ) -> VoiceFeatures:
    """Voice activity, F0 and intensity of one mono channel; F0 only where voice is detected.

    Examples
    --------
    >>> rate = 16000
    >>> t = np.arange(rate) / rate
    >>> feats = voice_features(0.1 * np.sin(2 * np.pi * 200 * t) * (t > 0.5), rate)
    >>> feats.n_frames, bool(np.isnan(feats.f0_hz[:40]).all())
    (100, True)
    """
    voice = voice_activity(x, sampling_rate, frame_s, aggressiveness)
    f0, db = pitch_intensity(x, sampling_rate, voice.size, frame_s, f0_range_hz)
    f0[voice == 0] = np.nan
    return VoiceFeatures(voice, f0, db, float(frame_s))


def _mono(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"Invalid value for {name!r}: expected a 1-D signal, got shape {a.shape}.")
    return a


def _check_range(f0_range_hz) -> tuple[float, float]:
    try:
        floor, ceiling = (float(v) for v in f0_range_hz)
    except (TypeError, ValueError):
        raise ValueError(
            f"Invalid value for 'f0_range_hz': expected (floor, ceiling) in Hz, got "
            f"{f0_range_hz!r}."
        ) from None
    if not 0 < floor < ceiling:
        raise ValueError(
            f"Invalid value for 'f0_range_hz': expected 0 < floor < ceiling, got {f0_range_hz!r}."
        )
    return floor, ceiling


def _resample(x: np.ndarray, rate: float, target: int) -> np.ndarray:
    if rate == target:
        return x
    if float(rate).is_integer():
        g = np.gcd(int(rate), target)
        return signal.resample_poly(x, target // g, int(rate) // g)
    return np.interp(np.arange(round(x.size * target / rate)) / target,
                     np.arange(x.size) / rate, x)


def _to_pcm16(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(x, -1.0, 1.0) * 32767).astype("<i2")


def _at_times(times: np.ndarray, values: np.ndarray, at: np.ndarray,
              frame_s: float) -> np.ndarray:
    """Values of Praat's frames nearest ``at``; NaN where no frame lies within a frame."""
    out = np.full(at.size, np.nan)
    if times.size == 0:
        return out
    idx = np.clip(np.searchsorted(times, at), 1, max(times.size - 1, 1))
    left = np.clip(idx - 1, 0, times.size - 1)
    right = np.clip(idx, 0, times.size - 1)
    nearest = np.where(np.abs(times[left] - at) <= np.abs(times[right] - at), left, right)
    near = np.abs(times[nearest] - at) <= frame_s
    out[near] = values[nearest[near]]
    return out
