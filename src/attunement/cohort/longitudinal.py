"""Change across sessions and differences between groups of dyads.

Inputs are tidy tables with one row per session (the store's ``summary`` joined to
the project's metadata): a measure column, and ``dyad``, ``session_number``,
``group`` or outcome columns as the question needs.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._check import check_random_state, soft_import


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs column(s) {missing}; the table has {list(frame.columns)} "
            "(add them to the project's metadata CSV)."
        )


def compare_groups(frame: pd.DataFrame, measure: str, group: str = "group") -> pd.DataFrame:
    """Compare a session measure between groups (e.g. continued vs dropped out).

    Two groups: Welch's t-test, the Mann-Whitney U test and Cohen's d (pooled SD,
    first group minus second, groups in sorted order). More groups: one-way ANOVA
    and Kruskal-Wallis.

    Examples
    --------
    >>> f = pd.DataFrame({"group": ["a"] * 4 + ["b"] * 4, "r": [1, 2, 3, 4, 2, 3, 4, 5.0]})
    >>> compare_groups(f, "r")[["group_1", "group_2", "mean_1", "mean_2", "effect_size"]]
      group_1 group_2  mean_1  mean_2  effect_size
    0       a       b     2.5     3.5    -0.774597
    """
    _require(frame, [measure, group], "compare_groups")
    data = frame[[group, measure]].dropna()
    levels = sorted(data[group].unique())
    samples = [data.loc[data[group] == g, measure].to_numpy(float) for g in levels]
    if len(levels) < 2 or min(len(s) for s in samples) < 2:
        raise ValueError(
            f"compare_groups: need at least two groups with two sessions each in {group!r}; "
            f"got {dict(zip(levels, map(len, samples)))}."
        )
    if len(levels) == 2:
        a, b = samples
        pooled = np.sqrt(
            ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
        )
        t = stats.ttest_ind(a, b, equal_var=False)
        u = stats.mannwhitneyu(a, b, alternative="two-sided")
        return pd.DataFrame(
            [
                {
                    "measure": measure,
                    "group_1": levels[0],
                    "group_2": levels[1],
                    "n_1": len(a),
                    "n_2": len(b),
                    "mean_1": a.mean(),
                    "mean_2": b.mean(),
                    "sd_1": a.std(ddof=1),
                    "sd_2": b.std(ddof=1),
                    "effect_size": (a.mean() - b.mean()) / pooled if pooled > 0 else np.nan,
                    "t": t.statistic,
                    "p_value": t.pvalue,
                    "p_value_mannwhitney": u.pvalue,
                }
            ]
        )
    f = stats.f_oneway(*samples)
    k = stats.kruskal(*samples)
    return pd.DataFrame(
        [
            {
                "measure": measure,
                "groups": ", ".join(map(str, levels)),
                "n": sum(map(len, samples)),
                "F": f.statistic,
                "p_value": f.pvalue,
                "p_value_kruskal": k.pvalue,
            }
        ]
    )


def dyad_trends(
    frame: pd.DataFrame, measure: str, dyad: str = "dyad", order: str = "session_number"
) -> pd.DataFrame:
    """Linear trend of a measure over each dyad's sessions (slope per session).

    Examples
    --------
    >>> f = pd.DataFrame({"dyad": ["d1"] * 4, "session_number": [1, 2, 3, 4],
    ...                   "r": [0.1, 0.2, 0.3, 0.4]})
    >>> dyad_trends(f, "r")[["dyad", "n_sessions", "slope"]].round(3)
      dyad  n_sessions  slope
    0   d1           4    0.1
    """
    _require(frame, [measure, dyad, order], "dyad_trends")
    rows = []
    for name, g in frame.dropna(subset=[measure, order]).groupby(dyad, sort=True):
        g = g.sort_values(order)
        row = {
            "dyad": name,
            "n_sessions": len(g),
            "slope": np.nan,
            "intercept": np.nan,
            "r": np.nan,
            "p_value": np.nan,
        }
        if len(g) >= 3 and g[order].nunique() > 1:
            fit = stats.linregress(g[order].to_numpy(float), g[measure].to_numpy(float))
            row.update(slope=fit.slope, intercept=fit.intercept, r=fit.rvalue, p_value=fit.pvalue)
        rows.append(row)
    return pd.DataFrame(rows)


def change_point(values, n_permutations: int = 999, seed=None) -> dict:
    """The single most likely change in mean of a series of sessions.

    The split minimising the within-segment sum of squares; its p-value is the share
    of permuted series (+1 corrected) whose best split reduces the sum of squares as much.

    Examples
    --------
    >>> cp = change_point([1, 1.1, 0.9, 1, 3, 3.1, 2.9, 3], seed=0)
    >>> cp["index"], cp["mean_before"], cp["mean_after"], cp["p_value"] < 0.05
    (4, 1.0, 3.0, True)
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or len(x) < 4 or np.isnan(x).any():
        raise ValueError("change_point: expected at least 4 sessions with no missing values.")
    rng = check_random_state(seed)

    def best(series):
        gains = [
            np.var(series) * len(series)
            - np.var(series[:k]) * k
            - np.var(series[k:]) * (len(series) - k)
            for k in range(2, len(series) - 1)
        ]
        k = int(np.argmax(gains))
        return k + 2, gains[k]

    k, gain = best(x)
    null = np.array([best(rng.permutation(x))[1] for _ in range(n_permutations)])
    return {
        "index": k,
        "mean_before": float(x[:k].mean()),
        "mean_after": float(x[k:].mean()),
        "p_value": float((np.sum(null >= gain - 1e-12) + 1) / (n_permutations + 1)),
    }


