"""Presets: populations of dyads, each a setting of the model's parameters.

A preset gives the population mean of any parameter it changes (the others
keep the typical population's, :data:`attunement.model.params.PARAMETERS`)
and the between-dyad SD of every dyad parameter; :meth:`Preset.draw` draws
each dyad's own values.

- ``typical`` — the population calibrated to published aggregates (docs/model.md).
- ``attuned`` — Tronick's first peek-a-boo scenario: when he looks away she
  sits back and waits (``b_reengage`` low), does not chase (``b_pursuit`` low)
  and repairs readily.
- ``intrusive`` — the second scenario, "chase and dodge" (Beebe & Stern 1977):
  when he looks away she re-engages at once and pursues into his line of sight.
- ``withdrawn`` — a depressed caregiver: often disengaged, little positive
  play, slow to repair.

:func:`with_contingency` makes a caregiver whose reactivity to the infant's
changes (``b_react``) and repair drive (``b_repair``) are set by one level,
everything else typical, for the mid-range contingency question (R2; Jaffe et
al. 2001; Beebe et al. 2010).

Examples
--------
>>> sorted(PRESETS)
['attuned', 'intrusive', 'typical', 'withdrawn']
>>> draw = get_preset("intrusive").draw(3, np.random.default_rng(0))
>>> draw["b_pursuit"].shape
(3,)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import AttunementError
from .params import DYAD, PARAMETERS, as_arrays

__all__ = ["Preset", "PRESETS", "get_preset", "with_contingency", "TYPICAL"]

#: The typical population's means where they differ from the parameter table's prior means: calibrated to
#: the published aggregates of docs/model.md by :mod:`attunement.model.calibrate` (``a_memory`` is set to
#: a long look following a long look, the direction Messinger et al. 2011 report; ``ar_look``, ``ar_smile``
#: and ``ar_calm`` are set, not calibrated, so that arousal holds a look-away (MODEL.md's hysteresis; Field
#: 1981) and a smile excites (Stifter & Moyer 1991); ``ar_change`` keeps its table value).
TYPICAL: dict[str, float] = {
    'a_rate_positive': -1.746, 'a_rate_monitor': -0.952, 'a_return': -3.713, 'a_rate_negative': -2.373,
    'a_pref_away': -0.007, 'a_pref_negative': -4.519, 'b_rate_positive': -1.665, 'b_rate_watching': -2.336,
    'b_rate_intrusive': -1.834, 'b_pref_positive': 1.599, 'b_pref_intrusive': -2.037, 'ar_up': -4.079,
    'ar_down': -1.75, 'ar_stim': 0.834, 'ar_unmet': 3.844, 'ar_negative': 4.904, 'a_follow': 0.243,
    'b_follow': 0.014, 'a_memory': -0.3, 'ar_look': 1.5, 'ar_smile': 3.0, 'ar_calm': 1.0,
}


@dataclass(frozen=True)
class Preset:
    """A named population: parameter means (unconstrained scale) and between-dyad SDs of dyad parameters."""

    name: str
    description: str
    means: Mapping[str, float] = field(default_factory=dict)
    spreads: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        as_arrays(self.means, 1)  # names checked
        for name, sd in self.spreads.items():
            if name not in DYAD:
                raise AttunementError(f"preset {self.name!r}: {name!r} is not a dyad parameter "
                                      f"({', '.join(DYAD)}); only those vary between dyads.")
            if not (np.isfinite(sd) and sd >= 0):
                raise AttunementError(f"preset {self.name!r}: the SD of {name} must be ≥ 0, got {sd}.")

    def mean(self, name: str) -> float:
        return float(self.means.get(name, TYPICAL.get(name, PARAMETERS[name].prior[0])))

    def spread(self, name: str) -> float:
        return float(self.spreads.get(name, TYPICAL_SPREADS.get(name, PARAMETERS[name].spread)))

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Every parameter for ``n`` dyads: population means, dyad parameters drawn from their normals."""
        values = {name: np.full(n, self.mean(name)) for name in PARAMETERS}
        for name in DYAD:
            values[name] = values[name] + self.spread(name) * rng.standard_normal(n)
        return values

    def replace(self, **means: float) -> Preset:
        """A copy with some population means changed (``preset.replace(b_reengage=-1.0)``)."""
        return Preset(self.name, self.description, {**self.means, **means}, self.spreads)


#: The typical population's between-dyad SDs where they differ from the parameter table's.
TYPICAL_SPREADS: dict[str, float] = {'a_positivity': 1.029, 'a_return': 0.737}

PRESETS: dict[str, Preset] = {
    "typical": Preset("typical", "Mostly sensitive: she usually waits when he looks away, now and then pursues."),
    "attuned": Preset(
        "attuned", "She notices when he looks away, sits back and waits, and meets him warmly when he turns back.",
        {"b_reengage": -1.5, "b_pursuit": -2.0, "b_repair": 1.2, "b_follow": 1.0, "b_pref_intrusive": -4.0}),
    "intrusive": Preset(
        "intrusive", "When he looks away she does not wait: she leans into his line of sight, clicks and comes closer.",
        {"b_reengage": 1.5, "b_pursuit": 3.0, "b_pref_intrusive": -0.5, "b_repair": -0.3, "b_follow": 0.0}),
    "withdrawn": Preset(
        "withdrawn", "She offers little play with a flat face, often turns inward and answers few of his signals.",
        {"b_pref_disengaged": 0.8, "b_pref_positive": -0.3, "b_rate_disengaged": -2.8, "b_repair": -0.5,
         "b_react": -0.5, "b_follow": 0.0}),
}


def get_preset(preset: str | Preset) -> Preset:
    """A preset by name, or the Preset itself.

    Raises
    ------
    AttunementError
        For an unknown name; the message lists the presets.
    """
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise AttunementError(f"no preset named {preset!r}; choose one of {', '.join(sorted(PRESETS))}.") from None


def with_contingency(level: float, *, base: str | Preset = "typical") -> Preset:
    """A caregiver of contingency ``level`` (0–1): only her reactivity and repair drive change.

    ``b_react`` (how much likelier she changes right after he changed) and
    ``b_repair`` (how much faster she leaves a mismatch) run linearly from
    −2 (she hardly answers) at 0 to +3 (she answers every change at once) at 1;
    every other parameter is the base population's.
    """
    if not 0.0 <= level <= 1.0:
        raise AttunementError(f"contingency must lie between 0 and 1, got {level}.")
    preset = get_preset(base)
    value = -2.0 + 5.0 * level
    return Preset(f"contingency-{level:g}", f"A caregiver of contingency {level:g} (0–1).",
                  {**preset.means, "b_react": value, "b_repair": value}, preset.spreads)
