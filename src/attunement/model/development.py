r"""The slow layer: the infant's expectation that ruptures get repaired, learned over sessions.

After each session n the infant's expectation of repair moves towards what he
experienced (MODEL.md; a delta rule):

.. math::

   r(n+1) = r(n) + \eta\,\bigl(R(n) - r(n)\bigr)

where R(n) is the share of the session's mismatch episodes (ICEP-R matching,
from the simulated codes) that were repaired within τ = ``REPAIR_WINDOW_S``
seconds *by both of them*: both partners changed what they did between the
rupture and the repair (Tronick 1989; Gianino & Tronick 1988: repair is a
mutual accomplishment, and the infant's experience of it builds his sense of
being effective and of her being reliable). A partner who does not answer
leaves him to repair alone, or not at all; one who repairs every mismatch at
once, before he can move, leaves him no part in it — the mid-range contingency
of Jaffe et al. (2001) and Beebe et al. (2010) follows from this and the fast
layer, with no rule of its own. A session without mismatches leaves r unchanged. In the next session
r shifts two of his own parameters by

.. math::

   \Delta = s\,\bigl(\operatorname{logit} r - \operatorname{logit} R_\text{typical}\bigr)

(:func:`security_shift`, s = ``SECURITY_SHIFT``): how soon he looks back after
looking away (``a_return``) and how readily he smiles (``a_positivity``) — the
security of Tronick (1989) and Gianino & Tronick (1988): infants whose ruptures
are repaired turn back to the partner sooner and engage more positively.
R_typical (``TYPICAL_REPAIR``) is the share a dyad of the typical population
experiences in its first session, and r starts there: the typical population's
calibrated parameters are those of an infant with a typical history of repair,
so he keeps them, and only a history better or worse than typical moves him.
The shift is on the log-odds scale because r enters log-hazards and because
mutual repair within τ is rare (about one mismatch in eight), so that a
difference between 5 % and 10 % matters as much as one between 50 % and 67 %.
Security is then judged on what a coder would see in later sessions (his
positive share, how long mismatches last), not on r.

Each dyad keeps its own parameters across sessions (individual differences);
every session starts afresh.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..schemes import load_scheme
from .observation import A_STATES, caregiver_codes, infant_codes, truth_table
from .params import PARAMETERS
from .presets import Preset
from .protocols import Protocol, get_protocol
from .simulate import _check_dt, _presets, run

__all__ = ["develop", "security_shift", "DEVELOP_COLUMNS", "LEARNING_RATE", "REPAIR_WINDOW_S", "SECURITY_SHIFT",
           "TYPICAL_REPAIR"]

#: η: how far one session's experience moves his expectation of repair.
LEARNING_RATE = 0.2
#: τ: a mismatch repaired within this many seconds counts as repaired (Tronick & Cohn 1989 report repair
#: within a few seconds; Müller et al. 2022 use latency to repair).
REPAIR_WINDOW_S = 5.0
#: How far a_return and a_positivity move per unit of log-odds of r away from the typical experience.
SECURITY_SHIFT = 1.0
#: R_typical: the mean share of mismatches repaired by both within τ in a first free-play session (120 s) of
#: the typical population (2,000 simulated dyads, seed 0; recomputed by tests/model/test_model.py).
TYPICAL_REPAIR = 0.147


def security_shift(r: np.ndarray | float) -> np.ndarray:
    """How far an expectation of repair ``r`` moves a_return and a_positivity (log-hazard / log-odds units).

    0 at the typical population's experience (:data:`TYPICAL_REPAIR`); ``SECURITY_SHIFT`` per unit of
    log-odds above or below it (r clipped to 0.01–0.99).
    """
    r = np.clip(np.asarray(r, dtype=float), 0.01, 0.99)
    return SECURITY_SHIFT * (np.log(r / (1 - r)) - np.log(TYPICAL_REPAIR / (1 - TYPICAL_REPAIR)))

DEVELOP_COLUMNS = ["session", "dyad", "preset", "session_number", "expectation_before", "mismatches",
                   "repaired_share", "expectation_after", *[f"prop_{m}" for m in A_STATES],
                   "prop_looking_away", "latency_median_s"]


def _both_moved(truth: pd.DataFrame, ids: list[str], trace) -> np.ndarray:
    """Whether both partners changed state between each mismatch episode's start (excluded) and its end."""
    row = pd.Index(ids).get_indexer(truth.session)
    start = np.round(truth.onset_s.to_numpy() / trace.dt).astype(int)
    end = np.minimum(np.round(truth.offset_s.to_numpy() / trace.dt).astype(int), trace.infant.shape[1] - 1)
    moved = []
    for states in (trace.infant, trace.caregiver):
        change = np.zeros(states.shape, dtype=np.int64)
        change[:, 1:] = states[:, 1:] != states[:, :-1]
        count = np.cumsum(change, axis=1)
        moved.append(count[row, end] - count[row, start] > 0)
    return moved[0] & moved[1]


