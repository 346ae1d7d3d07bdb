"""Issue 4's still-face must-show on simulated sessions (the mutual regulation model, seeded).

Expected directions (SCIENCE.md; Mesman, van IJzendoorn & Bakermans-Kranenburg 2009): the still
face lowers the infant's positive engagement and gaze at the caregiver and raises negative
engagement; at reunion positive stays below play and negative above it; gaze recovers (reunion
above still-face). The proportions are also counted directly from the coded tiers here, so a
bug in the study tables cannot hide behind the model (and vice versa).
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement import analyze
from attunement.model import simulate
from attunement.report.study import write_study_report
from attunement.study import episode_measures, still_face_effects

POSITIVE, NEGATIVE, GAZE = {"Ipos"}, {"Ineg", "Ipro", "Iwit"}, {"Ipos", "Ineu"}


@pytest.fixture(scope="module")
def study():
    sim = simulate("typical", protocol="still-face", seconds=120, dyads=200, seed=2024)
    results = analyze(sim.sessions, "icep-r")
    table = episode_measures(results)
    return sim, table, still_face_effects(table)


def _direct_share(session, episode, codes):
    """Share of the infant's coded (non-excluded) time in ``codes`` within an episode, by plain clipping."""
    tier = session.tier("infant", "engagement")
    ep = next(e for e in session.episodes if e.name == episode)
    total = inside = 0.0
    for code, on, off in zip(tier.code, tier.onset, tier.offset):
        length = max(0.0, min(off, ep.offset) - max(on, ep.onset))
        if code in ("Islp", "Iusc"):
            continue
        total += length
        inside += length if code in codes else 0.0
    return inside / total


def test_directions_of_the_still_face_and_reunion_effects(study):
    sim, table, effects = study
    d = effects.set_index(["measure", "contrast"])["d_z"]
    assert d["prop_positive", "still-face effect"] < 0
    assert d["prop_gaze", "still-face effect"] < 0
    assert d["prop_negative", "still-face effect"] > 0
    assert d["prop_positive", "reunion effect"] < 0      # carry-over: positive stays below play
    assert d["prop_negative", "reunion effect"] > 0      # … and negative above it
    assert d["prop_gaze", "recovery"] > 0                # gaze recovers from the still face
    n = effects.set_index(["measure", "contrast"])["n"]
    assert n["prop_positive", "still-face effect"] == 200


def test_study_table_equals_direct_counts(study):
    sim, table, _ = study
    rows = table.set_index(["session", "episode"])
    for session in sim.sessions[:25]:
        for episode in ("play", "still-face", "reunion"):
            for column, codes in (("prop_positive", POSITIVE), ("prop_negative", NEGATIVE), ("prop_gaze", GAZE)):
                assert rows.loc[(session.id, episode), column] == pytest.approx(
                    _direct_share(session, episode, codes), abs=1e-9)
    direct = np.mean([_direct_share(s, "still-face", POSITIVE) - _direct_share(s, "play", POSITIVE)
                      for s in sim.sessions])
    assert direct < 0


def test_the_report_shows_the_effects(study, tmp_path):
    _, table, effects = study
    text = write_study_report(tmp_path / "study.html", episodes=table, effects=effects,
                              scheme_name="icep-r").read_text()
    assert text.count('class="effect"') == int(effects.d_z.notna().sum())
    assert text.count('class="effect-row"') == len(effects)
    assert "positive engagement: still-face vs play" in text
