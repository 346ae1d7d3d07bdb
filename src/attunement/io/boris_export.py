"""BORIS event exports (TSV or CSV): tabular events and aggregated events.

BORIS writes events in two tabular shapes, each in a legacy and a current layout
(FORMATS.md §2). The header row is found by its column names, never by its
position, so the reader takes all four (and a comma or tab delimiter, CRLF or LF):

Tabular events, legacy
    A key/value block first (``Observation id``, ``Media file(s)`` or ``Live
    observation``, ``Player #n``, ``Observation date``, ``Description``, ``Time
    offset (s)``, then ``independent variables`` with ``variable,value`` rows),
    every row padded to the table's width and blank rows between parts. Then the
    header ``Time, Media file path, Total length, FPS, Subject, Behavior,
    Behavioral category, [Modifier n …], Comment, Status``. One observation per
    file: its id is the block's ``Observation id`` (else the file's stem).
Tabular events, current
    One header row: ``Observation id, Observation date, Description, Observation
    duration, Observation type, Source, Time offset (s), Media duration (s), FPS,
    <independent variables>, Subject, Behavior, Behavioral category, Modifier #1
    …, Behavior type, Time, Media file name, Image index, Image file path,
    Comment``; any number of observations.
Aggregated events, legacy and current
    One row per bout: ``Subject, Behavior, Behavioral category``, the modifiers
    (``Modifiers`` or ``Modifier #n``), ``Behavior type`` (STATE or POINT),
    ``Start (s), Stop (s), Duration (s)`` (``NA`` for a point, whose Start =
    Stop), per ``Observation id``. Bouts are clipped to the time range chosen at
    export. A legacy aggregated file saved without its header row is read by
    position (the 19-plus columns of the legacy layout), with a warning.

Rows of the tabular layouts are START/STOP/POINT events: they are paired exactly
as in a project (see :mod:`attunement.io.boris`: sort stably by time, subject,
code; one state per subject, code and exact modifier string), and a START/STOP
label that contradicts that pairing is an error. An unpaired START is an error
unless ``close_unpaired`` says where to close it (flagged ``"imputed"``).

Sessions, partners, tiers and codes follow the project reader: one Session per
observation id; partner = subject (``No focal subject`` → ``"unassigned"``);
tier = behavioural category or ``"behavior"``; code = behaviour code, or
``"code [modifiers]"`` with the modifier columns joined by ``|``.

Headerless and renamed layouts
    A legacy tabular export whose header block and header row were cut off is
    read by position (``Time, Media file path, Total length, FPS, Subject,
    Behavior, [Behavioral category, modifiers …], Comment, Status``; LIVE rows
    carry ``NA`` for the media, length and FPS). BORIS-App's observation file
    (``<id>.boris_observation.tsv``: ``time, behaviour[, START|STOP]`` per line,
    no header, no subject; a row without a status is a point) is read as one
    observation without a focal subject. Renamed columns that editing or
    localisation produce (``Behaviour``, ``Start (seconds)``, ``Modifier 1`` …)
    are matched to BORIS's names, case-insensitively. A header that names
    BORIS's columns but lacks one a layout needs is refused, naming it.

Units of failure
    A row shorter than the header, or without a usable time or status, is left
    out and listed with its line in ``metadata["skipped"]``; an observation
    whose events cannot be paired is left out and listed the same way; the rest
    is read. ``strict`` refuses the file at the first such unit.

BORIS's 1-ms gaps (a state stopped 1 ms before the next starts) are closed as
in the project reader (:func:`attunement.io.boris.close_tool_gaps`).

A BORIS *observation list* export (one row per observation, no events) is
recognised and refused with a message that says which export to make instead.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FileFormatError
from ..session import Session
from ._common import decode_text, read_bytes, skip_unit
from .boris import (
    DEFAULT_TIER,
    NO_FOCAL_SUBJECT,
    Bout,
    Event,
    SourceTracker,
    check_episodes_tier,
    close_unpaired,
    pair_events,
    session_from_bouts,
    whitespace_warnings,
)

__all__ = ["sniff", "read"]

_STATUS_KINDS = {"START": "state", "STOP": "state", "POINT": "point"}
_BOUT_TYPES = ("STATE", "POINT")
_FPS_COLUMNS = ("FPS", "FPS (frame/s)")
_HEADER_SCAN_ROWS = 200
#: Column names of the legacy aggregated layout, counted from the row's end.
_LEGACY_AGGREGATED_TAIL = ("Subject", "Behavior", "Behavioral category", "Modifiers", "Behavior type",
                           "Start (s)", "Stop (s)", "Duration (s)", "Comment start", "Comment stop")
_LEGACY_TABULAR_HEAD = ("Time", "Media file path", "Total length", "FPS", "Subject", "Behavior")
_LEGACY_AGGREGATED_HEAD = ("Observation id", "Observation date", "Description", "Media file",
                           "Total length", "FPS")


# ------------------------------------------------------------------- table
@dataclass
class _Table:
    """The file's rows, cells as written, with the line each row starts on.

    The delimiter is the extension's (``.tsv`` tab, ``.csv`` comma), else the
    commoner of tab and comma in the first non-blank line.
    """

    rows: list[list[str]]
    lines: list[int]  # 1-based line on which each row starts

    @classmethod
    def parse(cls, text: str, *, name: str, strict: bool = True) -> _Table:
        suffix = Path(name).suffix.lower()
        first = next((line for line in text.split("\n") if line.strip()), "")
        if suffix in (".tsv", ".csv"):
            delimiter = "\t" if suffix == ".tsv" else ","
        else:
            delimiter = "\t" if first.count("\t") >= first.count(",") and "\t" in first else ","
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows, lines, previous = [], [], 0
        try:
            for row in reader:
                rows.append(row)
                lines.append(previous + 1)
                previous = reader.line_num
        except csv.Error as error:
            if strict:
                raise FileFormatError(
                    f"{name}: line {previous + 1}: the table cannot be parsed ({error}). Check the "
                    f"quoting, or export the events from BORIS again.") from None
        return cls(rows, lines)


def _blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


# ------------------------------------------------------------------ layout
@dataclass
class _Layout:
    kind: str                      # "tabular" | "aggregated" | "observation-list" | "incomplete"
    version: str                   # "legacy" | "current" | "app"
    header_row: int | None         # index into _Table.rows; None: headerless (positional)
    columns: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    missing: str = ""              # for "incomplete": what a BORIS-looking header lacks


#: Renamed columns seen in edited or localised exports → BORIS's names (matched case-insensitively,
#: with runs of spaces collapsed).
_ALIASES = {
    "behaviour": "Behavior", "behavioural category": "Behavioral category",
    "behaviour type": "Behavior type", "event type": "Behavior type",
    "start (seconds)": "Start (s)", "start (sec)": "Start (s)", "start": "Start (s)",
    "stop (seconds)": "Stop (s)", "stop (sec)": "Stop (s)", "stop": "Stop (s)",
    "duration (seconds)": "Duration (s)", "duration (sec)": "Duration (s)",
    "time (s)": "Time", "time (seconds)": "Time", "time (sec)": "Time",
    "subject name": "Subject", "focal subject": "Subject", "media file name": "Media file name",
}
_KNOWN = ("Observation id", "Observation date", "Description", "Observation duration", "Observation type",
          "Source", "Time offset (s)", "Media duration (s)", "FPS", "FPS (frame/s)", "Media file path",
          "Media file", "Total length", "Subject", "Behavior", "Behavioral category", "Modifiers",
          "Behavior type", "Status", "Time", "Start (s)", "Stop (s)", "Duration (s)", "Comment",
          "Comment start", "Comment stop", "Subjects", "Media file name", "Image index", "Image file path")
_CANONICAL = {**{name.lower(): name for name in _KNOWN}, **_ALIASES}
#: Columns only BORIS writes: a header naming one of them besides a behaviour column is BORIS's.
_BORIS_MARKERS = ("Behavioral category", "Behavior type", "Status", "Media file path", "Observation id",
                  "Start (s)", "Stop (s)", "Total length", "FPS", "FPS (frame/s)", "Modifiers",
                  "Comment start")


def _canonical(cell: str) -> str:
    name = " ".join(cell.split())
    if re.fullmatch(r"(?i)modifier ?#? ?\d+", name):
        return "Modifier #" + re.sub(r"\D", "", name)
    return _CANONICAL.get(name.lower(), name)


def _classify_header(row: Sequence[str]) -> tuple[str, str] | tuple[str, str, str] | None:
    names = {_canonical(cell) for cell in row}
    if "Behavior" in names and "Start (s)" in names and "Stop (s)" in names:
        legacy = "Observation type" not in names
        return "aggregated", "legacy" if legacy else "current"
    if "Behavior" in names and "Time" in names and "Status" in names:
        return "tabular", "legacy"
    if "Behavior" in names and "Time" in names and "Behavior type" in names:
        return "tabular", "current"
    if "Observation id" in names and "Subjects" in names and "Behavior" not in names:
        return "observation-list", "legacy"
    markers = sorted(names & set(_BORIS_MARKERS))
    if ("Behavior" in names and markers) or len(markers) >= 3:
        # a BORIS header that lacks what a reader needs: say which column
        if "Behavior" not in names:
            missing = "Behavior"
        elif "Start (s)" in names or "Stop (s)" in names:
            missing = "Stop (s)" if "Start (s)" in names else "Start (s)"
        elif "Time" not in names:
            missing = "Time (or Start (s) and Stop (s))"
        else:
            missing = "Status (or Behavior type)"
        return "incomplete", "legacy", missing
    return None


_STATUSES = ("START", "STOP", "POINT")


def _headerless_aggregated(row: Sequence[str]) -> bool:
    if len(row) < len(_LEGACY_AGGREGATED_HEAD) + len(_LEGACY_AGGREGATED_TAIL):
        return False
    return row[-6].strip() in _BOUT_TYPES and _float(row[-5]) is not None and _float(row[-4]) is not None


def _headerless_tabular(row: Sequence[str]) -> bool:
    """A legacy tabular row without its header: Time, Media file path, Total length, FPS, Subject,
    Behavior, [Behavioral category, modifiers …], Comment, Status."""
    return (len(row) >= 8 and _float(row[0]) is not None and row[-1].strip().upper() in _STATUSES
            and all(_float(row[i]) is not None or row[i].strip() in ("NA", "") for i in (2, 3)))


def _app_rows(rows: Sequence[Sequence[str]]) -> bool:
    """BORIS-App's observation file: ``time<TAB>behaviour[<TAB>START|STOP]``, no header."""
    data = [r for r in rows[:200] if not _blank(r)]
    if not data or not all(2 <= len(r) <= 3 and _float(r[0]) is not None and r[1].strip()
                           and _float(r[1]) is None for r in data):
        return False
    return all(len(r) == 2 or r[2].strip().upper() in _STATUSES for r in data) and \
        any(len(r) == 3 and r[2].strip().upper() in ("START", "STOP") for r in data)


