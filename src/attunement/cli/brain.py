"""``attune brain``: inter-brain synchrony of EEG/fNIRS hyperscanning dyads."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..report.brain_figures import write_interbrain_figures, write_wtc_figure
from . import app
from ._term import info, progress, user_errors


@app.command()
def brain(
    paths: list[Path] = typer.Argument(
        ..., help="Recordings in pairs: P1 P2 [P1 P2 ...] (FIF, EDF/BDF, EEGLAB, SNIRF, NIRx), "
        "or one BIDS dataset root (dyads from participants.tsv)."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    mode: str = typer.Option(
        "plv", "--mode", help="Comma-separated: plv, ccorr, accorr, coh, imaginary_coh, pli, "
        "wpli, envelope_corr, pow_corr; or wtc (fNIRS wavelet coherence)."
    ),
    bands: str = typer.Option(
        None, "--bands", help="Comma-separated: theta, alpha_low, alpha_high, beta, gamma "
        "(default all)."
    ),
    periods: str = typer.Option("10,20", "--periods", help="wtc: band of periods in s."),
    pairs: str = typer.Option("matched", "--pairs", help="wtc: matched or all channel pairs."),
    min_sci: float = typer.Option(
        0.5, "--min-sci", help="wtc: mark fNIRS channels with scalp coupling index below bad."
    ),
    pair_by: str = typer.Option("name", "--pair-by", help="Pair channels by name or position."),
    window_s: float = typer.Option(None, "--window-s", help="Continuous data: window length."),
    step_s: float = typer.Option(None, "--step-s", help="Continuous data: window step."),
    per_epoch: bool = typer.Option(False, "--per-epoch", help="Keep one matrix per epoch."),
    surrogates: int = typer.Option(0, "--surrogates", help="Surrogates for p-values (0: none)."),
    null: str = typer.Option(
        None, "--null", help="pseudo-dyads (default with several dyads), epochs (EEG), "
        "shift (wtc)."
    ),
    correction: str = typer.Option("fdr", "--correction", help="fdr, max or none."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    seed: int = typer.Option(0, "--seed", help="Random seed for the surrogates."),
    jobs: int = typer.Option(
        1, "--jobs", help="Threads per matrix (-1: every CPU); pays off for pli, wpli, accorr."
    ),
    figure: bool = typer.Option(True, "--figure/--no-figure", help="Write PNG figures."),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Inter-brain synchrony per band and channel pair; tables, figures, surrogate p-values."""
    from ..io.bids import bids_dyads, is_bids_root, read_bids_pair
    from ..io.writers import prepare_out_dir, safe_name, write_summary

    with user_errors():
        if jobs == 0:
            raise ValueError("--jobs: expected a number of threads >= 1, or -1 for every CPU.")
        reader = None
        if len(paths) == 1 and is_bids_root(paths[0]):
            found = bids_dyads(paths[0])
            dyads, names = [d.paths for d in found], [safe_name(d.name) for d in found]
            reader = read_bids_pair
        elif len(paths) % 2:
            raise ValueError(
                f"expected recordings in pairs (participant 1, participant 2), got {len(paths)}."
            )
        if reader is None:
            dyads = [(paths[k], paths[k + 1]) for k in range(0, len(paths), 2)]
            names = [safe_name(f"{a.stem}__{b.stem}") for a, b in dyads]
        modes = [m.strip() for m in mode.split(",") if m.strip()]
        if "wtc" in modes and len(modes) > 1:
            raise ValueError("--mode wtc (fNIRS wavelet coherence) cannot be mixed with EEG modes.")
        opt = {
            "out": prepare_out_dir(out, force=force), "mode": mode, "bands": bands,
            "periods": periods, "pairs": pairs, "min_sci": min_sci, "pair_by": pair_by,
            "window_s": window_s, "step_s": step_s, "per_epoch": per_epoch,
            "surrogates": surrogates, "null": null, "correction": correction, "alpha": alpha,
            "seed": seed, "figure": figure, "n_jobs": jobs, "read": reader,
        }
        run = _run_wtc if modes == ["wtc"] else _run_eeg
        summary, files = run(dyads, names, opt)
        out = opt["out"]
        files.append(write_summary(summary, out / "summary.csv"))
    if as_json:
        typer.echo(json.dumps(json.loads(summary.to_json(orient="records")), indent=2))
        return
    for path in files:
        info(f"wrote {path}")


