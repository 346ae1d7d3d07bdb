"""The study manifest: paths relative to it, defaults, and errors that name the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from attunement.cli import app
from attunement.study.manifest import ManifestError, load_manifest
from attunement.study.runner import dry_run, run_study
from attunement.study.simulated import write_simulated_study


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """Four simulated sessions (two recoded) and their manifest."""
    return write_simulated_study(tmp_path_factory.mktemp("small"), sessions=4, recoded=2, seconds=10)


def _edit(manifest: Path, tmp_path: Path, **changes) -> Path:
    """A copy of ``manifest`` in the same folder with top-level keys changed (None removes one)."""
    data = yaml.safe_load(manifest.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = manifest.parent / f"edited-{tmp_path.name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_paths_are_relative_to_the_manifest_and_defaults_are_filled(small, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # somewhere else: the manifest's folder decides
    manifest = load_manifest(small)
    assert [p.name for p in manifest.inputs] == sorted(p.name for p in (small.parent / "codes").glob("*.csv"))
    assert manifest.store == small.parent / "store" and manifest.study == "simulated"
    assert manifest.analyses["analyze"] == {"k": 2.0, "min_mismatch_s": 0.0, "exclude_unknown": False}
    assert manifest.analyses["sequential"]["lag"] == 1 and manifest.analyses["sequential"]["pooled"] is True
    assert manifest.metadata == small.parent / "metadata.csv"


@pytest.mark.parametrize("changes, expected", [
    ({"analyse": {}}, "unknown key 'analyse'. Did you mean 'analyses'?"),
    ({"analyses": {"sequentail": {"tier": "a:b"}}}, "unknown key analyses.'sequentail'. Did you mean 'sequential'?"),
    ({"analyses": {"analyze": {"kk": 3}}}, "unknown key analyses.analyze.'kk'. Did you mean 'k'?"),
    ({"analyses": {"sequential": {}}}, "'analyses.sequential': the option 'tier' is required (e.g. tier: "
                                       "caregiver:engagement)"),
    ({"inputs": ["codes/*.eaf"]}, "'inputs': the pattern 'codes/*.eaf' matches no file"),
    ({"inputs": ["codes/none.csv"]}, "'inputs': no file 'codes/none.csv'"),
    ({"inputs": None}, "the key 'inputs' is missing; name the coding files, e.g. inputs: [codes/*.csv]"),
    ({"metadata": "meta.csv"}, "'metadata': no file 'meta.csv'"),
    ({"scheme": "icep_r"}, "'scheme': no built-in scheme 'icep_r'. Did you mean 'icep-r'?"),
    ({"format": "tidyy"}, "'format': no format 'tidyy'. Did you mean 'tidy'?"),
    ({"analyses": {"agreement": {"coders": {"A": "codes/*.csv"}}}}, "name two coders and their files"),
    ({"analyses": {"sync": {}}}, "'analyses.sync': the option 'signal' is required (e.g. signal: motion_energy)"),
    ({"analyses": {"sync": {"signal": "me", "pair": ["infant"]}}}, "'analyses.sync.pair': name two different "
                                                                    "partners, e.g. pair: [infant, caregiver]"),
    ({"analyses": {"video": {"inputs": "videos/*.mp4"}}}, "'analyses.video.inputs': the pattern 'videos/*.mp4' "
                                                          "matches no file"),
    ({"analyses": {"sweep": {"grid": {"b_reengage": [1]}, "seeds": 0}}}, "'analyses.sweep.seeds': give a number of "
                                                                         "seeds (seeds: 5 → 0…4)"),
    ({"analyses": {"sweep": {"grid": {"b_reengage": "high"}}}}, "'analyses.sweep.grid.b_reengage': give a list of "
                                                                "numbers, e.g. b_reengage: [-1, 0, 1]"),
    ({"analyses": {"sync": {"signal": "me", "source": "video"}}}, "'analyses.sync.source': 'video' reads the "
                                                                   "signals of the video units, and the manifest "
                                                                   "has no analyses.video"),
    ({"analyses": {"sweep": {"grid": {"b_reengage": [1, 1.0]}}}}, "'analyses.sweep.grid.b_reengage': a value "
                                                                  "appears twice in [1, 1.0]; give each once."),
    ({"analyses": {"sweep": {"grid": {"b_reengage": [1]}, "seeds": [3, 3]}}}, "'analyses.sweep.seeds': a seed "
                                                                              "appears twice in [3, 3]"),
    ({"analyses": {"grids": {"group": "cohort"}}}, "'analyses.grids.group': the metadata table metadata.csv has no "
                                                   "column 'cohort'. Its columns are: dyad, group, age_months, visit."),
    ({"metadata": None, "analyses": {"grids": {"group": "group"}}}, "'analyses.grids.group': the groups come from the "
                                                                    "metadata table, and the manifest has none"),
    ({"inputs": None, "analyses": {"grids": {}}}, "the key 'inputs' is missing; name the coding files, e.g. inputs: "
                                                  "[codes/*.csv] (grids read them)"),
])
def test_errors_name_the_manifest_the_key_and_the_fix(small, tmp_path, changes, expected):
    path = _edit(small, tmp_path, **changes)
    with pytest.raises(ManifestError) as error:
        load_manifest(path)
    assert str(error.value).startswith(f"{path}: ") and expected in str(error.value)


def test_the_command_prints_the_error_in_one_line(small, tmp_path):
    path = _edit(small, tmp_path, analyse={})
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 1
    assert "unknown key 'analyse'. Did you mean 'analyses'?" in result.output and "Traceback" not in result.output


def test_dry_run_says_why_each_unit_would_run(small, tmp_path):
    """new → up to date; parameters changed only for the analysis whose options changed; a new package version
    for every unit; an input gone → its units are removed."""
    store = tmp_path / "store"
    manifest = load_manifest(small)
    statuses, removed = dry_run(manifest, store=store)
    n = len(statuses)
    # analyze, sequential + pooled, agreement + pooled, metadata
    assert n == 4 + 5 + 3 + 1 and {s for _, s in statuses} == {"new"} and removed == []
    report = run_study(manifest, store=store)
    assert len(report.computed) == n and not report.failures
    assert {s for _, s in dry_run(manifest, store=store)[0]} == {"up to date"}
    changed = load_manifest(_edit(small, tmp_path, analyses={**yaml.safe_load(small.read_text())["analyses"],
                                                             "analyze": {"k": 3}}))
    why = {(u.analysis, s) for u, s in dry_run(changed, store=store)[0]}
    assert why == {("analyze", "parameters changed"), ("sequential", "up to date"), ("agreement", "up to date"),
                   ("metadata", "up to date")}
    assert {s for _, s in dry_run(manifest, store=store, version="99.0")[0]} == {"package version changed"}
    fewer = load_manifest(_edit(small, tmp_path, inputs=sorted(f"codes/{p.name}" for p in
                                                               (small.parent / "codes").glob("*.csv"))[1:]))
    statuses, removed = dry_run(fewer, store=store)
    assert len(removed) == 2 and {p.parent.name for p in removed} == {"analysis=analyze", "analysis=sequential"}
    assert ("sequential", "pooled", "input changed") in {(u.analysis, u.name, s) for u, s in statuses}
    result = CliRunner().invoke(app, ["run", str(small), "--store", str(store), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0 of 13 unit(s) would run; 13 up to date." in result.output
