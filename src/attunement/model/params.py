"""The model's parameters: one table, each with its meaning, its prior and where its value comes from.

Every parameter lives on an unconstrained scale (a log rate, a log-odds
weight or a coefficient on the log-hazard), so that the same numbers drive the
simulator and the likelihood and a population distribution over dyads is a
normal on that scale. Rates are per second, so a parameter means the same at
any time step. The equations that use them are written out in
:mod:`attunement.model.transition` and ``docs/model.md``.

*Dyad* parameters (``dyad=True``) differ between dyads: each dyad's value is
drawn from a normal with a population mean and SD (individual differences;
Chow, Haltigan & Messinger 2010 fitted random cross-lags per dyad). They are
what :func:`attunement.model.fit` estimates per dyad. The others are shared by
the population. The *arousal* block describes the infant's latent regulation
and is calibrated to published aggregates (``docs/model.md``), not estimated
from one coded channel, which cannot separate it from the switching rates.

Examples
--------
>>> PARAMETERS["b_reengage"].meaning
'how much faster she leaves quiet watching while he looks away (log-hazard): re-engaging, not waiting'
>>> [p.name for p in PARAMETERS.values() if p.dyad]
['a_return', 'a_tempo', 'a_positivity', 'a_repair', 'b_tempo', 'b_reengage', 'b_repair']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import AttunementError

__all__ = ["Parameter", "PARAMETERS", "DYAD", "STIMULATION", "REACH_AWAY", "NO_AROUSAL", "as_arrays"]


@dataclass(frozen=True)
class Parameter:
    """One parameter of the model.

    ``side`` is ``"a"`` (the infant), ``"b"`` (the caregiver) or ``"arousal"``;
    ``roles`` the roles it needs (a parameter of a role the scheme lacks is
    dropped from a fit); ``prior`` the mean and SD of its normal prior on the
    unconstrained scale; ``spread`` the prior scale of the between-dyad SD of a
    dyad parameter.
    """

    name: str
    side: str
    meaning: str
    prior: tuple[float, float]
    source: str
    roles: tuple[str, ...] = ()
    dyad: bool = False
    spread: float = 0.0
    centred: bool = False  #: a dyad parameter whose population mean is 0 by definition (an offset)


def _p(name, side, meaning, prior, source, roles=(), dyad=False, spread=0.0, centred=False) -> Parameter:
    return Parameter(name, side, meaning, prior, source, tuple(roles), dyad, spread, centred)


_SCI = "SCIENCE.md bout lengths (ICEP-R, 87 still-face sessions)"
_CAL = "calibrated to the targets of docs/model.md"

#: Every parameter, in the order of the fitted vector. Prior means are the typical population's values.
PARAMETERS: dict[str, Parameter] = {p.name: p for p in [
    # ---------------------------------------------------------------- partner A (infant): switching
    _p("a_rate_positive", "a", "log rate (per s) of leaving a positive look (smile, gaze at her)", (-1.0, 1.0),
       _SCI + ": mean social-positive bout 2.5 s", ("positive",)),
    _p("a_rate_monitor", "a", "log rate (per s) of leaving a neutral look at her (monitor)", (-1.0, 1.0),
       _SCI + ": mean social-monitor bout 2.5 s", ("monitor",)),
    _p("a_return", "a", "log rate (per s) of leaving looking away: how soon he looks back", (-2.3, 1.0),
       _SCI + ": mean object/environment bout 10.3 s", ("away",), dyad=True, spread=1.0),
    _p("a_rate_negative", "a", "log rate (per s) of leaving protest or fussing", (-2.3, 1.0),
       _SCI + ": mean protest bout 10.3 s", ("negative",)),
    _p("a_tempo", "a", "his own pace: how much faster than the population he changes any state (log-hazard)",
       (0.0, 0.5), "individual differences in the tempo of infant behaviour (Chow et al. 2010: dyad-level "
       "random effects)", dyad=True, spread=0.6, centred=True),
    _p("a_shape", "a", "change of his log-hazard per unit log time in his state (0: memoryless; < 0: "
       "the longer he stays, the longer he stays)", (0.0, 0.5),
       "Messinger et al. (2011): look durations are not memoryless (R7)"),
    _p("a_memory", "a", "change of his log-hazard of leaving a state per unit log length of his last bout of "
       "that state (< 0: a long look is followed by a long look)", (0.0, 0.5),
       "Messinger, Ekas, Ruvolo & Fogel (2011): look durations depend on previous looks of the same type (R7)"),
    _p("a_positivity", "a", "his log-odds of turning to a smile rather than a neutral look when he changes, "
       "and how much slower he leaves a smile (log-hazard)",
       (0.0, 1.0), _CAL + " (infant positive share)", ("positive",), dyad=True, spread=1.0),
    _p("a_pref_away", "a", "his log-odds of looking away rather than a neutral look when he changes",
       (0.0, 1.0), _CAL + " (infant gaze share)", ("away",)),
    _p("a_pref_negative", "a", "his log-odds of protesting rather than a neutral look when he changes",
       (-2.0, 1.0), _CAL + " (infant negative share)", ("negative",)),
    _p("a_repair", "a", "how much faster he leaves a mismatched state while calm or alert (log-hazard): his "
       "share of repair", (0.5, 1.0), "Tronick & Cohn (1989): repair is mutual; the infant often leads (R9); "
       "Gianino & Tronick (1988): over-aroused, he regulates himself instead", dyad=True, spread=0.8),
    _p("a_follow", "a", "his log-odds of choosing a state that matches hers when he changes", (0.5, 1.0),
       "interactive contingency (Beebe et al. 2010; Jaffe et al. 2001)"),
    _p("a_react", "a", "how much more likely he changes right after she changed (log-hazard)", (0.3, 1.0),
       "interactive contingency to the partner's recent change (Beebe et al. 2010)"),
    # ---------------------------------------------------------------- partner B (caregiver): switching
    _p("b_rate_positive", "b", "log rate (per s) of leaving positive play (smile, warm voice)", (-1.1, 1.0),
       _SCI + ": caregiver positive 2.3 s, positive vocalisation 3.6 s", ("positive",)),
    _p("b_rate_watching", "b", "log rate (per s) of leaving quiet watching while he looks at her", (-2.0, 1.0),
       _SCI + ": caregiver neutral 7.8 s", ("watching",)),
    _p("b_rate_intrusive", "b", "log rate (per s) of leaving intrusive behaviour", (-1.2, 1.0),
       _SCI + ": caregiver intrusive 3.3 s", ("intrusive",)),
    _p("b_rate_disengaged", "b", "log rate (per s) of leaving disengagement (not infant-focused, withdrawn)",
       (-2.0, 1.0), "no published bout; about as long as watching (our choice)", ("disengaged",)),
    _p("b_tempo", "b", "her own pace: how much faster than the population she changes any state (log-hazard)",
       (0.0, 0.5), "individual differences in the tempo of caregiving (Chow et al. 2010)", dyad=True, spread=0.6,
       centred=True),
    _p("b_shape", "b", "change of her log-hazard per unit log time in her state", (0.0, 0.5),
       "dwell-time memory, as for the infant"),
    _p("b_memory", "b", "change of her log-hazard of leaving a state per unit log length of her last bout of "
       "that state", (0.0, 0.5), "dwell-time memory, as for the infant"),
    _p("b_pref_positive", "b", "her log-odds of positive play rather than quiet watching when she changes",
       (1.0, 1.0), _CAL + " (caregiver positive share)", ("positive",)),
    _p("b_pref_intrusive", "b", "her log-odds of intrusive behaviour rather than quiet watching when she changes",
       (-2.5, 1.0), _CAL, ("intrusive",)),
    _p("b_pref_disengaged", "b", "her log-odds of disengaging rather than quiet watching when she changes",
       (-2.5, 1.0), _CAL, ("disengaged",)),
    _p("b_reengage", "b", "how much faster she leaves quiet watching while he looks away (log-hazard): "
       "re-engaging, not waiting", (0.0, 1.0), "Tronick (1989) scenario 1 vs 2: the attuned mother waits",
       ("watching",), dyad=True, spread=1.0),
    _p("b_pursuit", "b", "her log-odds of turning intrusive when she changes while he looks away: "
       "chasing into his line of sight", (0.0, 1.0), "Beebe & Stern (1977) chase and dodge",
       ("intrusive",)),
    _p("b_repair", "b", "how much faster she leaves a mismatched state (log-hazard): her share of repair",
       (0.5, 1.0), "Tronick & Cohn (1989): mothers repair as infants do", dyad=True, spread=0.8),
    _p("b_follow", "b", "her log-odds of choosing a state that matches his when she changes", (0.5, 1.0),
       "interactive contingency (Beebe et al. 2010)"),
    _p("b_react", "b", "how much more likely she changes right after he changed (log-hazard)", (0.3, 1.0),
       "interactive contingency to the partner's recent change (Beebe et al. 2010)"),
    # ---------------------------------------------------------------- the infant's regulation (latent)
    _p("ar_up", "arousal", "log rate (per s) at which his arousal rises a level without stimulation", (-3.0, 0.5),
       _CAL),
    _p("ar_down", "arousal", "log rate (per s) at which his arousal falls a level while he looks at her", (-2.0, 0.5),
       _CAL),
    _p("ar_stim", "arousal", "rise of the log rate of arousal per unit of her stimulation that reaches him",
       (1.5, 0.5), "Field (1981): stimulation raises arousal; both over- and under-stimulation raise aversion"),
    _p("ar_smile", "arousal", "rise of the log rate of arousal while he smiles (his own excitement)", (2.5, 0.5),
       "Stifter & Moyer (1991): intense smiles are followed by longer gaze aversions (R4)"),
    _p("ar_change", "arousal", "rise of the log rate of arousal when she has just changed what she does while he "
       "looks at her: each change is a new stimulus", (1.0, 0.5),
       "Stern (1974), Brazelton et al. (1974): an optimal range of stimulation; Field (1981); it makes an "
       "over-contingent caregiver over-stimulating (R2: Jaffe et al. 2001; Beebe et al. 2010)"),
    _p("ar_unmet", "arousal", "rise of the log rate of arousal while his bids (looks at her, protests) go "
       "unanswered",
       (1.5, 0.5), "Tronick et al. (1978), Mesman et al. (2009): the still-face distresses"),
    _p("ar_calm", "arousal", "rise of the log rate of calming while he looks away (self-regulation; not while "
       "he protests, nor while she pursues him into his line of sight)", (1.0, 0.5),
       "Field (1981): heart rate falls during a gaze aversion"),
    _p("ar_look", "arousal", "per level of arousal above alert: how much faster he leaves looking at her and "
       "slower he leaves a look-away that shields him (log-hazard), and his log-odds of turning away or "
       "protesting rather than to a look", (0.7, 0.5), "Field (1981); MODEL.md's hysteresis; Tronick (1989)"),
    _p("ar_negative", "arousal", "per level of arousal above alert: his log-odds of protest when he changes",
       (1.5, 0.5), "Tronick (1989): escalation from aversion to protest"),
]}

#: The dyad parameters, in order.
DYAD: tuple[str, ...] = tuple(name for name, p in PARAMETERS.items() if p.dyad)

#: The stimulation of each of the caregiver's roles while he looks at her (Tronick 1989: face, voice, touch).
#: Positive play is the unit; intrusion (poking, looming, loud clicking, pulling) is set at three times it
#: (our choice: Field 1981 and Tronick 1989 describe it as overstimulation, without a ratio), so that its
#: effect on his arousal is fixed by ``ar_stim`` together with play's.
STIMULATION = {"positive": 1.0, "watching": 0.0, "intrusive": 3.0, "disengaged": 0.0}
#: The share of that stimulation that reaches him while he looks away: only pursuit into his line of
#: sight does (Beebe & Stern 1977).
REACH_AWAY = {"positive": 0.0, "watching": 0.0, "intrusive": 1.0, "disengaged": 0.0}
#: Seconds without a change in her quiet or disengaged state after which his looks begin to count as
#: unanswered bids; they count fully after ``UNANSWERED_RAMP_S`` more (Cneu is a pause of 2 s or more in
#: ICEP-R, and ordinary pauses last about 8 s; in a still-face the bids go unanswered for minutes).
UNANSWERED_AFTER_S = 3.0
UNANSWERED_RAMP_S = 15.0
#: The arousal block switched off: his level falls to calm within the first seconds and never rises, and
#: no hazard depends on it (``ar_look`` = ``ar_negative`` = 0), so the latent layer has no effect on the
#: codes. :func:`attunement.model.fit` uses it for dyads whose first partner is not an infant (a client
#: and a therapist): the block is calibrated on infants in the still-face and does not describe adults.
NO_AROUSAL = {"ar_up": -30.0, "ar_down": 3.0, "ar_stim": 0.0, "ar_smile": 0.0, "ar_change": 0.0, "ar_unmet": 0.0,
              "ar_calm": 0.0, "ar_look": 0.0, "ar_negative": 0.0}
#: The memory term compares his last bout of a state with this length (s).
MEMORY_REFERENCE_S = 5.0
#: Time in state is counted up to this many seconds (the duration term is flat beyond it).
MAX_TIME_IN_STATE_S = 60.0


def as_arrays(values: Mapping[str, float | np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Every parameter as a float array of length ``n`` (one value per dyad), checked by name.

    Raises
    ------
    AttunementError
        For an unknown parameter name (with the closest known one) or a non-finite value.
    """
    from ..schemes._codes import did_you_mean
    unknown = [k for k in values if k not in PARAMETERS]
    if unknown:
        raise AttunementError(f"no model parameter named {unknown[0]!r}.{did_you_mean(unknown[0], list(PARAMETERS))} "
                              f"The parameters are listed in docs/model.md.")
    out = {}
    for name in PARAMETERS:
        value = np.broadcast_to(np.asarray(values.get(name, PARAMETERS[name].prior[0]), dtype=float), (n,)).copy()
        if not np.isfinite(value).all():
            raise AttunementError(f"model parameter {name} must be a finite number, got {value[~np.isfinite(value)][0]}.")
        out[name] = value
    return out
