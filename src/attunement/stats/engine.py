"""One surrogate engine for every measure: :func:`surrogate_test`.

A test is a measure (a name of :data:`attunement.sync.registry.MEASURES` with its own
keyword dict ``params``, or any callable ``f(x1, x2, sampling_rate) -> float or dict``) and
a null (:data:`~attunement.stats.surrogates.NULLS`), drawn by :class:`NullDraw` with its own
parameters (``min_shift_s`` for ``shift``, ``segment_s`` for ``segments``, ``pool`` for
``pseudo-dyads``). The measure runs on the real pair and on every surrogate pair; the
headline statistic and the direction of the test are the registry's
(:data:`~attunement.sync.registry.HEADLINES`).

Fast paths
----------
:data:`FAST_PATHS` maps ``(measure, null)`` to a function that tests the pair faster than
one call per surrogate (the WCC's batched kernel for every null, the shift kernel of
:mod:`attunement.lagcorr.shifts` for circular shifts). A faster kernel plugs in
with :func:`register_fast_path`, and every caller of :func:`surrogate_test` gets it. A fast
path is called as ``f(x1, x2, sampling_rate, params, draw) -> SurrogateTest`` with the
measure's full keyword dict; it must give the numbers of the generic path with the same
``draw`` (the same seed gives the same surrogates: :meth:`NullDraw.pairs`, or
:meth:`NullDraw.shift_offsets` for a kernel that shifts on its own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._check import check_option, check_random_state
from .surrogates import (
    NULLS,
    default_segment_s,
    make_surrogates,
    min_shift,
    pseudo_dyad_pairs,
    shift_offsets,
)
from .surrogates import _count as check_count
from .testing import ALTERNATIVES, SurrogateTest
from .wcc_null import wcc_shift_test, wcc_surrogate_test

#: ``(measure, null) -> f(x1, x2, sampling_rate, params, draw) -> SurrogateTest``: the
#: measures and nulls with a faster path than one measure call per surrogate.
FAST_PATHS: dict[tuple[str, str], Callable[..., SurrogateTest]] = {
    **{("wcc", null): wcc_surrogate_test for null in NULLS},
    ("wcc", "shift"): wcc_shift_test,
}


def register_fast_path(measure: str, null: str, func: Callable[..., SurrogateTest]) -> None:
    """Route the tests of ``measure`` against ``null`` through ``func`` (see the module's
    Fast paths); it replaces the path registered before.

    Examples
    --------
    >>> before = FAST_PATHS[("wcc", "shift")]
    >>> register_fast_path("wcc", "shift", before)
    >>> register_fast_path("wcc", "circular", before)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for the 'null' parameter. Allowed values are 'shift', ...
    """
    check_option(null, "null", NULLS)
    FAST_PATHS[(str(measure), null)] = func


@dataclass
class NullDraw:
    """How the surrogate pairs of a test are drawn: the null, how many, its parameters.

    ``min_shift_s`` is the smallest circular shift (``shift``; at least one sample),
    ``segment_s`` the segment length (``segments``), ``pool`` the other sessions
    (``pseudo-dyads``: a list of (x1, x2) pairs or Sessions). ``seed`` makes the draws.

    Examples
    --------
    >>> draw = NullDraw("shift", 3, min_shift_s=1, seed=0)
    >>> [xs.shape for xs, _ in draw.pairs(np.arange(20.0), np.arange(20.0), 2)]
    [(3, 20)]
    """

    null: str
    n_surrogates: int
    min_shift_s: float = 0.0
    segment_s: float | None = None
    pool: Sequence | None = None
    seed: object = 0
    rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self):
        check_option(self.null, "null", NULLS)
        self.n_surrogates = check_count(self.n_surrogates)
        if not self.min_shift_s >= 0:
            raise ValueError(f"Invalid value for 'min_shift_s': expected a number >= 0, got "
                             f"{self.min_shift_s!r}.")
        self.rng = check_random_state(self.seed)

    def pairs(self, x1, x2, sampling_rate: float) -> list[tuple[np.ndarray, np.ndarray]]:
        """The surrogate pairs as batches ``(xs, ys)`` of shape (S, n_times): one batch,
        or for pseudo-dyads one per length."""
        if self.null == "pseudo-dyads":
            return pseudo_dyad_pairs(x1, x2, self.pool, self.n_surrogates, self.rng)
        return [make_surrogates(x1, x2, self.null, self.n_surrogates, sampling_rate,
                                max_lag_s=self.min_shift_s, segment_s=self.segment_s,
                                seed=self.rng)]

    def shift_offsets(self, n_times: int, sampling_rate: float) -> np.ndarray:
        """The offsets (samples) :meth:`pairs` shifts partner 2 by for ``null='shift'``, for
        a kernel that shifts on its own (call one or the other, once)."""
        low = min_shift(self.min_shift_s, sampling_rate)
        return shift_offsets(n_times, low, self.n_surrogates, self.rng)


def surrogate_test(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    measure: str | Callable = "wcc",
    params: dict | None = None,
    null: str = "shift",
    n_surrogates: int = 500,
    seed=0,
    pool=None,
    min_shift_s: float | None = None,
    segment_s: float | None = None,
    alternative: str | None = None,
    channel: str | None = None,
) -> SurrogateTest:
    """Test a session-level synchrony measure against surrogate pairs.

    Parameters
    ----------
    x1, x2, sampling_rate, channel
        The pair: two arrays and their rate, or a Session in place of ``x1`` (and its
        ``channel``).
    measure : str or callable
        A measure of :data:`attunement.sync.registry.MEASURES` (default ``'wcc'``: the
        summaries :data:`~attunement.stats.testing.STATISTICS` and per-window
        distributions), or ``f(x1, x2, sampling_rate) -> float or dict`` (the first key of
        a dict is the headline statistic).
    params : dict, optional
        The measure's own keyword arguments (:func:`attunement.sync.registry.measure_parameters`),
        e.g. ``{"window_s": 30, "max_lag_s": 2}`` for ``'wcc'``; defaults are the measure's.
    null : {'shift', 'segments', 'iaaft', 'shuffle', 'pseudo-dyads'}
        The null hypothesis (:data:`attunement.stats.surrogates.NULLS`). Circular shift is
        the default: it stayed calibrated where segment shuffles with short segments and
        data shuffles were not (SCIENCE.md; tests/test_stats.py).
    n_surrogates : int
        500 as SUSY. For pseudo-dyads at most the number of re-pairings ``pool`` allows.
    seed : int or Generator
        The same seed gives the same surrogates and numbers.
    pool : sequence of (x1, x2) pairs or Sessions, for ``null='pseudo-dyads'``
        Other sessions: this partner 1 with their partner 2, and their partner 1 with this
        partner 2 (roles kept), each pair cut to the shorter length.
    min_shift_s : float, optional
        Smallest circular shift for ``'shift'``; default the measure's ``max_lag_s`` when
        it has one (a shift within the lags it searches would keep the coupling), else one
        sample.
    segment_s : float, optional
        Segment length for ``'segments'``; default :func:`~.surrogates.default_segment_s`
        of the measure's ``window_s`` and ``max_lag_s`` (a fifth of the series without
        either).
    alternative : {'greater', 'less', 'two-sided'}, optional
        Default the registry's direction for the measure (``'greater'`` for a callable).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p1 = np.convolve(rng.normal(size=1500), np.ones(5) / 5, "same")
    >>> p2 = np.roll(p1, 5) + rng.normal(scale=0.3, size=1500)
    >>> wcc = dict(window_s=30, max_lag_s=2, step_s=10, fisher_z=True, absolute=True)
    >>> test = surrogate_test(p1, p2, 5, params=wcc, n_surrogates=99, seed=1)
    >>> test.p_value, test.effect_size > 5
    (0.01, True)
    >>> surrogate_test(p1, p2, 5, measure="phase", n_surrogates=19).p_value
    0.05
    """
    a, b, rate = _pair(x1, x2, sampling_rate, channel)
    name = measure if isinstance(measure, str) else None
    if name is None and not callable(measure):
        raise ValueError(f"Invalid value for 'measure': expected a measure name or a "
                         f"callable, got {measure!r}.")
    if name is None and params:
        raise ValueError("Invalid value for 'params': a callable 'measure' takes no params "
                         "(bind them into the callable).")
    full = _measure_params(name, params)
    if alternative is not None:
        check_option(alternative, "alternative", ALTERNATIVES)
    if min_shift_s is None:
        min_shift_s = float(full.get("max_lag_s") or 0.0)
    if null == "segments" and segment_s is None:
        duration = len(a) / rate
        segment_s = default_segment_s(duration, full.get("window_s") or 0.0,
                                      full.get("max_lag_s") or 0.0) or duration / 5
    draw = NullDraw(null, n_surrogates, min_shift_s=min_shift_s, segment_s=segment_s,
                    pool=pool, seed=seed)
    fast = FAST_PATHS.get((name, null)) if name is not None else None
    if fast is not None:
        test = fast(a, b, rate, full, draw)
    else:
        func, default_alternative = _headline(name, measure, a, b, rate, full)
        test = _generic_test(a, b, rate, func, draw)
        test.alternative = default_alternative
    if alternative is not None:
        test.alternative = alternative
    test.params = {**full, "sampling_rate": rate, "min_shift_s": float(min_shift_s),
                   "segment_s": segment_s,
                   "seed": int(seed) if isinstance(seed, (int, np.integer)) else None}
    if name is not None and name != "wcc":
        test.params = {"measure": name, **test.params}
    return test


def _pair(x1, x2, sampling_rate, channel):
    """Two float arrays and the rate, from arrays or a Session."""
    if hasattr(x1, "pair"):
        if x2 is not None:
            raise ValueError("Invalid value for 'x2': expected None when 'x1' is a Session, "
                             f"got {type(x2).__name__}.")
        a, b = x1.pair(channel)
        sampling_rate = x1.sampling_rate
    else:
        if x2 is None:
            raise ValueError("Invalid value for 'x2': expected partner 2's series, got None.")
        a, b = x1, x2
    if sampling_rate is None or not float(sampling_rate) > 0:
        raise ValueError(f"Invalid value for 'sampling_rate': expected a number > 0, got "
                         f"{sampling_rate!r}.")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"Invalid input: 'x1' and 'x2' differ in shape ({a.shape} and "
                         f"{b.shape}); expected one length.")
    return a, b, float(sampling_rate)


def _measure_params(name, params) -> dict:
    """A registered measure's keyword dict, its defaults filled in and checked."""
    params = dict(params or {})
    if name is None:
        return params
    from ..sync.registry import check_params, measure_parameters

    check_option(name, "measure", _registered())
    return {**measure_parameters(name), **check_params(name, params)}


