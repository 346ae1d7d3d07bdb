"""Write the built-in example session: an invented Still-Face session coded in ICEP-R.

The session is not real data. It is made up by this script, second by second,
so that ``attune demo`` and the tests have a caregiver–infant session to show
before the simulation model lands. Run it from the project root::

    python examples/make_still_face_example.py

and it rewrites ``src/attunement/data/still_face_example.csv`` (tidy CSV). The
script is deterministic: the same seed gives the same file.

How the session is made
-----------------------
Three episodes of 120 s: play, still-face, reunion (Tronick et al. 1978). Each
partner holds a code for a bout whose length is drawn from a geometric
distribution with the code's mean bout length (whole seconds, at least 1), then
moves to another code. Mean bouts follow the ICEP-R still-face data set of 87
sessions quoted in SCIENCE.md (infant social positive 2.5 s, social monitor
2.5 s, object/environment 10.3 s, protest 10.3 s; caregiver positive 2.3 s,
positive vocalisation 3.6 s, neutral 7.8 s, intrusive 3.3 s); the others are our
guesses.

- The infant's next code depends on the episode and on what the caregiver is
  doing (warmth invites the infant back; intrusion sends him away).
- In play and reunion the caregiver watches the infant: when the infant changes
  code she often ends her own bout a second or two later and answers him
  (a warm greeting when he comes back, a pause when he turns away, soothing
  when he protests). So repairs are led by both partners.
- In the still-face episode the caregiver holds a neutral, unresponsive face
  (``Cneu``) throughout; the infant smiles less and protests more.
- In reunion the caregiver answers a little less promptly and the infant
  carries some protest over: a partial recovery.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from attunement.io import tidy
from attunement.session import Episode, Session, Tier

SEED = 1259  # see the data README: chosen so the session shows the usual still-face signature
OUT = Path(__file__).resolve().parents[1] / "src" / "attunement" / "data" / "still_face_example.csv"
EPISODES = (("play", 0, 120), ("still-face", 120, 240), ("reunion", 240, 360))

INFANT_CODES = ("Ipos", "Ineu", "Inon", "Ineg", "Ipro")
CAREGIVER_CODES = ("Cpos", "Cpvc", "Cneu", "Cint", "Cnon")

# Mean bout length in seconds (SCIENCE.md for the first four of each; Ineg and Cnon are guesses).
INFANT_MEAN_BOUT = {"Ipos": 2.5, "Ineu": 2.5, "Inon": 10.3, "Ineg": 3.0, "Ipro": 10.3}
CAREGIVER_MEAN_BOUT = {"Cpos": 2.3, "Cpvc": 3.6, "Cneu": 7.8, "Cint": 3.3, "Cnon": 4.0}

# Where the infant goes next, by episode (relative weights over INFANT_CODES).
INFANT_NEXT = {
    "play":       {"Ipos": 4, "Ineu": 5, "Inon": 3, "Ineg": 0.5, "Ipro": 0.3},
    "still-face": {"Ipos": 1, "Ineu": 4, "Inon": 2.5, "Ineg": 2, "Ipro": 2.5},
    "reunion":    {"Ipos": 3, "Ineu": 5, "Inon": 3, "Ineg": 1, "Ipro": 1},
}
# How the caregiver's current code shifts the infant's choice (multipliers).
INFANT_GIVEN_CAREGIVER = {
    "Cpos": {"Ipos": 2.5},
    "Cpvc": {"Ipos": 1.8, "Ineu": 1.3},
    "Cneu": {"Ineu": 1.5},
    "Cint": {"Inon": 2.5, "Ipro": 2.0, "Ipos": 0.3},
    "Cnon": {"Inon": 2.0, "Ineu": 1.3},
}
# How the caregiver answers each infant code (play and reunion).
CAREGIVER_ANSWER = {
    "Ipos": {"Cpos": 6, "Cpvc": 3, "Cneu": 0.5, "Cint": 0.5, "Cnon": 0.2},
    "Ineu": {"Cpos": 1.5, "Cpvc": 4, "Cneu": 2.5, "Cint": 0.6, "Cnon": 0.3},
    "Inon": {"Cpos": 0.5, "Cpvc": 2.5, "Cneu": 3.5, "Cint": 1.2, "Cnon": 1},
    "Ineg": {"Cpos": 0.3, "Cpvc": 4, "Cneu": 2, "Cint": 1.5, "Cnon": 0.3},
    "Ipro": {"Cpos": 0.2, "Cpvc": 4, "Cneu": 2, "Cint": 1.5, "Cnon": 0.3},
}
# Chance that the caregiver answers a change of the infant's code, by episode.
CAREGIVER_RESPONSIVENESS = {"play": 0.6, "reunion": 0.4}


def bout_length(rng: np.random.Generator, mean_s: float) -> int:
    """Whole seconds, at least 1, with the given mean (geometric distribution)."""
    return int(rng.geometric(1.0 / mean_s))


def choose(rng: np.random.Generator, weights: dict[str, float], *, leave: str | None = None) -> str:
    """A code drawn with the given weights, never ``leave`` (a new bout is a new code)."""
    codes = [c for c in weights if c != leave and weights[c] > 0]
    p = np.array([weights[c] for c in codes], dtype=float)
    return str(rng.choice(codes, p=p / p.sum()))


def infant_weights(episode: str, caregiver_code: str) -> dict[str, float]:
    weights = dict(INFANT_NEXT[episode])
    for code, factor in INFANT_GIVEN_CAREGIVER.get(caregiver_code, {}).items():
        weights[code] *= factor
    return weights


def simulate(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """One code per second for each partner, 360 s."""
    infant: list[str] = []
    caregiver: list[str] = []
    infant_code, infant_left = "Ineu", 0
    caregiver_code, caregiver_left = "Cpvc", 0
    answer_at = -1  # the second at which the caregiver will answer the infant's last change
    for episode, start, end in EPISODES:
        for t in range(start, end):
            if t == start:  # every episode starts with fresh bouts
                infant_left = caregiver_left = 0
                answer_at = -1
            # the infant moves on when his bout is over, seeing the caregiver's last second
            if infant_left == 0:
                seen = caregiver[-1] if caregiver else caregiver_code
                new_code = choose(rng, infant_weights(episode, seen), leave=infant_code if t > 0 else None)
                infant_left = bout_length(rng, INFANT_MEAN_BOUT[new_code])
                if new_code != infant_code and episode in CAREGIVER_RESPONSIVENESS:
                    if rng.random() < CAREGIVER_RESPONSIVENESS[episode]:
                        answer_at = t + int(rng.integers(1, 3))  # she answers 1 or 2 s later
                infant_code = new_code
            # the caregiver: still face throughout the still-face episode
            if episode == "still-face":
                caregiver_code = "Cneu"
            elif caregiver_left == 0 or t == answer_at:
                # answering, she may find she is already doing the right thing and carry on
                answering = t == answer_at
                new_code = choose(rng, CAREGIVER_ANSWER[infant_code], leave=None if answering else caregiver_code)
                if new_code != caregiver_code or not answering:
                    caregiver_left = bout_length(rng, CAREGIVER_MEAN_BOUT[new_code])
                caregiver_code = new_code
            infant.append(infant_code)
            caregiver.append(caregiver_code)
            infant_left -= 1
            caregiver_left -= 1
    return infant, caregiver


def to_tier(codes: list[str]) -> Tier:
    """Runs of equal codes as intervals; a run is cut at episode boundaries."""
    cuts = {start for _, start, _ in EPISODES}
    records: list[tuple[str, float, float]] = []
    for t, code in enumerate(codes):
        if records and records[-1][0] == code and t not in cuts:
            records[-1] = (code, records[-1][1], float(t + 1))
        else:
            records.append((code, float(t), float(t + 1)))
    return Tier.from_records(records)


def main() -> Path:
    rng = np.random.default_rng(SEED)
    infant, caregiver = simulate(rng)
    session = Session(
        id="example-still-face",
        tiers={("infant", "engagement"): to_tier(infant), ("caregiver", "engagement"): to_tier(caregiver)},
        episodes=tuple(Episode(name, float(start), float(end)) for name, start, end in EPISODES),
    )
    return tidy.write([session], OUT)


if __name__ == "__main__":
    print(f"wrote {main()}")
