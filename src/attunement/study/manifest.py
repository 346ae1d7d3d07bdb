"""The study manifest: one YAML file that says what a study reads and which analyses it runs.

Every path in it is relative to the manifest's folder. Example::

    study: still-face-2026          # the study's name in the store (default: the file's stem)
    store: store                    # where results go (default: attunement-store)
    inputs: [codes/*.csv]           # files or glob patterns
    format: tidy                    # reading options, as on the command line
    partners: {Mother: caregiver}   # SOURCE: PARTNER[:TIER]
    episodes: episode               # the tier that names the episodes
    scheme: icep-r                  # a built-in scheme or a scheme YAML file
    metadata: metadata.csv          # session, dyad, group, age, visit …
    analyses:
      analyze: {k: 2}
      sequential: {tier: caregiver:engagement, target: infant:engagement, lag: 1}
      agreement: {coders: {A: codes/*.csv, B: recoded/*.csv}, tier: infant:engagement}
      grids: {group: group}         # and group-level grids by the metadata's column 'group'
      sync: {inputs: signals/*.csv, signal: motion_energy, pair: [infant, caregiver]}  # or source: video
      fit: {scheme: icep-r-gaze, dt: 1.0}
      video: {inputs: videos/*.mp4, partners: {left: infant, right: caregiver}}  # sound too; faces: true
      sweep: {preset: typical, grid: {b_reengage: [-1, 0, 1]}, seeds: 5}

An analysis given as ``analyze:`` (no options) or ``analyze: {}`` runs with
its defaults. :func:`load_manifest` checks every key and names the fix.
"""

from __future__ import annotations

import functools
import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import AttunementError, did_you_mean

__all__ = ["Manifest", "ManifestError", "load_manifest", "ANALYSIS_OPTIONS"]

#: The top-level keys of a manifest.
KEYS = ("study", "store", "inputs", "format", "partners", "episodes", "rate", "session_column", "close_unpaired",
        "strict", "scheme", "metadata", "analyses")

#: Each analysis' options and their defaults (None: not given; a required option has the value ``...``).
ANALYSIS_OPTIONS: dict[str, dict[str, Any]] = {
    "analyze": {"k": 2.0, "min_mismatch_s": 0.0, "exclude_unknown": False},
    "sequential": {"tier": ..., "target": None, "lag": 1, "resolution_s": None, "no_repeat": False,
                   "collapse_repeats": False, "ties": "target-first", "pooled": True},
    "agreement": {"coders": ..., "tier": None, "tier_b": None, "resolution_s": 1.0, "tolerance_s": 2.0,
                  "uncoded": "exclude", "duration_tolerance_s": 2.0, "pooled": True},
    "grids": {"episode": None, "exclude_unknown": False, "group": None},
    "sync": {"source": "files", "inputs": None, "format": None, "rate": None, "partners": None, "signal": ...,
             "pair": None,
             "window_s": 5.0, "step_s": 1.0, "max_lag_s": 2.0, "lag_step_s": None, "smooth_s": None,
             "statistic": "max_abs_z", "surrogate": "circular", "surrogates": 100, "seed": 0, "level": 0.95,
             "together_s": 0.0, "k": 2.0, "min_mismatch_s": 0.0, "cp_rate": 0.1, "min_segment_s": None},
    "fit": {"inputs": None, "scheme": "icep-r-gaze", "dt": 1.0, "agreement": 1.0, "level": 0.9, "max_em": 25,
            "arousal": None},
    "video": {"inputs": ..., "layout": "left-right", "partners": None, "regions": None, "stride": 1,
              "threshold": 10, "unit": "share", "audio": True, "channels": None, "voices": ["infant", "caregiver"],
              "vad_aggressiveness": 2, "faces": False, "hands": False, "facing": "each-other",
              "code_thresholds": None},
    "sweep": {"preset": "typical", "protocol": "still-face", "seconds": 60.0, "dyads": 10, "dt": 0.25,
              "coder_noise": 0.0, "grid": ..., "seeds": 1, "scheme": "icep-r", "k": 2.0},
}
#: Analyses that read the manifest's ``inputs`` unless given their own.
_READ_INPUTS = ("analyze", "sequential", "grids", "sync", "fit")


