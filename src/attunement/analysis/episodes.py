"""Why a session yields no episodes, before running the detector.

``attune episodes`` writes such a session as an empty summary row with its reason, as
``summary.csv`` of ``attune sync`` and ``attune analyze`` does for a channel.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..episodes.paradigms import DEFAULT_PARADIGM, resolve
from ..io.quality import channel_reasons
from ..lagcorr.window import samples
from ..session import Session


def episode_reasons(session: Session, channel: str | Sequence[str] | None = None,
                    paradigm: str = DEFAULT_PARADIGM, window_s: float | None = None,
                    max_lag_s: float | None = None) -> list[str]:
    """Why :func:`~attunement.episodes.detect_episodes` finds nothing here: a partner's
    channel all missing or constant, or too few samples for one window with its lags after
    pre-whitening (the paradigm's lengths, ``window_s`` and ``max_lag_s`` overriding).

    Returns
    -------
    list of str
        Empty when the session can be segmented.

    Examples
    --------
    >>> from attunement import simulate_dyad
    >>> s = simulate_dyad(duration_s=2, sampling_rate=10, seed=0).session
    >>> episode_reasons(s, "movement")  # 4 s + 2 s + 1 s at 10 Hz: 70 samples
    ['too few samples (20 at 10 Hz; a 4 s window with lags of 2 s ... needs 70)']
    """
    if channel is None:
        names = session.channels
    else:
        wanted = [channel] if isinstance(channel, str) else list(channel)
        names = [session.resolve_channel(c) for c in wanted]
    reasons = [r for name in names for r in channel_reasons(session, name)]
    p = resolve(paradigm, window_s=window_s, max_lag_s=max_lag_s)
    rate = session.sampling_rate
    need = sum(samples(p[k] * rate) for k in ("window_s", "max_lag_s", "prewhiten_s"))
    if session.n_samples < need:
        reasons.append(
            f"too few samples ({session.n_samples} at {rate:g} Hz; a {p['window_s']:g} s "
            f"window with lags of {p['max_lag_s']:g} s after {p['prewhiten_s']:g} s of "
            f"pre-whitening needs {need})"
        )
    return reasons
