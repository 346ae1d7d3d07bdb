"""Presets: named dyad types, each an instance of :class:`~attunement.model.params.Preset`.

- ``attuned`` — Tronick's first peek-a-boo scenario: she notices his aversion
  quickly, sits back and waits, and greets him warmly when he comes back.
- ``intrusive`` — the second scenario, "chase and dodge" (Beebe & Stern 1977):
  she does not wait, pursues into his line of sight, clicks and comes closer;
  her own anxiety gets in the way of reading his cue.
- ``withdrawn`` — a depressed caregiver: little stimulation, flat affect, slow
  and rare responses, often turned inward.
- ``typical`` — a caregiver between these: mostly sensitive, sometimes
  intrusive, sometimes slow.

:func:`with_contingency` makes a caregiver of a given contingency (0 never
answers, 1 answers every change of his at once and never pauses), for the
mid-range contingency question (Jaffe et al. 2001; Beebe et al. 2010).

Examples
--------
>>> sorted(PRESETS)
['attuned', 'intrusive', 'typical', 'withdrawn']
>>> get_preset("intrusive").caregiver.intrusiveness
0.85
>>> c = with_contingency(1.0).caregiver
>>> c.responsiveness, c.patience_s, c.pause
(1.0, 0.0, 0.0)
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import AttunementError
from .params import CaregiverParams, InfantParams, Preset

__all__ = ["PRESETS", "get_preset", "with_contingency"]

PRESETS: dict[str, Preset] = {
    "attuned": Preset(
        "attuned",
        "She notices when he looks away, stops and sits back, waits, and meets him warmly when he turns back.",
        InfantParams(),
        CaregiverParams(sensitivity=0.95, patience_s=5.0, intrusiveness=0.02, warmth=0.95, responsiveness=0.95),
    ),
    "intrusive": Preset(
        "intrusive",
        "When he looks away she does not wait: she leans into his line of sight, clicks and comes closer.",
        InfantParams(),
        CaregiverParams(stimulation=1.15, sensitivity=0.8, patience_s=0.5, intrusiveness=0.85, warmth=0.5,
                        interference=0.4, responsiveness=0.85),
    ),
    "withdrawn": Preset(
        "withdrawn",
        "She offers little stimulation with a flat face, notices his signals late and answers few of them.",
        InfantParams(),
        CaregiverParams(stimulation=0.5, sensitivity=0.3, patience_s=20.0, intrusiveness=0.0, warmth=0.2,
                        interference=0.6, responsiveness=0.3, withdrawal=0.08, flatness=0.7),
    ),
    "typical": Preset(
        "typical",
        "Mostly sensitive: she usually waits when he looks away, now and then pursues or answers late.",
        InfantParams(),
        CaregiverParams(sensitivity=0.7, patience_s=3.0, intrusiveness=0.15, warmth=0.75, responsiveness=0.8),
    ),
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
    """A caregiver of contingency ``level`` (0–1), otherwise like ``base``.

    ``level`` sets how much of his behaviour she answers and how fast:
    responsiveness and sensitivity = ``level``; patience = 8 s × (1 − level);
    tracking (following his gaze into his line of sight when he looks away) = level²;
    her pauses in play × 2(1 − level); her answering, mirroring and greeting
    rates × (0.5 + 1.5·level). At 1 she answers every change at once and never
    pauses; at 0 she answers nothing.
    """
    if not 0.0 <= level <= 1.0:
        raise AttunementError(f"contingency must lie between 0 and 1, got {level}.")
    preset = get_preset(base)
    c = preset.caregiver
    speed = 0.5 + 1.5 * level
    caregiver = replace(c, responsiveness=level, sensitivity=level, patience_s=8.0 * (1.0 - level),
                        tracking=level ** 2,
                        pause=2.0 * (1.0 - level), answer_rate=c.answer_rate * speed,
                        mirror_rate=c.mirror_rate * speed, greet_rate=c.greet_rate * speed)
    return Preset(f"contingency-{level:g}", f"A caregiver of contingency {level:g} (0–1).", preset.infant, caregiver)
