"""The windowed cross-correlation (WCC) engine: :func:`~attunement.lagcorr.lagged.wcc` and
its kernels (exact, running sums, compiled), and the peak picking on its lag profiles
(:mod:`~attunement.lagcorr.peaks`). The public names are re-exported from
:mod:`attunement`."""
