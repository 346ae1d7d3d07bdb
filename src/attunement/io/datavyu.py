"""Datavyu projects (``.opf``) and Datavyu's two CSV layouts.

Three inputs share this module (FORMATS.md §3):

``.opf`` project
    A zip holding ``project`` (YAML) and ``db`` (text), plus one entry per
    viewer. Old projects put the entries in a folder (``ETBabyMom16/db``)
    beside macOS junk (``__MACOSX/…``, ``.DS_Store``), so ``db`` is found by
    its basename. The zip is read in memory only, with a size cap.
A ``db`` saved as a bare CSV
    The same ``db`` text in a ``.csv`` file (``simple1.csv``,
    ``demo_data_to_csv2.csv``).
A datavyu2csv export
    One file per (project, column), named ``<column>__<opf>.csv``, with the
    header ``file,column,ordinal,onset,offset,<argument names…>``, integer
    milliseconds, ``<arg>`` placeholders already blanked and **no quoting**:
    a comma inside a value shifts the columns, which this reader reports
    as an error.

``db`` grammar
--------------
- Line 1 is ``#4``, ``#3`` or ``#2``; when it is missing the file uses the
  original schema, which has no escapes.
- A column header reads ``Name (TYPE,visible,comment)`` (``#4``),
  ``Name (TYPE,visible)`` (``#3``) or ``Name (TYPE)`` (``#2``); a MATRIX header
  appends ``-arg|TYPE,arg|TYPE…``. ``visible=false`` marks a hidden column.
- Types are TEXT, NOMINAL and MATRIX, plus the legacy FLOAT, INTEGER and
  PREDICATE; every value is kept as a string. QUOTE_STRING matrix arguments
  lose their ``"…"``. Predicate-vocabulary lines (``0:pred-arg|TYPE,…``) and
  any ``###QueryVar###`` column are skipped.
- A cell is ``HH:MM:SS:mmm,HH:MM:SS:mmm,value``. A MATRIX value is
  ``(a1,a2,…)``, split on unescaped commas; an argument that is empty or
  reads ``<argname>`` is empty.
- Escapes: a backslash and the next character stand for that character. A
  line ending in an odd run of backslashes continues on the next line (an
  embedded newline).
- Datavyu validates nothing: overlaps and duplicates within a column occur and
  are kept (the measure step rejects overlaps on the tier it compares).

Conventions of this reader
--------------------------
- **Tiers.** A TEXT, NOMINAL or legacy column becomes the tier
  ``(column, column)``; each argument of a MATRIX column becomes the tier
  ``(column, argument)``. Partner mapping keys may name a column (all its
  tiers go to that partner, keeping their names) or ``column:argument``
  (TEXT/NOMINAL columns: just ``column``). So ``{"childhands": "infant",
  "parenthands": "caregiver"}`` gives ``infant/hand``, ``infant/look``,
  ``caregiver/hand`` and ``caregiver/look``. Two source tiers mapped onto the
  same (partner, tier) are an error.
- **Empty values.** A cell whose value (or, for a MATRIX argument, whose
  argument) is empty is left out of that tier: it codes nothing there.
- **Inclusive offsets.** Datavyu offsets are usually inclusive: the next cell
  starts at ``offset + 1 ms``. Each cell therefore ends at
  ``(offset_ms + 1) / 1000`` s, so that a column coded without gaps gives
  contiguous intervals, not spurious 1 ms gaps. Two exceptions: a cell with
  ``onset == offset`` stays a point event, and a cell whose offset equals the
  onset of another cell of the same column (a coder who wrote exclusive
  offsets) ends at ``offset_ms / 1000`` s, so no 1 ms overlap is invented.
  Onsets are ``onset_ms / 1000`` s.
- **Unknown times.** Datavyu shows a line of a column that is not a cell as
  a corrupt cell at ``99:00:00:000``. This reader invents no time for it:
  such lines, and cells timed ``99:00:00:000``, are left out and reported in
  ``metadata["warnings"]`` (by line, never by value).
- **Point events.** A cell whose offset is ``00:00:00:000`` and whose onset
  is later is a point event at its onset (onset = offset). Datavyu leaves the
  offset at zero when a coder sets only the onset, which is how labs usually
  code point events (4 of 9 real ``.opf`` files from two labs).
- **The cell is the unit of failure.** Any other cell that ends before it
  starts (offset > 0 and offset < onset) is left out, and the message naming
  the file, the column, the line (of ``db`` inside an ``.opf``), both times and
  the fix is listed in ``metadata["skipped"]``; the rest of the file is read.
  With ``strict`` such a cell raises
  :class:`~attunement.errors.FileFormatError` with that message instead.
- **Privacy.** A column named ``id`` (any case) holds participant data such as
  birth dates in real projects: it is not read at all, and it is listed in
  ``metadata["skipped_columns"]``. No message or warning ever quotes a cell's
  value.
- One Session per project (its id is the file's stem; for a datavyu2csv
  export, the ``file`` field). Metadata: ``db_version`` (2, 3, 4 or None for
  the original schema), ``project_name``, ``project_version``, ``media``
  (viewer feeds), ``hidden_columns``, ``skipped_columns``, ``column_types`` and,
  when there are any, ``warnings``.

Examples
--------
>>> _split_unescaped(r"a\\,b,c", ",", escapes=True)
['a\\\\,b', 'c']
>>> _unescape(r"a\\,b\\-c", escapes=True)
'a,b-c'
>>> _format_ms(3234290)
'00:53:54:290'
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FileFormatError, SessionError
from ..session import Episode, Session, Tier
from . import _common
from ._common import decode_text, read_bytes, read_zip_members, skip_unit

if TYPE_CHECKING:  # pragma: no cover
    from . import ReadOptions

__all__ = ["sniff", "read"]

_TYPES = ("TEXT", "NOMINAL", "MATRIX", "FLOAT", "INTEGER", "PREDICATE")
_VERSION = re.compile(r"^#(\d+)\s*$")
#: A cell's times; hours have 2 to 6 digits (a longer run is no time Datavyu writes: the line is a bad cell).
_CELL = re.compile(r"^(\d{2,6}):(\d{2}):(\d{2}):(\d{3}),(\d{2,6}):(\d{2}):(\d{2}):(\d{3}),")
_CELL_START = re.compile(r"^\d{2,}:")
_VOCABULARY = re.compile(r"^\d+:[^\s(]+?-[^|]*\|")
_HEADER = re.compile(r"^(?P<name>.+?) \((?P<type>" + "|".join(_TYPES) + r")(?P<rest>[,)].*)$")
#: The largest time, in ms, a datavyu2csv row may give: 2**53 (about 285,000 years; every ms exact as a float).
_MAX_MS = 2 ** 53
_CSV_HEADER = re.compile(r"^\ufeff?file,column,ordinal,onset,offset(,|$)")
_UNKNOWN_MS = 99 * 3_600_000
_QUERY_COLUMN = "###QueryVar###"
_PRIVATE_COLUMNS = ("id",)


# --------------------------------------------------------------- structures
@dataclass
class _Cell:
    line: int
    onset_ms: int
    offset_ms: int
    values: list[str]


@dataclass
class _Column:
    name: str
    type: str
    hidden: bool = False
    args: list[tuple[str, str]] = field(default_factory=list)
    cells: list[_Cell] = field(default_factory=list)
    skipped: bool = False


@dataclass
class _Database:
    version: int | None
    columns: list[_Column]
    warnings: list[str]
    #: Messages of the lines left out as bad units (a cell whose times cannot be read, a shifted row).
    skipped: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ escapes
def _split_unescaped(text: str, sep: str, *, escapes: bool) -> list[str]:
    """Split at ``sep`` characters that no backslash escapes; escape pairs are kept."""
    if not escapes:
        return text.split(sep)
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _find_unescaped(text: str, char: str, *, escapes: bool) -> int:
    """Index of the first ``char`` no backslash escapes, or -1."""
    i = 0
    while i < len(text):
        if escapes and text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _unescape(text: str, *, escapes: bool) -> str:
    """Replace each backslash pair by the escaped character (a lone final backslash stays)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.S) if escapes else text


