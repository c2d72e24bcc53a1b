"""``attune agree``: agreement between codings (detected episodes, human coders)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import typer

from . import app
from ._term import info, user_errors


@app.command()
def agree(
    paths: list[Path] = typer.Argument(
        ..., help="Two or more coding tables (CSV/TSV: onset_s, offset_s, label[, tier, coder]; "
        "an episodes.csv of attune episodes, its kind as label). The first is the reference."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    unit: float = typer.Option(1.0, "--unit", help="Coding unit (s); published 1 s."),
    tolerance: float = typer.Option(
        2.0, "--tolerance", help="Largest onset difference (s) of matched events; a choice."
    ),
    labels: str = typer.Option(
        None, "--labels", help="Comma-separated labels to compare (default: all)."
    ),
    session: str = typer.Option(
        None, "--session", help="Rows of this session only, for tables with a session column."
    ),
    duration: float = typer.Option(
        None, "--duration", help="Session length (s); default the latest offset."
    ),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """Time-based (Cohen's kappa, Krippendorff's alpha, percent agreement per --unit) and
    event-based agreement (onsets within --tolerance: precision, recall, F1, mean onset
    difference) of every pair of codings, the first file as reference; with three or
    more, Krippendorff's alpha over all. Writes agreement.csv (one row per measure, label
    and pair of coders, with the parameters)."""
    from ..io.annotations import read_annotations
    from ..io.writers import prepare_out_dir, write_csv
    from ..stats.agreement import agreement_coders

    with user_errors():
        if len(paths) < 2:
            raise ValueError(f"attune agree needs at least two coding tables, got {len(paths)}.")
        wanted = [s.strip() for s in labels.split(",") if s.strip()] if labels else None
        tables = [_read(p, session, read_annotations) for p in paths]
        names = [p.stem for p in paths]
        if len(set(names)) != len(names):
            names = [str(p) for p in paths]
        table = agreement_coders(tables, names, unit_s=unit, tolerance_s=tolerance,
                                 labels=wanted, duration_s=duration)
        if session is not None:
            table.insert(0, "session", session)
        out = prepare_out_dir(out, force=force)
        write_csv(table, out / "agreement.csv")
    if as_json:
        typer.echo(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
        return
    overall = table[(table["label"] == "all")]
    for row in overall.itertuples(index=False):
        info(f"{row.coder_a} vs {row.coder_b}: {row.measure} = {row.value:.3f} "
             f"({row.n} units of {unit:g} s)")
    info(f"agreement table -> {out / 'agreement.csv'}")


def _read(path: Path, session: str | None, reader) -> pd.DataFrame:
    """One coding; a table with a ``session`` column (episodes.csv) gives that session's
    rows (``--session`` needed when it holds several)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such coding table.")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    head = pd.read_csv(path, sep=sep, nrows=0)
    if "session" not in head.columns:  # one session's coding: taken as --session's
        return reader(path, coder=path.stem)
    raw = pd.read_csv(path, sep=sep, dtype={"session": "string"})
    found = sorted(raw["session"].dropna().unique())
    if session is None:
        if len(found) > 1:
            raise ValueError(f"{path}: holds {len(found)} sessions ({', '.join(found[:5])}"
                             f"{', ...' if len(found) > 5 else ''}); choose one with --session.")
        return reader(path, coder=path.stem)
    if session not in found:
        raise ValueError(f"{path}: no rows of session {session!r}; it has "
                         f"{', '.join(found[:5])}{', ...' if len(found) > 5 else ''}.")
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / path.name
        raw[raw["session"] == session].to_csv(part, sep=sep, index=False)
        return reader(part, coder=path.stem)
