"""simulate(): run the model for many dyads and return ordinary Sessions with their ground truth."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..schemes import Scheme, load_scheme
from ..session import Session
from .observation import (A_STATES, B_ROLES, B_STATES, CAREGIVER_CODES, INFANT_CODES, Trace, add_coder_noise,
                          caregiver_codes, infant_codes, to_sessions, truth_table)
from .params import DYAD, PARAMETERS, as_arrays
from .presets import Preset, get_preset
from .protocols import Protocol, get_protocol
from .roles import Roles
from .transition import Layout, a_hazards, arousal_moves, arousal_rates, b_hazards, switch_row
from .likelihood import INITIAL_AROUSAL

__all__ = ["simulate", "Simulation", "SIM_LAYOUT", "run", "run_layout"]

#: The simulator's states and their ICEP-R matching (icep-r-gaze: same valence; the infant's away and
#: monitor are neutral like her quiet watching, his protest negative like her intrusion).
SIM_LAYOUT = Layout.of(Roles(A_STATES, B_ROLES), np.array(
    [[1, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]], dtype=float))


@dataclass
class Simulation:
    """The result of :func:`simulate`.

    Attributes
    ----------
    sessions : list of Session
        One per dyad, id ``f"{preset}-{seed}-{i:04d}"``: tiers infant/engagement
        and caregiver/engagement (ICEP-R codes, with coder noise if asked),
        infant/gaze (face, away, further) and infant/self-comfort (suck);
        episodes play, still-face, reunion under the still-face protocol; the
        signal ("infant", "arousal") (his level: 0 calm, 1 alert, 2
        over-aroused); metadata ``tool="attunement.model"``, ``preset``,
        ``protocol``, ``seed``, ``group`` (the preset).
    truth : DataFrame
        The true mismatch episodes of the noise-free codes:
        ``session, episode, onset_s, offset_s, duration_s, repaired, led_by``.
    dyads : DataFrame
        One row per dyad: ``session``, ``preset`` and the dyad's own value of
        every dyad parameter (``a_positivity`` … ``b_repair``).
    params : dict of str to ndarray
        Every parameter, one value per dyad (what :func:`attunement.model.likelihood.loglik` takes).
    states : dict of str to ndarray
        Arrays of shape (dyads, steps): ``arousal`` (0–2), ``infant_mode`` and
        ``caregiver_mode`` (indices into ``infant_modes``/``caregiver_modes``),
        ``infant_code`` and ``caregiver_code`` (noise-free, indices into
        ``infant_codes``/``caregiver_codes``), ``gaze`` (0 face, 1 away, 2
        further), ``self_comfort``.
    dt : float
        Step in seconds; step t covers [t·dt, (t+1)·dt).
    protocol : Protocol
    """

    sessions: list[Session]
    truth: pd.DataFrame
    dyads: pd.DataFrame
    params: dict[str, np.ndarray]
    states: dict[str, np.ndarray]
    dt: float
    protocol: Protocol
    infant_modes: tuple[str, ...] = A_STATES
    caregiver_modes: tuple[str, ...] = B_STATES
    infant_codes: tuple[str, ...] = field(default_factory=lambda: tuple(INFANT_CODES))
    caregiver_codes: tuple[str, ...] = field(default_factory=lambda: tuple(CAREGIVER_CODES))

    @property
    def times(self) -> np.ndarray:
        """Start time (s) of every step."""
        return np.arange(self.states["arousal"].shape[1]) * self.dt


def _presets(preset: str | Preset | Sequence[str | Preset]) -> list[Preset]:
    items = [preset] if isinstance(preset, (str, Preset)) else list(preset)
    if not items:
        raise AttunementError("give at least one preset.")
    presets = [get_preset(p) for p in items]
    names = [p.name for p in presets]
    if len(set(names)) != len(names):
        raise AttunementError(f"presets must have different names (got {names}); session ids are built from them.")
    return presets


def _check_dt(dt: float, protocol: Protocol) -> None:
    if not 0 < dt <= 1.0:
        raise AttunementError(f"dt must be a step of more than 0 and at most 1 s, got {dt}.")
    for ph in protocol.phases:
        if abs(ph.seconds / dt - round(ph.seconds / dt)) > 1e-6 or round(ph.seconds / dt) < 1:
            raise AttunementError(f"phase {ph.name!r} lasts {ph.seconds:g} s, not a whole number of steps of "
                                  f"{dt:g} s. Choose a length that is a multiple of dt.")


def simulate(
    preset: str | Preset | Sequence[str | Preset] = "typical",
    *,
    protocol: str | Protocol | None = None,
    seconds: float | None = None,
    dyads: int = 1,
    seed: int = 0,
    dt: float = 0.25,
    coder_noise: float = 0.0,
    noise_unit: str = "bout",
    params: Mapping[str, float | np.ndarray] | None = None,
    scheme: str | Scheme = "icep-r",
    on_progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Simulate coded face-to-face sessions of many dyads with the mutual regulation model.

    Parameters
    ----------
    preset : str, Preset or sequence of them
        ``attuned``, ``intrusive``, ``withdrawn``, ``typical`` or a Preset
        (:mod:`attunement.model.presets`); several give ``dyads`` dyads each.
    protocol : {None, "free-play", "still-face"} or Protocol
        ``None``: free play without episodes; ``"still-face"``: play,
        still-face and reunion.
    seconds : float, optional
        Length of free play (default 180 s), or of each still-face episode
        (default 120 s).
    dyads : int
        Dyads per preset.
    seed : int
        Seed of the random generator: the same arguments give the same sessions.
    dt : float
        Time step in seconds (default 0.25, the 1/4 s time base of Tronick &
        Cohn 1989); phases must last a whole number of steps.
    coder_noise : float
        Probability of misclassifying a code (0: the codes are the latent states).
    noise_unit : {"bout", "step"}
        Misclassify whole bouts (default) or single steps.
    params : mapping, optional
        Parameter values that replace the drawn ones: one value for all dyads
        or one per dyad (in the order of the sessions), e.g. a fitted dyad's
        own estimates for a counterfactual.
    scheme : str or Scheme
        The scheme whose match set defines the ground-truth mismatches (default ICEP-R).
    on_progress : callable, optional
        Called with the percentage points of the work just done (they sum to
        100: 90 for the model's time steps, 10 for building the sessions), for
        progress bars. Nothing is printed.

    Returns
    -------
    Simulation
        ``.sessions`` (ordinary Sessions for :func:`attunement.analyze`),
        ``.truth``, ``.dyads``, ``.states`` (see :class:`Simulation`).

    Raises
    ------
    AttunementError
        For an unknown preset or protocol, a bad ``dt``, ``dyads`` or noise.

    Notes
    -----
    The model, its equations and sources are in :mod:`attunement.model.transition`
    and ``docs/model.md`` (after Tronick 1989 and MODEL.md). The dynamics are
    the same transition function the likelihood uses; each partner responds
    to the other's state at the previous step.

    Examples
    --------
    >>> from attunement.model.simulate import simulate
    >>> sim = simulate("attuned", protocol="still-face", seconds=30, dyads=2, seed=1)
    >>> [s.id for s in sim.sessions]
    ['attuned-1-0000', 'attuned-1-0001']
    >>> [e.name for e in sim.sessions[0].episodes]
    ['play', 'still-face', 'reunion']
    >>> sim.states["arousal"].shape
    (2, 360)
    >>> sorted(sim.dyads.columns)[:3]
    ['a_positivity', 'a_repair', 'a_return']
    >>> from attunement import analyze
    >>> found = analyze(sim.sessions, "icep-r").mismatches  # icep-r does not score the still-face
    >>> len(found) == int((sim.truth.episode != "still-face").sum())
    True
    """
    presets = _presets(preset)
    chosen = get_protocol(protocol, seconds=seconds)
    _check_dt(dt, chosen)
    if not (isinstance(dyads, (int, np.integer)) and dyads >= 1):
        raise AttunementError(f"dyads must be a whole number ≥ 1, got {dyads!r}.")
    scheme = load_scheme(scheme) if isinstance(scheme, str) else scheme
    rng = np.random.default_rng(seed)
    draws = [pr.draw(int(dyads), rng) for pr in presets]
    p = {name: np.concatenate([d[name] for d in draws]) for name in PARAMETERS}
    if params:
        p.update({k: v for k, v in as_arrays(params, len(p["a_return"])).items() if k in params})
    steps = sum(int(round(ph.seconds / dt)) for ph in chosen.phases)
    tick = _Percent(on_progress, steps, share=90)
    trace = run(p, chosen, dt=dt, rng=rng, on_step=tick if on_progress else None)
    simulation = _assemble(presets, int(dyads), seed, p, trace, chosen, scheme=scheme,
                           coder_noise=coder_noise, noise_unit=noise_unit, rng=rng)
    if on_progress:
        on_progress(100 - tick.reported)
    return simulation


