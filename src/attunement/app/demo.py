"""The demo folder the app opens with ``attune serve --demo``: the demo's sessions as coded files.

:func:`write_demo` writes the sessions of ``attune demo`` (Tronick's two
peek-a-boo scenarios, simulated in free play and in a still-face, and the
built-in example coded by hand) as the files a clinician would have:
``demo.csv`` (tidy codes), ``demo.arousal.csv`` (the infant's simulated
arousal, a signal beside the codes), ``demo.attune.json`` (the sidecar: the
ICEP-R scheme and each session's video) and, when PyAV can write video, one
small video per simulated session drawn from its codes (a stand-in for the
recording). Marks already made in the folder are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._files import write_text_atomic
from ..errors import AttunementError
from .library import SIDECAR_SUFFIX

__all__ = ["write_demo", "DEMO_FOLDER"]

DEMO_FOLDER = "attunement-demo-app"
_MARKER = "demo" + SIDECAR_SUFFIX


def write_demo(folder: str | Path, *, video: bool = True, dyads: int = 60) -> Path:
    """Write (or refresh) the demo's coded files in ``folder``; returns the folder.

    Raises
    ------
    AttunementError
        When ``folder`` holds other files and no earlier demo (nothing is replaced then).
    """
    from ..data import example_path
    from ..io import read, tidy
    from ..io.signals_csv import write_signals
    from ..model.demo import demo_sessions
    from ._video import write_session_video

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not (folder / _MARKER).is_file():
        raise AttunementError(f"{folder}: holds files of its own and no earlier demo; choose an empty or new "
                              f"folder for the demo (nothing was written).")
    folder.mkdir(parents=True, exist_ok=True)
    simulated = [d.session for d in demo_sessions(dyads=dyads)]
    sessions = simulated + read(example_path())
    tidy.write(sessions, folder / "demo.csv")
    write_signals([s for s in sessions if s.signals], folder / "demo.arousal.csv")
    sidecar: dict = {"scheme": "icep-r"}
    if video:
        videos = {}
        for k, session in enumerate(simulated, start=1):
            path = write_session_video(folder, f"demo-video-{k}", session)
            if path is not None:
                videos[session.id] = path.name
        if videos:
            sidecar["video"] = videos
    write_text_atomic(folder / _MARKER, json.dumps(sidecar, indent=1))
    return folder