def mixed_effects(frame: pd.DataFrame, formula: str, groups: str = "dyad") -> pd.DataFrame:
    """A linear mixed-effects model (random intercept per ``groups``) via statsmodels.

    For example ``"outcome ~ grand_average + session_number"`` relates symptom scores to
    synchrony across a course of therapy, dyads as the random factor.

    Returns
    -------
    DataFrame
        One row per fixed effect: ``term``, ``estimate``, ``std_error``, ``z``, ``p_value``.
    """
    smf = soft_import("statsmodels.formula.api", "Mixed-effects models")
    _require(frame, [groups], "mixed_effects")
    fit = smf.mixedlm(formula, frame, groups=frame[groups]).fit(reml=True)
    names = [n for n in fit.fe_params.index]
    return pd.DataFrame(
        {
            "term": names,
            "estimate": fit.fe_params.to_numpy(),
            "std_error": fit.bse_fe.to_numpy(),
            "z": fit.tvalues[names].to_numpy(),
            "p_value": fit.pvalues[names].to_numpy(),
        }
    )


# ----------------------------------------------------------------- growth model
#: Fewest dyads for a random intercept per dyad: with fewer, the between-dyad variance
#: has one or no degree of freedom and the model is not worth reporting.
MIN_DYADS = 3

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Covariates put into the growth model when the metadata has them and none are named.
DEFAULT_TERMS = ("group", "outcome")


def plain_name(name: object, setting: str) -> str:
    """``name`` if it is a plain column name (letters, digits, underscores), else an error.

    Column names from a project file are never pasted into SQL or a formula string
    unless they pass this check and name an existing column.

    Examples
    --------
    >>> plain_name("session_number", "mixed_model.time")
    'session_number'
    >>> plain_name("x) + y", "mixed_model.time")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for 'mixed_model.time': expected a plain column name ...got 'x) + y'.
    """
    if not isinstance(name, str) or not _PLAIN.match(name):
        raise ValueError(
            f"Invalid value for {setting!r}: expected a plain column name (letters, digits and "
            f"underscores, not starting with a digit), got {name!r}."
        )
    return name


def check_column(name: object, setting: str, columns, where: str = "the metadata") -> str:
    """``name`` if it is a plain name among ``columns``, else an error naming it."""
    name = plain_name(name, setting)
    if name not in list(columns):
        raise ValueError(
            f"{setting}: no column {name!r} in {where}; its columns are {list(columns)}."
        )
    return name


