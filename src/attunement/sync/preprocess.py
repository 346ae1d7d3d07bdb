"""Preparing continuous signals: low-confidence frames to missing, gap filling, smoothing, scaling, resampling.

Each step takes a :class:`~attunement.session.Signal` (NaN = missing) and
returns a new one; :func:`preprocess` runs the steps in a fixed order on every
partner's signal of a Session: mask → fill short gaps → resample → smooth →
scale. Every surrogate must go through the same steps as the real data
(METHODS §3).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import AttunementError, SessionError
from ..session import Session, Signal
from ._params import samples

__all__ = ["mask_low_confidence", "interpolate_gaps", "smooth", "scale", "resample", "preprocess"]


def mask_low_confidence(session: Session, *, threshold: float, confidence: str = "confidence") -> Session:
    """Set every signal of a partner to NaN where its ``confidence`` signal is below ``threshold``.

    The ``confidence`` signal itself (and a ``success`` signal) is kept as it is.
    Partners without a ``confidence`` signal are left alone.

    Parameters
    ----------
    session : Session
    threshold : float
        Frames with confidence < threshold become missing. OpenFace users often
        take 0.75–0.8 (judgement; OpenFace itself only flags ``success = 0``).
    confidence : str
        The name of the confidence signal.

    Returns
    -------
    Session

    Raises
    ------
    SessionError
        When a partner's signal is not on its confidence signal's sample grid.

    Examples
    --------
    >>> from attunement.session import Session, Signal
    >>> s = Session(id="d", signals={("infant", "confidence"): Signal([0.9, 0.2, 0.95], 30.0),
    ...                              ("infant", "AU12_r"): Signal([1.0, 2.0, 3.0], 30.0)})
    >>> mask_low_confidence(s, threshold=0.8).signals[("infant", "AU12_r")].values.tolist()
    [1.0, nan, 3.0]
    """
    signals = dict(session.signals)
    for (partner, name), conf in session.signals.items():
        if name != confidence:
            continue
        with np.errstate(invalid="ignore"):
            low = ~(conf.values >= threshold)
        for (p, other), sig in session.signals.items():
            if p != partner or other in (confidence, "success"):
                continue
            if len(sig.values) != len(conf.values) or sig.rate != conf.rate or sig.start != conf.start:
                raise SessionError(
                    f"session {session.id!r}: partner {partner!r}: signal {other!r} is not on the sample grid "
                    f"of {confidence!r}; masking needs both from the same file.")
            signals[(p, other)] = Signal(np.where(low, np.nan, sig.values), sig.rate, sig.start)
    return session.replace(signals=signals)


def interpolate_gaps(signal: Signal, *, max_gap_s: float) -> Signal:
    """Fill runs of missing samples no longer than ``max_gap_s`` by linear interpolation.

    Longer gaps, and gaps at either end, stay missing.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Signal
    >>> s = Signal([0.0, np.nan, 2.0, np.nan, np.nan, np.nan, 6.0], 1.0)
    >>> interpolate_gaps(s, max_gap_s=2).values.tolist()
    [0.0, 1.0, 2.0, nan, nan, nan, 6.0]
    """
    n_max = samples(max_gap_s, signal.rate, name="max_gap_s")
    v = signal.values.copy()
    miss = ~np.isfinite(v)
    if not miss.any() or n_max == 0:
        return Signal(v, signal.rate, signal.start)
    edges = np.diff(np.r_[0, miss.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    idx = np.arange(len(v))
    good = ~miss
    filled = np.interp(idx, idx[good], v[good]) if good.any() else v
    for s, e in zip(starts, ends):
        if s > 0 and e < len(v) and e - s <= n_max:
            v[s:e] = filled[s:e]
    return Signal(v, signal.rate, signal.start)


def smooth(signal: Signal, *, window_s: float, compat: str | None = None) -> Signal:
    """Moving average over ``window_s`` seconds.

    Ours (``compat=None``): centred, odd length ``n = round(window_s·fs)`` (made odd
    by adding one when even), the mean of the present samples in the window; the
    window shrinks at the ends; missing samples stay missing.

    ``compat="rMEA"`` reproduces rMEA ``MEAsmooth`` (METHODS §1): with
    ``n = window_s·fs`` (possibly fractional) each output sums ``floor(n)``
    samples from ``floor(t − (n − 1)/2)`` and divides by ``n``; windows clipped at
    the start still divide by ``n``; a window that runs past the end or holds a
    missing sample gives 0; missing samples are restored afterwards.

    Examples
    --------
    >>> from attunement.session import Signal
    >>> smooth(Signal([0.0, 3.0, 0.0, 3.0, 0.0], 1.0), window_s=3).values.tolist()
    [1.5, 1.0, 2.0, 1.0, 1.5]
    """
    v = signal.values
    miss = ~np.isfinite(v)
    if compat == "rMEA":
        nf = window_s * signal.rate
        length = int(math.floor(nf))
        if length < 1:
            raise AttunementError(f"window_s = {window_s:g} s is less than one sample at {signal.rate:g} Hz.")
        filled = np.where(miss, 0.0, v)
        c = np.r_[0.0, np.cumsum(filled)]
        cm = np.r_[0, np.cumsum(miss)]
        t = np.arange(len(v))
        first = np.floor(t - (nf - 1) / 2).astype(np.int64)
        last = first + length                      # exclusive
        lo = np.clip(first, 0, len(v))
        ok = (last <= len(v)) & (cm[np.minimum(last, len(v))] - cm[lo] == 0)
        out = np.where(ok, (c[np.minimum(last, len(v))] - c[lo]) / nf, 0.0)
        out[miss] = np.nan
        return Signal(out, signal.rate, signal.start)
    if compat is not None:
        raise AttunementError(f"Invalid value for the 'compat' parameter: {compat!r}. Allowed values are None, 'rMEA'.")
    n = samples(window_s, signal.rate, name="window_s", minimum=1)
    if n % 2 == 0:
        n += 1
    half = n // 2
    filled = np.where(miss, 0.0, v)
    c = np.r_[0.0, np.cumsum(filled)]
    cnt = np.r_[0, np.cumsum(~miss)]
    t = np.arange(len(v))
    lo = np.clip(t - half, 0, len(v))
    hi = np.clip(t + half + 1, 0, len(v))
    k = cnt[hi] - cnt[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(k > 0, (c[hi] - c[lo]) / np.maximum(k, 1), np.nan)
    out[miss] = np.nan
    return Signal(out, signal.rate, signal.start)


def scale(signal: Signal, *, method: str = "sd") -> Signal:
    """Rescale a signal: ``"sd"`` divides by its SD (n − 1) without centring (rMEA ``MEAscale``);
    ``"z"`` centres and divides by the SD; ``"none"`` leaves it. Pearson WCC is unchanged by either.

    Examples
    --------
    >>> from attunement.session import Signal
    >>> scale(Signal([1.0, 2.0, 3.0], 1.0), method="sd").values.tolist()
    [1.0, 2.0, 3.0]
    >>> scale(Signal([1.0, 2.0, 3.0], 1.0), method="z").values.tolist()
    [-1.0, 0.0, 1.0]
    """
    if method == "none":
        return signal
    if method not in ("sd", "z"):
        raise AttunementError(f"Invalid value for the 'method' parameter: {method!r}. Allowed values are "
                              f"'sd', 'z', 'none'.")
    v = signal.values
    present = v[np.isfinite(v)]
    sd = float(np.std(present, ddof=1)) if present.size > 1 else 0.0
    if not sd > 0:
        raise SessionError("cannot scale a signal that is constant or has fewer than two values.")
    out = (v - present.mean()) / sd if method == "z" else v / sd
    return Signal(out, signal.rate, signal.start)


def resample(signal: Signal, *, rate_hz: float, method: str = "linear") -> Signal:
    """The signal at a new rate, on the grid ``start + k / rate_hz`` within the original span.

    ``"linear"``: linear interpolation between the two nearest samples (missing
    when either is). ``"mean"``: the mean of the present samples whose times fall
    in ``[t_k, t_k + 1/rate_hz)`` (for downsampling; missing when none).

    Examples
    --------
    >>> from attunement.session import Signal
    >>> resample(Signal([0.0, 1.0, 2.0, 3.0], 1.0), rate_hz=2.0).values.tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    >>> resample(Signal([0.0, 1.0, 2.0, 3.0], 2.0), rate_hz=1.0, method="mean").values.tolist()
    [0.5, 2.5]
    """
    if not (rate_hz and rate_hz > 0 and math.isfinite(rate_hz)):
        raise AttunementError(f"rate_hz must be a positive number of samples per second, got {rate_hz!r}")
    v, fs, n = signal.values, signal.rate, len(signal.values)
    if method == "linear":
        count = int(math.floor((n - 1) / fs * rate_hz + 1e-9)) + 1 if n else 0
        pos = np.arange(count) * (fs / rate_hz)
        i0 = np.minimum(np.floor(pos + 1e-9).astype(np.int64), max(n - 1, 0))
        frac = np.clip(pos - i0, 0.0, None)
        i1 = np.minimum(i0 + 1, n - 1)
        exact = frac < 1e-9
        out = np.where(exact, v[i0], v[i0] * (1 - frac) + v[i1] * frac)
        return Signal(out, float(rate_hz), signal.start)
    if method == "mean":
        count = int(math.floor(n / fs * rate_hz + 1e-9))
        bins = np.floor(np.arange(n) / fs * rate_hz + 1e-9).astype(np.int64)
        keep = (bins < count) & np.isfinite(v)
        total = np.bincount(bins[keep], weights=v[keep], minlength=count)[:count]
        k = np.bincount(bins[keep], minlength=count)[:count]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(k > 0, total / np.maximum(k, 1), np.nan)
        return Signal(out, float(rate_hz), signal.start)
    raise AttunementError(f"Invalid value for the 'method' parameter: {method!r}. Allowed values are "
                          f"'linear', 'mean'.")


def preprocess(
    session: Session,
    *,
    signal: str,
    min_confidence: float | None = None,
    confidence: str = "confidence",
    max_gap_s: float = 0.0,
    rate_hz: float | None = None,
    resample_method: str = "linear",
    smooth_s: float | None = None,
    smooth_compat: str | None = None,
    scaling: str = "none",
) -> Session:
    """Run the steps on every partner's ``signal``: mask → fill gaps → resample → smooth → scale.

    Parameters
    ----------
    session : Session
    signal : str
        The signal to prepare (other signals are kept unchanged).
    min_confidence : float, optional
        :func:`mask_low_confidence` threshold (OpenFace).
    confidence : str
        Name of the confidence signal.
    max_gap_s : float
        :func:`interpolate_gaps` (0: no filling).
    rate_hz : float, optional
        :func:`resample` to this rate, with ``resample_method``.
    smooth_s : float, optional
        :func:`smooth` window, with ``smooth_compat`` (None or ``"rMEA"``).
    scaling : {"none", "sd", "z"}
        :func:`scale`.

    Returns
    -------
    Session

    Raises
    ------
    SessionError
        When no partner has ``signal``.

    Examples
    --------
    >>> from attunement.session import Session, Signal
    >>> s = Session(id="d", signals={("a", "me"): Signal([0.0, 3.0, 0.0, 3.0], 1.0)})
    >>> preprocess(s, signal="me", smooth_s=3).signals[("a", "me")].values.tolist()
    [1.5, 1.0, 2.0, 1.5]
    """
    if not any(name == signal for _, name in session.signals):
        names = ", ".join(sorted({n for _, n in session.signals})) or "none"
        raise SessionError(f"session {session.id!r}: no partner has a signal {signal!r} (signals: {names}).")
    if min_confidence is not None:
        session = mask_low_confidence(session, threshold=min_confidence, confidence=confidence)
    signals = dict(session.signals)
    for key, sig in session.signals.items():
        if key[1] != signal:
            continue
        if max_gap_s:
            sig = interpolate_gaps(sig, max_gap_s=max_gap_s)
        if rate_hz is not None:
            sig = resample(sig, rate_hz=rate_hz, method=resample_method)
        if smooth_s:
            sig = smooth(sig, window_s=smooth_s, compat=smooth_compat)
        sig = scale(sig, method=scaling)
        signals[key] = sig
    return session.replace(signals=signals)