def _sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of a (rows, K) array of probabilities."""
    cum = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probabilities.shape[1] - 1)


def run(p: Mapping[str, np.ndarray], protocol: Protocol, *, dt: float, rng: np.random.Generator,
        on_step: Callable[[], None] | None = None) -> Trace:
    """Run the dyads through a protocol with the simulator's states (:data:`SIM_LAYOUT`).

    Every dyad starts calm or alert (:data:`~attunement.model.likelihood.INITIAL_AROUSAL`),
    looking at her while she plays; in a still-face phase she holds quiet
    watching. The steps are :func:`run_layout`'s.
    """
    n = len(p["a_return"])
    phase = np.concatenate([np.full(int(round(ph.seconds / dt)), k) for k, ph in enumerate(protocol.phases)])
    still = np.array([ph.still for ph in protocol.phases])[phase]
    watching = B_STATES.index("watching")
    forced_b = np.where(still, watching, -1)[None, :].repeat(n, axis=0)
    start_b = np.full(n, watching if still[0] else B_STATES.index("positive"))
    a, b, level = run_layout(p, SIM_LAYOUT, steps=len(phase), dt=dt, rng=rng, start_a=np.full(n, A_STATES.index("monitor")),
                             start_b=start_b, forced_b=forced_b, on_step=on_step)
    looking = SIM_LAYOUT.look[:-1][a] > 0
    pursued = b == B_STATES.index("intrusive")
    # he protests *at* her while she plays with him, and away from her otherwise
    at_her = looking | ((a == A_STATES.index("negative")) & (np.asarray(B_ROLES)[b] == "positive"))
    gaze = np.where(at_her, 0, np.where(pursued, 2, 1))
    comfort = (a == A_STATES.index("away")) & (level == 2)
    return Trace(dt=dt, phase=phase, infant=a, caregiver=b, arousal=level, gaze=gaze, comfort=comfort)


def run_layout(p: Mapping[str, np.ndarray], layout: Layout, *, steps: int, dt: float, rng: np.random.Generator,
               start_a: np.ndarray, start_b: np.ndarray, forced_b: np.ndarray | None = None,
               start_level: np.ndarray | None = None,
               on_step: Callable[[], None] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate ``steps`` steps of dyads in any scheme's states, with the transition function of the likelihood.

    Each step draws, for every dyad at once, his arousal and state from
    :func:`~attunement.model.transition.arousal_transition` and
    :func:`~attunement.model.transition.a_transition`, and her state from
    :func:`~attunement.model.transition.b_transition`, at the rows of the
    current states; each partner responds to the other's state at the step
    before. ``forced_b`` (dyads × steps, -1 where free) holds her to a state
    where a protocol does (the still-face).

    Returns
    -------
    a, b, level : int arrays (dyads, steps)
        His state, her state, his arousal level.
    """
    n = len(start_a)
    a = np.zeros((n, steps), dtype=np.int64)
    b = np.zeros((n, steps), dtype=np.int64)
    level = np.zeros((n, steps), dtype=np.int64)
    rows = np.arange(n)
    a[:, 0], b[:, 0] = start_a, start_b
    if forced_b is not None:
        b[:, 0] = np.where(forced_b[:, 0] >= 0, forced_b[:, 0], b[:, 0])
    level[:, 0] = (_sample(np.broadcast_to(INITIAL_AROUSAL, (n, 3)), rng) if start_level is None else start_level)
    tau_a = np.full(n, dt)
    tau_b = np.full(n, dt)
    changed_a = np.zeros(n)
    changed_b = np.zeros(n)
    last_a = np.zeros((n, layout.ka))
    last_b = np.zeros((n, layout.kb))
    for t in range(1, steps):
        ka, kb, lv = a[:, t - 1], b[:, t - 1], level[:, t - 1]
        # the rows of the likelihood's transition matrices at the current states (transition.py)
        log_h, logits = a_hazards(p, layout, tau=tau_a, last=last_a, partner=kb, partner_changed=changed_b)
        a[:, t] = _sample(switch_row(log_h[rows, lv, ka], logits[rows, lv], ka, dt), rng)
        up, down = arousal_rates(p, layout, partner=kb, partner_tau=tau_b, partner_changed=changed_b)
        p_up, p_down = arousal_moves(up[rows, ka], down[rows, ka], lv, dt)
        u = rng.random(n)
        level[:, t] = lv + (u < p_up) - ((u >= p_up) & (u < p_up + p_down))
        log_h, logits = b_hazards(p, layout, tau=tau_b, last=last_b, partner=ka, partner_changed=changed_a)
        b[:, t] = _sample(switch_row(log_h[rows, kb], logits, kb, dt), rng)
        if forced_b is not None:
            b[:, t] = np.where(forced_b[:, t] >= 0, forced_b[:, t], b[:, t])
        changed_a = (a[:, t] != ka).astype(float)
        changed_b = (b[:, t] != kb).astype(float)
        done_a, done_b = changed_a > 0, changed_b > 0
        last_a[rows[done_a], ka[done_a]] = tau_a[done_a]
        last_b[rows[done_b], kb[done_b]] = tau_b[done_b]
        tau_a = np.where(changed_a > 0, dt, tau_a + dt)
        tau_b = np.where(changed_b > 0, dt, tau_b + dt)
        if on_step is not None:
            on_step()
    return a, b, level


