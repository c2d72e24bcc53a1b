"""Self-contained HTML reports from Jinja2 templates (autoescaped: user text is inert)."""

from __future__ import annotations

import math
import numbers
from datetime import UTC, datetime
from typing import Any

import jinja2
import numpy as np

from ..provenance import package_version, versions_text

_ENV: jinja2.Environment | None = None


def _fmt(value: Any, digits: int = 3) -> str:
    """Numbers rounded for reading; NaN and None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        if math.isnan(value):
            return "–"
        if value != 0 and abs(value) < 10**-digits:
            return f"{value:.{digits}g}" if abs(value) >= 1e-4 else f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.0f} %"


def environment() -> jinja2.Environment:
    """The package's Jinja2 environment, with autoescaping always on."""
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("attunement", "report/templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _ENV.filters["fmt"] = _fmt
        _ENV.filters["pct"] = _pct
    return _ENV


def render(template: str, **context: Any) -> str:
    """Render ``template`` with ``context`` plus the version and a UTC time stamp.

    Examples
    --------
    >>> html = render("index.html.j2", sessions=[], summary=__import__("pandas").DataFrame(
    ...     {"session": []}), links={}, comparison_fig=None)
    >>> "<title>Attunement: 0 sessions</title>" in html
    True
    """
    context.setdefault("version", package_version())
    context.setdefault("versions", versions_text())
    context.setdefault("generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return environment().get_template(template).render(**context)
