"""The plain-words quantities of a fitted dyad, against hazards written out by hand and brute-force simulation.

The references never call the model's transition functions: each hazard is
written out in the test from the equations of ``attunement.model.transition``'s
docstring, and dwell times are drawn step by step from it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attunement.model.data import encode
from attunement.model.fit import Fit
from attunement.model.params import DYAD, PARAMETERS, as_arrays
from attunement.model.presets import PRESETS
from attunement.model.roles import roles_for
from attunement.model.transition import Layout
from attunement.model.words import dwell_median, in_words, quantities, what_if_words
from attunement.schemes import load_scheme


def _layout(scheme="icep-r-gaze"):
    s = load_scheme(scheme)
    roles = roles_for(s)
    names_a, names_b = s.state_names(s.partners[0]), s.state_names(s.partners[1])
    match = np.array([[s.is_match(x, y) for y in names_b] for x in names_a], dtype=float)
    return Layout.of(roles, match), match


def _params(n=1, **values):
    return as_arrays(values, n)


def _hand_median(hazard, dt, horizon_s=2000.0):
    """The first j·dt at which the survival prod_j exp(-h(j·dt)·dt) falls to 1/2, stepping by hand."""
    survival, j = 1.0, 0
    while survival > 0.5:
        j += 1
        survival *= math.exp(-hazard(j * dt) * dt)
        assert j * dt < horizon_s
    return j * dt


def _brute_median(hazard, dt, runs, rng):
    """The sample median of dwell times drawn step by step: leave at step j with probability 1 - exp(-h(j·dt)·dt)."""
    dwell = np.zeros(runs)
    alive = np.ones(runs, dtype=bool)
    j = 0
    while alive.any():
        j += 1
        leave = alive & (rng.random(runs) < 1.0 - math.exp(-hazard(j * dt) * dt))
        dwell[leave] = j * dt
        alive &= ~leave
    return float(np.median(dwell))


def test_her_waiting_time_is_the_median_of_the_hazard_written_out_and_of_a_brute_force_simulation():
    """While he is away and she watches (a matched pair in icep-r-gaze: no repair term), her log-hazard of
    leaving is b_rate_watching + b_tempo + b_reengage + b_shape·log(min(τ, 60)); the reference steps the
    survival by hand and draws 20 000 dwells."""
    layout, _ = _layout()
    values = dict(b_rate_watching=-2.0, b_tempo=0.3, b_reengage=0.4, b_shape=-0.35, b_repair=1.0, b_react=0.9)
    p = _params(**values)

    def hazard(tau):
        return math.exp(values["b_rate_watching"] + values["b_tempo"] + values["b_reengage"]
                        + values["b_shape"] * math.log(min(tau, 60.0)))

    for dt in (1.0, 0.25):
        got = quantities(p, layout, dt, ("b_waits_s",))["b_waits_s"][0]
        assert got == pytest.approx(_hand_median(hazard, dt))
        assert _brute_median(hazard, dt, 20_000, np.random.default_rng(1)) == pytest.approx(got)


def test_his_look_away_includes_the_repair_term_when_the_scheme_calls_the_pair_a_mismatch():
    """In mutual-gaze, client away while the therapist looks (watching) is a mismatch: his log-hazard is
    a_return + a_tempo + a_repair + a_shape·log τ (alert arousal: the ar_look term is 0)."""
    layout, match = _layout("mutual-gaze")
    assert match[1, 0] == 0  # away × looking is not matched
    values = dict(a_return=-2.5, a_tempo=-0.2, a_repair=0.6, a_shape=-0.2, ar_look=1.0)
    p = _params(**values)

    def hazard(tau):
        return math.exp(values["a_return"] + values["a_tempo"] + values["a_repair"]
                        + values["a_shape"] * math.log(min(tau, 60.0)))

    got = quantities(p, layout, 1.0, ("a_away_s",))["a_away_s"][0]
    assert got == pytest.approx(_hand_median(hazard, 1.0))
    assert _brute_median(hazard, 1.0, 20_000, np.random.default_rng(2)) == pytest.approx(got)


def test_a_constant_hazard_gives_ln2_over_h_on_a_fine_grid_and_a_long_tail_is_continued():
    """Shape 0: the continuous median is ln 2 / h; on a 0.01-s grid the grid median lies within one step of it.
    A hazard of 0.005/s crosses 1/2 only after the 60 s the table covers: ceil(ln 2 / 0.005) = 139 s."""
    h = 0.8
    stay = np.full((1, 6001), math.exp(-h * 0.01))
    assert abs(dwell_median(stay, 0.01)[0] - math.log(2) / h) <= 0.01
    slow = np.full((1, 61), math.exp(-0.005))
    assert dwell_median(slow, 1.0)[0] == 139.0
    assert np.isinf(dwell_median(np.ones((1, 61)), 1.0)[0])


def test_smile_share_is_the_softmax_of_the_destination_logits_written_out():
    """From looking away, with her playful (positive: matched with his smile, not with his monitor look), the
    logits are a_positivity + a_follow for a smile and 0 for a neutral look; the share is their softmax."""
    layout, _ = _layout()
    pos, follow = np.array([-1.0, 0.0, 1.5]), 0.7
    p = as_arrays({"a_positivity": pos, "a_follow": follow}, 3)
    got = quantities(p, layout, 1.0, ("a_smile_share",))["a_smile_share"]
    expected = np.exp(pos + follow) / (np.exp(pos + follow) + 1.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_repair_ratio_is_the_hazard_ratio():
    layout, _ = _layout()
    p = as_arrays({"a_repair": np.array([0.0, math.log(2.5)]), "b_repair": -0.5}, 2)
    q = quantities(p, layout, 1.0)
    np.testing.assert_allclose(q["a_repair_ratio"], [1.0, 2.5])
    np.testing.assert_allclose(q["b_repair_ratio"], math.exp(-0.5))


def _fake_fit(theta_rows, level=0.9):
    """A Fit of simulated sessions with given dyad values and a tiny posterior (no optimisation)."""
    from attunement.model import simulate

    sim = simulate("typical", seconds=180, dyads=len(theta_rows), seed=3, dt=1.0)
    coded = encode(sim.sessions, "icep-r-gaze", dt=1.0).observed_states()
    names = list(DYAD)
    theta = np.array([[row.get(n, PRESETS["typical"].mean(n)) for n in names] for row in theta_rows])
    fixed = {n: PRESETS["typical"].mean(n) for n in PARAMETERS if n not in names}
    cov = np.tile(np.eye(len(names)) * 1e-10, (len(theta_rows), 1, 1))
    empty = pd.DataFrame()
    return Fit(dyads=empty, population=empty, diagnostics=empty, coded=coded, level=level, shared={}, mean={},
               sd={}, theta=theta, cov=cov, dyad_names=names, fixed=fixed), sim


def test_in_words_gives_each_dyad_its_own_values_interval_typical_range_and_a_kind_sentence():
    """A dyad with b_reengage 2 (she re-engages soon) waits less than one with −2; with a posterior this narrow
    the interval collapses onto the value computed at the dyad's parameters."""
    fit, sim = _fake_fit([{"b_reengage": 2.0}, {"b_reengage": -2.0}])
    table = in_words(fit, draws=20, typical_dyads=500)
    assert set(table.columns) == {"session", "quantity", "parameter", "estimate", "lower", "upper",
                                  "typical_lower", "typical_upper", "unit", "sentence"}
    waits = table[table.quantity == "b_waits_s"].set_index("session")
    ids = [s.id for s in sim.sessions]
    assert waits.loc[ids[0], "estimate"] < waits.loc[ids[1], "estimate"]
    layout = Layout.of(fit.coded.roles, fit.coded.match.astype(float))
    direct = quantities(fit.params(0), layout, 1.0, ("b_waits_s",))["b_waits_s"][0]
    assert waits.loc[ids[0], ["estimate", "lower", "upper"]].tolist() == [direct] * 3
    assert (table.typical_lower <= table.typical_upper).all()
    sentence = waits.loc[ids[1], "sentence"]
    assert sentence.startswith("While the infant looks away, the caregiver keeps watching quietly for a median")
    assert "90 % interval" in sentence and "typical population" in sentence
    words = " ".join(table.sentence).lower()
    assert not any(blame in words for blame in ("fail", "poor", "bad", "should", "insensitive"))


def test_what_if_sentences_say_direction_amount_and_an_interval_that_spans_no_change():
    fit, sim = _fake_fit([{}, {}])
    ids = [s.id for s in sim.sessions]
    table = pd.DataFrame({"session": ids + ids[:1], "outcome": ["latency_mean_s", "matched_share", "negative_share"],
                          "as_fitted": [3.0, 0.5, 0.1], "what_if": [1.8, 0.52, 0.2], "change": [-1.2, 0.02, 0.1],
                          "lower": [-2.0, -0.01, 0.0], "upper": [-0.4, 0.05, 0.38]})
    table.attrs["changes"] = {"b_reengage": -1.5}
    words = what_if_words(table, fit, {"b_reengage": "attuned"}).sentence.tolist()
    assert words[0] == ("If the caregiver waited after the infant looked away as in the model's attuned population, "
                        "mismatches would last 1.2 s less on average (90 % interval 0.4–2.0 s less).")
    assert "2.0 percentage points more" in words[1] and "could go either way" in words[1]
    # an interval that ends at no change is one-sided, not "either way"
    assert words[2].endswith("the infant would spend 10.0 percentage points more of the time in protest or fussing "
                             "(90 % interval 0.0–38.0 percentage points more).")
