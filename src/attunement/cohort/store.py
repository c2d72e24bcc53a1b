"""The results store: Parquet tables per session plus DuckDB views over all of them.

Layout of a store folder::

    sessions/<id>/<table>.parquet   one folder per finished session, renamed into place
    .staging/                       where a session folder is written before the rename
    sessions/<id>/_done.json        content hash, source file, time, versions
    failures/<id>.json              the error of a session that failed (removed on success)
    cohort/<table>.parquet          tables about the whole cohort (pseudo-dyads)
    metadata.parquet                the project's per-session metadata
    attunement.duckdb               a table ``<table>`` per ``sessions/*/<table>.parquet``,
                                    queried read-only with external access disabled

A session folder is written in full to a temporary folder and renamed, so the store
never holds half a session, whatever stops the run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._check import soft_import
from .._log import logger
from ..io.writers import safe_name, write_parquet

DONE = "_done.json"


class Store:
    """A results store folder (created when missing).

    Examples
    --------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> store.save("dyad 1", {"summary": pd.DataFrame({"session": ["dyad 1"], "r": [0.2]})},
    ...            content_hash="abc", source="dyad1.txt")
    >>> store.is_done("dyad 1", "abc"), store.is_done("dyad 1", "changed")
    (True, False)
    >>> store.query("SELECT session, r FROM summary")
      session    r
    0  dyad 1  0.2
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"{self.path}: exists and is not a folder; expected a results store.")
        if self.path.is_dir() and not (self.path / "sessions").is_dir() and any(
            self.path.iterdir()
        ):
            raise ValueError(
                f"{self.path}: is not empty and is not a results store (no sessions/ folder); "
                "give a new or empty folder, or an existing store."
            )
        (self.path / "sessions").mkdir(parents=True, exist_ok=True)
        (self.path / "failures").mkdir(exist_ok=True)
        # Folders are written here and renamed into sessions/, so no reader (nor a DuckDB
        # glob) ever sees a half-written session.
        self.staging = self.path / ".staging"
        self.staging.mkdir(exist_ok=True)

    def session_dir(self, session_id: str) -> Path:
        return self.path / "sessions" / safe_name(session_id)

    def done_record(self, session_id: str) -> dict | None:
        f = self.session_dir(session_id) / DONE
        return json.loads(f.read_text()) if f.is_file() else None

    def is_done(self, session_id: str, content_hash: str) -> bool:
        record = self.done_record(session_id)
        return record is not None and record.get("hash") == content_hash

    def save(
        self, session_id: str, tables: dict[str, pd.DataFrame], content_hash: str, source: str
    ) -> None:
        """Write one session's tables atomically (a folder renamed into place)."""
        from ..provenance import package_version, versions

        target = self.session_dir(session_id)
        tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}-", dir=self.staging))
        try:
            for name, frame in tables.items():
                write_parquet(frame, tmp / f"{safe_name(name)}.parquet")
            record = {
                "session": session_id,
                "hash": content_hash,
                "source": source,
                "finished_at": datetime.now(UTC).isoformat(),
                "version": package_version(),
                "versions": versions(),
                "tables": sorted(tables),
            }
            (tmp / DONE).write_text(json.dumps(record, indent=2))
            old = None
            if target.exists():
                old = self.staging / f"old-{target.name}-{os.getpid()}"
                target.rename(old)
            tmp.rename(target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        (self.path / "failures" / f"{safe_name(session_id)}.json").unlink(missing_ok=True)

    def drop(self, session_id: str) -> None:
        """Remove a session's results (and any recorded failure) from the store."""
        target = self.session_dir(session_id)
        if target.exists():
            old = self.staging / f"drop-{target.name}-{os.getpid()}"
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        (self.path / "failures" / f"{safe_name(session_id)}.json").unlink(missing_ok=True)

    def failed(self) -> list[str]:
        """Ids of the sessions whose last run failed."""
        return sorted(json.loads(f.read_text())["session"]
                      for f in (self.path / "failures").glob("*.json"))

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store for one writer: a second batch on it stops with a message.

        The lock is the operating system's (``flock`` on ``.lock``), so it ends with the
        process that holds it, however that process ends.
        """
        try:
            import fcntl
        except ImportError:  # Windows: no flock; say so rather than pretend
            logger.warning("%s: no file locking on this system; run one batch at a time.",
                           self.path)
            yield
            return
        fh = (self.path / ".lock").open("a+")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise ValueError(
                    f"{self.path}: another attune batch is writing this store ({holder}); "
                    "wait for it to finish, or give another 'out'."
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fh.close()

    def record_failure(self, session_id: str, source: str, error: str) -> None:
        """Keep a failed session's error; finished sessions are untouched."""
        f = self.path / "failures" / f"{safe_name(session_id)}.json"
        tmp = f.with_name(f".{f.name}.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "session": session_id,
                    "source": source,
                    "error": error,
                    "failed_at": datetime.now(UTC).isoformat(),
                },
                indent=2,
            )
        )
        tmp.replace(f)

    def failures(self) -> pd.DataFrame:
        rows = [json.loads(f.read_text()) for f in sorted((self.path / "failures").glob("*.json"))]
        return pd.DataFrame(rows, columns=["session", "source", "error", "failed_at"])

    def finished(self) -> list[str]:
        """Ids of the sessions whose results are in the store."""
        return sorted(
            json.loads(f.read_text())["session"] for f in (self.path / "sessions").glob(f"*/{DONE}")
        )

    def table_names(self) -> list[str]:
        names = {p.stem for p in (self.path / "sessions").glob("*/*.parquet")}
        return sorted(names)

    def save_cohort_table(self, name: str, frame: pd.DataFrame) -> None:
        """A table about the whole cohort (e.g. pseudo-dyads), queryable as ``name``."""
        write_parquet(frame, self.path / "cohort" / f"{safe_name(name)}.parquet")

    def write_metadata(self, metadata: pd.DataFrame) -> None:
        write_parquet(metadata, self.path / "metadata.parquet")

    def table(self, name: str) -> pd.DataFrame:
        """One table across all finished sessions (empty when none has it)."""
        if name not in self.table_names():
            raise ValueError(f"{self.path}: no table {name!r}; tables are {self.table_names()}.")
        return self.query(f'SELECT * FROM "{name}"')

    # ------------------------------------------------------------------ DuckDB
    def _sources(self) -> dict[str, str]:
        """``{table: read_parquet(...) expression}`` for every table of the store."""
        sources = {}
        for name in self.table_names():
            pattern = _sql_string(str(self.path.resolve() / "sessions" / "*" / f"{name}.parquet"))
            sources[name] = f"read_parquet({pattern}, union_by_name = true)"
        for table in sorted((self.path / "cohort").glob("*.parquet")):
            sources[table.stem] = f"read_parquet({_sql_string(str(table.resolve()))})"
        meta = self.path / "metadata.parquet"
        if meta.is_file():
            sources["metadata"] = f"read_parquet({_sql_string(str(meta.resolve()))})"
        return sources

    def _stale(self, db: Path) -> bool:
        """Whether ``db`` is missing or older than a session, cohort table or metadata."""
        if not db.is_file():
            return True
        built = db.stat().st_mtime_ns
        newest = [self.path / "sessions", self.path / "cohort", self.path / "metadata.parquet"]
        newest += list((self.path / "sessions").iterdir())
        newest += list((self.path / "cohort").glob("*.parquet"))
        return any(p.exists() and p.stat().st_mtime_ns > built for p in newest)

    def query(self, sql: str) -> pd.DataFrame:
        """Run one read-only SQL query over the store's tables.

        The query runs on ``attunement.duckdb`` (rebuilt first when older than the
        store's files) opened read-only, with DuckDB's external access disabled and its
        configuration locked: no COPY, ATTACH, INSTALL, LOAD or file functions, so a
        query reads the store's tables and nothing else on the machine.
        """
        duckdb = soft_import("duckdb", "The results store")
        if not isinstance(sql, str) or not sql.strip() or not sql.strip(" \t\r\n;"):
            raise QueryError(f"Invalid value for 'sql': expected a SQL query, got {sql!r}.")
        db = self.path / "attunement.duckdb"
        if self._stale(db):
            try:
                self.write_database()
            except OSError as err:  # a store on a read-only disk: use the database it has
                if not db.is_file():
                    raise ValueError(f"{self.path}: cannot write attunement.duckdb ({err}); "
                                     "run attune batch on the store first.") from None
                logger.warning("%s: attunement.duckdb is older than the store's files and "
                               "cannot be rewritten (%s); querying it as it is.", self.path, err)
        config = {"enable_external_access": False, "lock_configuration": True}
        con = duckdb.connect(str(db), read_only=True, config=config)
        try:
            result = con.execute(sql)
            if result is None or result.description is None:
                raise QueryError(f"query returned no table: {sql!r}; expected a SELECT.")
            return result.df()
        except duckdb.PermissionException as err:
            raise QueryError(
                "query refused (a query reads the store's tables only: "
                f"{', '.join(self._sources()) or 'none yet'}): {err}"
            ) from None
        except duckdb.Error as err:
            raise QueryError(f"query failed: {err}") from None
        finally:
            con.close()

    def write_database(self) -> Path:
        """(Re)write ``attunement.duckdb``: one table per store table (a copy of its
        Parquet files), so the database answers queries without reading any file."""
        duckdb = soft_import("duckdb", "The results store")
        db = self.path / "attunement.duckdb"
        fd, tmp = tempfile.mkstemp(prefix=".attunement.", suffix=".duckdb.tmp", dir=self.path)
        os.close(fd)
        Path(tmp).unlink()
        try:
            con = duckdb.connect(tmp)
            try:
                for name, source in self._sources().items():
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM {source}')
            finally:
                con.close()
            os.replace(tmp, db)
        finally:
            Path(tmp).unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
        return db


class QueryError(ValueError):
    """An empty, invalid or refused query (a usage error for ``attune query``)."""


def _sql_string(text: str) -> str:
    """A SQL string literal for a path: single quotes doubled, NUL refused."""
    if "\x00" in text:
        raise ValueError(f"path contains a NUL character: {text!r}")
    return "'" + text.replace("'", "''") + "'"
