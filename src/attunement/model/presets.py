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

__all__ = ["Preset", "PRESETS", "get_preset", "with_contingency", "TYPICAL", "FOLLOW_AT_FULL"]

#: The typical population's means where they differ from the parameter table's prior means: calibrated to
#: the published aggregates of docs/model.md by :mod:`attunement.model.calibrate` (``a_memory`` is set to
#: a long look following a long look, the direction Messinger et al. 2011 report; ``ar_change`` keeps its
#: table value). The calibration also asks the attuned and intrusive presets, built on these means, for
#: the two peek-a-boo scenarios (``calibrate.SCENARIO``).
TYPICAL: dict[str, float] = {
    'a_rate_positive': -1.703, 'a_rate_monitor': -0.944, 'a_return': -3.752, 'a_rate_negative': -2.7,
    'a_pref_away': 0.034, 'a_pref_negative': -4.523, 'b_rate_positive': -1.642, 'b_rate_watching': -2.187,
    'b_rate_intrusive': -2.146, 'b_pref_positive': 1.258, 'b_pref_intrusive': -1.85, 'ar_up': -3.986,
    'ar_down': -0.946, 'ar_stim': 1.513, 'ar_unmet': 4.015, 'ar_negative': 4.101, 'ar_calm': 0.967,
    'ar_smile': 2.562, 'ar_look': 1.361, 'a_follow': 0.227, 'b_follow': 0.024, 'a_memory': -0.3,
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
TYPICAL_SPREADS: dict[str, float] = {'a_positivity': 0.884, 'a_return': 0.853}

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


#: Her log-odds of turning to the state that matches his, at contingency 1 (0 at contingency 0).
FOLLOW_AT_FULL = 4.0


def with_contingency(level: float, *, base: str | Preset = "typical") -> Preset:
    """A caregiver of contingency ``level`` (0–1): only her interactive contingency changes.

    ``b_react`` (how much likelier she changes right after he changed) and
    ``b_repair`` (how much faster she leaves a mismatch) run linearly from
    −2 (she hardly answers) at 0 to +3 (she answers every change at once) at 1,
    and ``b_follow`` (her log-odds of answering with the state that matches
    his) from 0 to :data:`FOLLOW_AT_FULL`: how soon and how exactly her
    behaviour follows his (Jaffe et al. 2001's interactive contingency). Every
    other parameter is the base population's.
    """
    if not 0.0 <= level <= 1.0:
        raise AttunementError(f"contingency must lie between 0 and 1, got {level}.")
    preset = get_preset(base)
    value = -2.0 + 5.0 * level
    return Preset(f"contingency-{level:g}", f"A caregiver of contingency {level:g} (0–1).",
                  {**preset.means, "b_react": value, "b_repair": value, "b_follow": FOLLOW_AT_FULL * level},
                  preset.spreads)
