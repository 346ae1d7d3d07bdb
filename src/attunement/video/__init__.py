"""From video to signals: streaming decoding, partners' regions and motion energy (needs the ``video`` extra).

Data flow: :class:`VideoReader` (PyAV) yields grey frames with their times;
regions of the picture (:mod:`.regions`) say where each partner is;
:mod:`.motion` counts the pixels that change between frames in each region;
:func:`video_session` puts those counts on a :class:`~attunement.session.Session`
as one ``motion_energy`` signal per partner, which ``attune sync`` reads.
"""

from __future__ import annotations

from .decode import Frame, VideoInfo, VideoReader
from .extract import SIGNAL, place_on_grid, video_session
from .motion import DEFAULT_THRESHOLD, MotionEnergy, motion_energy
from .regions import Region, layout_regions, parse_region, partner_regions

__all__ = ["Frame", "VideoInfo", "VideoReader", "SIGNAL", "place_on_grid", "video_session", "DEFAULT_THRESHOLD",
           "MotionEnergy", "motion_energy", "Region", "layout_regions", "parse_region", "partner_regions"]
