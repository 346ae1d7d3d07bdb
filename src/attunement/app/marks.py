"""Marks for feedback: moments and clips a clinician picks to show a parent, kept beside the data.

The marks of a coded file's sessions live in one sidecar,
``<stem>.marks.json`` beside the coded file (for a session known only from an
``attune analyze`` folder, ``<folder>.<session>.marks.json`` beside that folder, which
attune replaces whole when it runs again)::

    {"version": 2, "marks": {"<session id>": [{"id": "…", "time_s": 12.5, "note": "…"},
                                              {"id": "…", "time_s": 40.0, "end_s": 52.5, "note": "…"}, …]}}

A mark is a *moment* (``time_s`` only) or a *clip* (``time_s`` its start,
``end_s`` its end); files of version 1 hold moments only and are read as they
are. The sidecar is written whole or not at all (a temporary file beside it,
then ``os.replace``); the coded files are never touched. A clip exports with
its own start and end; a moment as a clip that starts :data:`CLIP_BEFORE_S`
before it and ends :data:`CLIP_AFTER_S` after it: a CSV clip list
(``start,end,note``) and an ELAN tier ``clinician marks``.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from .._csvsafe import safe_frame
from .._files import atomic_path
from ..errors import AttunementError
from ..session import Session, Tier

__all__ = ["MarkStore", "CLIP_BEFORE_S", "CLIP_AFTER_S", "MAX_NOTE_CHARS", "MAX_MARKS", "UNCHANGED"]

CLIP_BEFORE_S = 2.0
CLIP_AFTER_S = 5.0
MAX_NOTE_CHARS = 500
MAX_MARKS = 2000
VERSION = 2
_LOCK = threading.Lock()
#: Passed to :meth:`MarkStore.edit` for a field to leave as it is.
UNCHANGED: Any = object()


class MarkStore:
    """The marks of one session, in the sidecar at ``<base>.marks.json``."""

    def __init__(self, base: Path, session_id: str, duration_s: float) -> None:
        self.path = base.with_name(base.name + ".marks.json")
        self.session_id = session_id
        self.duration_s = duration_s

    def _all(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {"version": VERSION, "marks": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise AttunementError(f"{self.path.name}: the marks file cannot be read ({error}). Move it away to "
                                  f"start new marks.") from None
        if not isinstance(data, dict) or not isinstance(data.get("marks"), dict):
            raise AttunementError(f"{self.path.name}: not a marks file (no 'marks' object).")
        return data

    def list(self) -> list[dict[str, Any]]:
        """The session's marks, in time order."""
        marks = self._all()["marks"].get(self.session_id, [])
        return sorted(marks, key=lambda m: (m["time_s"], m["id"]))

    def _save(self, data: dict[str, Any]) -> None:
        data["version"] = VERSION
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    def _mark(self, mark_id: str, time_s: float, end_s: float | None, note: str) -> dict[str, Any]:
        """A mark as saved: a moment, or a clip when ``end_s`` is given (checked against the session)."""
        if not 0 <= time_s <= self.duration_s + 1e-6:
            raise ValueError(f"time_s must lie within the session (0 to {self.duration_s:g} s), got {time_s:g}.")
        mark = {"id": mark_id, "time_s": round(float(time_s), 3), "note": note.strip()}
        if end_s is not None:
            if not time_s < end_s <= self.duration_s + 1e-6:
                raise ValueError(f"a clip's end must lie after its start ({time_s:g} s) and within the session "
                                 f"(up to {self.duration_s:g} s), got {end_s:g}.")
            mark["end_s"] = round(float(end_s), 3)
        return mark

    def add(self, time_s: float, note: str, *, end_s: float | None = None) -> dict[str, Any]:
        """Add a moment at ``time_s`` (or a clip from ``time_s`` to ``end_s``) with ``note``; returns it with its id."""
        mark = self._mark(uuid.uuid4().hex[:12], time_s, end_s, note)
        with _LOCK:
            data = self._all()
            marks = data["marks"].setdefault(self.session_id, [])
            if len(marks) >= MAX_MARKS:
                raise ValueError(f"this session already has {MAX_MARKS} marks; delete some first.")
            marks.append(mark)
            self._save(data)
        return mark

    def edit(self, mark_id: str, *, time_s: Any = UNCHANGED, end_s: Any = UNCHANGED,
             note: Any = UNCHANGED) -> dict[str, Any] | None:
        """Change a mark's start, end (None: a moment again) or note; returns it, or None without that id."""
        with _LOCK:
            data = self._all()
            marks = data["marks"].get(self.session_id, [])
            index = next((i for i, m in enumerate(marks) if m["id"] == mark_id), None)
            if index is None:
                return None
            old = marks[index]
            marks[index] = self._mark(mark_id, old["time_s"] if time_s is UNCHANGED else time_s,
                                      old.get("end_s") if end_s is UNCHANGED else end_s,
                                      old["note"] if note is UNCHANGED else note)
            self._save(data)
        return marks[index]

    def delete(self, mark_id: str) -> bool:
        """Remove a mark; False when there is none of that id."""
        with _LOCK:
            data = self._all()
            marks = data["marks"].get(self.session_id, [])
            kept = [m for m in marks if m["id"] != mark_id]
            if len(kept) == len(marks):
                return False
            data["marks"][self.session_id] = kept
            self._save(data)
        return True

    def clips(self) -> pd.DataFrame:
        """The clip list: ``start, end, note`` (seconds), one row per mark, in time order.

        A clip keeps its own start and end; a moment becomes the window from
        :data:`CLIP_BEFORE_S` before it to :data:`CLIP_AFTER_S` after it, within the session.
        """
        rows = [(m["time_s"], m["end_s"], m["note"]) if m.get("end_s") is not None else
                (max(0.0, m["time_s"] - CLIP_BEFORE_S), min(self.duration_s, m["time_s"] + CLIP_AFTER_S), m["note"])
                for m in self.list()]
        return pd.DataFrame(rows, columns=["start", "end", "note"])

    def csv(self) -> str:
        """The clip list as CSV text (a note a spreadsheet would run as a formula gets an apostrophe)."""
        buffer = io.StringIO()
        safe_frame(self.clips()).to_csv(buffer, index=False, lineterminator="\n", float_format="%.3f")
        return buffer.getvalue()

    def eaf(self, session: Session | None, source: Path | None) -> Path:
        """Write the marks as an ELAN tier ``clinician marks`` beside the sidecar; returns the file.

        An ELAN source gets a copy with the tier added
        (:func:`attunement.io.eaf_writer.add_tiers`); any other session a new
        document with its coded tiers and the marks (:func:`~attunement.io.eaf_writer.write_eaf`).
        """
        from ..io.eaf_writer import add_tiers, write_eaf

        clips = self.clips()
        starts = clips.start.tolist()
        # one ELAN tier holds no overlapping annotations: a clip ends where the next one starts
        rows = [(a, min(b, max(a, next((s for s in starts[i + 1:] if s > a), b))), str(n) or "mark")
                for i, (a, b, n) in enumerate(zip(starts, clips.end.tolist(), clips.note))]
        out = self.path.with_name(self.path.name[:-len(".json")] + ".eaf")
        if source is not None and source.suffix.lower() == ".eaf":
            return add_tiers(source, out, {"clinician marks": rows}, participant="clinician")
        tiers = dict(session.tiers) if session is not None else {}
        if rows:
            tiers[("clinician", "marks")] = Tier.from_records([(n, a, b) for a, b, n in rows])
        base = session.replace(tiers=tiers) if session is not None else Session(self.session_id, tiers=tiers)
        return write_eaf(base, out)