def _bar(description: str):
    bar = progress()
    task = bar.add_task(description, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def _run_eeg(dyads, names, opt):
    from .. import read_hyperscanning
    from ..brain.summary import (
        interbrain_dyads,
        interbrain_group_test,
        interbrain_summary,
        join_group_test,
    )
    from ..io.writers import write_csv, write_parquet

    out, files = opt["out"], []
    read_pair = opt["read"] or read_hyperscanning
    insts = [read_pair(a, b, pair_by=opt["pair_by"]) for a, b in dyads]
    windows = {"window_s": opt["window_s"], "step_s": opt["step_s"]}
    results = interbrain_dyads(insts, names, opt["mode"], opt["bands"],
                               epochs_average=not opt["per_epoch"], n_jobs=opt["n_jobs"],
                               pair_by=opt["pair_by"], **windows)
    for name, res in results.items():
        table = res.to_frame()
        files.append(write_csv(table, out / f"interbrain_{name}.csv"))
        files.append(write_parquet(table, out / f"interbrain_{name}.parquet"))
        if opt["figure"]:
            files += write_interbrain_figures(res, out / f"interbrain_{name}")
    summary = interbrain_summary(results, pair_by=opt["pair_by"], **windows)
    if opt["surrogates"] > 0:
        bar, step = _bar("surrogates")
        with bar:
            test = interbrain_group_test(
                insts, opt["mode"], opt["bands"], null=opt["null"],
                n_surrogates=opt["surrogates"], correction=opt["correction"],
                alpha=opt["alpha"], seed=opt["seed"], on_progress=step, n_jobs=opt["n_jobs"],
                pair_by=opt["pair_by"], **windows)
        files.append(write_csv(test.to_frame().assign(seed=opt["seed"]),
                               out / "interbrain_test.csv"))
        summary = join_group_test(summary, test, names, opt["seed"])
        if opt["figure"]:
            files += write_interbrain_figures(test, out / "interbrain_test")
    return summary, files


def _parse_periods(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(p) for p in text.split(","))
    except ValueError:
        raise ValueError(f"--periods: expected two seconds such as 10,20, got {text!r}.") from None
    return lo, hi


def _run_wtc(dyads, names, opt):
    from .. import read_hyperscanning, to_haemoglobin
    from ..brain.summary import (
        interbrain_group_test,
        interbrain_wtc_dyads,
        interbrain_wtc_summary,
        join_group_test,
    )
    from ..io.writers import write_csv

    out, files = opt["out"], []
    band = _parse_periods(opt["periods"])
    insts = []
    for a, b in dyads:
        p1, p2 = (opt["read"] or read_hyperscanning)(
            a, b, pair_by="name" if opt["pairs"] == "matched" else "position")
        insts.append(tuple(to_haemoglobin(p, min_sci=opt["min_sci"]) for p in (p1, p2)))
    results = interbrain_wtc_dyads(insts, names, periods_s=band, pairs=opt["pairs"])
    for name, res in results.items():
        files.append(write_csv(res.to_frame(), out / f"interbrain_wtc_{name}.csv"))
        if opt["figure"]:
            files.append(write_wtc_figure(res, out / f"interbrain_wtc_{name}.png"))
    summary = interbrain_wtc_summary(results, pairs=opt["pairs"], min_sci=opt["min_sci"])
    if opt["surrogates"] > 0:
        bar, step = _bar("surrogates")
        with bar:
            test = interbrain_group_test(
                insts, wtc=True, null=opt["null"], n_surrogates=opt["surrogates"],
                periods_s=band, pairs=opt["pairs"], correction=opt["correction"],
                alpha=opt["alpha"], seed=opt["seed"], on_progress=step)
        files.append(write_csv(test.to_frame().assign(seed=opt["seed"]),
                               out / "interbrain_wtc_test.csv"))
        summary = join_group_test(summary, test, names, opt["seed"])
    return summary, files
