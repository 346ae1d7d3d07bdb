"""State space grids: the dyad's trajectory over (state of partner a × state of partner b).

:func:`grids` places each session on the grid of a scheme's two partners'
states and measures duration per cell, cell range, visits, transitions,
dispersion, time on the matched diagonal and return times
(Lewis, Lamey & Douglas 1999; Hollenstein 2013; GridWare). :func:`group_grids`
aggregates them over groups of sessions. :mod:`attunement.grids.export` writes
the trajectories for GridWare (``.trj``) and the partners' states for GSEQ
(SDIS ``.sds``).

Examples
--------
>>> from attunement import Session, Tier
>>> from attunement.grids import grids
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> grids([s], "mutual-gaze").sessions[["session", "visits", "cell_range", "prop_matched"]]
  session  visits  cell_range  prop_matched
0      d1       3           2           0.8
"""

from .measures import (
                       GridResults,
                       GroupResults,
                       dispersion,
                       grids,
                       group_grids,
                       groups_from_metadata,
                       trajectory_tables,
)
from .trajectory import Trajectory, build_trajectory

__all__ = [
                       "GridResults",
                       "GroupResults",
                       "Trajectory",
                       "build_trajectory",
                       "dispersion",
                       "grids",
                       "group_grids",
                       "groups_from_metadata",
                       "trajectory_tables",
]
