"""The ``Session``: one recording of two partners on a common clock.

Every reader returns a Session and every measure accepts one. The signals are a
table indexed by time in seconds (``time_s``) with one column per
``(partner, channel)``. Missing values (NaN) are allowed; they are counted and
reported (:meth:`Session.missing_report`), never silently filled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._check import check_positive
from .._log import logger
from .phases import validate_phases


class Session:
    """Two partners' signals on a common clock.

    Parameters
    ----------
    signals : DataFrame
        Columns are a two-level MultiIndex ``(partner, channel)``; the index is time
        in seconds (a RangeIndex is read as sample numbers from 0). Values are
        converted to float; NaN marks missing samples.
    sampling_rate : float
        Samples per second (Hz). Never defaulted: 25 Hz video is not 1000 Hz EEG.
    partners : pair of str, optional
        The two role names, in order (partner 1, partner 2). Defaults to the order
        in which they appear in the columns.
    id : str
        Session identifier (e.g. the file name without extension).
    phases : DataFrame, optional
        Phases of the procedure: ``onset_s``, ``duration_s``, ``label``.
    meta : mapping, optional
        Free-form metadata (provenance, parameters of a simulation, ...).

    Examples
    --------
    >>> import numpy as np
    >>> s = Session.from_arrays(np.arange(5.0), np.ones(5), sampling_rate=2,
    ...                         partners=("caregiver", "infant"), channel="smile")
    >>> s
    <Session 'session': caregiver & infant, channels ['smile'], 5 samples at 2 Hz (2.5 s)>
    >>> s.pair("smile")[0]
    array([0., 1., 2., 3., 4.])
    """

    def __init__(
        self,
        signals: pd.DataFrame,
        sampling_rate: float,
        partners: Sequence[str] | None = None,
        id: str = "session",
        phases: pd.DataFrame | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        self.sampling_rate = check_positive(sampling_rate, "sampling_rate")
        self.id = str(id)
        self.signals = self._validate_signals(signals, partners)
        self.partners = tuple(self.signals.columns.get_level_values(0).unique())
        self.phases = validate_phases(phases, f"session {self.id!r} phases")
        self.meta = dict(meta or {})

    # ----------------------------------------------------------------- build
    def _validate_signals(self, signals, partners) -> pd.DataFrame:
        if not isinstance(signals, pd.DataFrame):
            raise ValueError(
                f"session {self.id!r}: signals must be a pandas DataFrame, got {type(signals)}."
            )
        if not isinstance(signals.columns, pd.MultiIndex) or signals.columns.nlevels != 2:
            raise ValueError(
                f"session {self.id!r}: signal columns must be a 2-level MultiIndex "
                "(partner, channel)."
            )
        found = list(dict.fromkeys(signals.columns.get_level_values(0)))
        if partners is None:
            partners = found
        partners = [str(p) for p in partners]
        if len(partners) != 2 or partners[0] == partners[1]:
            raise ValueError(
                f"session {self.id!r}: expected exactly two distinct partners, got {partners}."
            )
        if sorted(found) != sorted(partners):
            raise ValueError(
                f"session {self.id!r}: the signal columns name partners {found}, "
                f"expected exactly {partners}."
            )
        if signals.shape[0] < 2:
            raise ValueError(
                f"session {self.id!r}: expected at least 2 samples, got {len(signals)}."
            )
        if signals.columns.duplicated().any():
            dup = signals.columns[signals.columns.duplicated()][0]
            raise ValueError(f"session {self.id!r}: column {dup} appears twice.")
        data = {}
        for col in signals.columns:
            values = pd.to_numeric(signals[col], errors="coerce")
            bad = values.isna() & signals[col].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(
                    f"session {self.id!r}: column {col} holds a non-numeric value "
                    f"{signals[col].iloc[row]!r} at row {row}."
                )
            data[col] = values.to_numpy(dtype=float, na_value=np.nan)
            n_inf = int(np.isinf(data[col]).sum())
            if n_inf:  # inf is a missing value, counted as one
                data[col] = np.where(np.isinf(data[col]), np.nan, data[col])
                logger.warning("session %r: column %s: %d infinite value(s) read as missing.",
                               self.id, col, n_inf)
        out = pd.DataFrame(data, columns=pd.MultiIndex.from_tuples(list(data)))
        out = out.reindex(columns=partners, level=0)
        out.columns = out.columns.set_names(["partner", "channel"])
        out.index = self._time_index(signals.index)
        return out

    def _time_index(self, index: pd.Index) -> pd.Index:
        n = len(index)
        if isinstance(index, pd.RangeIndex):
            times = np.arange(n) / self.sampling_rate
        else:
            times = np.asarray(index, dtype=float)
            if not np.all(np.isfinite(times)):
                raise ValueError(f"session {self.id!r}: the time index has non-finite values.")
            step = np.diff(times)
            if np.any(step <= 0):
                row = int(np.flatnonzero(step <= 0)[0]) + 1
                raise ValueError(
                    f"session {self.id!r}: time must increase; row {row} ({times[row]} s) "
                    f"does not come after {times[row - 1]} s."
                )
            period = 1.0 / self.sampling_rate
            if np.max(np.abs(step - period)) > 1e-3 * period:
                raise ValueError(
                    f"session {self.id!r}: samples are not evenly spaced at 1/sampling_rate "
                    f"= {period:g} s (steps range {step.min():g}-{step.max():g} s); resample "
                    "with attunement.align_streams first."
                )
        return pd.Index(times, name="time_s")

    @classmethod
    def from_arrays(
        cls,
        x1: np.ndarray,
        x2: np.ndarray,
        sampling_rate: float,
        partners: Sequence[str] = ("partner_1", "partner_2"),
        channel: str | Sequence[str] = "signal",
        id: str = "session",
        start_s: float = 0.0,
        phases: pd.DataFrame | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Session:
        """Build a Session from two arrays of shape ``(n_times,)`` or ``(n_times, n_channels)``.

        Examples
        --------
        >>> Session.from_arrays([1, 2, 3], [3, 2, 1], sampling_rate=1).n_samples
        3
        """
        a1, a2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
        if a1.shape[0] != a2.shape[0]:
            raise ValueError(
                f"session {id!r}: partners differ in length: {partners[0]} has {a1.shape[0]} "
                f"samples, {partners[1]} has {a2.shape[0]}; align them first "
                "(attunement.align_streams)."
            )
        a1 = a1.reshape(len(a1), -1)
        a2 = a2.reshape(len(a2), -1)
        channels = [channel] if isinstance(channel, str) else list(channel)
        if a1.shape[1] != len(channels) or a2.shape[1] != len(channels):
            raise ValueError(
                f"session {id!r}: got {len(channels)} channel name(s) {channels} for arrays "
                f"with {a1.shape[1]} and {a2.shape[1]} columns."
            )
        sr = check_positive(sampling_rate, "sampling_rate")
        cols = pd.MultiIndex.from_tuples(
            [(partners[0], c) for c in channels] + [(partners[1], c) for c in channels]
        )
        df = pd.DataFrame(np.hstack([a1, a2]), columns=cols)
        df.index = start_s + np.arange(len(df)) / sr
        return cls(df, sr, partners=partners, id=id, phases=phases, meta=meta)

    def replace(self, **changes: Any) -> Session:
        """Return a new Session with some fields replaced (the original is untouched)."""
        fields = {
            "signals": self.signals,
            "sampling_rate": self.sampling_rate,
            "partners": self.partners,
            "id": self.id,
            "phases": self.phases,
            "meta": self.meta,
        }
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"Session.replace() got unknown field(s) {sorted(unknown)}.")
        fields.update(changes)
        return Session(**fields)

    # ---------------------------------------------------------------- access
    @property
    def times(self) -> np.ndarray:
        """Sample times in seconds."""
        return self.signals.index.to_numpy()

    @property
    def n_samples(self) -> int:
        return len(self.signals)

    @property
    def duration_s(self) -> float:
        """Duration in seconds (number of samples / sampling rate)."""
        return self.n_samples / self.sampling_rate

    def channels_of(self, partner: str) -> list[str]:
        """Channel names recorded for ``partner``."""
        self._check_partner(partner)
        return list(self.signals[partner].columns)

    @property
    def channels(self) -> list[str]:
        """Channels recorded for both partners, in partner 1's order."""
        second = set(self.channels_of(self.partners[1]))
        return [c for c in self.channels_of(self.partners[0]) if c in second]

    def _check_partner(self, partner: str) -> None:
        if partner not in self.partners:
            raise ValueError(
                f"session {self.id!r}: unknown partner {partner!r}; partners are "
                f"{list(self.partners)}."
            )

    def resolve_channel(self, channel: str | None = None) -> str:
        """Return ``channel``, or the only shared channel when ``channel`` is None."""
        shared = self.channels
        if channel is None:
            if len(shared) == 1:
                return shared[0]
            raise ValueError(
                f"session {self.id!r}: several channels {shared}; choose one with 'channel'."
            )
        if channel not in shared:
            raise ValueError(
                f"session {self.id!r}: channel {channel!r} is not recorded for both partners; "
                f"shared channels are {shared}."
            )
        return channel

    def signal(self, partner: str, channel: str) -> np.ndarray:
        """One partner's channel as a float array (a copy)."""
        self._check_partner(partner)
        if channel not in self.channels_of(partner):
            raise ValueError(
                f"session {self.id!r}: partner {partner!r} has no channel {channel!r}; "
                f"it has {self.channels_of(partner)}."
            )
        return self.signals[(partner, channel)].to_numpy(dtype=float, copy=True)

    def pair(self, channel: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Partner 1's and partner 2's series for one shared channel."""
        channel = self.resolve_channel(channel)
        return self.signal(self.partners[0], channel), self.signal(self.partners[1], channel)

    def crop(self, tmin_s: float | None = None, tmax_s: float | None = None) -> Session:
        """Keep samples with ``tmin_s <= time_s < tmax_s``; phases are clipped to match."""
        t = self.times
        lo = -math.inf if tmin_s is None else tmin_s
        hi = math.inf if tmax_s is None else tmax_s
        keep = (t >= lo) & (t < hi)
        phases = self.phases.copy()
        end = np.minimum(phases.onset_s + phases.duration_s, hi)
        phases["onset_s"] = np.maximum(phases.onset_s, lo)
        phases["duration_s"] = end - phases.onset_s
        phases = phases[phases.duration_s > 0]
        return self.replace(signals=self.signals.loc[keep], phases=phases)

    def missing_report(self) -> pd.DataFrame:
        """Missing samples per partner and channel.

        Returns
        -------
        DataFrame
            One row per (partner, channel): ``n_samples``, ``n_missing``,
            ``missing_fraction`` and ``longest_gap_s``.

        Examples
        --------
        >>> s = Session.from_arrays([1, np.nan, np.nan, 4], [1, 2, 3, 4], sampling_rate=1)
        >>> s.missing_report()[["partner", "n_missing", "longest_gap_s"]]
             partner  n_missing  longest_gap_s
        0  partner_1          2            2.0
        1  partner_2          0            0.0
        """
        rows = []
        for partner, channel in self.signals.columns:
            miss = np.isnan(self.signals[(partner, channel)].to_numpy())
            rows.append(
                {
                    "session": self.id,
                    "partner": partner,
                    "channel": channel,
                    "n_samples": len(miss),
                    "n_missing": int(miss.sum()),
                    "missing_fraction": float(miss.mean()),
                    "longest_gap_s": _longest_run(miss) / self.sampling_rate,
                }
            )
        return pd.DataFrame(rows)

    @property
    def missing_fraction(self) -> float:
        """Fraction of all samples (all partners and channels) that are missing."""
        return float(np.isnan(self.signals.to_numpy()).mean())

    # ------------------------------------------------------------------ io
    def to_wide(self) -> pd.DataFrame:
        """A flat table: ``time_s`` then one ``<partner>_<channel>`` column per signal."""
        flat = self.signals.copy()
        flat.columns = [f"{p}_{c}" for p, c in flat.columns]
        return flat.reset_index()

    def to_parquet(self, path: str | Path) -> Path:
        """Write the session (signals, phases, meta) to one Parquet file, atomically.

        ``attunement.read`` reads it back as the same Session.
        """
        from .parquet import write_session_parquet

        return write_session_parquet(self, path)

    def __repr__(self) -> str:
        return (
            f"<Session {self.id!r}: {self.partners[0]} & {self.partners[1]}, channels "
            f"{self.channels}, {self.n_samples} samples at {self.sampling_rate:g} Hz "
            f"({self.duration_s:g} s)>"
        )


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in a boolean array."""
    if not mask.any():
        return 0
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max())
