"""The growth model's terms: validated column names, the time axis, the formula shown,
and whether the data can carry a random slope of time.

Names enter the design matrix only after these checks (:data:`PLAIN_NAME`); no formula
string is ever parsed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Fewest dyads for a random intercept per dyad: with fewer, the between-dyad variance
#: has one or no degree of freedom and the model is not worth reporting. ``random_slope
#: = "auto"`` also needs this many dyads with sessions at three or more distinct times.
MIN_DYADS = 3

#: A plain column name (letters, digits and underscores, not starting with a digit): the
#: only names that enter the model's design matrix or a project's settings.
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

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
    if not isinstance(name, str) or not PLAIN_NAME.match(name):
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


def model_formula(
    measure: str, dyad: str, time: str, terms: list[str], interactions=(),
    random_slope: bool = False,
) -> str:
    """The model in lme4's notation, for display (never parsed).

    Examples
    --------
    >>> model_formula("r", "dyad", "session_number", ["group"])
    'r ~ 1 + session_number + group + (1 | dyad)'
    >>> model_formula("r", "dyad", "session_number", ["group"], ["group"], random_slope=True)
    'r ~ 1 + session_number + group + session_number:group + (1 + session_number | dyad)'
    """
    crossed = [f"{time}:{term}" for term in interactions]
    random = f"1 + {time}" if random_slope else "1"
    return " + ".join([f"{measure} ~ 1", time, *terms, *crossed]) + f" + ({random} | {dyad})"


def check_random_slope(value: object, setting: str = "mixed_model.random_slope"):
    """The ``random_slope`` setting: ``"auto"``, ``True`` or ``False``, else an error.

    Examples
    --------
    >>> check_random_slope("auto"), check_random_slope(False)
    ('auto', False)
    >>> check_random_slope("yes")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for 'mixed_model.random_slope': expected "auto", true or ...
    """
    if value == "auto" or isinstance(value, (bool, np.bool_)):
        return value if value == "auto" else bool(value)
    raise ValueError(
        f'Invalid value for {setting!r}: expected "auto", true or false, got {value!r}.'
    )


def slope_support(sessions: pd.DataFrame, dyad: str, time: str, need: int = MIN_DYADS):
    """Why ``sessions`` cannot carry a random slope of ``time``, or ``None`` if they can.

    A random slope needs ``need`` dyads with sessions at three or more distinct times
    (a dyad's own slope is then estimated apart from its noise; ``random_slope="auto"``
    asks for ``MIN_DYADS`` of them, ``True`` for one) and more sessions than random
    effects, two per dyad (lme4 refuses fewer: its ``check.nobs.vs.nRE``).

    Examples
    --------
    >>> f = pd.DataFrame({"dyad": list("aabbcc"), "t": [1, 2] * 3})
    >>> print(slope_support(f, "dyad", "t"))
    it needs 3 dyads with sessions at three or more distinct times (here 0) and more
    sessions than random effects (here 6 sessions, 3 dyads x 2)
    >>> print(slope_support(pd.concat([f, f.assign(t=3)]), "dyad", "t"))
    None
    """
    per_dyad = sessions.groupby(dyad)[time].nunique()
    n_three = int((per_dyad >= 3).sum())
    if n_three >= need and len(sessions) > 2 * len(per_dyad):
        return None
    dyads = f"{need} dyad{'s' if need > 1 else ''}"
    return (
        f"it needs {dyads} with sessions at three or more distinct times (here {n_three}) "
        f"and more sessions than random effects (here {len(sessions)} sessions, "
        f"{len(per_dyad)} dyads x 2)"
    )
