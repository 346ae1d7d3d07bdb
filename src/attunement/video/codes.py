"""Interval codes derived from a video's per-frame signals: gaze, smile, self-comfort and approach.

:func:`derive_codes` reads a :class:`~attunement.session.Session`'s face and hand
signals (:mod:`.face_signals`, on the video's frame grid) and adds one tier per
partner and behaviour, so that ``codes.csv``, an ELAN file and a scheme
(``video-gaze``) can use them. It knows Sessions and signals only.

Each sample at time ``t`` covers ``[t, t + 1 / rate)``. A sample whose face was
not found (``face_present`` 0) or whose input signal is missing gets **no code**:
the tier has a gap there ("not visible"), never a silent "away". Runs of one
code shorter than the tier's minimum bout are given to the run before them (or,
at the start of a visible stretch, the run after); a short run between two
gaps is dropped. The thresholds (:class:`CodeThresholds`) are judgements unless
a source is named, to be checked against hand codes (docs/video.md,
"Validation").

Tiers (per partner, only when the signals they need are present):

``gaze``: ``at-partner`` / ``away`` / ``far-away``
    The head's and the eyes' turn toward the partner's side of the picture,
    ``direction = head_toward_partner_deg + eyes``, where ``eyes`` is the iris
    offset turned into an angle: ``asin(gaze_x_toward · HALF_EYE_MM / EYE_RADIUS_MM)``
    (the iris moving on a sphere of 12 mm radius, the eye's opening 30 mm wide:
    adult axial length about 24 mm; palpebral fissure about 28–30 mm;
    anthropometric means, rounded). ``at-partner`` when the direction is at least
    ``gaze_at_deg`` (30°, the cut-off of ``facing_partner``), ``far-away`` when
    it is at most ``-gaze_far_deg`` (the face and eyes point to the side away
    from the partner by 30° or more), else ``away``. It needs two faces tracked
    in one picture (``head_toward_partner_deg``). Minimum bout 0.2 s: about one
    fixation (fixations last about 0.2–0.3 s; Rayner 1998, Psychological
    Bulletin 124:372–422).

    That is ``facing="each-other"``: one camera films both partners side by
    side, so each sees the other across the picture. With ``facing="camera"``
    each partner is filmed from where the other sits (a split screen of two
    cameras, the still-face set-up, or ``--region`` boxes of such a picture):
    the partner is straight ahead, and the angle off the camera is
    ``|head_yaw_deg + eyes|``; ``at-partner`` within ``gaze_at_deg`` (30°) of
    it, ``far-away`` at ``gaze_at_deg + gaze_far_deg`` (60°) or more, else
    ``away`` (the face mesh loses accuracy past about 45° of yaw and the face
    is lost near profile, which gives a gap, not ``far-away``).
``smile``: ``smile`` / ``no-smile``
    The ``smile`` signal is already standardised per person (robust z of the
    mouth's width relative to the eyes). Hysteresis: a smile starts when it
    reaches ``smile_on_z`` (2) and lasts until it falls below ``smile_off_z``
    (1), so noise around one cut-off does not flicker; minimum bout 0.5 s.
``self_comfort``: ``hand-at-mouth`` / ``no-hand``
    From ``hand_at_mouth`` (``--hands``); minimum bout 0.5 s. Whose hand it is
    is not known (a caregiver feeding counts too).
``approach``: ``approaching`` / ``still`` / ``withdrawing``
    The partner's own head movement toward the other (``approach_iod_per_s``),
    as a running median over ``approach_window_s`` (0.5 s, so one mislocated
    face does not make a movement); ``approaching`` at or above
    ``approach_iod_per_s`` (1 inter-ocular distance per second, about 6 cm/s
    for an adult's 6.3 cm: Dodgson 2004, Proc. SPIE 5291), ``withdrawing`` at or
    below its negative; minimum bout 0.5 s. Derived for both partners; the
    issue's "caregiver approaching" is the caregiver's tier.

``vocalising`` comes from the sound (:mod:`attunement.audio`) and is left as it is.

Examples
--------
>>> import numpy as np
>>> from attunement.session import Session, Signal
>>> toward = np.array([40, 42, 41, 5, 4, 6, 3, -45, -44, -46, 40, 41], float)
>>> s = Session("d1", signals={
...     ("infant", "face_present"): Signal(np.array([1] * 10 + [0, 0], float), 10),
...     ("infant", "head_toward_partner_deg"): Signal(toward, 10),
...     ("infant", "head_yaw_deg"): Signal(toward, 10),
...     ("infant", "gaze_x"): Signal(np.zeros(12), 10)})
>>> tier = derive_codes(s).tier("infant", "gaze")
>>> list(zip(tier.code, tier.onset.round(1).tolist(), tier.offset.round(1).tolist()))
[('at-partner', 0.0, 0.3), ('away', 0.3, 0.7), ('far-away', 0.7, 1.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..session import Session, Signal, Tier

__all__ = ["CodeThresholds", "FACING", "TIERS", "code_thresholds", "derive_codes", "gaze_direction", "hysteresis",
           "runs_to_tier", "merge_short_runs"]

#: The tiers :func:`derive_codes` may add, per partner.
TIERS = ("gaze", "smile", "self_comfort", "approach")
#: Half the width of an adult eye's opening and the eyeball's radius, in mm (anthropometric means, rounded).
HALF_EYE_MM = 15.0
EYE_RADIUS_MM = 12.0


@dataclass(frozen=True)
class CodeThresholds:
    """The cut-offs of :func:`derive_codes` (sources in the module docstring; judgements where none is named).

    Parameters
    ----------
    gaze_at_deg : float
        Head and eyes turned toward the partner's side by at least this: ``at-partner``.
    gaze_far_deg : float
        Turned away from the partner's side by at least this: ``far-away``.
    gaze_eyes : bool
        Add the eyes' turn (from the iris) to the head's; False uses the head alone.
    gaze_min_s : float
        Minimum bout of a gaze code, seconds.
    smile_on_z, smile_off_z : float
        A smile starts at ``smile >= smile_on_z`` and ends at ``smile < smile_off_z`` (robust z per person).
    smile_min_s : float
    comfort_min_s : float
        Minimum bout of ``hand-at-mouth`` / ``no-hand``.
    approach_iod_per_s : float
        Running-median approach speed at or above which a partner is ``approaching`` (and at or below
        whose negative, ``withdrawing``), inter-ocular distances per second.
    approach_window_s : float
        Width of that running median.
    approach_min_s : float
    """

    gaze_at_deg: float = 30.0
    gaze_far_deg: float = 30.0
    gaze_eyes: bool = True
    gaze_min_s: float = 0.2
    smile_on_z: float = 2.0
    smile_off_z: float = 1.0
    smile_min_s: float = 0.5
    comfort_min_s: float = 0.5
    approach_iod_per_s: float = 1.0
    approach_window_s: float = 0.5
    approach_min_s: float = 0.5


def code_thresholds(changes: Mapping[str, object]) -> CodeThresholds:
    """:class:`CodeThresholds` with some cut-offs changed: ``{"gaze_at_deg": 25}``; ``gaze_eyes`` takes yes/no.

    Raises
    ------
    ValueError
        An unknown name (the message lists the names), or a value that is not a number ≥ 0 (yes or no for
        ``gaze_eyes``).

    >>> cuts = code_thresholds({"gaze_at_deg": "25", "gaze_eyes": "no"})
    >>> cuts.gaze_at_deg, cuts.gaze_eyes, cuts.gaze_far_deg
    (25.0, False, 30.0)
    """
    names = [f.name for f in fields(CodeThresholds)]
    out: dict[str, float | bool] = {}
    for name, value in changes.items():
        if name not in names:
            raise ValueError(f"{name!r} is not a cut-off of the codes; the names are {', '.join(names)}")
        if name == "gaze_eyes":
            text = str(value).strip().lower()
            if text not in ("yes", "no", "true", "false", "1", "0"):
                raise ValueError(f"gaze_eyes is yes or no, not {value!r}")
            out[name] = text in ("yes", "true", "1")
            continue
        try:
            number = float(value) if not isinstance(value, bool) else float("nan")
        except (TypeError, ValueError):
            number = float("nan")
        if not 0 <= number < float("inf"):
            raise ValueError(f"{name} takes a number, 0 or more, not {value!r}")
        out[name] = number
    return CodeThresholds(**out)


def gaze_direction(head_toward_deg: np.ndarray, gaze_x: np.ndarray | None, side: float) -> np.ndarray:
    """Head and eyes turned toward the partner, degrees: ``head_toward + asin(gaze_x · side · 15 / 12)``.

    ``side`` is +1 when the partner is to the image's right, −1 to its left; ``gaze_x`` None
    (or missing in a sample) leaves the head's turn alone.

    >>> gaze_direction(np.array([20.0]), np.array([0.4]), 1.0).round(1).tolist()
    [50.0]
    """
    head = np.asarray(head_toward_deg, dtype=float)
    if gaze_x is None:
        return head
    ratio = np.clip(np.asarray(gaze_x, dtype=float) * side * HALF_EYE_MM / EYE_RADIUS_MM, -1.0, 1.0)
    eyes = np.degrees(np.arcsin(ratio))
    return head + np.where(np.isfinite(eyes), eyes, 0.0)


def hysteresis(values: np.ndarray, *, on: float, off: float) -> np.ndarray:
    """1 from where ``values`` reach ``on`` until they fall below ``off``, else 0; NaN where missing.

    A missing value ends a bout: after it, the state starts again from 0.

    >>> hysteresis(np.array([0, 2.5, 1.5, 0.5, 1.5, np.nan, 1.5, 3]), on=2, off=1).tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0, nan, 0.0, 1.0]
    """
    import pandas as pd

    values = np.asarray(values, dtype=float)
    missing = ~np.isfinite(values)
    mark = np.where(values >= on, 1.0, np.where(values < off, 0.0, np.nan))
    mark[missing] = 0.0  # a gap resets the state
    state = pd.Series(mark).ffill().fillna(0.0).to_numpy(copy=True)
    state[missing] = np.nan
    return state


def _runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, stops (exclusive) and labels of the runs of equal labels (−1 = a gap)."""
    if len(labels) == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0, int)
    change = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(labels)]])
    return starts, stops, labels[starts]