def _find_layout(table: _Table, *, name: str = "") -> _Layout | None:
    for index, row in enumerate(table.rows[:_HEADER_SCAN_ROWS]):
        found = _classify_header(row)
        if found:
            names = [_canonical(cell) for cell in row]
            columns: dict[str, int] = {}
            for i, column in enumerate(names):
                columns.setdefault(column, i)
            return _Layout(found[0], found[1], index, columns, names, found[2] if len(found) > 2 else "")
    first = next((row for row in table.rows if not _blank(row)), None)
    if first is not None and _headerless_aggregated(first):
        return _Layout("aggregated", "legacy", None)
    if first is not None and _headerless_tabular(first):
        return _Layout("tabular", "legacy", None)
    if _app_rows(table.rows) or (name.lower().endswith(".boris_observation.tsv") and first is not None
                                 and 2 <= len(first) <= 3 and _float(first[0]) is not None):
        return _Layout("tabular", "app", None)
    return None


def sniff(path: Path, head: bytes) -> bool:
    """A table whose header row names BORIS's export columns (or a headerless aggregated export)."""
    try:
        text = decode_text(head, name=path.name)
    except FileFormatError:  # the head may end mid-character
        text = head.decode("utf-8-sig", errors="replace")
    if len(head) >= 64 * 1024 and "\n" in text:
        text = text.rsplit("\n", 1)[0]  # drop a line cut by the head's end
    return _find_layout(_Table.parse(text, name=path.name, strict=False), name=path.name) is not None


