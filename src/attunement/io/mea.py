"""Motion Energy Analysis (MEA) text files, as read by rMEA's ``readMEA`` (FORMATS.md §10).

One row per video frame, one whitespace-separated column per region of interest,
optionally a first line of quoted names (``"pat" "th"``). Named explicitly
(``--format mea``), a comma- or semicolon-separated copy (``pat,th`` then one
row of numbers per frame) is read too; such a CSV is not detected as MEA, since
its content cannot be told from a sampled table of numeric codes. The frame rate is not
in the file: give it (``rate``, e.g. ``--rate 25``); non-integer rates such as
29.97 are fine. ``NA`` or an empty field is a missing frame; a value beyond
±1e150 (its square overflows) is read as missing, with a note in
``metadata["warnings"]``.

Each column becomes the signal ``motion_energy`` of the partner named by its
header (or ``s1``, ``s2`` … without one). Map names with ``partners``, e.g.
``{"pat": "client", "th": "therapist"}`` or ``{"pat": "client:motion_head"}``;
several columns mapped to the same partner and signal are summed, as rMEA sums a
person's regions of interest.

The session id is the file's stem; rMEA's ``<id>_<session>.txt`` naming is
split into ``metadata["dyad"]`` and ``metadata["session_number"]``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..session import Session, Signal
from ._common import decode_text, read_bytes
from ._timing import mask_absurd

SIGNAL = "motion_energy"

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_MISSING = {"NA", "NaN", "nan", "."}


def _is_number(token: str) -> bool:
    return bool(_NUMBER.match(token)) or token in _MISSING


def _is_header(tokens: list[str]) -> bool:
    return bool(tokens) and all(len(t) >= 2 and t[0] == t[-1] == '"' for t in tokens)


def sniff(path: Path, head: bytes) -> bool:
    """Whitespace-separated numbers, two or more per line, after an optional line of quoted names."""
    try:
        text = decode_text(head[:8192], name=path.name)
    except FileFormatError:
        return False
    lines = [line for line in text.split("\n") if line.strip()]
    if len(head) >= 8192:
        lines = lines[:-1]  # the last line may be cut
    if not lines or "," in lines[0] or ";" in lines[0]:
        return False
    first = lines[0].split()
    if _is_header(first):
        lines = lines[1:]
    elif not all(_is_number(t) for t in first):
        return False
    rows = [line.split() for line in lines[:50]]
    if not rows:
        return False
    width = len(rows[0])
    return width >= 2 and all(len(r) == width and all(_is_number(t) for t in r) for r in rows)


def _whitespace(line: str) -> list[str]:
    return line.split()


def _splitter(line: str):
    """Whitespace (rMEA's layout); a comma or semicolon when the first line holds one (MEA saved as CSV)."""
    for delimiter in (",", ";"):
        if delimiter in line:
            return lambda text, d=delimiter: [t.strip() for t in text.split(d)]
    return _whitespace


def read(path: Path, options) -> list[Session]:
    if options.rate is None:
        raise FileFormatError(
            f"{path.name}: an MEA file does not say its frame rate. Give it with --rate "
            f"(frames per second of the video, e.g. give --rate 25).")
    text = decode_text(read_bytes(path), name=path.name)
    lines = text.split("\n")
    first_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_index is None:
        raise FileFormatError(f"{path.name}: the MEA file is empty.")
    split = _splitter(lines[first_index])
    tokens = split(lines[first_index])
    if _is_header(tokens) or (split is not _whitespace and tokens and not any(_is_number(t) for t in tokens)):
        names = [t.strip().strip('"') for t in tokens]
        body_start = first_index + 1
    elif all(_is_number(t) for t in tokens):
        names = [f"s{k + 1}" for k in range(len(tokens))]
        body_start = first_index
    else:
        raise FileFormatError(
            f"{path.name}: line {first_index + 1}: expected numbers or a line of quoted column names, "
            f"got {lines[first_index][:40]!r}. Is this a Motion Energy Analysis output?")
    width = len(names)
    values: list[list[float]] = []
    lines_of: list[int] = []
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        if not line.strip():
            continue
        fields = split(line)
        lines_of.append(number)
        if len(fields) != width:
            raise FileFormatError(
                f"{path.name}: line {number}: has {len(fields)} values where the file has {width} columns. "
                f"Check that the file is complete and uses one separator.")
        row = []
        for column, token in zip(names, fields):
            if token in _MISSING:
                row.append(np.nan)
            elif _NUMBER.match(token):
                row.append(float(token))
            else:
                raise FileFormatError(
                    f"{path.name}: line {number}, column {column!r}: {token!r} is not a number. "
                    f"Motion energy values must be numbers (NA for a missing frame).")
        values.append(row)
    if not values:
        raise FileFormatError(f"{path.name}: holds no frames after its header.")
    data = np.array(values, dtype=np.float64)
    notes = []
    for k, column in enumerate(names):
        data[:, k], note = mask_absurd(data[:, k], np.asarray(lines_of), column=column)
        notes += [note] if note else []
    signals: dict[tuple[str, str], np.ndarray] = {}
    partners = options.partners
    for k, column in enumerate(names):
        key = partners.resolve(source=column, partner=column, tier=SIGNAL)
        if key in signals:
            signals[key] = signals[key] + data[:, k]   # rMEA sums a person's regions of interest
        else:
            signals[key] = data[:, k].copy()
    partners.check_all_used(name=path.name, available=names)
    stem = path.stem
    dyad, _, number = stem.partition("_")
    metadata = {"rate_hz": float(options.rate), "samples": int(len(data)), "columns": list(names)}
    if number:
        metadata.update(dyad=dyad, session_number=number)
    if notes:
        metadata["warnings"] = notes
    return [Session(id=stem, signals={k: Signal(v, float(options.rate), 0.0) for k, v in signals.items()},
                    metadata=metadata)]