def merge_short_runs(labels: np.ndarray, min_samples: int) -> np.ndarray:
    """Give runs shorter than ``min_samples`` the label of the run before (after, at a gap's end); −1 is a gap.

    Runs are taken shortest first; a short run with a gap on both sides becomes a gap.

    >>> merge_short_runs(np.array([0, 0, 0, 1, 0, 0, -1, 2, -1, 1, 2, 2, 2]), 2).tolist()
    [0, 0, 0, 0, 0, 0, -1, -1, -1, 2, 2, 2, 2]
    """
    import heapq

    labels = np.asarray(labels, dtype=int)
    if min_samples <= 1 or len(labels) == 0:
        return labels.copy()
    starts, stops, first = _runs(labels)
    code, length, start = first.tolist(), (stops - starts).tolist(), starts.tolist()
    n = len(code)
    before, after = list(range(-1, n - 1)), list(range(1, n + 1))   # a linked list of runs (n: none)
    alive, count = [True] * n, n
    heap = [(length[k], start[k], k) for k in range(n) if code[k] >= 0 and length[k] < min_samples]
    heapq.heapify(heap)
    while heap and count > 1:  # a recording shorter than one bout keeps its one code
        size, at, k = heapq.heappop(heap)
        if not alive[k] or code[k] < 0 or (length[k], start[k]) != (size, at):
            continue                                                  # an entry made stale by a merge
        left = code[before[k]] if before[k] >= 0 else -1
        right = code[after[k]] if after[k] < n else -1
        code[k] = left if left >= 0 else right
        for side in ("before", "after"):                             # join neighbours of the same code
            a, b = (before[k], k) if side == "before" else (k, after[k])
            if a >= 0 and b < n and code[a] == code[b]:
                length[a] += length[b]
                alive[b], count = False, count - 1
                after[a] = after[b]
                if after[b] < n:
                    before[after[b]] = a
                k = a
        if code[k] >= 0 and length[k] < min_samples:
            heapq.heappush(heap, (length[k], start[k], k))
    keep = [k for k in range(n) if alive[k]]
    return np.repeat(np.array([code[k] for k in keep], dtype=int), [length[k] for k in keep])


