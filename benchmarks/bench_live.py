"""Live latency end to end: two partners at 30 Hz movement plus 250 Hz EEG, replayed at real
time through LSL outlets on this machine and read back by the live engine.

Latency of a state update = LSL clock when the update is handed to the outputs minus the LSL
time stamp of the newest sample its windows read (clock offsets corrected by LSL). Updates
computed in the catch-up after the pre-whitening calibration are left out (they wait for it
by design) and counted. Dropped samples (grid positions never received) and late ones
(arriving after their position was fed) are counted per stream.

Baseline, in the same run: the cost of one update by recomputation, i.e. the offline
:func:`attunement.wcc` over the span one window reads, for the real pair and each surrogate,
against the incremental sums of :class:`~attunement.live.rolling.RollingWCC` over the samples
of one step; reported as a ratio.

Run by hand: ``.venv/bin/python benchmarks/bench_live.py [--duration 120]``. Targets (issue
23): median < 250 ms, 99th percentile < 1 s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np

from attunement import simulate_dyad, wcc
from attunement.live.engine import LiveEngine
from attunement.live.lsl import Replay, resolve_streams
from attunement.live.rolling import RollingWCC


class Latency:
    def __init__(self):
        self.latency, self.catch_up, self.events = [], 0, 0

    def on_samples(self, *args):
        pass

    def on_update(self, record):
        if record["catch_up"]:
            self.catch_up += 1
        else:
            self.latency.append(record["latency_s"])
        self.events += bool(record["event"])

    def close(self, summary):
        pass


def end_to_end(duration_s: float) -> dict:
    move = simulate_dyad("intrusive", duration_s=duration_s, sampling_rate=30, seed=1,
                         channels=["movement"]).session
    eeg = simulate_dyad("intrusive", duration_s=duration_s, sampling_rate=250, seed=2,
                        channels=["eeg_uv"]).session
    replays = [Replay(move, suffix="-bench-move"), Replay(eeg, suffix="-bench-eeg")]
    streams = resolve_streams(move.partners, timeout_s=30, expected=4)
    streams = [s for s in streams if "-bench-" in s[0].name()]
    sink = Latency()
    engine = LiveEngine(streams, move.partners, sinks=[sink])
    engine.open()
    for r in replays:
        r.start()
    t = time.monotonic()
    summary = engine.run(idle_s=2.0)
    wall = time.monotonic() - t
    for r in replays:
        r.stop()
    lat = np.array(sink.latency) * 1000
    return dict(
        duration_s=duration_s, wall_s=round(wall, 1), updates=summary["updates"],
        catch_up_updates=sink.catch_up, events=sink.events,
        latency_ms=dict(median=round(float(np.median(lat)), 1),
                        p90=round(float(np.percentile(lat, 90)), 1),
                        p99=round(float(np.percentile(lat, 99)), 1),
                        max=round(float(lat.max()), 1), n=int(lat.size)),
        streams={k: {f: v[f] for f in ("sampling_rate", "received", "dropped", "late")}
                 for k, v in summary["streams"].items()},
    )


def update_cost(fs: float = 250.0, n_surrogates: int = 19, repeats: int = 40) -> dict:
    """Seconds per 0.5 s step at ``fs``: incremental sums vs recomputing the window."""
    rng = np.random.default_rng(0)
    n = int(60 * fs)
    x, y = rng.normal(size=(2, n))
    delays = 10 * (1 + np.arange(n_surrogates) / n_surrogates)
    roll = RollingWCC(fs, delays_s=delays, fisher_z=True)
    warm = int(30 * fs)
    for i in range(warm):
        roll.push(x[i], y[i])
    step = int(0.5 * fs)
    t = time.perf_counter()
    for i in range(warm, warm + repeats * step):
        roll.push(x[i], y[i])
    incremental = (time.perf_counter() - t) / repeats
    span = int(6 * fs)
    # compile the offline kernel first: its first call compiles (seconds) where no cache is
    wcc(x[:span], y[:span], fs, window_s=4, max_lag_s=2, step_s=6, fisher_z=True)
    t = time.perf_counter()
    for k in range(repeats):
        end = warm + k * step
        for d in np.r_[0, (delays * fs).astype(int)]:
            wcc(x[end - span:end], y[end - span - d:end - d], fs, window_s=4, max_lag_s=2,
                step_s=6, fisher_z=True)
    recompute = (time.perf_counter() - t) / repeats
    return dict(sampling_rate=fs, incremental_s_per_step=round(incremental, 4),
                recompute_s_per_step=round(recompute, 4),
                ratio=round(recompute / incremental, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory():
        result = dict(end_to_end=end_to_end(args.duration), update_cost=update_cost())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
