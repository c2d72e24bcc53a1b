"""Peak picking: the surrogate rule (99 circular shifts per session) against the baseline
Boker et al. (2002) rule on the same WCC, and against the WCC itself, side by side.

One bundled MIT MEA session (12.5 min at 25 Hz), ``attune analyze`` defaults: windows of
30 s, lags +-5 s, step 1 s. Read the ratios, not the seconds (the machine is shared). Also
the surrogate rule's null alone through the shift kernel (``attunement.lagcorr.shifts``)
against shifted copies through the batched WCC, the same shifts, cpu seconds (all threads),
best of two interleaved runs, nulls checked equal; and the null on the pair with gaps (20
runs of 0.2-3 s missing per series, seed 0, as dropped video frames), which the shift
kernel does not take: the batched WCC with the compiled masked path (engine "numba") against
the NumPy one, one run each, cpu seconds, nulls checked equal (1e-9). Appended to
``results/peaks.csv``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from _history import append

import attunement as att
from attunement.lagcorr import _wcc_core, peaks

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "applied_project_mea"


def best_of(func, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    session = att.read_mea(DATA / "MEA_video101.txt", 25)
    x, y = session.pair()
    params = dict(window_s=30, max_lag_s=5, step_s=1, fisher_z=True)
    res = att.wcc(x, y, 25, **params)
    t_wcc = best_of(lambda: att.wcc(x, y, 25, **params))
    t_boker = best_of(lambda: att.pick_peaks(res, method="boker2002"))
    t_surr = best_of(lambda: att.pick_peaks(res, x, y, 25), repeat=1)
    print(f"{res.n_windows} windows x {len(res.lags_s)} lags")
    print(f"wcc {t_wcc:.2f} s; boker2002 {t_boker:.2f} s; surrogate (99) {t_surr:.2f} s")
    print(f"surrogate / boker2002 = {t_surr / t_boker:.0f}x; surrogate / wcc = "
          f"{t_surr / t_wcc:.0f}x (99 surrogate WCCs + loess)")
    null_paths(res, x, y)
    null_with_gaps(x, y, params)


def null_paths(res, x, y) -> None:
    """The 99-shift null through the shift kernel and through the batched WCC."""
    smoothing = (0.25, 2, np.inf)
    kernel = peaks.shifts_supported

    def run(together):
        peaks.shifts_supported = kernel if together else (lambda *_: False)
        try:
            return peaks._window_null(res, x, y, 25, None, 99, 0, smoothing)
        finally:
            peaks.shifts_supported = kernel

    best, out = {True: np.inf, False: np.inf}, {}
    for rep in range(2):
        for together in (True, False) if rep == 0 else (False, True):
            c = time.process_time()
            out[together] = run(together)
            best[together] = min(best[together], time.process_time() - c)
    with np.errstate(invalid="ignore"):  # -inf (no local maximum) in both
        diff = np.nanmax(np.abs(out[True] - out[False]))
    print(f"null of 99 shifts: shift kernel {best[True]:.2f} s cpu, batched WCC "
          f"{best[False]:.2f} s cpu: {best[False] / best[True]:.2f}x (max |difference| "
          f"{diff:.1e}; both include the loess of every surrogate window)")
    append("peaks", [("null_99_shifts", "shift_kernel_cpu_s", best[True], "s"),
                     ("null_99_shifts", "batched_cpu_s", best[False], "s"),
                     ("null_99_shifts", "ratio_batched_over_kernel_cpu",
                      best[False] / best[True], "x")])


def null_with_gaps(x, y, params) -> None:
    """The 99-shift null on the pair with gaps: masked path compiled vs NumPy."""
    rng = np.random.default_rng(0)
    x, y = (np.array(a, dtype=float) for a in (x, y))
    for a in (x, y):
        for start, length in zip(rng.integers(0, len(a) - 75, 20), rng.integers(5, 76, 20)):
            a[start : start + length] = np.nan
    res = att.wcc(x, y, 25, **params)
    cpu, out = {}, {}
    for engine in ("numba", "numpy"):
        _wcc_core.ENGINE = engine
        c = time.process_time()
        out[engine] = peaks._window_null(res, x, y, 25, None, 99, 0, (0.25, 2, np.inf))
        cpu[engine] = time.process_time() - c
    _wcc_core.ENGINE = _wcc_core.ENGINES[0]
    both = np.isfinite(out["numba"]) & np.isfinite(out["numpy"])
    np.testing.assert_array_equal(np.isfinite(out["numba"]), np.isfinite(out["numpy"]))
    np.testing.assert_allclose(out["numba"][both], out["numpy"][both], rtol=0, atol=1e-9)
    ratio = cpu["numpy"] / cpu["numba"]
    print(f"null of 99 shifts, pair with gaps: numba {cpu['numba']:.2f} s cpu, NumPy "
          f"{cpu['numpy']:.2f} s cpu: {ratio:.1f}x")
    append("peaks", [("null_99_shifts_gaps", "numba_cpu_s", cpu["numba"], "s"),
                     ("null_99_shifts_gaps", "numpy_cpu_s", cpu["numpy"], "s"),
                     ("null_99_shifts_gaps", "ratio_numpy_over_numba_cpu", ratio, "x")])


if __name__ == "__main__":
    main()