class ManifestError(AttunementError):
    """A study manifest that cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Manifest:
    """A checked study manifest.

    Attributes
    ----------
    path : Path
        The manifest file.
    study : str
        The study's name (its partition in the store).
    store : Path
        The store folder.
    inputs : list of Path
        The coding files, patterns expanded, each once, sorted within a pattern (may be empty when
        no analysis reads them: a manifest of video extraction or simulation sweeps only).
    read_options : dict
        ``format, partners, episodes_tier, rate, session_column, close_unpaired, strict``
        (the keyword arguments of :func:`attunement.io.read`).
    scheme : str
        A built-in scheme's name, or the path of a scheme file.
    scheme_file : Path or None
        The scheme file, when the scheme is one (it is an input of every unit that uses it).
    metadata : Path or None
    analyses : dict of str to dict
        Each analysis to run → its options, defaults filled in.
    """

    path: Path
    study: str
    store: Path
    inputs: list[Path]
    read_options: dict[str, Any]
    scheme: str
    scheme_file: Path | None
    metadata: Path | None
    analyses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The manifest's folder: every path in it is relative to this."""
        return self.path.parent

    @functools.cached_property
    def _resolved_root(self) -> Path:
        return self.root.resolve()

    def relative(self, path: Path) -> str:
        """``path`` as the manifest would write it (relative to its folder where possible), for keys and messages."""
        real = Path(path).resolve()
        try:
            return real.relative_to(self._resolved_root).as_posix()
        except ValueError:
            return real.as_posix()

    def expand(self, patterns: list[str], *, key: str) -> list[Path]:
        """The files of ``patterns`` (relative to the manifest); a pattern or file that finds none is an error."""
        return _expand(self.path, self.root, patterns, key=key)


def _where(path: Path, key: str) -> str:
    return f"{path}: '{key}'"


def _expand(manifest: Path, root: Path, patterns: list[str], *, key: str) -> list[Path]:
    files: list[Path] = []
    seen: set[Path] = set()
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise ManifestError(f"{_where(manifest, key)}: {pattern!r} is not a file name or pattern; write each "
                                f"as text, e.g. 'codes/*.csv'.")
        full = root / pattern
        if any(c in pattern for c in "*?["):
            found = sorted(Path(p) for p in glob.glob(str(full), recursive=True) if Path(p).is_file())
            if not found:
                raise ManifestError(f"{_where(manifest, key)}: the pattern {pattern!r} matches no file (looked in "
                                    f"{full.parent}); check it, or give the files one by one.")
        elif full.is_file():
            found = [full]
        elif full.is_dir():
            raise ManifestError(f"{_where(manifest, key)}: {pattern!r} is a folder; give a pattern such as "
                                f"'{pattern.rstrip('/')}/*.csv'.")
        else:
            raise ManifestError(f"{_where(manifest, key)}: no file {pattern!r} (looked for {full}); correct the "
                                f"name, or remove it from the list.")
        for path in found:
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                files.append(path)
    return files


def _unknown(manifest: Path, where: str, keys, allowed) -> None:
    for key in keys:
        if key not in allowed:
            raise ManifestError(f"{manifest}: unknown key {where}{key!r}.{did_you_mean(key, allowed)} The keys "
                                f"{'there ' if where else ''}are: {', '.join(allowed)}.")


