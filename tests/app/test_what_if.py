"""A fitted dyad's counterfactual in the explore view: the model's what_if over the dyad's posterior."""

from __future__ import annotations

import shutil
import time

import httpx
import pandas as pd
import pytest

from attunement.app._live import live_server
from attunement.app.explore import SLIDERS, WHAT_IF_DRAWS, counterfactual
from attunement.app.library import Library
from attunement.model import what_if

from .conftest import hand_fit, write_fit_folder


@pytest.fixture
def fitted_folder(tmp_path, served_folder):
    data = tmp_path / "data"
    shutil.copytree(served_folder, data, ignore=shutil.ignore_patterns("*.mp4", "*.webm"))
    entry = Library(data).scan()[0]
    write_fit_folder(data, hand_fit([entry.session]))
    return data


def test_the_library_finds_the_posterior_and_reads_the_dyad_alone(fitted_folder):
    library = Library(fitted_folder)
    entry = library.scan()[0]
    assert entry.posterior == fitted_folder / "fit-out" / "posterior.json"
    fit = library.fit_of(entry)
    assert fit.coded.sessions == (entry.session_id,) and library.fit_of(entry) is fit  # read once


def test_the_counterfactual_is_what_if_of_the_sliders_that_moved(fitted_folder):
    """The reference is attunement.model.what_if called directly with the one slider moved."""
    library = Library(fitted_folder)
    entry = library.scan()[0]
    fit = library.fit_of(entry)
    unchanged = counterfactual(fit, {name: entry.fitted[name] for name in SLIDERS if name in entry.fitted})
    assert unchanged["outcomes"] == [] and unchanged["changes"] == {}
    moved = {**{name: entry.fitted[name] for name in SLIDERS if name in entry.fitted}, "b_reengage": -3.0}
    said = counterfactual(fit, moved, draws=30, seed=2)
    table = what_if(fit, {"b_reengage": -3.0}, draws=30, seed=2, level=0.9)
    assert list(said["changes"]) == ["b_reengage"] and said["changes"]["b_reengage"]["value"] == -3.0
    got = pd.DataFrame(said["outcomes"])
    assert got.outcome.tolist() == table.outcome.tolist()
    for column in ("as_fitted", "what_if", "change", "lower", "upper"):
        assert got[column].tolist() == pytest.approx(table[column].round(4).tolist(), nan_ok=True)
    for text in got.said:
        assert "interval" in text and "p =" not in text and "p-value" not in text


def test_the_explore_request_answers_with_the_expected_change_within_a_second(fitted_folder):
    with live_server(fitted_folder) as base:
        key = httpx.get(base + "/api/sessions").json()["sessions"][0]["key"]
        start = httpx.get(f"{base}/api/explore/sliders", params={"session": key}).json()["fitted"]
        body = {"preset": "attuned", "values": {**start, "b_reengage": -3.0}, "seconds": 60, "dt": 0.25, "seed": 1,
                "session": key}
        httpx.post(base + "/api/explore", json=body, timeout=30)  # warm
        took = []
        for _ in range(3):
            t0 = time.perf_counter()
            answer = httpx.post(base + "/api/explore", json=body, timeout=30)
            took.append(time.perf_counter() - t0)
        assert answer.status_code == 200
        cf = answer.json()["counterfactual"]
        assert cf["draws"] == WHAT_IF_DRAWS
        # his negative time only where the fitted states hold a negative one (this attuned pair shows none)
        assert [o["outcome"] for o in cf["outcomes"]] == ["latency_mean_s", "matched_share"]
        assert sorted(took)[1] < 1.5, took  # about a second at most, with room for a busy test machine
        baseline = httpx.post(base + "/api/explore", json={**body, "values": start}, timeout=30).json()
        assert baseline["counterfactual"]["outcomes"] == []
