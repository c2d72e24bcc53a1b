"""``attune sync``: windowed lagged cross-correlation (rMEA-style) and the other synchrony
measures of every session, each optionally tested against the same surrogate null."""

from __future__ import annotations

import ast
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from ..io.quality import channel_reasons
from ..io.writers import (
    check_unique,
    prepare_out_dir,
    safe_name,
    write_csv,
    write_parquet,
    write_summary,
)
from ..lagcorr.lagged import wcc
from ..lagcorr.peaks import PEAK_METHODS, pick_peaks
from ..lagcorr.window import check_window
from ..preprocess import SCALE_METHODS, remove_outliers, scale, smooth
from ..stats import NULLS, compare_real_pseudo, surrogate_test
from ..sync.registry import (
    HEADLINES,
    MEASURES,
    check_measures,
    check_params,
    headline_function,
    measure_parameters,
)
from ..vocabulary import check_option
from . import app
from ._inputs import CHANNELS, PARTNERS, RECURSIVE, RESAMPLE, SAMPLING_RATE, TIME_UNIT, read_inputs
from ._term import info, progress, user_errors, warn

#: Summary columns first in summary.csv, in this order (the WCC's only when it runs).
FIRST = ["session", "channel", "grand_average", "lag_zero_mean", "best_lag_s", "n_windows",
         "missing_fraction"]
#: A surrogate test expected to run longer than this (s) is announced.
SLOW_TEST_S = 60.0
#: Words accepted for Python's constants in --measure-param values.
WORDS = {"true": True, "false": False, "none": None}


@dataclass
class _Run:
    """What every session and channel is measured with."""

    names: list[str]
    wcc_params: dict
    prep: dict
    measure_params: dict
    n_surrogates: int
    null: str
    segment_s: float | None
    seed: int | None
    peak_method: str = "surrogate"
    peak_alpha: float = 0.05


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
    wcc_params = {"window_s": window, "max_lag_s": lag, "step_s": step, "fisher_z": fisher_z,
                  "absolute": absolute}
    prep = {"smooth_s": smooth_s, "scale": scale_by, "outliers_sd": outliers_sd}
    with user_errors():
        check_option(null, "--null", NULLS)
        check_option(peak_method, "--peak-method", PEAK_METHODS)
        if not 0 < peak_alpha < 1:
            raise ValueError(f"Invalid value for '--peak-alpha': expected 0 < alpha < 1, got "
                             f"{peak_alpha}.")
        if n_surrogates < 0:
            raise ValueError(f"Invalid value for '--surrogates': expected >= 0, got "
                             f"{n_surrogates}.")
        names = check_measures(measure, "--measure")
        run = _Run(names, wcc_params, prep, _measure_params(measure_param or [], names),
                   n_surrogates, null, segment_s, seed, peak_method, peak_alpha)
        sessions = [_preprocess(s, prep) for s in read_inputs(
            paths, sampling_rate, partners, channels, recursive, resample, time_unit
        )]
        for session in sessions if "wcc" in names else []:
            check_window(session.sampling_rate, window, lag, f"session {session.id!r}: ",
                         ("--window", "--lag"))
        check_unique({f"session {s.id!r}, channel {ch!r}": _wcc_name(s.id, ch, len(chs))
                      for s in sessions
                      for chs in [[s.resolve_channel(channel)] if channel else s.channels]
                      for ch in chs}, "output name")
        out = prepare_out_dir(out, force=force)
        seeds = np.random.SeedSequence(seed).spawn(len(sessions) + 1)
        rows, done = [], {}
        with progress() as bar:
            task = bar.add_task("sync", total=len(sessions))
            for i, session in enumerate(sessions):
                channels = [session.resolve_channel(channel)] if channel else session.channels
                for ch in channels:
                    rows.append(_row(session, ch, len(channels), sessions, run, seeds[i], out))
                    done.setdefault(ch, []).append(session)
                bar.advance(task)
        summary = pd.DataFrame(rows)
        first = [c for c in FIRST if c in summary.columns]
        summary = summary[first + [c for c in summary.columns if c not in first]]
        write_summary(summary, out / "summary.csv")
        if "wcc" in names and n_surrogates and len(sessions) > 1:
            _group_tables(done, out, n_surrogates, keep_roles, seeds[-1], wcc_params, seed)
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


