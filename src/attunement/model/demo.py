"""The demo: Tronick's two peek-a-boo scenarios and a still-face of each, simulated and told in plain words.

:func:`demo_sessions` simulates many dyads of the ``attuned`` and
``intrusive`` presets, in free play and in the still-face protocol, and keeps
for each condition the dyad closest to its group's medians (a representative
session, not a best or worst one). :func:`account` tells what the caregiver
did and how the infant responded, from the simulation's latent states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..measures import analyze
from ..session import Session
from .dynamics import CINT, CNEU, PRO
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


def account(sim: Simulation, index: int) -> str:
    """What the caregiver did and how the infant responded in dyad ``index``, in plain words."""
    dt = sim.dt
    gaze = sim.states["gaze"][index]
    mode = sim.states["infant_mode"][index]
    care = sim.states["caregiver_mode"][index]
    names = [ph.name for ph in sim.protocol.phases]
    away = gaze > 0
    starts = np.flatnonzero(away[1:] & ~away[:-1]) + 1
    change = np.flatnonzero(np.diff(np.r_[0, away.astype(int), 0]))
    bouts = (change[1::2] - change[::2]) * dt
    averted = away & (mode != 2)  # looking away other than to play with objects
    sat_back = float((care[averted] == CNEU).mean()) if averted.any() else float("nan")
    pursued = float((care[averted] == CINT).mean()) if averted.any() else float("nan")
    protest_s = float((mode == PRO).sum() * dt)
    self_soothe_s = float((sim.states["self_comfort"][index]).sum() * dt)
    further_s = float((gaze == 2).sum() * dt)
    minutes = len(gaze) * dt / 60
    parts = [f"Over {minutes:.0f} minutes he looked away {len(starts)} times; a look away lasted "
             f"{np.mean(bouts) if len(bouts) else 0:.1f} s on average."]
    if averted.any():
        parts.append(f"While he looked away to calm down she sat back and waited {sat_back:.0%} of the time"
                     + (f" and moved into his line of sight, coming closer and louder, {pursued:.0%} of the time."
                        if pursued >= 0.05 else "."))
    if further_s >= 1:
        parts.append(f"He turned even further away for {further_s:.0f} s.")
    if self_soothe_s >= 1:
        parts.append(f"He sucked his thumb or hand for {self_soothe_s:.0f} s.")
    parts.append(f"He protested (frowning, fussing, pushing away) for {protest_s:.0f} s." if protest_s >= 1
                 else "He hardly protested.")
    if "still-face" in names:
        k = names.index("still-face")
        steps = int(round(sim.protocol.phases[k].seconds / dt))
        lo = sum(int(round(ph.seconds / dt)) for ph in sim.protocol.phases[:k])
        sf_mode, sf_gaze = mode[lo:lo + steps], gaze[lo:lo + steps]
        parts.append(f"When she held a still face he looked at her {np.mean(sf_gaze == 0):.0%} of that time "
                     f"(in play: {np.mean(gaze[:lo] == 0):.0%}) and protested {np.mean(sf_mode == PRO):.0%} of it; "
                     f"at the reunion he looked at her {np.mean(gaze[lo + steps:] == 0):.0%} of the time.")
    truth = sim.truth[sim.truth.session == sim.sessions[index].id]
    if len(truth):
        quick = float((truth.repaired & (truth.duration_s <= 2.0)).mean())
        led = truth.led_by[truth.repaired]
        infant_led = float((led == "infant").mean()) if len(led) else float("nan")
        parts.append(f"Of {len(truth)} moments out of step, {quick:.0%} were repaired within 2 s; he took the first "
                     f"step back in {infant_led:.0%} of the repairs.")
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