def _registered() -> list[str]:
    from ..sync.registry import MEASURES

    return list(MEASURES)


def _headline(name, measure, a, b, rate, params):
    """``f(x1, x2, sampling_rate) -> dict`` whose first key is the headline, and the
    direction of the test; the callable itself for a custom measure."""
    if name is None:
        return measure, "greater"
    from ..sync.registry import HEADLINES, MEASURES, headline_function

    given = {k: v for k, v in params.items()}
    observed = MEASURES[name](a, b, rate, **given)
    return headline_function(name, observed, **given), HEADLINES[name].alternative


def _generic_test(a, b, rate, func, draw: NullDraw) -> SurrogateTest:
    """``func`` on the real pair and once on each surrogate pair."""
    def as_dict(value):
        return dict(value) if isinstance(value, dict) else {"statistic": float(value)}

    observed = as_dict(func(a, b, rate))
    rows = [as_dict(func(xs[i], ys[i], rate)) for xs, ys in draw.pairs(a, b, rate)
            for i in range(len(xs))]
    names = list(observed)
    nulls = {k: np.array([r.get(k, np.nan) for r in rows], dtype=float) for k in names}
    return SurrogateTest(
        statistic=names[0], observed=float(observed[names[0]]), null=nulls[names[0]],
        null_name=draw.null,
        others={k: (float(observed[k]), nulls[k]) for k in names[1:]},
    )
