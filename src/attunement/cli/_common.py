"""What every ``attune`` command shares: the app, consoles, reading options, inputs, outputs, progress and failure lists.

Inputs: a file, a folder (every file under it, recursively, whose extension a
reader knows; hidden entries and folders holding an attune run are skipped) or a
quoted glob pattern (``'data/**/*.eaf'``).

Outputs: every command that writes a folder does it through :func:`_output_run`
(:func:`attunement._files.output_run`): one complete set or nothing, never over an
input, an earlier run only with ``--overwrite``.

Terminal text: everything a user's file or option can put into a message is
printed through :func:`esc` (rich markup escaped), so a code such as ``[/]``
prints as it is.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .._files import MANIFEST, OutputRun, output_files, output_run
from ..errors import AttunementError, did_you_mean
from ..io import FORMATS, Failure, read, skipped_units
from ..session import Session

app = typer.Typer(
    name="attune", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
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


OverwriteOption = Annotated[bool, typer.Option(
    "--overwrite", help="Replace an earlier run's outputs in --out as a whole (never files attune did not write).")]
MetadataOption = Annotated[Optional[Path], typer.Option(
    "--metadata", metavar="FILE", help="A CSV with a 'session' column and fields such as group or dyad, joined "
                                      "onto the sessions.")]


def out_option(default: str, what: str = "Folder for the tables and the report."):
    """The ``--out`` option of a command that writes a folder, with the command's own default folder."""
    return typer.Option("--out", "-o", help=f"{what} Default: ./{default}.")


RecodeOption = Annotated[Optional[list[str]], typer.Option(
    "--recode", metavar="PARTNER:CODE=STATE", help="Map a code to another state, e.g. caregiver:Cpvc=neutral.")]
ExcludeUnknownOption = Annotated[bool, typer.Option(
    "--exclude-unknown", help="Treat codes the scheme does not list as excluded time instead of an error.")]
LabelsOption = Annotated[Optional[Path], typer.Option(
    "--labels", metavar="FILE", help="Names for raw codes: a CSV with columns code,label (optionally partner) or a "
                                     "YAML 'code: label' mapping. Tables keep the code and add a label column.")]


UncodedAsOption = Annotated[Optional[list[str]], typer.Option(
    "--uncoded-as", metavar="PARTNER=STATE",
    help="Read a partner's uncoded time inside the episodes as this state (event-style coding: no annotation = "
         "the behaviour is absent), e.g. --uncoded-as infant=away. Repeat per partner. Scheme key: uncoded.")]
BridgeOption = Annotated[Optional[str], typer.Option(
    "--bridge", metavar="SECONDS",
    help="Give uncoded gaps shorter than this the state coded before them (both partners), or PARTNER=SECONDS. "
         "Scheme key: bridge.")]


def _load_scheme(name: str, recode: Sequence[str] | None, uncoded_as: Sequence[str] | None = None,
                 bridge: str | None = None):
    """The scheme a command names, with any ``--recode``, ``--uncoded-as`` and ``--bridge`` applied."""
    from ..schemes import load_scheme, parse_bridge, parse_recode, parse_uncoded

    scheme = load_scheme(name)
    if recode:
        scheme = scheme.recoded(parse_recode(list(recode)))
    if uncoded_as or bridge is not None:
        scheme = scheme.with_uncoded(parse_uncoded(list(uncoded_as or ())),
                                     parse_bridge(bridge, scheme.partners) if bridge is not None else None)
    return scheme


def _report_analysis_notes(results) -> None:
    """The analysis' warnings and the scheme's episode notes, each once."""
    for warning in getattr(results, "warnings", ()):
        console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    for note in getattr(results, "notes", ()):
        console.print(f"note: {escape(note)}", soft_wrap=True)


