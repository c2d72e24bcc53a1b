"""Growth model of a session measure over a course of therapy: a linear mixed model with a
random intercept (and, where the data carry it, a random slope of time) per dyad.

``measure ~ 1 + time + terms + time:terms + (1 + time | dyad)``, fitted by REML. The design
matrix is built here from validated column names; no formula string is ever parsed, so
names from a project file cannot inject anything.

The terms' checks are in :mod:`attunement.stats.growth_terms`, the result in
:mod:`attunement.stats.growth_result`; both are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._reml import dyad_block, finite_df, fit_engine, fit_random_slope
from .growth_result import MixedModelResult, wald_table
from .growth_terms import (
    DEFAULT_TERMS,
    MIN_DYADS,
    PLAIN_NAME,
    check_column,
    check_interactions,
    check_random_slope,
    model_formula,
    plain_name,
    slope_support,
    time_values,
)

__all__ = [
    "DEFAULT_TERMS",
    "MIN_DYADS",
    "PLAIN_NAME",
    "MixedModelResult",
    "check_column",
    "check_interactions",
    "check_random_slope",
    "growth_model",
    "model_formula",
    "plain_name",
    "slope_support",
    "time_values",
]


def growth_model(
    frame: pd.DataFrame,
    measure: str,
    dyad: str = "dyad",
    time: str = "session_number",
    terms: list[str] | None = None,
    min_dyads: int = MIN_DYADS,
    time_interactions: list[str] | None = None,
    random_slope: bool | str = "auto",
) -> MixedModelResult:
    """Linear mixed model of a session measure over the course of therapy.

    ``measure ~ 1 + time + terms + time:interactions + (1 + time | dyad)``: a random
    intercept and a random slope of time per dyad (their covariance estimated; Barr et
    al. 2013, J Mem Lang 68:255, "keep it maximal": without it, where dyads' slopes vary,
    the p-values of time and its interactions are far too small), and fixed effects of
    time and of each term, fitted by REML (the mixed-model engine of
    :mod:`attunement.stats.mixed`, equal to lme4; the design matrix is built here, no
    formula string is parsed). Numeric terms enter as they are; other
    terms (e.g. a text ``group``) as treatment contrasts against their first level in
    sorted order, named ``group[T.level]``. ``terms=None`` takes ``group`` and
    ``outcome`` where ``frame`` has them. Sessions missing any of the columns are left
    out. Time is reported as given (dates: days since the dyad's first session), so the
    intercept and its variance are at time 0: the random-slope model is fitted with time
    centred and scaled, for numerical stability, and every number is transformed back
    exactly (see :func:`~attunement.stats._reml.fit_random_slope`).

    ``random_slope``: ``"auto"`` fits the random slope when at least ``min_dyads`` dyads
    have sessions at three or more distinct times and there are more sessions than
    random effects (:func:`slope_support`); ``True`` tries it whenever one dyad has and
    there are; ``False`` fits ``(1 | dyad)``. When it is not tried (``"auto"``, ``True``), or
    its fit fails, does not converge or is singular (a random-effect SD below 1e-4 of
    the residual SD in lme4's relative Cholesky factor, time standardised: a slope
    variance at zero or an intercept-slope correlation at +-1), the random-intercept
    model is fitted instead and a note says why.

    Each term named in ``time_interactions`` (it must be among the terms) also gets a
    time x term column, time times the term's column: ``time:term`` for a number,
    ``time:term[T.level]`` for each non-reference level of a factor, which estimates how
    much faster the measure changes at that level than at the reference level. With such
    an interaction the ``time`` estimate is the slope at the reference level (or where
    the numeric term is 0) and the term's own estimate the difference at time 0.

    Tests and intervals: ``t = estimate / std_error`` against Student's t with
    Satterthwaite's degrees of freedom (Satterthwaite 1946; Giesbrecht & Burns 1985; SAS
    ``DDFM=SATTERTHWAITE``, R's lmerTest), computed analytically from the REML fit: the
    derivative of the estimate's variance with respect to the variance parameters and
    their asymptotic covariance from the observed REML information, as lmerTest (see
    :mod:`attunement.stats._lmm`). A normal (z) reference is too liberal
    with few dyads: in 1000 null cohorts of 5 + 5 dyads x 20 sessions with random slopes,
    the time x group interaction was significant at 5 % in 10.9 % with z and in 6.4 %
    with t (5.1 % in the 98 % of cohorts that kept the random slope). In a balanced
    design the df are exact where the variance of an estimate is a multiple of one mean
    square: with a random slope, the time x group interaction's t test is then the
    two-sample t test on the dyads' own OLS slopes, df = n_dyads - 2; with ``(1 | dyad)``,
    terms that vary within dyads get the within-dyad residual df. At a singular
    random-intercept fit (an ordinary regression) the df are the regression's, ``n - p``
    (Satterthwaite's there too). Where the df cannot be computed they are ``inf``, a z
    test.

    Data that cannot carry the model (fewer than ``min_dyads`` dyads, no dyad with two
    sessions, one time point, more fixed effects than sessions allow, collinear terms) or
    a fit that fails give a result with an empty table and a note; a singular
    random-intercept fit (between-dyad SD below 1e-4 of the residual SD, lme4's
    ``isSingular`` tolerance) gives the table with a note.
    Column names that are not plain identifiers or not in ``frame`` raise ``ValueError``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"dyad": np.repeat(["a", "b", "c", "d"], 5),
    ...                   "session_number": np.tile(np.arange(1, 6), 4)})
    >>> f["r"] = (0.1 + (0.02 + np.repeat(rng.normal(0, 0.01, 4), 5)) * f.session_number
    ...           + np.repeat(rng.normal(0, 0.03, 4), 5) + rng.normal(0, 0.01, 20))
    >>> m = growth_model(f, "r", terms=[])
    >>> m.formula, m.n_dyads, m.n_sessions
    ('r ~ 1 + session_number + (1 + session_number | dyad)', 4, 20)
    >>> m.table.set_index("term").loc["session_number", "estimate"].round(2)
    np.float64(0.02)
    >>> growth_model(f, "r", terms=[], random_slope=False).formula
    'r ~ 1 + session_number + (1 | dyad)'
    >>> growth_model(f[f.dyad < "c"], "r", terms=[]).notes
    ['Not fitted: too few dyads (2); a random intercept per dyad needs at least 3.']
    """
    random_slope = check_random_slope(random_slope)
    names = [
        check_column(measure, "measure", frame.columns, "the table"),
        check_column(dyad, "mixed_model.dyad", frame.columns, "the table"),
        check_column(time, "mixed_model.time", frame.columns, "the table"),
    ]
    notes: list[str] = []
    if terms is None:
        terms = [t for t in DEFAULT_TERMS if t in frame.columns and t not in names]
    terms = [check_column(t, "mixed_model.terms", frame.columns, "the table") for t in terms]
    names += terms
    roles = {measure: "measure", dyad: "dyad", time: "time"}
    crossed = check_interactions(time_interactions, terms, frame.columns, "the table", roles)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"mixed_model: each column can play one part (measure, dyad, time or a term); "
            f"repeated: {repeated}."
        )
    y_all = pd.to_numeric(frame[measure], errors="coerce")
    if y_all.isna().sum() > frame[measure].isna().sum():
        raise ValueError(f"measure: column {measure!r} is not numeric.")
    data = frame[names].copy()
    data[measure] = y_all
    complete = data.dropna()
    dropped = len(data) - len(complete)
    if dropped:
        notes.append(f"{dropped} session(s) with a missing value in {names} left out.")
    t, unit = time_values(complete, time, dyad)
    if unit != "as given":
        notes.append(f"'{time}' read as dates: time is {unit}.")

    kept, main = [], {}  # the terms' columns
    by_time: dict[str, np.ndarray] = {}  # the columns multiplied by time, for time x term
    for term in terms:
        col = complete[term]
        if col.nunique() < 2:
            also = " (and so its interaction with time)" if term in crossed else ""
            notes.append(
                f"'{term}' takes a single value in these sessions; left out of the model{also}."
            )
            continue
        kept.append(term)
        if pd.api.types.is_numeric_dtype(col):
            columns = {term: col.to_numpy(float)}
        else:
            try:
                levels = sorted(col.unique())
            except TypeError:
                levels = sorted(col.unique(), key=str)
            columns = {
                f"{term}[T.{level}]": (col == level).to_numpy(float) for level in levels[1:]
            }
            notes.append(f"'{term}' is a factor; its reference level is {levels[0]!r}.")
        main.update(columns)
        if term in crossed:
            by_time.update(columns)
    crossed = [term for term in kept if term in crossed]  # in the order of the terms

    def design(axis: np.ndarray) -> pd.DataFrame:
        """The fixed effects' design for time values ``axis``; time x term columns last."""
        columns = {"Intercept": np.ones(len(axis)), time: axis, **main}
        columns.update({f"{time}:{name}": axis * x for name, x in by_time.items()})
        return pd.DataFrame(columns, index=complete.index)

    X = design(t.to_numpy(float))
    y = complete[measure].to_numpy(float)
    groups = complete[dyad].to_numpy()
    sizes = complete.groupby(dyad).size()
    counts = {"n_dyads": int(len(sizes)), "n_sessions": int(len(complete))}
    why = None
    if random_slope is not False:
        need = min_dyads if random_slope == "auto" else 1
        why = slope_support(complete.assign(**{time: t}), dyad, time, need)
    try_slope = random_slope is not False and why is None
    formula = model_formula(measure, dyad, time, kept, crossed, random_slope=try_slope)

    reason = None
    if len(sizes) < min_dyads:
        reason = (
            f"too few dyads ({len(sizes)}); a random intercept per dyad needs at least "
            f"{min_dyads}."
        )
    elif sizes.max() < 2:
        reason = "every dyad has a single session, so dyads cannot be told apart from noise."
    elif t.nunique() < 2:
        reason = f"'{time}' takes a single value, so there is no change over time to model."
    elif len(complete) <= X.shape[1] + 1:
        reason = (
            f"too few sessions ({len(complete)}) for {X.shape[1]} fixed effects and the "
            "two variances."
        )
    elif np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        reason = f"the fixed effects {list(X.columns[1:])} are collinear in these sessions."
    if reason is not None:
        return MixedModelResult.not_fitted(measure, formula, notes + [f"Not fitted: {reason}"],
                                           interactions=crossed, **counts)

    common = {"interactions": crossed, **counts}
    if try_slope:
        fit, why = fit_random_slope(y, design, groups, t.to_numpy(float), time)
        if fit is not None:
            estimate, std_error, df, cov, scale, warned = fit
            return MixedModelResult(
                measure,
                formula,
                wald_table(X.columns, estimate, std_error, df),
                var_dyad=float(cov[0, 0]),
                var_residual=scale,
                notes=notes + warned + _df_notes(X.columns, df),
                random_slope=True,
                var_slope=float(cov[1, 1]),
                corr_intercept_slope=float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])),
                **common,
            )
    if random_slope is not False:  # asked for, but the data or the fit did not carry it
        notes.append(
            f"No random slope of '{time}' per dyad: {why}; the model has a random intercept "
            "only."
        )
    formula = model_formula(measure, dyad, time, kept, crossed)
    return _fit_random_intercept(measure, formula, y, X, groups, notes, common)