# ----------------------------------------------------------------- helpers
def _float(value: Any) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _subject(value: str) -> str:
    value = value.strip()
    return "" if value == NO_FOCAL_SUBJECT else value


def _joined_modifiers(cells: Sequence[str]) -> str:
    parts = list(cells)
    while parts and parts[-1] == "":
        parts.pop()
    return "|".join(parts)


class _Row:
    """One data row, read by column name (or by position for a headerless file)."""

    def __init__(self, cells: list[str], line: int, layout: _Layout) -> None:
        self.cells, self.line, self.layout = cells, line, layout
        width = len(cells)
        if layout.header_row is not None:
            self.columns = layout.columns
        elif layout.version == "app":
            self.columns = {"Time": 0, "Behavior": 1, "Status": 2}
        elif layout.kind == "tabular":
            self.columns = {n: i for i, n in enumerate(_LEGACY_TABULAR_HEAD)}
            if width >= 9:  # BORIS ≥ 7 writes the category after the behaviour
                self.columns["Behavioral category"] = 6
            self.columns.update({"Comment": width - 2, "Status": width - 1})
        else:
            self.columns = {n: i for i, n in enumerate(_LEGACY_AGGREGATED_HEAD)}
            self.columns.update({n: width - len(_LEGACY_AGGREGATED_TAIL) + i
                                 for i, n in enumerate(_LEGACY_AGGREGATED_TAIL)})

    def get(self, *names: str, default: str = "") -> str:
        for column in names:
            i = self.columns.get(column)
            if i is not None and 0 <= i < len(self.cells):
                return self.cells[i]
        return default

    def between(self, after: str, before: Sequence[str]) -> list[str]:
        """Cells strictly between column ``after`` and the first of ``before`` that exists."""
        start = self.columns.get(after)
        if start is None or start < 0:
            return []
        ends = [self.columns[b] for b in before if b in self.columns and self.columns[b] > start]
        if not ends:
            return []
        return self.cells[start + 1:min(ends)]

    def time(self, column: str, *, name: str) -> float:
        value = self.get(column)
        number = _float(value)
        if number is None:
            raise FileFormatError(
                f"{name}: line {self.line}: {column} {value!r} is not a number of seconds (an IMAGES "
                f"observation without timestamps?). attunement needs timed events; export an "
                f"observation coded against media or live time.")
        return number


