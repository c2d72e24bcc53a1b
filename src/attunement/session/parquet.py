"""A Session as one Parquet file: the wide signal table, with the id, rate, partners,
phases and meta as JSON in the schema's metadata under :data:`META_KEY`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import Session

#: The schema-metadata key under which a Session's header is stored.
META_KEY = b"attunement.session"


def write_session_parquet(session: Session, path: str | Path) -> Path:
    """Write ``session`` (signals, phases, meta) to one Parquet file, atomically (a
    temporary file renamed into place); :func:`session_from_parquet_header` rebuilds it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    table = pa.Table.from_pandas(session.to_wide(), preserve_index=False)
    header = {
        "id": session.id,
        "sampling_rate": session.sampling_rate,
        "partners": list(session.partners),
        "columns": [list(c) for c in session.signals.columns],
        "phases": session.phases.to_dict(orient="list"),
        "meta": session.meta,
    }
    metadata = dict(table.schema.metadata or {})
    metadata[META_KEY] = json.dumps(header, default=_json_default).encode()
    table = table.replace_schema_metadata(metadata)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def session_from_parquet_header(wide: pd.DataFrame, header: Mapping[str, Any]) -> Session:
    """Rebuild a Session written by :meth:`Session.to_parquet`."""
    columns = [tuple(c) for c in header["columns"]]
    flat = [f"{p}_{c}" for p, c in columns]
    signals = wide[flat].copy()
    signals.columns = pd.MultiIndex.from_tuples(columns)
    signals.index = wide["time_s"].to_numpy()
    return Session(
        signals,
        header["sampling_rate"],
        partners=header["partners"],
        id=header["id"],
        phases=pd.DataFrame(header["phases"]) if header["phases"]["label"] else None,
        meta=header.get("meta", {}),
    )


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
