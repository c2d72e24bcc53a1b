"""The one terminal helper: messages, errors with exit codes, progress bars.

Rich honours ``NO_COLOR``. Library code logs; only the CLI prints.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

stdout = Console()
stderr = Console(stderr=True)
state = {"verbosity": 0, "debug": False}


#: The library's step lines (read, preprocess, each measure, surrogates, episodes).
STEPS = "attunement.progress"


class _LogLines(logging.Handler):
    """Log records on the terminal: warnings always; the library's step lines
    (:data:`STEPS`) unless -q; other INFO lines of ``attunement`` with -v, DEBUG with -vv."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - a malformed record never stops a command
            self.handleError(record)
            return
        verbosity = state["verbosity"]
        if record.levelno >= logging.ERROR:
            error(message)
        elif record.levelno >= logging.WARNING:
            warn(message)
        elif record.name == STEPS or record.name.startswith(STEPS + "."):
            if verbosity >= 0:
                stderr.print(Text(message, style="dim"), highlight=False, soft_wrap=True)
        elif verbosity >= 1 and record.name.startswith("attunement"):
            level = record.levelname.lower()
            stderr.print(Text(f"{level}: {record.name}: {message}"), highlight=False,
                         soft_wrap=True)


def set_verbosity(verbose: int, quiet: bool, debug: bool) -> None:
    """-q: errors and warnings only; default: also the step lines; -v: also the library's
    log lines (INFO), -vv: DEBUG."""
    state["verbosity"] = -1 if quiet else verbose
    state["debug"] = debug
    root = logging.getLogger()
    if not any(isinstance(h, _LogLines) for h in root.handlers):
        root.addHandler(_LogLines())
    root.setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    logging.getLogger("attunement").setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


def info(message: str) -> None:
    if state["verbosity"] >= 0:
        stderr.print(Text(message), highlight=False)


# Messages quote users' file names and cells: printed as text, never as markup or emoji.
def warn(message: str) -> None:
    stderr.print(Text.assemble(("warning:", "yellow"), " ", message), highlight=False,
                 soft_wrap=True)


def error(message: str) -> None:
    stderr.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False,
                 soft_wrap=True)


#: A quoted parameter name, unless the message says what came for it (``'x':``), calls it
#: a parameter or already gives its flag.
_QUOTED = re.compile(r"'([a-z][a-z0-9_.]*)'(?! \(--)(?!:)(?! parameter)")
_INVALID = re.compile(r"Invalid value for '([a-z][a-z0-9_.]*)'(?! \(--)")
_ASSIGNED = re.compile(r"\b([a-z][a-z0-9_]*)=('[^']*'|[A-Za-z0-9_.]+)")


def set_flags(flags: dict[str, str]) -> None:
    """Record the running command's flags by parameter name (the root callback does)."""
    state["flags"] = dict(flags)


def add_flags(flags: dict[str, str]) -> None:
    """Name the flag of a library parameter that a command fills from an option of another
    name (``{"max_lag_s": "--lag"}``)."""
    state.setdefault("flags", {}).update(flags)


def with_flags(message: str, flags: dict[str, str] | None = None) -> str:
    """``message`` with the flag of each parameter it names: the library speaks of its
    parameters (``'sampling_rate'``, ``time_unit='ms'``), never of the CLI, so the CLI adds
    its own flags (``'sampling_rate' (--sampling-rate)``, ``time_unit='ms' (--time-unit
    ms)``) where the running command has them (``flags``, default :func:`set_flags`'s).

    Examples
    --------
    >>> flags = {"sampling_rate": "--sampling-rate", "time_unit": "--time-unit"}
    >>> with_flags("give 'sampling_rate' or time_unit='ms', not 'channel'", flags)
    "give 'sampling_rate' (--sampling-rate) or time_unit='ms' (--time-unit ms), not 'channel'"
    """
    flags = state.get("flags", {}) if flags is None else flags

    def flag_of(name: str) -> str | None:
        # a settings path ('sync.window_s') falls back to its last part ('window_s')
        return flags.get(name) or flags.get(name.rsplit(".", 1)[-1])

    def quoted(m: re.Match) -> str:
        flag = flag_of(m.group(1))
        return f"{m.group(0)} ({flag})" if flag else m.group(0)

    def assigned(m: re.Match) -> str:
        flag = flag_of(m.group(1))
        return f"{m.group(0)} ({flag} {m.group(2).strip(chr(39))})" if flag else m.group(0)

    message = _INVALID.sub(quoted, message)
    return _ASSIGNED.sub(assigned, _QUOTED.sub(quoted, message))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn input errors into a message on stderr and exit status 1 (tracebacks with --debug);
    the parameters the message names are given with this command's flags (:func:`with_flags`)."""
    try:
        yield
    except (ValueError, FileNotFoundError, ImportError) as err:
        if state["debug"]:
            raise
        error(with_flags(str(err)))
        raise typer.Exit(1) from None


@contextmanager
def session_progress(n_sessions: int) -> Iterator[tuple[Callable, Callable[[], None]]]:
    """A bar per session and one for its steps; yields ``(follow, advance)``: ``follow``
    is the ``progress`` argument of :func:`attunement.analyze_sessions`, ``advance``
    moves the session bar on."""
    with progress() as bar:
        task = bar.add_task("sessions", total=n_sessions)
        steps = bar.add_task("steps", total=1)

        def follow(session):
            bar.update(task, description=f"analysing {session.id}")
            bar.reset(steps)
            return lambda done, total, label: bar.update(
                steps, completed=done, total=total, description=label)

        yield follow, lambda: bar.advance(task)


def progress() -> Progress:
    """A progress bar on stderr; silent with -q."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        disable=state["verbosity"] < 0,
        transient=True,
    )