def develop(
    preset: str | Preset | Sequence[str | Preset] = "typical",
    *,
    sessions: int = 50,
    dyads: int = 200,
    seconds: float | None = 120.0,
    protocol: str | Protocol | None = None,
    seed: int = 0,
    dt: float = 0.25,
) -> pd.DataFrame:
    """Run each dyad through ``sessions`` sessions, updating his expectation of repair after each.

    Parameters
    ----------
    preset : str, Preset or sequence of them
        Dyad type(s); ``dyads`` dyads each, all run together.
    sessions : int
        Number of sessions per dyad.
    dyads : int
        Dyads per preset.
    seconds : float
        Length of each session (free play), or of each episode of another protocol.
    protocol : {None, "free-play", "still-face"} or Protocol
        The protocol of every session (default free play).
    seed : int
    dt : float

    Returns
    -------
    DataFrame
        One row per dyad and session: ``session`` (``f"{preset}-{seed}-{i:04d}-{n:03d}"``),
        ``dyad``, ``preset``, ``session_number`` (1 …), ``expectation_before``
        (r during the session), ``mismatches`` (mismatch episodes outside a
        still-face), ``repaired_share`` (R; NaN without mismatches),
        ``expectation_after`` (r(n+1)), the share of the session the infant
        spent in each state (``prop_positive``, ``prop_monitor``, ``prop_away``,
        ``prop_negative``), ``prop_looking_away`` (away or negative: his gaze
        is off her face) and ``latency_median_s`` (median latency to repair).

    Raises
    ------
    AttunementError
        For a bad preset, protocol, ``sessions`` or ``dyads``.

    Notes
    -----
    The learning rule is the delta rule of MODEL.md; the mechanism by which
    chronic mis-attunement lowers r and raises disengagement follows Tronick
    (1989) and Gianino & Tronick (1988).

    Examples
    --------
    >>> table = develop("attuned", sessions=3, dyads=4, seconds=30, seed=2)
    >>> table.shape[0], int(table.session_number.max())
    (12, 3)
    >>> bool((table.expectation_after.between(0, 1)).all())
    True
    """
    presets = _presets(preset)
    chosen = get_protocol(protocol, seconds=seconds)
    _check_dt(dt, chosen)
    for name, value in (("sessions", sessions), ("dyads", dyads)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise AttunementError(f"{name} must be a whole number ≥ 1, got {value!r}.")
    scheme = load_scheme("icep-r")
    rng = np.random.default_rng(seed)
    draws = [pr.draw(int(dyads), rng) for pr in presets]
    p = {name: np.concatenate([d[name] for d in draws]) for name in PARAMETERS}
    n = len(p["a_return"])
    dyad_ids = np.array([f"{pr.name}-{seed}-{i:04d}" for pr in presets for i in range(dyads)], dtype=object)
    names = np.array([pr.name for pr in presets for _ in range(dyads)], dtype=object)
    r = np.full(n, TYPICAL_REPAIR)
    parts = []
    for number in range(1, sessions + 1):
        shift = security_shift(r)
        trace = run({**p, "a_return": p["a_return"] + shift, "a_positivity": p["a_positivity"] + shift},
                    chosen, dt=dt, rng=rng)
        ids = [f"{d}-{number:03d}" for d in dyad_ids]
        truth = truth_table(ids, infant=infant_codes(trace.infant, trace.arousal),
                            caregiver=caregiver_codes(trace.caregiver), trace=trace, protocol=chosen,
                            scheme=scheme)
        truth = truth[truth.episode != "still-face"]
        truth = truth.assign(quick=truth.repaired & (truth.duration_s <= REPAIR_WINDOW_S)
                             & _both_moved(truth, ids, trace))
        by = truth.groupby("session", sort=False)
        count = by.size().reindex(ids).fillna(0).to_numpy()
        share = by.quick.mean().reindex(ids).to_numpy(dtype=float)
        latency = truth[truth.repaired].groupby("session").duration_s.median().reindex(ids).to_numpy(dtype=float)
        after = np.where(np.isnan(share), r, r + LEARNING_RATE * (np.nan_to_num(share) - r))
        props = np.stack([(trace.infant == k).mean(axis=1) for k in range(len(A_STATES))], axis=1)
        part = {"session": np.array(ids, dtype=object), "dyad": dyad_ids, "preset": names,
                "session_number": np.full(n, number), "expectation_before": r, "mismatches": count.astype(int),
                "repaired_share": share, "expectation_after": after}
        for k, state in enumerate(A_STATES):
            part[f"prop_{state}"] = props[:, k]
        part["prop_looking_away"] = 1.0 - props[:, 0] - props[:, 1]
        part["latency_median_s"] = latency
        parts.append(pd.DataFrame(part, columns=DEVELOP_COLUMNS))
        r = after
    return pd.concat(parts, ignore_index=True)