def check_interactions(
    interactions, terms, columns, where: str = "the metadata", roles: dict | None = None
) -> list[str]:
    """The ``time_interactions`` setting, validated: plain names, columns, and model terms.

    Each name must be a plain column name in ``columns``, named once, and among the
    model's ``terms`` (an interaction with time is read against the term's own effect).
    ``roles`` maps the other columns of the model (``{"dyad": "dyad", ...}``) to their
    part, for a clearer error when one of them is named.

    Examples
    --------
    >>> check_interactions(["group"], ["group", "bdi"], ["dyad", "group", "bdi"])
    ['group']
    >>> check_interactions(["bdi"], ["group"], ["dyad", "group", "bdi"])
    Traceback (most recent call last):
    ...
    ValueError: mixed_model.time_interactions[0]: 'bdi' is not among the model's terms ...
    """
    out: list[str] = []
    for k, name in enumerate(interactions or []):
        setting = f"mixed_model.time_interactions[{k}]"
        name = check_column(name, setting, columns, where)
        if name in out:
            raise ValueError(f"{setting}: {name!r} is named more than once.")
        if name not in terms and name in (roles or {}):
            raise ValueError(
                f"{setting}: {name!r} is the model's {roles[name]} column, not a term; "
                f"time_interactions takes terms of the model (e.g. a group column)."
            )
        if name not in terms:
            raise ValueError(
                f"{setting}: {name!r} is not among the model's terms {list(terms)}; a time x "
                f"term interaction needs the term too: add {name!r} to mixed_model.terms."
            )
        out.append(name)
    return out


def time_values(frame: pd.DataFrame, time: str, dyad: str) -> tuple[pd.Series, str]:
    """The time axis of the growth model and its unit.

    Numbers (session numbers, weeks) are used as they are. Dates are turned into days
    since each dyad's first session.
    """
    col = frame[time]
    if pd.api.types.is_bool_dtype(col):
        raise ValueError(f"mixed_model.time: column {time!r} holds true/false values, not times.")
    if pd.api.types.is_datetime64_any_dtype(col):
        when = col
    else:
        numbers = pd.to_numeric(col, errors="coerce")
        if numbers.notna().sum() == col.notna().sum():
            return numbers.astype(float), "as given"
        try:
            when = pd.to_datetime(col, format="mixed")
        except (ValueError, TypeError):
            dates = pd.to_datetime(col, format="mixed", errors="coerce")
            bad = col[col.notna() & numbers.isna() & dates.isna()].astype(str).unique()[:3]
            raise ValueError(
                f"mixed_model.time: column {time!r} holds neither numbers nor dates "
                f"(e.g. {bad.tolist()})."
            ) from None
    if dyad not in frame.columns:
        first = when.min()
    else:
        first = when.groupby(frame[dyad]).transform("min")
    return (when - first).dt.total_seconds() / 86400.0, "days since the dyad's first session"


@dataclass
class MixedModelResult:
    """A fitted (or not fitted) growth model: the fixed effects as a tidy table and notes.

    ``table`` has one row per fixed effect: ``term, estimate, std_error, z, p_value,
    ci_low, ci_high`` (Wald z tests and normal 95 % intervals). It is empty when the
    model was not fitted; ``notes`` then say why.
    """

    measure: str
    formula: str
    table: pd.DataFrame
    n_dyads: int = 0
    n_sessions: int = 0
    var_dyad: float = np.nan
    var_residual: float = np.nan
    notes: list[str] = field(default_factory=list)
    #: Terms whose effect changes with time (``time:term`` columns in the table).
    interactions: list[str] = field(default_factory=list)

    COLUMNS = ("term", "estimate", "std_error", "z", "p_value", "ci_low", "ci_high")

    @property
    def fitted(self) -> bool:
        return not self.table.empty

    @property
    def icc(self) -> float:
        """Share of the variance (at a given time) that lies between dyads."""
        total = self.var_dyad + self.var_residual
        return float(self.var_dyad / total) if total > 0 else np.nan

    def tidy(self) -> pd.DataFrame:
        """The table with the model's description on every row (for the store)."""
        out = self.table.copy()
        out.insert(0, "measure", self.measure)
        out["n_dyads"] = self.n_dyads
        out["n_sessions"] = self.n_sessions
        out["var_dyad"] = self.var_dyad
        out["var_residual"] = self.var_residual
        out["formula"] = self.formula
        out["notes"] = " ".join(self.notes)
        return out

    @classmethod
    def not_fitted(cls, measure: str, formula: str, notes: list[str], **counts) -> MixedModelResult:
        return cls(measure, formula, pd.DataFrame(columns=list(cls.COLUMNS)), notes=notes, **counts)


