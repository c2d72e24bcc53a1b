"""Run every session of a project, locally (process pool) or on Dask, into a Store.

The coordinating process alone writes the store, one session at a time as each
finishes, so a crash, Ctrl-C or a killed worker loses only unfinished sessions.
Sessions whose input files and settings are unchanged since their last success
(same content hash) are skipped; a failing session is recorded and the rest go on.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._log import logger
from ..io.writers import check_unique, safe_name
from .executors import run_tasks
from .project import Project
from .store import Store


@dataclass
class BatchResult:
    """What a batch run did: session ids computed, skipped (unchanged) and failed."""

    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{len(self.computed)} computed, {len(self.skipped)} unchanged, "
            f"{len(self.failed)} failed"
        )
        if self.dropped:
            text += f", {len(self.dropped)} no longer in the project dropped"
        return text


def content_hash(path: Path, settings: dict) -> str:
    """SHA-256 of the file, its phase side file and the analysis settings."""
    from ..provenance import package_version

    h = hashlib.sha256()
    h.update(Path(path).read_bytes())
    side = Path(path).with_name(f"{Path(path).stem}.phases.csv")
    if side.is_file():
        h.update(side.read_bytes())
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    h.update(package_version().encode())
    return h.hexdigest()


def _analyze_default(path: str, settings: dict) -> dict[str, pd.DataFrame]:
    from ..analysis import analyze_file

    return analyze_file(path, settings)


def run_batch(
    project: Project,
    store: Store | str | Path,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    analyze: Callable[[str, dict], dict[str, pd.DataFrame]] = _analyze_default,
    on_progress: Callable[[str, str], None] | None = None,
) -> BatchResult:
    """Analyse every session of ``project`` into ``store``.

    Parameters
    ----------
    executor : {'local', 'dask'}, optional
        Defaults to the project's ``batch.executor``.
    workers : int, optional
        Local processes (default: the project's setting, else all cores).
    scheduler : str, optional
        Dask only: ``'local'`` starts a LocalCluster; otherwise a scheduler address.
    analyze : callable
        ``analyze(path, settings) -> {table: DataFrame}``; a top-level function (it is
        sent to worker processes).
    on_progress : callable, optional
        Called with ``(session_id, status)``, status one of 'done', 'skipped', 'failed'.
    """
    store = store if isinstance(store, Store) else Store(store)
    with store.lock():
        return _run(project, store, executor, workers, scheduler, analyze, on_progress)


def _run(project, store, executor, workers, scheduler, analyze, on_progress) -> BatchResult:
    executor = executor or project.spec.batch.executor
    settings = project.analysis.model_dump(mode="json")
    ids = {str(path): path.stem for path in project.files}
    check_unique({f: safe_name(sid) for f, sid in ids.items()})
    store.write_metadata(project.metadata)
    result = BatchResult()
    listed = set(ids.values())
    for sid in sorted(set(store.finished()) | set(store.failed())):
        if sid not in listed:  # removed from the project: its results go too
            store.drop(sid)
            result.dropped.append(sid)
    if result.dropped:
        logger.warning("dropped %d session(s) no longer in the project: %s",
                       len(result.dropped), ", ".join(result.dropped))
    todo = []
    for path in project.files:
        sid = path.stem
        digest = content_hash(path, settings)
        if store.is_done(sid, digest):
            result.skipped.append(sid)
            _notify(on_progress, sid, "skipped")
        else:
            todo.append((sid, path, digest))
    if executor not in ("local", "dask"):
        raise ValueError(
            f"Invalid value for 'executor': expected 'local' or 'dask', got {executor!r}."
        )
    tasks = [(sid, (str(path), settings)) for sid, path, _ in todo]
    where = {sid: (path, digest) for sid, path, digest in todo}
    n_workers = workers or project.spec.batch.workers
    address = scheduler or project.spec.batch.scheduler
    for sid, get in run_tasks(analyze, tasks, executor, n_workers, address):
        _finish(store, result, on_progress, sid, *where[sid], get)
    store.write_database()
    return result


def _finish(store, result, on_progress, sid, path, digest, get) -> None:
    try:
        tables = get()
    except Exception as err:  # a session's failure is recorded, the batch goes on
        message = f"{type(err).__name__}: {err}"
        logger.warning("session %s failed: %s", sid, message)
        logger.debug("".join(traceback.format_exception(err)))
        store.record_failure(sid, str(path), message)
        result.failed[sid] = message
        _notify(on_progress, sid, "failed")
        return
    store.save(sid, tables, digest, str(path))
    result.computed.append(sid)
    _notify(on_progress, sid, "done")


def _notify(callback, sid, status) -> None:
    if callback is not None:
        callback(sid, status)
