"""Grids, sync, video, fit, simulation sweeps and pooled agreement as study units.

Reference for every table: the library function called directly on the same input (read with
:func:`attunement.io.read`, or simulated with the same seed) with the same options, its tables put
through the same Parquet round trip; for the sweep also the parameter values put in.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from attunement import Session
from attunement.cli import app
from attunement.io import read
from attunement.io.signals_csv import signals_frame, write_signals
from attunement.session import Signal, Tier
from attunement.study.manifest import ManifestError, load_manifest
from attunement.study.runner import dry_run, run_study
from attunement.study.simulated import write_simulated_study
from attunement.study.store import Store
from attunement.study.units import plan

from .test_run import assert_same, snapshot


def stored(store: Store, manifest, analysis: str, unit: str, table: str) -> pd.DataFrame:
    """One unit's table as written (its Parquet file, without the partition columns)."""
    found, = [u for u in plan(load_manifest(manifest)) if u.analysis == analysis and u.name == unit]
    return pd.read_parquet(store.unit_dir(found) / f"{table}.parquet")


def roundtrip(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` written to Parquet and read back, as the store does (same dtypes as a stored table)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return pd.read_parquet(buffer)


def run(manifest, **kwargs):
    return run_study(load_manifest(manifest), **kwargs)


def test_grids_group_grids_and_pooled_agreement_units_equal_the_library(tmp_path):
    from attunement import agreement as ag
    from attunement.grids import group_grids, grids, groups_from_metadata
    from attunement.io.metadata import apply_metadata, read_metadata

    manifest = write_simulated_study(tmp_path, sessions=4, recoded=3, seconds=10,
                                     analyses={"grids": {"episode": "reunion", "group": "group"},
                                               "agreement": {"coders": {"A": "codes/*.csv", "B": "recoded/*.csv"},
                                                             "tier": "infant:engagement"}})
    report = run(manifest)
    # grids and their groups, agreement and its pooled unit, metadata
    assert not report.failures and len(report.computed) == 4 + 1 + 3 + 1 + 1
    store = Store(tmp_path / "store")
    path = sorted((tmp_path / "codes").glob("*.csv"))[2]
    direct = grids(read(path), "icep-r", episode="reunion")
    for table, frame in (("sessions", direct.sessions), ("cells", direct.cells), ("visits", direct.visits)):
        pd.testing.assert_frame_equal(stored(store, manifest, "grids", f"codes/{path.name}", table), roundtrip(frame),
                                      obj=table)
    # groups: the library's group_grids over every session, grouped by the metadata table's column (as
    # `attune grids --metadata metadata.csv --group group`)
    sessions = apply_metadata([s for p in sorted((tmp_path / "codes").glob("*.csv")) for s in read(p)],
                              read_metadata(tmp_path / "metadata.csv"))
    grouped = group_grids(grids(sessions, "icep-r", episode="reunion"), groups_from_metadata(sessions, "group"))
    pd.testing.assert_frame_equal(stored(store, manifest, "grids", "groups", "groups"), roundtrip(grouped.groups))
    pd.testing.assert_frame_equal(stored(store, manifest, "grids", "groups", "group_cells"), roundtrip(grouped.cells))
    assert store.query("SELECT \"group\", sessions FROM grids_groups ORDER BY 1").values.tolist() == [
        ["attuned", 2], ["intrusive", 2]]
    # a new group for one session: only the group unit recomputes
    metadata = pd.read_csv(tmp_path / "metadata.csv")
    metadata.loc[0, "group"] = "other"
    metadata.to_csv(tmp_path / "metadata.csv", index=False)
    why = {(u.analysis, u.name): s for u, s in dry_run(load_manifest(manifest))[0] if s != "up to date"}
    assert why == {("metadata", "metadata"): "input changed", ("grids", "groups"): "input changed"}
    assert run(manifest).computed and store.query("SELECT count(*) FROM grids_groups").iloc[0, 0] == 3
    pairs = [ag.agreement(read(tmp_path / "codes" / p.name)[0], read(p)[0], partner="infant", tier="engagement",
                          coder_a="A", coder_b="B") for p in sorted((tmp_path / "recoded").glob("*.csv"))]
    pooled = ag.pooled_kappa(ag.combine(pairs).overall, ag.combine(pairs).confusion)
    pd.testing.assert_frame_equal(stored(store, manifest, "agreement", "pooled", "agreement_pooled"), roundtrip(pooled))
    view = store.query("SELECT * FROM agreement_pooled ORDER BY method, estimate")
    assert view.n_sessions.tolist() == [3, 3, 3, 3] and set(view.estimate) == {"summed table", "session mean"}
    # a group column left empty: the groups unit fails, saying so; the other units stay
    metadata["group"] = ""
    metadata.to_csv(tmp_path / "metadata.csv", index=False)
    failed = run(manifest)
    assert [f.path for f in failed.failures] == ["grids:groups"] and len(failed.computed) == 1  # metadata
    assert "gives none of the 4 sessions on the grids a value in its column 'group'" in failed.failures[0].message


@pytest.fixture(scope="module")
def signals(tmp_path_factory):
    """Two signal files of one dyad each: the caregiver follows the infant 0.3 s later for 60 s at 10 Hz."""
    folder = tmp_path_factory.mktemp("signals")
    rng = np.random.default_rng(7)
    for i in range(2):
        x = np.convolve(rng.normal(size=620), np.ones(5) / 5, mode="same")[:600]
        y = np.roll(x, 3) + 0.5 * rng.normal(size=600)
        session = Session(f"dyad{i}", signals={("infant", "motion"): Signal(x, 10.0),
                                               ("caregiver", "motion"): Signal(y, 10.0)})
        write_signals([session], folder / "signals" / f"dyad{i}.csv")
    return folder


def test_sync_units_store_what_attune_sync_writes(signals, tmp_path):
    """Reference: `attune sync` on the same file with the same options (one file: the same surrogates), every
    table it writes but the page, change points included; and the change points as the library finds them."""
    from attunement.sync import change_points
    from attunement.sync.repair import synchrony_repair

    manifest = signals / "study.yaml"
    options = {"inputs": "signals/*.csv", "signal": "motion", "pair": ["infant", "caregiver"], "window_s": 4.0,
               "max_lag_s": 1.0, "surrogates": 20, "seed": 3}
    manifest.write_text(yaml.safe_dump({"study": "sync", "analyses": {"sync": options}}))
    report = run(manifest)
    assert not report.failures and len(report.computed) == 2
    store = Store(signals / "attunement-store")
    out = tmp_path / "cli"
    said = CliRunner().invoke(app, ["sync", str(signals / "signals" / "dyad1.csv"), "--signal", "motion", "--pair",
                                    "infant,caregiver", "--window", "4", "--lag", "1", "--surrogates", "20", "--seed",
                                    "3", "--no-report", "--out", str(out)])
    assert said.exit_code == 0, said.output
    written = sorted(p.stem for p in out.glob("*.parquet"))
    assert written == sorted(["sessions", "mismatches", "time_budget", "segments", "local_synchrony", "thresholds",
                              "wcc", "lead_lag", "change_points", "change_point_segments", "change_point_penalties"])
    for table in written:
        pd.testing.assert_frame_equal(stored(store, manifest, "sync", "signals/dyad1.csv", table),
                                      pd.read_parquet(out / f"{table}.parquet"), obj=table)
    direct = synchrony_repair(read(signals / "signals" / "dyad1.csv"), signal="motion", window_s=4.0, step_s=1.0,
                              max_lag_s=1.0, partners=("infant", "caregiver"), n_surrogates=20, seed=3)
    series = direct.series
    cp = change_points(series.time_s, series.synchrony, null_series=direct.calibrations["dyad1"].surrogate_series,
                       step_s=1.0, min_size_s=4.0, session="dyad1", max_per_min=0.1, level=0.95)
    pd.testing.assert_frame_equal(stored(store, manifest, "sync", "signals/dyad1.csv", "change_point_segments"),
                                  roundtrip(cp.segments))
    lead = store.query("SELECT session, median_peak_lag_s FROM sync_lead_lag ORDER BY session")
    assert lead.session.tolist() == ["dyad0", "dyad1"]
    assert lead.median_peak_lag_s.tolist() == [0.3, 0.3]  # the first partner (infant) leads by the 3 samples put in

    bad = signals / "bad.yaml"
    bad.write_text(yaml.safe_dump({"analyses": {"sync": {**options, "surrogate": "pseudo"}}}))
    with pytest.raises(ManifestError, match="pseudo-dyads need the whole batch"):
        load_manifest(bad)


def test_video_units_write_signals_that_sync_units_read_and_a_bad_video_fails_with_its_sync_unit(tmp_path):
    """Two 4-second clips of grey noise (FFV1, lossless) and a file that is no video. Reference: the library's
    video_session on each clip, then synchrony_repair on that session."""
    pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")
    from attunement.sync.repair import synchrony_repair
    from attunement.video import video_session
    from attunement.video.testing import write_clip

    (tmp_path / "videos").mkdir()
    for i in range(2):
        rng = np.random.default_rng(i)
        write_clip(tmp_path / "videos" / f"clip{i}.mkv", frames=100,
                   pictures=lambda k, rng=rng: rng.integers(0, 256, (48, 64), dtype=np.uint8))
    (tmp_path / "videos" / "broken.mkv").write_bytes(b"not a video at all")
    manifest = tmp_path / "study.yaml"
    sync = {"source": "video", "signal": "motion_energy", "pair": ["infant", "caregiver"], "window_s": 1.0,
            "step_s": 0.5, "max_lag_s": 0.2, "surrogates": 10}
    manifest.write_text(yaml.safe_dump({"study": "clips", "analyses": {
        "video": {"inputs": "videos/*.mkv", "partners": {"left": "infant", "right": "caregiver"}}, "sync": sync}}))
    result = CliRunner().invoke(app, ["run", str(manifest)])
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())
    assert "computed 4 unit(s), 0 up to date, 2 failed" in said
    assert ("• sync videos/broken.mkv: it reads the tables of video videos/broken.mkv, which failed; fix that input "
            "(its error is listed with the failures) and run again.") in said
    store = Store(tmp_path / "attunement-store")
    failures = store.query("SELECT analysis, unit, message FROM failures ORDER BY analysis")
    assert failures[["analysis", "unit"]].values.tolist() == [["sync", "videos/broken.mkv"],
                                                               ["video", "videos/broken.mkv"]]
    assert failures.message[1].startswith("broken.mkv: ")
    for i in range(2):
        path = tmp_path / "videos" / f"clip{i}.mkv"
        direct = video_session(path, partners={"left": "infant", "right": "caregiver"})
        pd.testing.assert_frame_equal(stored(store, manifest, "video", f"videos/clip{i}.mkv", "signals"),
                                      roundtrip(signals_frame([direct])))
        synced = synchrony_repair([direct], signal="motion_energy", window_s=1.0, step_s=0.5, max_lag_s=0.2,
                                  partners=("infant", "caregiver"), n_surrogates=10)
        pd.testing.assert_frame_equal(stored(store, manifest, "sync", f"videos/clip{i}.mkv", "thresholds"),
                                      roundtrip(synced.thresholds))
        pd.testing.assert_frame_equal(stored(store, manifest, "sync", f"videos/clip{i}.mkv", "local_synchrony"),
                                      roundtrip(synced.series.astype({"above_chance": "object"})))
    videos = store.query("SELECT session, frames, samples, rate_hz, duration_s FROM video_videos ORDER BY session")
    assert videos.values.tolist() == [["clip0", 100, 100, 25.0, 4.0], ["clip1", 100, 100, 25.0, 4.0]]
    # a sync unit's key holds its video unit's key: new video options → both recompute
    data = yaml.safe_load(manifest.read_text())
    data["analyses"]["video"]["threshold"] = 20
    manifest.write_text(yaml.safe_dump(data))
    why = {(u.analysis, u.name): s for u, s in dry_run(load_manifest(manifest))[0]}
    assert why[("video", "videos/clip0.mkv")] == "parameters changed"
    assert why[("sync", "videos/clip0.mkv")] == "input changed"


def test_a_sweep_runs_grid_times_seeds_units_equal_to_the_library(tmp_path):
    """(Equal on 1 and 2 Dask workers: tests/study/test_run.py::test_workers_1_and_2_give_equal_tables.)"""
    from attunement.measures import analyze
    from attunement.model import simulate

    manifest = tmp_path / "sweep.yaml"
    sweep = {"preset": "typical", "seconds": 10, "dyads": 2, "grid": {"b_reengage": [-1, 1], "a_repair": [0.5]},
             "seeds": [4, 5]}
    manifest.write_text(yaml.safe_dump({"study": "sweep", "analyses": {"sweep": sweep}}))
    statuses, _ = dry_run(load_manifest(manifest))
    assert sorted(u.name for u, _ in statuses) == ["a_repair=0.5,b_reengage=-1,seed=4",
                                                   "a_repair=0.5,b_reengage=-1,seed=5",
                                                   "a_repair=0.5,b_reengage=1,seed=4",
                                                   "a_repair=0.5,b_reengage=1,seed=5"]
    report = run(manifest)
    assert len(report.computed) == 4 and not report.failures
    snapshots = [snapshot(tmp_path / "attunement-store")]
    dyads = snapshots[0]["sweep_dyads"]
    assert (dyads.b_reengage == dyads.sweep_b_reengage).all() and (dyads.a_repair == 0.5).all()  # what was put in
    sim = simulate("typical", protocol="still-face", seconds=10, dyads=2, seed=5,
                   params={"a_repair": 0.5, "b_reengage": 1.0})
    direct = analyze(sim.sessions, "icep-r").sessions
    direct.insert(1, "seed", 5)
    direct.insert(2, "a_repair", 0.5)
    direct.insert(3, "b_reengage", 1.0)
    store = Store(tmp_path / "attunement-store")
    pd.testing.assert_frame_equal(stored(store, manifest, "sweep", "a_repair=0.5,b_reengage=1,seed=5", "sessions"),
                                  roundtrip(direct))

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"analyses": {"sweep": {"grid": {"b_reengagee": [1]}}}}))
    with pytest.raises(ManifestError, match="no model parameter 'b_reengagee'. Did you mean 'b_reengage'?"):
        load_manifest(bad)


def test_a_fit_unit_is_keyed_by_all_its_inputs_and_stores_the_library_fit(tmp_path, monkeypatch):
    """Two client–therapist dyads (mutual gaze, 40 s at 1 s). Reference: what ``attunement.model.fit.fit``
    returns, watched as the unit calls it (one fit: a second, direct one would cost ~15 s more of JAX
    compilation), and the sessions it was given against those read directly from the files."""
    pytest.importorskip("jax", reason="the fit extra is not installed (pip install 'attunement[fit]')")
    import importlib

    from attunement.io import tidy

    model_fit = importlib.import_module("attunement.model.fit")  # the module (attunement.model.fit is the function)

    calls = []
    library_fit = model_fit.fit

    def watched(data, scheme, **options):
        calls.append((data, scheme, options, library_fit(data, scheme, **options)))
        return calls[-1][-1]

    monkeypatch.setattr(model_fit, "fit", watched)
    rng = np.random.default_rng(0)

    def looking():
        return Tier.from_records([(c, t, t + 1) for t, c in enumerate(rng.choice(["1", "2"], 40, p=[0.3, 0.7]))])

    (tmp_path / "dyads").mkdir()
    for i in range(2):
        tidy.write([Session(f"d{i}", tiers={("client", "looking"): looking(), ("therapist", "looking"): looking()})],
                   tmp_path / "dyads" / f"d{i}.csv")
    manifest = tmp_path / "study.yaml"
    manifest.write_text(yaml.safe_dump({"study": "fit", "inputs": "dyads/*.csv", "scheme": "mutual-gaze",
                                        "analyses": {"fit": {"scheme": "mutual-gaze", "max_em": 1}}}))
    report = run(manifest)
    assert [(u.analysis, u.name, len(u.inputs)) for u in report.computed] == [("fit", "all", 2)]
    (data, scheme, options, result), = calls
    direct = [s for p in sorted((tmp_path / "dyads").glob("*.csv")) for s in read(p)]
    assert [s.id for s in data] == ["d0", "d1"] and [s.tiers for s in data] == [s.tiers for s in direct]
    assert scheme.name == "mutual-gaze"
    assert options == {"dt": 1.0, "agreement": 1.0, "level": 0.9, "max_em": 1, "arousal": None}
    store = Store(tmp_path / "attunement-store")
    for table in ("dyads", "population", "diagnostics"):
        pd.testing.assert_frame_equal(stored(store, manifest, "fit", "all", table), roundtrip(getattr(result, table)),
                                      obj=table)
    assert sorted(store.query("SELECT DISTINCT session FROM fit_dyads").session) == ["d0", "d1"]
    changed = tmp_path / "dyads" / "d1.csv"
    text = changed.read_text()
    changed.write_text(text.replace(",2,", ",1,", 1))
    try:
        assert [(u.name, s) for u, s in dry_run(load_manifest(manifest))[0]] == [("all", "input changed")]
    finally:
        changed.write_text(text)
    assert [s for _, s in dry_run(load_manifest(manifest))[0]] == ["up to date"]
