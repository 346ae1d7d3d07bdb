r"""The fast layer: infant arousal, infant and caregiver modes, step by step, for many dyads at once.

Every quantity is a numpy array with one entry per dyad; one call of
:func:`step` advances all dyads by ``dt`` seconds. There is no per-dyad
Python loop. Rates are hazards per second: a mode with total exit hazard
:math:`H` is left within a step with probability :math:`1 - e^{-H\,dt}`,
towards each target in proportion to its hazard.

Infant arousal (after MODEL.md; Field 1981; Stifter & Moyer 1991)
-----------------------------------------------------------------

.. math::

   a^*(t) &= \mu + g_s\,S(t)\,v(t) + g_{smile}\,[\text{smiling}] + g_u\,u(t) - \kappa\,SC(t) \\
   a(t+dt) &= a^* + \rho\,(a(t) - a^*) + \sigma\sqrt{1-\rho^2}\;\varepsilon(t),
   \quad \rho = e^{-dt/\tau_a},\ \varepsilon \sim N(0, 1)

so :math:`\beta_s = (1-\rho)\,g_s` in MODEL.md's form. ``S·v`` is the
caregiver's stimulation that reaches him: face (looming) × reach + voice +
touch, per caregiver mode (table ``FACE``/``VOICE``/``TOUCH`` below) times her
``stimulation``. Her face reaches him when he looks at her, or when she pursues
into his line of sight (half as much once he has turned further away); voice
and touch always reach him. ``SC`` is self-comfort (thumb or hand sucking).

Unmet bids
----------

.. math::

   \frac{du}{dt} = \frac{\text{bid}\,(1 - \text{ans}) - u}{\tau_u} - \frac{\text{ans}\;u}{\tau_{soothe}}

with bid = 1 while he looks at her or protests, and ans = her responsiveness
while she shows positive affect or voice (``Cpos``, ``Cpvc``); 0 during a
still-face. ``u`` is the recent share of unanswered bidding (0–1): it raises
arousal, makes smiles wary and, above its thresholds, turns into protest and
then withdrawal. (MODEL.md's discrete form u(t+1) = λu(t) + bid(1 − response)
with λ = 1 − dt/τ_u, scaled by dt/τ_u.)

Infant modes
------------

``positive`` (smile and gaze at her), ``monitor`` (looking, neutral),
``object`` (object/environment), ``averted`` (looking away, dull face,
self-soothing), ``protest`` (frown, fuss, cry, push), ``withdrawn``. With
:math:`\sigma(x) = 1/(1+e^{-x})`, ``w`` the threshold width and
:math:`A_{hi} = \sigma((a-\theta_{high})/w)`,
:math:`A_{lo} = \sigma((\theta_{low}' - a)/w)`,
:math:`A_{pro} = \sigma((a-\theta_{protest})/w)`,
:math:`U_{pro} = \sigma((u-u_{pro})/w_u)`, :math:`U_{wd} = \sigma((u-u_{wd})/w_u)`,
the hazards are (rates from :class:`~attunement.model.params.InfantParams`):

- looking (positive, monitor) → averted: ``avert_rate·A_hi`` — he looks away
  as arousal passes θ_high (hysteresis: he comes back only below θ_low');
- monitor → positive: ``smile_rate·affect·exp(−u/unmet_wary)·(1 − A_hi)``,
  affect 1 when she smiles, 0.5 when she vocalises, 0.1 otherwise (bids);
  positive → monitor: ``unsmile_rate`` (doubled when she is not positive);
- looking → object: ``object_rate·(1 + b)·(1 + 2u)``;
- object → monitor: ``return_rate·A_lo·(1 − b)·p·call``; averted → monitor
  (the inviting look back): ``reengage_rate·A_lo·(1 − b)·p·call``, with
  bid persistence :math:`p = e^{-\gamma u (1 - r)}` and call = 1 +
  ``call_boost`` while she calls softly (``Cpvc``); he also orients to her soft
  call (``Cpvc``, not in his line of sight) at ``orient_rate·(1 − A_hi)``;
- averted → object: ``drift_rate·(1 + b)``; object → averted: ``0.5·avert_rate·A_hi``;
- any non-protest mode → protest: ``protest_rate·max(A_pro, U_pro)``;
- protest → averted: ``calm_rate·(1 − A_pro)·(1 − U_pro)``; protest → monitor:
  ``soothed_rate·ans·(1 − A_pro)``;
- averted or protest → withdrawn: ``withdraw_rate·U_wd·2(1 − r)``; withdrawn →
  averted: ``unwithdraw_rate·(1 + 3·ans)·(1 − U_wd)``.

Self-comfort starts at ``self_comfort_on_rate·σ((a − (θ_low+θ_high)/2)/w)``
while he is not looking and stops at ``self_comfort_off_rate`` (×3 when he
looks). While she pursues (``Cint``) and he is not looking he turns further
away at ``turn_further_rate``; he turns back at 0.3/s once she stops.

Slow-layer inputs: his expectation of repair ``r`` sets
θ_low' = θ_low + ``expectation_threshold_shift``·(r − 0.5), the disengagement
bias b = ``disengagement_bias``·(1 − r) and the bid persistence γ =
``expectation_give_up``.

Caregiver policy
----------------

Modes ``positive`` (Cpos), ``vocal`` (Cpvc), ``neutral`` (Cneu: sits back,
watches quietly), ``intrusive`` (Cint: looms into his line of sight, clicks,
loud), ``non-focused`` (Cnon), ``withdrawn`` (Cwit). While he is engaged she
cycles positive ↔ vocal ↔ neutral at her base rates (pauses scaled by
``pause``, smiles by 1 − ``flatness``), escalates to intrusive at
``overstimulate_rate·intrusiveness``, and turns away at ``withdrawal``.
Contingent parts (each × ``responsiveness``): greeting him within 2 s of his
return (``greet_rate·warmth`` to a smile), mirroring his smile, answering his
look with her voice. When he disengages she notices at
``notice_rate·sensitivity·(1 − interference)``; once she has noticed she sits
back (``wait_rate·(1 − intrusiveness)``) or pursues
(``pursue_rate·intrusiveness``); sitting back, she calls him again once her
wait passes ``patience_s`` (a logistic ramp of 1 s) and pursues more the more
intrusive she is; pursuing, she gives up at 0.3(1 − intrusiveness) + 0.1 per s.
With probability weight 1 − ``responsiveness`` she follows her base cycle
instead of his state. In a still-face phase she holds ``Cneu``, does not
respond, and her stimulation is that of a still, watching face.

Sources: Tronick (1989); Gianino & Tronick (1988); Field (1981); Stifter &
Moyer (1991); Beebe & Stern (1977) for chase and dodge; Cohn & Tronick
(1988) for stochastic, not periodic, switching. The synthesis is the
project's own (MODEL.md), not a published, fitted model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from .params import CaregiverParams, InfantParams, Preset
from .protocols import Protocol

__all__ = ["INFANT_MODES", "CAREGIVER_MODES", "ParamArrays", "State", "Trace", "stack_params",
           "initial_state", "step", "run"]

INFANT_MODES = ("positive", "monitor", "object", "averted", "protest", "withdrawn")
CAREGIVER_MODES = ("positive", "vocal", "neutral", "intrusive", "non-focused", "withdrawn")
POS, MON, OBJ, AVT, PRO, WDR = range(6)
CPOS, CPVC, CNEU, CINT, CNON, CWIT = range(6)

#: Stimulation of each caregiver mode through her face (looming, distance), voice and touch.
FACE = np.array([0.6, 0.4, 0.15, 0.9, 0.0, 0.05])
VOICE = np.array([0.15, 0.3, 0.0, 0.6, 0.05, 0.0])
TOUCH = np.array([0.05, 0.05, 0.0, 0.3, 0.0, 0.0])
#: How strongly each caregiver mode invites a smile (positive affect shown).
AFFECT = np.array([1.0, 0.5, 0.1, 0.1, 0.0, 0.0])
_POSITIVE_OR_VOICE = np.array([True, True, False, False, False, False])


class ParamArrays:
    """Every infant and caregiver parameter as an array with one entry per dyad."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.__dict__.update(arrays)
        self.n = len(next(iter(arrays.values())))

    def subset(self, index: np.ndarray) -> ParamArrays:
        return ParamArrays({k: v[index] for k, v in self.__dict__.items() if k != "n"})


