"""The Markov baselines of the held-out comparison: counts, smoothing and log-likelihoods worked by hand,
the two chains agreeing when the partners are independent, and the real patient–therapist dyads."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attunement.errors import AttunementError
from attunement.model.baselines import (MarkovBaseline, heldout_comparison, heldout_split, markov_scorer,
                                        scored_mask, transition_counts)
from attunement.model.data import Coded
from attunement.model.roles import Roles

from ..conftest import corpus_file


def coded(a, b, dt=1.0) -> Coded:
    """Two-state dyads (gaze at the partner: 0 looking, 1 away) straight from the given state rows."""
    a, b = np.atleast_2d(np.asarray(a, dtype=np.int64)), np.atleast_2d(np.asarray(b, dtype=np.int64))
    n, steps = a.shape
    return Coded(sessions=tuple(str(i + 1) for i in range(n)), a=a, b=b, held=np.zeros((n, steps), dtype=bool),
                 episode=np.zeros((n, steps), dtype=np.int64), length=np.full(n, steps), dt=dt,
                 names_a=("looking", "away"), names_b=("looking", "away"), episode_names=("all",),
                 roles=Roles(("monitor", "away"), ("watching", "disengaged")), partners=("client", "therapist"),
                 match=np.array([[True, False], [False, False]]))


def test_counts_and_krichevsky_trofimov_probabilities_of_a_short_sequence():
    """a = 0 0 1 1 1 0, b = 1 1 1 0 0 0 (5 transitions each), smoothed with 1/2 per cell.

    a: 0→0, 0→1, 1→1, 1→1, 1→0: counts [[1, 1], [1, 2]];
       P(·|0) = (1.5, 1.5)/3 = (.5, .5); P(·|1) = (1.5, 2.5)/4 = (.375, .625).
    b: 1→1, 1→1, 1→0, 0→0, 0→0: counts [[2, 0], [1, 2]];
       P(·|0) = (2.5, .5)/3 = (5/6, 1/6); P(·|1) = (1.5, 2.5)/4.
    joint state a·2 + b: 1 1 3 2 2 0, transitions 1→1, 1→3, 3→2, 2→2, 2→0:
       row 1 counts (0, 1, 0, 1) → (.5, 1.5, .5, 1.5)/4; row 2 (1, 0, 1, 0) → (1.5, .5, 1.5, .5)/4;
       row 3 (0, 0, 1, 0) → (.5, .5, 1.5, .5)/3; row 0 never left → uniform 1/4.
    initial (share of steps): a 3 × 0 and 3 × 1 → (3.5, 3.5)/7; joint (1, 2, 2, 1) → (1.5, 2.5, 2.5, 1.5)/8.
    """
    c = coded([0, 0, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0])
    ind = MarkovBaseline.fit(c, "independent")
    np.testing.assert_array_equal(ind.counts[0][0], [[1, 1], [1, 2]])
    np.testing.assert_array_equal(ind.counts[1][0], [[2, 0], [1, 2]])
    np.testing.assert_allclose(ind.transitions[0][0], [[.5, .5], [.375, .625]])
    np.testing.assert_allclose(ind.transitions[1][0], [[5 / 6, 1 / 6], [.375, .625]])
    np.testing.assert_allclose(ind.initial[0][0], [.5, .5])
    joint = MarkovBaseline.fit(c, "joint")
    np.testing.assert_array_equal(joint.counts[0][0], [[0, 0, 0, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 0, 1, 0]])
    np.testing.assert_allclose(joint.transitions[0][0], [[.25] * 4, [.125, .375, .125, .375],
                                                        [.375, .125, .375, .125], [1 / 6, 1 / 6, .5, 1 / 6]])
    np.testing.assert_allclose(joint.initial[0][0], np.array([1.5, 2.5, 2.5, 1.5]) / 8)
    mle = MarkovBaseline.fit(c, "independent", alpha=0)
    np.testing.assert_allclose(mle.transitions[0][0], [[.5, .5], [1 / 3, 2 / 3]])


def test_the_counting_rule_needs_both_partners_now_and_one_step_before():
    c = coded([[0, 0, 1, -1, 1, 1, 0]], [[1, 1, 1, 0, 0, -1, 0]])
    #            t=0 never; t=1, t=2 yes; t=3 a missing; t=4 a[3] missing; t=5 b missing; t=6 b[5] missing
    np.testing.assert_array_equal(scored_mask(c)[0], [False, True, True, False, False, False, False])
    counts = transition_counts(c.a, 2, scored_mask(c))
    np.testing.assert_array_equal(counts[0], [[1, 1], [0, 0]])
    with pytest.raises(AttunementError, match="step 0"):
        transition_counts(c.a, 2, np.ones_like(c.a, dtype=bool))


# Two dyads of 8 s, trained on [0, 4 s), scored on [4 s, 8 s); dyad 2 has b missing at step 5.
A = [[0, 0, 1, 1, 1, 0, 0, 1], [1, 1, 1, 0, 0, 1, 1, 1]]
B = [[0, 0, 0, 0, 0, 0, 1, 1], [1, 0, 1, 0, 1, -1, 0, 1]]


def test_heldout_loglik_of_two_dyads_by_hand():
    """Per dyad, trained on steps 0–3 (KT smoothing), scored on steps 4–7 with their predecessors observed.

    Dyad 1, independent: train a 0 0 1 1 → P_A(·|0) = (.5, .5), P_A(·|1) = (.5, 1.5)/2 = (.25, .75);
      train b 0 0 0 0 → P_B(·|0) = (3.5, .5)/4 = (.875, .125), P_B(·|1) = (.5, .5).
      Scored a 1→1 .75, 1→0 .25, 0→0 .5, 0→1 .5; b 0→0 .875, 0→0 .875, 0→1 .125, 1→1 .5.
    Dyad 1, joint (state a·2 + b): train 0 0 2 2 → row 0 (1, 0, 1, 0) → (.375, .125, .375, .125),
      row 2 (0, 0, 1, 0) → (1/6, 1/6, 1/2, 1/6); rows 1, 3 uniform.
      Scored 2→2 1/2, 2→0 1/6, 0→1 1/8, 1→3 1/4: total log(1/384).
    Dyad 2: steps 4 and 7 count (5: b missing; 6: b[5] missing).
      Independent: train a 1 1 1 0 → P_A(·|0) uniform, P_A(·|1) = (1.5, 2.5)/4; train b 1 0 1 0 →
      P_B(·|0) = (.5, 1.5)/2 = (.25, .75), P_B(·|1) = (2.5, .5)/3. Step 4: a 0→0 .5, b 0→1 .75;
      step 7: a 1→1 .625, b 0→1 .75.
      Joint: train 3 2 3 0 → row 3 (1, 0, 1, 0) → (.375, .125, .375, .125),
      row 2 (0, 0, 0, 1) → (1/6, 1/6, 1/6, 1/2), row 0 uniform. Step 4: 0→1 1/4; step 7: 2→3 1/2: total log(1/8).
    """
    table = heldout_comparison(coded(A, B), train_seconds=4)
    got = table.set_index(["model", "session"])
    expected = {
        ("independent", "1"): math.log(.75 * .25 * .5 * .5) + math.log(.875 * .875 * .125 * .5),
        ("joint", "1"): math.log(1 / 384),
        ("independent", "2"): math.log(.5 * .75 * .625 * .75),
        ("joint", "2"): math.log(1 / 8),
    }
    for key, value in expected.items():
        assert got.loc[key, "loglik"] == pytest.approx(value, rel=1e-12)
    assert got.loc[("joint", "1"), "steps"] == 4 and got.loc[("joint", "2"), "steps"] == 2
    assert got.loc[("independent", "2"), "loglik_per_s"] == pytest.approx(math.log(.5 * .75 * .625 * .75) / 2)
    assert list(table.columns) == ["session", "model", "loglik", "steps", "loglik_per_s"]


def test_the_split_gives_the_test_part_one_context_step_that_is_never_scored():
    train, test = heldout_split(coded(A, B), train_seconds=4)
    assert (train.a[:, 4:] == -1).all() and (test.a[:, :3] == -1).all()
    np.testing.assert_array_equal(test.a[:, 3], [1, 0])
    np.testing.assert_array_equal(scored_mask(test)[0], [False] * 4 + [True] * 4)
    assert not scored_mask(train)[:, 4:].any()


def test_a_plugged_in_scorer_sees_the_same_split_and_its_totals_are_checked():
    seen = {}

    def scorer(train, test):
        seen["train"], seen["test"] = train, test
        return markov_scorer("joint")(train, test) - 1.0

    table = heldout_comparison(coded(A, B), train_seconds=4, scorers={"model": scorer})
    wide = table.pivot(index="session", columns="model", values="loglik")
    np.testing.assert_allclose(wide["model"], wide["joint"] - 1.0)
    np.testing.assert_array_equal(seen["test"].a, heldout_split(coded(A, B), 4)[1].a)
    with pytest.raises(AttunementError, match="one total"):
        heldout_comparison(coded(A, B), 4, {"bad": lambda train, test: np.zeros(3)})
    with pytest.raises(AttunementError, match="not finite"):
        heldout_comparison(coded(A, B), 4, {"bad": lambda train, test: np.array([-1.0, -np.inf])})
    with pytest.raises(AttunementError, match="named 'joint'"):
        heldout_comparison(coded(A, B), 4, {"joint": scorer})


def test_independent_and_joint_chains_agree_when_the_joint_counts_factorise():
    """a alternates 0 1 0 1 … (period 2); b repeats 0 0 1 (period 3). Over 12 transitions every b transition
    (0→0, 0→1, 1→0) happens twice, once at each a transition (0→1, 1→0): the joint counts are the products
    n[(i,k)→(j,l)] = [j = 1-i] · n_B[k→l] / 2, so the maximum-likelihood joint chain is P_A · P_B and both
    chains give 8 · log(1/2): b's 8 transitions from 0 have probability 1/2, every other factor is 1."""
    a = [[0, 1] * 6 + [0]]
    b = [[0, 0, 1] * 4 + [0]]
    c = coded(a, b)
    ind = MarkovBaseline.fit(c, "independent", alpha=0)
    joint = MarkovBaseline.fit(c, "joint", alpha=0)
    n_a, n_b, n_ab = ind.counts[0][0], ind.counts[1][0], joint.counts[0][0]
    np.testing.assert_array_equal(n_a, [[0, 6], [6, 0]])
    np.testing.assert_array_equal(n_b, [[4, 4], [4, 0]])
    for i, k, j, l in np.ndindex(2, 2, 2, 2):
        assert n_ab[i * 2 + k, j * 2 + l] == (j == 1 - i) * n_b[k, l] / 2
    p_a, p_b, p_ab = ind.transitions[0][0], ind.transitions[1][0], joint.transitions[0][0]
    for i, k in np.ndindex(2, 2):
        if n_ab[i * 2 + k].sum():  # every joint state the data leave
            for j, l in np.ndindex(2, 2):
                assert p_ab[i * 2 + k, j * 2 + l] == pytest.approx(p_a[i, j] * p_b[k, l], abs=1e-15)
    assert ind.score(c).loglik[0] == pytest.approx(8 * math.log(.5))
    assert joint.score(c).loglik[0] == pytest.approx(ind.score(c).loglik[0], rel=1e-12)


