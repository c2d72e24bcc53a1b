"""Speed of video extraction against real time and against a named baseline.

Run by hand: ``.venv/bin/python benchmarks/bench_extract.py [--frames 600] [--repeat 3]``.

Input: a synthetic 640x480, 30 fps split-screen dyad (``write_synthetic_dyad``, MPEG-4
part 2), two regions (one half each). Measured, each as the median of ``--repeat`` runs:

- motion, end to end: ``extract_video(features="motion")``: decode, grey, MEA counts;
- motion, compute only, on frames already decoded to grey: ``MotionEnergy`` (OpenCV
  absdiff + threshold + countNonZero) against the baseline, a pure-NumPy
  frame-differencing loop (int16 subtract, abs, compare, count per region), whose
  counts must be identical;
- decoding alone (OpenCV ``read`` + grey), to show where the end-to-end time goes;
- face (MediaPipe Face Landmarker, both partners) and face + affect, end to end.

Targets (issue #9): motion >= 10x real time (300 fps); face >= real time per person.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from attunement.extract import MotionEnergy, extract_video, resolve_regions, write_synthetic_dyad

FPS = 30.0


def numpy_baseline(frames: list[np.ndarray], regions, threshold: float) -> np.ndarray:
    """Plain NumPy frame differencing, the textbook loop: the named baseline."""
    out = np.full((len(frames), len(regions)), np.nan)
    prev = frames[0].astype(np.int16)
    for i in range(1, len(frames)):
        cur = frames[i].astype(np.int16)
        changed = np.abs(cur - prev) > threshold
        out[i] = [np.count_nonzero(changed[r.slices]) for r in regions]
        prev = cur
    return out


def opencv_motion(frames: list[np.ndarray], regions, threshold: float) -> np.ndarray:
    me = MotionEnergy(regions, threshold, use_opencv=True)
    return np.vstack([me.update(f) for f in frames])


def decode_only(path: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(path))
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        n += 1
    cap.release()
    return n


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600, help="frames in the test video")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--no-face", action="store_true", help="skip the MediaPipe runs")
    args = parser.parse_args()
    import cv2

    n = args.frames
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dyad_640x480.mp4"
        write_synthetic_dyad(path, n_frames=n, fps=FPS, width=640, height=480, seed=0)
        regions = resolve_regions(640, 480, layout="split-lr")
        cap = cv2.VideoCapture(str(path))
        grey = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            grey.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        cap.release()
        np.testing.assert_array_equal(opencv_motion(grey, regions, 10),
                                      numpy_baseline(grey, regions, 10))

        rows = [
            ("motion end to end (decode + MEA)",
             timed(lambda: extract_video(path, layout="split-lr"), args.repeat)),
            ("  decode + grey only (OpenCV)", timed(lambda: decode_only(path), args.repeat)),
            ("  MEA compute: MotionEnergy (OpenCV)",
             timed(lambda: opencv_motion(grey, regions, 10), args.repeat)),
            ("  MEA compute: baseline (pure NumPy)",
             timed(lambda: numpy_baseline(grey, regions, 10), args.repeat)),
        ]
        if not args.no_face:
            rows += [
                ("face, both partners, end to end",
                 timed(lambda: extract_video(path, layout="split-lr", features="face"),
                       args.repeat)),
                ("face + affect, both partners",
                 timed(lambda: extract_video(path, layout="split-lr", features="face,affect"),
                       args.repeat)),
            ]
    print(f"{n} frames, 640x480, {FPS:g} fps video ({n / FPS:g} s), 2 regions; "
          f"median of {args.repeat} runs")
    print(f"{'what':40s} {'seconds':>8s} {'frames/s':>9s} {'x real time':>12s}")
    for name, seconds in rows:
        fps = n / seconds
        print(f"{name:40s} {seconds:8.3f} {fps:9.0f} {fps / FPS:12.1f}")
    baseline = dict(rows)["  MEA compute: baseline (pure NumPy)"]
    opencv = dict(rows)["  MEA compute: MotionEnergy (OpenCV)"]
    print(f"MEA compute speed-up over the NumPy baseline: {baseline / opencv:.1f}x")
    if not args.no_face:
        face = dict(rows)["face, both partners, end to end"]
        print(f"face per person: {2 * n / face:.0f} frames/s = {2 * n / face / FPS:.1f}x real time")


if __name__ == "__main__":
    main()
