"""Label columns for the sequential tables: the name of each given and target code beside the raw code.

Codes of one tier (or of two tiers sampled in time units) are the raw codes of
their tier; codes of two tiers merged into one event stream are
``"stream:code"`` (:func:`attunement.sequential.event_sequences`), and keep
their stream in the label (``"caregiver:positive"``).

Examples
--------
>>> import pandas as pd
>>> from attunement.schemes.labels import CodeLabels
>>> cells = pd.DataFrame({"session": ["s"], "given": ["caregiver:1"], "target": ["infant:2"]})
>>> labels = CodeLabels({("caregiver", "1"): "positive", (None, "2"): "protest"})
>>> label_codes(cells, labels, given=("caregiver", "e"), target=("infant", "e"), merged=True).iloc[0].tolist()
['s', 'caregiver:1', 'caregiver:positive', 'infant:2', 'infant:protest']
"""

from __future__ import annotations

import pandas as pd

from ..schemes.labels import CodeLabels
from .sequences import TierKey, _stream_names

__all__ = ["label_codes"]


def label_codes(frame: pd.DataFrame, labels: CodeLabels, *, given: TierKey, target: TierKey | None = None,
                merged: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with ``given_label`` after ``given`` and ``target_label`` after ``target``.

    Parameters
    ----------
    frame : DataFrame
        ``lag_cells`` or ``time_window`` (columns ``given`` and ``target``).
    labels : CodeLabels
    given, target : (partner, tier)
        The tiers analysed (``target`` None: one tier).
    merged : bool
        Whether the codes are ``"stream:code"`` of two tiers merged into one
        event stream.

    Returns
    -------
    DataFrame
        The same rows; a code without a label gets ``""``.
    """
    target = given if target is None else target
    streams = dict(zip(_stream_names(given, target), (given[0], target[0]))) if merged else {}

    def name(code: object, partner: str) -> str:
        code = str(code)
        if streams:
            for stream, who in streams.items():
                if code.startswith(f"{stream}:"):
                    text = labels.label(code[len(stream) + 1:], partner=who)
                    return f"{stream}:{text}" if text else ""
        return labels.label(code, partner=partner)

    out = frame.copy()
    for column, partner in (("given", given[0]), ("target", target[0])):
        values = [name(code, partner) for code in out[column]]
        out.insert(out.columns.get_loc(column) + 1, f"{column}_label", values)
    return out
