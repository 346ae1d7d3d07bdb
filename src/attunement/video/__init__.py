"""From video to signals: streaming decoding, partners' regions, motion energy and faces.

Decoding needs the ``video`` extra; faces (:mod:`.faces`, :mod:`.face_signals`,
:mod:`.tracking`) need the ``faces`` extra (MediaPipe 0.10.21).

Data flow: :class:`VideoReader` (PyAV) yields grey frames with their times;
regions of the picture (:mod:`.regions`) say where each partner is;
:mod:`.motion` counts the pixels that change between frames in each region;
:func:`video_session` puts those counts on a :class:`~attunement.session.Session`
as one ``motion_energy`` signal per partner, which ``attune sync`` reads; with
``faces=True``, :class:`FaceSignals` adds each partner's face, head and gaze signals.
"""

from __future__ import annotations

from .decode import Frame, VideoInfo, VideoReader
from .extract import SIGNAL, place_on_grid, video_session
from .face_signals import DYAD_SIGNALS, FACE_SIGNALS, FaceSignals
from .motion import DEFAULT_THRESHOLD, MotionEnergy, motion_energy
from .regions import Region, layout_regions, parse_region, partner_regions
from .tracking import FaceTracker

__all__ = ["Frame", "VideoInfo", "VideoReader", "SIGNAL", "place_on_grid", "video_session", "DEFAULT_THRESHOLD",
           "MotionEnergy", "motion_energy", "Region", "layout_regions", "parse_region", "partner_regions",
           "FaceSignals", "FACE_SIGNALS", "DYAD_SIGNALS", "FaceTracker"]
