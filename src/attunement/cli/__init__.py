"""The ``attune`` command: a thin layer over the library that reads options and presents results.

Each public module of this package (``coded``, …) registers its commands on the one Typer
``app``; a new group of commands is a new module here, nothing else changes.
Exit codes: 0 success; 1 an error (nothing analysed); 3 a batch in which some
inputs failed (they are listed, and written to ``errors.csv``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from .. import __version__
from ._common import app, console, esc, out_console
from ._examples import add_examples

# Every public module of this package registers its commands on ``app`` when imported.
for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
add_examples(app)

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        out_console.print(f"attunement {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Measure attunement, rupture and repair in coded face-to-face interaction."""


def main(argv: Sequence[str] | None = None) -> None:
    args = list(argv) if argv is not None else sys.argv[1:]
    if "" in args:
        # An empty argument is never meant: it is an unset shell variable ("$NONVERBAL" before the
        # file was fetched). As a path it would mean the current folder, read recursively.
        where = args.index("")
        after = f" after {args[where - 1]!r}" if where else ""
        console.print(esc(f"error: argument {where + 1}{after} is empty (a shell variable that is not set?). "
                          f"Give the file, folder or value it stands for."), soft_wrap=True)
        raise SystemExit(2)
    app(args=args, prog_name="attune")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
