"""A session told in plain words for a parent: strengths first, no statistics.

:func:`session_account` reads one session's joint timeline (``segments``) and
mismatch episodes (``mismatches``) as :func:`attunement.analyze` writes them and
says, in this order,

1. how many moments out of step the pair repaired, and how soon (the median
   latency to repair; Tronick & Cohn 1989);
2. who took the first step back in those repairs (the partner whose state
   changed at the repair instant; both at once is "together");
3. the moments the two shared a positive state (both partners' states named
   ``positive``; with a gaze scheme, both ``looking``): how many and how long;
4. that moments out of step are part of every interaction (SCIENCE.md:
   mis-attunement happens to every dyad, many times a minute), and how many
   were still open at the end of an episode, without blame.

Only counts, times and shares appear: no p-values, no test statistics.

Examples
--------
>>> import pandas as pd
>>> seg = pd.DataFrame({"onset_s": [0, 4, 6, 9], "offset_s": [4, 6, 9, 12],
...                     "state_infant": ["positive", "neutral", "positive", "neutral"],
...                     "state_caregiver": ["positive", "positive", "positive", "positive"],
...                     "status": ["matched", "mismatched", "matched", "mismatched"]})
>>> mis = pd.DataFrame({"onset_s": [4.0, 9.0], "offset_s": [6.0, 12.0], "duration_s": [2.0, 3.0],
...                     "repaired": [True, False], "led_by": ["infant", ""]})
>>> for line in session_account(seg, mis, partners=("infant", "caregiver")):
...     print(line)
The two of you found your way back to each other 1 time after a moment out of step, typically within 2 seconds.
The infant took the first step back 1 time.
You shared 2 moments of positive feeling (7 seconds in all).
Moments out of step are part of every interaction; 1 was still open when the episode ended.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["session_account", "SHARED_STATES"]

#: The states that, held by both partners at once, count as a shared positive moment.
SHARED_STATES = ("positive", "looking")


def _times(n: int) -> str:
    return "1 time" if n == 1 else f"{n} times"


def _seconds(s: float) -> str:
    return f"{s:.0f} second{'' if round(s) == 1 else 's'}" if s >= 1 else "less than a second"


def session_account(segments: pd.DataFrame, mismatches: pd.DataFrame, *, partners: Sequence[str]) -> list[str]:
    """Sentences about one session, strengths first (see the module docstring).

    Parameters
    ----------
    segments : DataFrame
        One session's rows of ``Results.segments``: ``onset_s, offset_s,
        state_<partner>…, status``.
    mismatches : DataFrame
        The session's rows of ``Results.mismatches``: ``onset_s, offset_s,
        duration_s, repaired, led_by``.
    partners : sequence of str
        The two partners, in the scheme's order.

    Returns
    -------
    list of str
        Plain sentences, repairs first.
    """
    lines = []
    repaired = mismatches[mismatches.repaired.astype(bool)] if len(mismatches) else mismatches
    if len(repaired):
        median = float(np.median(repaired.duration_s))
        lines.append(f"The two of you found your way back to each other {_times(len(repaired))} after a moment "
                     f"out of step, typically within {_seconds(median)}.")
        led = repaired.led_by.astype(str).value_counts()
        parts = [f"the {p} took the first step back {_times(int(led[p]))}" for p in partners if led.get(p, 0)]
        if led.get("joint", 0):
            parts.append(f"you both moved at the same moment {_times(int(led['joint']))}")
        if parts:
            text = "; ".join(parts)
            lines.append(text[0].upper() + text[1:] + ".")
    elif len(mismatches):
        lines.append("There was no repair to see in this stretch: the moments out of step ran to the end of "
                     "an episode or into time that was not coded.")
    columns = [f"state_{p}" for p in partners]
    if len(segments) and all(c in segments.columns for c in columns):
        for shared in SHARED_STATES:
            both = np.logical_and.reduce([segments[c].astype(str).to_numpy() == shared for c in columns])
            if both.any():
                starts = both & ~np.r_[False, both[:-1] & np.isclose(segments.onset_s.to_numpy()[1:],
                                                                     segments.offset_s.to_numpy()[:-1])]
                seconds = float((segments.offset_s - segments.onset_s)[both].sum())
                what = "positive feeling" if shared == "positive" else "looking at each other"
                lines.append(f"You shared {int(starts.sum())} moment{'s' if starts.sum() != 1 else ''} of {what} "
                             f"({_seconds(seconds)} in all).")
                break
    if len(mismatches):
        open_ = int((~mismatches.repaired.astype(bool)).sum())
        text = "Moments out of step are part of every interaction"
        lines.append(text + (f"; {open_} {'was' if open_ == 1 else 'were'} still open when the episode ended."
                             if open_ else "."))
    return lines
