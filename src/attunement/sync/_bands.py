"""Dense recurrence sweep, band of diagonals by band of diagonals: for plots with many recurrent points.

Where a large share of the recurrence plot is recurrent (a wide radius, smooth
series), enumerating the recurrent pairs one by one (``_lines.sweep``) costs
more than testing every cell in long vectorised runs. This sweep visits the
plot ``_BAND_ROWS`` diagonals ``k = j − i`` at a time, each band held as a
boolean array ``B[k − k0, i] = R[i, i + k]`` with a zero column on either side
(and one zero row above for the vertical lines), so memory stays
O(``_BAND_ROWS``·N) and nothing of size N × M is allocated.

**Distances along a diagonal.** With delay embedding, coordinate l of X_i is
``x[i + lτ]``, so on diagonal k the coordinate distances are one scalar
sequence ``D_k[p] = |x[p] − y[p + k]|`` read at ``p = i + lτ``: one subtraction
per cell whatever the dimension, then the metric combines shifted views in the
same order and with the same operations as :meth:`_lines.Space.distance`
(``max``; a sum of squares then a square root; a sum), so every distance and
every decision ``d ≤ ε`` (``<``) is bit for bit the pairwise one. For the
supremum metric each coordinate is thresholded first and the shifted views are
and-ed (``max_l d_l ≤ ε`` iff every ``d_l ≤ ε``; division by the rescale
statistic is monotone). Cells outside the matrix read NaN and are not recurrent.

**Lines.** A diagonal line lies within one row of a band: the steps of the
row (zero-padded) alternate start, end, so the k-th start pairs with the k-th
end. A vertical line (fixed i, runs over j) runs down a column of consecutive
bands; the run still open at the bottom of a band is carried to the next one
(where it began, per column), and the steps of a band are put in column order
by a stable sort (radix for 16-bit columns; else timsort, which merges the
band's already sorted rows).

**Symmetric plots** (auto-recurrence, ``side="both"``; the Theiler window is
symmetric) are swept over k ≥ 0 only, half the cells: diagonal k > 0 stands
for k and −k. Row i of R is its part j ≥ i, column i of the bands, and its
part j < i, ``R[i, i − k] = R[i − k, i]`` for k ≥ 1: column i of the bands
sheared by one cell per diagonal (a strided view, no copy). Runs are counted
in both, and where both parts touch the main diagonal (R[i, i] and
R[i − 1, i]) their two runs are counted as one.
"""

from __future__ import annotations

import numpy as np

from ._lines import Space, Sweep

_BAND_ROWS = 128         # diagonals per band: each band pays O(N) for the vertical runs it carries
_NONE = np.iinfo(np.int64).min  # no open vertical run (k itself may be negative)
_TILE_CELLS = 1 << 20    # cells per distance tile: bounds the float temporaries (8 MB)


