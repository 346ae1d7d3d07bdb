"""Still-face studies: per-episode measures, paired effects, group comparisons.

- :func:`episode_measures` — per session and episode: the infant's positive and
  negative engagement, gaze at the caregiver, matching and repair latency;
- :func:`still_face_effects` — still-face and reunion effects as paired d with
  exact confidence intervals, paired t and signed-rank tests;
- :func:`group_models` — group × episode mixed models (sessions nest in dyads).

Expected signature (SCIENCE.md; Mesman, van IJzendoorn & Bakermans-Kranenburg
2009): the still-face lowers positive affect and gaze and raises negative
affect; at reunion positive affect stays below play and negative above it,
while gaze recovers.
"""

from .effects import CONTRASTS, d_z_interval, paired_effect, still_face_effects
from .episodes import ICEP_R_GAZE_CODES, episode_measures
from .groups import group_models

__all__ = ["episode_measures", "still_face_effects", "group_models", "paired_effect", "d_z_interval",
           "CONTRASTS", "ICEP_R_GAZE_CODES"]
