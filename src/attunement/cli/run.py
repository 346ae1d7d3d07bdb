"""``attune run`` (a study manifest, resumably, optionally on Dask) and ``attune query`` (SQL over its store)."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..errors import AttunementError
from ._common import _fail, app, console, esc, out_console

StoreOption = Annotated[Optional[Path], typer.Option(
    "--store", metavar="DIR", help="The store folder (default: the manifest's 'store', else ./attunement-store "
                                   "beside it).")]


@contextlib.contextmanager
def _dask_client(workers: int | None, scheduler: str | None):
    """A Dask client: a local cluster of ``workers`` processes, or the scheduler at ``scheduler``; None for neither."""
    if workers is None and scheduler is None:
        yield None
        return
    if workers is not None and scheduler is not None:
        raise AttunementError("--workers starts a local Dask cluster and --scheduler uses an existing one; give one "
                              "of them.")
    if workers is not None and workers < 1:
        raise AttunementError(f"--workers must be 1 or more, got {workers}.")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise AttunementError("--workers and --scheduler need Dask: pip install 'attunement[study]'.") from None
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


@app.command()
def run(
    manifest: Annotated[Path, typer.Argument(help="The study manifest (YAML): inputs, scheme, metadata, analyses.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List every unit, whether it would run and why; compute nothing.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", metavar="N", help="Run the units on a local Dask cluster of N worker processes.")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="Run the units on an existing Dask cluster (e.g. tcp://10.0.0.5:8786); its workers must see the store.")] = None,
    store: StoreOption = None,
    rehash: Annotated[bool, typer.Option("--rehash", help="Hash every input file again instead of trusting the store's cache of hashes (kept by path, size, modification and status-change time and inode).")] = False,
) -> None:
    """Run a study manifest: every analysis of every input, recomputing only what changed; results in a store."""
    from ..study.manifest import load_manifest
    from ..study.runner import dry_run as plan_run
    from ..study.runner import run_study
    from ..study.store import Store

    try:
        study = load_manifest(manifest)
        if dry_run:
            statuses, removed = plan_run(study, store=store, rehash=rehash)
            out_console.print(_plan_table(statuses))
            for path in removed:
                out_console.print(esc(f"would remove {path.parent.name}/{path.name}: the manifest no longer holds it"))
            counts = Counter("up to date" if s == "up to date" else "run" for _, s in statuses)
            console.print(f"{counts['run']} of {len(statuses)} unit(s) would run; {counts['up to date']} up to date.")
            return
        shown: dict = {}

        def start(total: int) -> None:
            # shown for any number of units (a study of a few videos runs for minutes), on a terminal only
            progress = Progress(TextColumn("computing units"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                console=console, transient=True, disable=total == 0 or not console.is_terminal)
            task = progress.add_task("units", total=total)
            shown["progress"], shown["advance"] = progress, lambda n: progress.advance(task, n)
            shown["progress"].start()

        with _dask_client(workers, scheduler) as client:
            try:
                report = run_study(study, store=store, client=client, on_start=start, rehash=rehash,
                                   on_done=lambda unit, error: shown["advance"](1))
            finally:
                if "progress" in shown:
                    shown["progress"].stop()
    except AttunementError as error:
        _fail(error)
        return
    root = Store(store or study.store).root
    up = sum(1 for _, s in report.statuses if s == "up to date")
    if report.failures:
        console.print(f"[bold yellow]{len(report.failures)} unit(s) failed; the rest were written. Each is recorded "
                      f"in the store (view failures) and retried by the next run:[/]")
        for failure in report.failures:
            console.print(f"  • {esc(failure.message)}", soft_wrap=True)
    console.print(esc(f"Study {study.study}: computed {len(report.computed)} unit(s), {up} up to date"
                      + (f", {len(report.failures)} failed" if report.failures else "")
                      + (f", removed {len(report.removed)}" if report.removed else "")
                      + f" in {report.seconds:.1f} s ({report.hashed} input file(s) hashed, {report.reused} "
                      + f"unchanged); store: {root} (query it with `attune query`)."))
    if report.failures:
        raise typer.Exit(3)


def _plan_table(statuses) -> Table:
    table = Table(title="units of the study", title_justify="left")
    for column in ("analysis", "unit", "inputs", "runs", "why"):
        table.add_column(column, justify="right" if column == "inputs" else "left")
    for unit, status in statuses:
        table.add_row(unit.analysis, esc(unit.name), str(len(unit.inputs)), "no" if status == "up to date" else "yes",
                      status)
    return table


@app.command()
def query(
    manifest: Annotated[Path, typer.Argument(help="A study manifest (YAML), or a store folder.")],
    sql: Annotated[str, typer.Argument(help="SQL over the store's views, e.g. \"SELECT * FROM analyze_sessions LIMIT 5\".")],
    csv: Annotated[Optional[Path], typer.Option("--csv", metavar="FILE", help="Also write the whole result as CSV.")] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows shown (the CSV holds all).")] = 40,
    store: StoreOption = None,
) -> None:
    """Query a study's store in SQL (DuckDB): one view per table (analyze_sessions, sequential_lag_cells, …), units and failures."""
    from ..exports import write_table
    from ..study.manifest import load_manifest
    from ..study.store import Store

    try:
        root = store or (manifest if manifest.is_dir() else load_manifest(manifest).store)
        where = Store(root)
        if not any(where.root.glob("study=*")) and not (where.root / "failures").is_dir():
            raise AttunementError(f"{where.root}: no study store here yet; run `attune run MANIFEST` first.")
        where.refresh_views()
        frame = where.query(sql)
        if csv is not None:
            write_table(frame, csv)
    except AttunementError as error:
        _fail(error)
        return
    table = Table(caption=f"{len(frame)} row(s)" + (f", {max_rows} shown" if len(frame) > max_rows else ""))
    for column in frame.columns:
        table.add_column(esc(column), justify="right" if frame[column].dtype.kind in "iufb" else "left")
    for row in frame.head(max_rows).itertuples(index=False):
        table.add_row(*(esc(_cell(v)) for v in row))
    out_console.print(table)
    if csv is not None:
        console.print(esc(f"Wrote {len(frame)} row(s) to {csv}"))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
