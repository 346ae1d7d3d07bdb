"""A simulated study on disk: coding files, a second coder's files, metadata and a manifest.

For tests, benchmarks and trying ``attune run`` without data: the sessions come
from :func:`attunement.model.simulate` (still-face protocol) and are written
with the tidy CSV writer, one file per session, so they are read back like any
study's files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..io import tidy
from ..model.simulate import simulate

__all__ = ["write_simulated_study"]


def write_simulated_study(
    folder: str | Path,
    *,
    sessions: int = 300,
    seconds: float = 20.0,
    recoded: int = 30,
    seed: int = 1,
    analyses: dict | None = None,
) -> Path:
    """Write a study of ``sessions`` simulated sessions into ``folder``; returns its manifest ``study.yaml``.

    Parameters
    ----------
    folder : path
        Created if needed; receives ``codes/<session>.csv`` (one per session),
        ``recoded/<session>.csv`` (a second coder, with coder noise, for the
        first ``recoded`` sessions), ``metadata.csv`` and ``study.yaml``.
    sessions : int
        Half ``attuned``, half ``intrusive`` dyads (an odd one is ``attuned``).
    seconds : float
        Length of each still-face episode (play, still-face, reunion).
    recoded : int
        Sessions coded a second time (agreement units).
    seed : int
    analyses : dict, optional
        The manifest's ``analyses`` (default: analyze, sequential caregiver →
        infant engagement at lag 1, agreement of the infant's engagement).

    Returns
    -------
    Path
        The manifest. Metadata columns: ``session, dyad, group`` (the preset),
        ``age_months, visit`` (two visits per dyad).
    """
    folder = Path(folder)
    (folder / "codes").mkdir(parents=True, exist_ok=True)
    (folder / "recoded").mkdir(exist_ok=True)
    first = (sessions + 1) // 2
    made = []
    for preset, n in (("attuned", first), ("intrusive", sessions - first)):
        if n:
            coded = simulate(preset, protocol="still-face", seconds=seconds, dyads=n, seed=seed).sessions
            noisy = simulate(preset, protocol="still-face", seconds=seconds, dyads=n, seed=seed, coder_noise=0.1)
            made += list(zip(coded, noisy.sessions))
    rows = []
    for i, (session, noisy) in enumerate(made):
        tidy.write([session], folder / "codes" / f"{session.id}.csv")
        if i < recoded:
            tidy.write([noisy], folder / "recoded" / f"{session.id}.csv")
        visit = i % 2 + 1
        rows.append({"session": session.id, "dyad": f"{session.metadata['preset']}-{i // 2:04d}",
                     "group": session.metadata["preset"], "age_months": 3 + 3 * visit, "visit": visit})
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)
    analyses = analyses if analyses is not None else {
        "analyze": {},
        "sequential": {"tier": "caregiver:engagement", "target": "infant:engagement", "lag": 1},
        "agreement": {"coders": {"A": "codes/*.csv", "B": "recoded/*.csv"}, "tier": "infant:engagement"},
    }
    manifest = {"study": "simulated", "store": "store", "inputs": ["codes/*.csv"], "scheme": "icep-r",
                "metadata": "metadata.csv", "analyses": analyses}
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path
