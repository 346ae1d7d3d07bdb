r"""The slow layer: the infant's expectation that ruptures get repaired, learned over sessions.

After each session n the infant's expectation of repair moves towards what he
experienced (MODEL.md; a delta rule):

.. math::

   r(n+1) = r(n) + \eta\,\bigl(R(n) - r(n)\bigr)

where R(n) is the share of his ruptures of connection in session n that were
repaired within τ seconds (``repair_window_s``, default 5 s). Connection means
he looks at her (smiling or monitoring) while she is with him (smiling,
vocalising or quietly watching); a rupture is its loss, a repair its return.
A session without ruptures leaves r unchanged. r then shifts, in the next
session, how soon he re-engages (θ_low' = θ_low + shift·(r − 0.5)), how long he
keeps bidding when bids go unanswered (persistence e^{−γ u (1 − r)}), and a
disengagement bias b = b_max·(1 − r) (see :mod:`attunement.model.dynamics`).

Each dyad keeps its own parameters (individual differences) across sessions;
every session starts afresh (calm, looking at her).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import AttunementError
from .dynamics import INFANT_MODES, run, stack_params
from .params import Preset
from .protocols import Protocol, get_protocol
from .simulate import _check_dt, _presets

__all__ = ["develop", "DEVELOP_COLUMNS"]

DEVELOP_COLUMNS = ["session", "dyad", "preset", "session_number", "expectation_before", "ruptures",
                   "repaired_share", "expectation_after", *[f"prop_{m}" for m in INFANT_MODES],
                   "prop_looking_away"]


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
        (r during the session), ``ruptures``, ``repaired_share`` (R; NaN without
        ruptures), ``expectation_after`` (r(n+1)), and the share of the session
        the infant spent in each mode: ``prop_positive``, ``prop_monitor``,
        ``prop_object``, ``prop_averted``, ``prop_protest``, ``prop_withdrawn``,
        ``prop_looking_away`` (any mode but positive and monitor: his gaze is off her face).

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
    rng = np.random.default_rng(seed)
    p = stack_params(presets, [int(dyads)] * len(presets), rng)
    dyad_ids = np.array([f"{pr.name}-{seed}-{i:04d}" for pr in presets for i in range(dyads)], dtype=object)
    names = np.array([pr.name for pr in presets for _ in range(dyads)], dtype=object)
    r = p.i_expectation.copy()
    eta = p.i_learning_rate
    parts = []
    for number in range(1, sessions + 1):
        trace = run(p, chosen, dt=dt, rng=rng, expectation=r, record=False)
        share = trace.repaired_share
        after = np.where(np.isnan(share), r, r + eta * (np.nan_to_num(share) - r))
        props = trace.mode_steps / trace.mode_steps.sum(axis=1, keepdims=True)
        part = {"session": np.array([f"{d}-{number:03d}" for d in dyad_ids], dtype=object), "dyad": dyad_ids,
                "preset": names, "session_number": np.full(p.n, number), "expectation_before": r,
                "ruptures": trace.ruptures.astype(int), "repaired_share": share, "expectation_after": after}
        for k, mode in enumerate(INFANT_MODES):
            part[f"prop_{mode}"] = props[:, k]
        part["prop_looking_away"] = 1.0 - props[:, 0] - props[:, 1]
        parts.append(pd.DataFrame(part, columns=DEVELOP_COLUMNS))
        r = after
    return pd.concat(parts, ignore_index=True)
