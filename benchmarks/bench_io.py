"""Reading cost of deciding by content: ``attunement.read`` on MEA text and a CSV table,
against the plain pandas parse of the same files.

Run by hand: ``.venv/bin/python benchmarks/bench_io.py [--repeat 5]``.

Named baseline, run in the same process: ``pandas.read_csv`` of each file (``sep=r"\\s+"``
for MEA text, ``,`` for the table) followed by ``Session.from_arrays`` / ``Session`` -
what a reader that trusted the file's extension would do. Measured: best-of-``repeat``
wall time of both on the bundled MEA files (tests/data/applied_project_mea, 2 x ~18,000
rows) and on a 10-minute 25 Hz table of 4 channels, and their ratio (sniffing the first
64 KB, decoding the text as UTF-8 with checks, the time column's checks).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from attunement import Session, read

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "applied_project_mea"


def baseline_mea(files):
    out = []
    for f in files:
        t = pd.read_csv(f, sep=r"\s+", header=None).to_numpy(float)
        out.append(Session.from_arrays(t[:, 0], t[:, 1], 25, id=f.stem))
    return out


def baseline_table(f):
    t = pd.read_csv(f)
    signals = t.drop(columns="time_s")
    signals.columns = pd.MultiIndex.from_tuples([tuple(c.split("_", 1)) for c in signals])
    signals.index = t.time_s.to_numpy()
    return [Session(signals, 25)]


def best(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    files = sorted(DATA.glob("*.txt"))
    table = Path(tempfile.mkdtemp()) / "dyad.csv"
    n = 25 * 600
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=["m_x", "i_x", "m_y", "i_y"])
    frame.insert(0, "time_s", np.arange(n) / 25)
    frame.to_csv(table, index=False)
    for label, ours, base in (
        ("MEA text", lambda: read(files, sampling_rate=25), lambda: baseline_mea(files)),
        ("CSV table", lambda: read(table), lambda: baseline_table(table)),
    ):
        a, b = best(ours, repeat), best(base, repeat)
        print(f"{label:10s} read {a * 1e3:7.1f} ms   pandas baseline {b * 1e3:7.1f} ms   "
              f"ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
