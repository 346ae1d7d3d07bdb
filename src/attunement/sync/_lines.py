"""Recurrence sweep in memory linear in the series' length: counts and line-length histograms.

The recurrence matrix R (rows i: ts1's embedded vectors, columns j: ts2's) is
never built. Recurrent pairs are enumerated row block by row block from a sort
of ts2 on its first coordinate (a candidate (i, j) must satisfy
``|X[i, 0] − Y[j, 0]| ≤ d(X[i], Y[j])`` for every metric offered), then kept
when the exact distance passes the criterion. Each block holds a bounded
number of pairs, so the memory is O(N + M + block) and the time
O((N + M) log M + number of candidate pairs).

Lines are found from their ends, not by scanning the matrix: a recurrent point
(i, j) *starts* a diagonal line when (i − 1, j − 1) is not recurrent and *ends*
one when (i + 1, j + 1) is not; likewise (i, j ∓ 1) for vertical lines (fixed
i, runs over j). Those neighbours' recurrence is recomputed from the data with
the very same criterion. Lines of length 1 are counted at once; a start walks
forward and an end backward up to ``_WALK`` points, so short lines are measured
where they begin (and dropped where they end) without any sort. For the longer
ones, starts and ends alternate on each diagonal, ``s₁ ≤ e₁ < s₂ ≤ e₂ < …``, so
after sorting both by (diagonal, i) the k-th start pairs with the k-th end; a
start whose end lies in a later block is carried (at most one per diagonal).
Vertical lines never leave their row, so they pair within a block.

When the candidate pairs are more than ``_DENSE_SHARE`` (5 %) of the N·M
cells, :func:`sweep` hands the plot to the band sweep (:mod:`._bands`), which
tests every cell: at about 2–4 ns per cell against about 30–80 ns per
candidate here, it is the faster from a few per cent of candidates on. The
share is scaled by the band sweep's cost per cell: × the embedding dimension
(one more pass per coordinate; not for the maximum metric, which thresholds
each coordinate first), × ½ for a symmetric plot (half the cells). Ranks
compared within intervals (the maximum metric, or one coordinate) make a band
cell cheaper still, but the share is kept: on the 100,000-point, m = 1 plot of
``benchmarks/crqa.py`` (2.8 % candidates, diagonal lines of about 2.5 points)
the band sweep took 36 s against this sweep's 27 s (same loaded machine), its
cost there lying in the many short lines, not in the cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

_TARGET_PAIRS = 1 << 19  # candidate pairs per block: bounds the working memory (~40 MB)
_DENSE_SHARE = 0.05  # candidate pairs per cell above which every cell is tested (the band sweep; see sweep)
_WALK = 8  # lines up to this length are measured by walking along them; longer ones are paired by sorting


@dataclass(frozen=True)
class Space:
    """Embedded vectors and the recurrence criterion.

    ``R[i, j] = 1`` iff ``d(X[i], Y[j]) / scale ≤ radius`` (``strict``: ``<``),
    the lag ``k = j − i`` passes :meth:`keep_lag`, and both indices are in range.
    """

    x: np.ndarray  # (N, m) float64
    y: np.ndarray  # (M, m) float64
    metric: str  # "euclidean" | "maximum" | "manhattan"
    radius: float
    scale: float | None  # None: compare raw distances (no division)
    strict: bool
    theiler: int  # points with |k| < theiler are not recurrent
    side: str  # "both" | "upper" (k < 0 only) | "lower" (k > 0 only)
    series: tuple[np.ndarray, np.ndarray] | None = None  # the scalar series x, y embedded (for the band sweep)
    delay: int = 1  # their embedding delay: x[:, l] == series[0][l·delay : l·delay + N]

    @property
    def symmetric(self) -> bool:
        """R[i, j] = R[j, i]: one series on both axes and both sides kept (the Theiler window is symmetric)."""
        return self.x is self.y and self.side == "both" and (self.series is None or self.series[0] is self.series[1])

    @property
    def masked(self) -> bool:
        return self.theiler > 0 or self.side != "both"

    def keep_lag(self, k: np.ndarray) -> np.ndarray:
        keep = np.ones(k.shape, dtype=bool)
        if self.theiler > 0:
            keep &= np.abs(k) >= self.theiler
        if self.side == "upper":
            keep &= k < 0
        elif self.side == "lower":
            keep &= k > 0
        return keep

    def distance(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        # coordinate by coordinate on contiguous columns: a reduction along a short last axis is slow in numpy
        xc, yc = self.columns
        d = xc[0][i]
        d -= yc[0][j]
        np.abs(d, out=d)  # one coordinate: every metric is |a − b| (and sqrt((a − b)²) == |a − b| exactly)
        if len(xc) == 1:
            return d
        if self.metric == "euclidean":
            d *= d
        for a, b in zip(xc[1:], yc[1:]):
            part = a[i]
            part -= b[j]
            if self.metric == "euclidean":
                part *= part
                d += part
            else:
                np.abs(part, out=part)
                if self.metric == "maximum":
                    np.maximum(d, part, out=d)
                else:
                    d += part
        return np.sqrt(d, out=d) if self.metric == "euclidean" else d

    @cached_property
    def columns(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        xc = tuple(np.ascontiguousarray(self.x[:, c]) for c in range(self.x.shape[1]))
        yc = xc if self.y is self.x else tuple(np.ascontiguousarray(self.y[:, c]) for c in range(self.y.shape[1]))
        return xc, yc

    def passes(self, d: np.ndarray) -> np.ndarray:
        if self.scale is not None:
            d = d / self.scale
        return d < self.radius if self.strict else d <= self.radius

    def recurrent(self, i: np.ndarray, j: np.ndarray, *, same_diagonal: bool) -> np.ndarray:
        """R[i, j] for index arrays that may fall outside the matrix (then 0).

        ``same_diagonal``: the points lie on the diagonals of points already known
        to pass the lag mask, so the mask need not be checked again.
        """
        n, m = self.x.shape[0], self.y.shape[0]
        inside = (i >= 0) & (i < n) & (j >= 0) & (j < m)
        if self.masked and not same_diagonal:
            inside &= self.keep_lag(j - i)
        d = self.distance(np.minimum(np.maximum(i, 0), n - 1), np.minimum(np.maximum(j, 0), m - 1))
        return inside & self.passes(d)

    @property
    def candidate_radius(self) -> float:
        """A raw distance bound that every recurrent pair meets, with a margin for rounding."""
        r = self.radius * (self.scale if self.scale is not None else 1.0)
        extent = max(float(np.max(np.abs(self.x[:, 0]))), float(np.max(np.abs(self.y[:, 0]))))
        return r * (1.0 + 1e-9) + 8.0 * np.finfo(np.float64).eps * max(extent, r)


@dataclass
class Sweep:
    """What one pass over R accumulates."""

    n_recurrent: int
    diagonal_counts: np.ndarray | None  # recurrent points per lag k = j − i, index k + N − 1
    diagonal_hist: np.ndarray | None  # diagonal_hist[l]: number of diagonal lines of length l (l ≥ 1)
    vertical_hist: np.ndarray | None  # vertical_hist[v]: number of vertical lines of length v


def sweep(space: Space, *, lines: bool, profile: bool, skip_main_diagonal_lines: bool = False,
          target_pairs: int | None = None, engine: str | None = None) -> Sweep:
    """One pass over the recurrence plot: over the recurrent pairs, row block by row block, or over every cell.

    ``skip_main_diagonal_lines`` leaves the points of k = 0 out of the diagonal
    line histogram only (Marwan's LOI exclusion); they still count as recurrent
    and in vertical lines. ``engine``: ``"pairs"`` (this module), ``"bands"``
    (:mod:`._bands`, every cell, band of diagonals by band), or None: the bands
    when the candidate pairs are more than ``_DENSE_SHARE`` of the cells.
    """
    target_pairs = _TARGET_PAIRS if target_pairs is None else target_pairs
    x, y = space.x, space.y
    n, m = x.shape[0], y.shape[0]
    order = np.argsort(y[:, 0], kind="stable")
    ys = y[order, 0]
    r = space.candidate_radius
    lo = np.searchsorted(ys, x[:, 0] - r, side="left")
    hi = np.searchsorted(ys, x[:, 0] + r, side="right")
    cum = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(hi - lo, out=cum[1:])
    if engine is None:
        # a band cell costs about one more pass per extra coordinate (but for the maximum metric), half of them
        # are skipped in a symmetric plot
        cost = (1.0 if space.metric == "maximum" else float(x.shape[1])) * (0.5 if space.symmetric else 1.0)
        engine = "bands" if space.series is not None and cum[-1] > _DENSE_SHARE * cost * n * m else "pairs"
    if engine == "bands":
        from ._bands import sweep_bands  # imports this module

        return sweep_bands(space, lines=lines, profile=profile, skip_main_diagonal_lines=skip_main_diagonal_lines)

    n_rec = 0
    counts = np.zeros(n + m - 1, dtype=np.int64) if profile else None
    size = min(n, m) + 1
    diag_hist = np.zeros(size, dtype=np.int64) if lines else None
    vert_hist = np.zeros(m + 1, dtype=np.int64) if lines else None
    stride = np.int64(n + 1)  # diagonal key: (k + n − 1)·(n + 1) + i
    open_starts = np.zeros(0, dtype=np.int64)  # diagonal starts whose end is in a later block

    i0 = 0
    while i0 < n:
        i1 = int(np.searchsorted(cum, cum[i0] + target_pairs, side="right")) - 1
        i1 = min(max(i1, i0 + 1), n)
        per_row = hi[i0:i1] - lo[i0:i1]
        total = int(cum[i1] - cum[i0])
        if total:
            rows = np.repeat(np.arange(i0, i1, dtype=np.int64), per_row)
            first = np.repeat(lo[i0:i1] - (cum[i0:i1] - cum[i0]), per_row)
            cols = order[np.arange(total, dtype=np.int64) + first]
            keep = space.passes(space.distance(rows, cols))
            if space.masked:
                keep &= space.keep_lag(cols - rows)
            ii, jj = rows[keep], cols[keep]
            del rows, first, cols, keep
            n_rec += ii.size
            if profile:
                counts += np.bincount(jj - ii + (n - 1), minlength=n + m - 1)
            if lines and ii.size:
                open_starts = _diagonal_lines(space, ii, jj, open_starts, diag_hist, stride, n,
                                              skip_main_diagonal_lines)
                _vertical_lines(space, ii, jj, i0, vert_hist, m)
        i0 = i1
    if lines and open_starts.size:  # every line ends inside the matrix, so none can be left open
        raise AssertionError("recurrence sweep: a diagonal line was left without an end")
    return Sweep(n_rec, counts, diag_hist, vert_hist)


def _resolve(space: Space, ii: np.ndarray, jj: np.ndarray, di: int, same_diagonal: bool,
             hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Count the lines of the recurrent points (ii, jj) along (di, 1) that are short; return the rest.

    A point is a start when its predecessor is not recurrent and an end when its
    successor is not. Lines of length 1 (start and end at once) are counted at
    once. A start walks forward up to ``_WALK`` points and an end backward: a line
    of length L ≤ _WALK is counted from its start and dropped at its end, whatever
    block either lies in. Returns the indices of the starts and the ends of the
    longer lines, to be paired by sorting.
    """
    is_start = ~space.recurrent(ii - di, jj - 1, same_diagonal=same_diagonal)
    is_end = ~space.recurrent(ii + di, jj + 1, same_diagonal=same_diagonal)
    hist[1] += int(np.count_nonzero(is_start & is_end))
    out = []
    for sign, idx in ((1, np.flatnonzero(is_start & ~is_end)), (-1, np.flatnonzero(is_end & ~is_start))):
        si, sj = ii[idx], jj[idx]
        alive = np.arange(idx.size)
        for step in range(2, _WALK + 1):
            if not alive.size:
                break
            on = space.recurrent(si[alive] + sign * step * di, sj[alive] + sign * step,
                                 same_diagonal=same_diagonal)
            if sign == 1:
                hist[step] += int(alive.size - np.count_nonzero(on))
            alive = alive[on]
        out.append(idx[alive])
    return out[0], out[1]


def _diagonal_lines(space: Space, ii: np.ndarray, jj: np.ndarray, open_starts: np.ndarray,
                    hist: np.ndarray, stride: np.int64, n: int, skip_main: bool) -> np.ndarray:
    if skip_main:
        off = ii != jj
        ii, jj = ii[off], jj[off]
    first, last = _resolve(space, ii, jj, 1, True, hist)
    if first.size == 0 and last.size == 0:
        return open_starts
    key_first = (jj[first] - ii[first] + (n - 1)) * stride + ii[first]
    ends = np.sort((jj[last] - ii[last] + (n - 1)) * stride + ii[last])
    starts = np.sort(np.concatenate([open_starts, key_first]))
    if ends.size == 0:
        return starts
    at = np.searchsorted(ends, starts, side="left")
    matched = at < ends.size
    matched[matched] = ends[at[matched]] // stride == starts[matched] // stride
    paired = starts[matched]
    if paired.size != ends.size:
        raise AssertionError("recurrence sweep: diagonal line starts and ends do not pair")
    lengths = ends - paired + 1
    hist += np.bincount(lengths, minlength=hist.size)[: hist.size]
    return starts[~matched]


def _vertical_lines(space: Space, ii: np.ndarray, jj: np.ndarray, i0: int, hist: np.ndarray, m: int) -> None:
    first, last = _resolve(space, ii, jj, 0, False, hist)
    if first.size == 0:
        return
    row = np.int64(m + 1)
    starts = np.sort((ii[first] - i0) * row + jj[first])
    ends = np.sort((ii[last] - i0) * row + jj[last])
    lengths = ends - starts + 1
    hist += np.bincount(lengths, minlength=hist.size)[: hist.size]


def distance_stats(space: Space, *, block_elements: int = 1 << 21) -> tuple[float, float, float]:
    """(sum, min, max) of d(X[i], Y[j]) over the whole N × M matrix, before any mask.

    One coordinate: exact order statistics from a sort, O((N + M) log M).
    Several: a blocked pass over all pairs, O(N·M·m) time, O(block) memory.
    """
    x, y = space.x, space.y
    n, m = x.shape[0], y.shape[0]
    if x.shape[1] == 1:
        xs, ys = x[:, 0], np.sort(y[:, 0])
        prefix = np.zeros(m + 1)
        np.cumsum(ys, out=prefix[1:])
        below = np.searchsorted(ys, xs, side="right")  # y ≤ x
        total = float(np.sum(xs * below - prefix[below]) + np.sum((prefix[-1] - prefix[below]) - xs * (m - below)))
        left = np.clip(below - 1, 0, m - 1)
        right = np.clip(below, 0, m - 1)
        nearest = np.minimum(np.abs(xs - ys[left]), np.abs(xs - ys[right]))
        return total, float(nearest.min()), float(max(xs.max() - ys[0], ys[-1] - xs.min()))
    rows = max(1, block_elements // (m * x.shape[1]))
    total, low, high = 0.0, np.inf, -np.inf
    cols = np.arange(m)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        i = np.repeat(np.arange(start, stop), m)
        d = space.distance(i, np.tile(cols, stop - start))
        total += float(d.sum())
        low, high = min(low, float(d.min())), max(high, float(d.max()))
    return total, low, high
