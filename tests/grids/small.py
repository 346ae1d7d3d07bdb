"""A small dyad on a 2 × 3 grid, written out by hand for the grid tests.

Infant states (rows): pos, neg. Caregiver states (columns): pos, neu, neg.
Matched cells: (pos, pos) and (neg, neg). The caregiver's code ``Cx`` (11–13 s)
is excluded, which splits the trajectory in two; ``Ip2`` maps to pos like
``Ip`` and ``Cn2`` to neg like ``Cn`` (a code change that is no state change).

Joint timeline, segment by segment (s), and the visits it makes::

    piece 1   0–2  (pos, pos)   V1
              2–4  (pos, neu)   V2
              4–6  (neg, neu)   V3
              6–8  (neg, neg)   V4   Cn
              8–9  (neg, neg)   V4   Cn2: same cell, same visit (6–9)
              9–10 (pos, neg)   V5
             10–11 (pos, neu)   V6   return to (pos, neu): 10 − 4 = 6 s
    excluded 11–13 (caregiver Cx)
    piece 2  13–15 (pos, pos)   V7   (infant code Ip2)
             15–17 (neg, neg)   V8
             17–19 (pos, pos)   V9   return to (pos, pos): 17 − 15 = 2 s
             19–24 (neg, neg)   V10  return to (neg, neg): 19 − 17 = 2 s
"""

from __future__ import annotations

from attunement import Scheme, Session, Tier

SCHEME = Scheme.from_dict({
    "name": "small",
    "partners": ["infant", "caregiver"],
    "tier": "engagement",
    "states": {"infant": {"Ip": "pos", "Ip2": "pos", "In": "neg"},
               "caregiver": {"Cp": "pos", "Cu": "neu", "Cn": "neg", "Cn2": "neg"}},
    "exclude": {"caregiver": ["Cx"]},
    "match": [["pos", "pos"], ["neg", "neg"]],
})

INFANT = [("Ip", 0, 4), ("In", 4, 9), ("Ip", 9, 12), ("Ip2", 12, 15), ("In", 15, 17), ("Ip", 17, 19),
          ("In", 19, 24)]
CAREGIVER = [("Cp", 0, 2), ("Cu", 2, 6), ("Cn", 6, 8), ("Cn2", 8, 10), ("Cu", 10, 11), ("Cx", 11, 13),
             ("Cp", 13, 15), ("Cn", 15, 17), ("Cp", 17, 19), ("Cn", 19, 24)]


def small_session(session_id: str = "s1", **metadata) -> Session:
    return Session(session_id, tiers={("infant", "engagement"): Tier.from_records(INFANT),
                                      ("caregiver", "engagement"): Tier.from_records(CAREGIVER)},
                   metadata=metadata)


def second_session(session_id="s2", **metadata):
    """Infant pos 0–10 s; caregiver pos 0–5, neu 5–10: cells (pos, pos) 5 s, (pos, neu) 5 s."""
    return Session(session_id, tiers={
        ("infant", "engagement"): Tier.from_records([("Ip", 0, 10)]),
        ("caregiver", "engagement"): Tier.from_records([("Cp", 0, 5), ("Cu", 5, 10)])}, metadata=metadata)