def test_pooled_chain_fits_one_matrix_and_scores_any_dyads():
    c = coded(A, B)
    pooled = MarkovBaseline.fit(c.window(0, 4), "independent", pooled=True)
    # a's training transitions in both dyads: 0→0, 0→1, 1→1 and 1→1, 1→1, 1→0 → [[1, 1], [1, 3]]
    np.testing.assert_array_equal(pooled.counts[0][0], [[1, 1], [1, 3]])
    np.testing.assert_allclose(pooled.transitions[0][0], [[.5, .5], [1.5 / 5, 3.5 / 5]])
    assert pooled.score(c.subset([1])).steps[0] == 5
    per_dyad = MarkovBaseline.fit(c, "joint")
    with pytest.raises(AttunementError, match="per-dyad"):
        per_dyad.score(c.subset([1]))


def test_initial_distribution_scores_run_starts_only_when_asked():
    """Dyad 2 of A, B fitted on all steps: with initial=True, steps 0 and 6 (both observed, predecessor not)
    are scored by the share of steps in each state; step 5 (b missing) still is not."""
    c = coded(A, B)
    fit = MarkovBaseline.fit(c, "independent")
    plain, with_initial = fit.score(c), fit.score(c, initial=True)
    assert (with_initial.steps - plain.steps).tolist() == [1, 2]
    # dyad 2, both observed at steps 0 1 2 3 4 6 7:
    # a = 1 1 1 0 0 1 1 → p_A = (2.5, 5.5)/8; b = 1 0 1 0 1 0 1 → p_B = (3.5, 4.5)/8
    lp = fit.step_logprob(c, initial=True)[1]
    assert lp[0] == pytest.approx(math.log(5.5 / 8 * 4.5 / 8))
    assert lp[6] == pytest.approx(math.log(5.5 / 8 * 3.5 / 8))
    assert np.isnan(lp[5])