def _ends_continued(line: str) -> bool:
    """Whether a line ends in an odd run of backslashes (an escaped newline)."""
    run = len(line) - len(line.rstrip("\\"))
    return run % 2 == 1


def _logical_lines(text: str, *, escapes: bool) -> list[tuple[int, str]]:
    """``(first physical line number, text)``, joining escaped newlines."""
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(physical):
        number, line = i + 1, physical[i]
        while escapes and _ends_continued(line) and i + 1 < len(physical):
            i += 1
            line = line + "\n" + physical[i]
        out.append((number, line))
        i += 1
    return out


# -------------------------------------------------------------------- times
def _ms(hours: str, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def _format_ms(ms: int) -> str:
    """Milliseconds as Datavyu writes them, ``HH:MM:SS:mmm``."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{millis:03d}"


def _describe_ms(ms: int) -> str:
    return f"{_format_ms(ms)} = {ms / 1000:.3f} s"


# ------------------------------------------------------------------ headers
def _parse_header(line: str, *, escapes: bool) -> _Column | None:
    """A column header, or None when the line is not one."""
    match = _HEADER.match(line)
    if not match:
        return None
    rest = match["rest"]
    close = _find_unescaped(rest, ")", escapes=escapes)
    if close < 0:
        return None
    inside, after = rest[:close], rest[close + 1:]
    if after and not after.startswith("-"):
        return None
    settings = _split_unescaped(inside, ",", escapes=escapes)
    hidden = len(settings) > 1 and settings[1].strip().lower() == "false"
    args: list[tuple[str, str]] = []
    if after[1:]:
        for spec in _split_unescaped(after[1:], ",", escapes=escapes):
            name, _, kind = spec.rpartition("|")
            if not name:
                name, kind = spec, "NOMINAL"
            args.append((_unescape(name, escapes=escapes).strip(), kind.strip().upper()))
    return _Column(name=_unescape(match["name"], escapes=escapes).strip(), type=match["type"],
                   hidden=hidden, args=args)


# -------------------------------------------------------------------- cells
def _matrix_values(column: _Column, raw: str, *, escapes: bool) -> tuple[list[str], bool]:
    """The arguments of a MATRIX cell, and whether the value had its parentheses."""
    text = raw.strip()
    wrapped = text.startswith("(") and text.endswith(")") and not _ends_continued(text[:-1])
    inner = text[1:-1] if wrapped else text
    pieces = _split_unescaped(inner, ",", escapes=escapes)
    values: list[str] = []
    for i, piece in enumerate(pieces):
        value = _unescape(piece, escapes=escapes).strip()
        name, kind = column.args[i] if i < len(column.args) else (f"arg{i + 1}", "NOMINAL")
        if kind == "QUOTE_STRING" and len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if value.lower() == f"<{name.lower()}>":
            value = ""
        values.append(value)
    return values, wrapped


def _parse_db(text: str, *, name: str, line_label: str, strict: bool = False) -> _Database:
    """Parse ``db`` text; messages name the file and a line as ``line_label N`` (``db line 5``).

    A cell whose times cannot be read is a bad unit: left out and listed (``strict``: refused).
    """
    lines = text.split("\n", 1)
    first = lines[0].strip().lstrip("\ufeff")
    version_match = _VERSION.match(first)
    version = int(version_match[1]) if version_match else None
    escapes = version is not None
    columns: list[_Column] = []
    warnings: list[str] = []
    current: _Column | None = None
    mismatched: dict[str, list[int]] = {}
    unwrapped: dict[str, list[int]] = {}
    skipped: list[str] = []
    for number, line in _logical_lines(text, escapes=escapes):
        if number == 1 and version_match:
            continue
        if not line.strip():
            continue
        cell = _CELL.match(line)
        if cell is None and _VOCABULARY.match(line):
            continue
        if cell is None and _CELL_START.match(line):
            column = f"column {current.name!r}, " if current else ""
            skip_unit(strict, skipped,
                      f"{name}: {column}{line_label} {number}: the cell's times are not "
                      f"HH:MM:SS:mmm,HH:MM:SS:mmm. Correct the line, or re-save the project in Datavyu.")
            continue
        if cell is None:
            header = _parse_header(line, escapes=escapes)
            if header is not None:
                header.skipped = header.name == _QUERY_COLUMN or header.name.lower() in _PRIVATE_COLUMNS
                columns.append(header)
                current = header
                continue
            owner = f"column {current.name!r}" if current else "before any column header"
            warnings.append(
                f"line {number} ({owner}) is neither a cell nor a column header; Datavyu would show "
                f"it as a cell at the unknown time 99:00:00:000. It was left out.")
            continue
        if current is None:
            warnings.append(f"line {number} is a cell before any column header; it was left out.")
            continue
        if current.skipped:
            continue
        onset_ms, offset_ms = _ms(*cell.groups()[:4]), _ms(*cell.groups()[4:])
        raw = line[cell.end():]
        if current.type == "MATRIX":
            values, wrapped = _matrix_values(current, raw, escapes=escapes)
            if not wrapped:
                unwrapped.setdefault(current.name, []).append(number)
            if current.args and len(values) != len(current.args):
                mismatched.setdefault(current.name, []).append(number)
        else:
            values = [_unescape(raw, escapes=escapes).strip()]
        current.cells.append(_Cell(number, onset_ms, offset_ms, values))
    for name, numbers in mismatched.items():
        warnings.append(
            f"column {name!r}: {len(numbers)} cell(s) hold a different number of arguments from "
            f"the header (first at line {numbers[0]}); missing arguments were read as empty and "
            f"extra ones ignored.")
    for name, numbers in unwrapped.items():
        warnings.append(
            f"column {name!r}: {len(numbers)} MATRIX cell(s) lack the (…) around their arguments "
            f"(first at line {numbers[0]}); they were read as written.")
    for column in columns:
        if column.type == "MATRIX" and not column.args:
            width = max((len(c.values) for c in column.cells), default=0)
            column.args = [(f"arg{i + 1}", "NOMINAL") for i in range(width)]
    return _Database(version, columns, warnings, skipped)


# ---------------------------------------------------------------- datavyu2csv
def _parse_datavyu2csv(text: str, *, name: str,
                       strict: bool = False) -> tuple[dict[str, list[_Column]], list[str]]:
    """datavyu2csv rows as columns, grouped by the ``file`` field (the project), and the rows left out.

    A row with shifted columns or unreadable times is a bad unit: left out and listed (``strict``: refused).
    """
    skipped: list[str] = []
    lines = text.split("\n")
    header = [h.strip() for h in lines[0].lstrip("\ufeff").split(",")]
    arg_names = header[5:]
    projects: dict[str, dict[str, _Column]] = {}
    for index, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != len(header):
            skip_unit(strict, skipped,
                      f"{name}: line {index} has {len(fields)} fields where the header names "
                      f"{len(header)}. datavyu2csv does not quote values, so a value holding a comma "
                      f"shifts the columns. Read the .opf project instead, or remove the comma in Datavyu "
                      f"and export again.")
            continue
        project, column_name = fields[0].strip(), fields[1].strip()
        try:
            onset_ms, offset_ms = int(fields[3]), int(fields[4])
            if max(abs(onset_ms), abs(offset_ms)) > _MAX_MS:
                raise ValueError(fields[3])
        except ValueError:
            skip_unit(strict, skipped,
                      f"{name}: line {index}: onset and offset must be whole milliseconds (below "
                      f"2**53). Export the file again with datavyu2csv.")
            continue
        values = [v.strip() for v in fields[5:]]
        values = ["" if v.lower() == f"<{a.lower()}>" else v for v, a in zip(values, arg_names)]
        columns = projects.setdefault(project or Path(name).stem, {})
        if column_name not in columns:
            columns[column_name] = _Column(column_name, "MATRIX", args=[(a, "NOMINAL") for a in arg_names],
                                           skipped=column_name.lower() in _PRIVATE_COLUMNS)
        columns[column_name].cells.append(_Cell(index, onset_ms, offset_ms, values))
    return {project: list(columns.values()) for project, columns in projects.items()}, skipped


# ------------------------------------------------------------------- tiers
@dataclass
class _SourceTier:
    """One tier as the file holds it, before partner mapping."""

    source: str
    column: str
    tier: str
    codes: list[str] = field(default_factory=list)
    onsets: list[float] = field(default_factory=list)
    offsets: list[float] = field(default_factory=list)


def _column_tiers(column: _Column, *, name: str, line_label: str, warnings: list[str],
                  skipped: list[str] | None = None, strict: bool = False) -> list[_SourceTier]:
    """The source tiers of one column (see the module's conventions: point events, bad cells)."""
    skipped = [] if skipped is None else skipped
    if column.type == "MATRIX":
        tiers = [_SourceTier(f"{column.name}:{arg}", column.name, arg) for arg, _ in column.args]
    else:
        tiers = [_SourceTier(column.name, column.name, column.name)]
    unknown = [c for c in column.cells if c.onset_ms == c.offset_ms == _UNKNOWN_MS]
    known = [c for c in column.cells if not c.onset_ms == c.offset_ms == _UNKNOWN_MS]
    if unknown:
        warnings.append(
            f"column {column.name!r}: {len(unknown)} cell(s) timed 99:00:00:000 (Datavyu's mark for "
            f"a corrupt line; first at line {unknown[0].line}) were left out.")
    onsets = {c.onset_ms for c in known}
    for cell in known:
        onset_only = cell.offset_ms == 0 < cell.onset_ms
        if cell.offset_ms < cell.onset_ms and not onset_only:
            skip_unit(strict, skipped,
                      f"{name}: column {column.name!r}, {line_label} {cell.line}: the cell ends before it starts "
                      f"(onset {_describe_ms(cell.onset_ms)}, offset {_describe_ms(cell.offset_ms)}). "
                      f"Correct the cell's onset or offset in Datavyu, save the project, and read it again.")
            continue
        point = onset_only or cell.offset_ms == cell.onset_ms
        if point:
            end_ms = cell.onset_ms
        else:
            end_ms = cell.offset_ms if cell.offset_ms in onsets else cell.offset_ms + 1
        for tier, value in zip(tiers, cell.values):
            if value:
                tier.codes.append(value)
                tier.onsets.append(cell.onset_ms / 1000)
                tier.offsets.append(end_ms / 1000)
    return tiers


def _episodes(tier: _SourceTier, *, name: str) -> list[Episode]:
    try:
        return [Episode(code, on, off) for code, on, off in zip(tier.codes, tier.onsets, tier.offsets)]
    except SessionError as error:
        raise FileFormatError(
            f"{name}: column {tier.column!r}, named as the episodes tier, cannot give episodes: "
            f"{error} Episodes need cells with a duration: correct the cell in Datavyu.") from None


def _is_episode_tier(tier: _SourceTier, column: _Column, wanted: str | None) -> bool:
    if not wanted:
        return False
    if tier.source == wanted:
        return True
    return wanted == column.name and (column.type != "MATRIX" or len(column.args) == 1)


def _build_session(session_id: str, db: _Database, *, name: str, line_label: str, options: ReadOptions,
                   metadata: dict) -> Session:
    """A Session from parsed columns: partner mapping, episodes, metadata."""
    warnings = list(db.warnings)
    skipped: list[str] = list(db.skipped)
    partners = options.partners
    tiers: dict[tuple[str, str], Tier] = {}
    origin: dict[tuple[str, str], str] = {}
    episodes: list[Episode] = []
    available: list[str] = []
    episode_found = False
    for column in db.columns:
        if column.skipped:
            continue
        available.append(column.name)
        for source in _column_tiers(column, name=name, line_label=line_label, warnings=warnings,
                                    skipped=skipped, strict=options.strict):
            if source.source != column.name:
                available.append(source.source)
            if _is_episode_tier(source, column, options.episodes_tier):
                episode_found = True
                episodes.extend(_episodes(source, name=name))
                continue
            key = partners.resolve(source=source.source, partner=source.column, tier=source.tier)
            if key in origin:
                raise FileFormatError(
                    f"{name}: the partner mapping sends both {origin[key]!r} and {source.source!r} to "
                    f"{key[0]}/{key[1]}. Map each to its own tier, e.g. "
                    f"{source.source}={key[0]}:<tier name>.")
            origin[key] = source.source
            if not source.codes:  # a column or argument with no coded cell adds no tier: say so
                warnings.append(f"{source.source!r} has no coded cell, so it adds no tier.")
                continue
            tiers[key] = Tier(np.array(source.codes, dtype=object), np.array(source.onsets, dtype=float),
                              np.array(source.offsets, dtype=float))
    if options.episodes_tier and not episode_found:
        raise FileFormatError(
            f"{name}: has no column or column:argument named {options.episodes_tier!r} for the "
            f"episodes. It has: {', '.join(available) or 'nothing'}.")
    partners.check_all_used(name=name, available=available)
    metadata = {
        **metadata,
        "hidden_columns": [c.name for c in db.columns if c.hidden and not c.skipped],
        "skipped_columns": [c.name for c in db.columns if c.skipped],
        "column_types": {c.name: c.type for c in db.columns if not c.skipped},
    }
    warnings += [f"column {c.name!r} was not read: in real projects it holds participant data such as birth "
                 f"dates (rename the column if it holds codes)." for c in db.columns
                 if c.skipped and c.name != _QUERY_COLUMN]
    if warnings:
        metadata["warnings"] = warnings
    if skipped:
        metadata["skipped"] = skipped
    try:
        return Session(id=session_id, tiers=tiers, episodes=tuple(episodes), metadata=metadata)
    except SessionError as error:
        raise FileFormatError(f"{name}: {error}") from None


# ------------------------------------------------------------------ project
def _project_metadata(text: str) -> dict:
    """``name``, ``version`` and viewer feeds from the ``project`` YAML, read line by line.

    Only these plain keys are taken; the YAML's custom tags are never
    constructed.
    """
    found: dict = {"project_name": None, "project_version": None, "media": []}
    for line in text.split("\n"):
        key, _, value = line.partition(":")
        value = value.strip().strip("'\"")
        if key == "name" and value:
            found["project_name"] = value
        elif key == "version" and value.isdigit() and len(value) <= 9:  # Datavyu writes 3, 4 or 5
            found["project_version"] = int(value)
        elif key.strip().lstrip("- ") == "feed" and value and value not in found["media"]:
            found["media"].append(value)
    return found


def _find_member(members: dict[str, bytes], basename: str, *, name: str) -> str | None:
    matches = sorted((m for m in members if posixpath.basename(m) == basename), key=lambda m: m.count("/"))
    if len(matches) > 1 and matches[0].count("/") == matches[1].count("/"):
        raise FileFormatError(
            f"{name}: holds several '{basename}' entries ({', '.join(matches)}), so the project is "
            f"ambiguous. Re-save it from Datavyu.")
    return matches[0] if matches else None


def _read_opf(path: Path, options: ReadOptions) -> list[Session]:
    members = read_zip_members(path, max_member_bytes=_common.MAX_MEMBER_BYTES)
    db_name = _find_member(members, "db", name=path.name)
    if db_name is None:
        raise FileFormatError(
            f"{path.name}: the zip holds no 'db' entry (it has: {', '.join(sorted(members)) or 'nothing'}), "
            f"so it is not a Datavyu project. Open it in Datavyu and save it again.")
    text = decode_text(members[db_name], name=f"{path.name} ({db_name})", fallback=("cp1252",))
    db = _parse_db(text, name=path.name, line_label="db line", strict=options.strict)
    project_name = posixpath.join(posixpath.dirname(db_name), "project")
    metadata: dict = {"layout": "opf", "db_version": db.version}
    if project_name in members:
        metadata.update(_project_metadata(decode_text(members[project_name], name=path.name,
                                                      fallback=("cp1252",))))
    return [_build_session(path.stem, db, name=path.name, line_label="db line", options=options,
                           metadata=metadata)]


# --------------------------------------------------------------- interface
def _head_text(head: bytes) -> str:
    try:
        return decode_text(head[:8192], name="", fallback=("cp1252",))
    except FileFormatError:
        return ""


def _looks_like_db(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()][:3]
    if not lines:
        return False
    first = lines[0].strip().lstrip("\ufeff")
    if _VERSION.match(first) and first[1:] in ("2", "3", "4"):
        rest = lines[1] if len(lines) > 1 else ""
        return bool(_VOCABULARY.match(rest) or _parse_header(rest, escapes=True))
    return _parse_header(first, escapes=False) is not None


def sniff(path: Path, head: bytes) -> bool:
    """A ``.opf`` zip, a ``db`` saved as text, or a datavyu2csv export."""
    if head.startswith(b"PK\x03\x04"):
        return Path(path).suffix.lower() == ".opf"
    text = _head_text(head)
    return bool(_CSV_HEADER.match(text)) or _looks_like_db(text)


def read(path: Path, options: ReadOptions | None = None) -> list[Session]:
    """Read a Datavyu project or CSV into Sessions (see the module docstring).

    Parameters
    ----------
    path : Path
        A ``.opf`` project, a ``db`` saved as CSV, or a datavyu2csv export.
    options : ReadOptions
        Partner mapping and episodes tier.

    Returns
    -------
    list of Session
        One per project (a datavyu2csv file may name several).

    Raises
    ------
    FileFormatError
        A damaged or unsafe zip, a cell that ends before it starts, a
        datavyu2csv row with shifted columns. The message names the file, the
        column and the line.
    """
    if options is None:
        from . import ReadOptions
        options = ReadOptions()
    path = Path(path)
    raw = read_bytes(path)
    if raw.startswith(b"PK\x03\x04") or path.suffix.lower() == ".opf":
        return _read_opf(path, options)
    text = decode_text(raw, name=path.name, fallback=("cp1252",))
    if _CSV_HEADER.match(text):
        projects, skipped = _parse_datavyu2csv(text, name=path.name, strict=options.strict)
        projects = projects or {path.stem: []}
        return [_build_session(project, _Database(None, columns, [], skipped), name=path.name, line_label="line",
                               options=options, metadata={"layout": "datavyu2csv"})
                for project, columns in projects.items()]
    if not _looks_like_db(text):
        raise FileFormatError(
            f"{path.name}: is neither a Datavyu db (a '#4' line, then 'Column (TYPE,…)' headers) nor "
            f"a datavyu2csv export (header 'file,column,ordinal,onset,offset,…'). Check the file, or "
            f"name its format with --format.")
    db = _parse_db(text, name=path.name, line_label="line", strict=options.strict)
    return [_build_session(path.stem, db, name=path.name, line_label="line", options=options,
                           metadata={"layout": "db", "db_version": db.version})]
