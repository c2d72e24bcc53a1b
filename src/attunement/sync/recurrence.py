"""Cross-recurrence quantification (CRQA), windowed CRQA and the diagonal recurrence profile.

Two partners' delay-embedded states are compared; cell ``(i, j)`` is recurrent when
partner 1's state at ``i`` lies within ``radius`` of partner 2's state at ``j``. The
measures follow PyRQA 8.1.0 (Rawald et al. 2017, Comput Geosci 104:101) and Marwan et al.
(2007, Phys Rep 438:237): recurrence rate over the ``N x N`` cells outside the Theiler
window (all of them by default, as in PyRQA); determinism, mean
line and entropy from diagonal lines of at least ``min_diagonal_line`` points;
laminarity and trapping time from vertical lines (fixed partner-1 state, consecutive
partner-2 states) of at least ``min_vertical_line`` points. With ``precision="single"``
and ``normalize="none"`` the counts equal PyRQA's (which computes in float32).

The matrix is never stored: rows are processed in blocks (see ``_rqa_engine``), so memory
grows as ``N`` and a band of lags costs ``N x band``.

Lag convention: ``lag_s > 0`` means partner 2's state recurs ``lag_s`` after partner 1's,
i.e. partner 1 leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from .._pairs import as_pair, check_int, to_samples, window_samples, zscore
from ._rqa_engine import RecurrenceCounts, embed_length, recurrence_counts

#: Distance between delay vectors (PyRQA's similarity measures).
METRICS = {
    "euclidean": "square root of the summed squared differences",
    "maximum": "largest absolute difference (Chebyshev)",
    "taxicab": "summed absolute differences (Manhattan)",
}
#: Floating precision of the distance computation; PyRQA uses single.
PRECISIONS = {"double": np.float64, "single": np.float32}
#: Scaling applied to each partner's series before embedding.
NORMALIZATIONS = {"zscore": "mean 0, population SD 1", "none": "as given"}


@dataclass
class RQAResult:
    """Recurrence quantification of one pair (or one group) of series.

    Line lengths and trapping time are in seconds (points / ``sampling_rate``);
    ``diagonal_lines[l]`` and ``vertical_lines[l]`` count lines of exactly ``l`` points.
    ``lag_s`` and ``profile`` give the recurrence rate on each diagonal.
    """

    recurrence_rate: float
    determinism: float
    average_diagonal_line_s: float
    longest_diagonal_line_s: float
    entropy_diagonal_lines: float
    laminarity: float
    trapping_time_s: float
    longest_vertical_line_s: float
    n_vectors: int
    n_recurrent: int
    sampling_rate: float
    diagonal_lines: np.ndarray = field(repr=False)
    vertical_lines: np.ndarray = field(repr=False)
    lag_s: np.ndarray = field(repr=False)
    profile: np.ndarray = field(repr=False)
    params: dict = field(default_factory=dict)
    prefix: str = "crqa"

    def summary(self) -> dict:
        """One row of named summary columns (prefixed with the measure's name)."""
        keys = ["recurrence_rate", "determinism", "average_diagonal_line_s",
                "longest_diagonal_line_s", "entropy_diagonal_lines", "laminarity",
                "trapping_time_s", "longest_vertical_line_s"]
        return {f"{self.prefix}_{k}": float(getattr(self, k)) for k in keys}

    def to_frame(self) -> pd.DataFrame:
        """The summary and the parameters used, as a one-row DataFrame."""
        return pd.DataFrame([{**self.summary(), **self.params}])

    def profile_frame(self) -> pd.DataFrame:
        """Recurrence rate per lag: columns ``lag_s`` and ``recurrence_rate``."""
        return pd.DataFrame({"lag_s": self.lag_s, "recurrence_rate": self.profile})


def rqa_measures(counts: RecurrenceCounts, n_cells: int, sampling_rate: float,
                 min_diagonal_line: int, min_vertical_line: int, **extra) -> RQAResult:
    """Turn line histograms into the RQA measures (PyRQA's definitions)."""
    lengths = np.arange(counts.diagonal.size)
    diag = counts.diagonal[min_diagonal_line:]
    vert = counts.vertical[min_vertical_line:]
    diag_points = float((lengths[min_diagonal_line:] * diag).sum())
    vert_points = float((lengths[min_vertical_line:] * vert).sum())
    n_rec = counts.n_recurrent
    p = diag[diag > 0] / diag.sum() if diag.sum() else np.zeros(0)
    k = np.arange(counts.k_min, counts.k_max + 1)
    on_diagonal = counts.n_vectors - np.abs(k)
    return RQAResult(
        recurrence_rate=n_rec / n_cells,
        determinism=diag_points / n_rec if n_rec else 0.0,
        average_diagonal_line_s=diag_points / diag.sum() / sampling_rate if diag.sum() else 0.0,
        longest_diagonal_line_s=_longest(counts.diagonal) / sampling_rate,
        entropy_diagonal_lines=float(-(p * np.log(p)).sum()) if p.size else 0.0,
        laminarity=vert_points / n_rec if n_rec else 0.0,
        trapping_time_s=vert_points / vert.sum() / sampling_rate if vert.sum() else 0.0,
        longest_vertical_line_s=_longest(counts.vertical) / sampling_rate,
        n_vectors=counts.n_vectors,
        n_recurrent=n_rec,
        sampling_rate=sampling_rate,
        diagonal_lines=counts.diagonal,
        vertical_lines=counts.vertical,
        lag_s=k / sampling_rate,
        profile=counts.profile / on_diagonal,
        **extra,
    )


def n_cells_outside(n_vectors: int, theiler: int) -> int:
    """Cells of an ``n x n`` matrix at least ``theiler`` diagonals from the main one."""
    k = np.arange(-(n_vectors - 1), n_vectors)
    return int((n_vectors - np.abs(k))[np.abs(k) >= theiler].sum())


def _longest(hist: np.ndarray) -> int:
    nonzero = np.flatnonzero(hist)
    return int(nonzero[-1]) if nonzero.size else 0


def _prepare(x1, x2, sampling_rate, channel, dimension, delay_s, radius, metric, normalize,
             precision, theiler_s, min_diagonal_line, min_vertical_line):
    """Validate the shared parameters; return the series and the engine's arguments."""
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel)
    dimension = check_int(dimension, "dimension", 1)
    delay = 1 if delay_s is None else to_samples(delay_s, sr, "delay_s")
    check_positive(radius, "radius")
    check_option(metric, "metric", METRICS)
    check_option(normalize, "normalize", NORMALIZATIONS)
    check_option(precision, "precision", PRECISIONS)
    theiler = to_samples(theiler_s, sr, "theiler_s", minimum=0)
    check_int(min_diagonal_line, "min_diagonal_line", 1)
    check_int(min_vertical_line, "min_vertical_line", 1)
    if normalize == "zscore":
        a1, a2 = zscore(a1, "x1"), zscore(a2, "x2")
    if embed_length(a1.size, dimension, delay) < 2:
        raise ValueError(
            f"Invalid input: {a1.size} samples leave fewer than 2 delay vectors with "
            f"dimension={dimension} and a delay of {delay} sample(s)."
        )
    engine = dict(dimension=dimension, delay=delay, radius=float(radius), metric=metric,
                  theiler=theiler, dtype=PRECISIONS[precision])
    params = dict(dimension=dimension, delay_s=delay / sr, radius=float(radius),
                  metric=metric, normalize=normalize, theiler_s=theiler / sr,
                  min_diagonal_line=min_diagonal_line, min_vertical_line=min_vertical_line,
                  precision=precision)
    return a1, a2, sr, engine, params