def _row(session, ch, n_channels, sessions, run: _Run, seed_seq, out) -> dict:
    """One row of summary.csv: every requested measure of one session and channel."""
    row = {"session": session.id, "channel": ch}
    reasons = channel_reasons(session, ch)
    if reasons:
        warn(f"session {session.id!r}, channel {ch!r}: " + "; ".join(reasons)
             + ": its measures are empty.")
    row["reason"] = "; ".join(reasons) or pd.NA
    pool = ([s.pair(ch) for s in sessions if s is not session and ch in s.channels]
            if run.n_surrogates else None)
    if "wcc" in run.names:
        result = wcc(session, channel=ch, **run.wcc_params)
        name = _wcc_name(session.id, ch, n_channels)
        write_parquet(result.to_wide(), out / f"wcc_{name}.parquet")
        row.update(result.summary())
        peaks = pick_peaks(result, session, channel=ch, method=run.peak_method,
                           alpha=run.peak_alpha, seed=np.random.default_rng(seed_seq))
        write_parquet(peaks.to_frame(), out / f"peaks_{name}.parquet")
        row.update(peaks.summary())
        row["peak_alpha"] = run.peak_alpha if run.peak_method == "surrogate" else math.nan
        info(f"{session.id} [{ch}]: {peaks.leader_text(session.partners)}")
    row.update(run.prep)
    row["seed"] = run.seed
    if "wcc" in run.names and run.n_surrogates:
        test = surrogate_test(session, channel=ch, null=run.null,
                              n_surrogates=run.n_surrogates,
                              seed=np.random.default_rng(seed_seq), segment_s=run.segment_s,
                              pool=pool, **run.wcc_params)
        row.update({k: v for k, v in test.summary().items() if k not in row})
        row["seed"] = run.seed
    pair = (*session.pair(ch), session.sampling_rate)
    where = f"session {session.id!r}, channel {ch!r}"
    for name in (n for n in run.names if n != "wcc"):
        cols = _measure_columns(name, pair, run, seed_seq, pool, where)
        row.update({k: v for k, v in cols.items() if k.startswith(f"{name}_") or k not in row})
    row.setdefault("sampling_rate", session.sampling_rate)
    return row


def _wcc_name(session_id: str, ch: str, n_channels: int) -> str:
    """The ``<session>`` part of ``wcc_<session>.parquet`` (with the channel when several)."""
    return safe_name(session_id if n_channels == 1 else f"{session_id}_{ch}")


def _measure_columns(name, pair, run: _Run, seed_seq, pool, where) -> dict:
    """A measure's summary columns, its parameters and, with surrogates, its test."""
    params = run.measure_params.get(name, {})
    try:
        summary = MEASURES[name](*pair, **params)
        cols = {**summary, **{f"{name}_param_{k}": _cell(v) for k, v in
                              {**measure_parameters(name), **params}.items()}}
        if run.n_surrogates:
            cols.update(_measure_test(name, pair, summary, params, run, seed_seq, pool, where))
    except ValueError as err:
        raise ValueError(f"{where}, measure {name!r}: {err}") from None
    return cols


def _measure_test(name, pair, summary, params, run: _Run, seed_seq, pool, where) -> dict:
    """The headline statistic against the run's null, on the WCC's surrogate pairs (the
    same seed gives the same pairs), and the columns that define the null (a shift of at
    least --lag; segments of --segment, default two --window) unless the WCC gave them."""
    headline = HEADLINES[name]
    func = _Timed(headline_function(name, summary, **params), run.n_surrogates,
                  f"{where}, measure {name!r}")
    test = surrogate_test(*pair, measure=func, null=run.null, n_surrogates=run.n_surrogates,
                          seed=np.random.default_rng(seed_seq), segment_s=run.segment_s,
                          pool=pool, alternative=headline.alternative, **run.wcc_params)
    cols = {"statistic": test.statistic, "alternative": test.alternative,
            "surrogate_mean": test.surrogate_mean, "surrogate_sd": test.surrogate_sd,
            "effect_size": test.effect_size, "p_value": test.p_value}
    shared = {"null": run.null, "n_surrogates": len(test.null), "seed": run.seed,
              "segment_s": run.segment_s, "window_s": run.wcc_params["window_s"],
              "max_lag_s": run.wcc_params["max_lag_s"]}
    return {**shared, **{f"{name}_{k}": v for k, v in cols.items()}}


class _Timed:
    """A headline function that, on its first call (the real pair), announces a surrogate
    test expected to run longer than :data:`SLOW_TEST_S`."""

    def __init__(self, func, n_surrogates: int, label: str):
        self.func, self.n_surrogates, self.label, self.timed = func, n_surrogates, label, False

    def __call__(self, x1, x2, sampling_rate) -> dict:
        start = time.perf_counter()
        value = self.func(x1, x2, sampling_rate)
        if not self.timed:
            self.timed = True
            each = time.perf_counter() - start
            if each * self.n_surrogates > SLOW_TEST_S:
                warn(f"{self.label}: {self.n_surrogates} surrogates will take about "
                     f"{each * self.n_surrogates / 60:.0f} min ({each:.2f} s each).")
        return value


def _cell(value):
    """A parameter as one table cell: tuples and mappings as their text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


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
