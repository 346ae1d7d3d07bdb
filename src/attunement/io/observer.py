"""Noldus The Observer XT: event exports (text) and project templates (``.otx``/``.otb``).

Event export (FORMATS.md §4)
----------------------------
The only Observer *data* a reader needs: one row per event, in columns chosen
at export, so columns are found by name (case and spaces versus underscores
do not matter):

- time: ``Time_Relative_sf`` (seconds from the observation start; also
  ``Time_Relative_s``, ``Time_Relative_hmsf``/``Time_Relative_hms`` as
  ``h:mm:ss.fff``) or, in the older layout, ``Relative Time (seconds)``;
- ``Observation`` (older: ``Observation Name``), ``Event_Log`` (older:
  ``Event Log File Name``), ``Subject``, ``Behavior``, ``Modifier_1…n``,
  ``Event_Type`` (older: ``Event Type``), ``Duration_sf`` and ``Comment``.
  Only ``Behavior``, ``Event_Type`` and a time are required.

Files are often UTF-16LE with a BOM (else UTF-8, else cp1252). The delimiter
(``,``, ``;`` or tab) is taken from the header row, and the decimal mark from
the time values (``12,5`` with ``;`` or tab delimiters). A trailing empty
column, blank rows, preamble lines before the header and repeated header rows
(concatenated exports) are skipped.

Events and intervals
--------------------
``Event_Type`` is ``State start``, ``State stop`` or ``State point``. Starts
and stops are paired in time order per (Observation, Event_Log, Subject,
Behavior); modifiers are not part of the key (whether Observer treats them so
is unverified). A point becomes a point event (``onset == offset``). A start
with no stop ends at ``onset + Duration_sf`` when the row has a duration;
otherwise it is an error naming the line, unless ``close_unpaired`` is
``"last-event"``: then it ends at the last event time of its observation (or
at the next start of the same state, if that comes first), flagged
``"imputed"``. A stop with no start is an error, or, with ``close_unpaired``
set, left out and reported in ``metadata["warnings"]``.

Units of failure: a row that cannot be read (an unknown Event_Type, an empty
Behavior, a time that is not a finite number, more fields than the header) is
left out; an observation whose events cannot be paired (the errors above) or
give bad episodes is left out whole. Their messages go to
``metadata["skipped"]`` of the Sessions that were read; with ``strict`` the
first one refuses the file, and when nothing is left the file is refused
with the first message.

Sessions, partners, tiers and codes
-----------------------------------
One Session per Observation (per Observation and Event_Log where an
observation has several logs: id ``"<observation> - <event log>"``; the file's
stem when there is no Observation column). The Subject is the partner; all
behaviours of a subject form the tier ``behavior``; the code is the Behavior,
followed by its non-empty modifiers joined with ``|`` (``Look|mother``).
Mapping keys may name a subject (``{"Baby": "infant"}``) or one
``subject:behavior`` (``{"Baby:Smile": "infant:affect"}``) to split a subject's
behaviours into tiers. ``episodes_tier`` names a Behavior (or
``subject:behavior``) whose intervals become episodes.

Project templates
-----------------
An ``.otx`` (UTF-16LE XML, root ``NXMLINTERCHANGE``) or ``.otb`` (a zip holding
the ``.otx``) is a project template: a coding scheme with subjects, behaviours,
modifiers and independent variables, but no events. Reading one raises a
:class:`~attunement.errors.FileFormatError` that says so and how to export the
events as text.

Examples
--------
>>> _parse_seconds("0:01:02.5", decimal=".")
62.5
>>> _parse_seconds("12,25", decimal=",")
12.25
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FileFormatError, SessionError
from ..session import Episode, Session, Tier
from ._common import decode_text, local_name, parse_xml, read_bytes, read_zip_members, skip_unit

if TYPE_CHECKING:  # pragma: no cover
    from . import ReadOptions

__all__ = ["sniff", "read"]

_TEMPLATE_SUFFIXES = (".otx", ".otb")
_DELIMITERS = ("\t", ";", ",")
#: Time columns in order of preference, by normalised name.
_TIME_COLUMNS = ("time_relative_sf", "time_relative_s", "relative_time_(seconds)",
                 "time_relative_hmsf", "time_relative_hms")
_FIELDS = {
    "observation": ("observation", "observation_name"),
    "event_log": ("event_log", "event_log_file_name"),
    "subject": ("subject",),
    "behavior": ("behavior", "behaviour"),
    "event_type": ("event_type",),
    "duration": ("duration_sf",),
}
_EVENT_KINDS = {"state start": "start", "state stop": "stop", "state point": "point",
                "start": "start", "stop": "stop", "point": "point"}
_HEADER_SEARCH_LINES = 50


# ----------------------------------------------------------------- helpers
def _normal(name: str) -> str:
    """A column name for matching: lower case, no quotes, spaces as underscores."""
    return re.sub(r"\s+", "_", name.strip().strip('"').strip().lower())


def _shown(text: str) -> str:
    """A field for a message: quoted, and cut to 40 characters."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _parse_seconds(text: str, *, decimal: str) -> float:
    """Seconds from ``12.5`` or ``h:mm:ss.f`` (``decimal`` is the decimal mark)."""
    value = text.strip()
    if decimal != ".":
        value = value.replace(decimal, ".")
    parts = value.split(":")
    if len(parts) > 3 or not all(parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    if not math.isfinite(seconds):
        raise ValueError(text)  # nan, inf, or a number so large that it overflows
    return seconds


@dataclass
class _Layout:
    """Where each field sits in the rows."""

    delimiter: str
    header_line: int
    header: list[str]
    columns: dict[str, int]
    time_name: str
    modifiers: list[int]
    older: bool


def _find_layout(cells: list[str], *, delimiter: str, line: int) -> _Layout | None:
    names = [_normal(c) for c in cells]
    index = {n: i for i, n in reversed(list(enumerate(names))) if n}
    columns = {key: next((index[a] for a in aliases if a in index), -1) for key, aliases in _FIELDS.items()}
    time_name = next((t for t in _TIME_COLUMNS if t in index), None)
    has_time_variant = time_name or any(n.startswith("time_relative") for n in names)
    if columns["behavior"] < 0 or columns["event_type"] < 0 or not has_time_variant:
        return None
    columns["time"] = index[time_name] if time_name else -1
    modifiers = [i for i, n in enumerate(names) if re.fullmatch(r"modifier_?\d*", n)]
    return _Layout(delimiter, line, cells, columns, time_name or "", modifiers,
                   older="relative_time_(seconds)" in index)


def _sniff_layout(lines: Sequence[str]) -> _Layout | None:
    """The header row among the first lines, with its delimiter."""
    for number, line in enumerate(lines[:_HEADER_SEARCH_LINES], start=1):
        for delimiter in _DELIMITERS:
            if delimiter in line:
                layout = _find_layout(next(csv.reader([line], delimiter=delimiter)),
                                      delimiter=delimiter, line=number)
                if layout:
                    return layout
    return None


def _head_text(head: bytes) -> str:
    """Decode the first bytes leniently (they may end inside a character)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head[:len(head) // 2 * 2].decode("utf-16", errors="replace")
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return head[:len(head) // 2 * 2].decode("utf-16-le", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def sniff(path: Path, head: bytes) -> bool:
    """An Observer template by extension, or a text export with Behavior, Event_Type and a time column."""
    if Path(path).suffix.lower() in _TEMPLATE_SUFFIXES:
        return True
    text = _head_text(head).replace("\r\n", "\n").replace("\r", "\n")
    return _sniff_layout(text.split("\n")) is not None


# --------------------------------------------------------------- templates
def _template_error(path: Path) -> FileFormatError:
    """The error that explains an .otx/.otb holds a coding scheme but no events."""
    if path.suffix.lower() == ".otb":
        members = read_zip_members(path)
        inside = [m for m in members if m.lower().endswith(".otx")]
        if not inside:
            return FileFormatError(
                f"{path.name}: the archive holds no .otx template (it has: "
                f"{', '.join(sorted(members)) or 'nothing'}). Export the events from The Observer XT "
                f"as a text file and read that file.")
        data = members[inside[0]]
    else:
        data = read_bytes(path)
    root = parse_xml(data, name=path.name)
    if local_name(root.tag) != "NXMLINTERCHANGE":
        return FileFormatError(
            f"{path.name}: is not a Noldus The Observer XT file (its XML root is "
            f"{local_name(root.tag)!r}, not 'NXMLINTERCHANGE'). Check the file.")
    facts = {local_name(e.tag): (e.text or "").strip() for e in root.iter()
             if local_name(e.tag) in ("MET_CONTENT_TYPE", "MET_CONTENT_VERSION", "MET_PROJECT_NAME")}
    subjects = _count_elements(root, "CDS_SUBJECT")
    behaviours = _count_elements(root, "CDS_BEHAVIOR")
    events = sum(1 for e in root.iter() if local_name(e.tag) == "OBS_EVENT")
    what = (facts.get("MET_CONTENT_TYPE") or "project template").lower()
    about = ", ".join(x for x in (repr(facts["MET_PROJECT_NAME"]) if facts.get("MET_PROJECT_NAME") else "",
                                  f"made by {facts['MET_CONTENT_VERSION']}"
                                  if facts.get("MET_CONTENT_VERSION") else "") if x)
    about = f" ({about})" if about else ""
    if events:
        return FileFormatError(
            f"{path.name}: is a Noldus The Observer XT XML file{about} holding {events} events, which "
            f"attunement does not read from XML. In The Observer XT, export the observational data as "
            f"a text file (columns Time_Relative_sf, Observation, Subject, Behavior, Event_Type) and "
            f"read that file.")
    return FileFormatError(
        f"{path.name}: is a Noldus The Observer XT {what}{about}. It holds a coding scheme "
        f"({subjects} subjects, {behaviours} behaviours) but no coded events, so there is nothing to "
        f"analyse. In The Observer XT, export the observations' events as a text file (one row per "
        f"event, with the columns Time_Relative_sf, Observation, Subject, Behavior, Event_Type) and "
        f"read that file instead.")


def _count_elements(root, tag: str) -> int:
    """Elements named ``tag`` that are not groups (``CDS_ELE_GROUP`` is not ``Y``)."""
    count = 0
    for element in root.iter():
        if local_name(element.tag) != tag:
            continue
        group = next((c.text for c in element if local_name(c.tag) == "CDS_ELE_GROUP"), "N")
        count += (group or "N").strip().upper() != "Y"
    return count


# ------------------------------------------------------------------ events
@dataclass
class _Event:
    line: int
    observation: str
    event_log: str
    subject: str
    behavior: str
    code: str
    kind: str
    time: float
    duration: float | None


@dataclass
class _Bout:
    code: str
    onset: float
    offset: float
    flag: str = ""


def _field(row: list[str], index: int) -> str:
    return row[index].strip() if 0 <= index < len(row) else ""


def _decimal_mark(rows: list[tuple[int, list[str]]], layout: _Layout) -> str:
    """``","`` when time values are written with a decimal comma, else ``"."``."""
    values = [_field(row, layout.columns["time"]) for _, row in rows]
    comma = any(re.fullmatch(r"-?\d*,\d+", v) for v in values)
    point = any(re.fullmatch(r"-?\d*\.\d+", v) for v in values)
    return "," if comma and not point else "."


def _rows(text: str, layout: _Layout, *, name: str, strict: bool = False,
          skipped: list[str] | None = None) -> list[tuple[int, list[str]]]:
    """Data rows with their line numbers: no blanks, no preamble, no repeated headers.

    A row with more fields than the header is a bad unit (left out and listed; ``strict``: refused).
    """
    skipped = [] if skipped is None else skipped
    header = [_normal(c) for c in layout.header]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    reader = csv.reader(io.StringIO(text), delimiter=layout.delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            number = reader.line_num
            if number <= layout.header_line or not any(c.strip() for c in row):
                continue
            if [_normal(c) for c in row[:width]] == header[:width]:
                continue
            if any(c.strip() for c in row[width:]):
                skip_unit(strict, skipped,
                          f"{name}: line {number} has {len(row)} fields where the header names {width}. "
                          f"A value may hold the delimiter {layout.delimiter!r}; export again with another "
                          f"delimiter, or quote the values.")
                continue
            rows.append((number, row))
    except csv.Error as error:
        raise FileFormatError(f"{name}: line {reader.line_num}: {error}. Check the file's quoting.") from None
    return rows


def _event(number: int, row: list[str], layout: _Layout, *, decimal: str, name: str) -> _Event:
    col = layout.columns
    behavior = _field(row, col["behavior"])
    raw_kind = _field(row, col["event_type"])
    kind = _EVENT_KINDS.get(raw_kind.lower())
    if kind is None:
        raise FileFormatError(
            f"{name}: line {number}: Event_Type {raw_kind!r} is not 'State start', 'State stop' or "
            f"'State point'. Export the events again with the Event_Type column.")
    if not behavior:
        raise FileFormatError(f"{name}: line {number}: the Behavior is empty. Every event needs a behavior.")
    raw_time = _field(row, col["time"])
    try:
        time = _parse_seconds(raw_time, decimal=decimal)
    except ValueError:
        raise FileFormatError(
            f"{name}: line {number}: the time {_shown(raw_time)} in column {layout.header[col['time']].strip()!r} "
            f"is not a finite number of seconds. Export the time as Time_Relative_sf.") from None
    duration = None
    raw_duration = _field(row, col["duration"])
    if raw_duration:
        try:
            duration = _parse_seconds(raw_duration, decimal=decimal)
        except ValueError:
            raise FileFormatError(
                f"{name}: line {number}: the duration {_shown(raw_duration)} is not a finite number of seconds. "
                f"Export Duration_sf as decimal seconds, or leave it out.") from None
    modifiers = [_field(row, i) for i in layout.modifiers]
    code = "|".join([behavior, *(m for m in modifiers if m)])
    return _Event(number, _field(row, col["observation"]), _field(row, col["event_log"]),
                  _field(row, col["subject"]), behavior, code, kind, time, duration)


def _describe(event: _Event) -> str:
    where = f"behavior {event.behavior!r}"
    if event.subject:
        where += f" of subject {event.subject!r}"
    if event.observation:
        where += f" in observation {event.observation!r}"
    return where


def _pair(events: list[_Event], *, name: str, close_unpaired: str,
          warnings: list[str]) -> list[tuple[_Event, _Bout]]:
    """Pair the starts and stops of one observation's events into bouts."""
    last_time = max(e.time for e in events)
    keyed: dict[tuple[str, str, str, str], list[_Event]] = {}
    for event in events:
        keyed.setdefault((event.observation, event.event_log, event.subject, event.behavior), []).append(event)
    bouts: list[tuple[_Event, _Bout]] = []
    for series in keyed.values():
        series.sort(key=lambda e: e.time)
        open_start: _Event | None = None
        for event in series:
            if event.kind == "point":
                bouts.append((event, _Bout(event.code, event.time, event.time)))
            elif event.kind == "start":
                if open_start is not None:
                    bouts.append((open_start, _close(open_start, at=event.time, name=name,
                                                     close_unpaired=close_unpaired)))
                open_start = event
            elif open_start is None:
                if close_unpaired == "error":
                    raise FileFormatError(
                        f"{name}: line {event.line}: the State stop of {_describe(event)} at "
                        f"{event.time:.3f} s has no State start before it. Correct the event log in "
                        f"The Observer XT and export again, or pass --close-unpaired last-event to "
                        f"leave the stop out.")
                warnings.append(f"line {event.line}: a State stop of {_describe(event)} with no "
                                f"start was left out.")
            else:
                bouts.append((open_start, _Bout(open_start.code, open_start.time, event.time)))
                open_start = None
        if open_start is not None:
            bouts.append((open_start, _close(open_start, at=last_time, name=name,
                                             close_unpaired=close_unpaired)))
    return bouts


def _close(start: _Event, *, at: float, name: str, close_unpaired: str) -> _Bout:
    """A bout for a start without its stop: its duration, else imputed on request."""
    if start.duration is not None:
        return _Bout(start.code, start.time, start.time + start.duration)
    if close_unpaired == "error":
        raise FileFormatError(
            f"{name}: line {start.line}: the State start of {_describe(start)} at {start.time:.3f} s "
            f"has no State stop. Add the stop in The Observer XT and export again, or pass "
            f"--close-unpaired last-event to close it at the observation's last event.")
    if close_unpaired == "media-end":
        raise FileFormatError(
            f"{name}: line {start.line}: the State start of {_describe(start)} at {start.time:.3f} s "
            f"has no State stop, and an Observer export does not hold the media length, so it cannot "
            f"be closed at the media end. Pass --close-unpaired last-event instead.")
    return _Bout(start.code, start.time, at, "imputed")


def _session(session_id: str, events: list[_Event], *, name: str, options: ReadOptions,
             metadata: dict, available: set[str]) -> Session:
    warnings: list[str] = []
    tiers: dict[tuple[str, str], list[_Bout]] = {}
    episodes: list[Episode] = []
    for event, bout in _pair(events, name=name, close_unpaired=options.close_unpaired, warnings=warnings):
        source = f"{event.subject}:{event.behavior}" if event.subject else event.behavior
        available.update({source, event.subject} - {""})
        if options.episodes_tier and options.episodes_tier in (event.behavior, source):
            try:
                episodes.append(Episode(bout.code, bout.onset, bout.offset))
            except SessionError as error:
                raise FileFormatError(f"{name}: line {event.line}: {error}. Episodes need states with a "
                                      f"duration, not points.") from None
            continue
        key = options.partners.resolve(source=source, partner=event.subject or None, tier="behavior")
        tiers.setdefault(key, []).append(bout)
    built = {key: Tier(np.array([b.code for b in bouts], dtype=object),
                       np.array([b.onset for b in bouts], dtype=float),
                       np.array([b.offset for b in bouts], dtype=float),
                       np.array([b.flag for b in bouts], dtype=object))
             for key, bouts in tiers.items()}
    if warnings:
        metadata = {**metadata, "warnings": warnings}
    try:
        return Session(id=session_id, tiers=built, episodes=tuple(episodes), metadata=metadata)
    except SessionError as error:
        raise FileFormatError(f"{name}: {error}") from None


def _session_ids(events: list[_Event], *, stem: str) -> dict[tuple[str, str], str]:
    """Session id per (observation, event log)."""
    logs: dict[str, list[str]] = {}
    for event in events:
        seen = logs.setdefault(event.observation, [])
        if event.event_log not in seen:
            seen.append(event.event_log)
    ids: dict[tuple[str, str], str] = {}
    for observation, names in logs.items():
        for log in names:
            base = observation or stem
            ids[(observation, log)] = f"{base} - {log}" if len(names) > 1 and log else base
    return ids


def _read_export(path: Path, options: ReadOptions) -> list[Session]:
    text = decode_text(read_bytes(path), name=path.name, fallback=("cp1252",))
    layout = _sniff_layout(text.split("\n"))
    if layout is None:
        raise FileFormatError(
            f"{path.name}: has no header row naming Behavior, Event_Type and a time column "
            f"(Time_Relative_sf) in its first {_HEADER_SEARCH_LINES} lines, so it is not an Observer XT "
            f"event export. Export the events again with those columns.")
    if layout.columns["time"] < 0:
        found = [c.strip() for c in layout.header if _normal(c).startswith("time_relative")]
        raise FileFormatError(
            f"{path.name}: line {layout.header_line}: the time columns {', '.join(found)} give no "
            f"seconds (frames need the frame rate). Export Time_Relative_sf as well.")
    skipped: list[str] = []
    rows = _rows(text, layout, name=path.name, strict=options.strict, skipped=skipped)
    decimal = _decimal_mark(rows, layout)
    events = []
    for number, row in rows:
        try:
            events.append(_event(number, row, layout, decimal=decimal, name=path.name))
        except FileFormatError as error:  # a bad row: the unit of failure
            skip_unit(options.strict, skipped, str(error))
    if not events:
        if skipped:
            raise _nothing_left(skipped)
        raise FileFormatError(f"{path.name}: the export holds a header but no events. Export the "
                              f"observations again with their events.")
    ids = _session_ids(events, stem=path.stem)
    grouped: dict[str, list[_Event]] = {}
    for event in events:
        grouped.setdefault(ids[(event.observation, event.event_log)], []).append(event)
    available: set[str] = set()
    base = {"layout": "older" if layout.older else "current",
            "time_column": layout.header[layout.columns["time"]].strip(),
            "delimiter": layout.delimiter, "decimal_mark": decimal}
    sessions = []
    failed: list[tuple[str, str]] = []
    for session_id, session_events in grouped.items():
        first = session_events[0]
        metadata = {**base, "observation": first.observation,
                    "event_logs": sorted({e.event_log for e in session_events} - {""})}
        try:
            sessions.append(_session(session_id, session_events, name=path.name, options=options,
                                     metadata=metadata, available=available))
        except FileFormatError as error:  # an unpaired start or stop, bad episodes: the observation fails
            if options.strict:
                raise
            failed.append((session_id, str(error)))
    if not sessions:
        raise _nothing_left(skipped + [message for _, message in failed])
    skipped += [f"{message} Observation {session_id!r} was left out; the others were read."
                for session_id, message in failed]
    options.partners.check_all_used(name=path.name, available=sorted(available))
    if skipped:
        sessions = [s.replace(metadata={**s.metadata, "skipped": list(skipped)}) for s in sessions]
    return sessions


def _nothing_left(messages: list[str]) -> FileFormatError:
    """The error when every unit of a file failed: the first message, and how many more there were."""
    more = f" ({len(messages) - 1} more problem(s) in the file.)" if len(messages) > 1 else ""
    return FileFormatError(messages[0] + more)


def read(path: Path, options: ReadOptions | None = None) -> list[Session]:
    """Read an Observer XT event export into Sessions (see the module docstring).

    Parameters
    ----------
    path : Path
        A text export, or an ``.otx``/``.otb`` template (which raises).
    options : ReadOptions
        Partner mapping, episodes behavior and ``close_unpaired``.

    Returns
    -------
    list of Session
        One per observation (and event log, where an observation has several).

    Raises
    ------
    FileFormatError
        For a template (it holds no events), a missing column, an unpaired
        start or stop, or a time that is not a number; the message names the
        file and the line.
    """
    if options is None:
        from . import ReadOptions
        options = ReadOptions()
    path = Path(path)
    if path.suffix.lower() in _TEMPLATE_SUFFIXES:
        raise _template_error(path)
    return _read_export(path, options)