def _quantify(a1, a2, sr, engine, min_diagonal_line, min_vertical_line, **extra) -> RQAResult:
    """CRQA measures of two prepared series, with the engine's arguments from ``_prepare``."""
    counts = recurrence_counts(a1[:, None], a2[:, None], **engine)
    n_cells = n_cells_outside(counts.n_vectors, engine["theiler"])
    return rqa_measures(counts, n_cells, sr, min_diagonal_line, min_vertical_line, **extra)


def crqa(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    dimension: int = 1,
    delay_s: float | None = None,
    radius: float = 0.5,
    metric: str = "euclidean",
    normalize: str = "zscore",
    theiler_s: float = 0.0,
    min_diagonal_line: int = 2,
    min_vertical_line: int = 2,
    precision: str = "double",
) -> RQAResult:
    """Cross-recurrence quantification of two partners' series.

    Parameters
    ----------
    x1, x2 : array of shape (n_times,), or a Session as ``x1`` (then ``x2`` is None)
        The two partners' signals on a common clock, without gaps.
    sampling_rate : float
        Samples per second (Hz); taken from the Session when one is given.
    channel : str, optional
        The Session channel to use (needed when it has several).
    dimension : int
        Embedding dimension (published: R ``crqa``'s default ``embed = 1``).
    delay_s : float, optional
        Embedding delay in seconds, a whole number of samples; None means one sample
        (published: ``crqa``'s default ``delay = 1``).
    radius : float
        Fixed radius in units of the (normalised) signal; a cell is recurrent when the
        distance is strictly below it (PyRQA ``FixedRadius``). 0.5 SD is a choice.
    metric : {'euclidean', 'maximum', 'taxicab'}
        Distance between delay vectors (published: PyRQA's ``EuclideanMetric``).
    normalize : {'zscore', 'none'}
        Scaling of each series before embedding (choice: z-score, as ``crqa``'s
        ``normalize = 2``).
    theiler_s : float
        Cells with ``|lag| < theiler_s`` are left out of every measure, the recurrence
        rate's denominator included (published: 0 for cross recurrence, as in the PyRQA
        reference call).
    min_diagonal_line, min_vertical_line : int
        Shortest line, in points, that counts (published: 2, PyRQA's default).
    precision : {'double', 'single'}
        Floating precision of the distances; 'single' reproduces PyRQA (float32).

    Returns
    -------
    RQAResult
        Recurrence rate, determinism, mean and longest diagonal line (s), diagonal-line
        entropy, laminarity, trapping time (s), and the diagonal recurrence profile.

    Examples
    --------
    >>> t = np.arange(500) / 10
    >>> res = crqa(np.sin(t), np.sin(t - 0.5), sampling_rate=10, dimension=2, delay_s=0.5)
    >>> round(res.recurrence_rate, 3), res.determinism > 0.9
    (0.149, True)
    """
    a1, a2, sr, engine, params = _prepare(
        x1, x2, sampling_rate, channel, dimension, delay_s, radius, metric, normalize,
        precision, theiler_s, min_diagonal_line, min_vertical_line)
    return _quantify(a1, a2, sr, engine, min_diagonal_line, min_vertical_line, params=params)


