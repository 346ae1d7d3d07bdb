"""simulate(): run the model for many dyads and return ordinary Sessions with their ground truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..schemes import Scheme, load_scheme
from ..session import Session
from .dynamics import CAREGIVER_MODES, INFANT_MODES, ParamArrays, Trace, run, stack_params
from .observation import (CAREGIVER_CODES, INFANT_CODES, add_coder_noise, caregiver_codes, channels,
                          infant_codes, to_sessions, truth_table)
from .params import Preset
from .presets import get_preset
from .protocols import Protocol, get_protocol

__all__ = ["simulate", "Simulation"]


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
        signal ("infant", "arousal"); metadata ``tool="attunement.model"``,
        ``preset``, ``protocol``, ``seed``, ``group`` (the preset).
    truth : DataFrame
        The true mismatch episodes of the noise-free latent codes:
        ``session, episode, onset_s, offset_s, duration_s, repaired, led_by``.
    dyads : DataFrame
        One row per dyad: ``session, preset, expectation`` (his expectation of
        repair r during the session), ``ruptures`` and ``repaired_share`` (his
        breaks in connection and the share repaired within his window: the
        slow layer's R), ``theta_high``, ``gain_stimulation`` (his own values
        after individual differences).
    states : dict of str to ndarray
        Latent and coded arrays of shape (dyads, steps): ``arousal``, ``unmet``,
        ``stimulation``, ``infant_mode``, ``caregiver_mode`` (indices into
        ``infant_modes``/``caregiver_modes``), ``infant_code``,
        ``caregiver_code`` (noise-free, indices into ``infant_codes``/
        ``caregiver_codes``), ``gaze``, ``self_comfort``, ``face``, ``voice``, ``push``.
    dt : float
        Step in seconds; step t covers [t·dt, (t+1)·dt).
    protocol : Protocol
    """

    sessions: list[Session]
    truth: pd.DataFrame
    dyads: pd.DataFrame
    states: dict[str, np.ndarray]
    dt: float
    protocol: Protocol
    infant_modes: tuple[str, ...] = INFANT_MODES
    caregiver_modes: tuple[str, ...] = CAREGIVER_MODES
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
    expectation: float | np.ndarray | None = None,
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
    expectation : float or array, optional
        The infants' expectation of repair r (default: the preset's).
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
    The model, its equations and sources are in :mod:`attunement.model` and
    ``docs/model.md`` (after Tronick 1989 and MODEL.md).

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
    p = stack_params(presets, [int(dyads)] * len(presets), rng)
    r = p.i_expectation if expectation is None else np.broadcast_to(np.asarray(expectation, float), (p.n,)).copy()
    steps = sum(int(round(ph.seconds / dt)) for ph in chosen.phases)
    tick = _Percent(on_progress, steps, share=90)
    trace = run(p, chosen, dt=dt, rng=rng, expectation=r, record=True, on_step=tick if on_progress else None)
    simulation = _assemble(presets, int(dyads), seed, p, trace, chosen, r, scheme=scheme,
                           coder_noise=coder_noise, noise_unit=noise_unit, rng=rng)
    if on_progress:
        on_progress(100 - tick.reported)
    return simulation


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


def _assemble(presets: list[Preset], dyads: int, seed: int, p: ParamArrays, trace: Trace, protocol: Protocol,
              r: np.ndarray, *, scheme: Scheme, coder_noise: float, noise_unit: str,
              rng: np.random.Generator) -> Simulation:
    ids = [f"{pr.name}-{seed}-{i:04d}" for pr in presets for i in range(dyads)]
    names = [pr.name for pr in presets for _ in range(dyads)]
    true_infant, true_caregiver = infant_codes(trace, p), caregiver_codes(trace)
    coded_infant = add_coder_noise(true_infant, partner="infant", probability=coder_noise, unit=noise_unit, rng=rng)
    coded_caregiver = add_coder_noise(true_caregiver, partner="caregiver", probability=coder_noise,
                                      unit=noise_unit, rng=rng)
    metadata = [{"tool": "attunement.model", "source": f"simulated:{name}", "preset": name, "group": name,
                 "protocol": protocol.name, "seed": seed, "coder_noise": coder_noise} for name in names]
    sessions = to_sessions(ids, infant=coded_infant, caregiver=coded_caregiver, trace=trace, protocol=protocol,
                           metadata=metadata)
    truth = truth_table(ids, infant=true_infant, caregiver=true_caregiver, trace=trace, protocol=protocol,
                        scheme=scheme)
    dyad_table = pd.DataFrame({"session": ids, "preset": names, "expectation": r,
                               "ruptures": trace.ruptures.astype(int), "repaired_share": trace.repaired_share,
                               "theta_high": p.i_theta_high, "gain_stimulation": p.i_gain_stimulation})
    states = {"arousal": trace.arousal, "unmet": trace.unmet, "stimulation": trace.stimulation,
              "infant_mode": trace.infant, "caregiver_mode": trace.caregiver, "infant_code": true_infant,
              "caregiver_code": true_caregiver}
    extra = channels(trace, p)
    states.update({"gaze": trace.gaze, "self_comfort": trace.comfort, "face": extra["face"],
                   "voice": extra["voice"], "push": extra["push"]})
    return Simulation(sessions=sessions, truth=truth, dyads=dyad_table, states=states, dt=trace.dt,
                      protocol=protocol)
