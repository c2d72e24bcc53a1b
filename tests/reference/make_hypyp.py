"""Make ``hypyp_simulated.npz``: HyPyP 0.6.2 inter-brain synchrony on simulated EEG epochs.

Run in a throwaway environment outside the project (HyPyP is not a dependency)::

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install hypyp==0.6.2
    /tmp/peers/bin/python tests/reference/make_hypyp.py

Input: two simulated participants, 6 epochs x 5 channels x 501 samples at 500 Hz, drawn
here with ``numpy.random.default_rng(0)`` and saved in the file (keys ``p1``, ``p2``), so the
test does not depend on NumPy's random streams. Each channel mixes a 10 Hz and a 21 Hz
source shared by the dyad (participant 2 lagging by a channel-specific phase) with
independent 1/f-like noise. The call (HyPyP 0.6.2, BSD-3-Clause, ``hypyp.analyses``)::

    data = np.array([p1, p2])                                  # (2, 6, 5, 501)
    complex_signal = analyses.compute_freq_bands(data, 500.0, BANDS)
    con = analyses.compute_sync(complex_signal, mode, epochs_average=True)

for every mode in ``MODES``; the file keeps the inter-brain block ``con[:, :5, 5:]``
(bands x channels of participant 1 x channels of participant 2) under the mode's name.
"""

from importlib.metadata import version
from pathlib import Path

import numpy as np
from hypyp import analyses

HERE = Path(__file__).resolve().parent
RATE = 500.0
N_EPOCHS, N_CHANNELS, N_TIMES = 6, 5, 501
BANDS = {"theta": [4, 7], "alpha_low": [7.5, 11], "alpha_high": [11.5, 13],
         "beta": [13.5, 29.5], "gamma": [30, 48]}
MODES = ("plv", "ccorr", "accorr", "coh", "imaginary_coh", "pli", "wpli", "envelope_corr",
         "pow_corr")


def simulate(seed=0):
    """Two participants' epochs, shape (N_EPOCHS, N_CHANNELS, N_TIMES) each, in volts."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_TIMES) / RATE
    lag = rng.uniform(0, np.pi, size=N_CHANNELS)  # participant 2's phase lag per channel
    freqs = np.fft.rfftfreq(N_TIMES, 1 / RATE)
    shaping = 1 / np.maximum(freqs, 1.0)  # 1/f amplitude

    def noise():
        spec = rng.normal(size=freqs.size) + 1j * rng.normal(size=freqs.size)
        return np.fft.irfft(spec * shaping, n=N_TIMES)

    p1 = np.empty((N_EPOCHS, N_CHANNELS, N_TIMES))
    p2 = np.empty_like(p1)
    for e in range(N_EPOCHS):
        phase = rng.uniform(0, 2 * np.pi, size=2)
        for c in range(N_CHANNELS):
            gain = rng.uniform(0.5, 1.5, size=2)
            a = 2 * np.pi * 10 * t + phase[0]
            b = 2 * np.pi * 21 * t + phase[1]
            p1[e, c] = gain[0] * np.sin(a) + gain[1] * np.sin(b) + 4 * noise()
            p2[e, c] = gain[1] * np.sin(a - lag[c]) + gain[0] * np.sin(b - lag[c]) + 4 * noise()
    return p1 * 1e-5, p2 * 1e-5


def main():
    assert version("hypyp") == "0.6.2", version("hypyp")
    p1, p2 = simulate()
    complex_signal = analyses.compute_freq_bands(np.array([p1, p2]), RATE, BANDS)
    out = {"p1": p1, "p2": p2, "sampling_rate": RATE, "bands": np.array(list(BANDS)),
           "band_edges": np.array(list(BANDS.values()), float)}
    for mode in MODES:
        con = analyses.compute_sync(complex_signal, mode, epochs_average=True)
        out[mode] = con[:, :N_CHANNELS, N_CHANNELS:]
    np.savez_compressed(HERE / "hypyp_simulated.npz", **out)


if __name__ == "__main__":
    main()
