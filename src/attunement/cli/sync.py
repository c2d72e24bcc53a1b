"""``attune sync``: a preset of ``attune analyze``. The options make a configuration
that selects the measures (no episodes, no heart-rate linkage, no report pages) and
the one pipeline (:func:`attunement.analyze_sessions`) runs it; this module parses the
options and writes the tables."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import typer

from ..analysis import FIRST, analyze_sessions, group_tables, read_sessions
from ..config import load_config
from ..io.writers import (
    check_unique,
    prepare_out_dir,
    safe_name,
    write_csv,
    write_parquet,
    write_summary,
)
from ..lagcorr.peaks import PEAK_METHODS
from ..preprocess import SCALE_METHODS
from ..stats import NULLS
from ..sync.registry import MEASURES, check_measures, check_params
from ..vocabulary import check_option
from . import app
from ._inputs import CHANNELS, PARTNERS, RECURSIVE, RESAMPLE, SAMPLING_RATE, TIME_UNIT, split_names
from ._term import add_flags, info, session_progress, user_errors

__all__ = ["FIRST", "sync"]
#: Words accepted for Python's constants in --measure-param values.
WORDS = {"true": True, "false": False, "none": None}


@app.command()
def sync(
    paths: list[Path] = typer.Argument(..., help="Files or folders of recordings."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    measure: str = typer.Option(
        "wcc", "--measure", help=f"Comma-separated measures: {', '.join(MEASURES)}."
    ),
    measure_param: list[str] = typer.Option(
        None, "--measure-param",
        help="NAME.KEY=VALUE, repeatable (e.g. crqa.radius=0.5, phase.band_hz=0.1,0.5).",
    ),
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
    peak_method: str = typer.Option(
        "surrogate", "--peak-method",
        help=f"Peak picking (who leads): {', '.join(PEAK_METHODS)}; surrogate keeps only "
        "clear peaks.",
    ),
    peak_alpha: float = typer.Option(
        0.05, "--peak-alpha", help="Surrogate p-value of a clear peak (--peak-method surrogate)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed, the same numbers."),
    sampling_rate: float = SAMPLING_RATE,
    partners: str = PARTNERS,
    channels: str = CHANNELS,
    recursive: bool = RECURSIVE,
    resample: float = RESAMPLE,
    time_unit: str = TIME_UNIT,
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Synchrony per session and channel: the windowed lagged cross-correlation (WCC;
    positive lag: partner 2 follows) and any other --measure.

    Preprocessing, when asked, runs as rMEA's chain: smooth, then scale, then outliers.
    The WCC writes wcc_<session>.parquet (one row per window: window_start_s, then one
    column per lag in seconds) and its columns in summary.csv (one row per session and
    channel, with every parameter; missing_fraction counts missing samples after
    preprocessing). Every other measure adds its summary columns, named
    <measure>_<column>, and its parameters as <measure>_param_<key> (the published
    defaults unless --measure-param sets them; attunement.sync.registry lists them).
    With --surrogates, the WCC adds surrogate_mean, surrogate_sd, effect_size and
    p_value of the grand average (other summaries with their name as prefix) and, for
    several sessions, real against pseudo-dyads: group.csv (means, Cohen's d) and
    pseudo_dyads.csv. Every other measure's headline statistic
    (attunement.sync.registry.HEADLINES) is tested on the same surrogate pairs, adding
    <measure>_statistic, _alternative, _surrogate_mean, _surrogate_sd, _effect_size
    and _p_value. Slow measures (wavelet_coherence, mdrqa: minutes per 100 surrogates
    of a 10-minute session) are announced; the number of surrogates is never lowered.
    """
    with user_errors():
        check_option(null, "--null", NULLS)
        check_option(peak_method, "--peak-method", PEAK_METHODS)
        if scale_by is not None:
            check_option(scale_by, "method", SCALE_METHODS)
        if not 0 < peak_alpha < 1:
            raise ValueError(f"Invalid value for '--peak-alpha': expected 0 < alpha < 1, got "
                             f"{peak_alpha}.")
        if n_surrogates < 0:
            raise ValueError(f"Invalid value for '--surrogates': expected >= 0, got "
                             f"{n_surrogates}.")
        names = check_measures(measure, "--measure")
        params = _measure_params(measure_param or [], names)
        wanted = [channel] if channel else split_names(channels, "--channels")
        add_flags({"window_s": "--window", "max_lag_s": "--lag", "step_s": "--step"})
        cfg = load_config(
            None,
            read={"sampling_rate": sampling_rate, "resample_hz": resample,
                  "partners": split_names(partners, "--partners", 2), "channels": wanted,
                  "time_unit": None if time_unit == "auto" else time_unit},
            preprocess={"smooth_s": smooth_s, "scale": scale_by, "outliers_sd": outliers_sd},
            measures={name: params.get(name, {}) for name in names},
            sync={"window_s": window, "max_lag_s": lag, "step_s": step, "fisher_z": fisher_z,
                  "absolute": absolute},
            peaks={"method": peak_method, "alpha": peak_alpha},
            surrogates={"n": n_surrogates, "null": null, "seed": seed, "segment_s": segment_s,
                        "keep_roles": keep_roles},
            episodes={"enabled": False},
            physio={"enabled": False},
        )
        sessions = read_sessions(paths, cfg, recursive)
        check_unique({f"session {s.id!r}, channel {ch!r}": _wcc_name(s.id, ch, len(chs))
                      for s in sessions
                      for chs in [[s.resolve_channel(channel)] if channel else s.channels]
                      for ch in chs}, "output name")
        out = prepare_out_dir(out, force=force)
        summaries, analyses = [], []
        with session_progress(len(sessions)) as (follow, advance):
            for _, analysis in analyze_sessions(sessions, cfg, progress=follow):
                if isinstance(analysis, Exception):
                    raise analysis
                _write_tables(analysis, out)
                summaries.append(analysis.summary_frame())
                analyses.append(analysis)
                advance()
        summary = pd.concat(summaries, ignore_index=True)
        write_summary(summary, out / "summary.csv")
        for table, frame in group_tables(analyses).items():
            write_csv(frame, out / f"{table}.csv")
    if as_json:
        typer.echo(json.dumps(summary.to_dict(orient="records"), indent=2, default=str))
        return
    info(f"{len(summary)} session(s) processed; tables in {out}")


