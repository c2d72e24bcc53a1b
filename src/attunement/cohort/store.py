"""The results store: Parquet tables per session plus DuckDB views over all of them.

Layout of a store folder::

    sessions/<id>/<table>.parquet   one folder per finished session, renamed into place
    .staging/                       where a session folder is written before the rename
    sessions/<id>/_done.json        content hash, source file, time, versions
    failures/<id>.json              the error of a session that failed (removed on success)
    cohort/<table>.parquet          tables about the whole cohort (pseudo-dyads)
    metadata.parquet                the project's per-session metadata
    attunement.duckdb               views ``<table>`` over ``sessions/*/<table>.parquet``

A session folder is written in full to a temporary folder and renamed, so the store
never holds half a session, whatever stops the run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._check import soft_import
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
        from .. import __version__
        from ..provenance import versions

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
                "version": __version__,
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
        return self.query(f"SELECT * FROM {name}")

    # ------------------------------------------------------------------ DuckDB
    def _views(self, con) -> None:
        for name in self.table_names():
            pattern = _sql_string(str(self.path.resolve() / "sessions" / "*" / f"{name}.parquet"))
            con.execute(
                f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM '
                f"read_parquet({pattern}, union_by_name = true)"
            )
        for table in sorted((self.path / "cohort").glob("*.parquet")):
            con.execute(
                f'CREATE OR REPLACE VIEW "{table.stem}" AS SELECT * FROM '
                f"read_parquet({_sql_string(str(table.resolve()))})"
            )
        meta = self.path / "metadata.parquet"
        if meta.is_file():
            con.execute(
                "CREATE OR REPLACE VIEW metadata AS SELECT * FROM "
                f"read_parquet({_sql_string(str(meta.resolve()))})"
            )

    def query(self, sql: str) -> pd.DataFrame:
        """Run a read-only SQL query over the store's tables (views)."""
        duckdb = soft_import("duckdb", "The results store")
        con = duckdb.connect(":memory:")
        try:
            self._views(con)
            return con.execute(sql).df()
        except duckdb.Error as err:
            raise ValueError(f"query failed: {err}") from None
        finally:
            con.close()

    def write_database(self) -> Path:
        """(Re)write ``attunement.duckdb`` with a view per table, for direct DuckDB use."""
        duckdb = soft_import("duckdb", "The results store")
        db = self.path / "attunement.duckdb"
        tmp = db.with_name(".attunement.duckdb.tmp")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            self._views(con)
        finally:
            con.close()
        tmp.replace(db)
        return db


def _sql_string(text: str) -> str:
    """A SQL string literal for a path: single quotes doubled, NUL refused."""
    if "\x00" in text:
        raise ValueError(f"path contains a NUL character: {text!r}")
    return "'" + text.replace("'", "''") + "'"
