"""The likelihood is exact: the forward algorithm against brute-force enumeration, JAX against numpy.

References: the brute-force sum over every path of the latent arousal (3**T paths) computed here with the
model's own transition probabilities written as a plain product (Rabiner 1989, eq. 17, before the forward
recursion), and a plain-Python coder-confusion example worked out by hand.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from attunement.model import simulate
from attunement.model.data import encode
from attunement.model.likelihood import INITIAL_AROUSAL, confusion, loglik, loglik_jax, prepare, x64
from attunement.model.params import as_arrays
from attunement.model.transition import Inputs, Layout, a_transition, arousal_transition, b_transition


@pytest.fixture(scope="module")
def coded():
    sim = simulate("typical", seconds=60, dyads=6, seed=3, dt=1.0)
    return sim, encode(sim.sessions, "icep-r-gaze", dt=1.0).observed_states()


def _short(coded, steps):
    return replace(coded.subset([0]), a=coded.a[:1, :steps], b=coded.b[:1, :steps], held=coded.held[:1, :steps],
                   episode=coded.episode[:1, :steps])


def test_forward_equals_brute_force_sum_over_arousal_paths(coded):
    """log P(codes) by the forward filter equals the log of the sum over all 3**7 arousal paths."""
    sim, data = coded
    short = _short(data, 7)
    p = as_arrays({k: v[:1] for k, v in sim.params.items()}, 1)
    lay = Layout.of(short.roles, short.match.astype(float))
    inp = Inputs.of(short.a, short.b, 1.0, ka=lay.ka, kb=lay.kb)
    total_a, log_b = 0.0, 0.0
    for path in itertools.product(range(3), repeat=7):
        prob = INITIAL_AROUSAL[path[0]]
        for t in range(6):
            kw = dict(partner=inp.b[:, t], partner_changed=inp.changed_b[:, t], dt=1.0)
            ta = a_transition(p, lay, tau=inp.tau_a[:, t], last=inp.last_a[:, t], **kw)
            tr = arousal_transition(p, lay, partner=inp.b[:, t], partner_tau=inp.tau_b[:, t],
                                    partner_changed=inp.changed_b[:, t], dt=1.0)
            k, k2 = short.a[0, t], short.a[0, t + 1]
            prob *= ta[0, path[t], k, k2] * tr[0, k, path[t], path[t + 1]]
        total_a += prob
    for t in range(6):  # her side has no latent state: a product of transition probabilities
        tb = b_transition(p, lay, tau=inp.tau_b[:, t], last=inp.last_b[:, t], partner=inp.a[:, t],
                          partner_changed=inp.changed_a[:, t], dt=1.0)
        log_b += np.log(tb[0, short.b[0, t], short.b[0, t + 1]])
    ll = loglik(p, short)
    assert ll[0, 0] == pytest.approx(np.log(total_a), rel=1e-10)
    assert ll[0, 1] == pytest.approx(log_b, rel=1e-10)


def test_jax_and_numpy_filters_agree_and_gradients_are_finite(coded):
    jax = pytest.importorskip("jax")
    sim, data = coded
    with x64():
        run = loglik_jax(prepare(data))
        params = {k: jax.numpy.asarray(v) for k, v in as_arrays(sim.params, data.n).items()}
        got = np.asarray(jax.jit(run)(params))
        grad = jax.grad(lambda q: run(q).sum())(params)
    np.testing.assert_allclose(got, loglik(sim.params, data), rtol=1e-10)
    assert all(np.isfinite(np.asarray(g)).all() for g in grad.values())


def test_missing_codes_contribute_nothing(coded):
    """A step whose code is missing adds log 1 = 0: blanking the last steps lowers the step count only."""
    sim, data = coded
    full = loglik(sim.params, data)
    blank = replace(data, a=data.a.copy(), b=data.b.copy())
    blank.a[:, -5:] = -1
    blank.b[:, -5:] = -1
    cut = replace(data, a=data.a[:, :-5], b=data.b[:, :-5], held=data.held[:, :-5], episode=data.episode[:, :-5])
    np.testing.assert_allclose(loglik(sim.params, blank), loglik(sim.params, cut), rtol=1e-12)
    assert (loglik(sim.params, blank) > full).all()


def test_confusion_matrix_from_agreement_and_its_effect():
    """confusion(3, .9): .9 on the diagonal and .05 elsewhere (hand); lower agreement flattens the likelihood."""
    np.testing.assert_allclose(confusion(3, 0.9), [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]])
    sim = simulate("typical", seconds=60, dyads=4, seed=8, dt=1.0)
    data = encode(sim.sessions, "icep-r-gaze", dt=1.0).observed_states()
    exact = loglik(sim.params, data).sum()
    noisy = loglik(sim.params, data, agreement=0.8).sum()
    assert np.isfinite(noisy) and noisy != exact


def test_simulated_dyads_are_likelier_under_their_own_parameters(coded):
    """Each dyad's codes are likelier under its own parameters than under another preset's population."""
    sim, data = coded
    own = loglik(sim.params, data).sum()
    other = simulate("intrusive", seconds=60, dyads=6, seed=3, dt=1.0).params
    assert own > loglik(other, data).sum()
