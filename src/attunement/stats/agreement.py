"""Agreement between two codings of the same session: detected episodes against a human
coder, or coder against coder.

Two views, as coding studies report them (SCIENCE.md):

- **Time-based**: both codings are cut into coding units (1 s, the published time base of
  Beebe et al. 2010 and Feldman 2007); each unit takes the label covering most of it (the
  label ``"none"`` where nothing is coded). Over the units: Cohen's kappa (Cohen 1960),
  Krippendorff's alpha (nominal; the ``krippendorff`` package, Castro 2017) and the percent
  agreement, overall and per label (that label against everything else).
- **Event-based**: the coded stretches of each label are matched one to one by their
  onsets, at most ``tolerance_s`` apart (minimal total onset difference, Hungarian
  assignment). Coding ``a`` is the reference: recall = matched / events of ``a``,
  precision = matched / events of ``b``, F1, and the mean onset difference ``b - a``.

:func:`alpha_coders` gives Krippendorff's alpha for any number of coders;
:func:`agreement_coders` every pair of codings and, with three or more, that alpha.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .._check import check_positive

#: The label of a coding unit where nothing is coded.
UNCODED = "none"

#: Columns of the agreement table.
AGREEMENT_COLUMNS = ["measure", "label", "value", "n", "coder_a", "coder_b", "unit_s",
                     "tolerance_s"]


def coding_units(table: pd.DataFrame, duration_s: float, unit_s: float = 1.0,
                 labels=None) -> np.ndarray:
    """The label of every coding unit ``[k * unit_s, (k + 1) * unit_s)`` up to
    ``duration_s``: the label covering most of the unit (the first on ties), ``"none"``
    where nothing covers it. With ``labels``, only those labels count.

    Examples
    --------
    >>> t = pd.DataFrame({"onset_s": [0.0, 2.4], "offset_s": [1.6, 4.0],
    ...                   "label": ["match", "mismatch"]})
    >>> coding_units(t, 5).tolist()
    ['match', 'match', 'mismatch', 'mismatch', 'none']
    """
    table = _check_table(table, "table")
    unit_s = check_positive(unit_s, "unit_s")
    n = max(1, math.ceil(check_positive(duration_s, "duration_s") / unit_s - 1e-9))
    if labels is not None:
        table = table[table["label"].isin(list(labels))]
    names = list(dict.fromkeys(table["label"].tolist()))
    cover = np.zeros((len(names) + 1, n))
    cover[0] = 1e-12  # "none" wins only where nothing is coded
    edges = np.arange(n + 1) * unit_s
    for on, off, lab in zip(table["onset_s"], table["offset_s"], table["label"]):
        overlap = np.minimum(edges[1:], off) - np.maximum(edges[:-1], on)
        cover[1 + names.index(lab)] += np.clip(overlap, 0, None)
    return np.array([UNCODED] + names, dtype=object)[cover.argmax(axis=0)]


def cohen_kappa(a, b) -> float:
    """Cohen's (1960) kappa of two equally long label sequences: ``(p_o - p_e) / (1 -
    p_e)``; NaN when chance agreement is 1 (a single label in both).

    Examples
    --------
    >>> cohen_kappa(list("aabbc"), list("abbbc"))
    0.6875
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"Invalid value for 'b': expected as many units as 'a' ({a.shape}), "
                         f"got {b.shape}.")
    cats = sorted(set(a) | set(b))
    pa = pd.Series(a).value_counts(normalize=True).reindex(cats, fill_value=0).to_numpy()
    pb = pd.Series(b).value_counts(normalize=True).reindex(cats, fill_value=0).to_numpy()
    p_o = float(np.mean(a == b))
    p_e = float(pa @ pb)
    return (p_o - p_e) / (1 - p_e) if p_e < 1 - 1e-12 else math.nan


