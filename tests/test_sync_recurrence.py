"""Cross-recurrence: parity with PyRQA 8.1.0, a dense first-principles count, memory, lags.

PyRQA references: tests/reference/pyrqa_mit.json (bundled MIT sample, made by
tests/reference/make_pyrqa.py) and ../shared/reference/multisyncpy_pyrqa (see peer_reference).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from peer_reference import (
    BUNDLED_SESSIONS,
    SAMPLING_RATE,
    bundled_reference,
    bundled_series,
    reference,
    series,
)

from attunement import Session
from attunement.sync import _rqa_engine
from attunement.sync._rqa_engine import recurrence_counts
from attunement.sync.recurrence import crqa, crqa_windows, recurrence_profile

PYRQA_CALL = dict(dimension=3, delay_s=5 / SAMPLING_RATE, radius=0.5, metric="euclidean",
                  theiler_s=0.0, normalize="none")


@pytest.fixture(autouse=True, params=_rqa_engine.ENGINES)
def engine(request, monkeypatch):
    """Every test runs with the compiled engine (numba) and the NumPy reference engine."""
    if request.param == "numba" and not _rqa_engine.AVAILABLE:
        pytest.skip("numba is not installed (extra 'fast')")
    monkeypatch.setattr(_rqa_engine, "ENGINE", request.param)
    return request.param


def dense_counts(x, y, m, tau, r, metric="euclidean", theiler=0):
    """The N x N matrix, lines counted diagonal by diagonal and row by row."""
    n = len(x) - (m - 1) * tau
    ex = np.stack([x[d * tau : d * tau + n] for d in range(m)], axis=1)
    ey = np.stack([y[d * tau : d * tau + n] for d in range(m)], axis=1)
    diff = ex[:, None, :] - ey[None, :, :]
    if metric == "euclidean":
        rec = (diff**2).sum(-1) < r * r
    elif metric == "maximum":
        rec = np.abs(diff).max(-1) < r
    else:
        rec = np.abs(diff).sum(-1) < r
    i, j = np.indices(rec.shape)
    rec[np.abs(j - i) < theiler] = False

    def runs(v):
        edges = np.flatnonzero(np.diff(np.concatenate([[0], v.astype(int), [0]])))
        return edges[1::2] - edges[0::2]

    diag = np.zeros(n + 2, int)
    vert = np.zeros(n + 2, int)
    for k in range(-n + 1, n):
        np.add.at(diag, runs(np.diagonal(rec, k)), 1)
    for row in rec:
        np.add.at(vert, runs(row), 1)
    profile = np.array([np.diagonal(rec, k).sum() for k in range(-n + 1, n)])
    return rec.sum(), diag, vert, profile


def assert_crqa_equals_pyrqa(z, ref):
    """crqa in single precision against one PyRQA 8.1.0 result (PYRQA_CALL)."""
    res = crqa(z[0], z[1], SAMPLING_RATE, precision="single", **PYRQA_CALL)
    # PyRQA reports the recurrence rate in float32; the counts themselves are equal
    assert res.recurrence_rate == pytest.approx(ref["recurrence_rate"], rel=1e-7)
    assert res.n_recurrent == round(ref["recurrence_rate"] * res.n_vectors**2)
    got = {
        "determinism": res.determinism,
        "average_diagonal_line": res.average_diagonal_line_s * SAMPLING_RATE,
        "longest_diagonal_line": res.longest_diagonal_line_s * SAMPLING_RATE,
        "laminarity": res.laminarity,
        "trapping_time": res.trapping_time_s * SAMPLING_RATE,
        "entropy_diagonal_lines": res.entropy_diagonal_lines,
    }
    for key, value in got.items():
        assert value == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("name", BUNDLED_SESSIONS)
def test_crqa_equals_pyrqa_on_bundled_sample(name):
    """Runs on a clone. Reference: PyRQA 8.1.0 Cross / FixedRadius(0.5) / Euclidean / m=3 /
    tau=5 / Theiler 0 on the MIT sample (tests/reference/pyrqa_mit.json, make_pyrqa.py)."""
    ref = bundled_reference("pyrqa")
    assert ref["peer"] == "PyRQA 8.1.0"
    assert_crqa_equals_pyrqa(bundled_series(name)[:, :3000], ref[name]["crqa_N3000"])


@pytest.mark.parametrize("name", ["rmea_200_01", "applied_MEA_video1000"])
def test_crqa_equals_pyrqa(shared_dir, name):
    """crqa equals PyRQA 8.1.0 (Cross / FixedRadius(0.5) / Euclidean / m=3 / tau=5 /
    Theiler 0) on a GPL session and an MIT one (../shared/reference/multisyncpy_pyrqa)."""
    z = series(shared_dir, name)[:, :3000]
    assert_crqa_equals_pyrqa(z, reference(shared_dir)[name]["crqa_N3000"])


def test_double_precision_stays_close_to_pyrqa():
    """Runs on a clone. In double precision only borderline cells can differ from PyRQA's
    float32 (tests/reference/pyrqa_mit.json)."""
    ref = bundled_reference("pyrqa")["MEA_video1000"]["crqa_N3000"]
    z = bundled_series("MEA_video1000")[:, :3000]
    res = crqa(z[0], z[1], SAMPLING_RATE, **PYRQA_CALL)
    assert res.recurrence_rate == pytest.approx(ref["recurrence_rate"], rel=1e-5)
    assert res.determinism == pytest.approx(ref["determinism"], rel=1e-6)


@pytest.mark.parametrize("trial", range(12))
def test_blocked_counts_equal_dense_matrix(trial, monkeypatch):
    """First principles: every count equals the full matrix's, for any block size and any
    number of bands of diagonals on threads of their own (1 to 4; the compiled engine: one
    band runs serially, more on threads)."""
    monkeypatch.setattr(_rqa_engine, "_bands", lambda n, n_diagonals: trial % 4 + 1)
    rng = np.random.default_rng(trial)
    n = int(rng.integers(8, 90))
    m, tau = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    x = np.cumsum(rng.normal(size=n)) * 0.3
    y = x + rng.normal(size=n) * 0.3
    metric = ["euclidean", "maximum", "taxicab"][trial % 3]
    r, theiler = float(rng.uniform(0.3, 1.5)), trial % 3
    counts = recurrence_counts(x[:, None], y[:, None], dimension=m, delay=tau, radius=r,
                               metric=metric, theiler=theiler,
                               block_cells=int(rng.integers(5, 300)))
    n_rec, diag, vert, profile = dense_counts(x, y, m, tau, r, metric, theiler)
    assert counts.n_recurrent == n_rec
    np.testing.assert_array_equal(counts.diagonal, diag)
    np.testing.assert_array_equal(counts.vertical, vert)
    np.testing.assert_array_equal(counts.profile, profile)


def test_band_equals_the_same_diagonals_of_the_full_matrix():
    rng = np.random.default_rng(5)
    x = np.cumsum(rng.normal(size=200)) * 0.2
    y = np.roll(x, 3) + rng.normal(size=200) * 0.2
    full = recurrence_counts(x[:, None], y[:, None], dimension=2, delay=2, radius=0.6)
    band = recurrence_counts(x[:, None], y[:, None], dimension=2, delay=2, radius=0.6,
                             k_min=-7, k_max=7, block_cells=64)
    centre = full.n_vectors - 1
    np.testing.assert_array_equal(band.profile, full.profile[centre - 7 : centre + 8])


def _peak_bytes(n):
    x, y = np.random.default_rng(1).normal(size=(2, n))
    tracemalloc.start()
    crqa(x, y, 10, dimension=2, delay_s=0.1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_grows_as_n_not_n_squared(engine):
    """Tripling N multiplies N x N by 9; the blocked NumPy pass's peak memory barely moves,
    the compiled engine's grows as N (line-length histograms and one row of counters; its
    own row buffers are numba allocations, which tracemalloc does not see, of 2N values)."""
    small, large = _peak_bytes(2000), _peak_bytes(6000)
    assert large < (1.5 if engine == "numpy" else 3.5) * small
    assert large < 0.1 * 6000**2 * 8  # a tenth of one float64 N x N matrix


def test_windows_equal_crqa_on_each_slice():
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.normal(size=300))
    y = x + rng.normal(size=300) * 2
    kw = dict(dimension=2, delay_s=0.2, radius=0.8, normalize="none")
    res = crqa_windows(x, y, 10, window_s=10, step_s=5, **kw)
    frame = res.to_frame()
    assert list(frame.onset_s) == [0.0, 5.0, 10.0, 15.0, 20.0]
    one = crqa(x[50:150], y[50:150], 10, **kw)
    assert frame.loc[1, "crqa_determinism"] == one.determinism
    assert res.summary()["crqa_window_mean_recurrence_rate"] == frame.crqa_recurrence_rate.mean()


def _coupled_pair(rng, n, lag, noise=0.5):
    """Partner 2 repeats partner 1's smooth movement ``lag`` samples later, plus noise."""
    base = np.convolve(rng.normal(size=n + lag + 50), np.ones(8) / 8, mode="same")[50:]
    x1 = base[lag:]
    x2 = base[:n] + noise * base.std() * rng.normal(size=n)
    return x1, x2


