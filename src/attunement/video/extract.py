"""A video to a Session: each partner's motion energy, and with ``faces=True`` their faces, as continuous signals.

:func:`video_session` sequences the small public steps: :class:`~.decode.VideoReader`
→ regions (:mod:`.regions`) → :class:`~.motion.MotionEnergy` (and
:class:`~.face_signals.FaceSignals`) → samples placed on the video's frame grid
→ :class:`~attunement.session.Session`.

**Placing samples.** A signal has one rate; a video's frames have times. The
grid is ``t0 + k / rate`` with ``t0`` the first frame's time and ``rate`` the
stream's average frame rate divided by the stride. Each value goes to the
nearest grid sample. With a constant frame rate that is exact. A variable frame
rate, or dropped frames, leaves grid samples without a frame (missing values)
and may put two frames on one sample (their mean is kept); both are counted in
a note (``metadata["warnings"]``). The value at a frame's time is the motion
between it and the frame yielded before it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import AttunementError
from ..session import Session, Signal
from .decode import VideoInfo, VideoReader
from .motion import DEFAULT_THRESHOLD, MotionEnergy
from .regions import Region, check_regions, layout_regions, partner_regions

__all__ = ["SIGNAL", "video_session", "place_on_grid"]

#: The name of the motion-energy signal (as the MEA reader names it, so both meet in ``attune sync``).
SIGNAL = "motion_energy"
#: Frames decoded ahead on a background thread while the caller analyses the current one (:class:`.decode.VideoReader`).
READ_AHEAD = 8


def place_on_grid(times: np.ndarray, values: np.ndarray, rate: float) -> tuple[np.ndarray, dict[str, int]]:
    """Put ``values`` (rows at ``times``) on the grid ``times[0] + k / rate``.

    Returns the gridded values (missing samples NaN; two values on one sample
    averaged) and counts: ``off_grid`` (values more than a quarter sample from
    their grid point), ``shared`` (values that shared a sample), ``empty``
    (samples without a value).

    Examples
    --------
    >>> v, counts = place_on_grid(np.array([0.0, 0.1, 0.3]), np.array([[1.0], [2.0], [4.0]]), 10)
    >>> v.ravel().tolist(), counts
    ([1.0, 2.0, nan, 4.0], {'off_grid': 0, 'shared': 0, 'empty': 1})
    """
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float).reshape(len(times), -1)
    if len(times) == 0:
        return values, {"off_grid": 0, "shared": 0, "empty": 0}
    position = (times - times[0]) * rate
    index = np.rint(position).astype(np.int64)
    n = int(index[-1]) + 1
    sums = np.zeros((n, values.shape[1]))
    counts = np.zeros((n, values.shape[1]))
    finite = np.isfinite(values)
    np.add.at(sums, index, np.where(finite, values, 0.0))
    np.add.at(counts, index, finite)
    hits = np.bincount(index, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
    return out, {"off_grid": int(np.sum(np.abs(position - index) > 0.25)), "shared": int(np.sum(hits[hits > 1])),
                 "empty": int(np.sum(hits == 0))}


def video_session(path: str | Path, *, regions: Sequence[Region] | None = None, layout: str = "left-right",
                  partners: Mapping[str, str] | None = None, stride: int = 1, threshold: int = DEFAULT_THRESHOLD,
                  unit: str = "share", faces: bool = False, hands: bool = False, pose: bool = False,
                  facing: str = "each-other", start_s: float | None = None, end_s: float | None = None,
                  session_id: str | None = None,
                  on_open: Callable[[VideoInfo], None] | None = None,
                  on_frames: Callable[[int], None] | None = None) -> Session:
    """Read a video into a Session holding each partner's ``motion_energy`` signal.

    Parameters
    ----------
    path : str or Path
    regions : sequence of Region, optional
        The partners' boxes in the picture as shown; default: the two halves of ``layout``.
    layout : {"left-right", "top-bottom"}
        The split screen used when ``regions`` is not given.
    partners : mapping of str to str, optional
        Region name → partner (``{"left": "infant", "right": "caregiver"}``).
    stride : int
        Use every ``stride``-th frame; the signal's rate is the frame rate divided by it.
    threshold : int
        Grey levels a pixel must change by (:mod:`.motion`).
    unit : {"share", "count"}
        Motion energy as a share of the region's pixels, or their count.
    faces : bool
        Also find each partner's face in every analysed frame and measure it (MediaPipe, the ``faces`` extra;
        :mod:`.face_signals`): in each region when ``regions`` are given, else tracked in the whole picture,
        the layout's slots (``left``, ``right``) named by ``partners``.
    hands : bool
        With ``faces``: also find hands and say which are at each partner's mouth or reach the other's face
        (:mod:`.hands`).
    pose : bool
        Also find each partner's body in their region (MediaPipe Pose, the ``faces`` extra; :mod:`.pose`):
        lean and body orientation, and for the ``left-right`` layout without ``regions`` how much of each goes
        toward the partner.
    facing : {"each-other", "camera"}
        ``"each-other"``: one camera films both partners, whose faces are tracked across the picture
        (distance, approach and turning toward each other are measured between them). ``"camera"``: each
        partner is filmed by their own camera from where the other sits (a split screen): faces are looked
        for in each partner's region (the layout's halves when ``regions`` is not given), as with ``regions``,
        and each face's head pose and gaze are measured against its region's own camera.
    start_s, end_s : float, optional
        Read only this part of the video (seconds of its own clock; the reader seeks to it,
        :class:`~.decode.VideoReader`); the signals keep the video's times.
    session_id : str, optional
        Default: the file's stem.
    on_open : callable, optional
        Called with the :class:`~.decode.VideoInfo` once the video is open (a progress bar's total).
    on_frames : callable, optional
        Called with the number of frames decoded since the last call (a progress bar).

    Returns
    -------
    Session
        ``signals[(partner, "motion_energy")]`` per partner, and with ``faces=True``
        the face signals of :mod:`.face_signals` on the same grid; ``metadata`` holds
        ``source``, ``rate_hz``, ``frames`` (decoded), ``samples``, ``video``
        (size as shown, rotation, codec, declared duration), ``regions``
        (partner → ``x,y,width,height``), ``threshold``, ``unit``, ``stride``,
        ``faces`` (with ``faces=True``: ``mode``, tracked or regions, and
        ``frames_with_face`` per partner) and ``warnings`` (a cut-off file, a
        rotation, frames off the grid, a partner whose face was not found).

    Raises
    ------
    FileFormatError
        The video cannot be read at all (:class:`~.decode.VideoReader`).
    MappingError
        A region leaves the picture, or a partner mapping names no region.
    AttunementError
        ``faces=True`` without MediaPipe installed.
    """
    path = Path(path)
    if hands and not faces:
        raise AttunementError("hands are measured at the partners' faces: give --hands together with --faces.")
    face_meter = pose_meter = None
    if faces or pose:
        from .faces import require_faces

        require_faces()
    with VideoReader(path, stride=stride, rgb=faces or pose, ahead=READ_AHEAD, start_s=start_s,
                     end_s=end_s) as reader:
        info = reader.info
        if on_open is not None:
            on_open(info)
        chosen = list(regions) if regions else list(layout_regions(layout, info.width, info.height))
        check_regions(chosen, info.width, info.height, name=path.name)
        by_partner = partner_regions(chosen, partners)
        meter = MotionEnergy(list(by_partner.values()), threshold=threshold, unit=unit, keep=True)
        apart = bool(regions) or facing == "camera"     # each face in its own region, not tracked across
        if faces:
            from .face_signals import FaceSignals

            face_meter = (FaceSignals(info.width, info.height, regions=by_partner, hands=hands,
                                      own_cameras=facing == "camera") if apart else
                          FaceSignals(info.width, info.height, slots={r.name: p for p, r in by_partner.items()},
                                      axis="x" if layout == "left-right" else "y", hands=hands))
        if pose:
            from .pose import PoseSignals

            beside = not apart and layout == "left-right" and len(by_partner) == 2
            pose_meter = PoseSignals(by_partner, sides=dict(zip(by_partner, (1.0, -1.0))) if beside else None)
        times = array("d")
        values = array("d")
        reported = 0
        try:
            for frame in reader:
                times.append(frame.time_s)
                values.extend(meter.update(frame.image).tolist())
                if face_meter is not None:
                    face_meter.update(frame.rgb)
                if pose_meter is not None:
                    pose_meter.update(frame.rgb)
                if on_frames is not None and reader.decoded - reported >= 16:
                    on_frames(reader.decoded - reported)
                    reported = reader.decoded
        finally:
            if face_meter is not None:
                face_meter.close()
            if pose_meter is not None:
                pose_meter.close()
        if on_frames is not None and reader.decoded > reported:
            on_frames(reader.decoded - reported)
        notes = list(reader.notes)
        decoded = reader.decoded
    rate = info.rate_hz / stride
    gridded, counts = place_on_grid(np.frombuffer(times), np.frombuffer(values).reshape(len(times), -1), rate)
    if counts["off_grid"] or counts["shared"] or counts["empty"]:
        notes.append(f"the frame times do not follow the {info.rate_hz:g} fps grid (a variable frame rate or dropped "
                     f"frames): {counts['off_grid']} frame(s) more than a quarter frame off it, {counts['empty']} "
                     f"sample(s) without a frame (missing), {counts['shared']} frame(s) sharing a sample "
                     f"(averaged)")
    signals = {(partner, SIGNAL): Signal(gridded[:, k], rate, float(times[0]))
               for k, partner in enumerate(by_partner)}
    face_metadata = None
    if face_meter is not None:
        series, face_notes = face_meter.finish(np.frombuffer(times))
        notes += face_notes
        if series:
            keys = list(series)
            on_grid, _ = place_on_grid(np.frombuffer(times), np.column_stack([series[k] for k in keys]), rate)
            signals.update({key: Signal(on_grid[:, k], rate, float(times[0])) for k, key in enumerate(keys)})
        face_metadata = {"mode": "regions" if apart else "tracked",
                         "frames_with_face": {p: int(np.sum(series[p, "face_present"] == 1))
                                              for p in face_meter.partners}}
    if pose_meter is not None:
        series, pose_notes = pose_meter.finish()
        notes += pose_notes
        keys = list(series)
        on_grid, _ = place_on_grid(np.frombuffer(times), np.column_stack([series[k] for k in keys]), rate)
        signals.update({key: Signal(on_grid[:, k], rate, float(times[0])) for k, key in enumerate(keys)})
        pose_metadata = {"frames_with_body": {p: int(np.sum(series[p, "pose_present"] == 1))
                                              for p in pose_meter.partners}}
    metadata = {
        "source": str(path), "rate_hz": rate, "frames": int(decoded), "samples": int(len(gridded)),
        "video": {"width": info.width, "height": info.height, "rotation": info.rotation, "codec": info.codec,
                  "frame_rate_hz": info.rate_hz, "duration_s": info.duration_s},
        "regions": {p: f"{r.x},{r.y},{r.width},{r.height}" for p, r in by_partner.items()},
        "threshold": int(threshold), "unit": unit, "stride": int(stride),
    }
    if start_s is not None or end_s is not None:
        metadata["part_s"] = [start_s, end_s]
    if face_metadata is not None:
        metadata["faces"] = face_metadata
    if pose_meter is not None:
        metadata["pose"] = pose_metadata
    if notes:
        metadata["warnings"] = notes
    return Session(id=session_id or path.stem, signals=signals, metadata=metadata)
