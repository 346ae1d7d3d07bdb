"""Lag-sequential and time-window sequential analysis of coded sessions.

Pipeline: Sessions → sequences (:mod:`.sequences`: event or time-sampled, one
tier or two merged) → lag tables (:mod:`.lag`) → cell and table statistics
(:mod:`.stats`) with optional permutation tests (:mod:`.permutation`), in one
call: :func:`lag_sequential`. :func:`time_window` asks whether a target code
starts within W seconds after a given code more often than chance
(:mod:`.window`). Every result is a tidy DataFrame, ``session`` first and
``"pooled"`` for the sum over sessions.

Examples
--------
>>> from attunement.sequential import from_codes, lag_sequential
>>> res = lag_sequential(from_codes(list("abcabcab")), max_lag=1, no_repeat=True)
>>> row = res.cells.query("session == 'pooled' and given == 'a' and target == 'b'").iloc[0]
>>> int(row["count"]), float(row["trans_prob"])
(3, 1.0)
"""

from .analysis import POOLED, LagResults, lag_sequential
from .lag import lag_counts, lag_tables
from .sequences import Sequences, event_sequences, from_codes, parse_tier_spec, sampled_sequences
from .stats import TableStatistics, table_statistics
from .window import time_window

__all__ = ["lag_sequential", "LagResults", "POOLED", "Sequences", "event_sequences", "sampled_sequences",
           "from_codes", "parse_tier_spec", "lag_counts", "lag_tables", "table_statistics", "TableStatistics",
           "time_window"]
