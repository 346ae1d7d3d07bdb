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
from ._common import decode_text, read_bytes
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
    kind: str                      # "tabular" | "aggregated" | "observation-list"
    version: str                   # "legacy" | "current"
    header_row: int | None         # index into _Table.rows; None: headerless (positional)
    columns: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)


def _classify_header(row: Sequence[str]) -> tuple[str, str] | None:
    names = {cell.strip() for cell in row}
    if "Behavior" in names and "Start (s)" in names and "Stop (s)" in names:
        legacy = "Observation type" not in names
        return "aggregated", "legacy" if legacy else "current"
    if "Behavior" in names and "Time" in names and "Status" in names:
        return "tabular", "legacy"
    if "Behavior" in names and "Time" in names and "Behavior type" in names:
        return "tabular", "current"
    if "Observation id" in names and "Subjects" in names and "Behavior" not in names:
        return "observation-list", "legacy"
    return None


def _headerless_aggregated(row: Sequence[str]) -> bool:
    if len(row) < len(_LEGACY_AGGREGATED_HEAD) + len(_LEGACY_AGGREGATED_TAIL):
        return False
    return row[-6].strip() in _BOUT_TYPES and _float(row[-5]) is not None and _float(row[-4]) is not None


def _find_layout(table: _Table) -> _Layout | None:
    for index, row in enumerate(table.rows[:_HEADER_SCAN_ROWS]):
        found = _classify_header(row)
        if found:
            names = [cell.strip() for cell in row]
            columns: dict[str, int] = {}
            for i, column in enumerate(names):
                columns.setdefault(column, i)
            return _Layout(found[0], found[1], index, columns, names)
    first = next((row for row in table.rows if not _blank(row)), None)
    if first is not None and _headerless_aggregated(first):
        return _Layout("aggregated", "legacy", None)
    return None


def sniff(path: Path, head: bytes) -> bool:
    """A table whose header row names BORIS's export columns (or a headerless aggregated export)."""
    try:
        text = decode_text(head, name=path.name)
    except FileFormatError:  # the head may end mid-character
        text = head.decode("utf-8-sig", errors="replace")
    if len(head) >= 64 * 1024 and "\n" in text:
        text = text.rsplit("\n", 1)[0]  # drop a line cut by the head's end
    return _find_layout(_Table.parse(text, name=path.name, strict=False)) is not None


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
        if layout.header_row is None:
            width = len(cells)
            self.columns = {n: i for i, n in enumerate(_LEGACY_AGGREGATED_HEAD)}
            self.columns.update({n: width - len(_LEGACY_AGGREGATED_TAIL) + i
                                 for i, n in enumerate(_LEGACY_AGGREGATED_TAIL)})
        else:
            self.columns = layout.columns

    def get(self, *names: str, default: str = "") -> str:
        for column in names:
            i = self.columns.get(column)
            if i is not None and i < len(self.cells):
                return self.cells[i]
        return default

    def between(self, after: str, before: Sequence[str]) -> list[str]:
        """Cells strictly between column ``after`` and the first of ``before`` that exists."""
        start = self.columns.get(after)
        if start is None:
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
    default_id = str(block.pop("observation_id", "") or path.stem)
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
    if "Modifiers" in row.columns or row.layout.header_row is None:
        return row.get("Modifiers")
    return _joined_modifiers(row.between("Behavioral category", ["Behavior type", "Status", "Comment"]))


# ------------------------------------------------------------------ tabular
def _tabular_bouts(obs: _Observation, *, name: str, options) -> tuple[list[Bout], list[str]]:
    status_column = "Status" if obs.rows[0].layout.version == "legacy" else "Behavior type"
    events = []
    for row in obs.rows:
        status = row.get(status_column).strip().upper()
        if status not in _STATUS_KINDS:
            raise FileFormatError(
                f"{name}: line {row.line}: {status_column} is {row.get(status_column)!r}; expected START, "
                f"STOP or POINT. Export the tabular events from BORIS again.")
        events.append(Event(row.time("Time", name=name), _subject(row.get("Subject")), row.get("Behavior"),
                            _modifiers(row), _STATUS_KINDS[status], f"line {row.line}", status
                            if status != "POINT" else ""))
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
def _aggregated_bouts(obs: _Observation, *, name: str) -> list[Bout]:
    bouts = []
    for row in obs.rows:
        kind = row.get("Behavior type").strip().upper()
        if kind not in _BOUT_TYPES:
            raise FileFormatError(
                f"{name}: line {row.line}: Behavior type is {row.get('Behavior type')!r}; expected STATE "
                f"or POINT. Export the aggregated events from BORIS again.")
        onset = row.time("Start (s)", name=name)
        offset = onset if kind == "POINT" else row.time("Stop (s)", name=name)
        if offset < onset:
            raise FileFormatError(
                f"{name}: line {row.line}: behaviour {row.get('Behavior')!r} stops ({offset:.3f} s) before "
                f"it starts ({onset:.3f} s). Correct the row or export the events again.")
        bouts.append(Bout(_subject(row.get("Subject")), row.get("Behavior"), _modifiers(row), onset, offset))
    return bouts


# --------------------------------------------------------------------- read
def read(path: Path, options) -> list[Session]:
    """Read a BORIS tabular or aggregated events export (see the module docstring).

    Raises
    ------
    FileFormatError
        When no BORIS export header is found, for an observation list, for a
        row without a usable time or status, and for an unpaired START unless
        ``close_unpaired`` says how to close it.
    """
    path = Path(path)
    name = path.name
    table = _Table.parse(decode_text(read_bytes(path), name=name), name=name)
    layout = _find_layout(table)
    if layout is None:
        raise FileFormatError(
            f"{name}: no BORIS export header found (expected a row naming Subject, Behavior and either "
            f"Time with Status/Behavior type, or Start (s) and Stop (s)). Export the events from BORIS "
            f"as tabular or aggregated events, in TSV or CSV.")
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
    for obs in observations:
        _media_files(obs)
        if layout.kind == "tabular":
            bouts, warnings = _tabular_bouts(obs, name=name, options=options)
        else:
            bouts, warnings = _aggregated_bouts(obs, name=name), []
        if layout.header_row is None:
            warnings.insert(0, "the file has no header row; its columns were read by position, as "
                               "BORIS's legacy aggregated-events layout")
        metadata = dict(obs.metadata)
        if warnings:
            metadata["warnings"] = warnings
        sessions.append(session_from_bouts(session_id=obs.id, bouts=bouts, tier_of=obs.tier_of,
                                            options=options, metadata=metadata, name=name, tracker=tracker))
    options.partners.check_all_used(name=name, available=tracker.available())
    return sessions
