"""Synthetic conversations with known truth: espeak-ng speaks, we place the words.

Each utterance is synthesized by espeak-ng (Debian's ``espeak-ng``; ``-v`` voice, ``-p``
pitch 0-99) and placed on its partner's track at a planted time. The truth is where the
synthesizer's own waveform is not silent (|x| > 1e-3, its first to last such sample), so
onsets, offsets, pauses and switching pauses are known to the sample, independently of
the detector under test.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import signal

RATE = 16000
ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(
    ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng); the "
    "audio tests speak their fixtures with it"
)


@functools.cache
def speak(text: str, voice: str, pitch: int) -> np.ndarray:
    """espeak-ng's utterance at 16 kHz, cut to its non-silent span."""
    import soundfile

    wav = subprocess.run([ESPEAK, "-v", voice, "-p", str(pitch), "--stdout", text],
                         capture_output=True, check=True).stdout
    x, rate = soundfile.read(io.BytesIO(wav), dtype="float64")
    g = np.gcd(int(rate), RATE)
    x = signal.resample_poly(x, RATE // g, int(rate) // g)
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return 0.5 * x[loud[0]:loud[-1] + 1]


def plant(script, duration_s: float):
    """Place utterances: ``script`` rows are ``(partner, onset_s, text, voice, pitch)``.

    Returns the two tracks ``(2, n)`` and the truth table ``partner, onset_s, offset_s,
    text, voice, pitch`` (partner 0 or 1).
    """
    tracks = np.zeros((2, round(duration_s * RATE)))
    rows = []
    for partner, onset_s, text, voice, pitch in script:
        x = speak(text, voice, pitch)
        start = round(onset_s * RATE)
        tracks[partner, start:start + x.size] += x
        rows.append((partner, start / RATE, (start + x.size) / RATE, text, voice, pitch))
    truth = pd.DataFrame(rows, columns=["partner", "onset_s", "offset_s", "text", "voice",
                                        "pitch"])
    return tracks, truth


def conversation():
    """A turn-taking exchange with planted switching pauses, a within-turn pause and an
    overlap. Partner 0 speaks with a female voice, partner 1 with a male one.

    Returns the tracks, the truth, and the planted gaps: ``(previous, next, gap_s)``.
    """
    plan = [  # partner, text, gap after the previous utterance's end (negative: overlap)
        (0, "hello there", 0.5), (1, "oh hello", 0.6), (1, "how are you", 0.7),
        (0, "very well", 1.2), (1, "good", 0.4), (0, "and you", 2.0),
        (1, "fine thanks", -0.3), (0, "lovely", 0.8),
    ]
    voices = {0: ("en+f2", 60), 1: ("en", 50)}
    script, end = [], 0.0
    for partner, text, gap in plan:
        onset = end + gap
        script.append((partner, onset, text, *voices[partner]))
        end = onset + speak(text, *voices[partner]).size / RATE
    return plant(script, end + 1.0)


def infant_mix():
    """One microphone: an adult (male voice, about 100 Hz) and an infant-like voice
    (espeak's en+f3 at pitch 99, about 300 Hz), taking turns; returns the mono track and
    the truth (partner 0 adult, 1 infant)."""
    plan = [(0, "oh my baby", 0.4), (1, "aah", 0.7), (0, "yes", 0.9), (1, "wah", 0.5),
            (0, "hello there", 1.1), (1, "ooh", 0.6), (0, "lovely", 0.8), (1, "wah wah", 0.7)]
    voices = {0: ("en", 50), 1: ("en+f3", 99)}
    script, end = [], 0.0
    for partner, text, gap in plan:
        onset = end + gap
        script.append((partner, onset, text, *voices[partner]))
        end = onset + speak(text, *voices[partner]).size / RATE
    tracks, truth = plant(script, end + 1.0)
    return tracks.sum(axis=0), truth


def yin_f0(x: np.ndarray, times_s: np.ndarray, fmin: float = 60.0, fmax: float = 600.0,
           window_s: float = 0.03, threshold: float = 0.25) -> np.ndarray:
    """F0 by YIN (de Cheveigne & Kawahara 2002, JASA 111:1917), written here as an
    independent reference for Praat's tracker: difference function, cumulative-mean
    normalisation, the first dip under ``threshold`` (0.25: espeak's buzz is aperiodic enough
    that the paper's 0.1 leaves half the voiced frames out) followed to its minimum, parabolic
    interpolation. NaN where no dip is found (unvoiced) or the frame leaves the signal."""
    w, lo, hi = round(window_s * RATE), int(RATE / fmax), int(RATE / fmin) + 1
    out = np.full(len(times_s), np.nan)
    for i, t in enumerate(times_s):
        a = round(t * RATE) - w // 2
        if a < 0 or a + w + hi + 1 > x.size:
            continue
        frames = np.lib.stride_tricks.sliding_window_view(x[a:a + w + hi + 1], w)[:hi + 2]
        d = ((frames[0] - frames) ** 2).sum(axis=1)
        cmnd = d[1:] * np.arange(1, d.size) / np.maximum(np.cumsum(d[1:]), 1e-12)
        below = np.flatnonzero(cmnd[lo - 1:hi] < threshold)
        if below.size == 0:
            continue
        k = lo - 1 + below[0]
        while k + 1 < cmnd.size - 1 and cmnd[k + 1] < cmnd[k]:
            k += 1
        y0, y1, y2 = cmnd[k - 1], cmnd[k], cmnd[k + 1]
        if y0 - 2 * y1 + y2 > 0:
            k = k + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
        out[i] = RATE / (k + 1)
    return out


def prosody_dialogue(lag_s: float = 4.0, duration_s: float = 60.0, seed: int = 0,
                     leader: int = 0):
    """Turns that alternate every few tenths of a second; each utterance's espeak pitch
    follows a slow random level, the follower's the leader's level ``lag_s`` earlier.
    Returns the tracks and the truth (with each utterance's espeak pitch)."""
    rng = np.random.default_rng(seed)
    grid = np.arange(-lag_s - 1, duration_s + 1, 0.5)
    walk = np.convolve(rng.normal(size=grid.size), np.ones(8) / 8, "same")
    walk = (walk - walk.min()) / np.ptp(walk)

    def level(t):
        return 5 * int(round(3 + 14 * np.interp(t, grid, walk)))  # espeak -p 15 to 85

    words = ["aah", "ooh", "oh", "ah", "mmm"]
    voices = {0: "en+f2", 1: "en"}
    script, t, k = [], 0.3, 0
    while t < duration_s - 2:
        for partner in (0, 1):
            pitch = level(t if partner == leader else t - lag_s)
            text = words[k % len(words)]
            script.append((partner, t, text, voices[partner], pitch))
            t += speak(text, voices[partner], pitch).size / RATE + rng.uniform(0.2, 0.6)
            k += 1
    return plant(script, t + 0.5)


# Fixtures shared by the audio test modules (import them by name), made once per run.
@pytest.fixture(scope="session")
def talk(tmp_path_factory):
    """The planted conversation as a two-channel WAV and as two mono FLAC files."""
    soundfile = pytest.importorskip("soundfile")
    folder = tmp_path_factory.mktemp("talk")
    tracks, truth = conversation()
    soundfile.write(folder / "dyad.wav", tracks.T, RATE)
    soundfile.write(folder / "a.flac", tracks[0], RATE, subtype="PCM_24")
    soundfile.write(folder / "b.flac", tracks[1], RATE, subtype="PCM_24")
    return folder, tracks, truth


@pytest.fixture(scope="session")
def talk_session(talk):
    from attunement.audio import extract_audio

    folder, _, _ = talk
    return extract_audio(folder / "dyad.wav", partners=("mother", "father"))


@pytest.fixture(scope="session")
def mix(tmp_path_factory):
    soundfile = pytest.importorskip("soundfile")
    folder = tmp_path_factory.mktemp("mix")
    mono, truth = infant_mix()
    soundfile.write(folder / "room.wav", mono, RATE)
    return folder / "room.wav", truth


def dialogue(coupled: bool, seed: int = 0, n_turns: int = 50, rate: int = 100):
    """Voice activity at ``rate`` Hz of ``n_turns`` exchanges: partner 2's switching pause
    copies partner 1's (coupled, Jaffe et al. 2001) or is drawn afresh."""
    rng = np.random.default_rng(seed)
    v1, v2 = [], []
    for _ in range(n_turns):
        voc1, voc2 = rng.integers(5, 15, size=2) * rate // 10
        g1 = rng.uniform(0.3, 2.0)
        g2 = g1 + rng.normal(0, 0.1) if coupled else rng.uniform(0.3, 2.0)
        gap1, gap2 = round(rate * g1), round(rate * max(g2, 0.1))
        v1 += [1] * voc1 + [0] * (gap1 + voc2 + gap2)
        v2 += [0] * (voc1 + gap1) + [1] * voc2 + [0] * gap2
    return np.array(v1, float), np.array(v2, float)
