"""A bad input file: its units fail and are recorded, the batch goes on, the next run retries them.

Reference: a clean run of the same small study (its store's tables, read through DuckDB) and the
input file's bytes before the runs.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import yaml
from typer.testing import CliRunner

from attunement.cli import app
from attunement.study.manifest import load_manifest
from attunement.study.runner import dry_run, run_study
from attunement.study.simulated import write_simulated_study
from attunement.study.store import Store

from .test_run import assert_same, snapshot


def test_a_bad_file_fails_its_units_only_and_a_rerun_retries_them(tmp_path):
    manifest = write_simulated_study(tmp_path, sessions=4, recoded=2, seconds=10)
    data = yaml.safe_load(manifest.read_text())
    data["analyses"]["grids"] = {}
    manifest.write_text(yaml.safe_dump(data))
    clean = run_study(load_manifest(manifest))
    assert not clean.failures
    store = Store(load_manifest(manifest).store)
    before = snapshot(store.root)
    records = {p: p.read_bytes() for p in store.root.glob("study=*/analysis=*/unit=*/record.json")}

    bad = tmp_path / "codes" / "intrusive-1-0001.csv"  # coded once: analyze, grids, sequential and pooled read it
    text = bad.read_text()
    assert text.splitlines()[4].endswith("Cpos,0.0,2.25")
    bad.write_text(text.replace("Cpos,0.0,2.25", "Cpos,2.25,0.5", 1))
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    result = CliRunner().invoke(app, ["run", str(manifest)])
    assert result.exit_code == 3, result.output
    expected = ("intrusive-1-0001.csv: line 5: code 'Cpos' ends before it starts (onset 2.250 s, offset 0.500 s). "
                "Swap or correct the times.")
    said = " ".join(result.output.split())
    assert "4 unit(s) failed; the rest were written." in said
    for unit in ("analyze codes/intrusive-1-0001.csv", "grids codes/intrusive-1-0001.csv",
                 "sequential codes/intrusive-1-0001.csv", "sequential pooled"):
        assert f"• {unit}: {expected}" in said
    assert "computed 0 unit(s), 13 up to date, 4 failed" in said
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == digest  # the input is never modified

    failures = store.query("SELECT analysis, unit, message FROM failures ORDER BY ALL")
    assert failures.values.tolist() == [
        ["analyze", "codes/intrusive-1-0001.csv", expected], ["grids", "codes/intrusive-1-0001.csv", expected],
        ["sequential", "codes/intrusive-1-0001.csv", expected], ["sequential", "pooled", expected]]
    # the failed units' earlier tables are gone (they described other bytes); every other unit is untouched
    after = snapshot(store.root)
    for view in ("analyze_sessions", "grids_sessions"):
        kept = before[view][before[view].session != "intrusive-1-0001"].reset_index(drop=True)
        pd.testing.assert_frame_equal(after[view], kept, obj=view)
    assert ("sequential", "pooled") not in set(map(tuple, after["units"][["analysis", "unit"]].values))
    untouched = {p: b for p, b in records.items() 
                 if "intrusive-1-0001" not in str(p) and "analysis=sequential/unit=pooled" not in str(p)}
    assert len(untouched) == 17 - 4 and all(p.read_bytes() == b for p, b in untouched.items())

    statuses, _ = dry_run(load_manifest(manifest))
    assert sorted(s for _, s in statuses if s != "up to date") == ["failed before"] * 4
    again = run_study(load_manifest(manifest))  # still bad: retried, failed again, nothing else computed
    assert len(again.failures) == 4 and not again.computed

    bad.write_text(text)  # corrected
    fixed = run_study(load_manifest(manifest))
    assert sorted((u.analysis, u.name) for u in fixed.computed) == [
        ("analyze", "codes/intrusive-1-0001.csv"), ("grids", "codes/intrusive-1-0001.csv"),
        ("sequential", "codes/intrusive-1-0001.csv"), ("sequential", "pooled")]
    assert not fixed.failures and store.query("SELECT count(*) AS n FROM failures").n.item() == 0
    assert_same(snapshot(store.root), before)
