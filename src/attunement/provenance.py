"""The versions that computed a result, for the parameter record of every output.

A number can be reproduced only with the code that made it: every report, summary table,
Parquet file and store records the version of attunement and of the packages it computed
with. Versions are read from the installed distributions' metadata (nothing is imported).
"""

from __future__ import annotations

import platform
from functools import cache
from importlib.metadata import PackageNotFoundError, version

#: Distributions whose version is recorded when installed: the core stack first, then the
#: extras that compute (signal processing, models, video, stores).
PACKAGES = (
    "attunement",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "mne",
    "neurokit2",
    "statsmodels",
    "formulaic",
    "duckdb",
    "dask",
    "numba",
    "opencv-contrib-python",
    "mediapipe",
)


def package_version() -> str:
    """This package's installed version (``0+unknown`` in a source tree never installed).

    Examples
    --------
    >>> isinstance(package_version(), str)
    True
    """
    try:
        return version("attunement")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


@cache
def versions() -> dict[str, str]:
    """Python's and each installed package's version, ``{name: version}``.

    Packages of :data:`PACKAGES` that are not installed are left out.

    Examples
    --------
    >>> v = versions()
    >>> list(v)[:3]
    ['python', 'attunement', 'numpy']
    >>> all(isinstance(x, str) for x in v.values())
    True
    """
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            if name == "attunement":  # a source tree that is not installed
                out[name] = "0+unknown"
    return out


def versions_text() -> str:
    """The versions as one line, ``"python 3.11.7; attunement 0.1.0; numpy 2.4.6; ..."``.

    Examples
    --------
    >>> versions_text().split("; ")[1].startswith("attunement ")
    True
    """
    return "; ".join(f"{name} {v}" for name, v in versions().items())


def version_rows() -> dict[str, str]:
    """The versions as parameter-record entries, ``{"version.numpy": "2.4.6", ...}``.

    Examples
    --------
    >>> "version.attunement" in version_rows()
    True
    """
    return {f"version.{name}": v for name, v in versions().items()}
