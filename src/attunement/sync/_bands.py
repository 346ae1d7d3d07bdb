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

**Lines.** A diagonal line lies within one row of a band: the ``+1``/``−1``
steps of the row (zero-padded) alternate, so the k-th start pairs with the k-th
end. A vertical line (fixed i, runs over j) runs down a column of consecutive
bands; the run still open at the bottom of a band is carried to the next one as
its length per column i, and the events of a band are put in column order by a
stable sort (timsort merges the band's already sorted rows).
"""

from __future__ import annotations

import numpy as np

from ._lines import Space, Sweep

_BAND_ROWS = 128         # diagonals per band: each band pays O(N) for the vertical runs it carries
_TILE_CELLS = 1 << 20    # cells per distance tile: bounds the float temporaries (8 MB)


def sweep_bands(space: Space, *, lines: bool, profile: bool, skip_main_diagonal_lines: bool = False,
                band_rows: int | None = None) -> Sweep:
    """The same :class:`~._lines.Sweep` as :func:`._lines.sweep`, from every cell of the plot, band by band."""
    if space.series is None:
        raise RuntimeError("the band sweep needs the embedded series (Space.series)")  # a bug, not a user error
    rows = _BAND_ROWS if band_rows is None else band_rows
    n, m = space.x.shape[0], space.y.shape[0]
    sx, sy = space.series
    pad = n + rows
    y_padded = np.full(pad + sy.size + pad, np.nan)
    y_padded[pad:pad + sy.size] = sy

    counts = np.zeros(n + m - 1, dtype=np.int64)
    diag_hist = np.zeros(min(n, m) + 1, dtype=np.int64) if lines else None
    vert_hist = np.zeros(m + 1, dtype=np.int64) if lines else None
    open_len = np.zeros(n, dtype=np.int64)  # length of the vertical run still open at column i
    cells = np.zeros((rows + 1) * (n + 2), dtype=bool)
    tile = max(64, _TILE_CELLS // rows)
    scratch = np.empty(rows * (tile + (space.x.shape[1] - 1) * space.delay))
    for k0 in range(1 - n, m, rows):
        k1 = min(m, k0 + rows)
        kb = k1 - k0
        a, b = max(0, 1 - k1), min(n, m - k0)  # rows i that meet one of the band's diagonals
        w = b - a
        band = cells[:(kb + 1) * (w + 2)].reshape(kb + 1, w + 2)
        band[:, 0] = band[:, -1] = False
        rec = band[1:, 1:w + 1]
        for c0 in range(0, w, tile):
            c1 = min(w, c0 + tile)
            _recurrence(space, sx, y_padded, i0=a + c0, k0=k0 + pad, rows=kb, width=c1 - c0, scratch=scratch,
                        out=rec[:, c0:c1])
        if space.masked:
            rec[~space.keep_lag(np.arange(k0, k1))] = False
        if not lines:
            counts[k0 + n - 1:k1 + n - 1] = np.count_nonzero(rec, axis=1)
            continue
        counts[k0 + n - 1:k1 + n - 1] = _diagonal_runs(
            band[1:], diag_hist, skip_row=-k0 if skip_main_diagonal_lines and k0 <= 0 < k1 else None)
        closed = open_len[b:]                      # columns the band no longer meets: their runs ended
        vert_hist += np.bincount(closed[closed > 0], minlength=vert_hist.size)[:vert_hist.size]
        closed[:] = 0
        _vertical_runs(band, open_len[a:b], vert_hist)
    if lines:
        vert_hist += np.bincount(open_len[open_len > 0], minlength=vert_hist.size)[:vert_hist.size]
    return Sweep(int(counts.sum()), counts if profile else None, diag_hist, vert_hist)


def _recurrence(space: Space, sx: np.ndarray, y_padded: np.ndarray, *, i0: int, k0: int, rows: int, width: int,
                scratch: np.ndarray, out: np.ndarray) -> None:
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
        near = np.empty(d.shape, dtype=bool)
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


def _diagonal_runs(band: np.ndarray, hist: np.ndarray, *, skip_row: int | None) -> np.ndarray:
    """Add the runs along each row of ``band`` (zero columns on both sides) to ``hist``; return each row's count
    of recurrent points (every run counted, ``skip_row``'s too)."""
    steps = np.not_equal(band[:, 1:], band[:, :-1])     # a boolean array: flatnonzero's fast path
    at = np.flatnonzero(steps)
    starts, lengths = at[0::2], at[1::2] - at[0::2]
    row = starts // steps.shape[1]
    per_row = np.bincount(row, weights=lengths, minlength=band.shape[0]).astype(np.int64)  # exact below 2**53
    if skip_row is not None:
        lengths = lengths[row != skip_row]
    hist += np.bincount(lengths, minlength=hist.size)[:hist.size]
    return per_row


def _vertical_runs(band: np.ndarray, open_len: np.ndarray, hist: np.ndarray) -> None:
    """Add the vertical runs that end in ``band[1:]`` to ``hist``; update ``open_len`` (a view) in place.

    ``band[0]`` is overwritten with the columns whose run is open from the bands above.
    """
    kb, width = band.shape[0] - 1, band.shape[1]
    carried = np.flatnonzero(open_len)
    band[0, 1:-1] = open_len > 0
    steps = np.not_equal(band[1:], band[:-1])           # B[r] ≠ B[r − 1], B[−1] the carried row
    at = np.flatnonzero(steps)
    col = np.concatenate([carried, at % width - 1])
    row = np.concatenate([-open_len[carried], at // width])  # a carried run "starts" open_len rows above
    rising = np.concatenate([np.ones(carried.size, dtype=bool), band[1:].ravel()[at]])
    # stable: radix sort for 16-bit keys, else timsort, which merges the band's rows (each already sorted)
    order = np.argsort(col.astype(np.int16) if width < np.iinfo(np.int16).max else col, kind="stable")
    col, row, rising = col[order], row[order], rising[order]
    starts = np.flatnonzero(rising)                     # each start is followed by its end in the same column
    nxt = starts + 1
    ended = nxt < col.size
    ended[ended] = col[nxt[ended]] == col[starts[ended]]
    hist += np.bincount(row[nxt[ended]] - row[starts[ended]], minlength=hist.size)[:hist.size]
    open_len[:] = 0
    still = starts[~ended]
    open_len[col[still]] = kb - row[still]
