"""What a folder holds for the app: its coded sessions, their videos, analyses and fits.

:class:`Library` walks a folder once per request that needs it (cheaply: files
are read again only when their size or modification time changed) and finds

- **coded files** the project reads (:func:`attunement.read`, through the same
  walk as ``attune analyze FOLDER``: hidden entries and run folders skipped);
  each file's sessions are analysed with the scheme its sidecar names
  (default ``icep-r``);
- **analyses** (folders written by ``attune analyze`` or ``attune demo``):
  their tables give the sessions no coded file in the folder holds;
- **fits** (folders written by ``attune fit``): each fitted dyad's estimates,
  so the model can start from them, and its posterior (``posterior.json``),
  so that a "what if" can be simulated from it (:meth:`Library.fit_of`).

A coded file's optional sidecar ``<stem>.attune.json`` says how to read it::

    {"scheme": "mutual-gaze", "partners": {"p": "client", "t": "therapist"}, "rate": 1,
     "episodes": null, "format": null, "video": "dyad1.mp4"}

``video`` is a path relative to the sidecar's folder, or a mapping from
session id to such a path. Without it, a video beside the coded file with the
same stem (``dyad1.mp4`` beside ``dyad1.eaf``) is the video of its sessions.

Two cameras (one on each partner, as labs often record) are named with
``videos`` instead: a list of one or two videos, or a mapping from session id
to such a list; each is a path or ``{"path": …, "offset_s": …}``::

    {"videos": [{"path": "dyad1-infant.mp4", "offset_s": 1.5}, {"path": "dyad1-mother.mp4", "offset_s": -0.4}]}

``offset_s`` (default 0) is where the codes' zero falls in that video: the
moment coded at *t* seconds is at *t* + ``offset_s`` in it. The app shows the
videos side by side, the first one driving the second. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._csvsafe import restore_frame
from .._files import MANIFEST, read_manifest
from ..errors import AttunementError
from ..report.palette import Palette
from ..session import Session

__all__ = ["Library", "Entry", "VIDEO_TYPES", "SIDECAR_SUFFIX", "MARKS_SUFFIX", "MAX_VIDEOS", "resolve_inside"]

logger = logging.getLogger(__name__)

#: Video files the app serves, with their media types (what browsers play).
VIDEO_TYPES: dict[str, str] = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
                               ".ogv": "video/ogg", ".mov": "video/quicktime"}
SIDECAR_SUFFIX = ".attune.json"
#: The marks of a coded file's sessions, and their exports, live beside it under this suffix.
MARKS_SUFFIX = ".marks"
DEFAULT_SCHEME = "icep-r"
#: A folder is walked again at most this often (seconds); between walks the last list is shown.
RESCAN_AFTER_S = 1.0
_SIDECAR_KEYS = {"scheme", "partners", "rate", "episodes", "format", "video", "videos"}
#: Videos shown side by side, kept in step.
MAX_VIDEOS = 2


def resolve_inside(root: Path, relative: str) -> Path | None:
    """``relative`` resolved under ``root`` (symlinks followed), or None when it leads outside ``root``.

    Absolute paths and ``..`` components are refused before anything is resolved.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> resolve_inside(root, "../etc/passwd") is None, resolve_inside(root, "/etc/passwd") is None
    (True, True)
    >>> resolve_inside(root, "a/b.mp4") == root.resolve() / "a" / "b.mp4"
    True
    """
    text = relative.replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if text.startswith("/") or (len(text) > 1 and text[1] == ":") or "\x00" in text or ".." in parts:
        return None
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    return path if path == base or path.is_relative_to(base) else None


@dataclass
class Entry:
    """One session the app can show.

    ``key`` names it in URLs (a hash of its source and id); ``source`` is the
    coded file (or the analysis folder) relative to the library's root.
    """

    key: str
    session_id: str
    source: str
    kind: str                          # "coded" or "analysis"
    scheme: str
    partners: tuple[str, ...]
    duration_s: float
    start_s: float
    segments: pd.DataFrame
    mismatches: pd.DataFrame
    measures: pd.DataFrame
    episodes: list[tuple[str, float, float]] = field(default_factory=list)
    session: Session | None = None
    video: Path | None = None          # the first of ``videos`` (the one that drives), or None
    videos: list[tuple[Path, float]] = field(default_factory=list)  # (file, offset_s): codes at t are at t + offset_s
    marks_base: Path | None = None     # <folder>/<stem>: marks are <stem>.marks.json
    fitted: dict[str, float] | None = None
    posterior: Path | None = None      # the fit's posterior.json, when it holds this dyad
    fit_words: list[dict[str, Any]] = field(default_factory=list)
    state_colours: dict[str, str] | None = None  # the report's colours of the scheme's states
    view_json: bytes | None = None     # the session view, serialised once per scan that found it

    def summary(self, root: Path) -> dict[str, Any]:
        """The short description the list of sessions shows."""
        return {"key": self.key, "session": self.session_id, "source": self.source, "kind": self.kind,
                "duration_s": round(self.duration_s, 3), "has_video": self.video is not None,
                "video": str(self.video.relative_to(root)) if self.video else None, "videos": len(self.videos),
                "fitted": self.fitted is not None, "partners": list(self.partners)}


@dataclass
class _Problem:
    source: str
    message: str


def _key(source: str, session_id: str) -> str:
    return hashlib.sha256(f"{source}\x00{session_id}".encode()).hexdigest()[:16]


def _stamp(paths: Sequence[Path]) -> tuple:
    out = []
    for path in paths:
        try:
            st = path.stat()
            out.append((str(path), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(path), None, None))
    return tuple(out)


class Library:
    """The sessions of one folder (see the module's docstring).

    Parameters
    ----------
    root : path-like
        The folder served. Only files inside it (after resolving symlinks) are read.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise AttunementError(f"{root}: not a folder. Give the folder that holds the recordings, codes and "
                                  f"results to serve.")
        self._lock = threading.Lock()
        self._cache: dict[tuple, tuple[list[Entry], list[_Problem]]] = {}
        self._entries: dict[str, Entry] = {}
        self.problems: list[_Problem] = []
        self._scanned: tuple | None = None
        self._fits: dict[tuple, Any] = {}
        self._when = 0.0

    # ------------------------------------------------------------------ scanning
    def scan(self) -> list[Entry]:
        """Every session in the folder (re-reading only what changed), in a stable order."""
        from ..cli._common import _folder_files

        with self._lock:
            if self._scanned is not None and time.monotonic() - self._when < RESCAN_AFTER_S:
                return list(self._entries.values())
            self._when = time.monotonic()
            coded = [p for p in _folder_files(self.root) if self._inside(p) and not _is_export(p)]
            runs = self._runs()
            stamp = _stamp([*coded, *(p for run in runs for p in _run_files(run)),
                            *(p.with_name(p.stem + SIDECAR_SUFFIX) for p in coded)])
            if stamp == self._scanned:
                return list(self._entries.values())
            entries: list[Entry] = []
            problems: list[_Problem] = []
            for group in _groups(coded):
                found, failed = self._coded(group)
                entries += found
                problems += failed
            have = {e.session_id for e in entries}
            fits: dict[str, tuple[dict[str, float], list[dict[str, Any]], Path | None]] = {}
            for run, manifest in runs.items():
                if manifest.get("command") in ("analyze", "demo"):
                    found, failed = self._analysis(run, manifest, skip=have)
                    entries += found
                    problems += failed
                    have |= {e.session_id for e in found}
                elif manifest.get("command") == "fit":
                    fits.update(_fitted(run))
            for entry in entries:
                entry.fitted, entry.fit_words, entry.posterior = fits.get(entry.session_id, (None, [], None))
                entry.view_json = None
            self._entries = {e.key: e for e in entries}
            self.problems = problems
            self._scanned = stamp
            return entries

    def get(self, key: str) -> Entry | None:
        self.scan()
        return self._entries.get(key)

    def fit_of(self, entry: Entry):
        """The fitted model of ``entry``'s dyad alone (:func:`attunement.model.saved.read_fit`), or None.

        Read again only when the file changed; a file that cannot be read raises AttunementError.
        """
        from ..model.saved import read_fit

        if entry.posterior is None or not self._inside(entry.posterior):
            return None
        key = (_stamp([entry.posterior]), entry.session_id)
        with self._lock:
            if key not in self._fits:
                self._fits = {key: read_fit(entry.posterior, sessions=[entry.session_id]),
                              **dict(list(self._fits.items())[-7:])}  # a few dyads kept, the newest first
            return self._fits[key]

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except OSError:
            return False

    def _relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def _runs(self) -> dict[Path, dict]:
        runs = {}
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            if MANIFEST in files and Path(folder) != self.root and self._inside(Path(folder)):
                manifest = read_manifest(folder)
                if manifest:
                    runs[Path(folder)] = manifest
                dirs[:] = []
        return runs

    def _coded(self, group: list[Path]) -> tuple[list[Entry], list[_Problem]]:
        """The analysed sessions of files that belong together (codes and the signals beside them)."""
        from ..cli._common import _merge_same_ids
        from ..io import read
        from ..measures import analyze

        stamp = _stamp([*group, *(p.with_name(p.stem + SIDECAR_SUFFIX) for p in group)])
        if stamp in self._cache:
            return self._cache[stamp]
        main = group[0]
        source = self._relative(main)
        problems: list[_Problem] = []
        try:
            sidecar = _read_sidecar(main)
            sessions: list[Session] = []
            for path in group:
                sessions += read(path, format=sidecar.get("format") if path == main else None,
                                 partners=sidecar.get("partners"), episodes_tier=sidecar.get("episodes"),
                                 rate=sidecar.get("rate"))
            sessions, _ = _merge_same_ids(sessions)
            coded = [s for s in sessions if s.tiers]
            if not coded:
                return [], []
            scheme = sidecar.get("scheme") or DEFAULT_SCHEME
            if str(scheme).lower().endswith((".yaml", ".yml")):  # a scheme file beside the codes
                found = (main.parent / scheme).resolve()
                if not (found.is_file() and self._inside(found)):
                    raise AttunementError(f"{main.name}: the sidecar's scheme {scheme!r} is not a file inside the "
                                          f"served folder; put the scheme beside the codes.")
                scheme = str(found)
            results = analyze(coded, scheme, on_error="collect")
        except AttunementError as error:
            out = ([], [_Problem(source, str(error))])
            self._cache[stamp] = out
            return out
        problems += [_Problem(source, f.message) for f in results.failures]
        entries = []
        for session in coded:
            if session.id in {f.path for f in results.failures} or not (results.segments.session == session.id).any():
                continue
            entry = _entry(source, session.id, "coded", str(scheme), results.segments, results.mismatches,
                           results.sessions, session=session)
            entry.videos = self._videos(main, sidecar, session.id)
            entry.video = entry.videos[0][0] if entry.videos else None
            entry.state_colours = Palette.for_scheme(results.scheme).states
            entry.marks_base = main.with_name(main.name.split(".")[0])
            entries.append(entry)
        self._cache[stamp] = (entries, problems)
        return entries, problems

    def _analysis(self, run: Path, manifest: dict, *, skip: set[str]) -> tuple[list[Entry], list[_Problem]]:
        source = self._relative(run)
        try:
            tables = {name: _read_table(run / f"{name}.csv") for name in ("segments", "mismatches", "sessions")}
        except (OSError, ValueError, KeyError) as error:
            return [], [_Problem(source, f"{source}: its tables could not be read ({error}); run the analysis again.")]
        entries = []
        inputs = [Path(p) for p in manifest.get("inputs", [])]
        for sid in pd.unique(tables["segments"]["session"].astype(str)):
            if sid in skip:
                continue
            entry = _entry(source, sid, "analysis", "(from the analysis)", tables["segments"],
                           tables["mismatches"], tables["sessions"])
            for path in inputs:  # a video beside the analysed input, when that input is in the folder
                if path.exists() and self._inside(path) and entry.video is None:
                    entry.videos = self._videos(path, {}, sid)
                    entry.video = entry.videos[0][0] if entry.videos else None
            entry.marks_base = run.with_name(f"{run.name}.{_slug(sid)}")  # beside the run: a run is replaced whole
            entries.append(entry)
        return entries, []

    def _videos(self, coded: Path, sidecar: Mapping[str, Any], session_id: str) -> list[tuple[Path, float]]:
        """The session's videos with their offsets: the sidecar's ``videos`` or ``video``, else the one beside it."""
        if "videos" in sidecar:  # checked and read as (path, offset_s) pairs by _read_sidecar
            named = sidecar["videos"]
            specs = named.get(session_id, []) if isinstance(named, Mapping) else named
            found = [(self._named_video(coded, path), offset) for path, offset in specs]
            return [(path, offset) for path, offset in found if path is not None]
        named = sidecar.get("video")
        if isinstance(named, Mapping):
            named = named.get(session_id)
        if isinstance(named, str):
            path = self._named_video(coded, named)
            return [(path, 0.0)] if path else []
        stem = coded.name.split(".")[0]
        for suffix in VIDEO_TYPES:
            for name in (f"{stem}{suffix}", f"{stem}{suffix.upper()}"):
                path = coded.with_name(name)
                if path.is_file() and self._inside(path):
                    return [(path.resolve(), 0.0)]
        return []

    def _named_video(self, coded: Path, named: str) -> Path | None:
        path = (coded.parent / named).resolve()
        return path if path.is_file() and self._inside(path) and path.suffix.lower() in VIDEO_TYPES else None


# ---------------------------------------------------------------------- helpers
def _is_export(path: Path) -> bool:
    """The app's own exports (``<stem>.marks.eaf``, ``<stem>.marks.csv``) are not coded data."""
    return MARKS_SUFFIX + "." in path.name or path.name.endswith(MARKS_SUFFIX)


def _groups(paths: Sequence[Path]) -> list[list[Path]]:
    """Coded files with the signal files beside them (``x.csv`` with ``x.arousal.csv``) as one group."""
    by_stem: dict[tuple[Path, str], list[Path]] = {}
    for path in paths:
        by_stem.setdefault((path.parent, path.name.split(".")[0]), []).append(path)
    return [sorted(group, key=lambda p: (len(p.name), p.name)) for group in by_stem.values()]


def _read_sidecar(coded: Path) -> dict[str, Any]:
    path = coded.with_name(coded.name.split(".")[0] + SIDECAR_SUFFIX)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AttunementError(f"{path.name}: not a readable JSON sidecar ({error}). Correct it or remove it.") from None
    if isinstance(data, dict) and {"video", "videos"} <= set(data):
        raise AttunementError(f"{path.name}: give either 'video' or 'videos', not both.")
    if not isinstance(data, dict) or set(data) - _SIDECAR_KEYS:
        unknown = sorted(set(data) - _SIDECAR_KEYS) if isinstance(data, dict) else []
        raise AttunementError(f"{path.name}: a sidecar is a JSON object with the keys "
                              f"{', '.join(sorted(_SIDECAR_KEYS))}" + (f"; it has {unknown}." if unknown else "."))
    if "videos" in data:
        named = data["videos"]
        data["videos"] = ({str(k): _video_specs(path.name, v) for k, v in named.items()} if isinstance(named, dict)
                          else _video_specs(path.name, named))
    return data


def _video_specs(sidecar: str, named: Any) -> list[tuple[str, float]]:
    """A sidecar's ``videos`` list as ``(path, offset_s)`` pairs (see the module's docstring)."""
    if not isinstance(named, list) or len(named) > MAX_VIDEOS:
        raise AttunementError(f"{sidecar}: 'videos' is a list of one or two videos (or a mapping from session id "
                              f"to such a list), e.g. "
                              f"[\"infant.mp4\", {{\"path\": \"mother.mp4\", \"offset_s\": 1.5}}].")
    out = []
    for item in named:
        if isinstance(item, str):
            item = {"path": item}
        offset = item.get("offset_s", 0.0) if isinstance(item, Mapping) else None
        if (not isinstance(item, Mapping) or set(item) - {"path", "offset_s"} or not isinstance(item.get("path"), str)
                or isinstance(offset, bool) or not isinstance(offset, (int, float)) or not np.isfinite(offset)):
            raise AttunementError(f"{sidecar}: each of 'videos' is a path or {{\"path\": …, \"offset_s\": seconds}}; "
                                  f"got {json.dumps(item)[:80]}.")
        out.append((item["path"], float(offset)))
    return out


def _read_table(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"session": str, "episode": str})
    return restore_frame(frame)


