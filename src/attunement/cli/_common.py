"""What every ``attune`` command shares: the app, consoles, reading options, progress and failure lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import AttunementError
from ..io import FORMATS, Failure, read, skipped_units
from ..session import Session

app = typer.Typer(
    name="attune", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Measure attunement, rupture and repair in coded face-to-face interaction.")
console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)

FormatOption = Annotated[Optional[str], typer.Option(
    "--format", help=f"Input format, when it cannot be detected: {', '.join(f.name for f in FORMATS)}.")]
PartnerOption = Annotated[Optional[list[str]], typer.Option(
    "--partner", "-p", metavar="SOURCE=PARTNER[:TIER]",
    help="Map a file's tier, column, participant or subject to a partner (and tier), e.g. "
         "--partner p=client or --partner 'Mother engagement=caregiver:engagement'. Repeat as needed.")]
EpisodesOption = Annotated[Optional[str], typer.Option(
    "--episodes", metavar="TIER", help="A tier whose intervals name the episodes (play, still-face, reunion).")]
RateOption = Annotated[Optional[float], typer.Option(
    "--rate", metavar="HZ", help="Samples per second of a sampled table (one row per sample).")]
SessionColumnOption = Annotated[Optional[str], typer.Option(
    "--session-column", metavar="NAME", help="Column naming the session in a sampled table.")]
CloseOption = Annotated[str, typer.Option(
    "--close-unpaired", help="A state START without STOP (BORIS, Observer): 'error', 'last-event' or "
                             "'media-end' (closed there and flagged 'imputed').")]

StrictOption = Annotated[bool, typer.Option(
    "--strict", help="Refuse a whole file when one unit of it (an observation, annotation, cell or row) is bad, "
                     "instead of leaving that unit out and listing it in errors.csv.")]


RecodeOption = Annotated[Optional[list[str]], typer.Option(
    "--recode", metavar="PARTNER:CODE=STATE", help="Map a code to another state, e.g. caregiver:Cpvc=neutral.")]
ExcludeUnknownOption = Annotated[bool, typer.Option(
    "--exclude-unknown", help="Treat codes the scheme does not list as excluded time instead of an error.")]


def _load_scheme(name: str, recode: Sequence[str] | None):
    """The scheme a command names, with any ``--recode`` applied."""
    from ..schemes import load_scheme, parse_recode

    scheme = load_scheme(name)
    return scheme.recoded(parse_recode(list(recode))) if recode else scheme


def _parse_partners(items: Sequence[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items or ():
        source, sep, target = item.partition("=")
        if not (sep and source.strip() and target.strip()):
            raise AttunementError(f"--partner {item!r}: write it as SOURCE=PARTNER or SOURCE=PARTNER:TIER, "
                                  f"e.g. --partner p=client.")
        mapping[source.strip()] = target.strip()
    return mapping


def _fail(error: AttunementError) -> None:
    console.print(f"[bold red]error:[/] {error}", soft_wrap=True)
    raise typer.Exit(1)


def _progress(total: int, label: str) -> tuple[Progress, Callable[[int], None]]:
    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True, disable=total < 20 or not console.is_terminal)
    task = progress.add_task(label, total=total)
    return progress, lambda n: progress.advance(task, n)


def _read_inputs(inputs: Sequence[Path], *, fmt, partners, episodes, rate, session_column,
                 close_unpaired, strict: bool = False) -> tuple[list[Session], list[Failure]]:
    mapping = _parse_partners(partners)
    sessions: list[Session] = []
    failures: list[Failure] = []
    progress, advance = _progress(len(inputs), "reading")
    with progress:
        for path in inputs:
            try:
                sessions.extend(read(path, format=fmt, partners=mapping, episodes_tier=episodes, rate=rate,
                                     session_column=session_column, close_unpaired=close_unpaired,  # type: ignore[arg-type]
                                     strict=strict))
            except AttunementError as error:
                failures.append(Failure(str(path), str(error)))
            advance(1)
    merged, clashes = _merge_same_ids(sessions)
    return merged, failures + skipped_units(sessions) + clashes


def _merge_same_ids(sessions: Sequence[Session]) -> tuple[list[Session], list[Failure]]:
    """Join sessions of one id read from different files (codes from ELAN, signals from OpenFace …).

    Two files that hold the same partner's same tier or signal for one session
    cannot both be right: the later one is listed as a failure.
    """
    from ..io.signals_csv import merge_sessions

    order: dict[str, list[Session]] = {}
    for session in sessions:
        order.setdefault(session.id, []).append(session)
    merged: list[Session] = []
    failures: list[Failure] = []
    for group in order.values():
        base = group[0]
        for other in group[1:]:
            try:
                (base,) = merge_sessions([base, other])
            except AttunementError as error:
                failures.append(Failure(str(other.metadata.get("source", other.id)), str(error)))
        merged.append(base)
    return merged, failures


def _report_notes(sessions: Sequence[Session], limit: int = 10) -> None:
    from ..report import reader_notes

    notes = reader_notes(sessions)
    if notes:
        console.print(f"[yellow]{len(notes)} note(s) from reading the inputs:[/]")
        for source, note in notes[:limit]:
            console.print(f"  • {Path(source).name}: {note}", soft_wrap=True)
        if len(notes) > limit:
            console.print(f"  … and {len(notes) - limit} more (all are listed in the report).")


def _report_failures(failures: Sequence[Failure]) -> None:
    if failures:
        console.print(f"[bold yellow]{len(failures)} input(s) could not be used:[/]")
        for failure in failures:
            console.print(f"  • {failure.message}", soft_wrap=True)


