"""The observation layer: the simulated states as ICEP-R codes, gaze and self-comfort tiers, coder noise, truth.

Coding rules (one per step of ``dt`` seconds; consecutive equal codes are
merged into one interval, and intervals are cut at episode boundaries):

==================  =================================================================
model state         ICEP-R code (``engagement`` tier)
==================  =================================================================
infant positive     ``Ipos`` — smile and gaze at her face
infant monitor      ``Ineu`` — looking, neutral or interested
infant away         ``Inon`` — object or environment
infant negative     ``Ipro`` for a bout that starts over-aroused (protest: fuss, cry,
                    push), else ``Ineg`` (negative engagement: wary, fussy)
caregiver positive  ``Cpos`` — smiles, laughter, play face
caregiver vocal     ``Cpvc`` — positive vocalisation (both have the role positive)
caregiver watching  ``Cneu``
caregiver intrusive ``Cint``
caregiver disengaged ``Cnon``
==================  =================================================================

The infant's ``gaze`` tier holds ``face`` while he looks at her (positive or
monitor, or protesting while she plays with him: he fusses at her), ``away``
otherwise and ``further`` while he looks away and she pursues; his
``self-comfort`` tier holds ``suck`` while he looks away over-aroused.

Coder noise (``coder_noise`` = p): with ``noise_unit="bout"`` each bout of
a code (a maximal run of one latent code) is, with probability p, coded as
one of its neighbours (chosen uniformly; ``INFANT_NEIGHBOURS`` /
``CAREGIVER_NEIGHBOURS``: adjacent phases a coder may confuse) for its whole
length; with ``noise_unit="step"`` every step is misclassified independently
with probability p. The gaze and self-comfort tiers are not perturbed.

Ground truth: the mismatch episodes of the noise-free codes under the scheme's
match set (ICEP-R by default), with the same definitions as
:mod:`attunement.measures.rupture_repair` computed on the step grid, so that
:func:`attunement.analyze` on noise-free codes must find exactly them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..schemes import Scheme
from ..session import Episode, Session, Signal, Tier
from .protocols import Protocol

__all__ = ["Trace", "INFANT_CODES", "CAREGIVER_CODES", "GAZE_CODES", "infant_codes", "caregiver_codes",
           "add_coder_noise", "to_sessions", "truth_table", "TRUTH_COLUMNS", "A_STATES", "B_STATES", "B_ROLES"]

INFANT_CODES = np.array(["Ipos", "Ineu", "Inon", "Ineg", "Ipro", "Iwit"], dtype=object)
CAREGIVER_CODES = np.array(["Cpos", "Cpvc", "Cneu", "Cint", "Cnon", "Cwit"], dtype=object)
GAZE_CODES = np.array(["face", "away", "further"], dtype=object)
INFANT_NEIGHBOURS = {"Ipos": ["Ineu"], "Ineu": ["Ipos", "Inon", "Ineg"], "Inon": ["Ineu", "Ineg"],
                     "Ineg": ["Inon", "Ineu", "Ipro"], "Ipro": ["Ineg"], "Iwit": ["Inon", "Ineg"]}
CAREGIVER_NEIGHBOURS = {"Cpos": ["Cpvc"], "Cpvc": ["Cpos", "Cneu"], "Cneu": ["Cpvc", "Cnon"],
                        "Cint": ["Cpvc", "Cpos"], "Cnon": ["Cneu", "Cwit"], "Cwit": ["Cnon", "Cneu"]}
TRUTH_COLUMNS = ["session", "episode", "onset_s", "offset_s", "duration_s", "repaired", "led_by"]
I_POS, I_NEU, I_NON, I_NEG, I_PRO, I_WIT = range(6)
C_POS, C_PVC, C_NEU, C_INT, C_NON, C_WIT = range(6)
#: Model states of the simulator, in order (roles of :mod:`attunement.model.roles`).
A_STATES = ("positive", "monitor", "away", "negative")
B_STATES = ("positive", "vocal", "watching", "intrusive", "disengaged")
B_ROLES = ("positive", "positive", "watching", "intrusive", "disengaged")


@dataclass(frozen=True)
class Trace:
    """The simulated latent and true states of every dyad (arrays dyads × steps)."""

    dt: float
    phase: np.ndarray     # (steps,) index of the protocol phase
    infant: np.ndarray    # his model state (A_STATES)
    caregiver: np.ndarray  # her model state (B_STATES)
    arousal: np.ndarray   # his arousal level 0-2
    gaze: np.ndarray      # GAZE_CODES index
    comfort: np.ndarray   # bool: self-comfort


def infant_codes(state: np.ndarray, arousal: np.ndarray) -> np.ndarray:
    """ICEP-R infant code indices (into INFANT_CODES) of his states; a negative bout is Ipro if it starts over-aroused."""
    codes = np.array([I_POS, I_NEU, I_NON, I_NEG], dtype=np.int8)[state]
    n, steps = state.shape
    start = np.ones((n, steps), bool)
    start[:, 1:] = state[:, 1:] != state[:, :-1]
    bout = np.cumsum(start.ravel()) - 1
    first = np.flatnonzero(start.ravel())
    protest = (arousal.ravel()[first] == 2)[bout].reshape(n, steps)
    codes[(state == 3) & protest] = I_PRO
    return codes


def caregiver_codes(state: np.ndarray) -> np.ndarray:
    """ICEP-R caregiver code indices (into CAREGIVER_CODES) of her states."""
    return np.array([C_POS, C_PVC, C_NEU, C_INT, C_NON], dtype=np.int8)[state]


def _neighbour_table(codes: np.ndarray, neighbours: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray]:
    index = {c: i for i, c in enumerate(codes)}
    width = max(len(v) for v in neighbours.values())
    table = np.zeros((len(codes), width), np.int8)
    count = np.zeros(len(codes), np.int64)
    for code, near in neighbours.items():
        table[index[code], :len(near)] = [index[c] for c in near]
        count[index[code]] = len(near)
    return table, count


def add_coder_noise(codes: np.ndarray, *, partner: str, probability: float, unit: str,
                    rng: np.random.Generator) -> np.ndarray:
    """Misclassify codes as a coder might (see the module docstring). Returns a new array."""
    if not 0.0 <= probability <= 1.0:
        raise AttunementError(f"coder_noise must be a probability between 0 and 1, got {probability}.")
    if unit not in ("bout", "step"):
        raise AttunementError(f"noise_unit must be 'bout' or 'step', got {unit!r}.")
    if probability == 0.0:
        return codes.copy()
    names, near = ((INFANT_CODES, INFANT_NEIGHBOURS) if partner == "infant"
                   else (CAREGIVER_CODES, CAREGIVER_NEIGHBOURS))
    table, count = _neighbour_table(names, near)
    n, steps = codes.shape
    if unit == "step":
        flip = rng.random((n, steps)) < probability
        pick = rng.random((n, steps))
    else:
        start = np.ones((n, steps), bool)
        start[:, 1:] = codes[:, 1:] != codes[:, :-1]
        bout = np.cumsum(start.ravel()) - 1  # bout number of every step
        n_bouts = int(bout[-1]) + 1
        flip = (rng.random(n_bouts) < probability)[bout].reshape(n, steps)
        pick = rng.random(n_bouts)[bout].reshape(n, steps)
    choice = (pick * count[codes]).astype(np.int64)
    noisy = table[codes, choice]
    return np.where(flip, noisy, codes).astype(np.int8)


def _runs(codes: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, ...]:
    """Maximal runs of equal codes per row, cut at ``breaks`` (steps that start a new phase)."""
    n, steps = codes.shape
    change = np.ones((n, steps), bool)
    change[:, 1:] = codes[:, 1:] != codes[:, :-1]
    change[:, breaks] = True
    flat = np.flatnonzero(change)
    dyad, start = flat // steps, flat % steps
    end = np.full(len(start), steps)
    same = dyad[1:] == dyad[:-1]
    end[:-1] = np.where(same, start[1:], steps)
    return dyad, start, end, codes[dyad, start]


def _phase_breaks(phase: np.ndarray) -> np.ndarray:
    breaks = np.zeros(len(phase), bool)
    breaks[1:] = phase[1:] != phase[:-1]
    return breaks


def to_sessions(ids: Sequence[str], *, infant: np.ndarray, caregiver: np.ndarray, trace: Trace,
                protocol: Protocol, metadata: Sequence[dict]) -> list[Session]:
    """Build one Session per dyad from code arrays (dyads × steps) and the trace's gaze, comfort and arousal."""
    dt = trace.dt
    breaks = _phase_breaks(trace.phase)
    n = len(ids)
    tiers: list[dict] = [{} for _ in range(n)]
    comfort = np.where(trace.comfort, 0, -1).astype(np.int8)
    specs = [(("infant", "engagement"), infant, INFANT_CODES),
             (("caregiver", "engagement"), caregiver, CAREGIVER_CODES),
             (("infant", "gaze"), trace.gaze, GAZE_CODES),
             (("infant", "self-comfort"), comfort, np.array(["suck"], dtype=object))]
    for key, codes, names in specs:
        dyad, start, end, code = _runs(codes, breaks)
        keep = code >= 0
        dyad, start, end, code = dyad[keep], start[keep], end[keep], code[keep]
        bounds = np.searchsorted(dyad, np.arange(n + 1))
        labels = names[np.maximum(code, 0)]
        onset, offset = start * dt, end * dt
        for d in range(n):
            lo, hi = bounds[d], bounds[d + 1]
            tiers[d][key] = Tier(labels[lo:hi], onset[lo:hi], offset[lo:hi])
    episodes: tuple[Episode, ...] = ()
    if protocol.episodes:
        t = 0.0
        eps = []
        for ph in protocol.phases:
            steps = int(round(ph.seconds / dt))
            eps.append(Episode(ph.name, t, t + steps * dt))
            t += steps * dt
        episodes = tuple(eps)
    rate = 1.0 / dt
    return [Session(id=ids[d], tiers=tiers[d], episodes=episodes,
                    signals={("infant", "arousal"): Signal(trace.arousal[d].astype(np.float64), rate, 0.0)},
                    metadata=metadata[d]) for d in range(n)]


