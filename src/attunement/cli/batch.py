"""``attune batch`` and ``attune query``: a cohort into one store, and SQL over it."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from . import app
from ._term import error, info, progress, user_errors, warn

#: The line shown as each session of a batch finishes.
STATUS = {"done": "analysed", "skipped": "unchanged, skipped", "failed": "failed"}


@app.command()
def batch(
    project_file: Path = typer.Argument(..., help="The project file (TOML)."),
    out: Path = typer.Option(..., "--out", help="The results store folder."),
    executor: str = typer.Option(None, "--executor", help="local or dask (default: project)."),
    workers: int = typer.Option(None, "--workers", help="Local worker processes."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Dask: 'local' (a LocalCluster) or tcp://host:8786."
    ),
    pseudo_dyads: int = typer.Option(
        0, "--pseudo-dyads", help="Also compare real dyads with N pseudo-dyads (0: none)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for drawing the pseudo-dyads."),
) -> None:
    """Analyse every session of a project into a store; finished sessions are kept and skipped."""
    from ..cohort import Store, load_project, run_batch

    with user_errors():
        project = load_project(project_file)
        if scheduler is not None and executor is None:
            executor = "dask"
        store = Store(out)
        counts = {"done": 0, "skipped": 0, "failed": 0}
        with progress() as bar:
            task = bar.add_task("sessions", total=len(project.files))

            info(f"{project.name}: {len(project.files)} session(s)")

            def step(sid: str, status: str) -> None:
                counts[status] += 1
                info(f"{sid}: {STATUS[status]}")
                bar.update(
                    task,
                    advance=1,
                    description=(
                        f"done {counts['done']} · unchanged {counts['skipped']} · "
                        f"failed {counts['failed']}"
                    ),
                )

            result = run_batch(
                project,
                store,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                on_progress=step,
            )
        if pseudo_dyads > 0:
            _pseudo(project, store, pseudo_dyads, seed, executor, workers, scheduler)
        report = None
        if store.finished():
            from ..report.cohort_report import write_cohort_report

            report = write_cohort_report(
                store, out / "cohort.html", title=project.name, model=project.spec.mixed_model,
                models=project.spec.models,
            )
        if pseudo_dyads > 0 or report is not None:
            store.write_database()  # views for the cohort tables written after the batch
    info(f"{project.name}: {result.summary()} -> {out}")
    if report is not None:
        info(f"cohort report: {report}")
    for sid, message in result.failed.items():
        warn(f"{sid}: {message}")
    if result.failed:
        raise typer.Exit(1)


@app.command()
def query(
    store: Path = typer.Argument(..., help="A results store written by attune batch."),
    sql: str = typer.Argument(..., help="SQL over the tables, e.g. SELECT * FROM summary."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
) -> None:
    """Run SQL (DuckDB) over a store's tables: summary, wcc, episodes, metadata, ...

    The store is opened read-only with DuckDB's external access disabled: a query reads
    the store's tables and nothing else (no COPY, ATTACH, INSTALL, LOAD, read_csv).
    Cells are printed as they are (no terminal markup)."""
    from ..cohort import Store
    from ..cohort.store import QueryError

    with user_errors():
        if not (store / "sessions").is_dir():
            raise ValueError(f"{store}: not a results store (no sessions/ folder).")
        try:
            frame = Store(store).query(sql)
        except QueryError as err:
            error(str(err))
            raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(json.loads(frame.to_json(orient="records")), indent=2))
    elif as_csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        typer.echo(frame.to_string(index=False))


def _pseudo(project, store, n, seed, executor, workers, scheduler) -> None:
    from ..cohort.pseudo import pseudo_dyads

    frame = pseudo_dyads(
        project,
        n_pseudo=n,
        seed=seed,
        executor=executor or project.spec.batch.executor,
        workers=workers or project.spec.batch.workers,
        scheduler=scheduler or project.spec.batch.scheduler,
    )
    store.save_cohort_table("pseudo_dyads", frame)