def model_formula(
    measure: str, dyad: str, time: str, terms: list[str], interactions=()
) -> str:
    """The model in lme4's notation, for display (never parsed).

    Examples
    --------
    >>> model_formula("r", "dyad", "session_number", ["group"])
    'r ~ 1 + session_number + group + (1 | dyad)'
    >>> model_formula("r", "dyad", "session_number", ["group"], ["group"])
    'r ~ 1 + session_number + group + session_number:group + (1 | dyad)'
    """
    crossed = [f"{time}:{term}" for term in interactions]
    return " + ".join([f"{measure} ~ 1", time, *terms, *crossed]) + f" + (1 | {dyad})"


def growth_model(
    frame: pd.DataFrame,
    measure: str,
    dyad: str = "dyad",
    time: str = "session_number",
    terms: list[str] | None = None,
    min_dyads: int = MIN_DYADS,
    time_interactions: list[str] | None = None,
) -> MixedModelResult:
    """Linear mixed model of a session measure over the course of therapy.

    ``measure ~ 1 + time + terms + time:interactions + (1 | dyad)``: a random intercept
    per dyad and fixed effects of time and of each term, fitted by REML (statsmodels
    ``MixedLM``; the design matrix is built here, no formula string is parsed). Numeric
    terms enter as they are; other terms (e.g. a text ``group``) as treatment contrasts
    against their first level in sorted order, named ``group[T.level]``. ``terms=None``
    takes ``group`` and ``outcome`` where ``frame`` has them. Sessions missing any of the
    columns are left out.

    Each term named in ``time_interactions`` (it must be among the terms) also gets a
    time x term column, time times the term's column: ``time:term`` for a number,
    ``time:term[T.level]`` for each non-reference level of a factor, which estimates how
    much faster the measure changes at that level than at the reference level. With such
    an interaction the ``time`` estimate is the slope at the reference level (or where
    the numeric term is 0) and the term's own estimate the difference at time 0.

    Data that cannot carry the model (fewer than ``min_dyads`` dyads, no dyad with two
    sessions, one time point, more fixed effects than sessions allow, collinear terms) or
    a fit that fails give a result with an empty table and a note; a singular fit
    (between-dyad SD below 1e-4 of the residual SD, lme4's ``isSingular`` tolerance) and
    convergence warnings give the table with a note. Column names that are not plain
    identifiers or not in ``frame`` raise ``ValueError``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"dyad": np.repeat(["a", "b", "c", "d"], 5),
    ...                   "session_number": np.tile(np.arange(1, 6), 4)})
    >>> f["r"] = (0.1 + 0.02 * f.session_number + np.repeat(rng.normal(0, 0.03, 4), 5)
    ...           + rng.normal(0, 0.01, 20))
    >>> m = growth_model(f, "r", terms=[])
    >>> m.formula, m.n_dyads, m.n_sessions
    ('r ~ 1 + session_number + (1 | dyad)', 4, 20)
    >>> m.table.set_index("term").loc["session_number", "estimate"].round(2)
    np.float64(0.02)
    >>> growth_model(f[f.dyad < "c"], "r", terms=[]).notes
    ['Not fitted: too few dyads (2); a random intercept per dyad needs at least 3.']
    """
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

    kept, design = [], {"Intercept": np.ones(len(complete)), time: t.to_numpy(float)}
    slopes: dict[str, np.ndarray] = {}  # time x term columns, after all the main effects
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
        design.update(columns)
        if term in crossed:
            slopes.update({f"{time}:{name}": t.to_numpy(float) * x for name, x in columns.items()})
    crossed = [term for term in kept if term in crossed]  # in the order of the terms
    design.update(slopes)
    formula = model_formula(measure, dyad, time, kept, crossed)
    X = pd.DataFrame(design, index=complete.index)
    y = complete[measure].to_numpy(float)
    groups = complete[dyad].to_numpy()
    sizes = complete.groupby(dyad).size()
    counts = {"n_dyads": int(len(sizes)), "n_sessions": int(len(complete))}

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

    mlm = soft_import("statsmodels.regression.mixed_linear_model", "Mixed-effects models")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = mlm.MixedLM(y, X, groups=groups).fit(reml=True)
        except Exception as err:  # statsmodels' failures are reported, never raised
            return MixedModelResult.not_fitted(
                measure,
                formula,
                notes + [f"Not fitted: the fit failed ({type(err).__name__}: {err})."],
                interactions=crossed,
                **counts,
            )
    var_dyad = float(np.asarray(fit.cov_re)[0, 0])
    scale = float(fit.scale)
    singular = (
        not np.isfinite(var_dyad) or not scale > 0 or np.sqrt(max(var_dyad, 0.0) / scale) < 1e-4
    )
    if singular:
        # At the boundary (between-dyad variance 0) REML reduces to ordinary least squares
        # with residual variance RSS / (n - p). statsmodels' own numbers there can be wrong
        # (an exactly singular random-effects covariance), so they are computed directly.
        Xa = X.to_numpy(float)
        estimate, *_ = np.linalg.lstsq(Xa, y, rcond=None)
        resid = y - Xa @ estimate
        scale = float(resid @ resid / (len(y) - Xa.shape[1]))
        std_error = np.sqrt(np.diag(scale * np.linalg.inv(Xa.T @ Xa)))
        var_dyad = 0.0
        notes.append(
            "Singular fit: the between-dyad variance is estimated at zero (the dyads differ "
            "no more than noise would make them), so the random intercept does nothing; the "
            "fixed effects shown are the model's at that boundary, an ordinary regression's."
        )
    else:
        estimate = np.asarray(fit.fe_params, float)
        std_error = np.asarray(fit.bse_fe, float)
    warned = []
    for w in caught:
        text = str(w.message)
        if not issubclass(w.category, (RuntimeWarning, UserWarning)) or text in warned:
            continue
        if "boundary of the parameter space" in text:
            continue  # judged above on the relative scale (statsmodels uses 0.01 absolute)
        if singular and ("singular" in text or "not positive definite" in text):
            continue  # the singular fit's own symptoms; its estimates are computed above
        if fit.converged and (
            text.startswith("Retrying MixedLM optimization")
            or text.startswith("Maximum Likelihood optimization failed")
        ):
            continue  # a first optimiser failed and the next one converged
        warned.append(text)
    if not fit.converged and not any("optimization failed" in w for w in warned):
        warned.append("the optimiser did not converge")
    if warned:
        notes.append(
            "Convergence warning (statsmodels: " + "; ".join(warned) + "). Read the "
            "estimates and standard errors with caution."
        )
    z = estimate / std_error
    half = stats.norm.ppf(0.975) * std_error
    table = pd.DataFrame(
        {
            "term": list(X.columns),
            "estimate": estimate,
            "std_error": std_error,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": estimate - half,
            "ci_high": estimate + half,
        }
    )
    return MixedModelResult(
        measure,
        formula,
        table,
        var_dyad=var_dyad,
        var_residual=scale,
        notes=notes,
        interactions=crossed,
        **counts,
    )
