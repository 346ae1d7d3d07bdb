"""Independent, deliberately simple helpers for the agreement tests (loops, no shared code with the package)."""

from __future__ import annotations

import numpy as np

from attunement.session import Tier


def random_tier(rng: np.random.Generator, *, codes: list[str], duration: float, mean_bout: float,
                gap_prob: float = 0.0) -> Tier:
    """A tier of back-to-back bouts with random codes; with ``gap_prob`` a bout is left uncoded."""
    records, t = [], 0.0
    while t < duration:
        length = float(rng.exponential(mean_bout)) + 0.05
        end = min(duration, t + length)
        if rng.random() >= gap_prob:
            records.append((str(rng.choice(codes)), round(t, 3), round(end, 3)))
        t = end
    return Tier.from_records([r for r in records if r[2] > r[1]])


def perturbed(rng: np.random.Generator, tier: Tier, *, jitter: float, flip: float, codes: list[str]) -> Tier:
    """A second coder: boundaries moved by up to ``jitter`` s, a share ``flip`` of codes replaced."""
    bounds = np.r_[tier.onset, tier.offset[-1]]
    inner = bounds[1:-1] + rng.uniform(-jitter, jitter, size=len(bounds) - 2)
    bounds = np.r_[bounds[0], np.sort(inner), bounds[-1]]
    records = []
    for code, a, b in zip(tier.code, bounds[:-1], bounds[1:]):
        if b - a > 1e-6:
            records.append((str(rng.choice(codes)) if rng.random() < flip else str(code), float(a), float(b)))
    return Tier.from_records(records)


def code_at(tier: Tier, t: float) -> str:
    """The code holding at time t, by a plain loop over the intervals ('' when none)."""
    found = ""
    for code, a, b in zip(tier.code, tier.onset, tier.offset):
        if a <= t < b:
            found = str(code)
    return found


def sampled_pairs(tier_a: Tier, tier_b: Tier, *, resolution: float, rule: str) -> tuple[list[str], list[str]]:
    """Both coders' codes at the midpoint of every unit of the tiers' joint span, with the uncoded rule applied."""
    start = min(tier_a.onset.min(), tier_b.onset.min())
    end = max(tier_a.offset.max(), tier_b.offset.max())
    a_codes, b_codes = [], []
    i = 0
    while start + (i + 0.5) * resolution < end:
        t = start + (i + 0.5) * resolution
        ca, cb = code_at(tier_a, t), code_at(tier_b, t)
        i += 1
        if rule == "exclude" and not (ca and cb):
            continue
        a_codes.append(ca or "(nothing)")
        b_codes.append(cb or "(nothing)")
    return a_codes, b_codes