def _run_files(run: Path) -> list[Path]:
    return [run / MANIFEST, *(run / f"{n}.csv" for n in ("segments", "mismatches", "sessions", "dyads",
                                                            "population", "plain_words")), run / "posterior.json"]


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-")
    return keep[:60] or "session"


def _fitted(run: Path) -> dict[str, tuple[dict[str, float], list[dict[str, Any]], Path | None]]:
    """Each fitted dyad's parameters (its own estimates, the population's shared values), words, posterior file."""
    try:
        dyads = _read_table(run / "dyads.csv")
        population = _read_table(run / "population.csv")
    except (OSError, ValueError):
        return {}
    shared = {str(p): float(v) for p, v, k in zip(population.parameter, population.estimate, population.kind)
              if k == "shared" and np.isfinite(v)}
    words = _read_table(run / "plain_words.csv") if (run / "plain_words.csv").is_file() else None
    posterior = run / "posterior.json" if (run / "posterior.json").is_file() else None
    out = {}
    for sid, rows in dyads.groupby(dyads.session.astype(str)):
        values = {**shared, **{str(p): float(v) for p, v in zip(rows.parameter, rows.estimate) if np.isfinite(v)}}
        said = []
        if words is not None and "session" in words.columns:
            mine = words[words.session.astype(str) == sid]
            said = json.loads(mine.to_json(orient="records"))
        out[sid] = (values, said, posterior)
    return out


