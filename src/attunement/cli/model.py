"""The model's command: ``attune simulate`` writes simulated, coded sessions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AttunementError
from ._common import OverwriteOption, _fail, _output_files, app, console, esc

#: ``--arousal-format auto`` writes CSV up to this many dyads, Parquet beyond.
AROUSAL_CSV_MAX_DYADS = 100


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: tidy CSV (.csv) or ELAN (.eaf; one file per dyad when there are several).")],
    preset: Annotated[str, typer.Option("--preset", help="attuned, intrusive, withdrawn or typical.")] = "typical",
    protocol: Annotated[Optional[str], typer.Option("--protocol", help="'still-face' (play, still-face, reunion) or 'free-play' (default).")] = None,
    seconds: Annotated[Optional[float], typer.Option("--seconds", help="Length of free play (default 180 s), or of each still-face episode (default 120 s).")] = None,
    dyads: Annotated[int, typer.Option("--dyads", help="Number of dyads.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same options give the same sessions.")] = 0,
    coder_noise: Annotated[float, typer.Option("--coder-noise", help="Probability that a coded bout is misclassified.")] = 0.0,
    dt: Annotated[float, typer.Option("--dt", help="Time step in seconds (default 0.25, the 1/4 s time base of Tronick & Cohn 1989; at most 1). Every code lasts a whole number of steps; each episode must too.")] = 0.25,
    overwrite: OverwriteOption = False,
    truth: Annotated[bool, typer.Option("--truth/--no-truth", help="Also write the true mismatch episodes beside the output (<name>.truth.csv).")] = True,
    arousal: Annotated[bool, typer.Option("--arousal", help="Also write the infant's simulated arousal level at every step (0 calm, 1 alert, 2 over-aroused) beside the output: <name>.arousal.csv (signals CSV, read by analyze and sync) or, for large runs, <name>.arousal.parquet (see --arousal-format).")] = False,
    arousal_format: Annotated[str, typer.Option("--arousal-format", help=f"auto (CSV up to {AROUSAL_CSV_MAX_DYADS} dyads, Parquet beyond), csv or parquet.")] = "auto",
) -> None:
    """Simulate coded sessions (ICEP-R) with the mutual regulation model; analyse them with `attune analyze`."""
    from ..exports import write_table
    from ..io import tidy
    from ..io.eaf_writer import write_eaf
    from ..io.signals_csv import signals_frame, write_signals
    from ..model import simulate as run_model

    suffix = out.suffix.lower()
    try:
        if suffix not in (".csv", ".eaf"):
            raise AttunementError(f"--out {out}: write a .csv (tidy CSV) or a .eaf (ELAN) file; "
                                  f"choose a name ending in one of them.")
        if arousal_format not in ("auto", "csv", "parquet"):
            raise AttunementError(f"--arousal-format {arousal_format!r}: choose auto, csv or parquet.")
        with _bar("simulating", 100) as advance:
            sim = run_model(preset, protocol=protocol, seconds=seconds, dyads=dyads, seed=seed,
                            coder_noise=coder_noise, dt=dt, on_progress=advance)
        if suffix == ".csv" or len(sim.sessions) == 1:
            coded = {out: sim.sessions}
        else:
            coded = {out.with_name(f"{out.stem}-{s.id}.eaf"): [s] for s in sim.sessions}
        truth_path = out.with_name(f"{out.stem}.truth.csv")
        parquet = arousal_format == "parquet" or (arousal_format == "auto"
                                                  and len(sim.sessions) > AROUSAL_CSV_MAX_DYADS)
        arousal_path = out.with_name(f"{out.stem}.arousal.{'parquet' if parquet else 'csv'}")
        written = [*coded, *([truth_path] if truth else []), *([arousal_path] if arousal else [])]
        with _output_files(written, overwrite=overwrite) as temps, _bar("writing", len(written)) as advance:
            for path, sessions in coded.items():  # all files or none
                if suffix == ".csv":
                    tidy.write(sessions, temps[path])
                else:
                    write_eaf(sessions[0], temps[path])
                advance(1)
            if truth:
                write_table(sim.truth, temps[truth_path])
                advance(1)
            if arousal and parquet:
                frame = signals_frame(sim.sessions).astype(
                    {"session": "category", "partner": "category", "signal": "category"})
                frame.to_parquet(temps[arousal_path], index=False)
                advance(1)
            elif arousal:
                write_signals(sim.sessions, temps[arousal_path])
                advance(1)
    except AttunementError as error:
        _fail(error)
        return
    console.print(esc(f"Simulated {len(sim.sessions)} {preset} dyad(s) ({sim.protocol.name}); wrote "
                      + (str(written[0]) if len(written) <= 3 else f"{len(written)} files in {out.parent}/")
                      + (f"; the infant's arousal is in {arousal_path.name}" if arousal else "")))
    if suffix == ".eaf":
        console.print("Analyse with: attune analyze FILES.eaf --scheme icep-r"
                      + (" --episodes episodes" if sim.protocol.episodes else "")
                      + " -p 'infant engagement=infant:engagement' -p 'caregiver engagement=caregiver:engagement'",
                      soft_wrap=True)


@contextlib.contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal (stderr) while the block runs; yields the function that advances it."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn(label), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    task = progress.add_task(label, total=total)
    with progress:
        yield lambda n: progress.advance(task, n)
