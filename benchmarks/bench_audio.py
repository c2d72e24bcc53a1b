"""Speed of audio extraction, as multiples of real time, against a named baseline.

Run by hand: ``.venv/bin/python benchmarks/bench_audio.py [--minutes 2] [--repeat 3]``.

Input: the espeak-ng conversation of the tests (tests/voices.py; needs ``espeak-ng``),
repeated to ``--minutes`` of two-channel 16 kHz sound, and its two channels summed for the
one-microphone case. Measured, each the median of ``--repeat`` runs:

- ``extract_audio`` end to end, two channels (read, voice activity, F0, intensity per
  partner) and one microphone split by pitch;
- its parts on one channel: WebRTC voice activity, Praat F0 + intensity;
- the baseline, side by side on the same channel: F0 by a plain NumPy YIN (de Cheveigne &
  Kawahara 2002; tests/voices.py), frame by frame at the same 10 ms step.

Figures are appended to ``benchmarks/results/audio.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _history import append  # noqa: E402
from voices import RATE, conversation, yin_f0  # noqa: E402

from attunement.audio import extract_audio, pitch_intensity, voice_activity  # noqa: E402


def timed(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tracks, _ = conversation()
    reps = int(np.ceil(args.minutes * 60 * RATE / tracks.shape[1]))
    tracks = np.tile(tracks, reps)[:, : round(args.minutes * 60 * RATE)]
    duration = tracks.shape[1] / RATE
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        stereo, mono = Path(tmp) / "dyad.wav", Path(tmp) / "room.wav"
        soundfile.write(stereo, tracks.T, RATE)
        soundfile.write(mono, tracks.sum(axis=0), RATE)
        cases = {
            "extract, two channels": lambda: extract_audio(stereo),
            "extract, one microphone split by pitch": lambda: extract_audio(mono, split="pitch"),
            "voice activity (webrtcvad), one channel": lambda: voice_activity(tracks[0], RATE),
            "F0 + intensity (Praat), one channel":
                lambda: pitch_intensity(tracks[0], RATE, int(duration * 100)),
        }
        for name, func in cases.items():
            seconds = timed(func, args.repeat)
            rows.append((name, "x_real_time", duration / seconds, "x"))
            print(f"{name:45s} {seconds:7.3f} s  {duration / seconds:7.1f} x real time")
        centres = np.arange(int(duration * 100)) * 0.01 + 0.005
        seconds = timed(lambda: yin_f0(tracks[0], centres), 1)
        rows.append(("baseline: F0 by NumPy YIN, one channel", "x_real_time",
                     duration / seconds, "x"))
        print(f"{'baseline: F0 by NumPy YIN, one channel':45s} {seconds:7.3f} s  "
              f"{duration / seconds:7.1f} x real time")
    praat = rows[3][2]
    print(f"Praat F0 + intensity is {praat / rows[-1][2]:.1f} x the speed of the YIN baseline "
          f"({duration:.0f} s of sound)")
    append("audio", rows)


if __name__ == "__main__":
    main()
