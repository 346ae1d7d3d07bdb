"""Recovery of the ground truth, the observation layer, determinism, errors and the commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import attunement
from attunement import analyze
from attunement.cli import app
from attunement.errors import AttunementError
from attunement.model import Preset, develop, simulate, with_contingency
from attunement.model.development import LEARNING_RATE, SECURITY_SHIFT, TYPICAL_REPAIR, security_shift

from ._direct import grid


@pytest.mark.parametrize("protocol", [None, "still-face"])
def test_analyze_recovers_the_true_mismatches_on_noise_free_codes(protocol):
    """Every simulated mismatch episode — times, repaired or censored, who led — is found by analyze
    (with the still-face scored too: icep-r itself leaves it out, see tests/measures/test_coverage.py)."""
    sim = simulate(["attuned", "intrusive", "withdrawn"], protocol=protocol, seconds=60, dyads=30, seed=5)
    found = analyze(sim.sessions, attunement.load_scheme("icep-r").without_episode_rules()).mismatches
    columns = ["session", "episode", "onset_s", "offset_s", "repaired", "led_by"]
    truth = sim.truth[columns].sort_values(["session", "onset_s"]).reset_index(drop=True)
    found = found[columns].sort_values(["session", "onset_s"]).reset_index(drop=True)
    assert len(truth) > 500
    pd.testing.assert_frame_equal(truth, found, check_dtype=False)


def test_codes_are_the_latent_states_merged_into_intervals():
    """Noise-free codes equal the latent codes step by step; no two neighbouring intervals share a code."""
    sim = simulate("typical", protocol="still-face", seconds=30, dyads=20, seed=6)
    for d, session in enumerate(sim.sessions):
        infant = grid(session.tier("infant", "engagement"), 0, 90)
        assert list(infant) == [sim.infant_codes[k] for k in sim.states["infant_code"][d]]
        tier = session.tier("caregiver", "engagement")
        same = (tier.code[1:] == tier.code[:-1]) & (tier.onset[1:] == tier.offset[:-1])
        at_boundary = np.isin(tier.onset[1:], [30.0, 60.0])
        assert not (same & ~at_boundary).any()
    codes = {c for s in sim.sessions for c in s.tier("infant", "engagement").code}
    scheme = attunement.load_scheme("icep-r")
    assert codes <= set(scheme.states["infant"])


def test_coder_noise_misclassifies_about_the_asked_share_of_steps():
    """With per-step noise p, the share of steps whose code differs from the latent code is ≈ p."""
    sim = simulate("typical", seconds=120, dyads=50, seed=7, coder_noise=0.2, noise_unit="step")
    differ = [np.mean(grid(s.tier("caregiver", "engagement"), 0, 120)
                      != np.array(sim.caregiver_codes, dtype=object)[sim.states["caregiver_code"][d]])
              for d, s in enumerate(sim.sessions)]
    assert np.mean(differ) == pytest.approx(0.2, abs=0.02)


def test_same_seed_same_sessions_and_unique_ids():
    a = simulate("attuned", seconds=20, dyads=3, seed=9)
    b = simulate("attuned", seconds=20, dyads=3, seed=9)
    c = simulate("attuned", seconds=20, dyads=3, seed=10)
    assert all(x.content_equal(y) for x, y in zip(a.sessions, b.sessions))
    assert not all(x.content_equal(y) for x, y in zip(a.sessions, c.sessions))
    ids = [s.id for s in simulate(["attuned", "intrusive"], seconds=20, dyads=3, seed=1).sessions]
    assert len(set(ids)) == 6 and ids[3] == "intrusive-1-0000"
    signal = a.sessions[0].signals[("infant", "arousal")]
    assert signal.rate == 4.0 and len(signal.values) == 80


def test_development_moves_expectation_by_the_delta_rule():
    """r(n+1) = r(n) + η (R(n) − r(n)) with η = 0.2, checked row by row from the table's own columns
    (expectation_before r, repaired_share R, expectation_after); a session without mismatches leaves r as it
    was, and each session starts from the last one's r(n+1). Hand example: r = 0.5, R = 0.75 gives
    0.5 + 0.2 × 0.25 = 0.55."""
    assert LEARNING_RATE == 0.2
    table = develop("typical", sessions=4, dyads=20, seconds=30, seed=3)
    assert list(table.session_number.unique()) == [1, 2, 3, 4] and len(table) == 80
    assert np.allclose(table[table.session_number == 1].expectation_before, TYPICAL_REPAIR)
    ok = table.repaired_share.notna()
    assert ok.mean() > 0.9 and table.repaired_share[ok].between(0, 1).all()
    expected = table.expectation_before + 0.2 * (table.repaired_share - table.expectation_before)
    assert np.allclose(table.expectation_after[ok], expected[ok])
    assert np.allclose(table.expectation_after[~ok], table.expectation_before[~ok])
    assert (table.mismatches[~ok] == 0).all() and (table.mismatches[ok] > 0).all()
    for n in (1, 2, 3):
        nxt = table[table.session_number == n + 1].expectation_before.to_numpy()
        assert np.allclose(nxt, table[table.session_number == n].expectation_after.to_numpy())
    shares = table[[c for c in table.columns if c.startswith("prop_") and c != "prop_looking_away"]]
    assert list(shares.columns) == ["prop_positive", "prop_monitor", "prop_away", "prop_negative"]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert np.allclose(table.prop_looking_away, table.prop_away + table.prop_negative)


def test_security_shift_is_zero_at_the_typical_experience_and_moves_in_log_odds():
    """Hand computation: logit(0.5) − logit(0.25) = log 3, so r = 0.5 against R_typical = 0.25 would shift by
    s·log 3; here against the module's R_typical. r is clipped to 0.01–0.99."""
    assert SECURITY_SHIFT == 1.0
    assert security_shift(TYPICAL_REPAIR) == pytest.approx(0.0)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert security_shift(0.5) == pytest.approx(0.0 - logit(TYPICAL_REPAIR))
    assert security_shift(0.0) == pytest.approx(logit(0.01) - logit(TYPICAL_REPAIR))
    assert security_shift(1.0) == pytest.approx(logit(0.99) - logit(TYPICAL_REPAIR))
    assert np.all(np.diff(security_shift(np.linspace(0, 1, 11))) > 0)


