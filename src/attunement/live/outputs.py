"""Outputs of the live loop: the recording (Parquet and XDF), an LSL marker stream, OSC
messages.

Each is a sink with ``on_samples``, ``on_update`` and ``close`` (:class:`~.engine.LiveEngine`).
"""

from __future__ import annotations

import ipaddress
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import soft_import
from ..io.writers import safe_name
from ..io.xdf_writer import write_xdf
from ..session import Session
from .lsl import import_pylsl

#: Columns of the samples table of a recording.
SAMPLE_COLUMNS = ["stream", "partner", "channel", "lsl_time_s", "value"]


class Recorder:
    """Record every sample received and every update computed, written as they come.

    ``live/samples.parquet`` (long: one row per sample and channel, LSL time stamps) and
    ``live/states.parquet`` (one row per step; in a subfolder, so that ``attune analyze OUT``
    reads only the sessions) are appended in row groups every ``flush_s`` of
    samples, so a crash loses at most that much. On close, the samples become one Session
    file per sampling rate (``<id>.parquet``, or ``<id>_<rate>hz.parquet``, with the session
    id made file-name safe,
    when the streams differ in rate) on the grid the live loop used, which ``attune analyze``
    reads, and ``summary.json`` keeps the counts of received, dropped and late samples.
    ``live/<id>.xdf`` holds the same as XDF (:func:`attunement.io.xdf_writer.write_xdf`): each
    stream as received (LSL time stamps, already clock-corrected; its partner in ``desc``),
    ``attune-states`` (one sample per step at its output time: ``time_s``, ``score``,
    ``p_attuned``, ``attuned``, ``latency_s``) and ``attune-markers`` (the events, as the
    marker stream sends them); ``attune analyze`` and other XDF tools read it. A replay's
    stamps (``speed`` times real time) are put back on the data's clock, as the Session.
    """

    def __init__(self, out_dir: str | Path, *, session_id: str = "live", partners=None,
                 force: bool = False, flush_rows: int = 5000):
        self.pq = soft_import("pyarrow.parquet", "Recording")
        self.pa = soft_import("pyarrow", "Recording")
        self.out = Path(out_dir)
        self.tables = self.out / "live"
        self.file_stem = safe_name(session_id)  # the id may come from a user's file
        for path in (self.tables / "samples.parquet", self.tables / "states.parquet",
                     self.tables / f"{self.file_stem}.xdf",
                     self.out / "summary.json", *self.out.glob(f"{self.file_stem}*.parquet")):
            if path.exists() and not force:
                raise ValueError(f"{path} exists; pass 'force' to overwrite it.")
        self.tables.mkdir(parents=True, exist_ok=True)
        self.session_id = session_id
        self.partners = partners
        self.flush_rows = int(flush_rows)
        self._samples: list[pd.DataFrame] = []
        self._n_samples = 0
        self._states: list[dict] = []
        self._writers: dict[str, object] = {}
        self._rates: dict[str, float] = {}

    def on_samples(self, stream, partner, channels, rows, stamps) -> None:
        n, k = rows.shape
        self._samples.append(pd.DataFrame({
            "stream": np.repeat(stream, n * k), "partner": np.repeat(partner, n * k),
            "channel": np.tile(np.asarray(channels, dtype=object), n),
            "lsl_time_s": np.repeat(stamps, k), "value": rows.ravel(),
        }))
        self._n_samples += n * k
        if self._n_samples >= self.flush_rows:
            self._flush_samples()

    def on_update(self, record: dict) -> None:
        self._states.append(record)
        if len(self._states) >= 20:
            self._flush_states()

    def close(self, summary: dict) -> None:
        self._flush_samples()
        self._flush_states()
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        summary = dict(summary, sessions=[p.name for p in self._sessions(summary)])
        xdf = self._xdf(summary)
        if xdf is not None:
            summary["xdf"] = str(xdf.relative_to(self.out))
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))

    def _write(self, name: str, frame: pd.DataFrame) -> None:
        table = self.pa.Table.from_pandas(frame, preserve_index=False)
        if name not in self._writers:
            self._writers[name] = self.pq.ParquetWriter(self.tables / name, table.schema)
        self._writers[name].write_table(table.cast(self._writers[name].schema))

    def _flush_samples(self) -> None:
        if self._samples:
            frame = pd.concat(self._samples, ignore_index=True)
            frame["stream"] = frame["stream"].astype(str)
            frame["partner"] = frame["partner"].astype(str)
            frame["channel"] = frame["channel"].astype(str)
            self._write("samples.parquet", frame)
            self._samples, self._n_samples = [], 0

    def _flush_states(self) -> None:
        if self._states:
            frame = pd.DataFrame(self._states)
            frame["event"] = frame["event"].astype(object).where(frame["event"].notna(), "")
            self._write("states.parquet", frame.astype({"event": str}))
            self._states = []

    def _sessions(self, summary: dict) -> list[Path]:
        """The recorded samples on the live loop's grid, one Session per sampling rate."""
        path = self.tables / "samples.parquet"
        if not path.exists() or summary.get("t0") is None:
            return []
        samples = pd.read_parquet(path)
        rates = {name: s["sampling_rate"] for name, s in summary["streams"].items()}
        samples["rate"] = samples["stream"].map(rates)
        scale = samples["rate"] * summary.get("speed", 1.0)
        samples["index"] = np.round((samples["lsl_time_s"] - summary["t0"]) * scale)
        samples = samples.drop_duplicates(["stream", "channel", "index"], keep="first")
        paths = []
        for rate, group in samples.groupby("rate"):
            wide = group.pivot_table(index="index", columns=["partner", "channel"],
                                     values="value", aggfunc="first", dropna=False)
            full = np.arange(int(wide.index.min()), int(wide.index.max()) + 1)
            wide = wide.reindex(full)
            wide.index = full / rate
            partners = self.partners or tuple(dict.fromkeys(group["partner"]))
            tag = "" if samples["rate"].nunique() == 1 else f"_{rate:g}hz"
            session = Session(wide, float(rate), partners=partners, id=self.session_id + tag,
                              meta=dict(source="attune live", lsl_t0=summary["t0"]))
            paths.append(session.to_parquet(self.out / f"{self.file_stem}{tag}.parquet"))
        return paths


    def _xdf(self, summary: dict) -> Path | None:
        """Everything received and computed as one XDF file."""
        path = self.tables / "samples.parquet"
        if not path.exists():
            return None
        samples = pd.read_parquet(path)
        order = {p: k for k, p in enumerate(self.partners or ())}
        t0, speed = summary.get("t0"), float(summary.get("speed", 1.0))

        def stream_time(stamps):  # a replay's stamps back on the data's own clock
            stamps = np.asarray(stamps, dtype=float)
            return stamps if speed == 1 or t0 is None else t0 + (stamps - t0) * speed

        streams = []
        for name, info in sorted(summary["streams"].items(),
                                 key=lambda kv: (order.get(kv[1]["partner"], 9), kv[0])):
            rows = samples[samples["stream"] == name]
            k = len(info["channels"])
            if rows.empty:
                continue
            # rows come as pulled: each sample's channels in the stream's order
            streams.append(dict(
                name=name, type=info.get("type") or "attunement",
                sampling_rate=info["sampling_rate"], labels=info["channels"],
                stamps=stream_time(rows["lsl_time_s"].to_numpy()[::k]),
                values=rows["value"].to_numpy().reshape(-1, k),
                desc=dict(partner=info["partner"])))
        states_path = self.tables / "states.parquet"
        if states_path.exists():
            states = pd.read_parquet(states_path)
            cols = ["time_s", "score", "p_attuned", "attuned", "latency_s"]
            streams.append(dict(name="attune-states", type="attune-states", sampling_rate=0,
                                labels=cols, stamps=stream_time(states["output_stamp"]),
                                values=states[cols].to_numpy(dtype=float)))
            events = states[states["event"] != ""]
            if len(events):
                streams.append(dict(
                    name="attune-markers", type="Markers", sampling_rate=0,
                    stamps=stream_time(events["output_stamp"]),
                    values=[json.dumps(dict(event=e, onset_s=o, time_s=t)) for e, o, t in
                            zip(events["event"], events["onset_s"], events["time_s"])]))
        return write_xdf(self.tables / f"{self.file_stem}.xdf", streams) if streams else None


