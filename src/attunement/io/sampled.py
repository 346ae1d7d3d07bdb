"""Sampled tables: one row per time sample, one code column per partner and tier.

Such tables come from interval coding (a code each second) and from tools that
export time slices (INTERACT's interval export, mHMMbayes' ``nonverbal`` data).
The sampling rate is not in the file: give it (``rate``, in samples per
second). Sample *i* of a session covers ``[i / rate, (i + 1) / rate)``; runs of
equal codes become one interval, and an empty cell is uncoded time.

Columns:

- the session column (``session_column``; default ``session`` or ``id`` when
  present — otherwise the whole file is one session named after the file);
- an optional time column ``time`` or ``time_s`` (seconds of each sample's
  start; otherwise samples are consecutive from 0);
- every other column is a code column named ``<partner>_<tier>`` (``p_looking``
  → partner ``p``, tier ``looking``). Map partners with ``partners``, e.g.
  ``{"p": "client", "t": "therapist"}``.

Numbers written as floats (``2.0``) are codes ``"2"``.

A table detected as sampled (the format not named) whose code column holds
only numbers, more than :data:`MAX_NUMERIC_CODES` of them distinct, is refused:
it is a continuous signal (motion energy, action-unit intensity), and the
message points at ``--format signals`` and ``--format mea``. Naming the format
(``--format sampled``) reads such numbers as codes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError
from ..session import Session, Tier
from ._common import decode_text, read_bytes

_SESSION_COLUMNS = ("session", "id")
#: More distinct numeric values than this in one column reads as a signal, not codes, unless the
#: format was named (``--format sampled``); coding schemes hold a few to a few dozen codes.
MAX_NUMERIC_CODES = 30
_TIME_COLUMNS = ("time", "time_s")


def sniff(path: Path, head: bytes) -> bool:
    """Any delimited table with a header row whose first data row has as many fields."""
    try:
        text = decode_text(head[:8192], name=path.name)
    except FileFormatError:
        return False
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return False
    delimiter = _delimiter(lines[0])
    return lines[0].count(delimiter) == lines[1].count(delimiter) and lines[0].count(delimiter) >= 1


def _delimiter(header: str) -> str:
    return max((",", "\t", ";"), key=header.count)


def _code_strings(values: pd.Series) -> np.ndarray:
    """Codes as strings; integral floats lose their ``.0``; empty cells become None."""
    numeric = pd.to_numeric(values, errors="coerce")
    out = values.astype(object).where(values.notna(), None).to_numpy(dtype=object, copy=True)
    integral = numeric.notna().to_numpy() & np.isclose(numeric.fillna(0) % 1, 0)
    if integral.any():
        out[integral] = numeric[integral].astype("int64").astype(str).to_numpy(dtype=object)
    blank = np.array([v is None or (isinstance(v, str) and not v.strip()) for v in out], dtype=bool)
    out[blank] = None
    return np.array([v if v is None else str(v).strip() for v in out], dtype=object)


def _runs(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Tier:
    """Merge consecutive equal codes (with touching times) into intervals."""
    present = np.array([c is not None for c in codes], dtype=bool)
    if not present.any():
        return Tier(np.array([], dtype=object), np.array([]), np.array([]))
    new_run = np.ones(len(codes), dtype=bool)
    same = np.array([a == b for a, b in zip(codes[1:], codes[:-1])], dtype=bool)
    touching = np.isclose(starts[1:], ends[:-1])
    new_run[1:] = ~(same & touching & present[1:] & present[:-1])
    first = np.flatnonzero(new_run)
    last = np.r_[first[1:] - 1, len(codes) - 1]
    keep = present[first]
    return Tier(codes[first][keep], starts[first][keep], ends[last][keep])


def _refuse_continuous(frame: pd.DataFrame, columns: list[str], *, name: str) -> None:
    """Raise when a column looks like a continuous signal: all numbers, more than :data:`MAX_NUMERIC_CODES` distinct."""
    for column in columns:
        cells = frame[column].dropna().astype(str).str.strip()
        cells = cells[cells != ""]
        numbers = pd.to_numeric(cells, errors="coerce")
        if len(cells) == 0 or numbers.isna().any():
            continue
        distinct = numbers.nunique()
        if distinct > MAX_NUMERIC_CODES:
            examples = ", ".join(f"{v:g}" for v in numbers.drop_duplicates().iloc[:4])
            raise FileFormatError(
                f"{name}: column {column!r} holds {distinct:,} distinct numbers ({examples}, …): a continuous "
                f"signal, not codes. Read it with --format signals (a table of time and <partner>_<signal> "
                f"columns) or --format mea (Motion Energy Analysis output), or with --format sampled if these "
                f"numbers really are codes.")


def read(path: Path, options) -> list[Session]:
    text = decode_text(read_bytes(path), name=path.name)
    header = text.split("\n", 1)[0]
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_delimiter(header), dtype=str,
                            keep_default_na=False, na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as error:
        detail = " ".join(str(error).split())
        raise FileFormatError(f"{path.name}: not a valid table ({detail}). "
                              f"Check that every row has the header's number of fields.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    lower = {c.lower(): c for c in frame.columns}
    session_column = options.session_column
    if session_column is None:
        session_column = next((lower[c] for c in _SESSION_COLUMNS if c in lower), None)
    elif session_column not in frame.columns:
        raise FileFormatError(
            f"{path.name}: has no column {session_column!r} to name sessions. "
            f"Its columns are {', '.join(frame.columns)}.")
    time_column = next((lower[c] for c in _TIME_COLUMNS if c in lower), None)
    code_columns = [c for c in frame.columns if c not in (session_column, time_column)]
    if not code_columns:
        raise FileFormatError(f"{path.name}: has no code columns besides the session and time columns.")
    if not options.format_named:
        _refuse_continuous(frame, code_columns, name=path.name)
    if options.rate is None:
        raise FileFormatError(
            f"{path.name}: a sampled table does not say its sampling rate. Give it with --rate "
            f"(samples per second, e.g. --rate 1 for one row per second).")

    step = 1.0 / options.rate
    if session_column is None:
        groups = [(path.stem, frame)]
    else:
        ids = _code_strings(frame[session_column])
        if any(v is None for v in ids):
            line = int(np.flatnonzero([v is None for v in ids])[0]) + 2
            raise FileFormatError(f"{path.name}: line {line}: the {session_column!r} cell is empty. "
                                  f"Name the session on every row.")
        frame = frame.assign(_session=ids)
        groups = [(sid, part) for sid, part in frame.groupby("_session", sort=False)]

    sessions = []
    partners = options.partners
    for sid, part in groups:
        if time_column is not None:
            starts = pd.to_numeric(part[time_column], errors="coerce").to_numpy(dtype=float)
            if np.isnan(starts).any():
                line = int(part.index[np.flatnonzero(np.isnan(starts))[0]]) + 2
                raise FileFormatError(f"{path.name}: line {line}: time is not a number of seconds.")
        else:
            starts = np.arange(len(part)) * step
        ends = starts + step
        tiers = {}
        for column in code_columns:
            prefix, _, rest = column.partition("_")
            source_partner, tier_name = (prefix, rest) if rest else (None, column)
            key = partners.resolve(source=column, partner=source_partner, tier=tier_name)
            tiers[key] = _runs(_code_strings(part[column]), starts, ends)
        sessions.append(Session(id=str(sid), tiers=tiers,
                                metadata={"rate_hz": float(options.rate), "samples": int(len(part))}))
    partners.check_all_used(name=path.name, available=code_columns)
    return sessions