def test_typical_repair_is_what_a_typical_dyad_experiences():
    """TYPICAL_REPAIR is the mean share of mismatches repaired by both within τ in a first session of the
    typical population: recomputed here on other random numbers (1,000 dyads; SE about .004)."""
    table = develop("typical", sessions=1, dyads=1000, seed=11)
    share = table.repaired_share.dropna()
    assert share.mean() == pytest.approx(TYPICAL_REPAIR, abs=3 * share.std() / np.sqrt(len(share)) + 0.003)


def test_errors_say_what_to_fix():
    with pytest.raises(AttunementError, match="no preset named 'calm'; choose one of attuned, intrusive"):
        simulate("calm")
    with pytest.raises(AttunementError, match="no protocol named 'sf'; choose one of free-play, still-face"):
        simulate(protocol="sf")
    with pytest.raises(AttunementError, match=r"not a whole number of steps of 0.25 s"):
        simulate(seconds=10.1)
    with pytest.raises(AttunementError, match=r"dt must be a step of more than 0 and at most 1 s, got 2"):
        simulate(dt=2)
    with pytest.raises(AttunementError, match="dyads must be a whole number ≥ 1, got 0"):
        simulate(dyads=0)
    with pytest.raises(AttunementError, match="no model parameter named 'b_reengag'.*'b_reengage'"):
        simulate(params={"b_reengag": 1.0})
    with pytest.raises(AttunementError, match="model parameter a_return must be a finite number, got nan"):
        simulate(params={"a_return": float("nan")})
    with pytest.raises(AttunementError, match="preset 'mine': 'b_pursuit' is not a dyad parameter"):
        Preset("mine", "", spreads={"b_pursuit": 1.0})
    with pytest.raises(AttunementError, match="preset 'mine': the SD of a_return must be ≥ 0, got -1"):
        Preset("mine", "", spreads={"a_return": -1.0})
    with pytest.raises(AttunementError, match="contingency must lie between 0 and 1, got 1.5"):
        with_contingency(1.5)
    with pytest.raises(AttunementError, match="presets must have different names"):
        simulate(["attuned", "attuned"])