def stack_params(presets: list[Preset], counts: list[int], rng: np.random.Generator) -> ParamArrays:
    """Per-dyad parameter arrays: each preset repeated ``count`` times, with individual differences.

    Each dyad's thresholds (θ_low, θ_high, θ_protest, one common factor) and
    stimulation gain are multiplied by log-normal factors of s.d.
    ``heterogeneity`` (stable individual differences, R8 of MODEL.md).
    """
    arrays: dict[str, np.ndarray] = {}
    for cls, attr, prefix in ((InfantParams, "infant", "i_"), (CaregiverParams, "caregiver", "c_")):
        for f in fields(cls):
            values = [float(getattr(getattr(p, attr), f.name)) for p in presets]
            arrays[prefix + f.name] = np.repeat(np.array(values), counts)
    n = int(sum(counts))
    spread = arrays["i_heterogeneity"]
    thresholds = np.exp(spread * rng.standard_normal(n))
    for name in ("i_theta_low", "i_theta_high", "i_theta_protest"):
        arrays[name] = arrays[name] * thresholds
    arrays["i_gain_stimulation"] = arrays["i_gain_stimulation"] * np.exp(spread * rng.standard_normal(n))
    return ParamArrays(arrays)


@dataclass
class State:
    """The latent state of every dyad (arrays of one entry per dyad)."""

    arousal: np.ndarray
    unmet: np.ndarray
    infant: np.ndarray       #: infant mode (index into INFANT_MODES)
    caregiver: np.ndarray    #: caregiver mode (index into CAREGIVER_MODES)
    further: np.ndarray      #: he has turned further away
    comfort: np.ndarray      #: self-comfort (thumb or hand sucking)
    noticed: np.ndarray      #: she has noticed his current disengagement
    in_sight: np.ndarray     #: she has moved into his line of sight (pursuit) while he is averted
    wait_s: np.ndarray       #: how long she has been aware of it
    since_return_s: np.ndarray  #: time since he last turned back to her
    stimulation: np.ndarray  #: S·v of the last step