def _nonverbal():
    from attunement.io import read
    from attunement.model.data import encode
    path = corpus_file("nonverbal", "nonverbal.csv")
    sessions = read(path, format="sampled", rate=1, partners={"p": "client", "t": "therapist"})
    return encode(sessions, "mutual-gaze", dt=1.0)


def test_nonverbal_baselines_on_the_last_300_s(record_property, capsys):
    """Fit on the first 600 s of each of the 10 patient–therapist dyads, score the last 300 s (mutual gaze)."""
    c = _nonverbal()
    assert c.a.shape == (10, 900)
    table = heldout_comparison(c, train_seconds=600)
    assert (table.steps == 300).all()
    assert np.isfinite(table.loglik_per_s).all() and (table.loglik_per_s < 0).all()
    # two binary partners: no chain can do worse than far beyond coin flips for both (2 log 2 ≈ 1.39 nats/s)
    assert (table.loglik_per_s > -2 * math.log(2)).all()
    wide = table.pivot(index="session", columns="model", values="loglik_per_s").loc[list(c.sessions)]
    record_property("nonverbal_baselines", wide.round(4).to_dict())
    with capsys.disabled():
        print("\nnonverbal, mutual gaze, log-lik per second of the last 300 s:\n" + wide.round(4).to_string())


