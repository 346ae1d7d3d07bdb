"""The demo's plain-words account, checked on hand-made states whose every number is counted here."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from attunement.model.demo import account
from attunement.model.observation import TRUTH_COLUMNS
from attunement.model.protocols import free_play, still_face
from attunement.model.simulate import Simulation

# indices: infant modes positive 0, monitor 1, away 2, negative 3; caregiver modes positive 0, vocal 1,
# watching 2, intrusive 3, disengaged 4; infant codes Ipos 0, Ineu 1, Inon 2, Ineg 3, Ipro 4; gaze face 0, away 1, further 2


def _sim(protocol, *, gaze, care, mode, code, comfort, truth):
    states = {"gaze": np.array([gaze]), "caregiver_mode": np.array([care]), "infant_mode": np.array([mode]),
              "infant_code": np.array([code]), "self_comfort": np.array([comfort], dtype=bool),
              "arousal": np.zeros((1, len(gaze)), int), "caregiver_code": np.zeros((1, len(gaze)), int)}
    truth = pd.DataFrame([("d0", *row) for row in truth], columns=TRUTH_COLUMNS)
    return Simulation(sessions=[SimpleNamespace(id="d0")], truth=truth, dyads=pd.DataFrame(), params={},
                      states=states, dt=0.5, protocol=protocol)


def test_account_of_free_play_counts_by_hand():
    """12 steps of 0.5 s. Gaze off her face in steps 1–2 and 5–8: 2 looks away of 1 s and 2 s, mean 1.5 s.
    Her state in those 6 steps: watching 3 (50%), intrusive 2 (33%), disengaged 1 (17%). Further away in
    steps 5–6 (1 s); self-comfort in 7–8 (1 s); negative mode in 5–8 (2 s), coded Ipro in 5–6 (1 s).
    Mismatches: 1.0 s (infant), 3.0 s (caregiver), 0.5 s (infant) repaired, 2.0 s not: 2 of 4 (50%)
    repaired within 2 s; the infant led 2 of 3 repairs (67%)."""
    sim = _sim(free_play(seconds=6),
               gaze=[0, 1, 1, 0, 0, 2, 2, 1, 1, 0, 0, 0],
               care=[0, 2, 2, 0, 0, 3, 3, 2, 4, 0, 0, 0],
               mode=[1, 2, 2, 1, 0, 3, 3, 3, 3, 1, 1, 1],
               code=[1, 2, 2, 1, 0, 4, 4, 3, 3, 1, 1, 1],
               comfort=[0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0],
               truth=[("all", 0, 1, 1.0, True, "infant"), ("all", 1, 4, 3.0, True, "caregiver"),
                      ("all", 4, 4.5, 0.5, True, "infant"), ("all", 4, 6, 2.0, False, "")])
    assert account(sim, 0) == (
        "Over 6 s he looked away 2 times; a look away lasted 1.5 s on average (the longest 2 s). "
        "While he looked away she sat back and waited 50% of the time; she moved into his line of sight, coming "
        "closer and louder, 33% of the time; her attention was elsewhere 17% of the time. "
        "He turned even further away for 1 s. He comforted himself, sucking his thumb or hand, for 1 s. "
        "He was upset (fussing or protesting) for 2 s, 1 s of it in full protest (crying, pushing away). "
        "Of 4 moments out of step, 50% were repaired within 2 s; he took the first step back in 67% of the repairs.")


def test_account_of_a_still_face_by_episode():
    """Play, still-face, reunion of 2 s (4 steps) each. He looks at her 2 of 4 play steps (50%), 1 of 4
    still-face steps (25%), 3 of 4 reunion steps (75%); Ipro in 2 of 4 still-face steps (50%). What she
    does while he looks away counts only outside the still-face (where the protocol holds her still):
    steps 1, 2 and 11 — watching, intrusive, intrusive (33%, 67%). The still-face's mismatches are left out
    of the repairs: 2 remain, both within 2 s, 1 of 2 led by him."""
    sim = _sim(still_face(seconds=2),
               gaze=[0, 1, 1, 0, 0, 2, 2, 1, 0, 0, 0, 1],
               care=[0, 2, 3, 0, 2, 2, 2, 2, 0, 0, 0, 3],
               mode=[1, 2, 2, 1, 1, 3, 3, 2, 1, 1, 1, 2],
               code=[1, 2, 2, 1, 1, 4, 4, 2, 1, 1, 1, 2],
               comfort=[0] * 12,
               truth=[("play", 0.5, 1.5, 1.0, True, "infant"), ("still-face", 2, 3, 1.0, True, "infant"),
                      ("still-face", 3, 4, 1.0, False, ""), ("reunion", 5, 5.5, 0.5, True, "caregiver")])
    text = account(sim, 0)
    assert text.startswith("Over 6 s he looked away 3 times; a look away lasted 1.0 s on average")
    assert ("While he looked away she sat back and waited 33% of the time; she moved into his line of sight, "
            "coming closer and louder, 67% of the time.") in text
    assert ("When she held a still face he looked at her 25% of that time (in play: 50%) and protested 50% of it; "
            "at the reunion he looked at her 75% of the time.") in text
    assert text.endswith("Of 2 moments out of step outside the still face, 100% were repaired within 2 s; he took "
                         "the first step back in 50% of the repairs.")
    assert "comforted" not in text and "further" in text
