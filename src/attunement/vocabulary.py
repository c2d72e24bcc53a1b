"""One vocabulary: the common parameters, declared once.

Each common parameter has one entry in :data:`PARAMS` (name, type, unit, default, accepted
values and the text that documents it), as MNE's ``docdict`` and scikit-learn's parameter
constraints do. From it derive:

- docstrings, through :func:`fill_doc` and ``%(name)s`` slots;
- the configuration's ``Literal`` types and descriptions (:mod:`attunement.config`);
- the command line's help (:func:`cli_help`);
- the validation messages (:func:`check_option`), which also name the canonical spelling
  when a retired one comes (``'circular_shift'`` -> ``'shift'``), never aliasing it silently.

``tests/test_vocabulary.py`` walks every public signature and the columns of the tables
the commands write, and fails on a name outside this vocabulary's agreements.

Examples
--------
>>> PARAMS["null"].default, sorted(NULLS)[:3]
('shift', ['epochs', 'iaaft', 'pseudo-dyads'])
>>> check_option("circular_shift", "null")
Traceback (most recent call last):
...
ValueError: Invalid value for the 'null' parameter: 'circular_shift' is now called 'shift'. ...
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: The surrogate nulls, one name each: name -> the null hypothesis it encodes.
NULLS: dict[str, str] = {
    "shift": "circular shift: partner 2 shifted in time, wrapping around, by at least the "
    "largest lag; keeps both series whole and breaks only their alignment (calibrated)",
    "segments": "segment shuffle (Ramseyer & Tschacher; SUSY): partner 2 cut into segments "
    "that are put in random order; keeps within-segment structure, breaks alignment; "
    "anti-conservative when segments are short against the autocorrelation",
    "iaaft": "iterative amplitude-adjusted Fourier transform (Schreiber & Schmitz 2000): "
    "partner 2 replaced by a series with the same power spectrum and value distribution; "
    "null of two independent linear processes",
    "shuffle": "data shuffle (Moulder et al. 2018): partner 2's samples in random order; null "
    "of no temporal structure at all, so anti-conservative for autocorrelated signals",
    "pseudo-dyads": "pseudo-dyads (rMEA shuffle; Burgess 2013): partners of different "
    "sessions re-paired; null of people who never interacted, with the setting's common "
    "structure kept",
    "epochs": "epoch shuffle (inter-brain): partner 2's epochs re-paired with partner 1's "
    "other epochs of the same session; keeps each epoch whole, breaks their alignment",
}

#: The nulls of one session's surrogate test (``epochs`` is the inter-brain epoch shuffle).
SESSION_NULLS: tuple[str, ...] = ("shift", "segments", "iaaft", "shuffle", "pseudo-dyads")

#: Retired spellings of accepted values -> the canonical one (rejected, never aliased).
RETIRED_VALUES: dict[str, str] = {
    "circular_shift": "shift",
    "circular shift": "shift",
    "circular-shift": "shift",
    "time_shift": "shift",
    "segment_shuffle": "segments",
    "shuffle_segments": "segments",
    "pseudo_pair": "pseudo-dyads",
    "pseudo_pairs": "pseudo-dyads",
    "pseudo_dyads": "pseudo-dyads",
    "epoch_shuffle": "epochs",
}

#: Retired parameter and column names -> the canonical one.
RETIRED_NAMES: dict[str, str] = {
    "n_surr": "n_surrogates",
    "surrogates": "n_surrogates",
    "circular_shift": "null='shift'",
    "time_shift": "null='shift'",
    "pseudo_pair": "null='pseudo-dyads'",
    "p1": "the session's partner names",
    "p2": "the session's partner names",
    "s1": "the session's partner names",
    "s2": "the session's partner names",
}

_REQUIRED = object()


@dataclass(frozen=True)
class Param:
    """One common parameter: its name, numpydoc type, text, unit, default and values."""

    name: str
    type: str
    text: str
    unit: str | None = None
    default: Any = _REQUIRED
    allowed: tuple | None = None

    @property
    def required(self) -> bool:
        """True when the parameter has no default (e.g. ``sampling_rate``)."""
        return self.default is _REQUIRED

    @property
    def doc(self) -> str:
        """The numpydoc entry: ``name : type`` and the indented text with its default."""
        text = self.text
        if self.allowed:
            text += " One of " + ", ".join(repr(v) for v in self.allowed) + "."
        if not self.required:
            text += f" Default {self.default!r}."
        body = textwrap.fill(text, 88, initial_indent="    ", subsequent_indent="    ")
        return f"{self.name} : {self.type}\n{body}"

    @property
    def help(self) -> str:
        """The command line's help for the parameter's option: the text and its values."""
        text = self.text
        if self.allowed:
            text += " One of: " + ", ".join(str(v) for v in self.allowed) + "."
        return text


def _params(*entries: Param) -> dict[str, Param]:
    return {p.name: p for p in entries}


#: The common parameters: name -> :class:`Param`.
PARAMS: dict[str, Param] = _params(
    Param("x1", "array of shape (n_times,)",
          "Partner 1's signal on the session's clock; NaN marks missing samples."),
    Param("x2", "array of shape (n_times,)",
          "Partner 2's signal on the same clock as ``x1``; NaN marks missing samples."),
    Param("sampling_rate", "float", "Samples per second of both signals, in Hz; never "
          "defaulted (30 fps video is not 1000 Hz).", unit="Hz"),
    Param("seed", "int | numpy.random.Generator", "Seed of every random step: the same "
          "seed gives the same numbers.", default=0),
    Param("null", "str", "The surrogate null (attunement.vocabulary.NULLS; inter-brain "
          "tests also take 'epochs'); circular shift is the default, calibrated where short "
          "segment shuffles and data shuffles were not (SCIENCE.md).", default="shift",
          allowed=SESSION_NULLS),
    Param("n_surrogates", "int", "Number of surrogates of the null distribution (500 as "
          "SUSY, Ramseyer & Tschacher); 0 for no surrogate test where that is allowed.",
          default=500),
    Param("window_s", "float", "Window length of the windowed cross-correlation, in s "
          "(rMEA example: 60 s).", unit="s", default=60.0),
    Param("max_lag_s", "float", "Largest lag either way, in s (rMEA: lags of +-5 s are "
          "common); for DTW, the warping bound.", unit="s", default=5.0),
    Param("step_s", "float", "Window increment, in s (rMEA example: 30 s).", unit="s",
          default=30.0),
    Param("fisher_z", "bool", "Fisher z-transform r, capped at +-10 (rMEA's r2Z); plain r as "
          "Boker et al. 2002 by default.", default=False),
    Param("absolute", "bool", "Absolute values of r (rMEA's ABS).", default=False),
    Param("segment_s", "float | None", "Segment length of the 'segments' null, in s "
          "(default: twice the window, at least twice the largest lag, at most a fifth of "
          "the recording).", unit="s", default=None),
    Param("welch_segment_s", "float", "Segment length of Welch's spectral estimate, in s.",
          unit="s"),
    Param("min_shift_s", "float", "Smallest circular shift of the 'shift' null, in s.",
          unit="s"),
    Param("alternative", "str", "Which tail of the null the p-value counts.",
          default="greater", allowed=("greater", "less", "two-sided")),
    Param("n_jobs", "int | None", "Processes or threads (joblib's convention: None is 1, "
          "-1 every CPU).", default=None),
)


def fill_doc(obj):
    """Fill the ``%(name)s`` slots of ``obj``'s docstring with :data:`PARAMS` entries.

    The entries are indented to the docstring's own indentation (a literal ``%`` in a
    filled docstring is written ``%%``).

    Examples
    --------
    >>> @fill_doc
    ... def f(seed=0):
    ...     '''Draw.
    ...
    ...     Parameters
    ...     ----------
    ...     %(seed)s
    ...     '''
    >>> for line in f.__doc__.splitlines()[4:6]: print(line)
        seed : int | numpy.random.Generator
            Seed of every random step: the same seed gives the same numbers. Default 0.
    """
    doc = obj.__doc__
    if not doc:
        return obj
    lines = doc.splitlines()
    indent = min((len(s) - len(s.lstrip()) for s in lines[1:] if s.strip()), default=0)
    pad = "\n" + " " * indent
    try:
        obj.__doc__ = doc % {k: p.doc.replace("\n", pad) for k, p in PARAMS.items()}
    except KeyError as err:
        raise KeyError(f"{obj.__qualname__}: no vocabulary entry {err} for its docstring") \
            from None
    return obj


def check_option(value: Any, name: str, allowed: Iterable[Any] | None = None) -> Any:
    """Return ``value`` if it is one of ``allowed`` (default: the vocabulary's accepted
    values of ``name``); otherwise raise a ValueError that lists them and, for a retired
    spelling, names the canonical one.

    Examples
    --------
    >>> check_option("shift", "null")
    'shift'
    >>> check_option("pseudo_pair", "null", ["shift", "pseudo-dyads"])
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for the 'null' parameter: 'pseudo_pair' is now called ...
    """
    allowed = list(PARAMS[name].allowed if allowed is None else allowed)
    if value in allowed:
        return value
    listed = ", ".join(repr(a) for a in allowed)
    canonical = RETIRED_VALUES.get(value) if isinstance(value, str) else None
    if canonical is not None and canonical in allowed:
        raise ValueError(f"Invalid value for the {name!r} parameter: {value!r} is now called "
                         f"{canonical!r}. Allowed values are {listed}.")
    raise ValueError(f"Invalid value for the {name!r} parameter. Allowed values are {listed}, "
                     f"but got {value!r}.")


def cli_help(name: str, extra: str = "") -> str:
    """The help of the command line option of parameter ``name`` (``--n-surrogates`` for
    ``n_surrogates``), with ``extra`` appended.

    Examples
    --------
    >>> cli_help("seed")
    'Seed of every random step: the same seed gives the same numbers.'
    """
    return (PARAMS[name].help + (" " + extra if extra else "")).strip()


def cli_flag(name: str) -> str:
    """The command line option of parameter ``name``.

    Examples
    --------
    >>> cli_flag("n_surrogates")
    '--n-surrogates'
    """
    return "--" + name.replace("_", "-")


#: Positional partner tokens of array-level results (``p1_leads_mean``, ``granger_gc_1to2``).
_POSITIONAL = re.compile(
    r"(?<![A-Za-z0-9])(1_to_2|2_to_1|1_to_1|2_to_2|1to2|2to1|1to1|2to2|p1|p2)(?![A-Za-z0-9])")


def name_partners(text: str, partners, *, value: bool = False) -> str:
    """``text`` (a column name, or with ``value`` a cell) with its positional partner
    tokens (``p1``, ``p2``, ``1to2``, ``2to1``, ``1to1``, ``2to2``, and the same with
    ``_to_``) replaced by the session's partner names: tables name partners as the session
    does.

    Directions become ``a_to_b`` in a column name and ``a->b`` in a cell.

    Examples
    --------
    >>> name_partners("p1_leads_mean", ("caregiver", "infant"))
    'caregiver_leads_mean'
    >>> name_partners("granger_gc_2to1", ("caregiver", "infant"))
    'granger_gc_infant_to_caregiver'
    >>> name_partners("1to2", ("caregiver", "infant"), value=True)
    'caregiver->infant'
    """
    a, b = (str(p) for p in partners)
    arrow = "->" if value else "_to_"
    names = {"p1": a, "p2": b, "1to2": f"{a}{arrow}{b}", "1_to_2": f"{a}{arrow}{b}",
             "2to1": f"{b}{arrow}{a}", "2_to_1": f"{b}{arrow}{a}",
             "1to1": f"{a}{arrow}{a}", "1_to_1": f"{a}{arrow}{a}",
             "2to2": f"{b}{arrow}{b}", "2_to_2": f"{b}{arrow}{b}"}
    return _POSITIONAL.sub(lambda m: names[m.group(1)], text)


def name_partners_row(row: dict, partners) -> dict:
    """A table row (column -> cell) with partner names in its column names and in the
    cells of its ``direction`` columns (:func:`name_partners`); other cells unchanged (a
    session id ``p1`` stays ``p1``).

    Examples
    --------
    >>> name_partners_row({"p2_leads_share": 0.4, "direction": "2to1"}, ("mother", "child"))
    {'child_leads_share': 0.4, 'direction': 'child->mother'}
    """
    return {name_partners(k, partners): name_partners(v, partners, value=True)
            if isinstance(v, str) and k.endswith("direction") else v for k, v in row.items()}
