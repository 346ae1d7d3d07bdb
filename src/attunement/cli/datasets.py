"""``attune datasets``: list the real files that travel with attunement, download the others, print paths."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import AttunementError
from ._common import _fail, app, console, out_console
from ._examples import epilog

datasets_app = typer.Typer(
    name="datasets", no_args_is_help=False, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None)
app.add_typer(datasets_app, name="datasets", short_help="List, download and locate real example files",
              epilog=epilog("datasets"))

_STATUS = {"shipped": "shipped", "cached": "cached", "missing": "needs fetch", "damaged": "damaged"}


@datasets_app.callback(invoke_without_command=True)
def datasets_list(ctx: typer.Context) -> None:
    """Real example files: list them (shipped, cached, or needing a fetch), download them, print their paths.

    Files under MIT or Apache-2.0 ship with attunement; GPL-licensed ones are downloaded on demand from
    their repositories at a pinned commit and checked by sha256."""
    if ctx.invoked_subcommand is not None:
        return
    from .. import datasets

    table = Table(show_lines=False)
    for column in ("dataset", "files", "licence", "status", "from"):
        table.add_column(column)
    for name in datasets.dataset_names():
        chosen = datasets.files(name)
        states = [datasets.status(f.key) for f in chosen]
        worst = datasets.status(name)
        shown = _STATUS[worst]
        if worst == "missing" and "cached" in states:
            shown = f"needs fetch ({states.count('cached')} of {len(chosen)} cached)"
        table.add_row(name, str(len(chosen)), escape(", ".join(sorted({f.licence for f in chosen}))), shown,
                      escape(", ".join(dict.fromkeys(f.repository for f in chosen))))
    out_console.print(table)
    out_console.print(f"Downloaded files are kept in {escape(str(datasets.cache_dir()))} "
                      f"(set {datasets.ENV} to choose another folder).", soft_wrap=True)
    out_console.print("`attune datasets fetch NAME` downloads a dataset; `attune datasets path NAME` prints "
                      "where it is; `attune datasets show NAME` lists its files, sources and licences.",
                      soft_wrap=True)


@datasets_app.command("fetch", epilog=epilog("datasets fetch"))
def datasets_fetch(
    names: Annotated[list[str], typer.Argument(help="Datasets or files, e.g. nonverbal, mea, mea/normal/200_01.txt.")],
) -> None:
    """Download datasets that are not shipped (from the pinned commit, checked by sha256) into the cache."""
    from .. import datasets

    try:
        chosen = [f for name in names for f in datasets.files(name)]
    except AttunementError as error:
        _fail(error)
        return
    failed: list[str] = []
    progress, advance = _progress(len(chosen))
    with progress:
        for name in names:  # one dataset that cannot be fetched does not stop the others
            try:
                place = datasets.fetch(name, on_progress=advance)
            except AttunementError as error:
                failed.append(name)
                console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
                continue
            console.print(f"{escape(name)}: {escape(str(place))}", soft_wrap=True)
    if failed:
        console.print(f"{len(failed)} of {len(names)} could not be fetched: {escape(', '.join(failed))}.",
                      soft_wrap=True)
        raise typer.Exit(1)


def _progress(total: int):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(TextColumn("downloading"), BarColumn(), MofNCompleteColumn(), console=console,
                        transient=True, disable=not console.is_terminal)
    task = progress.add_task("downloading", total=total)
    return progress, lambda n: progress.advance(task, n)


@datasets_app.command("path", epilog=epilog("datasets path"))
def datasets_path(
    name: Annotated[str, typer.Argument(help="A dataset (its folder) or a file, e.g. elan or sample_2.7.eaf.")],
) -> None:
    """Print the local path of a dataset's folder or of one file (nothing is downloaded)."""
    from .. import datasets

    try:
        place = datasets.path(name)
    except AttunementError as error:
        _fail(error)
        return
    typer.echo(str(place))


@datasets_app.command("show", epilog=epilog("datasets show"))
def datasets_show(
    name: Annotated[str, typer.Argument(help="A dataset or a file.")],
) -> None:
    """List the files of a dataset: status, licence, source repository, path, commit and sha256."""
    from .. import datasets

    try:
        chosen = datasets.files(name)
    except AttunementError as error:
        _fail(error)
        return
    table = Table(show_lines=True)
    for column in ("file", "status", "licence", "source (repository, path @ commit)", "sha256"):
        table.add_column(column, overflow="fold")
    for file in chosen:
        source = f"{file.repository}, {file.path} @ {file.commit[:12]} ({file.committed})"
        if file.convert:
            source += f"; converted ({file.convert})"
        table.add_row(escape(file.key), _STATUS[datasets.status(file.key)], escape(file.licence), escape(source),
                      file.sha256)
    out_console.print(table)
    if any(not f.shipped for f in chosen):
        out_console.print("Addresses (to download by hand into "
                          f"{escape(str(datasets.cache_dir()))}/<file>):", soft_wrap=True)
        for file in chosen:
            if not file.shipped:
                out_console.print(f"  {escape(file.download_key)}  {escape(file.url)}", soft_wrap=True,
                                  highlight=False)
