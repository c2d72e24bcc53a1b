"""Real dyads against pseudo-dyads, per channel, across the analysed sessions."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..stats import compare_real_pseudo
from .results import SessionAnalysis


def group_tables(analyses: Sequence[SessionAnalysis]) -> dict[str, pd.DataFrame]:
    """``group`` (one row per channel: real and pseudo-dyad means, Cohen's d) and
    ``pseudo_dyads`` (one row per pair) of the WCC grand average (Ramseyer & Tschacher
    2011), for channels analysed in at least two sessions; empty when the WCC or the
    surrogates are off. The sessions are the analysed (preprocessed) ones, the settings
    those of the first analysis.
    """
    if not analyses:
        return {}
    config = analyses[0].config
    nul = config.surrogates
    if "wcc" not in config.measures or nul.n == 0 or len(analyses) < 2:
        return {}
    by_channel: dict[str, list] = {}
    for analysis in analyses:
        for ch in analysis.channels:
            by_channel.setdefault(ch.channel, []).append(analysis.session)
    groups, values = [], []
    for channel, sessions in by_channel.items():
        if len(sessions) < 2:
            continue
        comp = compare_real_pseudo(sessions, channel=channel, n_pseudo=nul.n,
                                   keep_roles=nul.keep_roles, seed=nul.seed,
                                   **config.sync.wcc_params())
        groups.append({"channel": channel, **comp.summary(), "seed": nul.seed})
        values.append(comp.to_frame().assign(channel=channel))
    if not groups:
        return {}
    return {"group": pd.DataFrame(groups),
            "pseudo_dyads": pd.concat(values, ignore_index=True)}
