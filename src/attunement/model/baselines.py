"""Baseline models for the held-out comparison: first-order Markov chains on the coded states.

The model is judged on real dyads by the log-likelihood of the end of each
session, fitted on its beginning (issue 9: fit on the first 600 s of each
``nonverbal.csv`` dyad, score the last 300 s). It has to beat two baselines
that know nothing of regulation:

``independent``
    one first-order Markov chain for each partner, the two chains independent:
    ``P(a_t, b_t | a_{t-1}, b_{t-1}) = P_A(a_t | a_{t-1}) · P_B(b_t | b_{t-1})``.
    It has each partner's own inertia (self-contingency) and nothing of the
    other partner.
``joint``
    one first-order Markov chain on the joint state ``(a, b)`` (``K_A·K_B``
    states): ``P(a_t, b_t | a_{t-1}, b_{t-1})`` free. It has every lag-1
    interactive contingency, but no memory beyond one step.

Estimation
----------
Transition counts ``n[i, j]`` (from state ``i`` at ``t-1`` to ``j`` at ``t``)
are taken over the training steps (the counting rule below), per dyad
(``pooled=False``, the default: the model is fitted per dyad too) or summed
over the training dyads (``pooled=True``). Each row is smoothed by adding
``alpha = 1/2`` to every cell — the Krichevsky–Trofimov estimator, i.e. the
posterior mean under a Jeffreys ``Dirichlet(1/2, …, 1/2)`` prior on the row::

    P(j | i) = (n[i, j] + alpha) / (n[i, ·] + K · alpha)

so a transition never seen in training keeps a small probability (a row never
visited is uniform), and a held-out step never scores ``-inf``. ``alpha=0``
gives the maximum-likelihood (empirical) frequencies.

The *initial-state distribution* (for a step with no observed predecessor) is
the smoothed share of training steps in each state,
``(m[j] + alpha) / (m[·] + K · alpha)``; the held-out comparison never needs it
(every scored step has its predecessor, by the rule below).

The counting rule (fitting and scoring alike)
---------------------------------------------
A step ``t`` counts when ``t ≥ 1`` and ``a[t]``, ``b[t]``, ``a[t-1]`` and
``b[t-1]`` are all observed (not -1) in the Coded at hand
(:func:`scored_mask`). Both chains are fitted on, and score, exactly these
steps, so their log-likelihoods compare; with ``alpha = 0`` and joint counts
that factorise, the two chains give the same likelihood. Steps the scheme
marks ``held`` (the still-face) are counted like any other: the baselines do
not know the protocol.

The held-out split
------------------
:func:`heldout_split` cuts one Coded into ``train = coded.window(0, T)`` and
``test = coded.window(T - dt, None)``: the test Coded starts *one step
before* the held-out window, so that the first held-out step ``T/dt`` has its
predecessor, and the rule applied to ``test`` scores exactly the steps
``t ≥ T/dt`` whose own and preceding states are observed for both partners
(300 steps for a 900-s dyad at ``T = 600``, ``dt = 1``). The context step
``T/dt - 1`` is never scored (its predecessor is missing in ``test``).

A scorer for :func:`heldout_comparison` is any callable
``scorer(train, test) -> array (dyads,)`` returning, per dyad, the total
natural-log likelihood of the steps ``scored_mask(test)`` marks, each
conditional on everything before it. A model with a longer memory than one
step (time in state, a latent arousal) may condition on the training part
too: ``train`` and ``test`` are cut from the same dyads, in the same order,
on the same grid, and the full sequence is ``np.where(test.a >= 0, test.a,
train.a)`` (likewise ``b``). For a model with a likelihood by the forward
algorithm, ``log p(steps 0..end) - log p(steps 0..T/dt-1)`` is that total.

Examples
--------
>>> from attunement.model import simulate
>>> from attunement.model.data import encode
>>> coded = encode(simulate("typical", seconds=40, dyads=2, seed=1, dt=1.0).sessions, "icep-r-gaze", dt=1.0)
>>> table = heldout_comparison(coded, train_seconds=30)
>>> sorted(table.columns)
['loglik', 'loglik_per_s', 'model', 'session', 'steps']
>>> sorted(set(table.model)), int(table.steps.max()) <= 10
(['independent', 'joint'], True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AttunementError
from .data import Coded

__all__ = ["MarkovBaseline", "BaselineScore", "Scorer", "scored_mask", "transition_counts", "heldout_split",
           "markov_scorer", "heldout_comparison", "KT_ALPHA"]

#: Krichevsky–Trofimov (Jeffreys) pseudo-count added to every transition count.
KT_ALPHA = 0.5

#: ``scorer(train, test) -> per-dyad total log-likelihood of the steps scored_mask(test) marks``.
Scorer = Callable[[Coded, Coded], np.ndarray]

Kind = Literal["independent", "joint"]


def scored_mask(coded: Coded) -> np.ndarray:
    """Bool (dyads, steps): the steps that count: ``t ≥ 1``, ``a[t]``, ``b[t]``, ``a[t-1]``, ``b[t-1]`` observed.

    The one rule for fitting and scoring every model of the held-out comparison.
    """
    both = (coded.a >= 0) & (coded.b >= 0)
    mask = np.zeros_like(both)
    mask[:, 1:] = both[:, 1:] & both[:, :-1]
    return mask


def transition_counts(x: np.ndarray, k: int, mask: np.ndarray) -> np.ndarray:
    """Counts (dyads, k, k): ``[d, i, j]`` = steps ``t`` with ``mask[d, t]``, ``x[d, t-1] = i`` and ``x[d, t] = j``.

    ``x`` is an int array (dyads, steps) of states in ``0..k-1`` (any value where ``mask`` is False);
    ``mask[:, 0]`` must be False (step 0 has no predecessor).
    """
    x = np.asarray(x)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != x.shape:
        raise AttunementError(f"mask shape {mask.shape} differs from the states' shape {x.shape}.")
    if x.shape[1] and mask[:, 0].any():
        raise AttunementError("step 0 has no predecessor and cannot be counted as a transition.")
    d, t = np.nonzero(mask)
    prev, cur = x[d, t - 1], x[d, t]
    if len(d) and (min(prev.min(), cur.min()) < 0 or max(prev.max(), cur.max()) >= k):
        raise AttunementError(f"a counted step has a state outside 0..{k - 1}.")
    counts = np.zeros((x.shape[0], k, k), dtype=np.int64)
    np.add.at(counts, (d, prev, cur), 1)
    return counts


def _smooth(counts: np.ndarray, alpha: float) -> np.ndarray:
    """Rows of ``counts`` (last axis) to probabilities with ``alpha`` added to every cell (a 0/0 row: uniform)."""
    counts = np.asarray(counts, dtype=float) + alpha
    total = counts.sum(axis=-1, keepdims=True)
    k = counts.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / np.where(total > 0, total, 1.0), 1.0 / k)


@dataclass(frozen=True)
class BaselineScore:
    """Per dyad: the total log-likelihood (natural log) of the counted steps, their number, and per second."""

    sessions: tuple[str, ...]
    loglik: np.ndarray
    steps: np.ndarray
    dt: float

    @property
    def loglik_per_s(self) -> np.ndarray:
        """``loglik / (steps · dt)``; NaN for a dyad with no counted step."""
        seconds = self.steps * self.dt
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(seconds > 0, self.loglik / np.where(seconds > 0, seconds, 1.0), np.nan)

    def frame(self, model: str) -> pd.DataFrame:
        """Tidy rows: session, model, loglik, steps, loglik_per_s."""
        return pd.DataFrame({"session": list(self.sessions), "model": model, "loglik": self.loglik,
                             "steps": self.steps.astype(np.int64), "loglik_per_s": self.loglik_per_s})


@dataclass(frozen=True)
class MarkovBaseline:
    """A fitted first-order Markov baseline (``independent`` or ``joint``; see the module's notes).

    Attributes
    ----------
    kind : "independent" or "joint"
    pooled : bool
        One set of probabilities for all dyads (True) or one per dyad (False).
    alpha : float
        The pseudo-count added to each cell (1/2: Krichevsky–Trofimov).
    transitions : tuple of float arrays
        ``(P_A, P_B)`` for ``independent``, ``(P_AB,)`` for ``joint``; each
        ``(dyads or 1, K, K)`` with ``[d, i, j] = P(j at t | i at t-1)``. The
        joint state of ``(a, b)`` is ``a · K_B + b``.
    initial : tuple of float arrays
        ``(p_A, p_B)`` or ``(p_AB,)``, each ``(dyads or 1, K)``: the
        distribution of a state with no observed predecessor.
    counts : tuple of int arrays
        The transition counts behind ``transitions`` (same shapes).
    sessions : tuple of str
        The training dyads, in order (a per-dyad baseline scores these only).
    """

    kind: Kind
    pooled: bool
    alpha: float
    k_a: int
    k_b: int
    transitions: tuple[np.ndarray, ...]
    initial: tuple[np.ndarray, ...]
    counts: tuple[np.ndarray, ...]
    sessions: tuple[str, ...]

    @classmethod
    def fit(cls, coded: Coded, kind: Kind = "independent", *, pooled: bool = False,
            alpha: float = KT_ALPHA) -> MarkovBaseline:
        """Count the transitions of the steps :func:`scored_mask` marks in ``coded`` and smooth them.

        Parameters
        ----------
        coded : Coded
            The training data (e.g. ``coded.window(0, 600)``).
        kind : "independent" or "joint"
        pooled : bool
            Sum the counts over all dyads (one chain for all) instead of one chain per dyad.
        alpha : float
            Pseudo-count per cell, ≥ 0 (default 1/2, Krichevsky–Trofimov / Jeffreys; 0: maximum likelihood).
        """
        if kind not in ("independent", "joint"):
            raise AttunementError(f"kind must be 'independent' or 'joint', got {kind!r}.")
        if not (np.isfinite(alpha) and alpha >= 0):
            raise AttunementError(f"alpha must be a pseudo-count ≥ 0, got {alpha!r}.")
        k_a, k_b = len(coded.names_a), len(coded.names_b)
        mask = scored_mask(coded)
        both = (coded.a >= 0) & (coded.b >= 0)
        if kind == "independent":
            seqs = ((coded.a, k_a), (coded.b, k_b))
        else:
            seqs = ((np.where(both, coded.a * k_b + coded.b, -1), k_a * k_b),)
        counts, transitions, initial = [], [], []
        for x, k in seqs:
            n = transition_counts(x, k, mask)
            occupancy = np.zeros((coded.n, k), dtype=np.int64)
            d, t = np.nonzero(both)
            np.add.at(occupancy, (d, x[d, t]), 1)
            if pooled:
                n, occupancy = n.sum(axis=0, keepdims=True), occupancy.sum(axis=0, keepdims=True)
            counts.append(n)
            transitions.append(_smooth(n, alpha))
            initial.append(_smooth(occupancy, alpha))
        return cls(kind=kind, pooled=pooled, alpha=float(alpha), k_a=k_a, k_b=k_b, transitions=tuple(transitions),
                   initial=tuple(initial), counts=tuple(counts), sessions=tuple(coded.sessions))

    def step_logprob(self, coded: Coded, *, initial: bool = False) -> np.ndarray:
        """Float (dyads, steps): ``log P(state_t | state_{t-1})`` at the counted steps, NaN elsewhere.

        With ``initial=True``, a step where both partners are observed but the
        predecessor is not (a run's first step) is scored too, by the initial
        distribution. Do not use it on a held-out Coded from
        :func:`heldout_split`: its context step would then be scored.
        """
        if (len(coded.names_a), len(coded.names_b)) != (self.k_a, self.k_b):
            raise AttunementError(f"the data have {len(coded.names_a)}×{len(coded.names_b)} states; the baseline was "
                                  f"fitted on {self.k_a}×{self.k_b}. Encode both with the same scheme.")
        if not self.pooled and tuple(coded.sessions) != self.sessions:
            raise AttunementError("a per-dyad baseline scores the dyads it was fitted on, in the same order; "
                                  "fit it on the training window of the same Coded, or use pooled=True.")
        mask = scored_mask(coded)
        both = (coded.a >= 0) & (coded.b >= 0)
        starts = both & ~mask if initial else np.zeros_like(mask)
        if self.kind == "independent":
            seqs = (coded.a, coded.b)
        else:
            seqs = (np.where(both, coded.a * self.k_b + coded.b, -1),)
        out = np.zeros(coded.a.shape)
        rows = np.arange(coded.n)[:, None] * (0 if self.pooled else 1)
        for x, p, p0 in zip(seqs, self.transitions, self.initial):
            prev = np.maximum(np.roll(x, 1, axis=1), 0)
            cur = np.maximum(x, 0)
            with np.errstate(divide="ignore"):
                out += np.where(mask, np.log(p[rows, prev, cur]), 0.0)
                out += np.where(starts, np.log(p0[rows, cur]), 0.0)
        return np.where(mask | starts, out, np.nan)

    def score(self, coded: Coded, *, initial: bool = False) -> BaselineScore:
        """Per dyad: total log-likelihood of the counted steps of ``coded``, their number and per second."""
        lp = self.step_logprob(coded, initial=initial)
        counted = ~np.isnan(lp)
        return BaselineScore(sessions=tuple(coded.sessions), loglik=np.where(counted, lp, 0.0).sum(axis=1),
                             steps=counted.sum(axis=1), dt=coded.dt)


def markov_scorer(kind: Kind, *, pooled: bool = False, alpha: float = KT_ALPHA) -> Scorer:
    """A :data:`Scorer`: fit a :class:`MarkovBaseline` on ``train``, return its per-dyad total on ``test``."""
    def scorer(train: Coded, test: Coded) -> np.ndarray:
        return MarkovBaseline.fit(train, kind, pooled=pooled, alpha=alpha).score(test).loglik
    scorer.__name__ = f"markov_{kind}{'_pooled' if pooled else ''}"
    return scorer


def heldout_split(coded: Coded, train_seconds: float = 600.0, stop_seconds: float | None = None) -> tuple[Coded, Coded]:
    """``(train, test)``: ``coded.window(0, T)`` and ``coded.window(T - dt, stop)`` (one context step; module notes)."""
    if not (np.isfinite(train_seconds) and train_seconds >= coded.dt):
        raise AttunementError(f"train_seconds must be at least one step ({coded.dt:g} s), got {train_seconds!r}.")
    if abs(train_seconds / coded.dt - round(train_seconds / coded.dt)) > 1e-9:
        raise AttunementError(f"train_seconds ({train_seconds:g}) must be a whole number of steps of {coded.dt:g} s.")
    return coded.window(0.0, train_seconds), coded.window(train_seconds - coded.dt, stop_seconds)


def heldout_comparison(coded: Coded, train_seconds: float = 600.0, scorers: Mapping[str, Scorer] | None = None, *,
                       stop_seconds: float | None = None, baselines: bool = True) -> pd.DataFrame:
    """Score models on the end of each dyad after fitting them on its beginning.

    Parameters
    ----------
    coded : Coded
        All dyads (e.g. ``encode(sessions, "mutual-gaze", dt=1.0)``).
    train_seconds : float
        The training window is ``[0, train_seconds)``; the held-out window
        ``[train_seconds, stop_seconds)`` (to each dyad's end by default).
    scorers : mapping of name to :data:`Scorer`, optional
        Models to compare, each ``scorer(train, test) -> per-dyad total
        log-likelihood`` on the steps ``scored_mask(test)`` marks.
    baselines : bool
        Add the per-dyad ``independent`` and ``joint`` Markov chains (default True).

    Returns
    -------
    DataFrame
        One row per dyad and model: ``session``, ``model``, ``loglik`` (natural
        log), ``steps`` (counted steps, the same for every model), ``loglik_per_s``
        (``loglik / (steps · dt)``; NaN where no step counts).
    """
    all_scorers: dict[str, Scorer] = {}
    if baselines:
        all_scorers.update(independent=markov_scorer("independent"), joint=markov_scorer("joint"))
    for name, scorer in (scorers or {}).items():
        if name in all_scorers:
            raise AttunementError(f"two models are named {name!r}; give each scorer its own name.")
        all_scorers[name] = scorer
    if not all_scorers:
        raise AttunementError("no models to compare: give scorers, or leave baselines=True.")
    train, test = heldout_split(coded, train_seconds, stop_seconds)
    steps = scored_mask(test).sum(axis=1)
    frames = []
    for name, scorer in all_scorers.items():
        total = np.asarray(scorer(train, test), dtype=float)
        if total.shape != (coded.n,):
            raise AttunementError(f"scorer {name!r} returned shape {total.shape}; it must return one total "
                                  f"log-likelihood per dyad, shape ({coded.n},).")
        bad = ~np.isfinite(total) | (total > 1e-9)
        if bad.any():
            raise AttunementError(f"scorer {name!r} returned a log-likelihood that is not finite or is positive for "
                                  f"dyad(s) {', '.join(coded.sessions[i] for i in np.flatnonzero(bad))}.")
        frames.append(BaselineScore(tuple(coded.sessions), total, steps, coded.dt).frame(name))
    return pd.concat(frames, ignore_index=True)
