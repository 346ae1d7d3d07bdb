"""OpenFace 2.x CSV output (FeatureExtraction, FaceLandmarkVidMulti), FORMATS.md §9.

One file per partner, one row per frame: ``frame, face_id, timestamp,
confidence, success`` and, where enabled, gaze, pose, landmarks and action
units. Older 2.x builds separate fields with ``", "``; both separators are read.

Signals kept (those present): ``confidence``, ``success`` (0/1),
``gaze_angle_x``, ``gaze_angle_y`` (rad), ``pose_Tx, pose_Ty, pose_Tz`` (mm),
``pose_Rx, pose_Ry, pose_Rz`` (rad: pitch, yaw, roll), the action-unit
intensities ``AU01_r … AU45_r`` (0–5) and presences ``AU01_c … AU28_c`` (0/1).
Rows with ``success = 0`` are written by OpenFace with zeros: every signal
but ``confidence`` and ``success`` is missing (NaN) there. Use
:func:`attunement.sync.mask_low_confidence` to drop low-confidence frames too.

Samples are placed by ``frame`` number (a skipped frame is a missing sample).
The rate is ``--rate`` when given, else estimated from the timestamps and
snapped to the nearest nominal rate (any whole number of frames per second,
23.976, 29.97, 59.94 …) within 0.03 % (or 1 ms over the file's span, the
timestamps' rounding): a 15 fps file is read as 15 Hz, not 15.0003 Hz (see
:mod:`attunement.io._timing`).

Checks before any grid is allocated: a file with a header and no rows, a
timestamp that is not a finite number of seconds ≥ 0, a frame number that is
not a whole number ≥ 0, and a frame or timestamp far from the others (a span
more than ten times the frames given, plus 1,000) are errors that name the
line. Signal values that are infinite or beyond ±1e150 are read as missing,
with a note in ``metadata["warnings"]``.

Naming: a file ``<session>_<partner>.csv`` gives session ``<session>`` and
partner ``<partner>`` (a stem without ``_`` is the session, partner
``unassigned``); map partners with ``partners`` (``{"mom": "caregiver"}``; one
mapping may name every partner of a dyad, so keys a file lacks are not errors). Read
both partners' files and join them with
:func:`attunement.io.signals_csv.merge_sessions`, or use :func:`read_dyad`.
A VidMulti file with several ``face_id`` values gives one partner per face,
``face0``, ``face1`` … (map them with ``partners``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError
from ..session import Session, Signal
from ._common import PartnerMap, decode_text, read_bytes
from ._timing import check_span, mask_absurd, snap_rate

__all__ = ["read", "sniff", "read_dyad", "SIGNAL_PATTERN", "STANDARD_RATES"]

#: Columns kept as signals.
SIGNAL_PATTERN = re.compile(r"^(confidence|success|gaze_angle_[xy]|pose_[TR][xyz]|AU\d\d_[rc])$")

#: Common video rates (kept for reference; estimates snap to any nominal rate of :mod:`._timing`).
STANDARD_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0, 50.0, 60000 / 1001, 60.0, 100.0, 120.0)

_KEEP_ON_FAILURE = ("confidence", "success")


def _names(head: bytes) -> list[str]:
    try:
        text = decode_text(head[:16384], name="")
    except FileFormatError:
        return []
    return [c.strip() for c in text.split("\n", 1)[0].split(",")]


def sniff(path: Path, head: bytes) -> bool:
    """A header with ``timestamp`` and ``confidence`` (video) or ``face``, ``confidence`` and AU columns (images)."""
    names = set(_names(head))
    if {"timestamp", "confidence"} <= names:
        return True
    return {"face", "confidence"} <= names and any(n.startswith("AU") for n in names)


def _snap(rate: float, span_s: float | None = None) -> float:
    """The nearest nominal video rate within tolerance, else the estimate (see :func:`~._timing.snap_rate`)."""
    return snap_rate(rate, span_s=span_s)


def _estimate_rate(frames: np.ndarray, times: np.ndarray, name: str) -> float:
    span = float(times.max() - times.min())
    steps = float(frames.max() - frames.min())
    if span <= 0 or steps <= 0:
        raise FileFormatError(f"{name}: has too few frames to tell the frame rate. Give it with --rate.")
    return _snap(steps / span, span)


def _check_timing(numeric: dict[str, np.ndarray], lines: np.ndarray, name: str) -> None:
    """Timestamps finite and ≥ 0, frames whole and ≥ 0, and neither far from the others."""
    times = numeric["timestamp"]
    bad = ~np.isfinite(times) | (times < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FileFormatError(f"{name}: line {int(lines[i])}: the timestamp {times[i]:g} is not a number of seconds "
                              f"≥ 0. Re-run OpenFace, or correct that row.")
    frames = numeric.get("frame")
    if frames is not None:
        bad = ~np.isfinite(frames) | (frames < 0) | (np.mod(np.nan_to_num(frames), 1) != 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FileFormatError(f"{name}: line {int(lines[i])}: the frame {frames[i]:g} is not a whole number "
                                  f"≥ 0. Re-run OpenFace, or correct that row.")
    faces = numeric.get("face_id", np.zeros(len(times)))
    bad = ~np.isfinite(faces) | (faces < 0) | (faces > 10_000) | (np.mod(np.nan_to_num(faces), 1) != 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FileFormatError(f"{name}: line {int(lines[i])}: the face_id {faces[i]:g} is not a face number "
                              f"(a whole number from 0). Re-run OpenFace, or correct that row.")
    for face in np.unique(faces):
        rows = np.flatnonzero(faces == face)
        if frames is not None:
            f = frames[rows]
            check_span(float(f.max() - f.min()) + 1, f, lines[rows], name=name, where=f"face {int(face)}",
                       what="frame", fix=" (OpenFace numbers frames from 1, one per video frame)")
        t = np.sort(times[rows])
        steps = np.diff(t)
        positive = steps[steps > 0]
        if len(positive):
            check_span(float(t[-1] - t[0]) / float(np.median(positive)) + 1, times[rows], lines[rows], name=name,
                       where=f"face {int(face)}", what="timestamp", unit=" s", fix="")


def read(path: Path, options) -> list[Session]:
    name = path.name
    text = decode_text(read_bytes(path), name=name)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=",", skipinitialspace=True, dtype=str, keep_default_na=False,
                            na_values=[""])
    except (pd.errors.ParserError, ValueError) as error:
        detail = " ".join(str(error).split())
        raise FileFormatError(f"{name}: not a valid OpenFace CSV ({detail}). Check that the file is complete.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if "timestamp" not in frame.columns:
        if "face" in frame.columns:
            raise FileFormatError(
                f"{name}: is OpenFace output for still images (no timestamp column), not a video. "
                f"Run FeatureExtraction on the video to get one row per frame.")
        raise FileFormatError(f"{name}: has no 'timestamp' column. Is this an OpenFace 2.x CSV?")
    if len(frame) == 0:
        raise FileFormatError(f"{name}: has OpenFace's header but no frames (no row after line 1): OpenFace could "
                              f"not read the video. Check the video file and run FeatureExtraction again.")
    lines = np.arange(len(frame)) + 2
    numeric = {}
    notes = []
    for column in frame.columns:
        values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any() and (column in ("frame", "face_id", "timestamp", "success") or SIGNAL_PATTERN.match(column)):
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise FileFormatError(f"{name}: line {i + 2}, column {column!r}: {frame[column].iloc[i]!r} is not a "
                                  f"number. Re-run OpenFace or check the file is not truncated.")
        numeric[column] = values.to_numpy(dtype=float)
        if SIGNAL_PATTERN.match(column):
            numeric[column], note = mask_absurd(numeric[column], lines, column=column)
            notes += [note] if note else []
    times = numeric["timestamp"]
    if np.isnan(times).any():
        raise FileFormatError(f"{name}: line {int(np.flatnonzero(np.isnan(times))[0]) + 2}: the timestamp is empty.")
    _check_timing(numeric, lines, name)
    frames = numeric.get("frame", None)
    if frames is None:
        rate_guess = options.rate or _estimate_rate(np.arange(len(times)), times, name)
        frames = np.rint((times - times.min()) * rate_guess) + 1
    success = numeric.get("success", np.ones(len(times)))
    faces = numeric.get("face_id", np.zeros(len(times)))
    face_ids = np.unique(faces[np.isfinite(faces)]).astype(int)
    signal_columns = [c for c in frame.columns if SIGNAL_PATTERN.match(c)]
    if not signal_columns:
        raise FileFormatError(f"{name}: has none of the columns attunement reads (confidence, success, gaze_angle_*, "
                              f"pose_*, AU*_r, AU*_c). Enable them when running OpenFace.")
    rate = float(options.rate) if options.rate is not None else _estimate_rate(frames, times, name)
    stem = path.stem
    session_id, _, suffix = stem.rpartition("_")
    if not session_id:
        session_id, suffix = stem, ""
    partners = options.partners
    signals: dict[tuple[str, str], Signal] = {}
    sources = []
    for face in face_ids:
        rows = np.flatnonzero(faces == face)
        f = frames[rows]
        if len(np.unique(f)) != len(f):
            raise FileFormatError(f"{name}: face {face}: frame {int(f[np.argmax(np.diff(np.sort(f)) == 0)])} appears "
                                  f"twice. Each frame may appear once per face.")
        order = rows[np.argsort(f)]
        first_frame = frames[order[0]]
        index = (frames[order] - first_frame).astype(np.int64)
        start = float(times[order[0]])
        failed = success[order] == 0
        if len(face_ids) > 1:
            source = f"face{face}"
            source_partner = source
        else:
            source, source_partner = stem, (suffix or None)
        sources.append(source)
        for column in signal_columns:
            values = numeric[column][order].copy()
            if column not in _KEEP_ON_FAILURE:
                values[failed] = np.nan
            out = np.full(int(index[-1]) + 1, np.nan)
            out[index] = values
            key = partners.resolve(source=source, partner=source_partner, tier=column)
            signals[key] = Signal(out, rate, start)
    # one mapping serves every file of a dyad (one file per partner), so keys for other files are not errors
    metadata = {"rate_hz": rate, "frames": int(len(times)), "failed_frames": int((success == 0).sum())}
    if notes:
        metadata["warnings"] = notes
    return [Session(id=session_id, signals=signals, metadata=metadata)]


def read_dyad(paths: Mapping[str, str | Path], *, session: str, rate: float | None = None) -> Session:
    """One Session from one OpenFace file per partner.

    Parameters
    ----------
    paths : mapping partner → path
        E.g. ``{"infant": "d01_baby.csv", "caregiver": "d01_mom.csv"}``.
    session : str
        The session id.
    rate : float, optional
        Frames per second (estimated from the timestamps when omitted).

    Returns
    -------
    Session

    Raises
    ------
    FileFormatError
        When a file cannot be read (see :func:`read`).
    """
    from . import ReadOptions

    signals: dict[tuple[str, str], Signal] = {}
    sources = []
    for partner, path in paths.items():
        path = Path(path)
        if not path.is_file():
            raise FileFormatError(f"{path}: no such file. Check the path.")
        options = ReadOptions(partners=PartnerMap({path.stem: partner}), rate=rate)
        (one,) = read(path, options)
        signals.update(one.signals)
        sources.append(str(path))
    return Session(id=session, signals=signals, metadata={"tool": "openface", "sources": sources})
