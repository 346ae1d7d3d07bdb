"""Read coded interactions from the tools researchers use.

:func:`read` dispatches through an explicit registry of formats: by file
extension first, then by sniffing the content where an extension is shared
(``.csv``, ``.tsv``, ``.txt``). Every reader module defines

- ``sniff(path, head: bytes) -> bool``: whether the file looks like its format;
- ``read(path, options: ReadOptions) -> list[Session]``.

Every reader returns :class:`~attunement.session.Session` objects and raises
:class:`~attunement.errors.FileFormatError` with the file, the place and the fix.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import AttunementError, FileFormatError, SessionError
from ..session import Session
from ._common import PartnerMap

__all__ = ["FORMATS", "Format", "ReadOptions", "read", "read_many", "detect_format", "Failure",
           "skipped_units"]


@dataclass(frozen=True)
class Format:
    """One supported file format and the module that reads it."""

    name: str
    module: str
    extensions: tuple[str, ...]
    description: str

    def load(self):
        return importlib.import_module(f"{__name__}.{self.module}")


#: The registry, in sniffing order: the most specific formats first.
FORMATS: tuple[Format, ...] = (
    Format("elan", "elan", (".eaf",), "ELAN annotation document (EAF 2.x–3.0)"),
    Format("boris", "boris", (".boris", ".boris.gz"), "BORIS project (JSON, optionally gzipped)"),
    Format("datavyu", "datavyu", (".opf",), "Datavyu project (zip with a db file, #2–#4)"),
    Format("observer-otx", "observer", (".otx", ".otb"), "Noldus Observer XT project template (no events)"),
    Format("openface", "openface", (".csv",), "OpenFace 2.x CSV: one row per video frame, one file per partner"),
    Format("tidy", "tidy", (".csv", ".tsv"), "attunement tidy CSV: session, partner, tier, code, onset, offset"),
    Format("signals", "signals_csv", (".csv", ".tsv", ".parquet"),
           "continuous signals: attunement's long CSV or Parquet (session, partner, signal, time_s, value), "
           "or a wide table of time and <partner>_<signal> columns (name this format for it)"),
    Format("boris-export", "boris_export", (".csv", ".tsv"), "BORIS tabular or aggregated events export"),
    Format("observer", "observer", (".txt", ".csv", ".tsv"), "Noldus Observer XT event export (text)"),
    Format("mea", "mea", (".txt",), "Motion Energy Analysis text: one column per region of interest (needs --rate)"),
    Format("datavyu-csv", "datavyu", (".csv",), "Datavyu db saved as CSV, or a datavyu2csv export"),
    Format("sampled", "sampled", (".csv", ".tsv", ".txt"), "one row per time sample, code columns per partner and tier"),
)

_BY_NAME = {f.name: f for f in FORMATS}


@dataclass
class ReadOptions:
    """Options a reader may need; each reader uses those that apply to its format.

    Parameters
    ----------
    partners : PartnerMap or mapping
        Source tier/subject/column → ``"partner"`` or ``"partner:tier"``.
    episodes_tier : str, optional
        A tier (ELAN, Datavyu column, tidy tier) whose intervals name the episodes.
    rate : float, optional
        Samples per second: required for sampled tables and MEA files; for
        signal tables and OpenFace it overrides the rate taken from the times.
    session_column : str, optional
        The column that names the session in sampled tables (default: ``id`` or
        ``session`` when present).
    close_unpaired : {"error", "last-event", "media-end"}
        What to do with a state START that has no STOP (BORIS, Observer): raise a
        clear error (default), or close it at the observation's last event or
        media end, flagged ``"imputed"``.
    strict : bool
        The unit of failure. By default a bad *unit* (a BORIS observation, an
        ELAN annotation, a Datavyu cell, a row) is left out and listed — each
        reader calls :func:`~attunement.io._common.skip_unit`, which records the
        message in the Sessions' ``metadata["skipped"]`` — and the rest of the
        file is read. ``strict=True`` refuses the whole file instead.
    format_named : bool
        Whether the caller named the format (``format=``) rather than letting
        :func:`read` detect it; a reader may then set aside its doubts about a
        guess (the sampled reader's check for continuous columns).
    """

    partners: PartnerMap = field(default_factory=PartnerMap)
    episodes_tier: str | None = None
    rate: float | None = None
    session_column: str | None = None
    close_unpaired: Literal["error", "last-event", "media-end"] = "error"
    strict: bool = False
    format_named: bool = False

    def __post_init__(self) -> None:
        self.partners = PartnerMap.coerce(self.partners)
        if self.rate is not None and not self.rate > 0:
            raise AttunementError(f"--rate must be a positive number of samples per second, got {self.rate}")
        if self.close_unpaired not in ("error", "last-event", "media-end"):
            raise AttunementError(
                f"Invalid value for close_unpaired: {self.close_unpaired!r}. "
                f"Allowed values are 'error', 'last-event', 'media-end'.")


def _candidates(path: Path) -> list[Format]:
    name = path.name.lower()
    return [f for f in FORMATS if any(name.endswith(ext) for ext in f.extensions)]


def _not_a_file(path: Path) -> FileFormatError:
    if path.is_dir():
        return FileFormatError(
            f"{path}: is a folder, not a file. Name a file in it, or give the folder to an attune command, "
            f"which reads every file in it whose format it knows.")
    return FileFormatError(f"{path}: no such file. Check the path.")


def detect_format(path: str | Path) -> Format:
    """The format of a file, by extension and, where that is shared, by content.

    Raises
    ------
    FileFormatError
        When no registered format fits; the message lists the formats.
    """
    path = Path(path)
    if not path.is_file():
        raise _not_a_file(path)
    candidates = _candidates(path)
    if len(candidates) == 1:
        return candidates[0]
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError as error:
        raise FileFormatError(f"{path}: cannot read the file ({error.strerror}).") from None
    for fmt in candidates or FORMATS:
        if fmt.load().sniff(path, head):
            return fmt
    known = "; ".join(f"{f.name} ({', '.join(f.extensions)})" for f in FORMATS)
    raise FileFormatError(
        f"{path.name}: does not look like any format attunement reads. Known formats: {known}. "
        f"Name the format with --format if the extension is unusual.")


def read(
    path: str | Path,
    *,
    format: str | None = None,
    partners: PartnerMap | Mapping[str, str] | None = None,
    episodes_tier: str | None = None,
    rate: float | None = None,
    session_column: str | None = None,
    close_unpaired: Literal["error", "last-event", "media-end"] = "error",
    strict: bool = False,
) -> list[Session]:
    """Read one coding file into Sessions.

    Parameters
    ----------
    path : path-like
        The file. Its format is taken from ``format`` or detected.
    format : str, optional
        One of the names in :data:`FORMATS`.
    partners, episodes_tier, rate, session_column, close_unpaired, strict
        See :class:`ReadOptions`.

    Returns
    -------
    list of Session
        One per observation, dyad or session in the file.

    Raises
    ------
    FileFormatError
        When the file cannot be read; the message names the file, the place
        and the fix.
    """
    path = Path(path)
    if format is None:
        fmt = detect_format(path)
    elif format in _BY_NAME:
        fmt = _BY_NAME[format]
        if not path.is_file():
            raise _not_a_file(path)
    else:
        raise AttunementError(
            f"Invalid value for the 'format' parameter: {format!r}. Allowed values are "
            f"{', '.join(repr(f.name) for f in FORMATS)}.")
    options = ReadOptions(partners=PartnerMap.coerce(partners), episodes_tier=episodes_tier, rate=rate,
                          session_column=session_column, close_unpaired=close_unpaired, strict=strict,
                          format_named=format is not None)
    try:
        sessions = fmt.load().read(path, options)
    except SessionError as error:
        # a Session refused what a reader built (overlapping episodes, a time that is not finite)
        # before the reader set its source: name the file
        message = str(error)
        raise SessionError(message if message.startswith(f"{path.name}:") or message.startswith(f"{path}:")
                           else f"{path.name}: {message}") from None
    if not sessions:
        raise FileFormatError(f"{path.name}: holds no coded sessions ({fmt.description}). "
                              f"Check that it is the file you meant and that it was saved after coding.")
    return [s.replace(metadata={"source": str(path), "tool": fmt.name, **s.metadata}) for s in sessions]


@dataclass(frozen=True)
class Failure:
    """An input that could not be read or analysed, and why.

    ``scope`` is ``"file"`` when the whole input failed, ``"unit"`` when one unit
    of it (an observation, annotation, cell or row) was left out and the rest read.
    """

    path: str
    message: str
    scope: str = "file"


def skipped_units(sessions: Iterable[Session]) -> list[Failure]:
    """The units readers left out (``metadata["skipped"]``), once per source and message."""
    failures: list[Failure] = []
    seen: set[tuple[str, str]] = set()
    for session in sessions:
        source = str(session.metadata.get("source", session.id))
        for message in session.metadata.get("skipped") or ():
            if (source, str(message)) not in seen:
                seen.add((source, str(message)))
                failures.append(Failure(source, str(message), scope="unit"))
    return failures


def read_many(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    partners: Mapping[str, str] | None = None,
    episodes_tier: str | None = None,
    rate: float | None = None,
    session_column: str | None = None,
    close_unpaired: Literal["error", "last-event", "media-end"] = "error",
    strict: bool = False,
) -> tuple[list[Session], list[Failure]]:
    """Read many files; a bad file is listed in the failures and the rest go on.

    Units the readers left out (see :class:`ReadOptions`) are listed too, with ``scope="unit"``.
    """
    sessions: list[Session] = []
    failures: list[Failure] = []
    for path in paths:
        try:
            sessions.extend(read(path, format=format, partners=dict(partners or {}),
                                 episodes_tier=episodes_tier, rate=rate,
                                 session_column=session_column, close_unpaired=close_unpaired,
                                 strict=strict))
        except AttunementError as error:
            failures.append(Failure(str(path), str(error)))
    return sessions, failures + skipped_units(sessions)


def format_names() -> Sequence[str]:
    return [f.name for f in FORMATS]
