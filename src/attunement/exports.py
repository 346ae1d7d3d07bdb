"""Write the tables of an analysis (CSV and Parquet), the error list and annotated EAF copies.

Every file is written whole or not at all (:func:`attunement._files.atomic_path`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ._csvsafe import safe_frame
from ._files import atomic_path
from .io import Failure
from .measures import Results

TABLES = ("sessions", "mismatches", "time_budget", "segments")


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write one table as Parquet (``.parquet``) or CSV, atomically; returns the path.

    In CSV, text cells and column names that a spreadsheet would run as a
    formula get an apostrophe in front (:func:`attunement._csvsafe.safe_frame`);
    numbers, and Parquet files, are written as they are.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            safe_frame(frame).to_csv(tmp, index=False, lineterminator="\n")
    return path


def write_frames(tables: Mapping[str, pd.DataFrame], out: str | Path, *,
                 failures: Sequence[Failure] = (), errors_name: str = "errors.csv") -> list[Path]:
    """Write each table as ``<name>.csv`` and ``<name>.parquet`` in ``out``, and ``errors.csv``.

    ``errors.csv`` (``errors_name``) lists the inputs that failed and the units left out of them
    (``path, scope, message``; scope ``file`` or ``unit``), when any did;
    an ``errors.csv`` left from an earlier run is removed when none did.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        written.append(write_table(frame, out / f"{name}.csv"))
        written.append(write_table(frame, out / f"{name}.parquet"))
    if failures:
        written.append(write_errors(failures, out / errors_name))
    elif (out / errors_name).exists():
        (out / errors_name).unlink()
    return written


def write_tables(results: Results, out: str | Path, *, failures: Sequence[Failure] = ()) -> list[Path]:
    """Write ``sessions``, ``mismatches``, ``time_budget`` and ``segments`` (see :func:`write_frames`)."""
    return write_frames(results.tables(), out, failures=failures)


def write_errors(failures: Sequence[Failure], path: Path) -> Path:
    """Write the failures as a CSV with columns ``path, scope, message``; returns the path."""
    frame = pd.DataFrame([(f.path, f.scope, f.message) for f in failures], columns=["path", "scope", "message"])
    return write_table(frame, path)


def eaf_tiers(results: Results, session_id: str) -> dict[str, list[tuple[float, float, str]]]:
    """The ``matched``, ``mismatch`` and ``repair`` tiers of one session, for an EAF copy.

    ``matched`` holds the matched segments (value ``matched``); ``mismatch`` one
    annotation per mismatch episode (``repaired`` or ``censored``); ``repair`` a
    point at each repair instant (value: who led it).
    """
    seg = results.segments[(results.segments.session == session_id) & (results.segments.status == "matched")]
    matched: list[tuple[float, float, str]] = []
    for onset, offset in zip(seg.onset_s, seg.offset_s):
        if matched and abs(matched[-1][1] - onset) < 1e-9:  # merge matched segments that touch
            matched[-1] = (matched[-1][0], float(offset), "matched")
        else:
            matched.append((float(onset), float(offset), "matched"))
    mis = results.mismatches[results.mismatches.session == session_id]
    mismatch = [(float(a), float(b), "repaired" if r else "censored")
                for a, b, r in zip(mis.onset_s, mis.offset_s, mis.repaired)]
    repair = [(float(b), float(b), str(led)) for b, r, led in zip(mis.offset_s, mis.repaired, mis.led_by) if r]
    return {"matched": matched, "mismatch": mismatch, "repair": repair}