def test_profile_recovers_who_leads():
    rng = np.random.default_rng(3)
    x1, x2 = _coupled_pair(rng, 3000, lag=15)
    res = recurrence_profile(x1, x2, 10, max_lag_s=3, dimension=2, delay_s=0.3)
    assert res.peak_lag_s == pytest.approx(1.5)
    assert res.leader_index > 0
    flipped = recurrence_profile(x2, x1, 10, max_lag_s=3, dimension=2, delay_s=0.3)
    assert flipped.peak_lag_s == pytest.approx(-1.5)
    assert set(res.to_frame().columns) == {"lag_s", "recurrence_rate"}


def test_independent_pairs_show_no_leader_on_average():
    rng = np.random.default_rng(4)
    indices = []
    for _ in range(20):
        x1 = np.convolve(rng.normal(size=1500), np.ones(8) / 8, mode="same")
        x2 = np.convolve(rng.normal(size=1500), np.ones(8) / 8, mode="same")
        indices.append(recurrence_profile(x1, x2, 10, max_lag_s=2).leader_index)
    assert abs(np.mean(indices)) < 3 * np.std(indices) / np.sqrt(len(indices))


def test_determinism_higher_for_coupled_than_independent():
    rng = np.random.default_rng(6)
    x1, x2 = _coupled_pair(rng, 1500, lag=0, noise=0.3)
    y2 = np.convolve(rng.normal(size=1500), np.ones(8) / 8, mode="same")
    kw = dict(dimension=2, delay_s=0.3, radius=0.5)
    coupled, independent = crqa(x1, x2, 10, **kw), crqa(x1, y2, 10, **kw)
    centre = coupled.n_vectors - 1
    assert coupled.profile[centre] > 2 * independent.profile[centre]