def _fit_random_intercept(measure, formula, y, X, groups, notes, common) -> MixedModelResult:
    """``(1 | dyad)`` by REML (lme4's estimates, lmerTest's Satterthwaite df).

    At a singular fit (between-dyad variance at zero) REML is ordinary least squares with
    residual variance RSS / (n - p), and Satterthwaite's df are the regression's, n - p.
    """
    fit, why = fit_engine(y, X.to_numpy(float), dyad_block(np.ones(len(y)), groups))
    if fit is None:
        return MixedModelResult.not_fitted(measure, formula, notes + [f"Not fitted: the {why}."],
                                           **common)
    scale = fit.sigma**2
    var_dyad = float(scale * fit.T[0][0, 0] ** 2)
    with np.errstate(all="ignore"):
        estimate, std_error, df = fit.t_tests(np.eye(X.shape[1]))
    df = finite_df(df)
    if fit.singular():
        notes = notes + [
            "Singular fit: the between-dyad variance is estimated at zero (the dyads differ "
            "no more than noise would make them), so the random intercept does nothing; the "
            "fixed effects shown are the model's at that boundary, an ordinary regression's."
        ]
    return MixedModelResult(
        measure,
        formula,
        wald_table(X.columns, estimate, std_error, df),
        var_dyad=var_dyad,
        var_residual=scale,
        notes=notes + _df_notes(X.columns, df),
        **common,
    )


def _df_notes(names, df) -> list[str]:
    """A note naming the estimates whose Satterthwaite df could not be computed."""
    missing = [str(n) for n, d in zip(names, np.broadcast_to(df, len(names)), strict=True)
               if not np.isfinite(d)]
    if not missing:
        return []
    return [f"Satterthwaite's degrees of freedom could not be computed for {missing}; their "
            "tests and intervals use the normal distribution (z), which is liberal with few "
            "dyads."]