@dataclass
class _Observation:
    """What the rows of one observation id say."""

    id: str
    rows: list[_Row] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    def tier_of(self, code: str) -> str:
        return self.categories.get(code, DEFAULT_TIER)


# ------------------------------------------------------ legacy header block
def _legacy_block(rows: Sequence[Sequence[str]]) -> dict[str, Any]:
    """The key/value block above a legacy tabular header."""
    meta: dict[str, Any] = {}
    players: dict[str, list[str]] = {}
    ivs: dict[str, str] = {}
    in_ivs = False
    for row in rows:
        cells = [c for c in row]
        key = cells[0].strip() if cells else ""
        value = cells[1] if len(cells) > 1 else ""
        if _blank(cells):
            in_ivs = False
            continue
        if in_ivs:
            if key != "variable":
                ivs[key] = value
            continue
        if key == "independent variables":
            in_ivs = True
        elif key == "Observation id":
            meta["observation_id"] = value
        elif key in ("Media file(s)", "Live observation"):
            meta["observation_type"] = "MEDIA" if key == "Media file(s)" else "LIVE"
        elif re.fullmatch(r"Player #\d+", key):
            players.setdefault(key.split("#")[1], []).append(value)
        elif key == "Observation date":
            meta["date"] = value
        elif key == "Description":
            meta["description"] = value
        elif key == "Time offset (s)":
            meta["time_offset_s"] = _float(value) or 0.0
    if players:
        meta["media_files"] = players
    if ivs:
        meta["independent_variables"] = ivs
    return meta


