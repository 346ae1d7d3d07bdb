"""Direct computations from coded tiers, written independently of attunement.measures.

Each session's tiers are expanded onto the 0.25 s grid (every interval of the
simulator starts and ends on it) and the quantities are counted step by step.
The ICEP-R valences and matched pairs are written out here by hand from the
table in SCIENCE.md (same-valence pairs match; Cpvc positive).
"""

from __future__ import annotations

import numpy as np

DT = 0.25
VALENCE = {"Ipos": "positive", "Ineu": "neutral", "Inon": "neutral", "Ineg": "negative", "Ipro": "negative",
           "Iwit": "negative", "Cpos": "positive", "Cpvc": "positive", "Cneu": "neutral", "Cnon": "disengaged",
           "Cneg": "negative", "Cint": "negative", "Chos": "negative", "Cwit": "negative"}


def grid(tier, start: float, end: float, fill: str = "") -> np.ndarray:
    """The tier's code at every 0.25 s step of [start, end)."""
    n = int(round((end - start) / DT))
    out = np.full(n, fill, dtype=object)
    for code, on, off in zip(tier.code, tier.onset, tier.offset):
        lo, hi = int(round((on - start) / DT)), int(round((off - start) / DT))
        out[max(lo, 0):max(min(hi, n), 0)] = code
    return out


def runs(values: np.ndarray) -> list[tuple[object, int]]:
    """(value, length in steps) of each maximal run."""
    out: list[tuple[object, int]] = []
    for v in values:
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1] + 1)
        else:
            out.append((v, 1))
    return out


def dyad_measures(session, start: float, end: float) -> dict[str, float]:
    """Matched share, mismatch episodes repaired ≤ 2 s, mean latency, infant-led repairs, per window."""
    infant = grid(session.tier("infant", "engagement"), start, end)
    caregiver = grid(session.tier("caregiver", "engagement"), start, end)
    vi = np.array([VALENCE[c] for c in infant])
    vc = np.array([VALENCE[c] for c in caregiver])
    matched = vi == vc
    episodes, repaired_quick, latencies, infant_led = 0, 0, [], 0
    t = 0
    for value, length in runs(matched):
        if not value:
            episodes += 1
            end_step = t + length
            if end_step < len(matched):  # ends in a match: repaired
                latencies.append(length * DT)
                repaired_quick += length * DT <= 2.0
                if vi[end_step] != vi[end_step - 1] and vc[end_step] == vc[end_step - 1]:
                    infant_led += 1
        t += length
    return {"prop_matched": matched.mean(), "mismatches": episodes,
            "within_2s": repaired_quick / episodes if episodes else np.nan,
            "latency": np.mean(latencies) if latencies else np.nan,
            "infant_led_share": infant_led / len(latencies) if latencies else np.nan}


def code_share(session, partner: str, tier: str, codes: set[str], start: float, end: float) -> float:
    return float(np.isin(grid(session.tier(partner, tier), start, end), list(codes)).mean())


def mean_bout(sessions, partner: str, tier: str, codes: set[str]) -> float:
    """Mean length (s) of runs of any of ``codes`` on a tier (consecutive codes of the set merge)."""
    lengths = []
    for s in sessions:
        values = grid(s.tier(partner, tier), s.start, s.end)
        lengths += [n * DT for v, n in runs(np.isin(values, list(codes))) if v]
    return float(np.mean(lengths)) if lengths else float("nan")