@dataclass
class CRQAWindows:
    """CRQA in sliding windows: one row per window in ``table`` (``onset_s`` first)."""

    table: pd.DataFrame
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Mean of each measure over windows, as ``crqa_window_mean_<measure>``."""
        values = self.table.drop(columns=["onset_s", "duration_s"])
        return {f"crqa_window_mean_{k.removeprefix('crqa_')}": float(v)
                for k, v in values.mean().items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per window with its onset, duration and measures."""
        return self.table.copy()


def crqa_windows(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    window_s: float = 30.0,
    step_s: float | None = None,
    channel: str | None = None,
    dimension: int = 1,
    delay_s: float | None = None,
    radius: float = 0.5,
    metric: str = "euclidean",
    normalize: str = "zscore",
    theiler_s: float = 0.0,
    min_diagonal_line: int = 2,
    min_vertical_line: int = 2,
    precision: str = "double",
) -> CRQAWindows:
    """CRQA over time, in windows of ``window_s`` moved by ``step_s``.

    The series are normalised once over the whole session, then each window is embedded
    and quantified on its own (parameters as in :func:`crqa`). ``window_s = 30`` and
    ``step_s = window_s / 2`` are choices.

    Examples
    --------
    >>> t = np.arange(600) / 10
    >>> res = crqa_windows(np.sin(t), np.sin(t - 0.3), 10, window_s=20, step_s=10)
    >>> res.to_frame()[["onset_s", "duration_s"]].to_numpy().tolist()
    [[0.0, 20.0], [10.0, 20.0], [20.0, 20.0], [30.0, 20.0], [40.0, 20.0]]
    """
    a1, a2, sr, engine, params = _prepare(
        x1, x2, sampling_rate, channel, dimension, delay_s, radius, metric, normalize,
        precision, theiler_s, min_diagonal_line, min_vertical_line)
    width, step = window_samples(window_s, step_s, sr, a1.size)
    if embed_length(width, engine["dimension"], engine["delay"]) < 2:
        raise ValueError(
            f"Invalid value for 'window_s': a window of {width} samples leaves fewer than 2 "
            "delay vectors with this embedding."
        )
    rows = []
    for start in range(0, a1.size - width + 1, step):
        part = slice(start, start + width)
        res = _quantify(a1[part], a2[part], sr, engine, min_diagonal_line, min_vertical_line)
        rows.append({"onset_s": start / sr, "duration_s": width / sr, **res.summary()})
    params.update(window_s=width / sr, step_s=step / sr)
    return CRQAWindows(pd.DataFrame(rows), params)


