"""Inter-brain synchrony speed: attunement against HyPyP 0.6.2, mode by mode, same process.

Run by hand: ``python benchmarks/bench_interbrain.py [--repeat 5] [--hypyp-repeat 3]``.
HyPyP is timed best of 3 as ours is best of several: its first call of a mode can run twice
as long (ccorr 0.65 s once, 0.31 s best of 3), so a single call flatters the ratios.

Input: HyPyP's own test EEG (``../shared/data/eeg_hyperscanning_hypyp``: 2 participants x 33
epochs x 31 channels x 501 samples at 500 Hz), five adult bands; without ``../shared``,
random data of the same shape. For each mode, HyPyP's ``compute_sync(complex_signal, mode,
epochs_average=True)`` (NumPy backend) is timed against ``interbrain_matrix`` plus the epoch
average, both from the same analytic signals; the analytic signals themselves
(``compute_freq_bands`` against ``band_analytic``) are timed on their own line. Times are the
best of the repeats (process time would hide BLAS threads; wall time is shown). Ours is timed
on one thread (``n_jobs=1``, the default, the like-for-like comparison with HyPyP's NumPy
backend) and, in its own column, with ``--n-jobs`` threads (default: every CPU).

HyPyP is installed only in the benchmark's environment (never a project dependency):
``python3 -m venv /tmp/hypyp-venv && /tmp/hypyp-venv/bin/pip install hypyp==0.6.2`` and
``pip install -e .`` into it. Without HyPyP only our times are printed.
Named baseline (HyPyP on this machine kind, ``../shared/reference/hypyp/README.md``):
compute_freq_bands 2.3 s; plv 1.4 s; ccorr 0.55 s; accorr 7.6 s; coh 1.3 s; imaginary_coh
1.3 s; pli 19.9 s; wpli 8.9 s; envelope_corr 0.21 s; pow_corr 0.22 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
import warnings
from pathlib import Path

import numpy as np

from attunement._check import check_n_jobs
from attunement.brain.eeg import nanmean
from attunement.brain.measures import MODES, interbrain_matrix
from attunement.brain.signal import EEG_BANDS, band_analytic

SHARED = Path(__file__).resolve().parents[2] / "shared"
RATE = 500.0


def load() -> tuple[np.ndarray, str]:
    folder = SHARED / "data/eeg_hyperscanning_hypyp"
    if (folder / "preproc_S1.fif").exists():
        import mne

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = [mne.read_epochs(folder / f"preproc_S{k}.fif", verbose="error").get_data()
                    for k in (1, 2)]
        return np.array(data), "HyPyP test EEG (33 epochs x 31 channels x 501 samples, 500 Hz)"
    rng = np.random.default_rng(0)
    return rng.normal(size=(2, 33, 31, 501)) * 1e-5, "random data of the same shape"


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repeats of our calls")
    parser.add_argument("--hypyp-repeat", type=int, default=3, help="repeats of HyPyP's calls")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--n-jobs", type=int, default=-1, help="threads for the second column")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    modes = args.modes.split(",")
    data, label = load()
    try:
        from hypyp import analyses
    except ImportError:
        analyses = None
    print(f"input: {label}; bands: {', '.join(EEG_BANDS)}")
    print(f"HyPyP: {'0.6.2 (hypyp.analyses)' if analyses else 'not installed: our times only'}")
    rows = []
    ours_t, z = best_of(lambda: band_analytic(data, RATE, EEG_BANDS), args.repeat)
    z1, z2 = z[:, 0], z[:, 1]
    row = {"step": "analytic signals", "ours_s": ours_t}
    if analyses:
        bands = {k: list(v) for k, v in EEG_BANDS.items()}
        row["hypyp_s"], signal = best_of(lambda: analyses.compute_freq_bands(data, RATE, bands),
                                         args.hypyp_repeat)
        row["max_rel_diff"] = float(np.max(np.abs(np.moveaxis(signal, 3, 0) - z)) /
                                    np.max(np.abs(z)))
    rows.append(row)
    n_threads = check_n_jobs(args.n_jobs)
    for mode in modes:
        ours_t, ours = best_of(lambda m=mode: nanmean(interbrain_matrix(z1, z2, m)[0], axis=1),
                               args.repeat)
        threads_t, threaded = best_of(
            lambda m=mode: nanmean(interbrain_matrix(z1, z2, m, n_jobs=n_threads)[0], axis=1),
            args.repeat)
        assert np.array_equal(ours, threaded, equal_nan=True)
        row = {"step": mode, "ours_s": ours_t, "threads_s": threads_t, "n_threads": n_threads}
        if analyses:
            with contextlib.redirect_stderr(io.StringIO()):  # accorr's progress bar
                row["hypyp_s"], theirs = best_of(
                    lambda m=mode: analyses.compute_sync(signal, m, epochs_average=True),
                    args.hypyp_repeat)
            theirs = theirs[:, :31, 31:]
            row["max_rel_diff"] = float(np.nanmax(np.abs(ours - theirs) / np.abs(theirs)))
        rows.append(row)
    threads = f"{n_threads} thr (s)"
    print(f"{'step':<18}{'ours (s)':>10}{threads:>12}{'HyPyP (s)':>11}{'ratio':>8}"
          f"{'ratio thr':>10}{'max rel diff':>14}")
    for r in rows:
        line = f"{r['step']:<18}{r['ours_s']:>10.4f}"
        line += f"{r['threads_s']:>12.4f}" if "threads_s" in r else " " * 12
        if "hypyp_s" in r:
            r["ratio"] = r["hypyp_s"] / r["ours_s"]
            line += f"{r['hypyp_s']:>11.3f}{r['ratio']:>7.1f}x"
            if "threads_s" in r:
                r["ratio_threads"] = r["hypyp_s"] / r["threads_s"]
                line += f"{r['ratio_threads']:>9.1f}x"
            else:
                line += " " * 10
            line += f"{r['max_rel_diff']:>14.1e}"
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"input": label, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