def runs_to_tier(labels: np.ndarray, names: tuple[str, ...], *, rate: float, start: float) -> Tier:
    """A Tier of the runs of ``labels`` (indices into ``names``; −1 = no code), each sample ``1 / rate`` long.

    >>> t = runs_to_tier(np.array([0, 0, -1, 1]), ("a", "b"), rate=10, start=1.0)
    >>> list(zip(t.code, t.onset.round(2).tolist(), t.offset.round(2).tolist()))
    [('a', 1.0, 1.2), ('b', 1.3, 1.4)]
    """
    starts, stops, codes = _runs(np.asarray(labels, dtype=int))
    keep = codes >= 0
    return Tier(np.array([names[c] for c in codes[keep]], dtype=object), start + starts[keep] / rate,
                start + stops[keep] / rate)


def _samples(seconds: float, rate: float) -> int:
    return max(1, int(np.ceil(seconds * rate - 1e-9)))


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    import pandas as pd

    return pd.Series(values).rolling(width, center=True, min_periods=1).median().to_numpy()


def _visible(session: Session, partner: str, signal: Signal) -> np.ndarray:
    present = session.signals.get((partner, "face_present"))
    ok = np.isfinite(signal.values)
    if present is not None and len(present.values) == len(ok):
        ok &= present.values == 1
    return ok


