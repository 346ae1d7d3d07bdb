"""A stochastic model of mutual regulation between an infant and a caregiver.

Tronick's Mutual Regulation Model (Tronick 1989; Gianino & Tronick 1988) as a
coupled, input-driven switching model at a 0.25 s step (MODEL.md): a
continuous infant arousal driven by the caregiver's stimulation that reaches
him, by unanswered bids and by his own self-comfort; infant modes that switch
with arousal (aversion above θ_high, re-engagement below θ_low); a caregiver
policy with readable parameters (sensitivity, patience, intrusiveness, warmth,
emotional interference, responsiveness); an observation layer that codes the
latent states in ICEP-R; and a slow layer in which the infant's expectation
that ruptures get repaired is learned across sessions.

Public names:

- :func:`simulate` — coded Sessions of many dyads (vectorised), with ground truth;
- :func:`develop` — a development run over many sessions, updating the
  infant's expectation of repair;
- :data:`PRESETS`, :func:`get_preset`, :func:`with_contingency` — dyad types;
- :class:`Preset`, :class:`InfantParams`, :class:`CaregiverParams` — parameters;
- :func:`still_face`, :func:`free_play` — protocols.

The equations are in :mod:`attunement.model.dynamics` (fast layer),
:mod:`attunement.model.observation` (coding) and
:mod:`attunement.model.development` (slow layer), and in ``docs/model.md``.

Examples
--------
>>> from attunement.model import simulate
>>> sim = simulate("intrusive", seconds=60, dyads=3, seed=7)
>>> len(sim.sessions), sim.sessions[0].id
(3, 'intrusive-7-0000')
"""

from .development import develop
from .params import PARAMETERS, Parameter
from .presets import PRESETS, Preset, get_preset, with_contingency
from .protocols import Protocol, free_play, still_face
from .simulate import Simulation, simulate

__all__ = ["simulate", "Simulation", "develop", "PRESETS", "get_preset", "with_contingency", "Preset",
           "PARAMETERS", "Parameter", "Protocol", "free_play", "still_face"]
