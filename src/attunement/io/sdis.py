"""GSEQ's SDIS data files (``.sds``), Timed data: a writer.

No specification of SDIS was available (FORMATS.md §6). The layout written here
follows the two writers that were read — BORIS ``export_events.py`` (a ``%``
comment, ``Timed …;``, then per observation ``<id>``, ``code,onset-offset``
items and ``/``) and a Datavyu export script (a bare ``,time`` for the
session's start) — and the grammar recalled from Bakeman & Quera (2011),
*Sequential Analysis and Observational Methods for the Behavioral Sciences*:

.. code-block:: text

    % comment lines
    Timed code1 code2 … ;          declaration: the data type, every code, ';'
                                    (a blank line)
    <session id>                    one block per session
    ,0.000                          the session's start
    code1,0.000-4.000               one line per coded interval: code,onset-offset
    code2,0.000-10.000
    ,10.000/                        the session's end, and '/' ending the session

Times are seconds with three decimals; an interval's offset is the time at
which it ends. Codes are letters, digits and ``_``, starting with a letter
(:func:`sdis_code` makes one from a name, as BORIS replaces spaces, ``-`` and
``/`` by ``_``).

**[unverified]**: that GSEQ accepts the code list in the declaration without
parentheses or ``*`` factors; that whitespace (line breaks) between items is
free; that ``,start`` and ``,end`` items bound a Timed session; that the offset
is exclusive (the first instant the code no longer holds); that items of
different partners may be listed by onset in one stream without ``&``. Check a
file in GSEQ before relying on it, and tell us what it said.

Examples
--------
>>> print(sdis_text([SdisSession("d1", [("a_x", 0.0, 4.0), ("b_y", 0.0, 10.0)], 0.0, 10.0)]), end="")
% SDIS file written by attunement
Timed a_x b_y;
<BLANKLINE>
<d1>
,0.000
a_x,0.000-4.000
b_y,0.000-10.000
,10.000/
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._files import atomic_path
from ..errors import FileFormatError

__all__ = ["SdisSession", "sdis_code", "sdis_text", "write_sdis"]

_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class SdisSession:
    """One session of an SDIS file: ``(code, onset, offset)`` events in seconds and its bounds."""

    id: str
    events: Sequence[tuple[str, float, float]]
    start: float
    end: float


def sdis_code(name: str) -> str:
    """A valid SDIS code made from a name: other characters become ``_``; a leading digit gets ``c``.

    >>> sdis_code("client looking"), sdis_code("2"), sdis_code("mother/gaze-away")
    ('client_looking', 'c2', 'mother_gaze_away')
    """
    code = re.sub(r"[^A-Za-z0-9_]", "_", name.strip())
    if not code or not code[0].isalpha() or not code[0].isascii():
        code = "c" + code
    return code


def _label(session_id: str) -> str:
    return re.sub(r"[<>/;\r\n]", "_", session_id)


def sdis_text(sessions: Sequence[SdisSession], *, codes: Sequence[str] | None = None,
              comment: str = "SDIS file written by attunement", decimals: int = 3) -> str:
    """The text of an SDIS file of Timed data (grammar in the module docstring).

    Parameters
    ----------
    sessions : sequence of SdisSession
        Their events are written in onset order (then in the order given).
    codes : sequence of str, optional
        The declared codes, in order; default: every code used, in order of
        first use.
    comment : str
        Written as ``%`` comment lines at the top.
    decimals : int
        Decimals of the times (default 3).

    Returns
    -------
    str
        Lines ending in ``\\n``.

    Raises
    ------
    FileFormatError
        No session; a code that is not letters, digits and ``_`` starting with a
        letter, or not declared; two sessions with one label; an event that
        ends before it starts or lies outside its session's bounds.
    """
    if not sessions:
        raise FileFormatError("an SDIS file needs at least one session.")
    used = list(dict.fromkeys(code for s in sessions for code, _, _ in s.events))
    declared = list(codes) if codes is not None else used
    for code in declared:
        if not _CODE.match(code):
            raise FileFormatError(
                f"SDIS: the code {code!r} is not letters, digits and '_' starting with a letter; GSEQ would "
                f"not read it. Rename it (attunement.io.sdis.sdis_code makes a valid one).")
    missing = [c for c in used if c not in set(declared)]
    if missing:
        raise FileFormatError(f"SDIS: code(s) {', '.join(map(repr, missing))} are used but not declared. "
                              f"Add them to the codes.")
    lines = [f"% {line}" for line in comment.splitlines() if line.strip()]
    lines.append("Timed " + " ".join(declared) + ";")
    labels: set[str] = set()
    for session in sessions:
        label = _label(str(session.id))
        if label in labels:
            raise FileFormatError(f"SDIS: two sessions are labelled <{label}>. Give each session a unique id.")
        labels.add(label)
        if not (math.isfinite(session.start) and math.isfinite(session.end) and session.start <= session.end):
            raise FileFormatError(f"SDIS: session {session.id!r} has bounds {session.start!r}–{session.end!r} s; "
                                  f"the start must be a time at or before the end.")
        lines += ["", f"<{label}>", f",{session.start:.{decimals}f}"]
        order = sorted(range(len(session.events)), key=lambda i: session.events[i][1])
        for i in order:
            code, onset, offset = session.events[i]
            if not (session.start <= onset <= offset <= session.end):
                raise FileFormatError(
                    f"SDIS: session {session.id!r}: {code} {onset!r}–{offset!r} s ends before it starts or lies "
                    f"outside the session ({session.start!r}–{session.end!r} s).")
            lines.append(f"{code},{onset:.{decimals}f}-{offset:.{decimals}f}")
        lines.append(f",{session.end:.{decimals}f}/")
    return "\n".join(lines) + "\n"


def write_sdis(path: str | Path, sessions: Sequence[SdisSession], *, codes: Sequence[str] | None = None,
               comment: str = "SDIS file written by attunement", decimals: int = 3) -> Path:
    """Write an SDIS file of Timed data, atomically (see :func:`sdis_text`).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    FileFormatError
        As :func:`sdis_text`, the message prefixed with the file's name.
    """
    path = Path(path)
    try:
        text = sdis_text(sessions, codes=codes, comment=comment, decimals=decimals)
    except FileFormatError as error:
        raise FileFormatError(f"{path.name}: {error}") from None
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return path
