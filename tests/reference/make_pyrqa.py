"""Make ``pyrqa_mit.json``: PyRQA 8.1.0 cross-recurrence on the bundled MIT MEA sample.

Run in a throwaway environment outside the project (PyRQA is not a dependency; it needs
OpenCL, on a CPU e.g. Debian's ``pocl-opencl-icd`` and ``ocl-icd-libopencl1``)::

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install pyrqa==8.1.0
    /tmp/peers/bin/python tests/reference/make_pyrqa.py

Input: ``tests/data/applied_project_mea/MEA_video1000.txt`` and ``MEA_video101.txt`` (MIT),
columns 1 and 2, first 3,000 samples of the series z-scored (population SD) over their
first 6,000. The call (PyRQA 8.1.0, Apache-2.0)::

    Settings((TimeSeries(z[0], embedding_dimension=3, time_delay=5),
              TimeSeries(z[1], embedding_dimension=3, time_delay=5)),
             analysis_type=Cross, neighbourhood=FixedRadius(0.5),
             similarity_measure=EuclideanMetric, theiler_corrector=0)
    RQAComputation.create(settings).run()   # minimum line lengths 2

giving recurrence rate, determinism, average and longest diagonal line, laminarity,
trapping time and entropy of diagonal lines, as in ``../shared/reference/multisyncpy_pyrqa``.
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from pyrqa.analysis_type import Cross
from pyrqa.computation import RQAComputation
from pyrqa.metric import EuclideanMetric
from pyrqa.neighbourhood import FixedRadius
from pyrqa.settings import Settings
from pyrqa.time_series import TimeSeries

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "applied_project_mea"
SESSIONS = ("MEA_video1000", "MEA_video101")
KEYS = ("recurrence_rate", "determinism", "average_diagonal_line", "longest_diagonal_line",
        "laminarity", "trapping_time", "entropy_diagonal_lines")


def zscored(name):
    """Columns 1-2, first 6,000 samples, z-scored (population SD): shape (2, 6000)."""
    data = np.loadtxt(DATA / f"{name}.txt", usecols=(0, 1))[:6000].T
    return (data - data.mean(axis=1, keepdims=True)) / data.std(axis=1, keepdims=True)


def main():
    assert version("pyrqa") == "8.1.0", version("pyrqa")
    out = {"peer": "PyRQA 8.1.0", "python": sys.version.split()[0], "numpy": np.__version__}
    for name in SESSIONS:
        z = zscored(name)[:, :3000]
        settings = Settings(
            (TimeSeries(z[0], embedding_dimension=3, time_delay=5),
             TimeSeries(z[1], embedding_dimension=3, time_delay=5)),
            analysis_type=Cross, neighbourhood=FixedRadius(0.5),
            similarity_measure=EuclideanMetric, theiler_corrector=0)
        result = RQAComputation.create(settings, verbose=False).run()
        result.min_diagonal_line_length = 2
        result.min_vertical_line_length = 2
        out[name] = {"crqa_N3000": {key: float(getattr(result, key)) for key in KEYS}}
    (HERE / "pyrqa_mit.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