def _measure_params(items: list[str], names: list[str]) -> dict[str, dict]:
    """``--measure-param NAME.KEY=VALUE`` items as ``{name: {key: value}}``, each key
    checked against the measure's function."""
    out: dict[str, dict] = {}
    for item in items:
        target, equals, text = item.partition("=")
        name, dot, key = target.strip().partition(".")
        if not (equals and dot and name and key):
            raise ValueError("Invalid value for '--measure-param': expected NAME.KEY=VALUE "
                             f"(e.g. crqa.radius=0.5), got {item!r}.")
        check_option(name, "--measure-param", MEASURES)
        if name == "wcc":
            raise ValueError("Invalid value for '--measure-param': the WCC's parameters are "
                             "--window, --lag, --step, --fisher-z and --absolute, got "
                             f"{item!r}.")
        if name not in names:
            raise ValueError(f"Invalid value for '--measure-param': {item!r} sets a parameter "
                             f"of {name!r}, expected one of the --measure names "
                             f"({', '.join(names)}).")
        try:
            check_params(name, {key: None})
        except ValueError as err:
            raise ValueError(f"--measure-param {item!r}: {err}") from None
        out.setdefault(name, {})[key] = _literal(text.strip())
    return out


def _literal(text: str):
    """A number, tuple, True/False/None as Python reads it; other text as it is."""
    if text.lower() in WORDS:
        return WORDS[text.lower()]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _write_tables(analysis, out: Path) -> None:
    """wcc_<session>.parquet (one row per window: window_start_s, one column per lag) and
    peaks_<session>.parquet, per channel (the channel in the name when several)."""
    session = analysis.session
    for ch in analysis.channels:
        if ch.wcc is None:
            continue
        name = _wcc_name(session.id, ch.channel, len(analysis.channels))
        write_parquet(ch.wcc.to_wide(), out / f"wcc_{name}.parquet")
        write_parquet(ch.peaks.to_frame(), out / f"peaks_{name}.parquet")
        info(f"{session.id} [{ch.channel}]: {ch.peaks.leader_text(session.partners)}")


def _wcc_name(session_id: str, ch: str, n_channels: int) -> str:
    """The ``<session>`` part of ``wcc_<session>.parquet`` (with the channel when several)."""
    return safe_name(session_id if n_channels == 1 else f"{session_id}_{ch}")
