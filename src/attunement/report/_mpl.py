"""Lazy matplotlib set-up shared by the figure modules (headless, no show())."""

from __future__ import annotations

import base64
import io


def pyplot():
    """Import matplotlib.pyplot with the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax=None, figsize=(9.0, 3.0)):
    """Return ``ax`` or a fresh Axes on a new Figure."""
    if ax is not None:
        return ax
    plt = pyplot()
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def to_data_uri(fig, dpi: int = 110) -> str:
    """Render a Figure as an inline ``data:image/png;base64`` URI and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


PARTNER_COLOURS = ("#1b6ca8", "#d1495b")
PHASE_COLOURS = ("#f2f2f2", "#e3ecf7", "#fbeee6", "#eaf5ea", "#f5eaf5")
