"""A fit kept on disk: each dyad's posterior (mode and Laplace covariance) and its coded data, as JSON.

``attune fit`` writes ``posterior.json`` beside its tables so that a fitted
dyad can be simulated again later without fitting again — by
:func:`attunement.model.what_if` in ``attune serve``'s "what if" view, for
instance. The tables (``dyads.csv``) hold each parameter's estimate and
standard deviation; the file adds what they cannot: the covariances between a
dyad's parameters (the Laplace approximation of :mod:`attunement.model.fit`)
and the dyad's states on the model's grid, so that the draws of
:meth:`~attunement.model.fit.Fit.draw` and the simulations of
:mod:`attunement.model.predictive` are those of the original fit.

It is plain JSON (no pickled objects), one object::

    {"format": "attunement-fit", "version": 1, "level": 0.9, "agreement": 1.0, "dt": 1.0,
     "partners": ["infant", "caregiver"], "names_a": […], "names_b": […], "roles_a": […], "roles_b": […],
     "match": [[true, false, …], …], "episode_names": […],
     "shared": {…}, "fixed": {…}, "mean": {…}, "sd": {…}, "dyad_names": […],
     "dyads": [{"session": "…", "theta": […], "cov": [[…], …], "a": […], "b": […], "held": […],
                "episode": […]}, …]}

Each dyad's ``a``, ``b``, ``held`` and ``episode`` are its own steps (no padding).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .._files import write_text_atomic
from ..errors import AttunementError
from .data import Coded
from .fit import Fit
from .roles import Roles

__all__ = ["write_fit", "read_fit", "FILE_NAME"]

#: The name of the file in an ``attune fit`` folder.
FILE_NAME = "posterior.json"
_FORMAT, _VERSION = "attunement-fit", 1


def write_fit(fit: Fit, path: str | Path) -> Path:
    """Write ``fit``'s dyad posteriors and coded data to ``path`` (atomically); returns the path."""
    coded = fit.coded
    dyads = []
    for i, session in enumerate(coded.sessions):
        n = int(coded.length[i])
        dyads.append({"session": session, "theta": fit.theta[i].tolist(), "cov": fit.cov[i].tolist(),
                      "a": coded.a[i, :n].tolist(), "b": coded.b[i, :n].tolist(),
                      "held": coded.held[i, :n].astype(int).tolist(), "episode": coded.episode[i, :n].tolist()})
    record = {"format": _FORMAT, "version": _VERSION, "level": fit.level,
              "agreement": list(fit.agreement) if isinstance(fit.agreement, tuple) else fit.agreement,
              "dt": coded.dt, "partners": list(coded.partners), "names_a": list(coded.names_a),
              "names_b": list(coded.names_b), "roles_a": list(coded.roles.a), "roles_b": list(coded.roles.b),
              "match": coded.match.astype(bool).tolist(), "episode_names": list(coded.episode_names),
              "shared": fit.shared, "fixed": fit.fixed, "mean": fit.mean, "sd": fit.sd,
              "dyad_names": list(fit.dyad_names), "dyads": dyads}
    path = Path(path)
    write_text_atomic(path, json.dumps(record, separators=(",", ":"), allow_nan=False))
    return path


def read_fit(path: str | Path, *, sessions: Sequence[str] | None = None) -> Fit:
    """The fit in ``path`` (written by :func:`write_fit`), with only ``sessions`` when given.

    The returned :class:`~attunement.model.fit.Fit` draws and simulates as the
    original did; its ``dyads`` table is rebuilt from the modes and covariances,
    its ``population`` and ``diagnostics`` are empty (they are in the fit's folder).

    Raises
    ------
    AttunementError
        For a file that is not such a record, or a session it does not hold.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != _FORMAT or record.get("version") != _VERSION:
            raise ValueError(f"not a {_FORMAT} record of version {_VERSION}")
        rows = record["dyads"]
        if sessions is not None:
            wanted = set(sessions)
            rows = [r for r in rows if r["session"] in wanted]
            missing = wanted - {r["session"] for r in rows}
            if missing:
                raise AttunementError(f"{path.name}: holds no fitted dyad {sorted(missing)[0]!r}; fit it first.")
        coded, theta, cov = _coded(record, rows)
    except AttunementError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise AttunementError(f"{path.name}: not a fit written by attune fit ({error}). Fit again to replace "
                              f"it.") from None
    level = float(record["level"])
    agreement = record["agreement"]
    names = list(record["dyad_names"])
    z = stats.norm.ppf(0.5 + level / 2)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2)) if len(rows) else np.zeros((0, len(names)))
    dyads = pd.DataFrame({"session": np.repeat(np.array(coded.sessions, dtype=object), len(names)),
                          "parameter": np.tile(np.array(names, dtype=object), len(rows)),
                          "estimate": theta.ravel(), "sd": sd.ravel(), "lower": (theta - z * sd).ravel(),
                          "upper": (theta + z * sd).ravel()})
    return Fit(dyads=dyads, population=pd.DataFrame(columns=["parameter", "kind", "estimate", "se", "lower", "upper"]),
               diagnostics=pd.DataFrame(columns=["check", "value", "ok"]), coded=coded, level=level,
               shared={k: float(v) for k, v in record["shared"].items()},
               mean={k: float(v) for k, v in record["mean"].items()},
               sd={k: float(v) for k, v in record["sd"].items()}, theta=theta, cov=cov, dyad_names=names,
               agreement=tuple(agreement) if isinstance(agreement, list) else float(agreement),
               fixed={k: float(v) for k, v in record["fixed"].items()})


def _coded(record: dict, rows: list[dict]) -> tuple[Coded, np.ndarray, np.ndarray]:
    """The dyads' data on one grid, padded to the longest, with their modes and covariances."""
    n, d = len(rows), len(record["dyad_names"])
    length = np.array([len(r["a"]) for r in rows], dtype=int)
    steps = int(length.max()) if n else 0
    arrays = {key: np.full((n, steps), fill, dtype=int) for key, fill in (("a", -1), ("b", -1), ("held", 0),
                                                                          ("episode", -1))}
    for i, r in enumerate(rows):
        for key, values in arrays.items():
            if len(r[key]) != length[i]:
                raise ValueError(f"dyad {r['session']!r}: its {key!r} has {len(r[key])} steps, its 'a' {length[i]}")
            values[i, :length[i]] = r[key]
    theta = np.array([r["theta"] for r in rows], dtype=float).reshape(n, d)
    cov = np.array([r["cov"] for r in rows], dtype=float).reshape(n, d, d)
    names_a, names_b = tuple(record["names_a"]), tuple(record["names_b"])
    match = np.array(record["match"], dtype=bool).reshape(len(names_a), len(names_b))
    for key, names in (("a", names_a), ("b", names_b)):
        if n and (arrays[key].max() >= len(names) or arrays[key].min() < -1):
            raise ValueError(f"a state index of partner {key!r} lies outside its {len(names)} states")
    coded = Coded(sessions=tuple(r["session"] for r in rows), a=arrays["a"], b=arrays["b"],
                  held=arrays["held"].astype(bool), episode=arrays["episode"], length=length,
                  dt=float(record["dt"]), names_a=names_a, names_b=names_b,
                  episode_names=tuple(record["episode_names"]),
                  roles=Roles(tuple(record["roles_a"]), tuple(record["roles_b"])),
                  partners=tuple(record["partners"]), match=match)
    return coded, theta, cov