def _labels(values: np.ndarray, ok: np.ndarray, bands: list[tuple[np.ndarray, int]]) -> np.ndarray:
    labels = np.full(len(values), -1)
    for condition, label in bands:
        labels[ok & condition] = label
    return labels


#: Where each partner's partner is, as seen in the picture: across it (one camera) or behind the camera.
FACING = ("each-other", "camera")


def derive_codes(session: Session, *, thresholds: CodeThresholds = CodeThresholds(),
                 facing: str = "each-other") -> Session:
    """The session with a tier per partner for each behaviour whose signals it holds (:data:`TIERS`).

    Parameters
    ----------
    session : Session
        A session from :func:`~attunement.video.video_session` (``faces=True``; ``hands=True`` for
        ``self_comfort``), or any session holding those signals.
    thresholds : CodeThresholds
    facing : {"each-other", "camera"}
        Where each partner's partner is for the ``gaze`` tier (module docstring): across the picture
        (one camera filming both; needs ``head_toward_partner_deg``), or behind the camera (one camera
        per partner; needs ``head_yaw_deg``).

    Returns
    -------
    Session
        The same session with tiers ``(partner, "gaze")``, ``(partner, "smile")``,
        ``(partner, "self_comfort")`` and ``(partner, "approach")`` added (replacing tiers of those
        names), each only where its signals exist; ``metadata["codes"]`` records the thresholds.
        Samples without a face have no code (a gap).
    """
    if facing not in FACING:
        raise ValueError(f"Invalid value for facing: {facing!r}. Allowed values are 'each-other', 'camera'.")
    t = thresholds
    tiers = dict(session.tiers)
    made = []
    partners = sorted({p for p, _ in session.signals})
    for partner in partners:
        get = session.signals.get
        toward = get((partner, "head_toward_partner_deg"))
        yaw = get((partner, "head_yaw_deg"))
        if facing == "camera" and yaw is not None:
            gaze_x = get((partner, "gaze_x"))
            off = np.abs(gaze_direction(yaw.values, gaze_x.values if (t.gaze_eyes and gaze_x is not None) else None,
                                        1.0))
            ok = _visible(session, partner, yaw)
            far = t.gaze_at_deg + t.gaze_far_deg
            labels = _labels(off, ok, [(off <= t.gaze_at_deg, 0), (off >= far, 2),
                                       ((off > t.gaze_at_deg) & (off < far), 1)])
            labels = merge_short_runs(labels, _samples(t.gaze_min_s, yaw.rate))
            tiers[partner, "gaze"] = runs_to_tier(labels, ("at-partner", "away", "far-away"), rate=yaw.rate,
                                                  start=yaw.start)
            made.append("gaze")
        elif facing == "each-other" and toward is not None:
            yaw, gaze_x = get((partner, "head_yaw_deg")), get((partner, "gaze_x"))
            side = 1.0
            if yaw is not None:
                with np.errstate(invalid="ignore"):
                    signs = np.sign(toward.values * yaw.values)
                side = float(np.sign(np.nanmedian(signs))) if np.isfinite(signs).any() else 1.0
            direction = gaze_direction(toward.values, gaze_x.values if (t.gaze_eyes and gaze_x is not None)
                                       else None, side or 1.0)
            ok = _visible(session, partner, toward)
            labels = _labels(direction, ok, [(direction >= t.gaze_at_deg, 0), (direction <= -t.gaze_far_deg, 2),
                                             ((direction > -t.gaze_far_deg) & (direction < t.gaze_at_deg), 1)])
            labels = merge_short_runs(labels, _samples(t.gaze_min_s, toward.rate))
            tiers[partner, "gaze"] = runs_to_tier(labels, ("at-partner", "away", "far-away"), rate=toward.rate,
                                                  start=toward.start)
            made.append("gaze")
        smile = get((partner, "smile"))
        if smile is not None:
            ok = _visible(session, partner, smile)
            state = hysteresis(np.where(ok, smile.values, np.nan), on=t.smile_on_z, off=t.smile_off_z)
            labels = np.where(np.isfinite(state), 1 - np.nan_to_num(state), -1).astype(int)
            labels = merge_short_runs(labels, _samples(t.smile_min_s, smile.rate))
            tiers[partner, "smile"] = runs_to_tier(labels, ("smile", "no-smile"), rate=smile.rate, start=smile.start)
            made.append("smile")
        hand = get((partner, "hand_at_mouth"))
        if hand is not None:
            ok = _visible(session, partner, hand)
            labels = _labels(hand.values, ok, [(hand.values == 1, 0), (hand.values == 0, 1)])
            labels = merge_short_runs(labels, _samples(t.comfort_min_s, hand.rate))
            tiers[partner, "self_comfort"] = runs_to_tier(labels, ("hand-at-mouth", "no-hand"), rate=hand.rate,
                                                          start=hand.start)
            made.append("self_comfort")
        approach = get((partner, "approach_iod_per_s"))
        if approach is not None:
            ok = _visible(session, partner, approach)
            speed = _running_median(np.where(ok, approach.values, np.nan), _samples(t.approach_window_s, approach.rate))
            ok &= np.isfinite(speed)
            limit = t.approach_iod_per_s
            labels = _labels(speed, ok, [(speed >= limit, 0), (speed <= -limit, 2),
                                         ((speed > -limit) & (speed < limit), 1)])
            labels = merge_short_runs(labels, _samples(t.approach_min_s, approach.rate))
            tiers[partner, "approach"] = runs_to_tier(labels, ("approaching", "still", "withdrawing"),
                                                      rate=approach.rate, start=approach.start)
            made.append("approach")
    if not made:
        return session
    metadata = {**session.metadata, "codes": {"tiers": sorted(set(made)), "thresholds": asdict(t),
                                              "facing": facing}}
    return session.replace(tiers=tiers, metadata=metadata)
