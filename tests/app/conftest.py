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


def hand_fit(sessions, *, spread: float = 0.2):
    """A fit of ``sessions`` made by hand, without JAX: every parameter at the typical population's mean and
    each dyad's posterior a normal with SD ``spread`` per parameter (what `attune fit` would hold)."""
    import numpy as np
    import pandas as pd

    from attunement.model import PARAMETERS
    from attunement.model.data import encode
    from attunement.model.fit import Fit, active_parameters
    from attunement.model.presets import PRESETS

    coded = encode(sessions, "icep-r-gaze", dt=1.0).observed_states()
    shared, dyad = active_parameters(coded)
    typical = PRESETS["typical"]
    theta = np.tile([typical.mean(n) for n in dyad], (coded.n, 1))
    cov = np.tile(spread ** 2 * np.eye(len(dyad)), (coded.n, 1, 1))
    return Fit(dyads=pd.DataFrame(), population=pd.DataFrame(), diagnostics=pd.DataFrame(), coded=coded, level=0.9,
               shared={n: typical.mean(n) for n in shared}, mean={n: typical.mean(n) for n in dyad},
               sd={n: spread for n in dyad}, theta=theta, cov=cov, dyad_names=list(dyad),
               fixed={n: typical.mean(n) for n in PARAMETERS if n not in shared and n not in dyad})


def write_fit_folder(folder: Path, fit) -> Path:
    """The tables and posterior an `attune fit` run leaves (``fit-out/``), from ``fit``."""
    import json

    import pandas as pd

    from attunement.model.saved import write_fit

    out = folder / "fit-out"
    out.mkdir()
    (out / ".attunement-run.json").write_text(json.dumps({"command": "fit", "files": []}))
    rows = [(s, n, float(fit.theta[i, k]), float(fit.cov[i, k, k]) ** 0.5)
            for i, s in enumerate(fit.coded.sessions) for k, n in enumerate(fit.dyad_names)]
    pd.DataFrame(rows, columns=["session", "parameter", "estimate", "sd"]).to_csv(out / "dyads.csv", index=False)
    pd.DataFrame({"parameter": list(fit.shared), "kind": "shared", "estimate": list(fit.shared.values()),
                  "se": 0.1}).to_csv(out / "population.csv", index=False)
    write_fit(fit, out / "posterior.json")
    return out
