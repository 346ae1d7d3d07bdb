"""The built-in example session (invented; see src/attunement/data/README.md).

Checks that it is a valid ICEP-R still-face session and that it shows the
signature SCIENCE.md describes (Mesman et al. 2009): less infant social positive
engagement and less matching in the still-face episode than in play.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import attunement
from attunement.data import example_path

from ..conftest import ROOT

INFANT_CODES = {"Ipos", "Ineu", "Inon", "Ineg", "Ipro"}
CAREGIVER_CODES = {"Cpos", "Cpvc", "Cneu", "Cint", "Cnon"}


@pytest.fixture(scope="module")
def example():
    sessions = attunement.read(example_path())
    assert len(sessions) == 1
    return sessions[0]


def test_example_is_a_valid_still_face_session(example):
    assert example.id == "example-still-face"
    assert example.partners == ("caregiver", "infant")
    assert set(example.tiers) == {("infant", "engagement"), ("caregiver", "engagement")}
    assert [(e.name, e.onset, e.offset) for e in example.episodes] == [
        ("play", 0.0, 120.0), ("still-face", 120.0, 240.0), ("reunion", 240.0, 360.0)]
    assert set(example.tier("infant", "engagement").code) <= INFANT_CODES
    assert set(example.tier("caregiver", "engagement").code) <= CAREGIVER_CODES


def test_example_is_coded_second_by_second_without_gaps(example):
    """Whole-second boundaries; each tier covers 0–360 s with no gap or overlap."""
    for tier in example.tiers.values():
        assert np.all(tier.onset == np.round(tier.onset)) and np.all(tier.offset == np.round(tier.offset))
        assert tier.onset[0] == 0 and tier.offset[-1] == 360
        assert np.array_equal(tier.onset[1:], tier.offset[:-1])
        assert np.all(tier.offset > tier.onset)


def test_example_analyses_cleanly_with_the_still_face_signature(example):
    """Unknown codes would raise (unknown="error" is the default). The caregiver keeps a
    still face (Cneu) for the whole still-face episode; infant Ipos is lower there than
    in play; matching is 30–60% in play. icep-r does not score matching in the still-face
    (the caregiver is unresponsive by protocol); scored anyway, it is lower there than in play."""
    results = attunement.analyze([example], "icep-r")
    rows = results.sessions.set_index("episode")
    assert list(rows.index) == ["play", "still-face", "reunion", "all"]
    assert 0.3 <= rows.loc["play", "prop_matched"] <= 0.6
    assert not rows.loc["still-face", "matching_scored"] and np.isnan(rows.loc["still-face", "prop_matched"])
    assert rows.loc["play", "repairs_led_infant"] > 0 and rows.loc["play", "repairs_led_caregiver"] > 0
    every = attunement.analyze([example], attunement.load_scheme("icep-r").without_episode_rules())
    scored = every.sessions.set_index("episode")
    assert scored.loc["still-face", "prop_matched"] < scored.loc["play", "prop_matched"]
    assert scored.loc["still-face", "repairs_led_caregiver"] == 0  # she does not respond
    budget = results.time_budget.set_index(["partner", "episode", "code"])["prop"]
    assert budget[("caregiver", "still-face", "Cneu")] == 1.0
    assert budget[("infant", "still-face", "Ipos")] < budget[("infant", "play", "Ipos")]
    protest = budget.get(("infant", "play", "Ipro"), 0.0)
    assert budget[("infant", "still-face", "Ipro")] > protest


def test_example_file_is_what_the_script_makes(example):
    """examples/make_still_face_example.py, run with its seed, gives the shipped session."""
    script = ROOT / "examples" / "make_still_face_example.py"
    if not script.exists():
        pytest.skip("examples/ is not beside the tests")
    spec = importlib.util.spec_from_file_location("make_still_face_example", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    infant, caregiver = module.simulate(np.random.default_rng(module.SEED))
    assert module.to_tier(infant) == example.tier("infant", "engagement")
    assert module.to_tier(caregiver) == example.tier("caregiver", "engagement")


def test_example_data_say_they_are_invented():
    readme = example_path().with_name("README.md").read_text(encoding="utf-8")
    assert "Invented for demonstration by the attunement developers" in readme
    assert "not real data" in readme
