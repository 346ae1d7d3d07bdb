"""A small folder to serve: one simulated session (60 s) as tidy CSV, its arousal signal and a video beside it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the app's tests need the app extra: pip install 'attunement[app]'")
pytest.importorskip("uvicorn", reason="the app's tests need the app extra: pip install 'attunement[app]'")

SECONDS = 60.0


def make_folder(folder: Path, *, video: bool = True, seconds: float = SECONDS, seed: int = 3) -> Path:
    """``dyad.csv`` (one attuned dyad), ``dyad.arousal.csv`` and, when PyAV can write one, ``dyad.mp4``."""
    from attunement.app._video import write_session_video
    from attunement.io import tidy
    from attunement.io.signals_csv import write_signals
    from attunement.model import simulate

    folder.mkdir(parents=True, exist_ok=True)
    sim = simulate("attuned", seconds=seconds, dyads=1, seed=seed)
    tidy.write(sim.sessions, folder / "dyad.csv")
    write_signals(sim.sessions, folder / "dyad.arousal.csv")
    if video:
        write_session_video(folder, "dyad", sim.sessions[0])
    return folder


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path → sha256), to check what a run wrote."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="session")
def served_folder(tmp_path_factory) -> Path:
    return make_folder(tmp_path_factory.mktemp("served") / "data")
