r"""The exact likelihood of coded dyads: the forward algorithm over the model's latent states.

Each partner's codes are scored conditional on the other's codes as input
(the inputs of :mod:`attunement.model.transition` are read from the observed
codes), so the log-likelihood of a dyad is the sum of two filters:

- the infant's: latent states (arousal level, true state), the true state seen
  through the coder-confusion matrix :math:`E_A` (row: true state, column: code);
- the caregiver's: latent true state, seen through :math:`E_B`. In an episode the
  scheme does not score (the still-face) her behaviour is the protocol's, so her
  term is left out there and her filter restarts from the codes.

For each filter, with :math:`\alpha_t` the normalised forward vector,

.. math::

   \alpha_{t+1}(x') \propto \sum_x \alpha_t(x)\,P(x' \mid x, \text{inputs}_t)\,E(x', y_{t+1}),
   \qquad \ell = \sum_t \log \sum_{x'} (\cdot)

(Rabiner 1989; scaled forward recursion). The first step is conditioned on,
not scored; a missing code contributes nothing (its emission is 1 for every
state). With the default agreement of 1 (:func:`confusion`) the true states are
the codes and only the arousal level is latent; the time in state is read from
the codes, which is exact then and an approximation under coder confusion.

:func:`loglik` runs the filters with numpy (a reference, and for short
scoring); :func:`loglik_jax` is the same recursion in JAX (``lax.scan``,
vectorised over dyads) for fitting.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import AttunementError
from .data import Coded
from .params import as_arrays
from .transition import Inputs, Layout, a_transition, arousal_transition, b_transition

__all__ = ["confusion", "loglik", "loglik_jax", "INITIAL_AROUSAL", "Prepared", "prepare", "x64"]

#: The infant's arousal at the first step: calm, alert or over-aroused.
INITIAL_AROUSAL = np.array([0.3, 0.6, 0.1])


def confusion(states: int, agreement: float = 1.0) -> np.ndarray:
    """A coder-confusion matrix: the true state is coded right with probability ``agreement``.

    The other codes share the rest equally (the simplest matrix a reported
    percentage agreement defines; give a full matrix from an agreement study
    instead when one exists: rows true states, columns codes).

    >>> confusion(3, 0.9).round(3).tolist()
    [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]]
    """
    if not 0.0 < agreement <= 1.0:
        raise AttunementError(f"agreement must be a proportion above 0 and at most 1, got {agreement}. "
                              f"Give the coders' proportion of agreement, e.g. 0.9.")
    if states == 1:
        return np.ones((1, 1))
    off = (1.0 - agreement) / (states - 1)
    return np.full((states, states), off) + np.eye(states) * (agreement - off)


class Prepared:
    """Everything the filters need that does not depend on the parameters, as arrays (steps, dyads)."""

    def __init__(self, coded: Coded, *, agreement: float | tuple[float, float] = 1.0,
                 score_a: np.ndarray | None = None, score_b: np.ndarray | None = None) -> None:
        self.layout = Layout.of(coded.roles, coded.match.astype(float))
        self.dt = coded.dt
        self.n = coded.n
        ka, kb = self.layout.ka, self.layout.kb
        inp = Inputs.of(coded.a, coded.b, coded.dt, ka=ka, kb=kb)
        ag_a, ag_b = (agreement, agreement) if np.isscalar(agreement) else agreement
        self.emit_a = np.c_[confusion(ka, ag_a), np.ones(ka)]      # (K_A, K_A + 1): last column "missing"
        self.emit_b = np.c_[confusion(kb, ag_b), np.ones(kb)]
        observed_a = coded.a >= 0
        observed_b = (coded.b >= 0) & ~coded.held
        self.score_a = observed_a if score_a is None else (score_a & observed_a)
        self.score_b = observed_b if score_b is None else (score_b & observed_b)
        t = lambda x: np.ascontiguousarray(x[:, :-1].T)  # noqa: E731  step t's inputs ...
        u = lambda x: np.ascontiguousarray(x[:, 1:].T)   # noqa: E731  ... predict step t + 1
        self.xs = {"partner_a": t(inp.b), "changed_b": t(inp.changed_b), "tau_a": t(inp.tau_a),
                   "tau_b": t(inp.tau_b), "partner_b": t(inp.a), "changed_a": t(inp.changed_a),
                   "last_a": np.ascontiguousarray(inp.last_a[:, :-1].transpose(1, 0, 2)),
                   "last_b": np.ascontiguousarray(inp.last_b[:, :-1].transpose(1, 0, 2)),
                   "y_a": u(np.where(coded.a >= 0, coded.a, ka)), "y_b": u(np.where(observed_b, coded.b, kb)),
                   "held": u(coded.held), "score_a": u(self.score_a).astype(float),
                   "score_b": u(self.score_b).astype(float)}
        y0a = np.where(coded.a[:, 0] >= 0, coded.a[:, 0], ka)
        y0b = np.where(coded.b[:, 0] >= 0, coded.b[:, 0], kb)
        alpha_a = INITIAL_AROUSAL[None, :, None] * self.emit_a[:, y0a].T[:, None, :]
        self.alpha_a = alpha_a / alpha_a.sum(axis=(1, 2), keepdims=True)
        alpha_b = self.emit_b[:, y0b].T
        self.alpha_b = alpha_b / alpha_b.sum(axis=1, keepdims=True)


def prepare(coded: Coded, **options) -> Prepared:
    """:class:`Prepared` arrays of ``coded`` (options: ``agreement``, ``score_a``, ``score_b``)."""
    return Prepared(coded, **options)


def _step(carry, x, p, prep: Prepared, xp):
    """One step of both filters. ``carry`` = (alpha_a, alpha_b, ll_a, ll_b), each over dyads."""
    alpha_a, alpha_b, ll_a, ll_b = carry
    lay, dt = prep.layout, prep.dt
    ta = a_transition(p, lay, tau=x["tau_a"], last=x["last_a"], partner=x["partner_a"], partner_changed=x["changed_b"], dt=dt, xp=xp)
    tr = arousal_transition(p, lay, partner=x["partner_a"], partner_tau=x["tau_b"], partner_changed=x["changed_b"],
                            dt=dt, xp=xp)
    new_a = xp.einsum("nak,nkab,nakm->nbm", alpha_a, tr, ta) * xp.asarray(prep.emit_a.T)[x["y_a"]][:, None, :]
    c_a = xp.sum(new_a, axis=(1, 2))
    alpha_a = new_a / c_a[:, None, None]
    tb = b_transition(p, lay, tau=x["tau_b"], last=x["last_b"], partner=x["partner_b"], partner_changed=x["changed_a"], dt=dt, xp=xp)
    emit_b = xp.asarray(prep.emit_b.T)[x["y_b"]]
    new_b = xp.einsum("nj,njm->nm", alpha_b, tb) * emit_b
    new_b = xp.where(x["held"][:, None], emit_b, new_b)
    c_b = xp.sum(new_b, axis=1)
    alpha_b = new_b / c_b[:, None]
    return (alpha_a, alpha_b, ll_a + x["score_a"] * xp.log(c_a), ll_b + x["score_b"] * xp.log(c_b))


def loglik(params: Mapping[str, float | np.ndarray], coded: Coded | Prepared, **options) -> np.ndarray:
    """Log-likelihood of each dyad (numpy): array (dyads, 2) of the infant's and the caregiver's terms.

    ``params`` maps parameter names to one value or one per dyad (missing
    names take their prior means). Options as :class:`Prepared`.

    Examples
    --------
    >>> from attunement.model import simulate
    >>> from attunement.model.data import encode
    >>> sim = simulate("typical", seconds=30, dyads=2, seed=3, dt=1.0)
    >>> ll = loglik(sim.params, encode(sim.sessions, "icep-r-gaze", dt=1.0))
    >>> ll.shape, bool((ll < 0).all())
    ((2, 2), True)
    """
    prep = coded if isinstance(coded, Prepared) else Prepared(coded, **options)
    p = as_arrays(params, prep.n)
    carry = (prep.alpha_a, prep.alpha_b, np.zeros(prep.n), np.zeros(prep.n))
    with np.errstate(divide="ignore"):
        for t in range(prep.xs["y_a"].shape[0]):
            carry = _step(carry, {k: v[t] for k, v in prep.xs.items()}, p, prep, np)
    return np.stack([carry[2], carry[3]], axis=1)


def loglik_jax(prep: Prepared):
    """A JAX function ``params -> (dyads, 2)`` log-likelihoods of the prepared dyads (jit it; differentiable).

    ``params`` maps every parameter name to an array of one value per dyad.
    """
    import jax
    import jax.numpy as jnp

    xs = {k: jnp.asarray(v) for k, v in prep.xs.items()}
    init = (jnp.asarray(prep.alpha_a), jnp.asarray(prep.alpha_b), jnp.zeros(prep.n), jnp.zeros(prep.n))

    def run(p):
        def body(carry, x):
            return _step(carry, x, p, prep, jnp), None
        carry, _ = jax.lax.scan(body, init, xs)
        return jnp.stack([carry[2], carry[3]], axis=1)

    return run


def x64():
    """JAX's 64-bit context manager: ``jax.enable_x64(True)`` (JAX ≥ 0.8), else ``jax.experimental.enable_x64()``.

    JAX 0.7 (the newest that installs beside numpy 1.26, as the ``faces`` extra needs) has only the second.
    """
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64

    return enable_x64()
