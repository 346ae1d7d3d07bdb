"""Conversions of downloaded upstream files into the files attunement provides."""

from __future__ import annotations

from pathlib import Path

from .._files import atomic_path
from ..errors import AttunementError

__all__ = ["convert"]


def _rda_matrix_to_csv(source: Path, target: Path) -> None:
    """Write the one numeric matrix an R ``.rda`` file holds as CSV: its column names, then one row per row.

    Values are written as pandas writes floats (``1.0``), without the row index:
    for mHMMbayes's ``nonverbal.rda`` this gives, byte for byte, the CSV whose
    checksum the manifest pins.

    Notes
    -----
    The file is parsed by the ``rdata`` package (pure Python), which reads R's
    serialisation format without running R.
    """
    import pandas as pd
    import rdata

    objects = rdata.read_rda(source)
    if len(objects) != 1:
        raise AttunementError(f"{source}: expected one object in the R data file, found {len(objects)} "
                              f"({', '.join(objects)}); delete it and download it again.")
    [array] = objects.values()
    if getattr(array, "ndim", None) != 2 or "dim_1" not in getattr(array, "coords", {}):
        raise AttunementError(f"{source}: the R data file does not hold a matrix with column names; "
                              f"delete it and download it again.")
    frame = pd.DataFrame(array.values, columns=[str(name) for name in array.coords["dim_1"].values])
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")


_CONVERSIONS = {"rda-matrix-to-csv": _rda_matrix_to_csv}


def convert(kind: str, source: Path, target: Path) -> None:
    """Turn the downloaded ``source`` into ``target`` with the named conversion."""
    _CONVERSIONS[kind](source, target)