# ------------------------------------------------------------- observations
def _observations(table: _Table, layout: _Layout, *, path: Path) -> list[_Observation]:
    name = path.name
    start = 0 if layout.header_row is None else layout.header_row + 1
    block = _legacy_block(table.rows[:layout.header_row]) if layout.header_row else {}
    stem = path.name[:-len(".boris_observation.tsv")] if path.name.lower().endswith(".boris_observation.tsv") \
        else path.stem
    default_id = str(block.pop("observation_id", "") or stem)
    observations: dict[str, _Observation] = {}
    for cells, line in zip(table.rows[start:], table.lines[start:]):
        if _blank(cells):
            continue
        row = _Row(cells, line, layout)
        obs_id = row.get("Observation id").strip() if "Observation id" in row.columns else default_id
        if not obs_id:
            raise FileFormatError(f"{name}: line {line}: the Observation id is empty. Export the events "
                                  f"from BORIS again, without editing that column.")
        obs = observations.get(obs_id)
        if obs is None:
            obs = observations[obs_id] = _Observation(obs_id, metadata=dict(block))
            _first_row_metadata(obs, row)
        obs.rows.append(row)
        code = row.get("Behavior")
        category = row.get("Behavioral category").strip()
        if category and code not in obs.categories:
            obs.categories[code] = category
    if not observations:
        raise FileFormatError(f"{name}: the export has a header but no event rows. Export the events "
                              f"again with at least one subject and behaviour selected.")
    return list(observations.values())


def _first_row_metadata(obs: _Observation, row: _Row) -> None:
    meta = obs.metadata
    meta["export_layout"] = f"{row.layout.version} {row.layout.kind}"
    for column, key in (("Observation date", "date"), ("Description", "description"),
                        ("Observation type", "observation_type"), ("Source", "source_media")):
        if column in row.columns and key not in meta:
            meta[key] = row.get(column)
    offset = _float(row.get("Time offset (s)"))
    if offset is not None:
        meta["time_offset_s"] = offset
    length = _float(row.get("Media duration (s)", "Total length"))
    if length is not None:
        meta["media_length_s"] = length
    fps = _float(row.get(*_FPS_COLUMNS))
    if fps is not None:
        meta["fps"] = fps
    if row.layout.header_row is not None:
        fps_column = next((c for c in _FPS_COLUMNS if c in row.columns), None)
        if fps_column:
            labels = row.layout.names[row.columns[fps_column] + 1:row.columns.get("Subject", 0)]
            values = row.between(fps_column, ["Subject"])
            if labels:
                meta["independent_variables"] = dict(zip(labels, values))


def _media_files(obs: _Observation) -> None:
    files = []
    for row in obs.rows:
        value = row.get("Media file path", "Media file name", "Media file").strip()
        if value and value not in ("NA", "LIVE") and value not in files:
            files.append(value)
    if files and "media_files" not in obs.metadata:
        obs.metadata["media_files"] = {"1": files}
    if "observation_type" not in obs.metadata and obs.rows:
        media = obs.rows[0].get("Media file path", "Media file name", "Media file").strip()
        if media == "LIVE":
            obs.metadata["observation_type"] = "LIVE"
        elif media and media != "NA":
            obs.metadata["observation_type"] = "MEDIA"


def _modifiers(row: _Row) -> str:
    layout = row.layout
    if layout.version == "app":
        return ""
    if "Modifiers" in row.columns or (layout.header_row is None and layout.kind == "aggregated"):
        return row.get("Modifiers")
    return _joined_modifiers(row.between("Behavioral category", ["Behavior type", "Status", "Comment"]))