def _patterns(manifest: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        return value
    raise ManifestError(f"{_where(manifest, key)}: give a file, a pattern or a list of them, e.g. "
                        f"{key.rsplit('.', 1)[-1]}: [codes/*.csv].")


def _analysis(manifest: Path, name: str, value: Any) -> dict[str, Any]:
    options = ANALYSIS_OPTIONS[name]
    if value is None or value is True:
        value = {}
    if not isinstance(value, dict):
        raise ManifestError(f"{_where(manifest, f'analyses.{name}')}: give its options as a mapping (e.g. "
                            f"{name}: {{}} for the defaults), not {value!r}.")
    _unknown(manifest, f"analyses.{name}.", value, list(options))
    out = {}
    for key, default in options.items():
        if key not in value and default is ...:
            raise ManifestError(f"{_where(manifest, f'analyses.{name}')}: the option {key!r} is required "
                                f"(e.g. {_EXAMPLES.get((name, key), key + ': ...')}).")
        out[key] = value.get(key, None if default is ... else default)
    return out


_EXAMPLES = {("sequential", "tier"): "tier: caregiver:engagement",
             ("agreement", "coders"): "coders: {A: codes/*.csv, B: recoded/*.csv}",
             ("sync", "signal"): "signal: motion_energy",
             ("video", "inputs"): "inputs: [videos/*.mp4]",
             ("sweep", "grid"): "grid: {b_reengage: [-1, 0, 1]}"}


def _check_video(path: Path, video: dict[str, Any]) -> None:
    """The sound's and the faces' options of ``video`` (as ``attune video``'s --channel, --voices, --faces)."""
    for key in ("audio", "faces", "hands"):
        if not isinstance(video[key], bool):
            raise ManifestError(f"{_where(path, f'analyses.video.{key}')}: give true or false, not {video[key]!r}.")
    if video["hands"] and not video["faces"]:
        raise ManifestError(f"{_where(path, 'analyses.video.hands')}: hands are found beside the faces; add "
                            f"faces: true, or remove hands.")
    channels = video["channels"]
    if channels is not None and not (isinstance(channels, dict) and channels and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 and isinstance(p, str) and p.strip()
            for n, p in channels.items()) and len(set(channels.values())) == len(channels)):
        raise ManifestError(f"{_where(path, 'analyses.video.channels')}: give each partner's microphone channel, "
                            f"counted from 1, e.g. channels: {{1: caregiver, 2: infant}} (one partner a channel).")
    voices = video["voices"]
    if not (isinstance(voices, list) and len(voices) == 2 and all(isinstance(v, str) and v.strip() for v in voices)
            and voices[0] != voices[1]):
        raise ManifestError(f"{_where(path, 'analyses.video.voices')}: name the partner with the higher voice, then "
                            f"the one with the lower, e.g. voices: [infant, caregiver].")
    level = video["vad_aggressiveness"]
    if level not in (0, 1, 2, 3) or isinstance(level, bool):
        raise ManifestError(f"{_where(path, 'analyses.video.vad_aggressiveness')}: give 0 (keeps the most) to 3 "
                            f"(rejects the most non-speech), not {level!r}.")
    from ..video.codes import FACING, code_thresholds

    if video["facing"] not in FACING:
        raise ManifestError(f"{_where(path, 'analyses.video.facing')}: give each-other (one camera filming both) "
                            f"or camera (one camera per partner, a split screen), not {video['facing']!r}.")
    cuts = video["code_thresholds"]
    try:
        if cuts is not None:
            if not isinstance(cuts, dict):
                raise ValueError("give the cut-offs as a mapping, e.g. code_thresholds: {gaze_at_deg: 25}")
            code_thresholds(cuts)
    except ValueError as error:
        raise ManifestError(f"{_where(path, 'analyses.video.code_thresholds')}: {error}.") from None


def _metadata_columns(path: Path) -> list[str]:
    from ..io.metadata import read_metadata

    return [str(c) for c in read_metadata(path).columns if c != "session"]


