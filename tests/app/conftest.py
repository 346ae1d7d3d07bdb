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
    from attunement import analyze
    from attunement.app._video import video_codec, write_state_video
    from attunement.app.views import _runs
    from attunement.io import tidy
    from attunement.io.signals_csv import write_signals
    from attunement.model import simulate
    from attunement.report.palette import Palette

    folder.mkdir(parents=True, exist_ok=True)
    sim = simulate("attuned", seconds=seconds, dyads=1, seed=seed)
    tidy.write(sim.sessions, folder / "dyad.csv")
    write_signals(sim.sessions, folder / "dyad.arousal.csv")
    codec = video_codec()
    if video and codec is not None:
        results = analyze(sim.sessions, "icep-r")
        seg = results.segments
        lanes = {p: _runs(seg.onset_s.to_numpy(float), seg.offset_s.to_numpy(float), seg[f"state_{p}"].to_numpy(object))
                 for p in results.scheme.partners}
        write_state_video(folder / f"dyad{codec[1]}", lanes, Palette.for_scheme(results.scheme).states, seconds=seconds)
    return folder


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path → sha256), to check what a run wrote."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="session")
def served_folder(tmp_path_factory) -> Path:
    return make_folder(tmp_path_factory.mktemp("served") / "data")
