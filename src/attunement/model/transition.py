r"""The transition function: one step of the dyad, used both to simulate and to compute the likelihood.

Methods
-------
Time runs on a grid of :math:`\Delta t` seconds. Partner A (the infant) is in
an observed state :math:`k` and a latent arousal level
:math:`\alpha \in \{0, 1, 2\}` (calm, alert, over-aroused; :math:`z = \alpha - 1`);
partner B (the caregiver) is in an observed state :math:`j`. Each state has a
role (:mod:`attunement.model.roles`). Everything below is evaluated at step
:math:`t-1` and gives the probabilities of step :math:`t`; each partner's
*input* is the other's state at :math:`t-1` and whether it had just changed.
Every rate is a hazard per second; a hazard :math:`h` is left within a step
with probability :math:`1 - e^{-h\Delta t}`.

**The infant switches** (self-contingency: own state and time in it, so dwell
times have memory; interactive contingency: the partner's state and her recent
change, Beebe et al. 2010):

.. math::

   \log h_A(k) = r_A[k] + v_A + s_A \log\tau_A + m_A \log(\ell_A[k] / 5\,\mathrm{s}) + c_A\,\mathrm{mis}(k, j)\,[\alpha < 2] + q_A\,\Delta_B
                 + \lambda\,z\,\sigma(k, j)

with :math:`r_A` the state's base log rate (``a_rate_*``; ``a_return`` for
looking away; his positivity ``a_positivity`` is subtracted from a smile's, so a
positive infant both turns to smiles and keeps them), :math:`v_A` his own pace
(``a_tempo``, 0 on average), :math:`\ell_A[k]` the length of his last
finished bout of the same state (the term is 0 before his first; Messinger et al.
2011: a look's duration depends on the previous looks of the same type), :math:`\tau_A` seconds in the state, :math:`\mathrm{mis}` 1 when
the pair is not in the scheme's match set, :math:`\Delta_B` 1 when she changed
at the last step. His repair drive :math:`c_A` acts only while he is calm or
alert: repairing a mismatch is other-directed regulation, and an over-aroused
infant turns to self-directed regulation instead (Gianino & Tronick 1988;
Tronick 1989, scenario 2). When he leaves :math:`k` he goes to :math:`m \ne k` with
probability :math:`\propto \exp(w_A[m] + f_A\,\mathrm{match}(m, j)
+ \lambda\,z\,(1 - \mathrm{look}(m)) + \nu\,z\,[m = \text{negative}])`, where
:math:`\sigma(k, j)` is +1 for a look at her, −1 for protest and
:math:`-(1 - \mathrm{reach}(j))` for looking away: arousal makes him look away
and stay away (hysteresis: MODEL.md; Field 1981) — but a look-away into which
she pursues him does not hold him, so he escalates — and, over-aroused,
protest.

**His arousal** rises a level at rate :math:`\exp(u_0 + u_S S + u_+[k =
\text{positive}] + u_U U\,\mathrm{bid}(k) + u_\Delta \Delta_B\,\mathrm{look}(k))` and falls a level at rate
:math:`\exp(d_0 + d_{away}[k = \text{away}]\,(1 - R))` (competing hazards:
looking away calms him, protesting does not, and a look-away calms him only
while her stimulation does not follow him there), where
:math:`S` is her stimulation that reaches him (her role's stimulation while he
looks at her; only pursuit reaches him while he looks away, :math:`R` = 1
for pursuit, 0 otherwise: Beebe & Stern 1977) and :math:`U` how
long his looks have gone unanswered: 0 until she has been quiet or disengaged
for 3 s, rising linearly to 1 fifteen seconds later, and :math:`\mathrm{bid}(k)`
is 1 while he bids for her — looks at her or protests (other-directed
regulation, Tronick 1989) — and 0 while he looks away to calm himself, so her
waiting then does not distress him; unanswered bids drive the still-face effect
and its growth within the still-face; :math:`\Delta_B`
is 1 when she has just changed what she does — each change is a new stimulus,
so a caregiver who answers every change of his at once over-stimulates him
(the mid-range contingency of Jaffe et al. 2001 emerges from this and the
unanswered bids, not from a rule of its own).

**The caregiver switches**:

.. math::

   \log h_B(j) = r_B[j] + v_B + s_B \log\tau_B + m_B \log(\ell_B[j] / 5\,\mathrm{s}) + c_B\,\mathrm{mis}(k, j) + q_B\,\Delta_A
                 + e_B\,[j = \text{watching}]\,\mathrm{away}(k)

and goes to :math:`m \ne j` with probability :math:`\propto \exp(w_B[m] +
f_B\,\mathrm{match}(k, m) + p_B\,\mathrm{away}(k)\,[m = \text{intrusive}])`:
:math:`e_B` is how soon she re-engages while he looks away (< 0: she waits) and
:math:`p_B` whether she then chases him (Tronick 1989; Beebe & Stern 1977).

The functions take ``xp`` (numpy, or ``jax.numpy`` for the likelihood's
gradients) and arrays with one entry per dyad; they return full transition
matrices over every current state, so the forward algorithm and the sampler
read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import MAX_TIME_IN_STATE_S, MEMORY_REFERENCE_S, REACH_AWAY, STIMULATION, UNANSWERED_AFTER_S, UNANSWERED_RAMP_S
from .roles import Roles

__all__ = ["Layout", "a_hazards", "b_hazards", "arousal_rates", "arousal_moves", "a_transition", "b_transition",
           "arousal_transition", "switch_row", "LEVELS", "Inputs"]

#: The infant's arousal levels.
LEVELS = ("calm", "alert", "over-aroused")
_Z = np.array([-1.0, 0.0, 1.0])
#: At which arousal levels his repair drive acts (calm, alert: yes; over-aroused: no).
_OTHER_DIRECTED = np.array([1.0, 1.0, 0.0])


@dataclass(frozen=True)
class Layout:
    """Per-state constants of one scheme's roles, with a last entry for "partner not observed".

    Arrays over A's states have length ``K_A + 1`` and over B's ``K_B + 1``;
    index -1 (the extra entry) stands for a missing partner and carries no
    stimulation, no match and no gaze.
    """

    roles: Roles
    match: np.ndarray       # (K_A + 1, K_B + 1) float
    look: np.ndarray        # (K_A + 1,)
    positive_a: np.ndarray
    away_a: np.ndarray      # role away
    negative_a: np.ndarray
    stim: np.ndarray        # (K_B + 1,)
    reach: np.ndarray
    quiet: np.ndarray       # watching or disengaged
    watching: np.ndarray
    intrusive_b: np.ndarray

    @classmethod
    def of(cls, roles: Roles, match: np.ndarray) -> Layout:
        ka, kb = len(roles.a), len(roles.b)
        full = np.zeros((ka + 1, kb + 1))
        full[:ka, :kb] = match
        pad = lambda x: np.r_[x, 0.0]  # noqa: E731
        return cls(roles=roles, match=full, look=pad(roles.looking), positive_a=pad(roles.of_a("positive")),
                   away_a=pad(roles.of_a("away")), negative_a=pad(roles.of_a("negative")),
                   stim=pad([STIMULATION[r] for r in roles.b]), reach=pad([REACH_AWAY[r] for r in roles.b]),
                   quiet=pad([r in ("watching", "disengaged") for r in roles.b]),
                   watching=pad(roles.of_b("watching")), intrusive_b=pad(roles.of_b("intrusive")))

    @property
    def ka(self) -> int:
        return len(self.roles.a)

    @property
    def kb(self) -> int:
        return len(self.roles.b)


def _a_base(p, layout: Layout, xp):
    names = {"positive": "a_rate_positive", "monitor": "a_rate_monitor", "away": "a_return",
             "negative": "a_rate_negative"}
    # his positivity also makes his smiles last: it lowers the log rate of leaving them by as much
    return xp.stack([p[names[r]] - (p["a_positivity"] if r == "positive" else 0.0) for r in layout.roles.a], axis=-1)


def _a_pref(p, layout: Layout, xp):
    zero = xp.zeros_like(p["a_positivity"])
    names = {"positive": "a_positivity", "away": "a_pref_away", "negative": "a_pref_negative"}
    return xp.stack([p[names[r]] if r in names else zero for r in layout.roles.a], axis=-1)


def _b_base(p, layout: Layout, xp):
    return xp.stack([p[f"b_rate_{r}"] for r in layout.roles.b], axis=-1)


def _b_pref(p, layout: Layout, xp):
    zero = xp.zeros_like(p["b_repair"])
    return xp.stack([zero if r == "watching" else p[f"b_pref_{r}"] for r in layout.roles.b], axis=-1)


def _leave(log_hazard, dt, xp):
    """Probability of leaving within a step of ``dt`` seconds at a log-hazard (per second)."""
    return 1.0 - xp.exp(-xp.exp(xp.clip(log_hazard, -30.0, 10.0)) * dt)


def _destinations(logits, exclude, xp):
    """Softmax of ``logits`` over the last axis, with the entries where ``exclude`` is True given 0."""
    big = xp.where(exclude, -np.inf, logits)
    dest = xp.exp(big - xp.max(big, axis=-1, keepdims=True))
    return dest / xp.sum(dest, axis=-1, keepdims=True)


def _switch(leave, logits, xp):
    """Transition matrix (..., K, K) from leave probabilities (..., K) and destination logits (..., K)."""
    k = logits.shape[-1]
    eye = np.eye(k, dtype=bool)
    dest = _destinations(logits[..., None, :], eye, xp)              # (..., K from, K to)
    return xp.where(eye, 1.0 - leave[..., :, None], leave[..., :, None] * dest)


def switch_row(log_hazard, logits, current, dt, xp=np):
    """One row of :func:`_switch` per dyad: P(next state) from the current state (dyads,), for sampling."""
    k = logits.shape[-1]
    leave = _leave(log_hazard, dt, xp)                               # (n,)
    here = np.arange(k)[None, :] == current[:, None]
    dest = _destinations(logits, here, xp)
    return xp.where(here, 1.0 - leave[:, None], leave[:, None] * dest)


def _log_time(tau, xp):
    return xp.log(xp.clip(tau, 1e-3, MAX_TIME_IN_STATE_S))


def a_hazards(p, layout: Layout, *, tau, last, partner, partner_changed, xp=np):
    """His log-hazard of leaving each state and his destination logits, at each arousal level.

    ``tau`` (dyads,) seconds he has been in his state; ``last`` (dyads, K_A)
    the length of his last finished bout of each state; ``partner`` (dyads,)
    her state index at t−1 (-1 missing); ``partner_changed`` (dyads,) 1.0 when
    she changed at t−1. Returns two arrays (dyads, 3 levels, K_A).
    """
    base = _a_base(p, layout, xp) + p["a_memory"][:, None] * _memory(last, xp)   # (n, K)
    look = layout.look[:-1]
    neg = layout.negative_a[:-1]
    match_now = xp.asarray(layout.match[:-1].T)[partner]             # (n, K): match(k, j)
    log_h = (base + (p["a_tempo"] + p["a_shape"] * _log_time(tau, xp))[:, None]
             + (p["a_react"] * partner_changed)[:, None])
    # arousal pushes him out of a look at her, and holds him in protest and in a look-away that shields him;
    # a look-away into which she pursues him does not shield him, so it does not hold him
    shielded = 1.0 - xp.asarray(layout.reach)[partner][:, None]                             # (n, 1)
    sign = xp.where(neg[None, :] > 0, -1.0, xp.where(look[None, :] > 0, 1.0, -shielded))     # (n, K)
    log_h = log_h[:, None, :] + p["ar_look"][:, None, None] * _Z[None, :, None] * sign[:, None, :]
    # his repair of a mismatch is other-directed regulation: calm or alert he acts on her; over-aroused
    # he regulates himself (Gianino & Tronick 1988; Tronick 1989, scenario 2)
    repair = p["a_repair"][:, None] * (1.0 - match_now) * (partner >= 0)[:, None]            # (n, K)
    log_h = log_h + repair[:, None, :] * _OTHER_DIRECTED[None, :, None]
    logits = (_a_pref(p, layout, xp) + p["a_follow"][:, None] * match_now)[:, None, :]
    # aroused, he turns to a state that does not face her (looking away, protest) rather than to a look
    logits = (logits + p["ar_look"][:, None, None] * _Z[None, :, None] * (1.0 - look)[None, None, :]
              + p["ar_negative"][:, None, None] * _Z[None, :, None] * neg[None, None, :])
    return log_h, logits


def a_transition(p, layout: Layout, *, tau, last, partner, partner_changed, dt, xp=np):
    """P(infant state at t | state and arousal at t−1, inputs): array (dyads, 3 levels, K_A, K_A).

    Arguments as :func:`a_hazards`.
    """
    log_h, logits = a_hazards(p, layout, tau=tau, last=last, partner=partner, partner_changed=partner_changed, xp=xp)
    return _switch(_leave(log_h, dt, xp), logits, xp)


def arousal_rates(p, layout: Layout, *, partner, partner_tau, partner_changed, xp=np):
    """His rates (per s) of arousal rising and falling a level, in each of his states: two arrays (dyads, K_A)."""
    look = layout.look[:-1]
    stim = (xp.asarray(layout.stim)[partner][:, None]
            * (look[None, :] + xp.asarray(layout.reach)[partner][:, None] * (1.0 - look[None, :])))
    bidding = look + layout.negative_a[:-1]          # he bids with a look at her, or by protesting at her
    unanswered = xp.asarray(layout.quiet)[partner] * xp.clip((partner_tau - UNANSWERED_AFTER_S) / UNANSWERED_RAMP_S,
                                                              0.0, 1.0)   # (n,)
    log_up = (p["ar_up"][:, None] + p["ar_stim"][:, None] * stim + p["ar_smile"][:, None] * layout.positive_a[:-1]
              + (p["ar_unmet"] * unanswered)[:, None] * bidding[None, :]
              + (p["ar_change"] * partner_changed)[:, None] * look[None, :])
    # looking away calms him only when her stimulation does not follow him there (pursuit reaches him)
    shielded = 1.0 - xp.asarray(layout.reach)[partner]                  # (n,)
    log_down = p["ar_down"][:, None] + (p["ar_calm"] * shielded)[:, None] * layout.away_a[:-1][None, :]
    return xp.exp(xp.clip(log_up, -30, 10)), xp.exp(xp.clip(log_down, -30, 10))


def arousal_moves(up, down, level, dt, xp=np):
    """P(one level up), P(one level down) within a step from ``level`` (competing hazards; none past the ends)."""
    hu = up * (level < 2)
    hd = down * (level > 0)
    total = hu + hd
    move = 1.0 - xp.exp(-total * dt)
    safe = xp.where(total > 0, total, 1.0)
    return move * hu / safe, move * hd / safe


def arousal_transition(p, layout: Layout, *, partner, partner_tau, partner_changed, dt, xp=np):
    """P(arousal at t | arousal at t−1, his state at t−1, inputs): array (dyads, K_A, 3, 3)."""
    up, down = arousal_rates(p, layout, partner=partner, partner_tau=partner_tau, partner_changed=partner_changed,
                             xp=xp)
    p_up, p_down = arousal_moves(up[..., None], down[..., None], np.arange(3), dt, xp)   # (n, K, 3 from)
    stay = 1.0 - p_up - p_down
    return (stay[..., None] * np.eye(3) + p_up[..., None] * np.eye(3, k=1) + p_down[..., None] * np.eye(3, k=-1))


def b_hazards(p, layout: Layout, *, tau, last, partner, partner_changed, xp=np):
    """Her log-hazard of leaving each state and her destination logits: two arrays (dyads, K_B).

    ``partner`` is his state index at t−1 (-1 missing); other arguments as :func:`a_hazards`.
    """
    base = _b_base(p, layout, xp) + p["b_memory"][:, None] * _memory(last, xp)
    match_now = xp.asarray(layout.match[:, :-1])[partner]             # (n, K_B): match(k, j)
    away = (1.0 - xp.asarray(layout.look)[partner]) * (partner >= 0)  # (n,)
    log_h = (base + (p["b_tempo"] + p["b_shape"] * _log_time(tau, xp))[:, None]
             + p["b_repair"][:, None] * (1.0 - match_now) * (partner >= 0)[:, None]
             + (p["b_react"] * partner_changed)[:, None]
             + (p["b_reengage"] * away)[:, None] * layout.watching[:-1][None, :])
    logits = (_b_pref(p, layout, xp) + p["b_follow"][:, None] * match_now
              + (p["b_pursuit"] * away)[:, None] * layout.intrusive_b[:-1][None, :])
    return log_h, logits


def b_transition(p, layout: Layout, *, tau, last, partner, partner_changed, dt, xp=np):
    """P(caregiver state at t | her state at t−1, inputs): array (dyads, K_B, K_B); arguments as :func:`b_hazards`."""
    log_h, logits = b_hazards(p, layout, tau=tau, last=last, partner=partner, partner_changed=partner_changed, xp=xp)
    return _switch(_leave(log_h, dt, xp), logits, xp)


def carried(codes: np.ndarray) -> np.ndarray:
    """Each row's codes with missing steps (-1) taking the last observed code (-1 before the first)."""
    n, steps = codes.shape
    idx = np.where(codes >= 0, np.arange(steps)[None, :], -1)
    idx = np.maximum.accumulate(idx, axis=1)
    out = np.take_along_axis(codes, np.maximum(idx, 0), axis=1)
    return np.where(idx >= 0, out, -1)


