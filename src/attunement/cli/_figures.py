"""``--figures DIR``: where a command writes its figures (PNG, SVG and PDF).

Figures are outputs like any other: a ``DIR`` inside the command's ``--out``
folder is written inside that run (and appears with it, whole or not at all);
any other ``DIR`` is a run of its own (:func:`attunement._files.output_run`):
never over an input, an earlier set replaced only with ``--overwrite``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Optional

import typer

from .._files import OutputRun, output_run
from ._common import _input_files

FiguresOption = Annotated[Optional[Path], typer.Option(
    "--figures", metavar="DIR",
    help="Also write the figures as PNG, SVG and PDF into DIR (for example OUT/figures).")]


@contextlib.contextmanager
def figures_folder(figures: Path | None, run: OutputRun, *, command: str, inputs: Iterable[object] = (),
                   overwrite: bool = False) -> Iterator[Path | None]:
    """The folder to write the figures into while ``run`` is open (None without ``--figures``)."""
    if figures is None:
        yield None
        return
    target, wanted = run.target.resolve(), figures.resolve()
    if wanted == target or target in wanted.parents:
        yield run.path / wanted.relative_to(target)
        return
    with output_run(figures, command=f"{command} --figures", inputs=_input_files(inputs), overwrite=overwrite,
                    option="--figures") as figures_run:
        yield figures_run.path
