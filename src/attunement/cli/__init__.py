"""The ``attune`` command: a thin layer over the library that reads options and presents results.

Each module of this package registers its commands on the one Typer ``app``.
Exit codes: 0 success; 1 an error (nothing analysed); 3 a batch in which some
inputs failed (they are listed, and written to ``errors.csv``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from .. import __version__
from . import coded  # noqa: F401  (registers analyze, inspect, convert, schemes, demo)
from ._common import app, out_console

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
    app(args=list(argv) if argv is not None else None, prog_name="attune")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