def truth_table(ids: Sequence[str], *, infant: np.ndarray, caregiver: np.ndarray, trace: Trace,
                protocol: Protocol, scheme: Scheme) -> pd.DataFrame:
    """The true mismatch episodes of the latent codes (columns TRUTH_COLUMNS).

    ``led_by`` is the partner whose scheme *state* changed at the repair
    (``joint`` for both, empty when not repaired), as in
    :mod:`attunement.measures.rupture_repair`.
    """
    a, b = scheme.partners
    state_names = {pt: scheme.state_names(pt) for pt in (a, b)}
    lut = {}
    for partner, names in (("infant", INFANT_CODES), ("caregiver", CAREGIVER_CODES)):
        index = {s: i for i, s in enumerate(state_names[partner])}
        lut[partner] = np.array([index[scheme.states[partner][c]] for c in names], dtype=np.int64)
    sa, sb = lut["infant"][infant], lut["caregiver"][caregiver]
    match = np.array([[scheme.is_match(x, y) for y in state_names["caregiver"]]
                      for x in state_names["infant"]])
    matched = match[sa, sb].astype(np.int8)
    breaks = _phase_breaks(trace.phase)
    dyad, start, end, status = _runs(matched, breaks)
    steps = matched.shape[1]
    mism = status == 0
    dyad, start, end = dyad[mism], start[mism], end[mism]
    inside = end < steps
    nxt = np.minimum(end, steps - 1)
    repaired = inside & ~breaks[nxt] & (matched[dyad, nxt] == 1)
    prev = np.maximum(end - 1, 0)
    changed_a = sa[dyad, nxt] != sa[dyad, prev]
    changed_b = sb[dyad, nxt] != sb[dyad, prev]
    led = np.where(changed_a & changed_b, "joint", np.where(changed_a, "infant", "caregiver")).astype(object)
    led[~repaired] = ""
    names = np.array([ph.name for ph in protocol.phases] if protocol.episodes else ["all"], dtype=object)
    episode = names[trace.phase[start]] if protocol.episodes else np.full(len(start), "all", dtype=object)
    dt = trace.dt
    return pd.DataFrame({"session": np.asarray(ids, dtype=object)[dyad], "episode": episode,
                         "onset_s": start * dt, "offset_s": end * dt, "duration_s": (end - start) * dt,
                         "repaired": repaired, "led_by": led}, columns=TRUTH_COLUMNS)