def _entry(source: str, sid: str, kind: str, scheme: str, segments: pd.DataFrame, mismatches: pd.DataFrame,
           measures: pd.DataFrame, *, session: Session | None = None) -> Entry:
    seg = segments[segments.session.astype(str) == sid].sort_values("onset_s", kind="stable")
    mis = mismatches[mismatches.session.astype(str) == sid].sort_values("onset_s", kind="stable")
    rows = measures[measures.session.astype(str) == sid]
    partners = tuple(c[len("state_"):] for c in seg.columns if c.startswith("state_"))
    start = float(seg.onset_s.min()) if len(seg) else 0.0
    end = float(seg.offset_s.max()) if len(seg) else 0.0
    if session is not None and not session.is_empty:
        start, end = min(start, session.start), max(end, session.end)
    episodes = []
    if session is not None:
        episodes = [(e.name, float(e.onset), float(e.offset)) for e in session.episodes]
    elif "episode" in seg.columns:
        for name, part in seg[seg.episode != "all"].groupby("episode", sort=False):
            episodes.append((str(name), float(part.onset_s.min()), float(part.offset_s.max())))
    return Entry(key=_key(source, sid), session_id=sid, source=source, kind=kind, scheme=scheme,
                 partners=partners, duration_s=max(end, 0.0), start_s=start,
                 segments=seg.reset_index(drop=True), mismatches=mis.reset_index(drop=True),
                 measures=rows.reset_index(drop=True), episodes=episodes, session=session)
