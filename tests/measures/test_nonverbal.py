"""Mutual gaze in the 10 real patient–therapist dyads of mHMMbayes' ``nonverbal`` data.

Reference: a hand computation written in this test. It reads the CSV with the
``csv`` module and walks the 900 one-second samples of each dyad in plain
Python: a sample is matched when both look (code 2); a mismatch episode is a run
of unmatched samples; it is repaired when the next sample is matched; whoever's
code differs between the last mismatched and the first matched sample led the
repair. None of attunement's reading or measuring code is used for it.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys

import pandas as pd
import pytest

from attunement import analyze, read

from ..conftest import corpus_file


def hand_computation(path):
    rows: dict[str, list[tuple[int, int]]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            dyad = str(int(float(row["id"])))
            rows.setdefault(dyad, []).append((int(float(row["p_looking"])), int(float(row["t_looking"]))))
    out = {}
    for dyad, samples in rows.items():
        matched = [p == 2 and t == 2 for p, t in samples]
        episodes = ruptures = repairs = 0
        latencies: list[int] = []
        led = {"client": 0, "therapist": 0, "joint": 0}
        i = 0
        while i < len(samples):
            if matched[i]:
                i += 1
                continue
            j = i
            while j < len(samples) and not matched[j]:
                j += 1
            episodes += 1
            if i > 0:
                ruptures += 1  # preceded by a matched sample
            if j < len(samples):
                repairs += 1
                latencies.append(j - i)
                client_changed = samples[j][0] != samples[j - 1][0]
                therapist_changed = samples[j][1] != samples[j - 1][1]
                led["joint" if client_changed and therapist_changed else
                    "client" if client_changed else "therapist"] += 1
            i = j
        out[dyad] = {
            "prop_matched": sum(matched) / len(samples), "ruptures": ruptures, "repairs": repairs,
            "mismatch_episodes": episodes, "censored": episodes - repairs,
            "prop_repaired_within_2s": sum(x <= 2 for x in latencies) / episodes,
            "latency_mean_s": statistics.mean(latencies), "latency_median_s": statistics.median(latencies),
            "repairs_led_client": led["client"], "repairs_led_therapist": led["therapist"],
            "repairs_joint": led["joint"],
        }
    return out


def test_api_equals_hand_computation():
    path = corpus_file("nonverbal", "nonverbal.csv")
    sessions = read(path, format="sampled", rate=1, partners={"p": "client", "t": "therapist"})
    table = analyze(sessions, "mutual-gaze").sessions.set_index("session")
    expected = hand_computation(path)
    assert sorted(table.index, key=int) == sorted(expected, key=int) and len(expected) == 10
    for dyad, values in expected.items():
        for column, value in values.items():
            assert table.loc[dyad, column] == pytest.approx(value, abs=1e-12), (dyad, column)


def test_cli_writes_the_same_numbers(tmp_path):
    path = corpus_file("nonverbal", "nonverbal.csv")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "attunement", "analyze", str(path), "--scheme", "mutual-gaze", "--rate", "1",
         "--partner", "p=client", "--partner", "t=therapist", "--out", str(out)],
        capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "sessions.csv", dtype={"session": str}).set_index("session")
    for dyad, values in hand_computation(path).items():
        for column, value in values.items():
            assert table.loc[dyad, column] == pytest.approx(value, abs=1e-9), (dyad, column)
    parquet = pd.read_parquet(out / "sessions.parquet")
    assert len(parquet) == 10
    assert (out / "report.html").is_file() and (out / "mismatches.csv").is_file()
