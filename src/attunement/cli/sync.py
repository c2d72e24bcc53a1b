"""``attune sync``: windowed lagged cross-correlation of every session, rMEA-style."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from .._check import check_option
from ..io import read
from ..io.writers import prepare_out_dir, safe_name, write_csv, write_parquet
from ..preprocess import SCALE_METHODS, remove_outliers, scale, smooth
from ..stats import NULLS, compare_real_pseudo, surrogate_test
from ..sync.lagged import wcc
from . import app
from ._term import info, progress, user_errors

#: Summary columns first in summary.csv, in this order.
FIRST = ["session", "channel", "grand_average", "lag_zero_mean", "best_lag_s", "n_windows",
         "missing_fraction"]


@app.command()
def sync(
    paths: list[Path] = typer.Argument(..., help="Files or folders of recordings."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    window: float = typer.Option(60.0, "--window", help="Window length (s); rMEA example 60."),
    lag: float = typer.Option(5.0, "--lag", help="Largest lag (s); rMEA example +-5."),
    step: float = typer.Option(30.0, "--step", help="Window increment (s); rMEA example 30."),
    fisher_z: bool = typer.Option(False, "--fisher-z", help="Fisher z (rMEA r2Z), capped at 10."),
    absolute: bool = typer.Option(False, "--absolute", help="Absolute values (rMEA ABS)."),
    smooth_s: float = typer.Option(
        None, "--smooth", help="Moving average (s) first, rMEA MEAsmooth (published 0.5)."
    ),
    scale_by: str = typer.Option(
        None, "--scale", help=f"Divide each series by: {', '.join(SCALE_METHODS)} (MEAscale)."
    ),
    outliers_sd: float = typer.Option(
        None, "--outliers", help="Values above this many SDs become missing (MEAoutlier: 10)."
    ),
    channel: str = typer.Option(None, "--channel", help="Channel (default: every shared one)."),
    n_surrogates: int = typer.Option(
        0, "--surrogates", help="Surrogates per session (SUSY: 500); 0 for none."
    ),
    null: str = typer.Option(
        "shift", "--null", help=f"Surrogate null: {', '.join(NULLS)} (shift is calibrated)."
    ),
    segment_s: float = typer.Option(
        None, "--segment", help="Segment length (s) for --null segments (default: 2 windows)."
    ),
    keep_roles: bool = typer.Option(
        False, "--keep-roles", help="Pseudo-dyads pair partner 1 only with another partner 2."
    ),
    seed: int = typer.Option(None, "--seed", help="Seed: the same seed, the same numbers."),
    sampling_rate: float = typer.Option(
        None, "--sampling-rate", help="Hz, for files that do not carry it (MEA text)."
    ),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Windowed lagged cross-correlation per session (positive lag: partner 2 follows).

    Preprocessing, when asked, runs as rMEA's chain: smooth, then scale, then outliers.
    Writes wcc_<session>.parquet (one row per window: window_start_s, then one column per
    lag in seconds) and summary.csv (one row per session and channel, with every parameter;
    missing_fraction counts missing samples after preprocessing). With --surrogates, adds
    surrogate_mean, surrogate_sd, effect_size and p_value of the grand average (other
    summaries with their name as prefix) and, for several sessions, real against
    pseudo-dyads: group.csv (means, Cohen's d) and pseudo_dyads.csv.
    """
    params = {"window_s": window, "max_lag_s": lag, "step_s": step, "fisher_z": fisher_z,
              "absolute": absolute}
    prep = {"smooth_s": smooth_s, "scale": scale_by, "outliers_sd": outliers_sd}
    with user_errors():
        check_option(null, "--null", NULLS)
        if n_surrogates < 0:
            raise ValueError(f"Invalid value for '--surrogates': expected >= 0, got "
                             f"{n_surrogates}.")
        out = prepare_out_dir(out, force=force)
        sessions = [_preprocess(s, prep) for s in read(paths, sampling_rate=sampling_rate)]
        seeds = np.random.SeedSequence(seed).spawn(len(sessions) + 1)
        rows, done = [], {}
        with progress() as bar:
            task = bar.add_task("sync", total=len(sessions))
            for i, session in enumerate(sessions):
                channels = [session.resolve_channel(channel)] if channel else session.channels
                for ch in channels:
                    result = wcc(session, channel=ch, **params)
                    name = safe_name(session.id if len(channels) == 1 else f"{session.id}_{ch}")
                    write_parquet(result.to_wide(), out / f"wcc_{name}.parquet")
                    row = {"session": session.id, "channel": ch, **result.summary(), **prep}
                    if n_surrogates:
                        pool = [s for s in sessions if s is not session and ch in s.channels]
                        test = surrogate_test(
                            session, channel=ch, null=null, n_surrogates=n_surrogates,
                            seed=np.random.default_rng(seeds[i]), segment_s=segment_s,
                            pool=[s.pair(ch) for s in pool], **params)
                        row.update({k: v for k, v in test.summary().items() if k not in row})
                        row["seed"] = seed
                    rows.append(row)
                    done.setdefault(ch, []).append(session)
                bar.advance(task)
        summary = pd.DataFrame(rows)
        summary = summary[FIRST + [c for c in summary.columns if c not in FIRST]]
        write_csv(summary, out / "summary.csv")
        if n_surrogates and len(sessions) > 1:
            _group_tables(done, out, n_surrogates, keep_roles, seeds[-1], params, seed)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(orient="records"), indent=2, default=str))
        return
    info(f"{len(summary)} session(s) processed; tables in {out}")


def _group_tables(by_channel, out, n_pseudo, keep_roles, seed_seq, params, seed) -> None:
    """group.csv (one row per channel) and pseudo_dyads.csv: real against pseudo-dyads."""
    groups, values = [], []
    for ch, sessions in by_channel.items():
        if len(sessions) < 2:
            continue
        comp = compare_real_pseudo(sessions, channel=ch, n_pseudo=n_pseudo,
                                   keep_roles=keep_roles, seed=np.random.default_rng(seed_seq),
                                   **params)
        groups.append({"channel": ch, **comp.summary(), "seed": seed})
        values.append(comp.to_frame().assign(channel=ch))
    if groups:
        write_csv(pd.DataFrame(groups), out / "group.csv")
        write_csv(pd.concat(values, ignore_index=True), out / "pseudo_dyads.csv")


def _preprocess(session, prep):
    """rMEA's chain: MEAsmooth, then MEAscale, then MEAoutlier, each only when asked."""
    if prep["smooth_s"] is not None:
        session = smooth(session, prep["smooth_s"])
    if prep["scale"] is not None:
        session = scale(session, prep["scale"])
    if prep["outliers_sd"] is not None:
        session = remove_outliers(session, threshold_sd=prep["outliers_sd"])
    return session