class MarkerOutlet:
    """An LSL marker stream (``attune-markers``, type ``Markers``): one JSON string per
    event (``{"event": "rupture", "onset_s": ..., "time_s": ...}``)."""

    def __init__(self, name: str = "attune-markers"):
        pylsl = import_pylsl()
        info = pylsl.StreamInfo(name, "Markers", 1, pylsl.IRREGULAR_RATE, "string",
                                f"attunement-{name}")
        self.outlet = pylsl.StreamOutlet(info)

    def on_samples(self, *args) -> None:
        pass

    def on_update(self, record: dict) -> None:
        if record["event"]:
            self.outlet.push_sample([json.dumps(dict(
                event=record["event"], onset_s=record["onset_s"], time_s=record["time_s"]))])

    def close(self, summary: dict) -> None:
        pass


class OscSender:
    """OSC messages per step: ``/attune/score`` (float), ``/attune/state`` (1 attuned, 0
    not), ``/attune/p_attuned`` (float) and, on events, ``/attune/event`` (name, onset_s).

    Sent to 127.0.0.1 by default; another host needs ``allow_remote=True``.
    """

    def __init__(self, port: int, host: str = "127.0.0.1", *, allow_remote: bool = False):
        udp = soft_import("pythonosc.udp_client", "OSC output")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(
                f"Invalid value for 'osc_host': expected an IP address, got {host!r}."
            ) from None
        if not address.is_loopback and not allow_remote:
            raise ValueError(
                f"Invalid value for 'osc_host': {host} is not this machine; pass "
                "'osc_allow_remote' to send OSC over the network."
            )
        if not 0 < int(port) < 65536:
            raise ValueError(f"Invalid value for 'osc_port': expected 1-65535, got {port!r}.")
        self.client = udp.SimpleUDPClient(str(address), int(port))

    def on_samples(self, *args) -> None:
        pass

    def on_update(self, record: dict) -> None:
        score = record["score"]
        self.client.send_message("/attune/score", float(score) if math.isfinite(score) else 0.0)
        self.client.send_message("/attune/state", int(bool(record["attuned"])))
        self.client.send_message("/attune/p_attuned", float(record["p_attuned"]))
        if record["event"]:
            self.client.send_message("/attune/event", [record["event"], float(record["onset_s"])])

    def close(self, summary: dict) -> None:
        self.client._sock.close()  # python-osc offers no public close
