"""A stochastic model of mutual regulation between an infant and a caregiver, for simulating and fitting.

Tronick's Mutual Regulation Model (Tronick 1989; Gianino & Tronick 1988) as
one model family on a time grid of ``dt`` seconds: each partner's coded state
(through the scheme's roles), a small latent arousal of the infant (calm,
alert, over-aroused) driven by what the caregiver does, switching hazards with
self-contingency (own state and time in it) and interactive contingency (the
partner's state and recent change), and an observation layer that codes the
states in ICEP-R. The same transition function drives the simulator and the
forward-algorithm likelihood, so a fitted dyad can be simulated again.

Public names:

- :func:`simulate` — coded Sessions of many dyads (vectorised), with ground
  truth and each dyad's own parameter values;
- :func:`develop` — a development run over many sessions, updating the
  infant's expectation of repair;
- :data:`PRESETS`, :func:`get_preset`, :func:`with_contingency`,
  :class:`Preset` — populations of dyads;
- :data:`PARAMETERS`, :class:`Parameter` — the named parameters, with their
  meanings, priors and sources;
- :func:`still_face`, :func:`free_play`, :class:`Protocol` — protocols;
- :func:`fit`, :class:`Fit` — per-dyad and population estimates from coded
  sessions (empirical Bayes; needs the ``fit`` extra, JAX);
- :func:`what_if` — a fitted dyad's counterfactual ("what if she had waited");
  posterior predictive checks are :func:`attunement.model.predictive.check`.

The equations are in :mod:`attunement.model.transition` (one step of the
dyad), :mod:`attunement.model.likelihood` (the forward algorithm),
:mod:`attunement.model.observation` (coding) and
:mod:`attunement.model.development` (the slow layer), and in ``docs/model.md``.

Examples
--------
>>> from attunement.model import simulate
>>> sim = simulate("intrusive", seconds=60, dyads=3, seed=7)
>>> len(sim.sessions), sim.sessions[0].id
(3, 'intrusive-7-0000')
"""

from .development import develop
from .fit import Fit, fit
from .params import PARAMETERS, Parameter
from .predictive import what_if
from .presets import PRESETS, Preset, get_preset, with_contingency
from .protocols import Protocol, free_play, still_face
from .simulate import Simulation, simulate

__all__ = ["simulate", "Simulation", "develop", "fit", "Fit", "what_if", "PRESETS", "get_preset", "with_contingency", "Preset",
           "PARAMETERS", "Parameter", "Protocol", "free_play", "still_face"]
