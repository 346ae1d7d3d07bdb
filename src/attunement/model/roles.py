"""Model roles: what each of a scheme's states means to the model's equations.

The model is written for two partners, A (the infant, or the client: the
partner with a latent regulation state) and B (the caregiver, or the
therapist). Its equations never name a code or a scheme state; they name a
*role*, and every state of the scheme being fitted has one:

=============  ========================================================================
A's roles      meaning
=============  ========================================================================
``positive``   looks at the partner with positive affect (ICEP-R Ipos; social play)
``monitor``    looks at the partner, neutral or interested (Ineu; looking)
``away``       looks away: objects, environment, self-comfort (Inon; not looking)
``negative``   protest, fuss, cry, withdrawn (Ineg, Ipro, Iwit)
=============  ========================================================================

=============  ========================================================================
B's roles      meaning
=============  ========================================================================
``positive``   smiles, plays, speaks warmly to A (Cpos; Cpvc as ``vocal``): stimulation
``watching``   looks at A with a quiet, neutral face: waits (Cneu; looking)
``intrusive``  too close, too loud, pursues into A's line of sight (Cint)
``disengaged`` not focused on A, withdrawn, flat or hostile (Cnon, Cwit, Cneg, Chos)
=============  ========================================================================

Several states may share a role (each stays its own category, with its own
base rate). State names the model knows are mapped by :data:`KNOWN`; other
names are given with ``roles={partner: {state: role}}`` (``--role`` on the
command line).

Examples
--------
>>> from attunement.schemes import load_scheme
>>> r = roles_for(load_scheme("mutual-gaze"))
>>> r.a, r.b
(('monitor', 'away'), ('watching', 'disengaged'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import AttunementError
from ..schemes import Scheme
from ..schemes._codes import did_you_mean

__all__ = ["ROLES_A", "ROLES_B", "KNOWN", "Roles", "roles_for"]

ROLES_A = ("positive", "monitor", "away", "negative")
ROLES_B = ("positive", "watching", "intrusive", "disengaged")

#: The role of each state name the model knows, for partner A and partner B.
KNOWN: dict[str, dict[str, str]] = {
    "a": {"positive": "positive", "social-play": "positive", "monitor": "monitor", "neutral": "monitor",
          "looking": "monitor", "social-attend": "monitor", "away": "away", "object": "away",
          "object-attend": "away", "negative": "negative", "protest": "negative", "withdrawn": "negative"},
    "b": {"positive": "positive", "vocal": "positive", "social-play": "positive", "watching": "watching", "neutral": "watching",
          "looking": "watching", "social-attend": "watching", "intrusive": "intrusive",
          "disengaged": "disengaged", "away": "disengaged", "object-attend": "disengaged",
          "negative": "disengaged", "withdrawn": "disengaged"},
}


@dataclass(frozen=True)
class Roles:
    """The role of each state of partner A (``a``) and partner B (``b``), in the scheme's state order."""

    a: tuple[str, ...]
    b: tuple[str, ...]

    def of_a(self, role: str) -> np.ndarray:
        """Indicator (float) over A's states of one role."""
        return np.array([r == role for r in self.a], dtype=float)

    def of_b(self, role: str) -> np.ndarray:
        return np.array([r == role for r in self.b], dtype=float)

    @property
    def looking(self) -> np.ndarray:
        """1 for A's states that look at the partner (positive, monitor)."""
        return np.array([r in ("positive", "monitor") for r in self.a], dtype=float)


def roles_for(scheme: Scheme, roles: Mapping[str, Mapping[str, str]] | None = None) -> Roles:
    """The model role of every state of the scheme's two partners.

    Raises
    ------
    AttunementError
        When a state has no known role and none is given, or a given role is not one of the model's.
    """
    given = {p: dict(m) for p, m in (roles or {}).items()}
    for partner in given:
        if partner not in scheme.partners:
            raise AttunementError(f"roles are given for partner {partner!r}, which scheme {scheme.name!r} does "
                                  f"not have (it has {', '.join(scheme.partners)}).")
    out = []
    for side, partner, vocabulary in (("a", scheme.partners[0], ROLES_A), ("b", scheme.partners[1], ROLES_B)):
        mine = []
        for state in scheme.state_names(partner):
            role = given.get(partner, {}).get(state, KNOWN[side].get(state))
            if role is None or role not in vocabulary:
                what = f"role {role!r} is not one of the model's" if role else "has no model role"
                raise AttunementError(
                    f"scheme {scheme.name!r}: state {state!r} of partner {partner!r} {what}.{did_you_mean(state, list(KNOWN[side]))} "
                    f"Give it one with --role {partner}:{state}=ROLE (roles of {partner}: {', '.join(vocabulary)}).")
            mine.append(role)
        out.append(tuple(mine))
    return Roles(*out)