def _check_new_analyses(path: Path, root: Path, analyses: dict[str, dict[str, Any]], metadata: Path | None) -> None:
    """The options of grids, sync, video, fit and sweep that can be checked before anything runs."""
    for name in ("sync", "video", "fit"):
        given = analyses.get(name, {}).get("inputs")
        if given is not None:
            _expand(path, root, _patterns(path, f"analyses.{name}.inputs", given), key=f"analyses.{name}.inputs")
    grids = analyses.get("grids")
    if grids is not None and grids["group"] is not None:
        if not isinstance(grids["group"], str) or not grids["group"].strip():
            raise ManifestError(f"{_where(path, 'analyses.grids.group')}: name a column of the metadata table, e.g. "
                                f"group: group.")
        if metadata is None:
            raise ManifestError(f"{_where(path, 'analyses.grids.group')}: the groups come from the metadata table, "
                                f"and the manifest has none; add metadata: metadata.csv (a 'session' column and a "
                                f"{grids['group']!r} column), or remove the option.")
        columns = _metadata_columns(metadata)
        if grids["group"] not in columns:
            raise ManifestError(f"{_where(path, 'analyses.grids.group')}: the metadata table {metadata.name} has no "
                                f"column {grids['group']!r}.{did_you_mean(grids['group'], columns)} Its columns are: "
                                f"{', '.join(columns)}.")
    video = analyses.get("video")
    if video is not None:
        _check_video(path, video)
    sync = analyses.get("sync")
    if sync is not None:
        from ..sync.null import SYNCHRONY_SURROGATES

        if sync["surrogate"] == "pseudo" or sync["surrogate"] not in SYNCHRONY_SURROGATES:
            kinds = [k for k in SYNCHRONY_SURROGATES if k != "pseudo"]
            raise ManifestError(f"{_where(path, 'analyses.sync.surrogate')}: {sync['surrogate']!r} cannot be used "
                                f"here (each signal file is a unit of its own; pseudo-dyads need the whole batch: use "
                                f"`attune sync`); choose one of {', '.join(kinds)}.")
        if sync["source"] not in ("files", "video"):
            raise ManifestError(f"{_where(path, 'analyses.sync.source')}: {sync['source']!r} is neither 'files' (the "
                                f"signal files of inputs) nor 'video' (the signals the video units wrote).")
        if sync["source"] == "video" and "video" not in analyses:
            raise ManifestError(f"{_where(path, 'analyses.sync.source')}: 'video' reads the signals of the video "
                                f"units, and the manifest has no analyses.video; add it, or give signal files with "
                                f"source: files and inputs.")
        pair = sync["pair"]
        if pair is not None and not (isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]):
            raise ManifestError(f"{_where(path, 'analyses.sync.pair')}: name two different partners, e.g. "
                                f"pair: [infant, caregiver] (the first one's lead is a positive lag).")
    sweep = analyses.get("sweep")
    if sweep is not None:
        from ..model.params import PARAMETERS

        grid = sweep["grid"]
        if not isinstance(grid, dict) or not grid:
            raise ManifestError(f"{_where(path, 'analyses.sweep.grid')}: give each parameter's values, e.g. "
                                f"grid: {{b_reengage: [-1, 0, 1]}}.")
        for name, values in grid.items():
            if name not in PARAMETERS:
                raise ManifestError(f"{_where(path, f'analyses.sweep.grid.{name}')}: no model parameter {name!r}."
                                    f"{did_you_mean(str(name), list(PARAMETERS))} The parameters are listed in "
                                    f"docs/model.md.")
            if not (isinstance(values, list) and values and all(isinstance(v, (int, float)) and
                                                                not isinstance(v, bool) for v in values)):
                raise ManifestError(f"{_where(path, f'analyses.sweep.grid.{name}')}: give a list of numbers, e.g. "
                                    f"{name}: [-1, 0, 1].")
            if len(set(map(float, values))) != len(values):
                raise ManifestError(f"{_where(path, f'analyses.sweep.grid.{name}')}: a value appears twice in "
                                    f"{values}; give each once.")
        seeds = sweep["seeds"]
        if not ((isinstance(seeds, int) and not isinstance(seeds, bool) and seeds >= 1)
                or (isinstance(seeds, list) and seeds and all(isinstance(s, int) for s in seeds))):
            raise ManifestError(f"{_where(path, 'analyses.sweep.seeds')}: give a number of seeds (seeds: 5 → 0…4) "
                                f"or a list of them (seeds: [1, 2, 3]), not {seeds!r}.")
        if isinstance(seeds, list) and len(set(seeds)) != len(seeds):
            raise ManifestError(f"{_where(path, 'analyses.sweep.seeds')}: a seed appears twice in {seeds}; give each "
                                f"once.")


