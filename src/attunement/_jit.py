"""Optional numba compilation shared by the compiled kernels (the ``fast`` extra):
the WCC engine (:mod:`attunement.lagcorr`) and cross-recurrence (:mod:`attunement.sync`).

Kernels mark their functions with :func:`jit`; :func:`ensure_compiled` replaces every
marked function by its numba dispatcher at the first call, so that importing attunement
never imports numba. Without numba (:data:`AVAILABLE` False) the callers take their
NumPy paths.
"""

from __future__ import annotations

import importlib.util

#: True when the compiled kernel can run (numba installed: the extra 'fast').
AVAILABLE = importlib.util.find_spec("numba") is not None
_PENDING: list[tuple[dict, str, object, bool]] = []


def jit(fastmath=False, parallel: bool = False):
    """Mark a function for numba (``parallel``: its ``prange`` loops run on numba's
    threads); :func:`ensure_compiled` wraps every marked function on first use, so that
    importing attunement never imports numba (a second or so)."""
    def mark(func):
        _PENDING.append((func.__globals__, func.__name__, fastmath, parallel))
        return func
    return mark


def ensure_compiled() -> None:
    """Replace each marked function by its numba dispatcher (compiled, or loaded from the
    on-disk cache, at its first call)."""
    if not _PENDING:
        return
    import numba

    while _PENDING:
        namespace, name, fastmath, parallel = _PENDING.pop()
        flags = fastmath if isinstance(fastmath, bool) else set(fastmath)
        namespace[name] = numba.njit(cache=True, nogil=True, error_model="numpy",
                                     fastmath=flags, parallel=parallel)(namespace[name])