def alpha_units(units) -> float:
    """Krippendorff's alpha (nominal) of label sequences, one per coder (coders x units;
    ``None`` or NaN marks a unit a coder did not code), by the ``krippendorff`` package.

    Examples
    --------
    >>> round(alpha_units([list("aabbc"), list("abbbc")]), 4)
    0.7097
    """
    import krippendorff

    rows = [np.asarray(u, dtype=object) for u in units]
    if len(rows) < 2 or len({len(r) for r in rows}) != 1:
        raise ValueError("Invalid value for 'units': expected at least two coders' label "
                         f"sequences of one length, got lengths {[len(r) for r in rows]}.")
    missing = np.array([[v is None or (isinstance(v, float) and math.isnan(v)) for v in r]
                        for r in rows])
    names = sorted({v for r, m in zip(rows, missing) for v, mi in zip(r, m) if not mi},
                   key=str)
    if len(names) < 2:
        return math.nan  # one value everywhere: no variation to agree on
    code = {v: i for i, v in enumerate(names)}
    data = np.array([[np.nan if mi else code[v] for v, mi in zip(r, m)]
                     for r, m in zip(rows, missing)], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def alpha_coders(tables, unit_s: float = 1.0, labels=None,
                 duration_s: float | None = None) -> float:
    """Krippendorff's alpha (nominal) of any number of codings of one session, on coding
    units of ``unit_s`` (see :func:`coding_units`).

    Examples
    --------
    >>> t = pd.DataFrame({"onset_s": [0.0], "offset_s": [3.0], "label": ["match"]})
    >>> u = pd.DataFrame({"onset_s": [1.0], "offset_s": [3.0], "label": ["match"]})
    >>> round(alpha_coders([t, t, u], duration_s=6), 3)
    0.787
    """
    tables = [_check_table(t, f"tables[{i}]") for i, t in enumerate(tables)]
    duration_s = _duration(tables, duration_s)
    return alpha_units([coding_units(t, duration_s, unit_s, labels) for t in tables])


def event_agreement(a: pd.DataFrame, b: pd.DataFrame, tolerance_s: float = 2.0,
                    labels=None) -> pd.DataFrame:
    """Onset matching per label: ``label``, ``n_a``, ``n_b``, ``matched``, ``precision``,
    ``recall``, ``f1``, ``mean_onset_diff_s`` (``b - a``) and ``mean_abs_onset_diff_s``
    over the matched pairs. Coding ``a`` is the reference.

    Examples
    --------
    >>> a = pd.DataFrame({"onset_s": [0.0, 10.0, 30.0], "offset_s": [5.0, 15.0, 35.0],
    ...                   "label": ["match"] * 3})
    >>> b = pd.DataFrame({"onset_s": [1.0, 20.0], "offset_s": [4.0, 25.0],
    ...                   "label": ["match"] * 2})
    >>> event_agreement(a, b)[["label", "matched", "precision", "recall", "f1"]]
       label  matched  precision  recall   f1
    0  match        1        0.5  0.3333  0.4
    """
    a, b = _check_table(a, "a"), _check_table(b, "b")
    tol = check_positive(tolerance_s, "tolerance_s", allow_zero=True)
    names = list(labels) if labels is not None else sorted(set(a["label"]) | set(b["label"]))
    rows = []
    for lab in names:
        ta = a.loc[a["label"] == lab, "onset_s"].to_numpy(float)
        tb = b.loc[b["label"] == lab, "onset_s"].to_numpy(float)
        diff = tb[None, :] - ta[:, None]
        cost = np.where(np.abs(diff) <= tol + 1e-9, np.abs(diff), 1e6 + np.abs(diff))
        ia, ib = linear_sum_assignment(cost) if diff.size else (np.array([], int),) * 2
        ok = cost[ia, ib] < 1e6
        d = diff[ia[ok], ib[ok]]
        m = int(ok.sum())
        prec = m / len(tb) if len(tb) else math.nan
        rec = m / len(ta) if len(ta) else math.nan
        f1 = 2 * m / (len(ta) + len(tb)) if len(ta) + len(tb) else math.nan
        rows.append({"label": lab, "n_a": len(ta), "n_b": len(tb), "matched": m,
                     "precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                     "mean_onset_diff_s": float(d.mean()) if m else math.nan,
                     "mean_abs_onset_diff_s": float(np.abs(d).mean()) if m else math.nan})
    return pd.DataFrame(rows, columns=["label", "n_a", "n_b", "matched", "precision",
                                       "recall", "f1", "mean_onset_diff_s",
                                       "mean_abs_onset_diff_s"])


def agreement(a: pd.DataFrame, b: pd.DataFrame, *, unit_s: float = 1.0,
              tolerance_s: float = 2.0, labels=None,
              duration_s: float | None = None) -> pd.DataFrame:
    """Agreement of two codings of one session, as a tidy table (:data:`AGREEMENT_COLUMNS`).

    Parameters
    ----------
    a, b : DataFrame
        ``onset_s``, ``offset_s``, ``label`` (e.g. from
        :func:`attunement.io.annotations.read_annotations`); ``a`` is the reference of the
        event view (recall is over its events). A ``coder`` column names each coding.
    unit_s : float
        Coding unit (s); 1 s as the published time base (Beebe et al. 2010).
    tolerance_s : float
        Largest onset difference (s) of a matched event; 2 s is a choice (two coding units).
    labels : sequence of str, optional
        Only these labels (everything else counts as uncoded); default all.
    duration_s : float, optional
        The session's length; default the latest offset of either coding.

    Returns
    -------
    DataFrame
        Rows of ``measure`` (``cohen_kappa``, ``krippendorff_alpha``,
        ``percent_agreement`` per unit, overall (``label`` "all") and per label against
        the rest; ``precision``, ``recall``, ``f1``, ``mean_onset_diff_s``,
        ``mean_abs_onset_diff_s`` per label), ``value``, ``n`` (units, or events of ``a``)
        and the coders and parameters.

    Examples
    --------
    >>> a = pd.DataFrame({"onset_s": [0.0, 6.0], "offset_s": [4.0, 9.0],
    ...                   "label": ["match", "match"]})
    >>> b = pd.DataFrame({"onset_s": [1.0, 6.0], "offset_s": [4.0, 10.0],
    ...                   "label": ["match", "match"]})
    >>> t = agreement(a, b, duration_s=10)
    >>> t.loc[t.label == "all", ["measure", "value"]].round(3).to_numpy().tolist()
    [['cohen_kappa', 0.524], ['krippendorff_alpha', 0.548], ['percent_agreement', 0.8]]
    """
    a, b = _check_table(a, "a"), _check_table(b, "b")
    duration_s = _duration([a, b], duration_s)
    if labels is not None:
        labels = [str(v) for v in labels]
        a, b = a[a["label"].isin(labels)], b[b["label"].isin(labels)]
    ua = coding_units(a, duration_s, unit_s)
    ub = coding_units(b, duration_s, unit_s)
    rows = []

    def unit_rows(label, x, y):
        rows.extend([("cohen_kappa", label, cohen_kappa(x, y), len(x)),
                     ("krippendorff_alpha", label, alpha_units([x, y]), len(x)),
                     ("percent_agreement", label, float(np.mean(x == y)), len(x))])

    unit_rows("all", ua, ub)
    names = labels if labels is not None else sorted(set(a["label"]) | set(b["label"]))
    for lab in names:
        unit_rows(lab, ua == lab, ub == lab)
    events = event_agreement(a, b, tolerance_s, names)
    for ev in events.itertuples(index=False):
        for measure in ("precision", "recall", "f1", "mean_onset_diff_s",
                        "mean_abs_onset_diff_s"):
            rows.append((measure, ev.label, getattr(ev, measure), ev.n_a))
    out = pd.DataFrame(rows, columns=["measure", "label", "value", "n"])
    out["coder_a"], out["coder_b"] = _coder(a, "a"), _coder(b, "b")
    out["unit_s"], out["tolerance_s"] = float(unit_s), float(tolerance_s)
    out["value"] = out["value"].astype(float)
    return out[AGREEMENT_COLUMNS]


def agreement_coders(tables, coders=None, *, unit_s: float = 1.0, tolerance_s: float = 2.0,
                     labels=None, duration_s: float | None = None) -> pd.DataFrame:
    """:func:`agreement` of every pair of codings of one session (the earlier one as the
    reference) and, with three or more, Krippendorff's alpha over all (``coder_a`` and
    ``coder_b`` "all"), on one duration: ``duration_s``, default the latest offset of any.

    Examples
    --------
    >>> t = pd.DataFrame({"onset_s": [0.0], "offset_s": [3.0], "label": ["match"]})
    >>> u = pd.DataFrame({"onset_s": [1.0], "offset_s": [3.0], "label": ["match"]})
    >>> table = agreement_coders([t, t, u], ["x", "y", "z"], duration_s=6)
    >>> table.query("measure == 'krippendorff_alpha' and label == 'all'")[
    ...     ["coder_a", "coder_b", "value"]].round(4).to_numpy().tolist()
    [['x', 'y', 1.0], ['x', 'z', 0.6857], ['y', 'z', 0.6857], ['all', 'all', 0.7875]]

    By hand (nominal alpha, 1 s units): one unit differs; two coders give
    1 - 11 * 2 / (2 * 5 * 7) = 0.6857, three give 1 - 17 * 2 / (2 * 8 * 10) = 0.7875.
    """
    tables = [_check_table(t, f"tables[{i}]") for i, t in enumerate(tables)]
    if len(tables) < 2:
        raise ValueError(f"Invalid value for 'tables': expected at least two codings, got "
                         f"{len(tables)}.")
    coders = [_coder(t, f"coder_{i + 1}") for i, t in enumerate(tables)] if coders is None \
        else [str(c) for c in coders]
    if len(coders) != len(tables):
        raise ValueError(f"Invalid value for 'coders': expected one name per coding "
                         f"({len(tables)}), got {len(coders)}.")
    duration_s = _duration(tables, duration_s)
    frames = []
    for i, j in combinations(range(len(tables)), 2):
        frame = agreement(tables[i], tables[j], unit_s=unit_s, tolerance_s=tolerance_s,
                          labels=labels, duration_s=duration_s)
        frames.append(frame.assign(coder_a=coders[i], coder_b=coders[j]))
    if len(tables) > 2:
        alpha = alpha_coders(tables, unit_s, labels, duration_s)
        frames.append(pd.DataFrame([{
            "measure": "krippendorff_alpha", "label": "all", "value": alpha,
            "n": int(round(duration_s / unit_s)), "coder_a": "all", "coder_b": "all",
            "unit_s": float(unit_s), "tolerance_s": float(tolerance_s)}],
            columns=AGREEMENT_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _check_table(table, name: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"Invalid value for {name!r}: expected a DataFrame with onset_s, "
                         f"offset_s and label, got {type(table).__name__}.")
    missing = [c for c in ("onset_s", "offset_s", "label") if c not in table.columns]
    if missing:
        raise ValueError(f"Invalid value for {name!r}: missing column(s) {missing}; expected "
                         f"onset_s, offset_s, label, got {list(table.columns)}.")
    bad = table["offset_s"].to_numpy(float) < table["onset_s"].to_numpy(float)
    if bad.any():
        raise ValueError(f"Invalid value for {name!r}: row {int(np.flatnonzero(bad)[0])} ends "
                         "before it starts (offset_s < onset_s).")
    out = table.copy()
    out["label"] = out["label"].astype("string").astype(object)
    if out["label"].isna().any():
        raise ValueError(f"Invalid value for {name!r}: column 'label' has missing values.")
    return out


def _duration(tables, duration_s) -> float:
    if duration_s is not None:
        return check_positive(duration_s, "duration_s")
    ends = [float(t["offset_s"].max()) for t in tables if len(t)]
    if not ends or max(ends) <= 0:
        raise ValueError("Invalid value for 'duration_s': the codings are empty; give the "
                         "session's duration.")
    return max(ends)


def _coder(table: pd.DataFrame, default: str) -> str:
    if "coder" in table.columns and len(table) and pd.notna(table["coder"].iloc[0]):
        return str(table["coder"].iloc[0])
    return default
