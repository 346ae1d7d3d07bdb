"""attunement: measure and model attunement, rupture and repair in face-to-face interaction.

Data flows one way: read → Session → scheme → measures → tables → report.

>>> import attunement
>>> sorted(attunement.builtin_schemes())
['icep-r', 'icep-r-gaze', 'monadic-phases', 'mutual-gaze', 'video-gaze']
"""

from .errors import AttunementError, FileFormatError, MappingError, SchemeError, SessionError
from .io import read, read_many
from .measures import Results, analyze
from .schemes import Scheme, builtin_schemes, load_scheme
from .session import Episode, Session, Signal, Tier

__version__ = "0.1.0"

__all__ = [
    "AttunementError", "FileFormatError", "MappingError", "SchemeError", "SessionError",
    "Session", "Tier", "Episode", "Signal",
    "read", "read_many", "Scheme", "load_scheme", "builtin_schemes", "analyze", "Results",
]
