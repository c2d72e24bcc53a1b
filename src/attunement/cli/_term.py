"""The one terminal helper: messages, errors with exit codes, progress bars.

Rich honours ``NO_COLOR``. Library code logs; only the CLI prints.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

stdout = Console()
stderr = Console(stderr=True)
state = {"verbosity": 0, "debug": False}


def set_verbosity(verbose: int, quiet: bool, debug: bool) -> None:
    state["verbosity"] = -1 if quiet else verbose
    state["debug"] = debug
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("attunement").setLevel(level)


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


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn input errors into a message on stderr and exit status 1 (tracebacks with --debug)."""
    try:
        yield
    except (ValueError, FileNotFoundError, ImportError) as err:
        if state["debug"]:
            raise
        error(str(err))
        raise typer.Exit(1) from None


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