def _row_problem(row: _Row, needed: Sequence[str]) -> str | None:
    """Why a row cannot be read (a needed cell is missing), or None."""
    width = len(row.layout.names) if row.layout.header_row is not None else None
    missing = [c for c in needed if c in row.columns and not 0 <= row.columns[c] < len(row.cells)]
    if missing:
        have = f"{len(row.cells)} field(s)" + (f" where the header has {width}" if width else "")
        return f"has {have}: its {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    return None


def _skip_row(row: _Row, problem: str, *, name: str, options, skipped: list[str]) -> None:
    skip_unit(options.strict, skipped,
              f"{name}: line {row.line}: the row {problem}. The row was left out (--strict refuses the file); "
              f"correct it, or export the events from BORIS again.")


# ------------------------------------------------------------------ tabular
def _tabular_bouts(obs: _Observation, *, name: str, options, skipped: list[str]) -> tuple[list[Bout], list[str]]:
    layout = obs.rows[0].layout
    status_column = "Behavior type" if layout.version == "current" else "Status"
    events = []
    for row in obs.rows:
        needed = ("Time", "Behavior") if layout.version == "app" else ("Time", "Subject", "Behavior", status_column)
        problem = _row_problem(row, needed)
        status = row.get(status_column).strip().upper()
        if layout.version == "app" and not status:
            status = "POINT"  # BORIS-App writes points without a status
        time = _float(row.get("Time"))
        if problem is None and status not in _STATUS_KINDS:
            problem = f"has {status_column} {row.get(status_column)!r}; expected START, STOP or POINT"
        if problem is None and time is None:
            problem = (f"has Time {row.get('Time')!r}, which is not a number of seconds (an IMAGES "
                       f"observation without timestamps?)")
        if problem is not None:
            _skip_row(row, problem, name=name, options=options, skipped=skipped)
            continue
        events.append(Event(time, _subject(row.get("Subject")), row.get("Behavior"),  # type: ignore[arg-type]
                            _modifiers(row), _STATUS_KINDS[status], f"line {row.line}", status
                            if status != "POINT" else ""))
    if not events:
        raise FileFormatError(f"{name}: observation {obs.id!r} has no readable event row. Export the events "
                              f"from BORIS again.")
    bouts, unpaired = pair_events(events, name=name, observation=obs.id)
    media_end, problem = None, "the export gives no media length"
    meta = obs.metadata
    if meta.get("observation_type") == "MEDIA" and meta.get("media_length_s") is not None:
        media_end = meta.get("time_offset_s", 0.0) + meta["media_length_s"]
    elif meta.get("observation_type") == "LIVE":
        problem = "it is a LIVE observation with no media length"
    closed, warnings = close_unpaired(
        unpaired, how=options.close_unpaired, last_event=max(e.time for e in events),
        media_end=media_end, media_end_problem=problem, name=name, observation=obs.id)
    return bouts + closed, warnings + whitespace_warnings(events)


# --------------------------------------------------------------- aggregated
def _aggregated_bouts(obs: _Observation, *, name: str, options, skipped: list[str]) -> list[Bout]:
    bouts = []
    for row in obs.rows:
        problem = _row_problem(row, ("Subject", "Behavior", "Behavior type", "Start (s)", "Stop (s)"))
        kind = row.get("Behavior type").strip().upper()
        onset, stop = _float(row.get("Start (s)")), _float(row.get("Stop (s)"))
        if problem is None and kind not in _BOUT_TYPES:
            problem = f"has Behavior type {row.get('Behavior type')!r}; expected STATE or POINT"
        if problem is None and (onset is None or (kind == "STATE" and stop is None)):
            column = "Start (s)" if onset is None else "Stop (s)"
            problem = (f"has {column} {row.get(column)!r}, which is not a number of seconds (an IMAGES "
                       f"observation without timestamps?)")
        offset = onset if kind == "POINT" else stop
        if problem is None and offset < onset:  # type: ignore[operator]
            problem = (f"has behaviour {row.get('Behavior')!r} stopping ({offset:.3f} s) before it starts "
                       f"({onset:.3f} s)")
        if problem is not None:
            _skip_row(row, problem, name=name, options=options, skipped=skipped)
            continue
        bouts.append(Bout(_subject(row.get("Subject")), row.get("Behavior"), _modifiers(row), onset, offset))  # type: ignore[arg-type]
    if not bouts:
        raise FileFormatError(f"{name}: observation {obs.id!r} has no readable row. Export the events from "
                              f"BORIS again.")
    return bouts


