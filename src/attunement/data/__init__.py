"""Data that ship with attunement: an invented example session (see README.md here).

>>> from attunement.data import example_path
>>> example_path().name
'still_face_example.csv'
>>> import attunement
>>> [s.id for s in attunement.read(example_path())]
['example-still-face']
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["example_path"]


def example_path() -> Path:
    """The path of the built-in example: an invented Still-Face session coded in ICEP-R.

    The file is tidy CSV (read it with :func:`attunement.read`); its session
    ``example-still-face`` has partners ``infant`` and ``caregiver``, tier
    ``engagement`` and episodes ``play``, ``still-face`` and ``reunion``. It is
    not real data: ``examples/make_still_face_example.py`` made it up.
    """
    return Path(str(resources.files(__name__).joinpath("still_face_example.csv")))