def test_session_wrapper_and_tidy_outputs():
    rng = np.random.default_rng(7)
    x1, x2 = rng.normal(size=(2, 400))
    session = Session.from_arrays(x1, x2, sampling_rate=10)
    from_session = crqa(session, dimension=2, delay_s=0.2)
    from_arrays = crqa(x1, x2, 10, dimension=2, delay_s=0.2)
    assert from_session.summary() == from_arrays.summary()
    frame = from_session.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 1
    assert {"crqa_determinism", "crqa_trapping_time_s", "radius", "delay_s"} <= set(frame)
    assert len(from_session.profile_frame()) == 2 * from_session.n_vectors - 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(metric="cosine"), "'metric' parameter. Allowed values are 'euclidean'"),
        (dict(radius=0), "'radius': expected a finite number > 0, got 0"),
        (dict(dimension=0), "'dimension': expected an integer >= 1, got 0"),
        (dict(delay_s=0.01), "'delay_s': 0.01 s is 0.1 samples at 10 Hz"),
        (dict(precision="half"), "'precision' parameter"),
        (dict(dimension=200, delay_s=1.0), "fewer than 2 delay vectors"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    x = np.random.default_rng(0).normal(size=(2, 100))
    with pytest.raises(ValueError, match=match):
        crqa(x[0], x[1], 10, **kwargs)


def test_bad_inputs_are_named():
    x = np.arange(50.0)
    with pytest.raises(ValueError, match="'x1' has 50 samples and 'x2' has 49"):
        crqa(x, x[:-1], 10)
    with pytest.raises(ValueError, match="'x2': 1 missing or infinite value"):
        crqa(x, np.where(x == 3, np.nan, x), 10)
    with pytest.raises(ValueError, match="'sampling_rate': expected a number"):
        crqa(x, x)
    with pytest.raises(ValueError, match="'x1': the signal is constant"):
        crqa(np.ones(50), x, 10)
    with pytest.raises(ValueError, match="'window_s': 60 s is longer than the series"):
        crqa_windows(x, x[::-1], 1, window_s=60)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="'engine'.*allowed values.*got 'gpu'"):
        recurrence_counts(np.ones((20, 1)), np.ones((20, 1)), dimension=1, delay=1, radius=1,
                          engine="gpu")
