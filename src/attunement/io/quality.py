"""What a session's values can support: a partner's channel with nothing to correlate.

The check returns the words that go into a table's ``reason`` column, so no row of a
summary is empty without a word. The window checks of the WCC are in
:mod:`attunement.lagcorr.window`.
"""

from __future__ import annotations

import numpy as np

from ..session import Session


def channel_reasons(session: Session, channel: str) -> list[str]:
    """Why a shared channel cannot be measured: a partner's series all missing or constant.

    Examples
    --------
    >>> s = Session.from_arrays([1, 1, 1], [np.nan, np.nan, np.nan], sampling_rate=1,
    ...                         partners=("mother", "infant"), channel="smile")
    >>> channel_reasons(s, "smile")
    ['mother smile constant (every value 1)', 'infant smile all missing']
    """
    reasons = []
    for partner in session.partners:
        x = session.signal(partner, channel)
        present = x[~np.isnan(x)]
        if present.size == 0:
            reasons.append(f"{partner} {channel} all missing")
        elif np.all(present == present[0]):
            reasons.append(f"{partner} {channel} constant (every value {present[0]:g})")
    return reasons
