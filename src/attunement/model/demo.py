"""The demo: Tronick's two peek-a-boo scenarios and a still-face of each, simulated and told in plain words.

:func:`demo_sessions` simulates many dyads of the ``attuned`` and
``intrusive`` presets, in free play and in the still-face protocol, and keeps
for each condition the dyad closest to its group's medians (a representative
session, not a best or worst one). :func:`account` tells what the caregiver
did and how the infant responded, from the simulation's states (his gaze,
her state while he looked away, his protest and self-comfort) and its true
mismatch episodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..measures import analyze
from ..session import Session
from .simulate import Simulation, simulate

__all__ = ["DemoSession", "demo_sessions", "account"]

_CONDITIONS = (("attuned", None, "scenario 1, attuned: play"),
               ("intrusive", None, "scenario 2, intrusive: play"),
               ("attuned", "still-face", "scenario 1, attuned: still-face"),
               ("intrusive", "still-face", "scenario 2, intrusive: still-face"))


@dataclass
class DemoSession:
    """One representative simulated session, with its plain-words account."""

    label: str
    preset: str
    protocol: str
    session: Session
    account: str


def _representative(sim: Simulation) -> int:
    rows = analyze(sim.sessions, "icep-r").sessions
    rows = rows[rows.episode == "all"].set_index("session").loc[[s.id for s in sim.sessions]]
    features = rows[["prop_matched", "prop_repaired_within_2s", "latency_mean_s"]].to_numpy(float)
    features = np.nan_to_num(features, nan=np.nanmedian(features))
    scale = features.std(axis=0) + 1e-9
    distance = np.abs((features - np.median(features, axis=0)) / scale).sum(axis=1)
    return int(np.argmin(distance))


def _bouts(flags: np.ndarray) -> np.ndarray:
    """Lengths in steps of the maximal runs of True."""
    change = np.flatnonzero(np.diff(np.r_[0, flags.astype(np.int8), 0]))
    return change[1::2] - change[::2]


def _share(values: np.ndarray) -> str:
    return f"{np.mean(values):.0%}" if len(values) else "–"


def account(sim: Simulation, index: int) -> str:
    """What the caregiver did and how the infant responded in dyad ``index``, in plain words.

    Everything is counted from ``sim.states`` (his looks at her face or away,
    her state while he looked away, his protest and self-comfort) and
    ``sim.truth`` (the mismatch episodes, their repair and who led it).

    Examples
    --------
    >>> sim = simulate("attuned", protocol="still-face", seconds=20, dyads=1, seed=2)
    >>> text = account(sim, 0)
    >>> text.startswith("Over 60 s he looked away")
    True
    >>> "When she held a still face he looked at her" in text
    True
    """
    dt = sim.dt
    gaze = sim.states["gaze"][index]
    mode = sim.states["infant_mode"][index]
    care = sim.states["caregiver_mode"][index]
    code = sim.states["infant_code"][index]
    phases = [ph.name for ph in sim.protocol.phases]
    steps = [int(round(ph.seconds / dt)) for ph in sim.protocol.phases]
    away = gaze > 0  # away or further: his eyes are off her face
    bouts = _bouts(away) * dt
    free = np.ones(len(gaze), bool)
    if "still-face" in phases:  # in the still-face she holds quiet watching by protocol: not her choice
        k = phases.index("still-face")
        free[sum(steps[:k]):sum(steps[:k + 1])] = False
    hers = care[away & free]
    watching, intrusive, elsewhere = (hers == sim.caregiver_modes.index(m)
                                      for m in ("watching", "intrusive", "disengaged"))
    protest = sim.infant_codes.index("Ipro")
    protest_s = float((code == protest).sum() * dt)
    upset_s = float((mode == sim.infant_modes.index("negative")).sum() * dt)
    comfort_s = float(sim.states["self_comfort"][index].sum() * dt)
    further_s = float((gaze == 2).sum() * dt)
    total_s = len(gaze) * dt
    span = f"{total_s:.0f} s" if total_s < 120 else f"{total_s / 60:.0f} minutes"
    parts = [f"Over {span} he looked away {len(bouts)} times; a look away lasted "
             f"{np.mean(bouts) if len(bouts) else 0:.1f} s on average"
             + (f" (the longest {np.max(bouts):.0f} s)." if len(bouts) > 1 else ".")]
    if len(hers):
        text = f"While he looked away she sat back and waited {np.mean(watching):.0%} of the time"
        if np.mean(intrusive) >= 0.05:
            text += (f"; she moved into his line of sight, coming closer and louder, {np.mean(intrusive):.0%} "
                     f"of the time")
        if np.mean(elsewhere) >= 0.05:
            text += f"; her attention was elsewhere {np.mean(elsewhere):.0%} of the time"
        parts.append(text + ".")
    if further_s >= 1:
        parts.append(f"He turned even further away for {further_s:.0f} s.")
    if comfort_s >= 1:
        parts.append(f"He comforted himself, sucking his thumb or hand, for {comfort_s:.0f} s.")
    if upset_s >= 1:
        parts.append(f"He was upset (fussing or protesting) for {upset_s:.0f} s"
                     + (f", {protest_s:.0f} s of it in full protest (crying, pushing away)." if protest_s >= 1
                        else ", without full protest."))
    else:
        parts.append("He hardly fussed or protested.")
    if "still-face" in phases:
        spans = {}
        for name in ("play", "still-face", "reunion"):
            if name in phases:
                k = phases.index(name)
                spans[name] = slice(sum(steps[:k]), sum(steps[:k + 1]))
        sf = spans["still-face"]
        text = (f"When she held a still face he looked at her {_share(gaze[sf] == 0)} of that time"
                + (f" (in play: {_share(gaze[spans['play']] == 0)})" if "play" in spans else "")
                + f" and protested {_share(code[sf] == protest)} of it")
        if "reunion" in spans:
            text += f"; at the reunion he looked at her {_share(gaze[spans['reunion']] == 0)} of the time"
        parts.append(text + ".")
    truth = sim.truth[(sim.truth.session == sim.sessions[index].id) & (sim.truth.episode != "still-face")]
    if len(truth):
        quick = float((truth.repaired & (truth.duration_s <= 2.0)).mean())
        led = truth.led_by[truth.repaired]
        moments = "moments out of step" + (" outside the still face" if "still-face" in phases else "")
        parts.append(f"Of {len(truth)} {moments}, {quick:.0%} were repaired within 2 s"
                     + (f"; he took the first step back in {(led == 'infant').mean():.0%} of the repairs."
                        if len(led) else "."))
    return " ".join(parts)


def demo_sessions(*, dyads: int = 60, seed: int = 1989) -> list[DemoSession]:
    """The four demo sessions (attuned and intrusive, play and still-face), representative of their group.

    Examples
    --------
    >>> demo = demo_sessions(dyads=5, seed=3)
    >>> [d.session.id for d in demo]
    ['scenario 1, attuned: play', 'scenario 2, intrusive: play', 'scenario 1, attuned: still-face', 'scenario 2, intrusive: still-face']
    """
    out = []
    for k, (preset, protocol, label) in enumerate(_CONDITIONS):
        sim = simulate(preset, protocol=protocol, dyads=dyads, seed=seed + k)
        index = _representative(sim)
        session = sim.sessions[index]
        out.append(DemoSession(label, preset, protocol or "free-play",
                               session.replace(id=label, metadata={**session.metadata, "source": "simulated",
                                                                    "tool": f"model preset {preset}"}),
                               account(sim, index)))
    return out


def comparison_rows(results, demo: list[DemoSession]) -> tuple[list[str], list[list[str]]]:
    """A compact side-by-side table of the demo sessions' whole-session measures."""
    rows = results.sessions
    rows = rows[rows.episode == "all"].set_index("session")
    header = ["", *[d.label for d in demo]]
    def cell(sid, column, fmt):
        value = rows.loc[sid, column]
        return "–" if pd.isna(value) else fmt.format(value)
    lines = [("time matched", "prop_matched", "{:.0%}"),
             ("repaired within 2 s", "prop_repaired_within_2s", "{:.0%}"),
             ("latency to repair (mean, s)", "latency_mean_s", "{:.1f}"),
             ("repairs led by the infant", "repairs_led_infant", "{:.0f}"),
             ("repairs led by the caregiver", "repairs_led_caregiver", "{:.0f}"),
             ("ruptures per minute", "ruptures_per_min", "{:.1f}")]
    return header, [[name, *[cell(d.label, column, fmt) for d in demo]] for name, column, fmt in lines]
