"""Validation and randomness helpers shared by every module.

Errors name the parameter, what was expected and what came, as in MNE's
``utils/check.py``. Never ``assert`` on user input.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import math
import os
from typing import Any

import numpy as np

from .vocabulary import check_option  # noqa: F401  (one validator of accepted values)

#: Which pip extra installs each optional dependency.
EXTRAS = {
    "mne": "brain",
    "mne_bids": "brain",
    "neurokit2": "physio",
    "dask": "cohort",
    "distributed": "cohort",
    "duckdb": "cohort",
    "formulaic": "cohort",
    "statsmodels": "cohort",
    "cv2": "video",
    "mediapipe": "video",
    "av": "video",
    "soundfile": "audio",
    "webrtcvad": "audio",
    "parselmouth": "audio",
    "ai_edge_litert": "video",
    "pylsl": "live",
    "pythonosc": "live",
}


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, or raise naming ``name`` if not finite and > 0.

    Examples
    --------
    >>> check_positive(25, "sampling_rate")
    25.0
    >>> check_positive(0, "sampling_rate")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for 'sampling_rate': expected a finite number > 0, got 0.
    """
    bound = ">= 0" if allow_zero else "> 0"
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"Invalid value for {name!r}: expected a finite number {bound}, got {value!r}."
        ) from None
    if not math.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        raise ValueError(
            f"Invalid value for {name!r}: expected a finite number {bound}, got {value!r}."
        )
    return out


def check_random_state(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Turn ``seed`` (None, an int or a Generator) into a ``numpy.random.Generator``.

    The same integer always gives the same stream.

    Examples
    --------
    >>> a = check_random_state(1).normal()
    >>> b = check_random_state(1).normal()
    >>> a == b
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise ValueError(
        f"Invalid value for 'seed': expected None, an int or a Generator, got {seed!r}."
    )


def spawn_seeds(seed: int | np.random.Generator | None, n: int) -> list[np.random.Generator]:
    """Return ``n`` independent child generators derived from ``seed``.

    Examples
    --------
    >>> [g.integers(100) for g in spawn_seeds(3, 2)] == [g.integers(100) for g in spawn_seeds(3, 2)]
    True
    """
    return list(check_random_state(seed).spawn(n))


def check_n_jobs(n_jobs: int | None) -> int:
    """Return the number of threads or processes that ``n_jobs`` asks for (joblib's convention).

    ``None`` is 1, ``-1`` every CPU this process may use, ``-2`` all but one, and so on.

    Examples
    --------
    >>> check_n_jobs(None), check_n_jobs(3)
    (1, 3)
    >>> check_n_jobs(-1) == available_cpus()
    True
    """
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(
            f"'n_jobs': expected a positive integer, -1 for every CPU or None, got {n_jobs!r}."
        )
    return int(n_jobs) if n_jobs > 0 else max(1, available_cpus() + 1 + int(n_jobs))


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def soft_import(module: str, purpose: str):
    """Import an optional dependency or raise an ImportError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        extra = EXTRAS.get(module.split(".")[0], "all")
        raise ImportError(
            f"{purpose} needs the optional dependency {module!r}. "
            f"Install it with: pip install 'attunement[{extra}]'"
        ) from err


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # inspects the loaded libraries once, not on every call


def one_blas_thread():
    """Many small matrix products run faster on one BLAS thread (threads only add
    synchronisation, badly so on a busy machine); threadpoolctl sets it where installed."""
    try:
        controller = _blas_controller()
    except ImportError:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")
