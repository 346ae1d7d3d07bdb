"""Units of work of a study: what each analysis computes, keyed by what it reads and how.

A :class:`Unit` is the smallest piece of a study that is computed, stored and
skipped as one: one analysis of one coding file (``analyze``, ``sequential``),
of one pair of coders' files (``agreement``), or of the whole study
(``sequential``'s pooled tables, the ``metadata`` table). Its **key** is the
SHA-256 of the canonical JSON (sorted keys, no spaces) of

- the analysis and the unit's name,
- its parameters (reading options, scheme, the analysis' options),
- the SHA-256 of each input file's bytes (by its path relative to the manifest),
- the package version,

so a unit whose key is stored is up to date, and any change to what it reads,
how, or with which version of attunement gives a new key.

An analysis is an :class:`Analysis` in :data:`ANALYSES`: a function that lists
its units from a manifest and a function that computes one unit's tables. A new
analysis (grids, sync, fit) is one more entry; the runner and the store do not
change. Input files are hashed through the store's cache (:mod:`.hashes`), so a
re-run reads only new or changed files.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import AttunementError
from .hashes import HashCache, file_sha256
from .manifest import Manifest

__all__ = ["Unit", "Analysis", "ANALYSES", "plan", "file_sha256", "canonical_json", "sweep_points"]


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text (and hash).

    >>> canonical_json({"b": 1, "a": [1.5, None]})
    '{"a":[1.5,null],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class Unit:
    """One unit of work: an analysis of some input files with some parameters.

    Attributes
    ----------
    study, analysis, name : str
        Where it sits in the store; ``name`` is unique within the analysis
        (an input's path relative to the manifest, or ``pooled``).
    inputs : dict of str to str
        Each input's path relative to the manifest → its absolute path. For a unit that reads
        other units' tables (``upstream``): ``analysis:unit`` of each → that unit's folder in the
        store (empty until the runner sets it, once that unit is written).
    hashes : dict of str to str
        Each input's relative path → the SHA-256 of its bytes; an upstream unit's
        ``analysis:unit`` → its key (so a change upstream changes this unit's key).
    params : dict
        Everything besides the inputs that decides the result (JSON values).
    version : str
        The attunement version that computes it.
    upstream : tuple of str
        The keys of the units whose tables this unit reads (computed first).
    """

    study: str
    analysis: str
    name: str
    inputs: dict[str, str]
    hashes: dict[str, str]
    params: dict[str, Any]
    version: str = __version__
    upstream: tuple[str, ...] = ()
    key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", hashlib.sha256(canonical_json(self.identity()).encode()).hexdigest())

    def identity(self) -> dict[str, Any]:
        """What the key is the hash of (also written in the unit's record)."""
        return {"analysis": self.analysis, "unit": self.name, "params": self.params, "inputs": self.hashes,
                "version": self.version}


@dataclass(frozen=True)
class Analysis:
    """An analysis a study can run: how it splits into units, and how one unit is computed.

    ``units(manifest, options)`` returns ``(name, inputs, params)`` triples (inputs as
    absolute paths); ``compute(unit)`` returns the unit's tables by name (picklable
    module-level functions, so that Dask workers can run them). ``after(manifest,
    options, units)``, when given, adds units that read other units' tables:
    ``(name, upstream units, params)`` triples, planned once every other unit is.
    """

    name: str
    units: Callable[[Manifest, Mapping[str, Any]], list[tuple[str, list[Path], dict[str, Any]]]]
    compute: Callable[[Unit], dict[str, pd.DataFrame]]
    tables: tuple[str, ...]
    after: Callable[[Manifest, Mapping[str, Any], list[Unit]], list[tuple[str, list[Unit], dict[str, Any]]]] \
        | None = None


# ---------------------------------------------------------------------------- shared steps
def _common_params(manifest: Manifest) -> dict[str, Any]:
    scheme = manifest.relative(Path(manifest.scheme)) if manifest.scheme_file else manifest.scheme
    return {"read": manifest.read_options, "scheme": scheme}


def _scheme_inputs(manifest: Manifest) -> list[Path]:
    return [manifest.scheme_file] if manifest.scheme_file else []


def _read_unit(unit: Unit, paths: list[str] | None = None) -> list:
    """Read the unit's coding files (all its inputs but the scheme) with the manifest's reading options."""
    from ..io import read

    options = unit.params["read"]
    sessions = []
    for path in paths if paths is not None else _coding_files(unit):
        sessions += read(path, format=options["format"], partners=options["partners"],
                         episodes_tier=options["episodes_tier"], rate=options["rate"],
                         session_column=options["session_column"], close_unpaired=options["close_unpaired"],
                         strict=options["strict"])
    return sessions


def _coding_files(unit: Unit) -> list[str]:
    scheme = unit.params.get("scheme")
    return [path for rel, path in unit.inputs.items() if rel != scheme]


def _scheme(unit: Unit):
    scheme = unit.params["scheme"]
    return _load_scheme(unit.inputs.get(scheme, scheme), unit.hashes.get(scheme))


@functools.lru_cache(maxsize=8)
def _load_scheme(name_or_path: str, sha256: str | None):
    """A scheme, loaded once per process (a worker computes many units); a file's hash is part of the key."""
    from ..schemes import load_scheme

    return load_scheme(name_or_path)


def _per_file(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    params = {**_common_params(manifest), "options": {k: v for k, v in options.items() if k != "group"}}
    return [(manifest.relative(path), [path, *_scheme_inputs(manifest)], params) for path in manifest.inputs]


# ---------------------------------------------------------------------------- analyze
def _analyze(unit: Unit) -> dict[str, pd.DataFrame]:
    from ..measures import analyze

    options = unit.params["options"]
    results = analyze(_read_unit(unit), _scheme(unit), k=options["k"], min_mismatch_s=options["min_mismatch_s"],
                      unknown="exclude" if options["exclude_unknown"] else "error")
    return results.tables()


# ---------------------------------------------------------------------------- sequential
def _sequential_units(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    params = {"read": manifest.read_options, "options": dict(options)}
    units = [(manifest.relative(path), [path], params) for path in manifest.inputs]
    if options["pooled"]:
        units.append(("pooled", list(manifest.inputs), {**params, "pooled": True}))
    return units


def _sequential(unit: Unit) -> dict[str, pd.DataFrame]:
    from ..sequential import event_sequences, lag_sequential, parse_tier_spec, sampled_sequences

    options = unit.params["options"]
    sessions = _read_unit(unit)
    given = parse_tier_spec(options["tier"])
    target = parse_tier_spec(options["target"]) if options["target"] else None
    if options["resolution_s"] is None:
        seqs = event_sequences(sessions, given=given, target=target, ties=options["ties"],
                               collapse_repeats=options["collapse_repeats"])
    else:
        seqs = sampled_sequences(sessions, given=given, target=target, resolution_s=options["resolution_s"])
    pooled = bool(unit.params.get("pooled"))
    results = lag_sequential(seqs, max_lag=options["lag"], no_repeat=options["no_repeat"], per_session=not pooled,
                             pooled=pooled)
    return {"lag_cells": results.cells, "lag_tables": results.tables}


# ---------------------------------------------------------------------------- agreement
def _agreement_units(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    """One unit per file name that every coder has (files are paired by name); and with ``pooled``, one unit
    over every pair (kappa pooled over the sessions, :func:`attunement.agreement.pooled.pooled_kappa`)."""
    coders = list(options["coders"])
    files = []
    for coder, patterns in options["coders"].items():
        found = manifest.expand([patterns] if isinstance(patterns, str) else list(patterns),
                                key=f"analyses.agreement.coders.{coder}")
        files.append({path.name: path for path in found})
    params = {"read": manifest.read_options, "coders": coders,
              "options": {k: v for k, v in options.items() if k not in ("coders", "pooled")}}
    names = [name for name in files[0] if all(name in other for other in files[1:])]
    units: list[tuple[str, list[Path], dict[str, Any]]] = [(name, [f[name] for f in files], params)
                                                           for name in names]
    if options["pooled"] and names:
        pairs = [[manifest.relative(f[name]) for f in files] for name in names]
        units.append(("pooled", [f[name] for name in names for f in files], {**params, "pairs": pairs}))
    return units


def _agreement_pairs(unit: Unit, pairs: list[tuple[str, str]]) -> list:
    """The agreement of each pair of coders' files (absolute paths), one result per session."""
    from .. import agreement as ag
    from ..sequential import parse_tier_spec

    options = unit.params["options"]
    coder_a, coder_b = unit.params["coders"]
    results = []
    for path_a, path_b in pairs:
        by_id_b = {s.id: s for s in _read_unit(unit, [path_b])}
        for session in _read_unit(unit, [path_a]):
            other = by_id_b.get(session.id)
            if other is None:
                raise AttunementError(f"{Path(path_b).name}: no session {session.id!r} to compare with coder "
                                      f"{coder_a}'s; give each coder's sessions the same ids.")
            partner, tier = parse_tier_spec(options["tier"]) if options["tier"] else _only_tier(session)
            partner_b, tier_b = parse_tier_spec(options["tier_b"]) if options["tier_b"] else (partner, tier)
            results.append(ag.agreement(session, other, partner=partner, tier=tier, partner_b=partner_b,
                                        tier_b=tier_b, coder_a=coder_a, coder_b=coder_b,
                                        resolution_s=options["resolution_s"], tolerance_s=options["tolerance_s"],
                                        uncoded=options["uncoded"],
                                        duration_tolerance_s=options["duration_tolerance_s"]))
    return results


def _agreement(unit: Unit) -> dict[str, pd.DataFrame]:
    from .. import agreement as ag

    if "pairs" in unit.params:  # the pooled unit: kappa over every pair's sessions
        pairs = [(unit.inputs[a], unit.inputs[b]) for a, b in unit.params["pairs"]]
        return {"agreement_pooled": ag.combine(_agreement_pairs(unit, pairs)).pooled()}
    path_a, path_b = _coding_files(unit)
    tables = ag.combine(_agreement_pairs(unit, [(path_a, path_b)])).tables()
    tables.pop("agreement_pooled")  # over one pair only: the pooled unit's table spans them all
    return tables


def _only_tier(session) -> tuple[str, str]:
    if len(session.tiers) != 1:
        raise AttunementError(f"session {session.id!r} holds {len(session.tiers)} tiers; name the one to compare "
                              f"with analyses.agreement.tier: PARTNER:TIER.")
    return next(iter(session.tiers))


# ---------------------------------------------------------------------------- grids
def _grids_groups(manifest: Manifest, options: Mapping[str, Any],
                  units: list[Unit]) -> list[tuple[str, list[Unit], dict[str, Any]]]:
    """With ``group``: one unit (``groups``) over every grids unit and the metadata table."""
    if options["group"] is None:
        return []
    upstream = [u for u in units if u.analysis in ("grids", "metadata")]
    return [("groups", upstream, {"group": options["group"]})]


def _group_grids(unit: Unit) -> dict[str, pd.DataFrame]:
    """:func:`attunement.grids.group_grids` over the stored tables of the grids units, each session's group
    the value of its row of the metadata table (``(not given)`` where it has none)."""
    from ..grids import GridResults, group_grids
    from ..grids.measures import NOT_GIVEN

    folders = {label: Path(folder) for label, folder in unit.inputs.items()}
    metadata = pd.read_parquet(folders.pop("metadata:metadata") / "metadata.parquet")
    sessions = pd.concat([pd.read_parquet(f / "sessions.parquet") for f in folders.values()], ignore_index=True)
    cells = pd.concat([pd.read_parquet(f / "cells.parquet") for f in folders.values()], ignore_index=True)
    field = unit.params["group"]
    values = {str(s): str(v) for s, v in zip(metadata["session"], metadata[field]) if v not in (None, "")}
    groups = {str(s): values.get(str(s), NOT_GIVEN) for s in sessions["session"]}
    if all(group == NOT_GIVEN for group in groups.values()):
        raise AttunementError(f"the metadata table gives none of the {len(groups)} sessions on the grids a value in "
                              f"its column {field!r}; fill it in, or name another column with analyses.grids.group.")
    # group_grids reads the sessions' and cells' tables only (the trajectories stay with the grids units)
    results = GridResults(scheme=None, episode="", sessions=sessions, cells=cells,  # type: ignore[arg-type]
                          visits=pd.DataFrame())
    grouped = group_grids(results, groups)
    return {"groups": grouped.groups, "group_cells": grouped.cells}


def _grids(unit: Unit) -> dict[str, pd.DataFrame]:
    from ..grids import grids

    if unit.upstream:
        return _group_grids(unit)
    options = unit.params["options"]
    results = grids(_read_unit(unit), _scheme(unit), episode=options["episode"],
                    unknown="exclude" if options["exclude_unknown"] else "error")
    return {"sessions": results.sessions, "cells": results.cells, "visits": results.visits}


# ---------------------------------------------------------------------------- sync
def _own_inputs(manifest: Manifest, options: Mapping[str, Any], analysis: str) -> list[Path]:
    """The analysis' own ``inputs`` (files or patterns), else the manifest's."""
    if options.get("inputs") is None:
        return list(manifest.inputs)
    patterns = options["inputs"]
    return manifest.expand([patterns] if isinstance(patterns, str) else list(patterns),
                           key=f"analyses.{analysis}.inputs")


def _sync_units(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    """One unit per signal file; its own reading options (``format``, ``rate``, ``partners``)."""
    if options["source"] == "video":
        return []  # planned after the video units (_sync_after_video)
    read = {**manifest.read_options, "format": options["format"], "rate": options["rate"],
            "partners": {str(k): str(v) for k, v in (options["partners"] or {}).items()}, "episodes_tier": None}
    params = {"read": read, "options": _sync_options(options)}
    return [(manifest.relative(path), [path], params) for path in _own_inputs(manifest, options, "sync")]


def _sync_options(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in ("inputs", "format", "rate", "partners", "source")}


def _sync_after_video(manifest: Manifest, options: Mapping[str, Any],
                      units: list[Unit]) -> list[tuple[str, list[Unit], dict[str, Any]]]:
    """With ``source: video``: one unit per video unit, reading the signals it wrote to the store."""
    if options["source"] != "video":
        return []
    params = {"source": "video", "options": _sync_options(options)}
    return [(unit.name, [unit], params) for unit in units if unit.analysis == "video"]


def _upstream_signals(unit: Unit) -> list:
    """The sessions of the ``signals`` tables of the units this unit reads (the long layout of
    :func:`attunement.io.signals_csv.signals_frame`, one row per sample in time order)."""
    from ..session import Session, Signal

    sessions = []
    for label, folder in unit.inputs.items():
        frame = pd.read_parquet(Path(folder) / "signals.parquet")
        for session, rows in frame.groupby("session", sort=False):
            signals = {(str(partner), str(name)): Signal(part["value"].to_numpy(), float(part["rate_hz"].iloc[0]),
                                                         float(part["time_s"].iloc[0]))
                       for (partner, name), part in rows.groupby(["partner", "signal"], sort=True)}
            sessions.append(Session(id=str(session), signals=signals, metadata={"source": label}))
    return sessions


def _sync(unit: Unit) -> dict[str, pd.DataFrame]:
    from ..sync import change_point_tables, preprocess
    from ..sync.repair import synchrony_repair

    o = unit.params["options"]
    sessions = _upstream_signals(unit) if unit.upstream else _read_unit(unit)
    if o["smooth_s"]:
        sessions = [preprocess(s, signal=o["signal"], smooth_s=o["smooth_s"]) for s in sessions]
    result = synchrony_repair(sessions, signal=o["signal"], window_s=o["window_s"], step_s=o["step_s"],
                              max_lag_s=o["max_lag_s"], lag_step_s=o["lag_step_s"],
                              partners=tuple(o["pair"]) if o["pair"] else None, statistic=o["statistic"],
                              surrogate=o["surrogate"], n_surrogates=o["surrogates"], level=o["level"],
                              seed=o["seed"], together_lag_s=o["together_s"], k=o["k"],
                              min_mismatch_s=o["min_mismatch_s"])
    found = result.change_points(min_size_s=o["window_s"] if o["min_segment_s"] is None else o["min_segment_s"],
                                 max_per_min=o["cp_rate"], level=o["level"])
    return {**result.tables(), **change_point_tables(found)}


# ---------------------------------------------------------------------------- fit
def _fit_units(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    """One unit over every coded session: a fit is of a population of dyads (keyed by all its inputs)."""
    files = _own_inputs(manifest, options, "fit")
    scheme, extra = options["scheme"], []
    if scheme.endswith((".yaml", ".yml")) or "/" in scheme:  # a scheme file: an input like the coding files
        extra = manifest.expand([scheme], key="analyses.fit.scheme")
        scheme = manifest.relative(extra[0])
    params = {"read": manifest.read_options, "scheme": scheme,
              "options": {k: v for k, v in options.items() if k not in ("inputs", "scheme")}}
    return [("all", [*files, *extra], params)]


def _fit(unit: Unit) -> dict[str, pd.DataFrame]:
    import importlib.util

    if importlib.util.find_spec("jax") is None:
        raise AttunementError("the fit analysis needs the fit extra (JAX): pip install 'attunement[fit]' on every "
                              "machine that runs units, or remove analyses.fit from the manifest.")
    from ..model.fit import fit

    o = unit.params["options"]
    result = fit(_read_unit(unit), _scheme(unit), dt=o["dt"], agreement=o["agreement"], level=o["level"],
                 max_em=o["max_em"], arousal=o["arousal"])
    return {"dyads": result.dyads, "population": result.population, "diagnostics": result.diagnostics}


# ---------------------------------------------------------------------------- video
def _video_units(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    """One unit per video file."""
    params = {"options": {k: v for k, v in options.items() if k != "inputs"}}
    files = manifest.expand([options["inputs"]] if isinstance(options["inputs"], str) else list(options["inputs"]),
                            key="analyses.video.inputs")
    return [(manifest.relative(path), [path], params) for path in files]


def _video(unit: Unit) -> dict[str, pd.DataFrame]:
    """As ``attune video`` reads one file (:func:`attunement.video.media.media_session`): the signals, the
    codes (``vocalising`` from the sound; gaze, smile, approach … with faces), and the file's row of
    ``videos.csv``."""
    from ..io.signals_csv import signals_frame
    from ..io.tidy import to_frame
    from ..video import parse_region
    from ..video.media import media_session, media_summary

    o = unit.params["options"]
    (name, path), = unit.inputs.items()
    if o["faces"]:
        from ..video.faces import require_faces

        require_faces()
    regions = [parse_region(f"{region}={box}") for region, box in (o["regions"] or {}).items()]
    channels = {int(number) - 1: str(partner) for number, partner in (o["channels"] or {}).items()}
    audio_options = {"channels": channels or None, "voices": tuple(o["voices"]),
                     "aggressiveness": o["vad_aggressiveness"]}
    from ..video.codes import code_thresholds

    session = media_session(path, audio=o["audio"], audio_options=audio_options, regions=regions or None,
                            layout=o["layout"], partners=o["partners"] or None, stride=o["stride"],
                            threshold=o["threshold"], unit=o["unit"], faces=o["faces"], hands=o["hands"],
                            facing=o["facing"], thresholds=code_thresholds(o["code_thresholds"] or {}))
    row = media_summary(session)
    del row["path"]  # where the file was: the unit's name says it relative to the manifest
    rate, samples = session.metadata.get("rate_hz"), session.metadata.get("samples")
    summary = pd.DataFrame([{"session": row.pop("session"), "video": name, **row,
                             "duration_s": samples / rate if "video" in session.metadata else None}])
    tables = {"signals": signals_frame([session]), "videos": summary}
    if session.tiers:
        tables["codes"] = to_frame([session])
    return tables


# ---------------------------------------------------------------------------- simulation sweeps
def sweep_points(grid: Mapping[str, list[float]], seeds: list[int]) -> list[tuple[dict[str, float], int]]:
    """Every combination of the grid's values (parameters in name order) with every seed.

    >>> for point, seed in sweep_points({"b_reengage": [0.0, 1.0], "a_repair": [0.5]}, [1, 2]):
    ...     print(point, seed)
    {'a_repair': 0.5, 'b_reengage': 0.0} 1
    {'a_repair': 0.5, 'b_reengage': 0.0} 2
    {'a_repair': 0.5, 'b_reengage': 1.0} 1
    {'a_repair': 0.5, 'b_reengage': 1.0} 2
    """
    names = sorted(grid)
    points = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    return [(point, seed) for point in points for seed in seeds]


def _sweep_units(manifest: Manifest, options: Mapping[str, Any]) -> list[tuple[str, list[Path], dict[str, Any]]]:
    """One unit per point of the parameter grid and seed (no input files: the simulation is its own input)."""
    scheme_inputs = []
    scheme = options["scheme"]
    if scheme.endswith((".yaml", ".yml")) or "/" in scheme:
        scheme_inputs = manifest.expand([scheme], key="analyses.sweep.scheme")
        scheme = manifest.relative(scheme_inputs[0])
    seeds = options["seeds"]
    seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    base = {k: v for k, v in options.items() if k not in ("grid", "seeds", "scheme")}
    units = []
    for point, seed in sweep_points({k: [float(v) for v in vs] for k, vs in (options["grid"] or {}).items()}, seeds):
        name = ",".join([*(f"{k}={_number(v)}" for k, v in point.items()), f"seed={seed}"])
        units.append((name, scheme_inputs, {"scheme": scheme, "point": point, "seed": seed, "options": base}))
    return units


def _number(value: float) -> str:
    """A grid value in a unit's name: short (``-1``, ``0.5``), and never the same text for two values.

    >>> _number(-1.0), _number(0.5), _number(0.1234567), _number(0.1234568)
    ('-1', '0.5', '0.1234567', '0.1234568')
    """
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _sweep(unit: Unit) -> dict[str, pd.DataFrame]:
    from ..measures import analyze
    from ..model.simulate import simulate

    o, point, seed = unit.params["options"], unit.params["point"], unit.params["seed"]
    scheme = _scheme(unit)
    sim = simulate(o["preset"], protocol=o["protocol"], seconds=o["seconds"], dyads=o["dyads"], seed=seed, dt=o["dt"],
                   coder_noise=o["coder_noise"], params=point or None, scheme=scheme)
    sessions = analyze(sim.sessions, scheme, k=o["k"]).sessions
    where = {"seed": seed, **point}
    for frame in (sessions, sim.truth, sim.dyads):
        for position, (column, value) in enumerate(where.items(), start=1):
            frame.insert(position, column if column not in frame else f"sweep_{column}", value)
    return {"sessions": sessions, "truth": sim.truth, "dyads": sim.dyads}


# ---------------------------------------------------------------------------- metadata
def _metadata(unit: Unit) -> dict[str, pd.DataFrame]:
    from ..io.metadata import read_metadata

    return {"metadata": read_metadata(next(iter(unit.inputs.values())))}


#: The analyses a manifest can name, and the study's own tables (``metadata``).
ANALYSES: dict[str, Analysis] = {
    "analyze": Analysis("analyze", _per_file, _analyze, ("sessions", "mismatches", "time_budget", "segments")),
    "sequential": Analysis("sequential", _sequential_units, _sequential, ("lag_cells", "lag_tables")),
    "agreement": Analysis("agreement", _agreement_units, _agreement,
                          ("agreement", "agreement_per_code", "agreement_confusion", "agreement_events",
                           "agreement_segments", "agreement_pooled")),
    "grids": Analysis("grids", _per_file, _grids, ("sessions", "cells", "visits", "groups", "group_cells"),
                      after=_grids_groups),
    "sync": Analysis("sync", _sync_units, _sync, ("sessions", "mismatches", "time_budget", "segments",
                                                  "local_synchrony", "thresholds", "wcc", "lead_lag", "change_points",
                                                  "change_point_segments", "change_point_penalties"),
                     after=_sync_after_video),
    "fit": Analysis("fit", _fit_units, _fit, ("dyads", "population", "diagnostics")),
    "video": Analysis("video", _video_units, _video, ("signals", "videos", "codes")),
    "sweep": Analysis("sweep", _sweep_units, _sweep, ("sessions", "truth", "dyads")),
    "metadata": Analysis("metadata", lambda m, o: [("metadata", [m.metadata], {})] if m.metadata else [],
                         _metadata, ("metadata",)),
}


def plan(manifest: Manifest, *, version: str = __version__, cache: HashCache | None = None) -> list[Unit]:
    """Every unit of the manifest's analyses (and its metadata table), with its key.

    Hashes each input file once, however many units read it; with ``cache``, only
    the files that changed since it last hashed them (:class:`~.hashes.HashCache`).
    """
    sha256 = cache.sha256 if cache is not None else file_sha256
    files: dict[Path, tuple[str, str, str]] = {}  # each input once: relative path, resolved path, hash
    units = []
    names = [*manifest.analyses, "metadata"]
    for analysis in names:
        spec = ANALYSES[analysis]
        for name, paths, params in spec.units(manifest, manifest.analyses.get(analysis, {})):
            for path in paths:
                if path not in files:
                    real = Path(path).resolve()
                    files[path] = (manifest.relative(real), str(real), sha256(real))
            units.append(Unit(study=manifest.study, analysis=analysis, name=name,
                              inputs={files[p][0]: files[p][1] for p in paths},
                              hashes={files[p][0]: files[p][2] for p in paths},
                              params=json.loads(canonical_json(params)), version=version))
    for analysis in names:  # units that read other units' tables
        spec = ANALYSES[analysis]
        if spec.after is None:
            continue
        for name, upstream, params in spec.after(manifest, manifest.analyses.get(analysis, {}), list(units)):
            labels = {f"{u.analysis}:{u.name}": u.key for u in upstream}
            units.append(Unit(study=manifest.study, analysis=analysis, name=name, inputs=dict.fromkeys(labels, ""),
                              hashes=labels, params=json.loads(canonical_json(params)), version=version,
                              upstream=tuple(u.key for u in upstream)))
    return units
