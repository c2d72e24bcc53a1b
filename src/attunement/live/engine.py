"""The live loop: LSL samples in, on a common grid per channel pair, scores, state, outputs.

Every sample pulled is handed to the sinks first (the recording keeps it whatever happens
next). Samples are placed on each stream's grid by their LSL time stamps (clock offsets
corrected by LSL, ``proc_clocksync``), from the earliest first stamp of all streams: a grid
index never received is *dropped* (fed as missing, NaN), a sample arriving for an index
already fed is *late* (recorded, not measured). A channel pair is fed up to the index both
partners have reached. Each step's combined score (Stouffer over channels, as offline) goes
to the forward filter, and the update, with its latency (LSL clock now minus the stamp of the
newest sample its windows read), to the sinks.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._check import check_positive
from .lsl import channel_labels, import_pylsl
from .score import OnlineScore
from .state import ForwardState

logger = logging.getLogger("attunement")


@dataclass
class _Input:
    inlet: object
    name: str
    partner: str
    channels: list[str]
    sampling_rate: float
    type: str = ""
    buffer: dict = field(default_factory=dict)  # grid index -> (row, stamp)
    raw: list = field(default_factory=list)  # (row, stamp) before the grid's origin is known
    frontier: int = -1
    received: int = 0
    dropped: int = 0
    late: int = 0
    first_stamp: float = math.nan


@dataclass
class _Pair:
    channel: str
    inputs: tuple[_Input, _Input]
    columns: tuple[int, int]
    scorer: OnlineScore
    next: int = 0


class LiveEngine:
    """Read the partners' LSL streams and compute scores, state and events until stopped.

    Parameters
    ----------
    streams : list of (pylsl.StreamInfo, StreamSpec)
        From :func:`~attunement.live.lsl.resolve_streams`.
    partners : (str, str)
        The two partners, in order (partner 1 leads at positive lags).
    sinks : list
        Objects with ``on_samples(input_name, partner, channels, rows, stamps)``,
        ``on_update(record)`` and ``close(summary)``
        (:mod:`attunement.live.outputs`, :mod:`attunement.live.dashboard`).
    score_params : dict
        Passed to :class:`~attunement.live.score.OnlineScore`.
    state_params : dict
        Passed to :class:`~attunement.live.state.ForwardState`.
    speed : float
        Stamps advance this many times faster than the data's own time (a replay with
        ``--speed``); 1 for live streams.
    """

    def __init__(self, streams, partners, *, sinks=(), score_params=None, state_params=None,
                 speed: float = 1.0):
        pylsl = import_pylsl()
        self.pylsl = pylsl
        self.partners = tuple(partners)
        self.sinks = list(sinks)
        self.speed = check_positive(speed, "speed")
        self.inputs: list[_Input] = []
        for info, spec in streams:
            # 60 s of stream time buffered (a replay at `speed` fills it `speed` times faster)
            inlet = pylsl.StreamInlet(info, max_buflen=int(math.ceil(60 * self.speed)),
                                      processing_flags=pylsl.proc_clocksync)
            # a resolved info lacks the description; the inlet fetches the full one
            labels = list(spec.channels) if spec.channels else channel_labels(inlet.info(5.0))
            if len(labels) != info.channel_count():
                raise ValueError(
                    f"LSL stream {info.name()!r}: the mapping names {len(labels)} channel(s) "
                    f"{labels}, the stream has {info.channel_count()}."
                )
            if info.nominal_srate() <= 0:
                raise ValueError(
                    f"LSL stream {info.name()!r}: expected a regular sampling rate, got an "
                    "irregular stream (nominal rate 0)."
                )
            self.inputs.append(_Input(inlet, info.name(), spec.partner, labels,
                                      float(info.nominal_srate()), info.type()))
        self.pairs = self._pairs(score_params or {})
        self.state = ForwardState(**(state_params or {}))
        self.t0 = None
        self.pending: dict[float, dict] = {}
        self.updates = 0

    def _pairs(self, score_params) -> list[_Pair]:
        p1, p2 = self.partners
        pairs = []
        for a in (i for i in self.inputs if i.partner == p1):
            for b in (i for i in self.inputs if i.partner == p2):
                for ca, name in enumerate(a.channels):
                    if name in b.channels and a.sampling_rate == b.sampling_rate:
                        pairs.append(_Pair(name, (a, b), (ca, b.channels.index(name)),
                                           OnlineScore(a.sampling_rate, **score_params)))
        if not pairs:
            chans = {i.name: i.channels for i in self.inputs}
            raise ValueError(
                f"LSL: no channel is streamed for both partners {list(self.partners)} at the "
                f"same rate; streams and channels: {chans}."
            )
        return pairs

    def open(self, timeout_s: float = 5.0) -> None:
        for inp in self.inputs:
            inp.inlet.open_stream(timeout=timeout_s)

    def run(self, *, duration_s: float | None = None, idle_s: float = 3.0,
            poll_s: float = 0.002) -> dict:
        """Pull and process until ``duration_s`` has passed or no sample came for ``idle_s``
        (after the first); then close the sinks and return the summary."""
        start = time.monotonic()
        last_data = None
        while True:
            now = time.monotonic()
            if duration_s is not None and now - start >= duration_s:
                break
            if last_data is not None and now - last_data >= idle_s:
                break
            if last_data is None and now - start > max(idle_s, 10.0):
                break
            if self.poll():
                last_data = time.monotonic()
            else:
                time.sleep(poll_s)
        self.flush()
        summary = self.summary()
        for sink in self.sinks:
            sink.close(summary)
        return summary

    def poll(self) -> bool:
        """Pull every inlet once and process what came; True when any sample came."""
        got = False
        for inp in self.inputs:
            rows, stamps = inp.inlet.pull_chunk(timeout=0.0)
            if not stamps:
                continue
            got = True
            rows = np.asarray(rows, dtype=float).reshape(len(stamps), -1)
            stamps = np.asarray(stamps, dtype=float)
            for sink in self.sinks:
                sink.on_samples(inp.name, inp.partner, inp.channels, rows, stamps)
            if math.isnan(inp.first_stamp):
                inp.first_stamp = float(stamps[0])
            inp.received += len(stamps)
            inp.raw.extend(zip(rows, stamps))
        if self.t0 is None:
            if any(math.isnan(i.first_stamp) for i in self.inputs):
                return got
            self.t0 = min(i.first_stamp for i in self.inputs)
        for inp in self.inputs:
            for row, stamp in inp.raw:
                self._place(inp, row, stamp)
            inp.raw.clear()
        self._feed()
        return got

    def _place(self, inp: _Input, row, stamp: float) -> None:
        k = int(round((stamp - self.t0) * inp.sampling_rate * self.speed))
        fed = min((p.next for p in self.pairs if inp in p.inputs), default=0)
        if k < fed or k in inp.buffer:
            inp.late += 1
            return
        if k > inp.frontier + 1:
            inp.dropped += k - inp.frontier - 1
        inp.buffer[k] = (row, stamp)
        inp.frontier = max(inp.frontier, k)

    def _feed(self, tail: bool = False) -> None:
        for pair in self.pairs:
            a, b = pair.inputs
            top = max(a.frontier, b.frontier) if tail else min(a.frontier, b.frontier)
            while pair.next <= top:
                k = pair.next
                va, vb = a.buffer.get(k), b.buffer.get(k)
                x = va[0][pair.columns[0]] if va else np.nan
                y = vb[0][pair.columns[1]] if vb else np.nan
                stamp = max(v[1] for v in (va, vb) if v) if (va or vb) else math.nan
                windows = pair.scorer.push(x, y)
                pair.next = k + 1
                for centre, score, _ in windows:
                    step = self.pending.setdefault(round(centre, 6), dict(scores={}, stamp=stamp))
                    step["scores"][pair.channel] = score
                    step["stamp"] = np.nanmax([step["stamp"], stamp])
                    step["catch_up"] = step.get("catch_up", False) or len(windows) > 1
        for inp in self.inputs:
            low = min(p.next for p in self.pairs if inp in p.inputs)
            for k in [k for k in inp.buffer if k < low]:
                del inp.buffer[k]
        self._steps()

    def _steps(self) -> None:
        names = {p.channel for p in self.pairs}
        while self.pending:
            key = min(self.pending)
            step = self.pending[key]
            if set(step["scores"]) != names:
                return
            del self.pending[key]
            scores = np.array([step["scores"][c] for c in sorted(names)])
            finite = scores[np.isfinite(scores)]
            combined = finite.sum() / math.sqrt(finite.size) if finite.size else math.nan
            up = self.state.update(key, combined)
            out = self.pylsl.local_clock()
            record = dict(time_s=key, score=up.score, p_attuned=up.p_attuned,
                          attuned=up.attuned, event=up.event, onset_s=up.onset_s,
                          sample_stamp=step["stamp"], output_stamp=out,
                          latency_s=out - step["stamp"], catch_up=step["catch_up"],
                          **{f"score_{c}": s for c, s in zip(sorted(names), scores)})
            self.updates += 1
            for sink in self.sinks:
                sink.on_update(record)

    def flush(self) -> None:
        """Feed what is left (the slower stream's missing tail as missing samples)."""
        if self.t0 is not None:
            self._feed(tail=True)

    def summary(self) -> dict:
        """Per stream: samples received, dropped and late; the number of state updates."""
        return dict(
            t0=self.t0, speed=self.speed, updates=self.updates,
            streams={i.name: dict(partner=i.partner, type=i.type, channels=i.channels,
                                  sampling_rate=i.sampling_rate, received=i.received,
                                  dropped=i.dropped, late=i.late) for i in self.inputs},
        )
