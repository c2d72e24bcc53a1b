"""A live dashboard on this machine: a small stdlib HTTP server polled by one page.

``GET /`` serves the page (a Jinja2 template, autoescaped; no external request: styles and
script are inline); ``GET /data?since=N`` returns, as JSON, the updates after the N-th and
the last ``signal_s`` seconds of each stream's channels (decimated to ``max_points``).
The page polls ``/data`` every 250 ms and draws the signals, the synchrony score with
P(attuned), the state and the events. Stream and channel names reach the page only as
JSON data put into the page with ``textContent``, never as markup.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jinja2


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("attunement", "live/templates"),
                              autoescape=True)


class Dashboard:
    """Serve the live dashboard on ``http://127.0.0.1:<port>/`` (port 0: a free one).

    A sink of :class:`~attunement.live.engine.LiveEngine`.

    Examples
    --------
    >>> import urllib.request
    >>> with Dashboard(title="demo <dyad>") as dash:
    ...     dash.on_update(dict(time_s=1.0, score=2.0, p_attuned=0.9, attuned=True,
    ...                         event=None, onset_s=float("nan"), latency_s=0.01))
    ...     page = urllib.request.urlopen(dash.url).read().decode()
    ...     data = json.load(urllib.request.urlopen(dash.url + "data?since=0"))
    >>> "demo &lt;dyad&gt;" in page, data["updates"][0]["score"]
    (True, 2.0)
    """

    def __init__(self, *, port: int = 0, title: str = "attune live", signal_s: float = 10.0,
                 max_points: int = 300):
        if not 0 <= int(port) < 65536:
            raise ValueError(f"Invalid value for 'dashboard_port': expected 0-65535, got {port!r}.")
        self.title = title
        self.signal_s = float(signal_s)
        self.max_points = int(max_points)
        self.updates: list[dict] = []
        self.signals: dict[str, deque] = {}
        self.summary: dict | None = None
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", int(port)), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="attune-dashboard")
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> Dashboard:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Stop serving (the page keeps its last view)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # ---- sink
    def on_samples(self, stream, partner, channels, rows, stamps) -> None:
        with self._lock:
            for j, channel in enumerate(channels):
                key = f"{partner} · {channel} ({stream})"
                buf = self.signals.setdefault(key, deque())
                buf.extend(zip(stamps.tolist(), rows[:, j].tolist()))
                while buf and buf[-1][0] - buf[0][0] > self.signal_s:
                    buf.popleft()

    def on_update(self, record: dict) -> None:
        row = {k: _plain(v) for k, v in record.items()}
        with self._lock:
            self.updates.append(row)

    def close(self, summary: dict) -> None:
        with self._lock:
            self.summary = json.loads(json.dumps(summary, default=_plain))

    # ---- server
    def _data(self, since: int) -> dict:
        with self._lock:
            signals = {}
            for key, buf in self.signals.items():
                pts = list(buf)[:: max(1, len(buf) // self.max_points)]
                signals[key] = [[t, _plain(v)] for t, v in pts]
            return dict(n=len(self.updates), updates=self.updates[since:], signals=signals,
                        summary=self.summary)

    def _handler(self):
        dash = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                if url.path == "/":
                    body = _env().get_template("dashboard.html").render(title=dash.title)
                    self._send(body.encode(), "text/html; charset=utf-8")
                elif url.path == "/data":
                    try:
                        since = max(0, int(parse_qs(url.query).get("since", ["0"])[0]))
                    except ValueError:
                        self.send_error(400, "since: expected an integer")
                        return
                    self._send(json.dumps(dash._data(since)).encode(), "application/json")
                else:
                    self.send_error(404)

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet: the CLI owns the terminal
                pass

        return Handler


def _plain(value):
    """JSON-safe: NaN and infinities become None, NumPy scalars Python ones."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