class _Percent:
    """Turns ``total`` calls into whole percentage points (``share`` of them in all) passed to ``report``."""

    def __init__(self, report: Callable[[int], None] | None, total: int, *, share: int) -> None:
        self.report, self.total, self.share = report, max(total, 1), share
        self.calls = 0
        self.reported = 0

    def __call__(self) -> None:
        self.calls += 1
        due = self.share * self.calls // self.total
        if due > self.reported and self.report is not None:
            self.report(due - self.reported)
            self.reported = due


def _assemble(presets: list[Preset], dyads: int, seed: int, p: dict[str, np.ndarray], trace: Trace,
              protocol: Protocol, *, scheme: Scheme, coder_noise: float, noise_unit: str,
              rng: np.random.Generator) -> Simulation:
    ids = [f"{pr.name}-{seed}-{i:04d}" for pr in presets for i in range(dyads)]
    names = [pr.name for pr in presets for _ in range(dyads)]
    true_infant = infant_codes(trace.infant, trace.arousal)
    true_caregiver = caregiver_codes(trace.caregiver)
    coded_infant = add_coder_noise(true_infant, partner="infant", probability=coder_noise, unit=noise_unit, rng=rng)
    coded_caregiver = add_coder_noise(true_caregiver, partner="caregiver", probability=coder_noise,
                                      unit=noise_unit, rng=rng)
    metadata = [{"tool": "attunement.model", "source": f"simulated:{name}", "preset": name, "group": name,
                 "protocol": protocol.name, "seed": seed, "coder_noise": coder_noise} for name in names]
    sessions = to_sessions(ids, infant=coded_infant, caregiver=coded_caregiver, trace=trace, protocol=protocol,
                           metadata=metadata)
    truth = truth_table(ids, infant=true_infant, caregiver=true_caregiver, trace=trace, protocol=protocol,
                        scheme=scheme)
    dyad_table = pd.DataFrame({"session": ids, "preset": names, **{k: p[k] for k in DYAD}})
    states = {"arousal": trace.arousal, "infant_mode": trace.infant, "caregiver_mode": trace.caregiver,
              "infant_code": true_infant, "caregiver_code": true_caregiver, "gaze": trace.gaze,
              "self_comfort": trace.comfort}
    return Simulation(sessions=sessions, truth=truth, dyads=dyad_table, params=p, states=states, dt=trace.dt,
                      protocol=protocol)
