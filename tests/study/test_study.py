"""Still-face studies: per-episode measures, paired effects and group models.

References: hand computations written out in each test; the normal approximation
of the d_z interval (Hedges & Olkin 1985) as an independent check of the exact one;
recovery of an effect planted in seeded simulated data for the mixed model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement import Episode, Session, Tier, analyze
from attunement.cli import app
from attunement.data import example_path
from attunement.io import tidy
from attunement.study import d_z_interval, episode_measures, group_models, paired_effect, still_face_effects

EPISODES = (Episode("play", 0, 10), Episode("still-face", 10, 20), Episode("reunion", 20, 30))


def _session(sid, infant, caregiver, metadata=None):
    return Session(sid, tiers={("infant", "engagement"): Tier.from_records(infant),
                               ("caregiver", "engagement"): Tier.from_records(caregiver)},
                   episodes=EPISODES, metadata=metadata or {})


def test_episode_measures_by_hand():
    """Infant: play Ipos 0–6, Ineu 6–10; still-face Ipro 10–18, Iusc 18–20 (excluded); reunion Ipos 20–25, Inon 25–30.
    play: scored 10 s, positive 6/10, negative 0, gaze (Ipos+Ineu) 10/10.
    still-face: scored 8 s (Iusc excluded), negative 8/8, gaze 0.
    reunion: positive 5/10, gaze 5/10 (Inon is not gaze at the caregiver)."""
    s = _session("a", [("Ipos", 0, 6), ("Ineu", 6, 10), ("Ipro", 10, 18), ("Iusc", 18, 20), ("Ipos", 20, 25),
                       ("Inon", 25, 30)], [("Cpos", 0, 10), ("Cneu", 10, 20), ("Cpos", 20, 30)])
    table = episode_measures(analyze([s], "icep-r")).set_index("episode")
    assert list(table.index) == ["play", "still-face", "reunion"]
    assert table.loc["play", ["seconds_scored", "prop_positive", "prop_negative", "prop_gaze"]].tolist() == [10, 0.6, 0, 1]
    assert table.loc["still-face", ["seconds_scored", "prop_negative", "prop_gaze"]].tolist() == [8, 1, 0]
    assert table.loc["reunion", ["prop_positive", "prop_gaze"]].tolist() == [0.5, 0.5]
    # matched: play Ipos–Cpos 0–6 and Ineu–Cpos mismatched → 0.6
    assert table.loc["play", "prop_matched"] == pytest.approx(0.6)


def test_paired_effect_by_hand():
    """a = [3, 5, 4, 6], b = [1, 2, 2, 3]: diff = [2, 3, 2, 3], mean 2.5, sd √(1/3) = 0.57735,
    d_z = 2.5/0.57735 = 4.3301; t = d_z·√4 = 8.6603 (df 3);
    sd_a = √(5/3) = 1.29099, sd_b = √(2/3) = 0.81650, d_av = 2.5 / 1.05375 = 2.37249."""
    out = paired_effect(np.array([3, 5, 4, 6.0]), np.array([1, 2, 2, 3.0]))
    assert out["n"] == 4 and out["mean_diff"] == 2.5
    assert out["d_z"] == pytest.approx(2.5 / math.sqrt(1 / 3))
    assert out["t"] == pytest.approx(2.5 / math.sqrt(1 / 3) * 2)
    assert out["d_av"] == pytest.approx(2.5 / ((math.sqrt(5 / 3) + math.sqrt(2 / 3)) / 2))


@pytest.mark.parametrize("d, n", [(0.5, 200), (-1.0, 400), (0.2, 1000)])
def test_exact_interval_agrees_with_the_normal_approximation_for_large_n(d, n):
    """Hedges & Olkin's large-sample SE of a one-sample d: √(1/n + d²/(2n))."""
    se = math.sqrt(1 / n + d * d / (2 * n))
    low, high = d_z_interval(d, n)
    assert low == pytest.approx(d - 1.959964 * se, abs=0.01)
    assert high == pytest.approx(d + 1.959964 * se, abs=0.01)
    assert low < d < high


def test_still_face_effects_have_the_expected_signs():
    """Ten sessions: positive drops from play to still-face by 0.3 ± noise and recovers halfway."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(10):
        base = 0.5 + rng.normal(0, 0.05)
        for episode, value in (("play", base), ("still-face", base - 0.3 + rng.normal(0, 0.05)),
                               ("reunion", base - 0.15 + rng.normal(0, 0.05))):
            rows.append({"session": f"s{i}", "episode": episode, "prop_positive": value})
    effects = still_face_effects(pd.DataFrame(rows), measures=["prop_positive"]).set_index("contrast")
    assert effects.loc["still-face effect", "d_z"] < -2 and effects.loc["still-face effect", "p_t"] < 0.001
    assert effects.loc["reunion effect", "mean_diff"] == pytest.approx(-0.15, abs=0.05)
    assert effects.loc["recovery", "d_z"] > 0
    assert effects.loc["still-face effect", "n"] == 10


def test_group_model_recovers_a_planted_interaction():
    """Seeded: group 'depressed' loses 0.2 more positive affect in the still-face than 'control'."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(40):
        group = "control" if i % 2 else "depressed"
        dyad = rng.normal(0, 0.05)
        for episode, effect in (("play", 0.0), ("still-face", -0.2), ("reunion", -0.1)):
            extra = -0.2 if (group == "depressed" and episode == "still-face") else 0.0
            rows.append({"session": f"s{i}", "episode": episode, "group": group,
                         "prop_positive": 0.5 + dyad + effect + extra + rng.normal(0, 0.03)})
    models = group_models(pd.DataFrame(rows), group="group", measures=["prop_positive"]).set_index("term")
    term = "episode[still-face] × group[depressed]"
    assert models.loc[term, "coef"] == pytest.approx(-0.2, abs=0.04)
    assert models.loc[term, "ci_low"] < -0.2 < models.loc[term, "ci_high"]
    assert models.loc[term, "p"] < 0.001
    assert models.loc["episode[still-face]", "coef"] == pytest.approx(-0.2, abs=0.04)


def test_cli_writes_tables_and_report(tmp_path):
    """The built-in example plus a copy of it with a second id, grouped by a metadata table."""
    (example,) = __import__("attunement").read(example_path())
    path = tmp_path / "two.csv"
    tidy.write([example, example.replace(id="copy")], path)
    meta = tmp_path / "meta.csv"
    meta.write_text("session,group\nexample-still-face,a\ncopy,b\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["study", str(path), "--metadata", str(meta), "--group", "group",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "episode_measures.csv")
    assert set(table.group) == {"a", "b"} and len(table) == 6
    effects = pd.read_csv(out / "effects.csv")
    assert set(effects.contrast) == {"still-face effect", "reunion effect", "recovery"}
    assert (out / "group_models.csv").is_file()  # two dyads: too few for a model, so the table is empty
    text = (out / "study.html").read_text()
    assert "Still-face and reunion effects" in text and 'class="effect"' not in text  # identical pairs: sd 0, no d_z
    assert "http://" not in text and "https://" not in text