def test_params_override_the_drawn_values_per_dyad():
    """simulate(params=...) replaces the drawn values: one per dyad (in session order) or one for all; the
    other parameters keep the draws of the same seed. The override reaches the dynamics: with a_return = +10
    (log rate: he leaves looking away at ≥ e^7 per s, so within one 0.25 s step) every look away of dyad 0
    lasts one step; with a_return = −15 dyad 1 never looks back once he looks away (hazard ≤ e^−12 per s)."""
    plain = simulate("typical", seconds=60, dyads=3, seed=8)
    sim = simulate("typical", seconds=60, dyads=3, seed=8,
                   params={"a_return": [10.0, -15.0, -15.0], "a_repair": 0.0, "a_react": 0.0})
    assert sim.dyads.a_return.tolist() == [10.0, -15.0, -15.0]
    assert sim.params["a_repair"].tolist() == [0.0, 0.0, 0.0] and sim.dyads.a_repair.tolist() == [0.0] * 3
    assert np.array_equal(sim.params["a_react"], [0.0] * 3)
    for name in ("a_positivity", "b_reengage", "b_repair"):  # drawn as without the override
        assert np.array_equal(sim.dyads[name], plain.dyads[name])
        assert sim.dyads[name].nunique() == 3
    away = sim.states["infant_mode"] == sim.infant_modes.index("away")
    change = np.flatnonzero(np.diff(np.r_[0, away[0].astype(int), 0]))
    lengths = change[1::2] - change[::2]
    assert len(lengths) > 0 and (lengths[:-1] == 1).all()
    for d in (1, 2):
        if away[d].any():  # once away, away to the end
            assert away[d, np.argmax(away[d]):].all()


runner = CliRunner()


def test_simulate_command_writes_tidy_csv_and_eaf(tmp_path):
    out = tmp_path / "sim.csv"
    result = runner.invoke(app, ["simulate", "--preset", "intrusive", "--protocol", "still-face", "--seconds", "20",
                                 "--dyads", "3", "--seed", "4", "--arousal", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sessions = attunement.read(out)
    assert [s.id for s in sessions] == ["intrusive-4-0000", "intrusive-4-0001", "intrusive-4-0002"]
    assert [e.name for e in sessions[0].episodes] == ["play", "still-face", "reunion"]
    truth = pd.read_csv(tmp_path / "sim.truth.csv")
    found = analyze(sessions, attunement.load_scheme("icep-r").without_episode_rules()).mismatches
    assert len(truth) == len(found)
    arousal = attunement.read(tmp_path / "sim.arousal.csv")
    direct = simulate("intrusive", protocol="still-face", seconds=20, dyads=3, seed=4).sessions
    assert np.array_equal(arousal[1].signals[("infant", "arousal")].values,
                          direct[1].signals[("infant", "arousal")].values)
    eaf = tmp_path / "one.eaf"
    result = runner.invoke(app, ["simulate", "--preset", "attuned", "--seconds", "30", "--out", str(eaf)])
    assert result.exit_code == 0, result.output
    [back] = attunement.read(eaf, partners={"infant engagement": "infant:engagement",
                                            "caregiver engagement": "caregiver:engagement"})
    direct = simulate("attuned", seconds=30, seed=0).sessions[0]
    assert back.tier("infant", "engagement") == direct.tier("infant", "engagement")
    half = tmp_path / "half.csv"
    result = runner.invoke(app, ["simulate", "--seconds", "10", "--dt", "0.5", "--arousal", "--out", str(half)])
    assert result.exit_code == 0, result.output
    [level] = attunement.read(tmp_path / "half.arousal.csv")
    values = level.signals[("infant", "arousal")].values
    assert level.signals[("infant", "arousal")].rate == 2.0 and len(values) == 20 and set(values) <= {0, 1, 2}
    assert np.array_equal(values, simulate(seconds=10, dt=0.5).sessions[0].signals[("infant", "arousal")].values)
    bad = runner.invoke(app, ["simulate", "--dt", "0.3", "--seconds", "10", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "not a whole number of steps of 0.3 s" in bad.output
    bad = runner.invoke(app, ["simulate", "--preset", "calm", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "no preset named 'calm'" in bad.output
    bad = runner.invoke(app, ["simulate", "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code == 1 and "write a .csv (tidy CSV) or a .eaf (ELAN) file" in bad.output


def test_demo_writes_the_comparison_report(tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "The demo report is at:" in result.output
    page = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    for text in ("scenario 1, attuned: play", "scenario 2, intrusive: still-face", "Side by side",
                 "sat back and waited", "example-still-face", "arousal"):
        assert text in page
    sessions = pd.read_csv(tmp_path / "demo" / "sessions.csv")
    assert sessions.session.nunique() == 5
