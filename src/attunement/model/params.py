"""The model's parameters: what the infant brings, what the caregiver does.

Every parameter is a field of a frozen dataclass with a default and a
one-line meaning; a preset (:mod:`attunement.model.presets`) is an instance.
Rates are hazards per second and times are seconds, so the model means the
same at any time step ``dt``. The equations that use them are written out in
:mod:`attunement.model.dynamics` and in ``docs/model.md``.

Examples
--------
>>> from attunement.model.params import CaregiverParams
>>> CaregiverParams().patience_s
4.0
>>> CaregiverParams(intrusiveness=0.8).intrusiveness
0.8
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..errors import AttunementError

__all__ = ["InfantParams", "CaregiverParams", "Preset", "describe"]


@dataclass(frozen=True)
class InfantParams:
    """The infant: arousal, thresholds, how readily he changes mode, and what he expects.

    Every field: a default and its meaning (``describe(InfantParams)`` lists them).
    """

    # --- arousal a(t): a(t+dt) = a* + ρ (a(t) − a*) + noise, with ρ = exp(−dt/τ)
    tau_arousal_s: float = 3.0          #: time constant (s) with which arousal follows its drive
    baseline: float = 0.0               #: μ, arousal with no stimulation and no distress
    noise_sd: float = 0.12              #: stationary standard deviation of arousal's noise
    gain_stimulation: float = 0.9       #: g_s, arousal per unit of the caregiver's stimulation that reaches him
    gain_smile: float = 0.35            #: arousal his own smiling excitement adds (Stifter & Moyer 1991)
    gain_unmet: float = 1.2             #: g_u, arousal per unit of the unmet-bid accumulator u
    gain_self_comfort: float = 0.4      #: κ, arousal that thumb or hand sucking takes away
    theta_high: float = 1.0             #: θ_high, arousal above which he averts his gaze
    theta_low: float = 0.4              #: θ_low, arousal below which he re-engages (at expectation 0.5)
    theta_protest: float = 1.45         #: arousal above which he protests (frowns, fusses, pushes)
    threshold_width: float = 0.08       #: softness of the arousal thresholds (logistic scale)
    # --- unmet bids u(t) ∈ [0, 1]: du/dt = (bid·(1 − answered) − u)/τ_u − answered_c·u/τ_soothe
    tau_unmet_s: float = 30.0           #: τ_u, memory (s) of unanswered bids
    tau_soothe_s: float = 40.0          #: τ_soothe, time (s) a responsive, warm caregiver takes to soothe u away
    unmet_protest: float = 0.6          #: u above which unanswered bids turn into protest
    unmet_withdraw: float = 0.8         #: u above which protest gives way to withdrawal
    unmet_width: float = 0.08           #: softness of the u thresholds
    unmet_wary: float = 0.12            #: u scale over which distress suppresses smiling (wariness)
    # --- mode-switching rates (per second)
    avert_rate: float = 1.5             #: looking → averted, when arousal is above θ_high
    smile_rate: float = 0.6             #: monitor → smiling, when she shows positive affect
    unsmile_rate: float = 0.35          #: smiling → monitor
    object_rate: float = 0.06           #: looking → object/environment (baseline curiosity)
    return_rate: float = 0.12           #: object → looking at her, when calm
    reengage_rate: float = 0.8          #: averted → inviting look back, when arousal is below θ_low
    drift_rate: float = 0.05            #: averted → object play
    protest_rate: float = 1.0           #: → protest, when arousal is above θ_protest or u above its threshold
    calm_rate: float = 0.1              #: protest → averted, once arousal is below θ_protest
    soothed_rate: float = 0.15          #: protest → looking, when a responsive caregiver comforts him
    withdraw_rate: float = 0.03         #: protest or averted → withdrawn, when u is above its threshold
    unwithdraw_rate: float = 0.03       #: withdrawn → averted (faster when she responds)
    self_comfort_on_rate: float = 0.8   #: starts sucking his thumb or hand while averted and aroused
    self_comfort_off_rate: float = 0.3  #: stops self-comforting
    turn_further_rate: float = 0.6      #: turns further away while she pursues
    orient_rate: float = 0.3            #: looking away → looking at her when she calls softly, unless over-aroused
    call_boost: float = 1.0             #: how much her calling (voice) raises his rate of looking back
    # --- slow layer (development): r(n+1) = r(n) + η (R(n) − r(n))
    expectation: float = 0.5            #: r, his expectation that a rupture gets repaired (0–1), at the start
    learning_rate: float = 0.1          #: η, how far one session's experience moves r
    repair_window_s: float = 5.0        #: τ, a rupture repaired within this many seconds counts as repaired
    expectation_threshold_shift: float = 0.4  #: θ_low rises by this × (r − 0.5): secure infants re-engage sooner
    expectation_give_up: float = 3.0    #: bids fade as exp(−this × u × (1 − r)): insecure infants stop bidding
    disengagement_bias: float = 0.6     #: b = this × (1 − r): more object time, slower return
    heterogeneity: float = 0.1          #: s.d. (relative) of each dyad's own thresholds and gains

    def __post_init__(self) -> None:
        _check(self)
        if not self.theta_low < self.theta_high < self.theta_protest:
            raise AttunementError(
                f"infant thresholds must satisfy theta_low < theta_high < theta_protest, got "
                f"{self.theta_low}, {self.theta_high}, {self.theta_protest}. Reorder them.")


@dataclass(frozen=True)
class CaregiverParams:
    """The caregiver: how much she stimulates and how she reads and answers the infant."""

    stimulation: float = 1.0            #: scale of her stimulation (face distance, voice, touch)
    sensitivity: float = 0.8            #: how reliably and fast she notices his aversion (0–1)
    notice_rate: float = 3.0            #: noticing rate (per s) at sensitivity 1
    patience_s: float = 4.0             #: how long (s) she waits, sitting back, before re-engaging
    intrusiveness: float = 0.05         #: tendency (0–1) to pursue into his line of sight and escalate
    warmth: float = 0.8                 #: warmth (0–1) of her greeting when he comes back
    interference: float = 0.0           #: her own anxiety or sadness (0–1), lowering her sensitivity
    responsiveness: float = 0.9         #: share (0–1) of his bids she answers; 0 during a still-face
    tracking: float = 0.0               #: share (0–1) of his aversions she answers by following his gaze into his line of sight
    pause: float = 1.0                  #: her tendency to pause (neutral, quiet watching) during play
    withdrawal: float = 0.0             #: rate (per s) of turning away from him (non-infant-focused, flat)
    flatness: float = 0.0               #: share (0–1) of her positive moments that are flat (voice, no smile)
    # --- base cycle of play while he is engaged (per s)
    positive_rate: float = 0.43         #: leaving a smile (mean bout ≈ 2.3 s)
    vocal_rate: float = 0.28            #: leaving positive vocalisation (mean bout ≈ 3.6 s)
    neutral_rate: float = 0.13          #: leaving a pause (mean bout ≈ 7.8 s)
    intrusive_leave_rate: float = 0.3   #: leaving intrusive behaviour (mean bout ≈ 3.3 s)
    greet_rate: float = 1.5             #: greeting rate (per s) when he comes back, times warmth
    mirror_rate: float = 0.5            #: answering his smile with hers (per s)
    answer_rate: float = 0.5            #: answering his look with her voice (per s)
    wait_rate: float = 1.5              #: sitting back once she notices his aversion (per s)
    pursue_rate: float = 2.0            #: pursuing once she notices his aversion, times intrusiveness
    overstimulate_rate: float = 0.15    #: escalating during play, times intrusiveness (per s)

    def __post_init__(self) -> None:
        _check(self)
        for name in ("sensitivity", "intrusiveness", "warmth", "interference", "responsiveness", "flatness", "tracking"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise AttunementError(f"caregiver parameter {name} must lie between 0 and 1, got {value}. "
                                      f"Give a share between 0 and 1.")


@dataclass(frozen=True)
class Preset:
    """A named dyad type: infant and caregiver parameters, with a plain-words description."""

    name: str
    description: str
    infant: InfantParams = field(default_factory=InfantParams)
    caregiver: CaregiverParams = field(default_factory=CaregiverParams)


def _check(params: object) -> None:
    for f in fields(params):  # type: ignore[arg-type]
        value = getattr(params, f.name)
        if not (isinstance(value, (int, float)) and value == value and value >= 0 and value != float("inf")):
            raise AttunementError(
                f"{type(params).__name__}.{f.name} must be a finite number ≥ 0, got {value!r}. "
                f"Correct the parameter.")


def describe(cls: type) -> list[tuple[str, object, str]]:
    """(name, default, meaning) of every parameter of a parameter class, read from its source comments.

    >>> describe(CaregiverParams)[0]
    ('stimulation', 1.0, 'scale of her stimulation (face distance, voice, touch)')
    """
    import inspect

    meanings: dict[str, str] = {}
    for line in inspect.getsource(cls).splitlines():
        name, sep, rest = line.strip().partition(":")
        if sep and "#:" in rest and name.isidentifier():
            meanings[name] = rest.split("#:", 1)[1].strip()
    return [(f.name, f.default, meanings.get(f.name, "")) for f in fields(cls)]
