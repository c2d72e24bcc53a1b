"""The project's ``[[models]]``: mixed models over the store's sessions, as store tables.

Each model is fitted by :func:`attunement.stats.mixed.lmer` on the store's session
summaries joined to the project's metadata (one row per metadata row: a session with a
row per participant gives one observation per participant, each carrying its session's
measures). The results go into the store as cohort tables, so that ``attune query STORE
"SELECT * FROM models"`` gives them:

- ``models``: ``model, term, estimate, se, df, t, p_value, ci_low, ci_high``;
- ``model_fit``: one row per model: ``formula``, ``reml``, ``n_obs``, ``groups``,
  ``variance_components``, ``sigma``, ``reml_criterion`` (or ``deviance`` under ML),
  ``loglik``, ``icc``, ``r2_marginal``, ``r2_conditional``, ``singular``, ``notes``;
- ``model_anova``: type III F tests (lmerTest's ``anova``), one row per model and term;
- ``model_means``: estimated marginal means of each factor level (emmeans).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..stats.mixed import MixedModel, formula_columns, lmer
from .store import Store

COEFFICIENTS = ["model", "term", "estimate", "se", "df", "t", "p_value", "ci_low", "ci_high"]


@dataclass
class FittedModels:
    """The ``[[models]]`` of a project over a store: each fit (or why not) and the tables."""

    fits: dict[str, MixedModel | None] = field(default_factory=dict)
    formulas: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``models``, ``model_fit``, ``model_anova`` and ``model_means``."""
        coef, fit, anova, means = [], [], [], []
        for name, model in self.fits.items():
            row = {"model": name, "formula": self.formulas[name]}
            if model is None:
                fit.append({**row, "notes": f"Not fitted: {self.errors[name]}"})
                continue
            coef.append(model.coefficients.assign(model=name))
            fit.append({**row, "reml": model.reml, **_fit_row(model)})
            anova.append(model.anova().assign(model=name))
            for factor in model.factors:
                means.append(model.emmeans(factor).assign(model=name))
        return {
            "models": _frame(coef, COEFFICIENTS),
            "model_fit": pd.DataFrame(fit),
            "model_anova": _frame(anova, ["model", "term", "sum_sq", "mean_sq", "num_df",
                                          "den_df", "F", "p_value"]),
            "model_means": _frame(means, ["model", "factor", "level", "estimate", "se", "df",
                                          "ci_low", "ci_high"]),
        }


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _fit_row(model: MixedModel) -> dict:
    f = dict(model.fit)
    f["groups"] = "; ".join(f"{g}: {n}" for g, n in f["groups"].items())
    f["variance_components"] = "; ".join(
        f"{r.group} {r.name_1}{' x ' + r.name_2 if r.name_2 else ''} {r.variance:.6g}".strip()
        for r in model.variances.itertuples()
    )
    f["notes"] = " ".join(model.notes)
    return f


def session_level(meta: pd.DataFrame) -> pd.DataFrame:
    """One row per session: with several rows per session (a ``participant`` column), the
    columns that take one value within each session (dyad, group, condition, ...).

    Examples
    --------
    >>> meta = pd.DataFrame({"session": ["a", "a", "b"], "participant": ["p", "q", "p"],
    ...                      "dyad": ["d1", "d1", "d2"], "rating": [1, 2, 3]})
    >>> session_level(meta)
      session dyad
    0       a   d1
    1       b   d2
    """
    if not meta.session.duplicated().any():
        return meta
    grouped = meta.groupby("session", sort=False)
    constant = [c for c in meta.columns if c != "session"
                and (grouped[c].nunique(dropna=False) <= 1).all()]
    return meta.drop_duplicates("session")[["session", *constant]].reset_index(drop=True)


def model_frame(store: Store) -> pd.DataFrame:
    """The session summaries joined to the metadata: one row per metadata row.

    Columns in both keep the summary's name and the metadata's with ``_meta``.
    """
    summary = store.table("summary")
    meta_file = store.path / "metadata.parquet"
    if not meta_file.is_file():
        return summary
    meta = pd.read_parquet(meta_file)
    return meta.merge(summary, on="session", how="inner", suffixes=("_meta", ""))


def fit_models(store: Store, specs) -> FittedModels:
    """Fit each of ``specs`` (the project's ``[[models]]``) over the store's sessions.

    A model whose columns are not in the data, or whose data cannot carry it, is not
    fitted: its ``model_fit`` row says why (the other models are fitted).
    """
    frame = model_frame(store)
    out = FittedModels()
    for spec in specs:
        out.formulas[spec.name] = spec.formula
        try:
            rows, note = _one_row_per_observation(_channel_rows(frame, spec), spec)
            with np.errstate(all="ignore"):
                fit = lmer(rows, spec.formula, levels=spec.levels, reml=spec.reml,
                           model=spec.name)
            fit.notes += [note] if note else []
            out.fits[spec.name] = fit
        except (ValueError, ImportError) as err:
            out.fits[spec.name] = None
            out.errors[spec.name] = str(err)
    return out


def _one_row_per_observation(frame: pd.DataFrame, spec) -> tuple[pd.DataFrame, str | None]:
    """One row per session where the formula uses session-level columns only; else the
    participants' rows, with a note where the response repeats within sessions."""
    if "participant" not in frame.columns or not frame.session.duplicated().any():
        return frame, None
    used = [c for c in formula_columns(spec.formula, spec.name) if c in frame.columns]
    varies = [c for c in used if (frame.groupby("session")[c].nunique(dropna=False) > 1).any()]
    if not varies:
        return frame.drop_duplicates("session"), None
    response = used[0] if used else None
    if response is not None and response not in varies:
        return frame, (
            f"The response {response!r} is a session's value, repeated on each participant's "
            f"row (the participant-level {varies} vary within sessions); the tests of "
            "session-level terms count each session once per participant, as an analysis "
            "of the participants' rows does (add (1 | session) or average the participants "
            "to avoid it)."
        )
    return frame, None


def _channel_rows(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """The rows of ``spec.channel``; without it, an error where sessions have several
    channels (each session would count once per channel), unless the formula uses
    ``channel`` itself."""
    if "channel" not in frame.columns:
        if spec.channel is not None:
            raise ValueError(f"model {spec.name!r}: channel = {spec.channel!r}, but the summary "
                             "has no channel column.")
        return frame
    channels = sorted(frame.channel.dropna().unique())
    if spec.channel is not None:
        if spec.channel not in channels:
            raise ValueError(f"model {spec.name!r}: channel = {spec.channel!r} is not in the "
                             f"summary; its channels are {channels}.")
        return frame[frame.channel == spec.channel]
    if len(channels) > 1 and "channel" not in formula_columns(spec.formula, spec.name):
        raise ValueError(f"model {spec.name!r}: the sessions have several channels {channels}; "
                         "name one with channel = \"...\" in the model (or use channel in "
                         "the formula).")
    return frame


def save_models(store: Store, fitted: FittedModels) -> None:
    """Write the four tables into the store's cohort tables."""
    for name, table in fitted.tables().items():
        store.save_cohort_table(name, table)
