"""The cohort report: groups compared and change across sessions, as one HTML page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..cohort.longitudinal import compare_groups, dyad_trends
from ..cohort.models import fit_models, save_models, session_level
from ..cohort.project import MixedModelSpec, ModelSpec
from ..cohort.store import Store
from ..io.writers import write_text
from ..stats.growth import (
    MixedModelResult,
    check_column,
    check_interactions,
    growth_model,
    model_formula,
    time_values,
)
from ._mpl import new_axes, to_data_uri
from .html import render


def cohort_table(store: Store, measure: str = "grand_average") -> pd.DataFrame:
    """One row per finished session: its summary joined to the project metadata."""
    summary = store.table("summary")
    meta_file = store.path / "metadata.parquet"
    if meta_file.is_file():
        meta = session_level(pd.read_parquet(meta_file))
        summary = summary.merge(meta, on="session", how="left", suffixes=("", "_meta"))
    if measure not in summary.columns:
        raise ValueError(f"{store.path}: no column {measure!r} in the summary table.")
    return summary


def cohort_model(
    store: Store, measure: str = "grand_average", spec: MixedModelSpec | None = None
) -> MixedModelResult:
    """The growth model ``measure ~ 1 + time + terms + (1 + time | dyad)`` over the sessions.

    With ``spec.time_interactions``, also ``time:term`` for each term named there;
    ``spec.random_slope`` decides the random slope (``"auto"``: where the data carry it,
    else ``(1 | dyad)`` with a note; see :func:`growth_model`). The
    measure comes from the ``summary`` table, every other column from the project's
    metadata. Columns set in ``spec`` (a project's ``[mixed_model]`` section) must be
    plain metadata column names, and time interactions among the model's terms, else
    ``ValueError`` naming the setting. When the default
    columns are missing, the data cannot carry the model, formulaic is not installed or
    the fit fails, the result has no table and a note says why.
    """
    spec = spec or MixedModelSpec()
    summary = store.table("summary")
    check_column(measure, "measure", summary.columns, "the summary table")
    meta_file = store.path / "metadata.parquet"
    meta = (
        session_level(pd.read_parquet(meta_file)) if meta_file.is_file()
        else summary[["session"]].copy()
    )
    columns = [c for c in meta.columns if c != "session"]
    for setting, name in spec.named().items():
        check_column(name, f"mixed_model.{setting}", columns)
    terms = spec.model_terms(columns)
    roles = {spec.dyad: "dyad", spec.time: "time"}
    crossed = check_interactions(spec.time_interactions, terms, columns, roles=roles)
    formula = model_formula(measure, spec.dyad, spec.time, terms, crossed,
                            random_slope=spec.random_slope is not False)
    if measure in (spec.dyad, spec.time, *terms):
        raise ValueError(f"mixed_model: the measure {measure!r} cannot also be a predictor.")
    missing = [c for c in (spec.dyad, spec.time) if c not in columns]
    if missing:
        return MixedModelResult.not_fitted(
            measure,
            formula,
            [
                f"Not fitted: the metadata has no column(s) {missing}; add them to the "
                "metadata CSV or name the columns in the project's [mixed_model] section."
            ],
        )
    frame = summary[["session", measure]].merge(
        meta[["session", spec.dyad, spec.time, *terms]], on="session", how="left"
    )
    try:
        return growth_model(frame, measure, spec.dyad, spec.time, terms,
                            time_interactions=crossed, random_slope=spec.random_slope)
    except (ValueError, ImportError) as err:  # data or install problems: a note, no crash
        return MixedModelResult.not_fitted(measure, formula, [f"Not fitted: {err}"])


def plot_groups(frame: pd.DataFrame, measure: str, group: str = "group", ax=None):
    """Each session's value of ``measure`` by group, with group means."""
    ax = new_axes(ax, figsize=(5.0, 3.2))
    levels = sorted(frame[group].dropna().unique())
    rng = np.random.default_rng(0)  # jitter only, for legibility
    for k, level in enumerate(levels):
        y = frame.loc[frame[group] == level, measure].to_numpy(float)
        ax.scatter(k + rng.uniform(-0.12, 0.12, len(y)), y, s=18, alpha=0.8)
        ax.hlines(np.nanmean(y), k - 0.25, k + 0.25, color="k", lw=2)
    ax.set_xticks(range(len(levels)), [str(v) for v in levels])
    ax.set_xlabel(group)
    ax.set_ylabel(measure)
    return ax


def plot_trajectories(
    frame: pd.DataFrame, measure: str, dyad: str = "dyad", order: str = "session_number", ax=None
):
    """Each dyad's measure across its sessions."""
    ax = new_axes(ax, figsize=(6.0, 3.2))
    for name, g in frame.groupby(dyad, sort=True):
        g = g.sort_values(order)
        ax.plot(g[order], g[measure], marker="o", ms=3, lw=1, label=str(name))
    ax.set_xlabel(order)
    ax.set_ylabel(measure)
    if frame[dyad].nunique() <= 10:
        ax.legend(fontsize=7, frameon=False)
    return ax


def plot_model_means(means: pd.DataFrame, measure: str, ax=None):
    """Estimated marginal means of one factor's levels with their 95 % intervals."""
    ax = new_axes(ax, figsize=(4.5, 3.0))
    x = np.arange(len(means))
    est = means["estimate"].to_numpy(float)
    err = np.vstack([est - means["ci_low"].to_numpy(float), means["ci_high"].to_numpy(float) - est])
    ax.errorbar(x, est, yerr=err, fmt="o", capsize=4, color="k")
    ax.set_xticks(x, [str(v) for v in means["level"]])
    ax.set_xlabel(str(means["factor"].iloc[0]))
    ax.set_ylabel(f"{measure} (estimated mean)")
    return ax


def _model_sections(store: Store, models: list[ModelSpec]) -> list[dict]:
    """Each ``[[models]]`` entry fitted, saved in the store, and laid out for the page."""
    if not models:
        return []
    fitted = fit_models(store, models)
    save_models(store, fitted)
    tables = fitted.tables()
    out = []
    for spec in models:
        model = fitted.fits[spec.name]
        section = {"name": spec.name, "formula": spec.formula, "fit": None, "figures": [],
                   "note": f"Not fitted: {fitted.errors.get(spec.name, '')}"}
        if model is not None:
            response = spec.formula.split("~")[0].strip()
            section.update(
                fit=tables["model_fit"].set_index("model").loc[spec.name],
                coefficients=model.coefficients, anova=model.anova(),
                note=" ".join(model.notes),
                figures=[to_data_uri(plot_model_means(model.emmeans(f), response).figure)
                         for f in model.factors],
            )
        out.append(section)
    return out


def write_cohort_report(
    store: Store,
    path: str | Path,
    measure: str = "grand_average",
    title: str = "cohort",
    model: MixedModelSpec | None = None,
    models: list[ModelSpec] | None = None,
) -> Path:
    """Write ``cohort.html``: the sessions, group comparison, trends and the growth model.

    The growth model (:func:`cohort_model`, set by ``model``, a project's
    ``[mixed_model]`` section) is also saved in the store as the cohort table
    ``mixed_model`` (``cohort/mixed_model.parquet``; no rows when it was not fitted).
    ``models`` (a project's ``[[models]]``) are fitted and saved as the store tables of
    :mod:`attunement.cohort.models`, and each shown with its estimated means. The growth
    model's section is left out when it was not fitted and neither asked for (no
    ``[mixed_model]`` section) nor possible (``[[models]]`` given, or no dyad and time
    columns in the metadata).
    The per-dyad trends use the model's ``dyad`` and ``time`` columns, time on the
    model's axis (numbers as given, dates as days since the dyad's first session).
    """
    model = model or MixedModelSpec()
    frame = cohort_table(store, measure)
    growth = cohort_model(store, measure, model)
    store.save_cohort_table("mixed_model", growth.tidy())
    comparison = trends = None
    group_fig = trend_fig = None
    if "group" in frame.columns and frame["group"].nunique() >= 2:
        comparison = compare_groups(frame, measure)
        group_fig = to_data_uri(plot_groups(frame, measure).figure)
    dyad, time = model.dyad, model.time
    trend_note = (
        f"Needs '{dyad}' and '{time}' in the metadata and three or more sessions per dyad."
    )
    time_unit = None
    if {dyad, time} <= set(frame.columns) and frame.groupby(dyad).size().max() > 2:
        try:
            axis, time_unit = time_values(frame, time, dyad)
        except ValueError as err:
            trend_note = str(err)
        else:
            timed = frame.assign(**{time: axis})
            trends = dyad_trends(timed, measure, dyad, time).rename(columns={"dyad": dyad})
            ax = plot_trajectories(timed, measure, dyad, time)
            if time_unit != "as given":
                ax.set_xlabel(f"{time} ({time_unit})")
            trend_fig = to_data_uri(ax.figure)
    asked = bool(model.model_fields_set) or (
        not models and {model.dyad, model.time} <= set(frame.columns))
    model_sections = _model_sections(store, list(models or []))
    pseudo_file = store.path / "cohort" / "pseudo_dyads.parquet"
    pseudo = pseudo_paired = pseudo_episodes = None
    if pseudo_file.is_file():
        from ..cohort.pseudo import episode_rates_vs_pseudo, real_vs_own_pseudo, real_vs_pseudo

        pairs = pd.read_parquet(pseudo_file)
        pseudo = real_vs_pseudo(pairs)
        pseudo_paired, per_dyad = real_vs_own_pseudo(pairs)
        store.save_cohort_table("real_vs_own_pseudo", per_dyad)
        pseudo_episodes = episode_rates_vs_pseudo(pairs)
    shown = [
        c
        for c in dict.fromkeys(
            ("session", "group", "dyad", dyad, "session_number", time, measure, "p_value",
             "effect_size")
        )
        if c in frame.columns
    ]
    html = render(
        "cohort.html.j2",
        title=title,
        measure=measure,
        sessions=frame[shown],
        comparison=comparison,
        group_fig=group_fig,
        trends=trends,
        trend_fig=trend_fig,
        trend_note=trend_note,
        dyad=dyad,
        time=time,
        time_unit=time_unit,
        failures=store.failures(),
        pseudo=pseudo,
        pseudo_paired=pseudo_paired,
        pseudo_episodes=pseudo_episodes,
        model=growth,
        show_growth=growth.fitted or asked,
        models=model_sections,
    )
    return write_text(html, path)
