"""Where two coders agree and disagree, as a sequence of time segments.

The comparison window is cut at every onset and offset of both coders'
intervals; within each piece both coders' codes are constant. Each piece is
one row: the two codes and a status —

- ``agree``: both coded it, with the same code;
- ``disagree``: both coded it, with different codes;
- ``only_a`` / ``only_b``: one coder coded it and the other did not (left out
  of time-unit kappa under ``uncoded="exclude"``; a disagreement with
  ``"(nothing)"`` under ``"nothing"``);
- ``neither``: neither coder coded it.

Adjacent pieces with the same codes merge. Intervals are half-open
``[onset, offset)``, as in time-unit agreement; point events cover no time and
are not segments (they count in event agreement). This is the exact-time
version of the time-unit table (:mod:`attunement.agreement.timeunits`), for
drawing and for finding the passages worth talking through.

Examples
--------
>>> from attunement.session import Tier
>>> a = Tier.from_records([("x", 0, 4), ("y", 4, 10)])
>>> b = Tier.from_records([("x", 0, 5), ("y", 5, 8)])
>>> coder_segments(a, b, start_s=0, end_s=10)[["onset_s", "offset_s", "code_a", "code_b", "status"]].values.tolist()
[[0.0, 4.0, 'x', 'x', 'agree'], [4.0, 5.0, 'y', 'x', 'disagree'], [5.0, 8.0, 'y', 'y', 'agree'], [8.0, 10.0, 'y', '', 'only_a']]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..session import Tier

__all__ = ["SEGMENT_COLUMNS", "coder_segments"]

#: Columns of :func:`coder_segments`.
SEGMENT_COLUMNS = ["onset_s", "offset_s", "code_a", "code_b", "status"]

_EPS = 1e-9


def _code_at(tier: Tier, times: np.ndarray, codes: Sequence[str] | None) -> np.ndarray:
    """The code each tier holds at ``times`` (half-open intervals; ``""`` where none)."""
    durable = tier.offset > tier.onset
    if codes is not None:
        durable &= np.isin(tier.code.astype(str), np.asarray(list(codes), dtype=str))
    on, off, code = tier.onset[durable], tier.offset[durable], tier.code[durable].astype(str)
    order = np.argsort(on, kind="stable")
    on, off, code = on[order], off[order], code[order]
    out = np.full(len(times), "", dtype=object)
    if not len(on):
        return out
    i = np.searchsorted(on, times + _EPS, side="right") - 1
    ok = i >= 0
    i = np.clip(i, 0, None)
    inside = ok & (times < off[i] - _EPS)
    out[inside] = code[i[inside]]
    return out


def coder_segments(tier_a: Tier, tier_b: Tier, *, start_s: float, end_s: float,
                   codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The segments of ``[start_s, end_s)`` in which both coders' codes are constant.

    Parameters
    ----------
    tier_a, tier_b : Tier
        The two coders' tiers, on one time base (overlaps within a tier are
        refused earlier, by time-unit agreement).
    start_s, end_s : float
        The comparison window.
    codes : sequence of str, optional
        Only these codes count; others are uncoded time.

    Returns
    -------
    DataFrame
        ``onset_s, offset_s, code_a, code_b`` (``""`` where a coder has no
        code) and ``status`` (``agree``, ``disagree``, ``only_a``, ``only_b``,
        ``neither``), in time order, adjacent equal rows merged.
    """
    cuts = np.concatenate([[start_s, end_s], tier_a.onset, tier_a.offset, tier_b.onset, tier_b.offset])
    cuts = np.unique(cuts[(cuts >= start_s - _EPS) & (cuts <= end_s + _EPS)].astype(np.float64))
    cuts = cuts[np.r_[True, np.diff(cuts) > _EPS]]
    if len(cuts) < 2:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    lo, hi = cuts[:-1], cuts[1:]
    code_a, code_b = _code_at(tier_a, lo, codes), _code_at(tier_b, lo, codes)
    has_a, has_b = code_a != "", code_b != ""
    status = np.select([has_a & has_b & (code_a == code_b), has_a & has_b, has_a, has_b],
                       ["agree", "disagree", "only_a", "only_b"], default="neither").astype(object)
    new = np.r_[True, (code_a[1:] != code_a[:-1]) | (code_b[1:] != code_b[:-1])]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(lo)] - 1
    return pd.DataFrame({"onset_s": lo[starts], "offset_s": hi[ends], "code_a": code_a[starts],
                         "code_b": code_b[starts], "status": status[starts]}, columns=SEGMENT_COLUMNS)
