"""The ``attune`` command. Thin: parses, calls the public API, shows progress.

One module per command; each registers itself on :data:`app`.
"""

from __future__ import annotations

import importlib
import sys

import typer

from .. import __version__
from ._term import set_flags, set_verbosity

app = typer.Typer(
    name="attune",
    help="Measure attunement between two people from recordings of both.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command modules, in the order shown by ``attune --help``.
COMMANDS = (
    "info", "simulate", "extract", "batch", "brain", "physio", "sync", "analyze", "episodes",
    "view", "agree", "live",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"attune {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More messages."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    set_verbosity(verbose, quiet, debug)
    command = ctx.command.get_command(ctx, ctx.invoked_subcommand or "")
    set_flags({p.name: max(p.opts, key=len) for p in getattr(command, "params", ())
               if p.name and any(o.startswith("--") for o in p.opts)})


for _name in COMMANDS:
    importlib.import_module(f"{__name__}.{_name}")


_GLOBAL_FLAGS = ("-q", "--quiet", "--debug", "--verbose")


def _hoist_global_flags(argv: list[str]) -> list[str]:
    """Let ``-v/-q/--debug`` stand anywhere, as the CLI contract promises
    (``attune analyze ... -q``): they are options of ``attune`` itself, so move them first.

    Examples
    --------
    >>> _hoist_global_flags(["analyze", "x.txt", "-q", "--out", "o"])
    ['-q', 'analyze', 'x.txt', '--out', 'o']
    """
    if "--" in argv:
        cut = argv.index("--")
        head, tail = argv[:cut], argv[cut:]
    else:
        head, tail = argv, []
    flags = [a for a in head if a in _GLOBAL_FLAGS or (a.startswith("-v") and set(a[1:]) == {"v"})]
    return flags + [a for a in head if a not in flags] + tail


def main() -> None:
    """Entry point of the ``attune`` console script."""
    app(args=_hoist_global_flags(sys.argv[1:]))
