"""The windowed cross-correlation (WCC) engine: :func:`~attunement.lagcorr.lagged.wcc` and
its kernels (exact, running sums, compiled), and the peak picking on its lag profiles
(:mod:`~attunement.lagcorr.peaks`). The public names are re-exported from
:mod:`attunement`.

The engine's building blocks, :func:`make_layout` (the windows in samples) and
:func:`lagged_r` (r of many pairs of one length in every window at every lag), are public
for batched nulls (:mod:`attunement.stats.wcc_null`).
"""

from ._wcc_core import lagged_r
from ._wcc_sums import Layout, make_layout

__all__ = ["Layout", "lagged_r", "make_layout"]
