"""Many dyads at once: inter-brain results per dyad, one summary table, the group test.

``attune brain`` runs these: :func:`interbrain_dyads` and :func:`interbrain_wtc_dyads`
compute each dyad (a step line per dyad to the ``attunement.progress`` logger),
:func:`interbrain_summary` and :func:`interbrain_wtc_summary` make one row per dyad and
mode (and band), :func:`interbrain_group_test` tests them against surrogates and
:func:`join_group_test` adds its p-values to the summary.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._log import logger
from .eeg import InterBrainResult, interbrain
from .fnirs import InterBrainWTC, InterBrainWTCTest, interbrain_wtc, interbrain_wtc_test
from .stats import interbrain_test

#: Step lines (each dyad, the surrogates) go here, at INFO.
steps = logger.getChild("progress")


def interbrain_dyads(dyads: Sequence[tuple], names: Sequence[str], modes="plv", bands=None,
                     **kwargs) -> dict[str, InterBrainResult]:
    """:func:`~attunement.interbrain` on each dyad, by name.

    Parameters
    ----------
    dyads : sequence of (participant 1, participant 2)
        MNE objects or arrays, as :func:`~attunement.interbrain` takes them.
    names : sequence of str
        One name per dyad (the ``session`` column of the summary).
    modes, bands, **kwargs
        Passed to :func:`~attunement.interbrain`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(4, 2, 500))
    >>> res = interbrain_dyads([(x, x[::-1])], ["d1"], "plv", "alpha_low", sampling_rate=250)
    >>> interbrain_summary(res)[["session", "mode", "band"]].values.tolist()
    [['d1', 'plv', 'alpha_low']]
    """
    _check_names(dyads, names)
    results = {}
    for name, (p1, p2) in zip(names, dyads, strict=True):
        steps.info("%s: interbrain %s", name, _text(modes))
        results[name] = interbrain(p1, p2, modes, bands, **kwargs)
    return results


def interbrain_wtc_dyads(dyads: Sequence[tuple], names: Sequence[str],
                         **kwargs) -> dict[str, InterBrainWTC]:
    """:func:`~attunement.interbrain_wtc` on each dyad, by name (``kwargs`` passed on)."""
    _check_names(dyads, names)
    results = {}
    for name, (p1, p2) in zip(names, dyads, strict=True):
        steps.info("%s: wavelet coherence", name)
        results[name] = interbrain_wtc(p1, p2, **kwargs)
    return results


def interbrain_summary(results: dict[str, InterBrainResult], **params) -> pd.DataFrame:
    """One row per dyad, mode and band: the mean over channel pairs (``value``), the
    number of epochs, their length, the sampling rate and ``params`` as columns."""
    rows = []
    for name, res in results.items():
        table = res.to_frame()
        mean = table.groupby(["mode", "band"], sort=False)["value"].mean().reset_index()
        rows.append(mean.assign(session=name, n_epochs=res.n_epochs, epoch_s=res.epoch_s,
                                sampling_rate_hz=res.sampling_rate, **params))
    summary = pd.concat(rows, ignore_index=True)
    return summary[["session"] + [c for c in summary.columns if c != "session"]]


def interbrain_wtc_summary(results: dict[str, InterBrainWTC], **params) -> pd.DataFrame:
    """One row per dyad: mean coherence over channel pairs (``value``, bad pairs
    included as the table has them), usable and bad pairs, the band of periods, the
    sampling rate and ``params`` as columns."""
    rows = []
    for name, res in results.items():
        table = res.to_frame()
        low, high = res.band_s
        rows.append({"session": name, "mode": "wtc", "value": float(table["coherence"].mean()),
                     "n_pairs": int((~table["bad"]).sum()), "n_bad_pairs": int(table["bad"].sum()),
                     "period_min_s": low, "period_max_s": high, **params,
                     "sampling_rate_hz": res.sampling_rate})
    return pd.DataFrame(rows)


def interbrain_group_test(dyads: Sequence[tuple], modes="plv", bands=None, *,
                          null: str | None = None, wtc: bool = False, **kwargs):
    """The surrogate test of all dyads: :func:`~attunement.interbrain_test`, or
    :func:`~attunement.interbrain_wtc_test` with ``wtc=True``.

    ``null`` defaults to pseudo-dyads with several dyads, else epoch shuffles (EEG) or
    circular shifts (wavelet coherence).
    """
    one = "shift" if wtc else "epochs"
    null = null or ("pseudo-dyads" if len(dyads) > 1 else one)
    n = kwargs.get("n_surrogates", 0)
    steps.info("%d dyad(s): %s against %d surrogates (%s)", len(dyads),
               "wtc" if wtc else _text(modes), n, null)
    if wtc:
        return interbrain_wtc_test(dyads, null=null, **kwargs)
    return interbrain_test(dyads, modes, bands, null=null, **kwargs)


def join_group_test(summary: pd.DataFrame, test, names: Sequence[str], seed: int) -> pd.DataFrame:
    """The summary with the group test: with several dyads its rows (session
    ``a+b+...``) are added; with one dyad its columns are joined to that dyad's rows."""
    wtc = isinstance(test, InterBrainWTCTest)
    group = test.summary().assign(session="+".join(names), seed=seed)
    if len(names) > 1:
        return pd.concat([summary, group], ignore_index=True)
    shared = ["value", "period_min_s", "period_max_s", "n_pairs"] if wtc else ["value"]
    keys = ["session", "mode"] if wtc else ["session", "mode", "band"]
    return summary.merge(group.drop(columns=shared), on=keys)


def _check_names(dyads, names) -> None:
    if len(dyads) != len(names):
        raise ValueError(f"names: expected one per dyad ({len(dyads)}), got {len(names)}.")


def _text(modes) -> str:
    return modes if isinstance(modes, str) else ",".join(modes)