def sweep_bands(space: Space, *, lines: bool, profile: bool, skip_main_diagonal_lines: bool = False,
                band_rows: int | None = None) -> Sweep:
    """The same :class:`~._lines.Sweep` as :func:`._lines.sweep`, from every cell of the plot, band by band.

    A symmetric plot (auto-recurrence, both sides kept) is swept over k ≥ 0 only (module docstring).
    """
    if space.series is None:
        raise RuntimeError("the band sweep needs the embedded series (Space.series)")  # a bug, not a user error
    rows = _BAND_ROWS if band_rows is None else band_rows
    n, m = space.x.shape[0], space.y.shape[0]
    sx, sy = space.series
    symmetric = space.symmetric
    pad = n + rows
    y_padded = np.full(pad + sy.size + pad, np.nan)
    y_padded[pad:pad + sy.size] = sy

    counts = np.zeros(n + m - 1, dtype=np.int64)
    diag_hist = np.zeros(min(n, m) + 1, dtype=np.int64) if lines else None
    vert_hist = np.zeros(m + 1, dtype=np.int64) if lines else None
    rows_of_i = _Verticals(n, vert_hist, first_k=0) if lines else None        # runs along j ≥ i of row i
    rows_below = _Verticals(n, vert_hist, first_k=1) if lines and symmetric else None  # along j < i, mirrored
    lead = rows + 1                                   # zero columns before a band row: room for the shear
    cells = np.zeros(rows * (lead + n + lead), dtype=bool)
    tile = max(64, _TILE_CELLS // rows)
    scratch = np.empty(rows * (tile + (space.x.shape[1] - 1) * space.delay))
    near = np.empty(scratch.size, dtype=bool)
    for k0 in range(0 if symmetric else 1 - n, m, rows):
        k1 = min(m, k0 + rows)
        kb = k1 - k0
        a, b = max(0, 1 - k1), min(n, m - k0)  # rows i that meet one of the band's diagonals
        w = b - a
        stride = lead + w + lead
        band = cells[:kb * stride].reshape(kb, stride)
        band[:, :lead] = False
        band[:, lead + w:] = False
        rec = band[:, lead:lead + w]
        for c0 in range(0, w, tile):
            c1 = min(w, c0 + tile)
            _recurrence(space, sx, y_padded, i0=a + c0, k0=k0 + pad, rows=kb, width=c1 - c0, scratch=scratch,
                        near=near, out=rec[:, c0:c1])
        if space.masked:
            rec[~space.keep_lag(np.arange(k0, k1))] = False
        if not lines:
            per_row = np.count_nonzero(rec, axis=1)
        else:
            per_row, lengths, row = _diagonal_runs(band[:, lead - 1:lead + w + 1])
            main = row == -k0                        # the main diagonal's runs (k = 0), if in this band
            if skip_main_diagonal_lines:
                lengths, main = lengths[~main], main[~main]
            if symmetric:                            # every other diagonal k stands for k and −k
                lengths = np.concatenate([lengths, lengths[~main]])
            _add_lengths(diag_hist, lengths)
            rows_of_i.band(rec, k0=k0, c0=a)
            if symmetric:                            # R[j − k, j] for the columns j ≥ k0: the band sheared
                sheared = np.lib.stride_tricks.as_strided(band[0, lead:], shape=(kb, n - k0),
                                                          strides=(stride - 1, 1), writeable=False)
                first = 1 if k0 == 0 else 0         # the main diagonal belongs to the row's other half
                rows_below.band(sheared[first:], k0=k0 + first, c0=k0)
        counts[k0 + n - 1:k1 + n - 1] = per_row
        if symmetric:
            counts[n - 1 - np.arange(k0, k1)] = per_row
    if lines:
        rows_of_i.finish(k_end=m)
        if symmetric:
            rows_below.finish(k_end=m)
            _join_at_main_diagonal(rows_of_i.first_len, rows_below.first_len, vert_hist)
    return Sweep(int(counts.sum()), counts if profile else None, diag_hist, vert_hist)


def _recurrence(space: Space, sx: np.ndarray, y_padded: np.ndarray, *, i0: int, k0: int, rows: int, width: int,
                scratch: np.ndarray, near: np.ndarray, out: np.ndarray) -> None:
    """``out[r, c] = R[i0 + c, i0 + c + k]`` for the diagonals ``k = k0 − pad + r`` (``k0`` given with the pad)."""
    tau = space.delay
    coords = space.x.shape[1]
    span = width + (coords - 1) * tau
    d = scratch[:rows * span].reshape(rows, span)
    ys = np.lib.stride_tricks.sliding_window_view(y_padded[i0 + k0:i0 + k0 + rows - 1 + span], span)
    np.subtract(sx[i0:i0 + span], ys, out=d)
    np.abs(d, out=d)
    if coords == 1:
        _passes(space, d, out)
        return
    if space.metric == "maximum":
        near = near[:d.size].reshape(d.shape)
        _passes(space, d, near)
        np.logical_and(near[:, :width], near[:, tau:tau + width], out=out)
        for lag in range(2, coords):
            out &= near[:, lag * tau:lag * tau + width]
        return
    if space.metric == "euclidean":
        np.multiply(d, d, out=d)
    total = d[:, :width] + d[:, tau:tau + width]
    for lag in range(2, coords):
        total += d[:, lag * tau:lag * tau + width]
    if space.metric == "euclidean":
        np.sqrt(total, out=total)
    _passes(space, total, out)


def _passes(space: Space, d: np.ndarray, out: np.ndarray) -> None:
    """:meth:`Space.passes` written into ``out`` (``d`` may be overwritten)."""
    if space.scale is not None:
        np.divide(d, space.scale, out=d)
    (np.less if space.strict else np.less_equal)(d, space.radius, out=out)


def _diagonal_runs(band: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runs along each row of ``band`` (a zero column on both sides): each row's count of recurrent points,
    and every run's length and row."""
    steps = np.not_equal(band[:, 1:], band[:, :-1])     # a boolean array: flatnonzero's fast path
    at = np.flatnonzero(steps)
    starts, lengths = at[0::2], at[1::2] - at[0::2]
    row = starts // steps.shape[1]
    per_row = np.bincount(row, weights=lengths, minlength=band.shape[0]).astype(np.int64)  # exact below 2**53
    return per_row, lengths, row


class _Verticals:
    """Vertical runs down the columns of consecutive bands (rows k, columns c), carried from band to band.

    ``open_start[c]`` is the diagonal k where the run still open in column c began (``_NONE``: none);
    ``first_len[c]`` the length of the run that began at ``first_k`` (0: none), to join the two halves of
    a row of a symmetric plot.
    """

    def __init__(self, columns: int, hist: np.ndarray, *, first_k: int) -> None:
        self.open_start = np.full(columns, _NONE, dtype=np.int64)
        self.first_len = np.zeros(columns, dtype=np.int64)
        self.hist = hist
        self.first_k = first_k

    def _close(self, columns: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        lengths = ends - starts
        _add_lengths(self.hist, lengths)
        first = starts == self.first_k
        self.first_len[columns[first]] = lengths[first]

    def band(self, rec: np.ndarray, *, k0: int, c0: int) -> None:
        """Add the runs that end in ``rec`` (rows k0…, columns c0…; any strided view); columns outside it end."""
        kb, width = rec.shape
        if kb == 0:
            return
        outside = np.flatnonzero(self.open_start != _NONE)
        outside = outside[(outside < c0) | (outside >= c0 + width)]
        self._close(outside, self.open_start[outside], np.full(outside.size, k0))
        self.open_start[outside] = _NONE
        open_start = self.open_start[c0:c0 + width]
        carried = np.flatnonzero(open_start != _NONE)
        steps = np.empty((kb, width), dtype=bool)
        np.not_equal(rec[0], open_start != _NONE, out=steps[0])
        np.not_equal(rec[1:], rec[:-1], out=steps[1:])
        at = np.flatnonzero(steps)
        row, col = np.divmod(at, width)
        rising = np.concatenate([np.ones(carried.size, dtype=bool), rec[row, col]])
        col = np.concatenate([carried, col])
        row = np.concatenate([open_start[carried] - k0, row])    # a carried run began above the band
        # stable: radix sort for 16-bit keys, else timsort, which merges the band's rows (each already sorted)
        order = np.argsort(col.astype(np.int16) if width < np.iinfo(np.int16).max else col, kind="stable")
        col, row, rising = col[order], row[order], rising[order]
        starts = np.flatnonzero(rising)                 # each start is followed by its end in the same column
        nxt = starts + 1
        ended = nxt < col.size
        ended[ended] = col[nxt[ended]] == col[starts[ended]]
        self._close(c0 + col[starts[ended]], k0 + row[starts[ended]], k0 + row[nxt[ended]])
        open_start[:] = _NONE
        still = starts[~ended]
        open_start[col[still]] = k0 + row[still]

    def finish(self, *, k_end: int) -> None:
        """End every open run after the last diagonal ``k_end − 1``."""
        columns = np.flatnonzero(self.open_start != _NONE)
        self._close(columns, self.open_start[columns], np.full(columns.size, k_end))
        self.open_start[columns] = _NONE


def _join_at_main_diagonal(upper: np.ndarray, lower: np.ndarray, hist: np.ndarray) -> None:
    """Row i of a symmetric plot is its part j < i (``lower``: R[i − k, i], k ≥ 1) then j ≥ i (``upper``):
    where both touch the main diagonal, their two runs are one."""
    both = (upper > 0) & (lower > 0)
    a, b = upper[both], lower[both]
    _add_lengths(hist, a, sign=-1)
    _add_lengths(hist, b, sign=-1)
    _add_lengths(hist, a + b)


def _add_lengths(hist: np.ndarray, lengths: np.ndarray, *, sign: int = 1) -> None:
    """``hist[l] += sign`` for every length l (all below ``hist.size``), over the lengths that occur only."""
    if lengths.size:
        counts = np.bincount(lengths)
        hist[:counts.size] += sign * counts
