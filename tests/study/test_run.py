"""A study of 300 simulated sessions: full run, one input changed, a run killed with SIGKILL, Dask workers.

Reference: a clean, uninterrupted run of the same manifest (its store's tables, read through DuckDB).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from attunement.cli import app
from attunement.study.manifest import load_manifest
from attunement.study.runner import dry_run, run_study
from attunement.study.simulated import write_simulated_study
from attunement.study.store import RECORD, Store

SRC = Path(__file__).resolve().parents[2] / "src"


def snapshot(root: Path) -> dict[str, pd.DataFrame]:
    """Every view of a store, rows in a fixed order; and the units' keys."""
    store = Store(root)
    store.refresh_views()
    tables = {v: store.query(f'SELECT * FROM "{v}" ORDER BY ALL') for v in store.tables()}
    tables["units"] = store.query("SELECT study, analysis, unit, key FROM units ORDER BY ALL")
    return tables


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """300 sessions (30 coded twice), metadata, and one clean full run into the manifest's store."""
    manifest = write_simulated_study(tmp_path_factory.mktemp("study"), sessions=300, recoded=30, seconds=10)
    report = run_study(load_manifest(manifest))
    return manifest, report


def test_full_run_then_one_changed_input_recomputes_only_its_units(study, tmp_path):
    manifest, report = study
    assert len(report.computed) == 300 + 301 + 31 + 1 and not report.failures  # analyze, sequential+pooled, …
    store = Store(load_manifest(manifest).store)
    counts = store.query("SELECT analysis, count(*) AS n FROM units GROUP BY 1 ORDER BY 1")
    assert counts.set_index("analysis").n.to_dict() == {"agreement": 31, "analyze": 300, "metadata": 1,
                                                         "sequential": 301}
    joined = store.query("SELECT m.\"group\", count(*) AS n FROM analyze_sessions s JOIN metadata m USING (session) "
                         "WHERE s.episode = 'all' GROUP BY 1 ORDER BY 1")
    assert joined.n.tolist() == [150, 150]
    before = snapshot(store.root)
    # the first session is also coded twice: analyze, sequential, agreement and both pooled units recompute
    path = sorted((manifest.parent / "codes").glob("*.csv"))[0]
    text = path.read_text()
    path.write_text(text.replace(",Cpos,", ",Cneu,", 1))
    try:
        statuses, _ = dry_run(load_manifest(manifest))
        assert sorted((u.analysis, u.name) for u, s in statuses if s != "up to date") == [
            ("agreement", path.name), ("agreement", "pooled"), ("analyze", f"codes/{path.name}"),
            ("sequential", f"codes/{path.name}"), ("sequential", "pooled")]
        assert {s for _, s in statuses if s != "up to date"} == {"input changed"}
        again = run_study(load_manifest(manifest))
        assert len(again.computed) == 5
        # of the 331 input files (300 + 30 recoded + metadata) only the changed one is read to hash it again
        # (the store's cache of hashes; the dry run just before hashed it right after its change)
        assert (again.hashed, again.reused) == (1, 330)
        after = snapshot(store.root)
        changed = after["analyze_sessions"].session.eq(path.stem)
        assert not after["analyze_sessions"][changed].equals(before["analyze_sessions"][changed])
        pd.testing.assert_frame_equal(after["analyze_sessions"][~changed].reset_index(drop=True),
                                      before["analyze_sessions"][~before["analyze_sessions"].session.eq(path.stem)]
                                      .reset_index(drop=True))
    finally:
        path.write_text(text)
    assert len(run_study(load_manifest(manifest)).computed) == 5  # back to the clean inputs
    assert_same(snapshot(store.root), before)


def test_a_run_killed_midway_resumes_and_equals_a_clean_run(study, tmp_path):
    manifest, _ = study
    store = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    process = subprocess.Popen([sys.executable, "-m", "attunement", "run", str(manifest), "--store", str(store)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(store.glob(f"study=*/analysis=*/unit=*/{RECORD}"))) < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list(store.glob(f"study=*/analysis=*/unit=*/{RECORD}")))
    assert 100 <= done < 633, done  # killed midway
    report = run_study(load_manifest(manifest), store=store)
    assert sum(s == "up to date" for _, s in report.statuses) == done
    assert len(report.computed) == 633 - done and not report.failures
    assert not any((store / ".tmp").iterdir())
    assert_same(snapshot(store), snapshot(load_manifest(manifest).store))


def test_workers_1_and_2_give_equal_tables(study, tmp_path):
    """A 40-session subset, and a simulation sweep, on a local Dask cluster of one and of two worker processes."""
    manifest, _ = study
    subset = manifest.parent / "subset.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["inputs"] = ["codes/attuned-1-000*.csv", "codes/intrusive-1-00[0-2]*.csv"]
    data["analyses"]["sweep"] = {"seconds": 10, "dyads": 2, "grid": {"b_reengage": [-1, 1]}, "seeds": 2}
    subset.write_text(yaml.safe_dump(data))
    stores = []
    for workers in (1, 2):
        store = tmp_path / f"workers-{workers}"
        result = CliRunner().invoke(app, ["run", str(subset), "--workers", str(workers), "--store", str(store)])
        assert result.exit_code == 0, result.output
        # 40 analyze, 40 sequential + pooled, 30 agreement + pooled (its own coders' files), metadata, 2 × 2 sweep
        assert "computed 117 unit(s), 0 up to date" in result.output
        stores.append(snapshot(store))
    assert_same(*stores)
    assert len(stores[0]["analyze_sessions"].session.unique()) == 40
    assert stores[0]["sweep_sessions"][["seed", "b_reengage"]].drop_duplicates().values.tolist() == [
        [0, -1.0], [0, 1.0], [1, -1.0], [1, 1.0]]


def test_query_prints_a_table_and_writes_csv(study, tmp_path):
    manifest, _ = study
    out = tmp_path / "by-group.csv"
    result = CliRunner().invoke(app, ["query", str(manifest), 'SELECT m."group", round(avg(prop_matched), 3) AS '
                                      "mean_matched FROM analyze_sessions JOIN metadata m USING (session) WHERE "
                                      "episode = 'all' GROUP BY 1 ORDER BY 1", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "attuned" in result.output and "intrusive" in result.output
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["group", "mean_matched"] and len(frame) == 2
    bad = CliRunner().invoke(app, ["query", str(manifest), "SELECT * FROM analyse_sessions"])
    assert bad.exit_code == 1 and "analyze_sessions" in bad.output
