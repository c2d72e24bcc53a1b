"""Linear mixed models in lme4's notation, with lmerTest's Satterthwaite tests.

``lmer("grand_average ~ condition * cq + (1 | dyad)", frame)`` fits by REML (or ML) the
model lme4's ``lmer`` fits, and reports what lmerTest's ``summary`` (t tests with
Satterthwaite degrees of freedom), ``anova`` (type III F tests) and emmeans' estimated
marginal means report. The fixed part is parsed by formulaic (Wilkinson-Rogers formulas:
numbers, factors with treatment contrasts, ``*``, ``:``, ``-1``); the random part by the
small grammar of :func:`parse_formula`. The numbers come from :mod:`._lmm`.

Formulas are checked before any library sees them: only column names, the operators
``+ * : - ~ |`` and ``0``/``1`` are accepted, so no formula can run code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._check import soft_import
from . import _lmm
from .formula import RandomTerm, _fixed_names, _quoted, formula_columns, parse_formula

__all__ = ["MixedModel", "RandomTerm", "formula_columns", "lmer", "parse_formula"]


@dataclass
class MixedModel:
    """A fitted linear mixed model: tables in the shape of lmerTest's and emmeans' output.

    ``coefficients``: ``term, estimate, se, df, t, p_value, ci_low, ci_high`` (Satterthwaite
    t tests, 95 % intervals). ``variances``: ``group, name_1, name_2, variance`` (as
    lme4's ``as.data.frame(VarCorr(m))``: ``name_2`` empty for a variance, else the
    covariance of the two; the residual's group is ``Residual``). ``fit``:
    ``n_obs``, ``groups`` (levels per grouping factor), ``sigma``, ``reml_criterion`` (or
    ``deviance`` for ML), ``loglik``, ``icc``, ``r2_marginal``, ``r2_conditional``,
    ``singular``.
    """

    formula: str
    reml: bool
    coefficients: pd.DataFrame
    variances: pd.DataFrame
    fit: dict
    notes: list[str] = field(default_factory=list)
    _state: dict = field(default_factory=dict, repr=False)

    @property
    def factors(self) -> list[str]:
        """The fixed part's factors (columns taken as levels), in order of use."""
        return list(self._state["factors"])

    def anova(self) -> pd.DataFrame:
        """Type III F tests of each fixed term with Satterthwaite's denominator df.

        As lmerTest's ``anova(model, type = 3)``: each term's hypothesis is the joint test
        of its columns in sum-to-zero coding (so a factor's main effect is averaged over
        the other factors' levels, at 0 of each number), whatever the reported coding.
        Columns ``term, sum_sq, mean_sq, num_df, den_df, F, p_value``.
        """
        s = self._state
        rows = []
        for term, L in s["type3"].items():
            F, q, ddf = _lmm.contrast_f(L, s["beta"], s["cov"], s["jac"], s["A"])
            ms = F * self.fit["sigma"] ** 2
            rows.append({"term": term, "sum_sq": ms * q, "mean_sq": ms, "num_df": q,
                         "den_df": ddf, "F": F, "p_value": float(stats.f.sf(F, q, ddf))})
        return pd.DataFrame(rows, columns=["term", "sum_sq", "mean_sq", "num_df", "den_df",
                                           "F", "p_value"])

    def emmeans(self, factor: str) -> pd.DataFrame:
        """Estimated marginal means of each level of ``factor`` (as emmeans' ``emmeans``).

        The reference grid crosses every factor's levels with each numeric column at its
        mean; a level's mean is the average prediction over the grid's rows at that level
        (equal weights). Satterthwaite df, 95 % intervals. Columns ``factor, level,
        estimate, se, df, ci_low, ci_high``.
        """
        s = self._state
        if factor not in s["factors"]:
            raise ValueError(f"emmeans: {factor!r} is not a factor of the model's fixed part; "
                             f"its factors are {sorted(s['factors'])}.")
        grid = _reference_grid(s["data"], s["factors"], s["numbers"])
        X = np.asarray(s["spec"].get_model_matrix(grid), float)
        rows = []
        for level in s["factors"][factor]:
            L = X[(grid[factor] == level).to_numpy()].mean(axis=0)
            est, se, df = _lmm.contrast_t(L, s["beta"], s["cov"], s["jac"], s["A"])
            half = stats.t.ppf(0.975, df) * se
            rows.append({"factor": factor, "level": str(level), "estimate": est, "se": se,
                         "df": df, "ci_low": est - half, "ci_high": est + half})
        return pd.DataFrame(rows)


def _reference_grid(data, factors: dict, numbers: list[str]) -> pd.DataFrame:
    """Every combination of the factors' levels, each number at its mean."""
    grid = pd.MultiIndex.from_product(list(factors.values()), names=list(factors)).to_frame(
        index=False) if factors else pd.DataFrame(index=[0])
    for name, levels in factors.items():
        grid[name] = pd.Categorical(grid[name], categories=levels)
    for name in numbers:
        grid[name] = float(data[name].mean())
    return grid


def _prepare(frame: pd.DataFrame, formula: str, levels: dict | None, model: str):
    """The rows and columns the formula uses, factors as ordered categoricals."""
    names = formula_columns(formula, model)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(f"model {model!r}: no column {missing[0]!r} in the data; its columns "
                         f"are {list(frame.columns)}.")
    lhs, fixed, random = parse_formula(formula, model)
    groups = {t.group for t in random}
    data = frame[names].copy()
    notes = []
    y = pd.to_numeric(data[lhs], errors="coerce")
    if (y.isna() & data[lhs].notna()).any():
        raise ValueError(f"model {model!r}: the response {lhs!r} holds values that are not "
                         "numbers.")
    data[lhs] = y.astype(float)
    levels = dict(levels or {})
    for name in levels:
        if name not in names or name == lhs:
            raise ValueError(f"model {model!r}: levels names {name!r}, which is not a "
                             "predictor of the formula.")
    for name in names[1:]:
        col = data[name]
        if name in groups and name not in levels:
            data[name] = col.astype("string")
        elif name in levels or not pd.api.types.is_numeric_dtype(col) or col.dtype == bool:
            data[name] = _as_factor(col, name, levels.get(name), model)
        else:
            data[name] = col.astype(float)
    complete = data.dropna()
    if len(complete) < len(data):
        notes.append(f"{len(data) - len(complete)} row(s) with a missing value in {names} "
                     "left out.")
    for name in names[1:]:
        if isinstance(complete[name].dtype, pd.CategoricalDtype):
            complete[name] = complete[name].cat.remove_unused_categories()
    return lhs, fixed, random, complete.reset_index(drop=True), notes


def _as_factor(col: pd.Series, name: str, levels, model: str) -> pd.Categorical:
    """``col`` as a categorical: ``levels`` in their order (the first the reference), else
    its values sorted (R's default)."""
    text = col.astype("string")
    seen = list(text.dropna().unique())
    if levels is None:
        return pd.Categorical(text, categories=sorted(seen))
    levels = [str(v) for v in levels]
    if len(set(levels)) < len(levels):
        raise ValueError(f"model {model!r}: levels.{name} repeats a level: {levels}.")
    unknown = sorted(set(seen) - set(levels))
    if unknown:
        raise ValueError(f"model {model!r}: column {name!r} has values {unknown} not among "
                         f"levels.{name} = {levels}.")
    return pd.Categorical(text, categories=levels)


def lmer(frame: pd.DataFrame, formula: str, levels: dict | None = None, reml: bool = True,
         model: str = "model") -> MixedModel:
    """Fit a linear mixed model written in lme4's notation.

    Parameters
    ----------
    frame : DataFrame
        One row per observation.
    formula : str
        ``response ~ fixed + (random | group)``, e.g. ``"y ~ condition * cq + (1 | dyad)"``.
    levels : dict, optional
        ``{factor: [levels]}``: the order of a factor's levels, the first the reference
        (default: sorted, as R). A numeric column named here is a factor.
    reml : bool
        REML (default, lme4's) or maximum likelihood.
    model : str
        The model's name, for error messages.

    Returns
    -------
    MixedModel

    Notes
    -----
    Rows with a missing value in a column the formula uses are left out (a note counts
    them). Text columns are factors with treatment contrasts; numbers enter as they are.
    The estimates are lme4's (profiled deviance minimised over the relative covariance
    factors, Bates et al. 2015), the tests lmerTest's (Kuznetsova et al. 2017); they
    agree with R to the tolerances in ``tests/test_stats_mixed.py``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"dyad": np.repeat(list("abcdef"), 3),
    ...                   "condition": np.tile(["low", "mid", "high"], 6)})
    >>> f["y"] = (np.repeat(rng.normal(0, 1, 6), 3) + (f.condition == "high")
    ...           + rng.normal(0, 0.3, 18))
    >>> m = lmer(f, "y ~ condition + (1 | dyad)", levels={"condition": ["low", "mid", "high"]})
    >>> m.coefficients.term.tolist()
    ['Intercept', 'condition[T.mid]', 'condition[T.high]']
    >>> round(float(m.coefficients.df[1]), 3)
    10.0
    """
    formulaic = soft_import("formulaic", "Mixed models")
    lhs, fixed, random, data, notes = _prepare(frame, formula, levels, model)
    for term in random:
        if data[term.group].nunique() < 2:
            raise ValueError(f"model {model!r}: the grouping column {term.group!r} of {term} "
                             f"has {data[term.group].nunique()} level(s) here; it needs 2 or more.")
    spec_x = formulaic.model_matrix(_quoted(fixed), data, na_action="raise")
    X = np.asarray(spec_x, float)
    names = list(spec_x.columns)
    n, p = X.shape
    if np.linalg.matrix_rank(X) < p:
        raise ValueError(f"model {model!r}: the fixed effects {names} are collinear in these "
                         f"{n} rows (a term is constant or repeats another).")
    blocks, labels = [], []
    for term in random:
        Zt = formulaic.model_matrix(_quoted(term.expr), data, na_action="raise")
        codes, uniques = pd.factorize(data[term.group], sort=True)
        parts = [list(Zt.columns)] if term.correlated else [[c] for c in Zt.columns]
        for cols in parts:
            blocks.append(_lmm.Block(np.asarray(Zt[cols], float), codes, len(uniques)))
            labels.append((term.group, [c if c != "Intercept" else "(Intercept)" for c in cols]))
    n_re = sum(b.levels * b.q for b in blocks)
    if n_re >= n:
        raise ValueError(f"model {model!r}: {n_re} random effects for {n} observations; lme4 "
                         "needs fewer random effects than observations.")
    y = data[lhs].to_numpy(float)
    try:
        res = _lmm.fit(y, X, blocks, reml=reml)
    except (ValueError, np.linalg.LinAlgError) as err:
        raise ValueError(f"model {model!r}: the fit failed ({err}).") from None
    sigma, beta, criterion = res.sigma, res.beta, res.criterion
    est, se, df = res.t_tests(np.eye(p))
    t = est / se
    half = stats.t.ppf(0.975, df) * se
    coefficients = pd.DataFrame({"term": names, "estimate": est, "se": se, "df": df, "t": t,
                                 "p_value": 2 * stats.t.sf(np.abs(t), df),
                                 "ci_low": est - half, "ci_high": est + half})
    Ts = res.T
    variances, var_random = [], 0.0
    for (group, cols), T, block in zip(labels, Ts, blocks, strict=True):
        S = sigma**2 * T @ T.T
        for j in range(len(cols)):
            for k in range(j + 1):
                variances.append({"group": group, "name_1": cols[k],
                                  "name_2": cols[j] if j != k else "",
                                  "variance": float(S[j, k])})
        # Johnson (2014): the term's mean variance over the observations
        var_random += float(np.mean(np.einsum("ni,ij,nj->n", block.columns, S, block.columns)))
    variances.append({"group": "Residual", "name_1": "", "name_2": "",
                      "variance": sigma**2})
    singular = res.singular()
    if singular:
        notes.append("Singular fit: a random effect's variance (or a correlation's "
                     "complement) is estimated at zero (lme4's isSingular, tolerance 1e-4); "
                     "the model is simpler than its formula.")
    var_fixed = float(np.var(X @ beta, ddof=1))
    total = var_fixed + var_random + sigma**2
    fit = {
        "n_obs": n,
        "groups": {g: int(data[g].nunique()) for g in dict.fromkeys(t.group for t in random)},
        "sigma": sigma,
        "reml_criterion" if reml else "deviance": criterion,
        "loglik": -criterion / 2,
        "icc": var_random / (var_random + sigma**2),
        "r2_marginal": var_fixed / total,
        "r2_conditional": (var_fixed + var_random) / total,
        "singular": bool(singular),
    }
    factors = {c: list(data[c].cat.categories) for c in data.columns
               if isinstance(data[c].dtype, pd.CategoricalDtype) and c in _fixed_names(fixed)}
    numbers = [c for c in _fixed_names(fixed) if c not in factors]
    state = {"beta": beta, "cov": res.cov, "jac": res.jac, "A": res.A, "spec": spec_x.model_spec,
             "data": data, "factors": factors, "numbers": numbers,
             "type3": _type3(formulaic, fixed, data, factors, X, spec_x)}
    return MixedModel(formula, reml, coefficients, pd.DataFrame(variances), fit, notes, state)


def _type3(formulaic, fixed, data, factors, X, spec_x) -> dict:
    """Each term's type III contrast: its columns in sum-to-zero coding, mapped to ``X``.

    With sum coding ``X_s = X K`` (the same column space), ``beta_s = K^-1 beta``; the rows
    of ``K^-1`` for a term's columns test it.
    """
    summed = _quoted(fixed, lambda t: f"C(`{t}`, contr.sum)" if t in factors else f"`{t}`")
    spec_s = formulaic.model_matrix(summed, data, na_action="raise")
    K = np.linalg.lstsq(X, np.asarray(spec_s, float), rcond=None)[0]
    Kinv = np.linalg.inv(K)
    out = {}
    for term, cols in spec_s.model_spec.term_slices.items():
        name = str(term)
        if name == "1":
            continue
        for f in factors:
            name = name.replace(f"C(`{f}`, contr.sum)", f).replace(f"C({f}, contr.sum)", f)
        out[name] = Kinv[cols]
    return out