def load_manifest(path: str | Path) -> Manifest:
    """Read and check a study manifest.

    Raises
    ------
    ManifestError
        When the file cannot be read or parsed, holds an unknown key (with the
        nearest known one), lacks ``inputs``, or names a file or pattern that
        finds nothing. Each message names the manifest, the key and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: no such study manifest; give the path of a YAML file (see "
                            f"`attune run --help`).")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ManifestError(f"{path}: not valid YAML ({error}).") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: a study manifest is a mapping of keys ({', '.join(KEYS)}); this file holds "
                            f"{type(data).__name__}.")
    _unknown(path, "", data, KEYS)
    root = path.parent
    inputs = _expand(path, root, _patterns(path, "inputs", data["inputs"]), key="inputs") \
        if data.get("inputs") is not None else []
    partners = data.get("partners") or {}
    if not isinstance(partners, dict):
        raise ManifestError(f"{_where(path, 'partners')}: give a mapping SOURCE: PARTNER[:TIER], e.g. "
                            f"partners: {{Mother: caregiver}}.")
    close = data.get("close_unpaired", "error")
    if close not in ("error", "last-event", "media-end"):
        raise ManifestError(f"{_where(path, 'close_unpaired')}: {close!r} is none of 'error', 'last-event', "
                            f"'media-end'.")
    fmt = data.get("format")
    if fmt is not None:
        from ..io import FORMATS

        names = [f.name for f in FORMATS]
        if fmt not in names:
            raise ManifestError(f"{_where(path, 'format')}: no format {fmt!r}.{did_you_mean(fmt, names)} The formats "
                                f"are {', '.join(names)}.")
    read_options = {"format": fmt, "partners": {str(k): str(v) for k, v in partners.items()},
                    "episodes_tier": data.get("episodes"), "rate": data.get("rate"),
                    "session_column": data.get("session_column"), "close_unpaired": close,
                    "strict": bool(data.get("strict", False))}
    scheme = str(data.get("scheme", "icep-r"))
    scheme_file = None
    if scheme.endswith((".yaml", ".yml")) or "/" in scheme:
        scheme_file = root / scheme
        if not scheme_file.is_file():
            raise ManifestError(f"{_where(path, 'scheme')}: no scheme file {scheme!r} (looked for {scheme_file}); "
                                f"give a built-in scheme's name (`attune schemes`) or the path of a scheme YAML.")
        scheme = str(scheme_file)
    else:
        from ..schemes import builtin_schemes

        builtin = builtin_schemes()
        if scheme not in builtin:
            raise ManifestError(f"{_where(path, 'scheme')}: no built-in scheme {scheme!r}."
                                f"{did_you_mean(scheme, builtin)} The built-in schemes are "
                                f"{', '.join(sorted(builtin))}; or give the path of a scheme YAML.")
    metadata = None
    if data.get("metadata") is not None:
        metadata = root / str(data["metadata"])
        if not metadata.is_file():
            raise ManifestError(f"{_where(path, 'metadata')}: no file {data['metadata']!r} (looked for {metadata}); "
                                f"give a CSV with a 'session' column, or remove the key.")
    analyses_value = data.get("analyses") or {"analyze": {}}
    if isinstance(analyses_value, list):
        analyses_value = {name: {} for name in analyses_value}
    if not isinstance(analyses_value, dict):
        raise ManifestError(f"{_where(path, 'analyses')}: give a mapping of analyses to their options, e.g. "
                            f"analyses: {{analyze: {{}}}}.")
    _unknown(path, "analyses.", analyses_value, list(ANALYSIS_OPTIONS))
    analyses = {name: _analysis(path, name, value) for name, value in analyses_value.items()}
    readers = [name for name in _READ_INPUTS if name in analyses and analyses[name].get("inputs") is None
               and analyses[name].get("source") != "video"]
    if readers and not inputs:
        raise ManifestError(f"{path}: the key 'inputs' is missing; name the coding files, e.g. inputs: [codes/*.csv] "
                            f"({', '.join(readers)} read them).")
    _check_new_analyses(path, root, analyses, metadata)
    if "agreement" in analyses:
        coders = analyses["agreement"]["coders"]
        if not isinstance(coders, dict) or len(coders) != 2:
            raise ManifestError(f"{_where(path, 'analyses.agreement.coders')}: name two coders and their files, "
                                f"e.g. coders: {{A: codes/*.csv, B: recoded/*.csv}}.")
        for name, value in coders.items():
            _expand(path, root, _patterns(path, f"analyses.agreement.coders.{name}", value),
                    key=f"analyses.agreement.coders.{name}")
    store = root / str(data.get("store", "attunement-store"))
    return Manifest(path=path, study=str(data.get("study", path.stem)), store=store, inputs=inputs,
                    read_options=read_options, scheme=scheme, scheme_file=scheme_file, metadata=metadata,
                    analyses=analyses)