# --------------------------------------------------------------------- read
def read(path: Path, options) -> list[Session]:
    """Read a BORIS tabular or aggregated events export (see the module docstring).

    The unit of failure is the row, then the observation: a row that is
    shorter than the header, or has no usable time or status, is left out and
    listed (``metadata["skipped"]``, with its line); an observation whose
    events cannot be paired (an unpaired START that ``close_unpaired`` does not
    close) is left out and listed. ``options.strict`` refuses the file instead.

    Raises
    ------
    FileFormatError
        When no BORIS export header is found; for a BORIS header that lacks a
        needed column (named); for an observation list; when no observation
        can be read; with ``strict``, for any bad row or observation.
    """
    path = Path(path)
    name = path.name
    table = _Table.parse(decode_text(read_bytes(path), name=name), name=name)
    layout = _find_layout(table, name=name)
    if layout is None:
        raise FileFormatError(
            f"{name}: no BORIS export header found (expected a row naming Subject, Behavior and either "
            f"Time with Status/Behavior type, or Start (s) and Stop (s)). Export the events from BORIS "
            f"as tabular or aggregated events, in TSV or CSV.")
    if layout.kind == "incomplete":
        raise FileFormatError(
            f"{name}: line {table.lines[layout.header_row or 0]}: looks like a BORIS events export, but its "
            f"header has no {layout.missing} column (it has: {', '.join(n for n in layout.names if n)}). "
            f"Restore BORIS's column names (tabular events need Time and Status or Behavior type; aggregated "
            f"events need Start (s) and Stop (s)), or export the events from BORIS again.")
    if layout.kind == "observation-list":
        raise FileFormatError(
            f"{name}: this is a BORIS observation list (one row per observation: id, date, subjects, "
            f"media), not an events export, so it holds no coded events. In BORIS, export the events "
            f"instead (tabular events or aggregated events), or read the .boris project itself.")
    observations = _observations(table, layout, path=path)
    check_episodes_tier(options, name=name, codes=[r.get("Behavior") for o in observations for r in o.rows],
                        tiers=[DEFAULT_TIER, *(c for o in observations for c in o.categories.values())])
    tracker = SourceTracker(set())
    sessions = []
    skipped: list[str] = []
    for obs in observations:
        _media_files(obs)
        try:
            if layout.kind == "tabular":
                bouts, warnings = _tabular_bouts(obs, name=name, options=options, skipped=skipped)
            else:
                bouts, warnings = _aggregated_bouts(obs, name=name, options=options, skipped=skipped), []
        except FileFormatError as error:
            skip_unit(options.strict, skipped, f"{error} The observation was left out; the rest of the file "
                                               f"was read (--strict refuses the whole file).")
            continue
        if layout.header_row is None:
            what = {"app": "BORIS-App's observation file (time, behaviour, START/STOP); no subject",
                    "tabular": "BORIS's legacy tabular-events layout",
                    "aggregated": "BORIS's legacy aggregated-events layout"}
            warnings.insert(0, f"the file has no header row; its columns were read by position, as "
                               f"{what['app' if layout.version == 'app' else layout.kind]}")
        metadata = dict(obs.metadata)
        if warnings:
            metadata["warnings"] = warnings
        sessions.append(session_from_bouts(session_id=obs.id, bouts=bouts, tier_of=obs.tier_of,
                                            options=options, metadata=metadata, name=name, tracker=tracker))
    if not sessions:
        first = skipped[0] if skipped else "no rows"
        raise FileFormatError(f"{name}: none of its observations could be read; the first problem: {first}")
    options.partners.check_all_used(name=name, available=tracker.available())
    if skipped:
        sessions = [s.replace(metadata={**s.metadata, "skipped": list(skipped)}) for s in sessions]
    return sessions