def test_pooled_transition_probabilities_match_a_crosstab_and_a_saturated_logit():
    """The pooled independent chain on the first 600 s, against a pandas crosstab of (previous, next) client gaze
    (smoothed by hand) and, unsmoothed, against statsmodels' logit of the next state on the previous one."""
    c = _nonverbal()
    train = c.window(0, 600)
    fit = MarkovBaseline.fit(train, "independent", pooled=True)
    mle = MarkovBaseline.fit(train, "independent", pooled=True, alpha=0)
    for side, x in ((0, c.a[:, :600]), (1, c.b[:, :600])):
        pairs = pd.DataFrame({"prev": x[:, :-1].ravel(), "next": x[:, 1:].ravel()})
        table = pd.crosstab(pairs.prev, pairs.next).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
        assert table.to_numpy().sum() == 10 * 599
        np.testing.assert_array_equal(fit.counts[side][0], table.to_numpy())
        smoothed = (table + 0.5).div((table + 0.5).sum(axis=1), axis=0)
        np.testing.assert_allclose(fit.transitions[side][0], smoothed.to_numpy(), rtol=1e-12)
        sm = pytest.importorskip("statsmodels.api")
        model = sm.Logit(pairs["next"].to_numpy(), sm.add_constant(pairs["prev"].to_numpy().astype(float))).fit(disp=0)
        p_away = model.predict(np.array([[1.0, 0.0], [1.0, 1.0]]))
        np.testing.assert_allclose(mle.transitions[side][0][:, 1], p_away, rtol=1e-6)
