"""Lab Streaming Layer in and out: stream discovery on this machine, the stream-to-partner
mapping, inlets, and the replay of a recorded session as live streams.

pylsl's wheel bundles liblsl, so the ``live`` extra needs nothing else. Unless the user has
an LSL configuration of their own (``LSLAPICFG``), discovery is limited to this machine
(``ResolveScope = machine``: multicast on the loopback only).

Mapping. A stream belongs to a partner by its name: ``<partner>`` or ``<partner>-<anything>``
(``caregiver``, ``caregiver-eeg``); its channels are named by the LSL channel labels
(``desc/channels/channel/label``), or ``<type>_<i>`` when it has none. A TOML file maps
other names::

    [[stream]]
    name = "Cam 1 motion"      # the LSL stream name
    partner = "caregiver"
    channels = ["movement"]    # optional: the channel names, in the stream's order
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._check import check_positive, soft_import

_CONFIG = "[multicast]\nResolveScope = machine\n[log]\nlevel = -2\n"


def import_pylsl():
    """pylsl, with discovery limited to this machine unless ``LSLAPICFG`` is set."""
    if "LSLAPICFG" not in os.environ:
        path = Path(tempfile.gettempdir()) / f"attunement_lsl_{os.getuid()}.cfg"
        if not path.exists() or path.read_text() != _CONFIG:
            path.write_text(_CONFIG)
        os.environ["LSLAPICFG"] = str(path)
    return soft_import("pylsl", "attune live (Lab Streaming Layer)")


@dataclass(frozen=True)
class StreamSpec:
    """Which partner a stream belongs to and what its channels are called (None: the
    stream's own labels)."""

    name: str
    partner: str
    channels: tuple[str, ...] | None = None


def read_mapping(path: str | Path, partners) -> list[StreamSpec]:
    """Read a TOML stream mapping (see the module docstring); partners must be known.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "map.toml"
    >>> _ = p.write_text('[[stream]]\\nname = "Cam 1"\\npartner = "infant"\\n'
    ...                  'channels = ["movement"]')
    >>> read_mapping(p, ("caregiver", "infant"))
    [StreamSpec(name='Cam 1', partner='infant', channels=('movement',))]
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err}).") from None
    entries = data.get("stream")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected one or more [[stream]] tables, got none.")
    specs = []
    for i, entry in enumerate(entries):
        where = f"{path}: stream[{i}]"
        if not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ValueError(
                f"{where}.name: expected the LSL stream name, got {entry.get('name')!r}."
            )
        if entry.get("partner") not in partners:
            raise ValueError(
                f"{where}.partner: expected one of {list(partners)}, got {entry.get('partner')!r}."
            )
        channels = entry.get("channels")
        if channels is not None and not (
            isinstance(channels, list) and all(isinstance(c, str) and c for c in channels)
        ):
            raise ValueError(f"{where}.channels: expected a list of names, got {channels!r}.")
        specs.append(StreamSpec(entry["name"], entry["partner"],
                                None if channels is None else tuple(channels)))
    return specs


def partner_of(name: str, partners) -> str | None:
    """The partner a stream name belongs to by the naming convention, or None.

    Examples
    --------
    >>> partner_of("infant-eeg", ("caregiver", "infant")), partner_of("cam", ("a", "b"))
    ('infant', None)
    """
    for p in partners:
        if name == p or name.startswith(f"{p}-"):
            return p
    return None


def channel_labels(info) -> list[str]:
    """The channel labels an LSL stream declares (``<type>_<i>`` where it declares none)."""
    labels, ch = [], info.desc().child("channels").child("channel")
    while not ch.empty():
        labels.append(ch.child_value("label"))
        ch = ch.next_sibling()
    n = info.channel_count()
    if len(labels) != n or not all(labels):
        labels = [f"{info.type() or 'channel'}_{i + 1}" for i in range(n)]
    return labels


def resolve_streams(partners, mapping: list[StreamSpec] | None = None, *,
                    timeout_s: float = 5.0, expected: int | None = None):
    """Find the partners' streams on this machine: ``[(StreamInfo, StreamSpec)]``.

    Waits up to ``timeout_s`` until ``expected`` streams are found (default: one per mapped
    stream, else at least one per partner).
    """
    pylsl = import_pylsl()
    by_name = {s.name: s for s in mapping or []}
    want = expected or (len(by_name) if by_name else len(partners))
    deadline = time.monotonic() + check_positive(timeout_s, "timeout_s")
    found: dict[str, tuple] = {}
    while True:
        for info in pylsl.resolve_streams(wait_time=1.0):
            name = info.name()
            spec = by_name.get(name)
            if spec is None and not by_name and partner_of(name, partners):
                spec = StreamSpec(name, partner_of(name, partners))
            if spec is not None:
                found[name] = (info, spec)
        have = {s.partner for _, s in found.values()}
        if len(found) >= want and have == set(partners):
            return [found[k] for k in sorted(found)]
        if time.monotonic() > deadline:
            names = sorted(found) or "none"
            raise ValueError(
                f"LSL: expected streams for partners {list(partners)} (named '<partner>' or "
                f"'<partner>-...', or mapped with 'mapping'), found {names} within {timeout_s:g} s."
            )


def make_outlet(pylsl, name: str, labels, sampling_rate: float, source_id: str,
                stream_type: str = "attunement"):
    """An LSL outlet of float64 samples whose channels carry ``labels``."""
    info = pylsl.StreamInfo(name, stream_type, len(labels), sampling_rate, "double64", source_id)
    chans = info.desc().append_child("channels")
    for c in labels:
        chans.append_child("channel").append_child_value("label", c)
    return pylsl.StreamOutlet(info, chunk_size=1)


class Pusher:
    """A thread that pushes samples into LSL outlets (its ``_run``) from :meth:`start`
    until :meth:`stop` or its own end; :meth:`_close` releases what it holds."""

    def _thread(self, name: str) -> None:
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=name)
        self.t0 = None

    def start(self, delay_s: float = 0.5):
        """Start pushing after ``delay_s`` (time for inlets to connect)."""
        self.t0 = self.pylsl.local_clock() + delay_s
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop pushing, then release the source and close the outlets (they leave the
        network)."""
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        self._close()

    def _close(self) -> None:
        self.outlets.clear()


class Replay(Pusher):
    """Push a Session to LSL outlets at real-time speed (``speed`` times faster), one outlet
    per partner named ``<partner><suffix>`` with the session's channels as labels.

    Time stamps are the LSL clock at the moment each sample is due, so a replayed sample
    reads like one recorded now. Runs in a thread that stops by itself at the end.
    """

    def __init__(self, session, *, speed: float = 1.0, suffix: str = "", chunk_s: float = 0.01):
        self.pylsl = import_pylsl()
        self.session = session
        self.speed = check_positive(speed, "speed")
        self.chunk_s = check_positive(chunk_s, "chunk_s")
        fs = session.sampling_rate
        self.outlets = []
        for partner in session.partners:
            channels = session.channels_of(partner)
            outlet = make_outlet(self.pylsl, f"{partner}{suffix}", channels, fs,
                                 f"attunement-{session.id}-{partner}{suffix}")
            data = np.column_stack([session.signal(partner, c) for c in channels])
            self.outlets.append((outlet, data))
        self._thread("attune-replay")

    def _run(self) -> None:
        n, rate = self.session.n_samples, self.session.sampling_rate * self.speed
        sent = 0
        while sent < n and not self._stop.is_set():
            now = self.pylsl.local_clock()
            due = min(n, int(np.floor((now - self.t0) * rate)) + 1) if now >= self.t0 else 0
            for i in range(sent, due):
                stamp = self.t0 + i / rate
                for outlet, data in self.outlets:
                    outlet.push_sample(data[i].tolist(), stamp)
            sent = max(sent, due)
            time.sleep(min(self.chunk_s, 1.0 / rate))
