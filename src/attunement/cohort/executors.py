"""Run tasks on a local process pool or a Dask cluster, yielding results as they finish.

One generator serves every batch step, so the local and Dask paths cannot drift apart. The
caller consumes results in the coordinating process (and alone writes the store); stopping
the iteration early (Ctrl-C, an error) cancels what has not started.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from .._check import check_option, soft_import

Outcome = tuple[Hashable, Callable[[], object]]


def run_tasks(
    func: Callable,
    tasks: Sequence[tuple[Hashable, tuple]],
    executor: str = "local",
    workers: int | None = None,
    scheduler: str = "local",
) -> Iterator[Outcome]:
    """Call ``func(*args)`` for each ``(key, args)``; yield ``(key, get)`` as each finishes.

    ``get()`` returns the result or raises the task's error, so one failure never stops
    the others. ``executor='local'`` uses ``workers`` processes (1: in this process);
    ``'dask'`` submits to ``scheduler`` (``'local'`` starts a LocalCluster on loopback).

    Examples
    --------
    >>> sorted((k, get()) for k, get in run_tasks(pow, [("a", (2, 3)), ("b", (3, 2))],
    ...                                           workers=1))
    [('a', 8), ('b', 9)]
    """
    check_option(executor, "executor", ["local", "dask"])
    if not tasks:
        return
    if executor == "dask":
        yield from _dask(func, tasks, workers, scheduler)
    elif (workers or os.cpu_count() or 1) == 1:
        for key, args in tasks:
            yield key, _deferred(func, args)
    else:
        yield from _pool(func, tasks, workers or os.cpu_count() or 1)


def _deferred(func, args):
    return lambda: func(*args)


def _pool(func, tasks, n_workers) -> Iterator[Outcome]:
    with ProcessPoolExecutor(max_workers=min(n_workers, len(tasks)),
                             initializer=end_with_parent) as pool:
        futures = {pool.submit(func, *args): key for key, args in tasks}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result
        finally:
            for fut in futures:
                fut.cancel()


def end_with_parent(poll_s: float = 0.5) -> None:
    """In a worker process: exit as soon as the process that started it is gone.

    A watcher thread polls the parent's id; when the parent dies (killed, crashed) the
    worker is handed to another parent and ends itself, so no worker of a killed batch
    goes on computing.
    """
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="attune-parent-watch", daemon=True).start()


def _dask(func, tasks, workers, address) -> Iterator[Outcome]:
    distributed = soft_import("distributed", "Running a batch on Dask")
    cluster = None
    if address == "local":
        with distributed_environ_without_trim():
            cluster = distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
        address = cluster.scheduler_address
    client = distributed.Client(address)
    try:
        futures = {
            client.submit(func, *args, key=f"attune-{i}", pure=False): key
            for i, (key, args) in enumerate(tasks)
        }
        try:
            for fut in distributed.as_completed(list(futures)):
                yield futures[fut], fut.result
        finally:
            client.cancel([f for f in futures if not f.done()])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def distributed_environ_without_trim():
    """Dask config context in which new worker processes keep glibc's own memory trimming.

    Dask's nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` by default, so every freed NumPy
    temporary goes back to the OS and is faulted in again on the next allocation: an
    analysis task then takes 3x as long as in a plain process (145,000 page faults per
    3-min session instead of a few dozen; benchmarks/bench_cohort.py). Workers of a cluster
    you start yourself need the same setting (``distributed.nanny.pre-spawn-environ``).
    """
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return dask.config.set({"distributed.nanny.pre-spawn-environ": environ})
