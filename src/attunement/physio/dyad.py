"""Both partners at once: a Session of raw physiology to a Session of heart rate or skin
conductance, with the accounts per partner."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from ..clock import resample
from ..session import Session
from .eda import Electrodermal, process_eda
from .process import Beats, process_ecg, process_ppg
from .rate import heart_rate

KINDS = {"ecg": process_ecg, "ppg": process_ppg, "eda": process_eda}


@dataclass
class PhysioResult:
    """Processed physiology of a dyad.

    Attributes
    ----------
    session : Session
        At the output rate: channel ``hr_bpm`` (ECG/PPG) or ``scl_us`` and ``phasic_us``
        (EDA); NaN where a partner has a gap or an implausible interval.
    partners : dict
        ``{partner: Beats or Electrodermal}``.
    kind : str
    """

    session: Session
    partners: dict = field(repr=False)
    kind: str

    def to_frame(self) -> pd.DataFrame:
        """Per partner: beats or SCRs, means, gaps and artefact counts (one row each)."""
        rows = [{"session": self.session.id, "partner": p, **r.summary()}
                for p, r in self.partners.items()]
        return pd.DataFrame(rows)

    def events_frame(self) -> pd.DataFrame:
        """Beats (``beat_s``, ``ibi_ms``, ``hr_bpm``, ``valid``) or SCRs of both partners,
        with a ``partner`` column."""
        parts = [(r.to_frame() if isinstance(r, Beats) else r.scr).assign(partner=p)
                 for p, r in self.partners.items()]
        return pd.concat(parts, ignore_index=True)

    def gaps_frame(self) -> pd.DataFrame:
        """Every gap of both partners: ``partner``, ``onset_s``, ``duration_s``, ``reason``."""
        return pd.concat([r.gaps.assign(partner=p) for p, r in self.partners.items()],
                         ignore_index=True)


def process_session(
    session: Session,
    kind: str,
    channel: str | None = None,
    sampling_rate: float = 4.0,
    **kwargs,
) -> PhysioResult:
    """Process both partners' raw ECG, PPG or EDA of a Session with NeuroKit2.

    Parameters
    ----------
    session : Session
        Raw signals on one clock (e.g. from :func:`attunement.read_movesense`).
    kind : {'ecg', 'ppg', 'eda'}
    channel : str, optional
        The raw channel; default the channel named ``kind``, else the only one.
    sampling_rate : float
        Rate of the output heart rate or skin conductance (Hz); 4 Hz is Feldman et al.'s
        (2011) minimum for heart-rate coupling.
    **kwargs
        Passed to :func:`process_ecg`, :func:`process_ppg` or :func:`process_eda`.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> e1 = nk.ecg_simulate(duration=40, sampling_rate=200, heart_rate=70, random_state=1)
    >>> e2 = nk.ecg_simulate(duration=40, sampling_rate=200, heart_rate=120, random_state=2)
    >>> res = process_session(Session.from_arrays(e1, e2, 200, channel="ecg"), "ecg")
    >>> res.session
    <Session 'session': partner_1 & partner_2, channels ['hr_bpm'], 160 samples at 4 Hz (40 s)>
    >>> res.to_frame()["mean_hr_bpm"].round().tolist()
    [70.0, 120.0]

    Other channels of the session (e.g. coded behaviour) are averaged to the output rate
    and kept, for :func:`physio_linkage`'s inside vs outside comparison.
    """
    check_option(kind, "kind", KINDS)
    sr = check_positive(sampling_rate, "sampling_rate")
    channel = _channel(session, kind, channel)
    start = float(session.times[0])
    stop = start + session.duration_s
    results, columns = {}, {}
    for p in session.partners:
        try:
            res = KINDS[kind](session.signal(p, channel), session.sampling_rate,
                              start_s=start, **kwargs)
        except ValueError as err:
            raise ValueError(f"session {session.id!r}, partner {p!r}: {err}") from None
        results[p] = res
        if isinstance(res, Beats):
            columns[(p, "hr_bpm")] = heart_rate(res, sr, start_s=start, stop_s=stop)[1]
        else:
            columns[(p, "scl_us")] = res.scl_us
            columns[(p, "phasic_us")] = res.phasic_us
    out = pd.DataFrame(columns)
    if isinstance(next(iter(results.values())), Electrodermal):
        out.index = session.times
        raw = Session(out, session.sampling_rate, partners=session.partners, id=session.id)
        out = resample(raw, sr).signals
    else:
        out.index = start + np.arange(len(out)) / sr
    others = [c for c in session.signals.columns if c[1] != channel and c[1] in session.channels]
    if others:  # behaviour and other channels come along, averaged to the output rate
        extra = resample(session.replace(signals=session.signals[others]), sr).signals
        out = pd.concat([out, extra.set_axis(out.index)], axis=1)
    meta = {**session.meta, "physio": {"kind": kind, "channel": channel,
                                       "raw_sampling_rate": session.sampling_rate}}
    new = Session(out, sr, partners=session.partners, id=session.id, phases=session.phases,
                  meta=meta)
    return PhysioResult(new, results, kind)


def _channel(session: Session, kind: str, channel: str | None) -> str:
    if channel is not None:
        return session.resolve_channel(channel)
    if kind in session.channels:
        return kind
    return session.resolve_channel(None)