def initial_state(p: ParamArrays, rng: np.random.Generator) -> State:
    """He looks at her, calm; she greets him with her voice."""
    n = p.n
    return State(
        arousal=p.i_baseline + p.i_noise_sd * rng.standard_normal(n), unmet=np.zeros(n),
        infant=np.full(n, MON, dtype=np.int8), caregiver=np.full(n, CPVC, dtype=np.int8),
        further=np.zeros(n, bool), comfort=np.zeros(n, bool), noticed=np.zeros(n, bool),
        in_sight=np.zeros(n, bool), wait_s=np.zeros(n), since_return_s=np.zeros(n), stimulation=np.zeros(n))


def _sig(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the logistic function, without overflow


def _switch(mode: np.ndarray, hazards: list, u_leave: np.ndarray, u_pick: np.ndarray,
            dt: float) -> np.ndarray:
    """Competing hazards: leave with probability 1 − exp(−H dt), towards each target ∝ its hazard.

    ``hazards[k]`` is the hazard (per s) of moving to mode k, one entry per dyad
    (or a scalar 0); the current mode's own entry is ignored.
    """
    columns = [np.where(mode == k, 0.0, h) for k, h in enumerate(hazards)]
    total = sum(columns)
    leave = u_leave < -np.expm1(-total * dt)
    threshold = u_pick * total
    target = np.zeros(len(mode), np.int8)
    cumulative = np.zeros(len(mode))
    for column in columns[:-1]:
        cumulative = cumulative + column
        target += cumulative < threshold
    return np.where(leave, target, mode).astype(np.int8)


def step(s: State, p: ParamArrays, r: np.ndarray, *, still: bool, dt: float,
         rng: np.random.Generator) -> State:
    """Advance every dyad by ``dt`` seconds (in place; returns ``s``). See the module docstring."""
    n = p.n
    draws = rng.random((8, n))
    i, c = s.infant, s.caregiver
    looking = (i == POS) | (i == MON)
    if still:
        c = np.full(n, CNEU, dtype=np.int8)
    resp = np.zeros(n) if still else p.c_responsiveness
    # ---- stimulation that reaches him, arousal and unmet bids
    pursued = (c == CINT) | (s.in_sight & (c <= CPVC))
    face_reach = np.where(looking, 1.0, np.where(pursued, np.where(s.further, 0.5, 1.0), 0.0))
    stim = p.c_stimulation * (FACE[c] * face_reach + VOICE[c] + TOUCH[c])
    answered = resp * _POSITIVE_OR_VOICE[c]
    bid = looking | (i == PRO)
    drive = (p.i_baseline + p.i_gain_stimulation * stim + p.i_gain_smile * (i == POS)
             + p.i_gain_unmet * s.unmet - p.i_gain_self_comfort * s.comfort)
    rho = np.exp(-dt / p.i_tau_arousal_s)
    a = drive + rho * (s.arousal - drive) + p.i_noise_sd * np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    u = s.unmet + dt * ((bid * (1.0 - answered) - s.unmet) / p.i_tau_unmet_s
                        - answered * s.unmet / p.i_tau_soothe_s)
    u = np.clip(u, 0.0, 1.0)
    # ---- infant mode
    w = p.i_threshold_width
    a_hi = _sig((a - p.i_theta_high) / w)
    a_lo = _sig((p.i_theta_low + p.i_expectation_threshold_shift * (r - 0.5) - a) / w)
    a_pro = _sig((a - p.i_theta_protest) / w)
    u_pro = _sig((u - p.i_unmet_protest) / p.i_unmet_width)
    u_wd = _sig((u - p.i_unmet_withdraw) / p.i_unmet_width)
    bias = p.i_disengagement_bias * (1.0 - r)
    persist = np.exp(-p.i_expectation_give_up * u * (1.0 - r))
    call = 1.0 + p.i_call_boost * (c == CPVC)
    come_back = a_lo * (1.0 - bias) * persist * call
    to_protest = p.i_protest_rate * np.maximum(a_pro, u_pro)
    to_withdraw = p.i_withdraw_rate * u_wd * 2.0 * (1.0 - r)
    is_pos, is_mon, is_obj = i == POS, i == MON, i == OBJ
    is_avt, is_pro, is_wdr = i == AVT, i == PRO, i == WDR
    h: list = [0.0] * 6
    h[POS] = is_mon * p.i_smile_rate * AFFECT[c] * np.exp(-u / p.i_unmet_wary) * (1.0 - a_hi)
    h[MON] = (is_pos * p.i_unsmile_rate * (1.0 + (AFFECT[c] < 1.0))
                 + is_obj * p.i_return_rate * come_back + is_avt * p.i_reengage_rate * come_back
                 + (is_obj | is_avt) * p.i_orient_rate * ((c == CPVC) & ~s.in_sight) * (1.0 - a_hi)
                 + is_pro * p.i_soothed_rate * answered * (1.0 - a_pro))
    h[OBJ] = (looking * p.i_object_rate * (1.0 + bias) * (1.0 + 2.0 * u)
                 + is_avt * p.i_drift_rate * (1.0 + bias))
    h[AVT] = ((looking + 0.5 * is_obj) * p.i_avert_rate * a_hi
                 + is_pro * p.i_calm_rate * (1.0 - a_pro) * (1.0 - u_pro)
                 + is_wdr * p.i_unwithdraw_rate * (1.0 + 3.0 * answered) * (1.0 - u_wd))
    h[PRO] = ~(is_pro | is_wdr) * to_protest
    h[WDR] = (is_avt | is_pro) * to_withdraw
    new_i = _switch(i, h, draws[0], draws[1], dt)
    now_looking = (new_i == POS) | (new_i == MON)
    # ---- self-comfort and turning further away
    mid = 0.5 * (p.i_theta_low + p.i_theta_high)
    comfort_on = ~now_looking & ~s.comfort & (draws[2] < -np.expm1(-dt * p.i_self_comfort_on_rate * _sig((a - mid) / w)))
    comfort_off = s.comfort & (draws[2] < -np.expm1(-dt * p.i_self_comfort_off_rate * (1.0 + 2.0 * now_looking)))
    comfort = (s.comfort | comfort_on) & ~comfort_off
    turn = ~now_looking & pursued & (draws[3] < -np.expm1(-dt * p.i_turn_further_rate))
    back = s.further & (now_looking | (~pursued & (draws[3] < -np.expm1(-dt * 0.3))))
    further = (s.further | turn) & ~back
    # ---- caregiver
    returned = now_looking & ~looking
    since_return = np.where(returned, 0.0, s.since_return_s + dt)
    if still:
        new_c = c
        noticed = np.zeros(n, bool)
        in_sight = np.zeros(n, bool)
        wait_s = np.zeros(n)
    else:
        disengaged = ~now_looking
        sens = p.c_sensitivity * (1.0 - p.c_interference)
        noticed = disengaged & (s.noticed | (draws[4] < -np.expm1(-dt * p.c_notice_rate * sens)))
        wait_s = np.where(noticed, s.wait_s + dt, 0.0)
        new_c = _caregiver_switch(c, new_i, now_looking, noticed, wait_s, since_return, s.in_sight, p, draws, dt)
        # she stays in his line of sight while she pursues and coaxes; sitting back or his look ends it.
        # On noticing, she follows his gaze into his line of sight with probability `tracking`.
        follows = noticed & ~s.noticed & (draws[7] < p.c_tracking * resp)
        in_sight = disengaged & ((new_c == CINT) | ((s.in_sight | follows) & (new_c <= CPVC)))
    s.arousal, s.unmet, s.infant, s.caregiver = a, u, new_i, new_c
    s.further, s.comfort, s.noticed, s.wait_s, s.in_sight = further, comfort, noticed, wait_s, in_sight
    s.since_return_s, s.stimulation = since_return, stim
    return s


def _caregiver_switch(c, infant, looking, noticed, wait_s, since_return, in_sight, p: ParamArrays, draws,
                      dt) -> np.ndarray:
    resp, intr = p.c_responsiveness, p.c_intrusiveness
    warm = 1.0 - p.c_flatness
    is_pos, is_pvc, is_neu = c == CPOS, c == CPVC, c == CNEU
    is_int, is_non, is_wit = c == CINT, c == CNON, c == CWIT
    playing = is_pos | is_pvc | is_neu
    policy = noticed  # she has registered his disengagement: her contingent policy takes over
    cycle = np.where(policy, 1.0 - resp, 1.0)
    h: list = [0.0] * 6
    # base cycle of play (non-contingent)
    h[CPOS] = cycle * (is_pvc * p.c_vocal_rate * 0.6 * warm + is_neu * p.c_neutral_rate * 0.4 * warm
                          + is_int * p.c_intrusive_leave_rate * 0.4)
    h[CPVC] = cycle * (is_pos * p.c_positive_rate * 0.65 + is_neu * p.c_neutral_rate * 0.6
                          + is_int * p.c_intrusive_leave_rate * 0.6)
    h[CNEU] = cycle * (is_pos * p.c_positive_rate * 0.35 + is_pvc * p.c_vocal_rate * 0.4) * p.c_pause
    h[CNEU] += is_non * 0.25 + is_wit * 0.1
    h[CINT] = cycle * playing * p.c_overstimulate_rate * intr
    h[CNON] = playing * p.c_withdrawal * 0.5
    h[CWIT] = playing * p.c_withdrawal * 0.5
    # contingent: greeting, mirroring, answering (while he is engaged)
    greet = looking * (since_return < 2.0) * ~is_pos * resp * p.c_greet_rate
    h[CPOS] += greet * p.c_warmth * warm
    h[CPVC] += greet * (1.0 - p.c_warmth) * 0.5 * ~is_pvc
    h[CPOS] += (infant == POS) * (is_neu | is_pvc) * resp * p.c_mirror_rate * warm
    h[CPVC] += (infant == MON) * is_neu * resp * p.c_answer_rate
    h[CNEU] += looking * (is_non | is_wit) * resp * 0.5
    # contingent: once she has noticed his aversion she sits back or pursues; past her patience she calls
    late = _sig((wait_s - p.c_patience_s) / 1.0)
    on_policy = policy * resp
    early = on_policy * (1.0 - late)
    h[CNEU] += early * ((is_pos | is_pvc) & ~in_sight) * p.c_wait_rate * (1.0 - intr)
    coaxing = in_sight & (is_pos | is_pvc)
    h[CNEU] += on_policy * (is_int * ((1.0 - intr) * 0.3 + 0.1)
                            + coaxing * ((1.0 - intr) * (1.0 - p.c_tracking) + 0.1))
    h[CINT] += on_policy * ((is_pos | is_pvc) & ~in_sight) * p.c_pursue_rate * intr
    h[CINT] += on_policy * is_neu * p.c_pursue_rate * intr * (0.3 + late)
    h[CINT] += on_policy * coaxing * p.c_pursue_rate * intr * 0.25
    h[CPVC] += on_policy * (late * is_neu * 0.5 * (1.0 - intr) + is_int * p.c_intrusive_leave_rate * 0.6)
    h[CPOS] += on_policy * is_int * p.c_intrusive_leave_rate * 0.4 * warm
    h[CNEU] += on_policy * late * is_pvc * p.c_vocal_rate * 0.4 * p.c_pause
    return _switch(c, h, draws[5], draws[6], dt)


@dataclass
class Trace:
    """What a run produced.

    ``infant``, ``caregiver``, ``arousal``, ``unmet``, ``stimulation``,
    ``gaze`` (0 at her face, 1 away, 2 turned further away; protesting, he looks at
    her while she smiles or vocalises without pursuing him) and ``comfort`` are
    arrays of shape (dyads, steps) when recorded, else None. ``phase`` gives the
    protocol phase of each step. ``mode_steps`` counts steps per dyad in each
    infant mode; ``ruptures`` and ``repaired`` count each dyad's breaks in
    connection and those repaired within his repair window (the slow layer's R).
    """

    dt: float
    phase: np.ndarray
    infant: np.ndarray | None
    caregiver: np.ndarray | None
    arousal: np.ndarray | None
    unmet: np.ndarray | None
    stimulation: np.ndarray | None
    gaze: np.ndarray | None
    comfort: np.ndarray | None
    mode_steps: np.ndarray
    ruptures: np.ndarray
    repaired: np.ndarray

    @property
    def repaired_share(self) -> np.ndarray:
        """R: the share of each dyad's ruptures repaired within the window (NaN without ruptures)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.ruptures > 0, self.repaired / np.maximum(self.ruptures, 1), np.nan)


def _connected(s: State) -> np.ndarray:
    """Connection: he looks at her while she is with him (smiling, vocalising, quietly watching), or he
    looks away calmly (object or averted, not frowning) while she sits back and lets him."""
    looking = (s.infant == POS) | (s.infant == MON)
    resting = ((s.infant == OBJ) | (s.infant == AVT)) & (s.caregiver == CNEU) & ~s.in_sight
    return (looking & (s.caregiver <= CNEU)) | resting


def run(p: ParamArrays, protocol: Protocol, *, dt: float, rng: np.random.Generator,
        expectation: np.ndarray, record: bool = True, state: State | None = None,
        on_step: Callable[[], None] | None = None) -> Trace:
    """Run every dyad through the protocol; record the latent trajectories when ``record``.

    ``on_step``, when given, is called after each time step (for progress bars).

    Ruptures of connection (for the slow layer) are counted only outside
    still-face phases; a rupture still open when a phase ends counts as not
    repaired if it has lasted the repair window, and is dropped otherwise.
    """
    n = p.n
    steps_per_phase = [int(round(ph.seconds / dt)) for ph in protocol.phases]
    total = int(sum(steps_per_phase))
    phase = np.repeat(np.arange(len(steps_per_phase)), steps_per_phase)
    s = state if state is not None else initial_state(p, rng)
    rec = {}
    if record:
        # steps × dyads while recording (contiguous rows), dyads × steps once done
        rec = {"infant": np.empty((total, n), np.int8), "caregiver": np.empty((total, n), np.int8),
               "arousal": np.empty((total, n), np.float32), "unmet": np.empty((total, n), np.float32),
               "stimulation": np.empty((total, n), np.float32), "gaze": np.empty((total, n), np.int8),
               "comfort": np.empty((total, n), bool)}
    mode_steps = np.zeros((n, 6), np.int64)
    ruptures = np.zeros(n)
    repaired = np.zeros(n)
    window = p.i_repair_window_s
    rows = np.arange(n)
    t = 0
    for k, (ph, count) in enumerate(zip(protocol.phases, steps_per_phase)):
        if k > 0 and protocol.phases[k - 1].still and not ph.still:
            s.caregiver[:] = CPVC  # reunion: she comes back to him with her voice
            s.since_return_s[:] = 0.0
        was = _connected(s)
        open_since = np.full(n, np.nan)
        for _ in range(count):
            step(s, p, expectation, still=ph.still, dt=dt, rng=rng)
            if not record:
                mode_steps[rows, s.infant] += 1
            if not ph.still:
                now = _connected(s)
                broke = was & ~now
                mended = ~was & now & ~np.isnan(open_since)
                ruptures += broke
                with np.errstate(invalid="ignore"):
                    repaired += mended & ((t + 1) * dt - open_since <= window + 1e-9)
                open_since = np.where(broke, (t + 1) * dt, np.where(mended, np.nan, open_since))
                was = now
            if record:
                rec["infant"][t] = s.infant
                rec["caregiver"][t] = s.caregiver
                rec["arousal"][t] = s.arousal
                rec["unmet"][t] = s.unmet
                rec["stimulation"][t] = s.stimulation
                # he protests *to* her while she is available (smiling or vocalising, not pursuing)
                to_her = (s.infant == PRO) & (s.caregiver <= CPVC) & ~s.in_sight & ~s.further
                looking = (s.infant == POS) | (s.infant == MON) | (to_her & (p.c_responsiveness > 0) & (not ph.still))
                rec["gaze"][t] = np.where(looking, 0, np.where(s.further, 2, 1))
                rec["comfort"][t] = s.comfort
            t += 1
            if on_step is not None:
                on_step()
        if not ph.still:
            with np.errstate(invalid="ignore"):
                young = ~np.isnan(open_since) & ((t * dt - open_since) < window)
            ruptures -= young
    if record:
        rec = {k: np.ascontiguousarray(v.T) for k, v in rec.items()}
        mode_steps = np.stack([(rec["infant"] == k).sum(axis=1) for k in range(6)], axis=1)
    return Trace(dt=dt, phase=phase, infant=rec.get("infant"), caregiver=rec.get("caregiver"),
                 arousal=rec.get("arousal"), unmet=rec.get("unmet"), stimulation=rec.get("stimulation"),
                 gaze=rec.get("gaze"), comfort=rec.get("comfort"), mode_steps=mode_steps,
                 ruptures=ruptures, repaired=repaired)
