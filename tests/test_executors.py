"""The task runner: Dask workers started for a batch keep glibc's own memory trimming.

Reference: Dask's documented default ``distributed.nanny.pre-spawn-environ`` sets
``MALLOC_TRIM_THRESHOLD_=65536`` in every worker; with it each NumPy temporary is returned to
the OS and faulted in again, and an analysis task ran 3x slower than in a plain process
(benchmarks/bench_cohort.py). The other settings (one BLAS thread per worker) are kept.
"""

import os

import pytest

from attunement.cohort.executors import run_tasks


def test_local_cluster_workers_do_not_trim_on_every_free():
    pytest.importorskip("distributed")
    names = ["MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS"]
    got = dict((key, get()) for key, get in run_tasks(
        os.getenv, [(name, (name,)) for name in names], executor="dask", workers=1))
    assert got == {"MALLOC_TRIM_THRESHOLD_": None, "OPENBLAS_NUM_THREADS": "1"}