def _parse_partners(items: Sequence[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items or ():
        source, sep, target = item.partition("=")
        if not (sep and source.strip() and target.strip()):
            raise AttunementError(f"--partner {item!r}: write it as SOURCE=PARTNER or SOURCE=PARTNER:TIER, "
                                  f"e.g. --partner p=client.")
        mapping[source.strip()] = target.strip()
    return mapping


def esc(value: object) -> str:
    """``value`` as text that rich prints literally (user text may hold ``[bold]`` or ``[/]``)."""
    return escape(str(value))


def _fail(error: AttunementError) -> None:
    console.print(f"[bold red]error:[/] {esc(error)}", soft_wrap=True)
    raise typer.Exit(1)


def _nothing_done(failures: Sequence[Failure], what: str = "analysed") -> AttunementError:
    """The error of a run in which every input failed (the failures are printed first); nothing is written."""
    _report_failures(failures)
    return AttunementError(f"nothing was {what}: every input failed (listed above); no output was written. "
                           f"Fix the inputs and run again.")


# ---------------------------------------------------------------------------- inputs
def _extensions() -> tuple[str, ...]:
    return tuple(sorted({ext for f in FORMATS for ext in f.extensions}))


def _has_glob(text: str) -> bool:
    return any(char in text for char in "*?[")


def _folder_files(folder: Path) -> list[Path]:
    """The files under ``folder`` (recursively) whose extension a reader knows.

    Hidden files and folders, and folders holding an attune run (its manifest), are skipped; so is a
    ``.parquet`` file beside a ``.csv`` of the same name (``attune video`` writes the same table as both).
    """
    extensions = _extensions()
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        if MANIFEST in files and Path(root) != folder:
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(extensions):
                if name.lower().endswith(".parquet") and f"{name[:-len('.parquet')]}.csv" in files:
                    continue
                found.append(Path(root) / name)
    return found


def expand_inputs(inputs: Sequence[Path]) -> tuple[list[Path], list[Failure]]:
    """Files of the given inputs: files as given, folders and glob patterns expanded.

    Returns
    -------
    paths : list of Path
        Files in the order given (a folder's and a pattern's files sorted), each once.
    failures : list of Failure
        A folder that holds no readable file, or a pattern that matches none.
    """
    paths: list[Path] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            found = _folder_files(item)
            if not found:
                failures.append(Failure(str(item), f"{item}: the folder holds no file attunement reads "
                                                   f"(extensions {', '.join(_extensions())}); give files or "
                                                   f"another folder."))
        elif not item.exists() and _has_glob(str(item)):
            found = sorted(Path(p) for p in glob.glob(str(item), recursive=True) if Path(p).is_file())
            if not found:
                failures.append(Failure(str(item), f"{item}: no file matches this pattern; check it, or quote "
                                                   f"it differently."))
        else:
            found = [item]
        for path in found:
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                paths.append(path)
    return paths, failures


def _require_tier(sessions: Sequence[Session], key: tuple[str, str] | None, option: str) -> None:
    """Refuse a ``PARTNER:TIER`` that no session holds, with the near misses among the tiers they do hold."""
    if key is None or not sessions or any(key in s.tiers for s in sessions):
        return
    held = sorted({f"{p}:{t}" for s in sessions for p, t in s.tiers})
    raise AttunementError(f"{option} {key[0]}:{key[1]}: no session holds this tier."
                          f"{did_you_mean(f'{key[0]}:{key[1]}', held)} The sessions hold: "
                          f"{', '.join(held[:20]) or 'no tiers'}{', …' if len(held) > 20 else ''}.")


def _check_format(fmt: str | None) -> None:
    names = [f.name for f in FORMATS]
    if fmt is not None and fmt not in names:
        raise AttunementError(f"--format {fmt!r}: no such format.{did_you_mean(fmt, names)} The formats are "
                              f"{', '.join(names)}.")


def _apply_metadata(sessions: list[Session], metadata: Path | None) -> list[Session]:
    """Sessions with the ``--metadata`` table's fields joined on (by its ``session`` column)."""
    if metadata is None:
        return sessions
    from ..io.metadata import apply_metadata, read_metadata

    table = read_metadata(metadata)
    named = set(table["session"])
    if sessions and not named & {s.id for s in sessions}:
        example = next(iter(sorted(named)), "")
        raise AttunementError(
            f"--metadata {metadata}: its 'session' column names none of the {len(sessions)} session(s) read "
            f"(e.g. it has {example!r}, the inputs have {sessions[0].id!r}).{did_you_mean(sessions[0].id, named)} "
            f"Write the session ids as `attune inspect` shows them.")
    return apply_metadata(sessions, table)


def _metadata_columns(frame, metadata: Path | None):
    """A per-session table with the ``--metadata`` fields appended (joined on ``session``; names it has kept)."""
    if metadata is None or "session" not in frame.columns:
        return frame
    from ..io.metadata import read_metadata

    table = read_metadata(metadata)
    extra = [c for c in table.columns if c not in frame.columns]
    return frame.merge(table[["session", *extra]], on="session", how="left")


# ---------------------------------------------------------------------------- outputs
def _input_files(inputs: Iterable[object]) -> list[str]:
    """Every file among ``inputs`` (folders and patterns expanded; None and missing paths left out)."""
    paths: list[str] = []
    for item in inputs:
        if item is None:
            continue
        path = Path(str(item))
        if path.is_dir():
            paths.append(str(path))
            paths += [str(p) for p in _folder_files(path)]
        elif not path.exists() and _has_glob(str(path)):
            paths += glob.glob(str(path), recursive=True)
        elif path.exists():
            paths.append(str(path))
    return paths


@contextlib.contextmanager
def _output_run(out: Path, *, command: str, inputs: Iterable[object] = (), overwrite: bool = False) -> Iterator[OutputRun]:
    """:func:`attunement._files.output_run` for a command: ``inputs`` may hold folders, patterns and None."""
    with output_run(out, command=command, inputs=_input_files(inputs), overwrite=overwrite) as run:
        yield run


@contextlib.contextmanager
def _output_files(paths: Sequence[Path], *, inputs: Iterable[object] = (), overwrite: bool = False) -> Iterator[dict[Path, Path]]:
    """:func:`attunement._files.output_files` for a command: ``inputs`` may hold folders, patterns and None."""
    with output_files(paths, inputs=_input_files(inputs), overwrite=overwrite) as temps:
        yield temps


def _progress(total: int, label: str) -> tuple[Progress, Callable[[int], None]]:
    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True, disable=total < 20 or not console.is_terminal)
    task = progress.add_task(label, total=total)
    return progress, lambda n: progress.advance(task, n)


def _read_inputs(inputs: Sequence[Path], *, fmt, partners, episodes, rate, session_column,
                 close_unpaired, strict: bool = False, metadata: Path | None = None,
                 require: str | None = None) -> tuple[list[Session], list[Failure]]:
    """Read every input (files, folders, patterns); a bad one is listed and the rest go on.

    ``metadata`` (``--metadata``) is joined onto the sessions; with ``require``
    (what the command does: "analysed", "converted"), a run in which no input
    could be read stops here with :func:`_nothing_done`.
    """
    _check_format(fmt)
    mapping = _parse_partners(partners)
    sessions: list[Session] = []
    inputs, failures = expand_inputs(inputs)
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
    failures = failures + skipped_units(sessions) + clashes
    if require and not merged:
        raise _nothing_done(failures, require)
    return _apply_metadata(merged, metadata), failures


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
            console.print(f"  • {esc(Path(source).name)}: {esc(note)}", soft_wrap=True)
        if len(notes) > limit:
            console.print(f"  … and {len(notes) - limit} more (all are listed in the report).")


_SESSION = re.compile(r"""session ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(: )?""")


def _generic(failure: Failure) -> tuple[str, str, str | None]:
    """A failure's message without its file name and session id: ``(generic, file, session)``."""
    message = failure.message
    name = Path(failure.path).name
    if name and message.startswith(name + ": "):
        message = message[len(name) + 2:]
    match = _SESSION.search(message)
    if match is None:
        return message, name, None
    session = match.group(1)[1:-1]
    generic = message[:match.start()] + ("" if match.group(2) and match.start() == 0 else "session …"
                                         + (match.group(2) or "")) + message[match.end():]
    return generic, name, session


def _distinct(failures: Sequence[Failure]) -> list[str]:
    """Each distinct message once, in first-seen order.

    Messages that differ only in their file name and session id (a scheme that
    does not fit any session of a batch) are said once, followed by how many
    sessions and which files gave them: "… (10 sessions: a, b, c, …; in x.csv)".
    """
    groups: dict[str, list[tuple[Failure, str, str | None]]] = {}
    for failure in failures:
        generic, name, session = _generic(failure)
        groups.setdefault(generic, []).append((failure, name, session))
    lines = []
    for generic, members in groups.items():
        if len(members) == 1:
            lines.append(members[0][0].message)
            continue
        files = list(dict.fromkeys(name for _, name, _ in members if name))
        sessions = list(dict.fromkeys(s for _, _, s in members if s is not None))
        where = f"in {', '.join(files[:3])}{', …' if len(files) > 3 else ''}" if files else ""
        if sessions:
            listed = ", ".join(sessions[:3]) + (", …" if len(sessions) > 3 else "")
            lines.append(f"{generic} ({len(sessions)} sessions: {listed}{'; ' + where if where else ''})")
        elif len(files) > 1:
            lines.append(f"{generic} ({len(members)} times, {where})")
        else:
            lines.append(f"{members[0][0].message} ({len(members)} times)")
    return lines


def _report_failures(failures: Sequence[Failure]) -> None:
    """Print the failures, each distinct message once ("(10 sessions)" when it recurs)."""
    units = [f for f in failures if f.scope == "unit"]
    whole = [f for f in failures if f.scope != "unit"]
    if whole:
        console.print(f"[bold yellow]{len(whole)} input(s) could not be used:[/]")
        for message in _distinct(whole):
            console.print(f"  • {esc(message)}", soft_wrap=True)
    if units:
        files = len({f.path for f in units})
        console.print(f"[bold yellow]{len(units)} part(s) of {files} input(s) were left out "
                      f"(the rest of each file was read; --strict refuses such files):[/]")
        for message in _distinct(units):
            console.print(f"  • {esc(message)}", soft_wrap=True)