def time_in_state(codes: np.ndarray, dt: float) -> np.ndarray:
    """Seconds each row has been in its current code at every step, that step included (missing carried)."""
    filled = carried(codes)
    n, steps = filled.shape
    start = np.ones((n, steps), dtype=bool)
    start[:, 1:] = filled[:, 1:] != filled[:, :-1]
    pos = np.arange(steps)[None, :]
    run_start = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
    return (pos - run_start + 1) * dt


def changed(codes: np.ndarray) -> np.ndarray:
    """1.0 where a row's (carried) code differs from the step before, both observed."""
    filled = carried(codes)
    out = np.zeros(filled.shape)
    out[:, 1:] = (filled[:, 1:] != filled[:, :-1]) & (filled[:, :-1] >= 0)
    return out


@dataclass(frozen=True)
class Inputs:
    """What each step's transition reads from the observed codes at that step (arrays dyads × steps)."""

    a: np.ndarray          # his state, carried over missing steps (-1 before the first)
    b: np.ndarray
    tau_a: np.ndarray      # seconds in his state
    tau_b: np.ndarray
    changed_a: np.ndarray  # 1.0 when he changed at that step
    changed_b: np.ndarray
    last_a: np.ndarray     # (dyads, steps, K_A) seconds of his last finished bout of each state (0: none yet)
    last_b: np.ndarray

    @classmethod
    def of(cls, a: np.ndarray, b: np.ndarray, dt: float, *, ka: int, kb: int) -> Inputs:
        return cls(a=carried(a), b=carried(b), tau_a=time_in_state(a, dt), tau_b=time_in_state(b, dt),
                   changed_a=changed(a), changed_b=changed(b), last_a=last_bouts(a, dt, ka),
                   last_b=last_bouts(b, dt, kb))


def last_bouts(codes: np.ndarray, dt: float, k: int) -> np.ndarray:
    """At every step, the length (s) of the last finished bout of each of the k states (0 before any)."""
    filled = carried(codes)
    n, steps = filled.shape
    out = np.zeros((n, steps, k))
    for row in range(n):
        x = filled[row]
        starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
        ends = np.r_[starts[1:], steps]
        last = np.zeros(k)
        for s, e in zip(starts, ends):
            out[row, s:e] = last
            if x[s] >= 0:
                last = last.copy()
                last[x[s]] = (e - s) * dt
    return out


def _memory(last, xp):
    """log(last bout / MEMORY_REFERENCE_S), 0 where there was none."""
    return xp.where(last > 0, xp.log(xp.clip(last, 0.5, MAX_TIME_IN_STATE_S) / MEMORY_REFERENCE_S), 0.0)
