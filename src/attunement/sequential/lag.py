"""Lag-k frequency tables from coded sequences, per session or pooled.

For a sequence s₁…s_n, the lag-k table counts x_ij = #{t ≤ n − k : g_t = i,
h_{t+k} = j}, where g and h are the given and target sequences (the same
sequence for one stream). Elements marked uncoded (``-1``) take part in no
transition, and no transition crosses a session boundary: each session has its
own table, and the pooled table is their sum (METHODS.md §6; Bakeman & Quera
2011, ch. 11).
"""

from __future__ import annotations

import numpy as np

from ..errors import SessionError
from .sequences import Sequences

__all__ = ["lag_counts", "lag_tables"]


def lag_counts(given: np.ndarray, target: np.ndarray, *, lag: int, n_given: int, n_target: int) -> np.ndarray:
    """The lag-``lag`` table of one pair of aligned integer sequences.

    Parameters
    ----------
    given, target : int arrays of equal length
        Code indices, ``-1`` where uncoded.
    lag : int
        A positive lag.
    n_given, n_target : int
        The number of row and column codes.

    Returns
    -------
    ndarray of shape (n_given, n_target)
        Integer counts.

    Examples
    --------
    >>> seq = np.array([0, 1, 0, 0, 1])
    >>> lag_counts(seq, seq, lag=1, n_given=2, n_target=2).tolist()
    [[1, 2], [1, 0]]
    """
    if lag < 1:
        raise ValueError(f"lag must be a positive integer, got {lag}")
    g = np.asarray(given)[:-lag] if lag < len(given) else np.empty(0, dtype=np.int64)
    h = np.asarray(target)[lag:] if lag < len(target) else np.empty(0, dtype=np.int64)
    ok = (g >= 0) & (h >= 0)
    flat = g[ok] * n_target + h[ok]
    return np.bincount(flat, minlength=n_given * n_target).reshape(n_given, n_target)


def lag_tables(sequences: Sequences, *, lag: int) -> dict[str, np.ndarray]:
    """The lag-``lag`` table of every session.

    Parameters
    ----------
    sequences : Sequences
    lag : int
        A positive lag.

    Returns
    -------
    dict of session id → ndarray (given codes × target codes)
        The pooled table is ``sum(tables.values())``.

    Examples
    --------
    >>> from attunement.sequential.sequences import from_codes
    >>> tables = lag_tables(from_codes([["a", "b", "a"], ["b", "b"]]), lag=1)
    >>> tables["1"].tolist(), tables["2"].tolist()
    ([[0, 1], [1, 0]], [[0, 0], [0, 1]])
    """
    kg, kt = len(sequences.given_labels), len(sequences.target_labels)
    ids = [s.session for s in sequences.sessions]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise SessionError(f"session id(s) {', '.join(map(repr, twice))} occur more than once in the batch; "
                           f"per-session tables need unique ids. Rename the sessions or analyse the files apart.")
    return {s.session: lag_counts(s.given, s.target, lag=lag, n_given=kg, n_target=kt)
            for s in sequences.sessions}