@dataclass
class RecurrenceProfile:
    """Diagonal recurrence profile: recurrence rate at each lag within ``max_lag_s``.

    ``leader_index`` is ``(RR+ - RR-) / (RR+ + RR-)`` with RR+ the mean rate over positive
    lags and RR- over negative lags: above 0 when partner 1 leads.
    """

    lag_s: np.ndarray
    recurrence_rate: np.ndarray
    peak_lag_s: float
    peak_recurrence_rate: float
    zero_lag_recurrence_rate: float
    leader_index: float
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Peak lag, peak and zero-lag rate, and the leader index (prefix ``drp_``)."""
        keys = ["peak_lag_s", "peak_recurrence_rate", "zero_lag_recurrence_rate",
                "leader_index"]
        return {f"drp_{k}": float(getattr(self, k)) for k in keys}

    def to_frame(self) -> pd.DataFrame:
        """One row per lag: ``lag_s``, ``recurrence_rate``."""
        return pd.DataFrame({"lag_s": self.lag_s, "recurrence_rate": self.recurrence_rate})


def recurrence_profile(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    max_lag_s: float = 5.0,
    channel: str | None = None,
    dimension: int = 1,
    delay_s: float | None = None,
    radius: float = 0.5,
    metric: str = "euclidean",
    normalize: str = "zscore",
    precision: str = "double",
) -> RecurrenceProfile:
    """Diagonal cross-recurrence profile (Richardson & Dale 2005, Cogn Sci 29:1045).

    Only the band of diagonals within ``max_lag_s`` is computed (cost ``N x band``),
    so long sessions are cheap. The peak is the highest rate, the one nearest zero lag
    on ties. ``max_lag_s = 5`` follows the +-5 s lags that rMEA's documentation calls
    common; the other parameters are as in :func:`crqa`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.convolve(rng.normal(size=3000), np.ones(10) / 10, mode="same")
    >>> res = recurrence_profile(x[20:], x[:-20], sampling_rate=10, max_lag_s=4)
    >>> float(res.peak_lag_s), bool(res.leader_index > 0)  # partner 1 is 2 s ahead
    (2.0, True)
    """
    a1, a2, sr, engine, params = _prepare(
        x1, x2, sampling_rate, channel, dimension, delay_s, radius, metric, normalize,
        precision, 0.0, 2, 2)
    max_lag = to_samples(max_lag_s, sr, "max_lag_s")
    counts = recurrence_counts(a1[:, None], a2[:, None], k_min=-max_lag, k_max=max_lag,
                               **engine)
    k = np.arange(counts.k_min, counts.k_max + 1)
    rate = counts.profile / (counts.n_vectors - np.abs(k))
    best = np.flatnonzero(rate == rate.max())
    peak = best[np.argmin(np.abs(k[best]))]
    pos, neg = rate[k > 0].mean(), rate[k < 0].mean()
    total = pos + neg
    for key in ("theiler_s", "min_diagonal_line", "min_vertical_line"):
        params.pop(key)
    params["max_lag_s"] = max_lag / sr
    return RecurrenceProfile(
        lag_s=k / sr,
        recurrence_rate=rate,
        peak_lag_s=k[peak] / sr,
        peak_recurrence_rate=float(rate[peak]),
        zero_lag_recurrence_rate=float(rate[k == 0][0]),
        leader_index=float((pos - neg) / total) if total > 0 else 0.0,
        params=params,
    )
