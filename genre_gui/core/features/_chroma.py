"""Chroma from a power spectrogram, with librosa's tuning estimate (``chroma_stft`` defaults)."""

from __future__ import annotations

import numpy as np

from .. import spectral

#: piptrack's default search range and relative threshold
_FMIN, _FMAX, _THRESHOLD = 150.0, 4000.0, 0.1


def estimate_tuning(power: np.ndarray, sr: int, n_fft: int, bins_per_octave: int = 12,
                    resolution: float = 0.01) -> float:
    """Tuning offset (fractions of a bin) as ``librosa.estimate_tuning(S=power, sr=sr)``.

    Peaks are picked per frame by parabolic interpolation (``librosa.piptrack``); the tuning is the mode
    of their deviation from the equal-tempered grid, on a histogram of step ``resolution``. Arithmetic
    is done in float32, as librosa does on a float32 spectrogram, so the histogram bins agree.
    """
    S = power  # a power spectrogram is already non-negative (librosa takes abs: a no-op here)
    freqs = spectral.fft_frequencies(sr, n_fft)
    fmax = min(_FMAX, sr / 2)
    in_range = np.flatnonzero((freqs >= _FMIN) & (freqs < fmax))
    # Bin 0 and the last bin are excluded by the edge rules below, so only rows around the search range
    # are needed: that is a third of the spectrogram.
    if len(in_range) == 0:
        return 0.0
    lo = max(int(in_range[0]), 1)
    hi = min(int(in_range[-1]), S.shape[0] - 2)
    if hi < lo:
        return 0.0
    ref = _THRESHOLD * S.max(axis=0)
    block = S[lo - 1 : hi + 2]
    above = block * (block > ref)
    centre = above[1:-1]
    # localmax: strictly greater than the lower neighbour, not less than the upper one
    peaks = (centre > above[:-2]) & (centre >= above[2:])
    x_lo, x0, x_hi = block[:-2], block[1:-1], block[2:]
    rows, cols = np.nonzero(peaks)
    hi_v, lo_v, c_v = x_hi[rows, cols], x_lo[rows, cols], x0[rows, cols]
    # librosa's numba stencil sums neighbours in float32 and scales by 2 in float64: same rounding here
    a = (hi_v + lo_v).astype(np.float64) - 2 * c_v.astype(np.float64)
    b = (hi_v - lo_v).astype(np.float64) / 2
    ok = np.abs(b) < np.abs(a)
    shift = np.zeros(len(rows), dtype=np.float64)
    shift[ok] = -b[ok] / a[ok]
    shift = shift.astype(np.float32)
    bins = rows + lo
    pitch = ((bins + shift) * (float(sr) / n_fft)).astype(np.float32)
    # np.gradient at an interior row is the central difference; the parabola adds half of it x shift
    grad = ((hi_v - lo_v) / np.float32(2)).astype(np.float32)
    mag = (c_v + np.float32(0.5) * grad * shift).astype(np.float32)
    positive = pitch > 0
    if not positive.any():
        return 0.0
    threshold = np.median(mag[positive])
    chosen = pitch[(mag >= threshold) & positive]
    return pitch_tuning(chosen, resolution=resolution, bins_per_octave=bins_per_octave)


def pitch_tuning(frequencies: np.ndarray, resolution: float = 0.01, bins_per_octave: int = 12) -> float:
    """Mode of the deviation of ``frequencies`` from A440 equal temperament, as ``librosa.pitch_tuning``."""
    f = np.atleast_1d(frequencies)
    f = f[f > 0]
    if f.size == 0:
        return 0.0
    octs = np.log2(f / (440.0 / 16))
    residual = np.mod(bins_per_octave * octs, 1.0)
    residual[residual >= 0.5] -= 1.0
    edges = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, edges = np.histogram(residual, edges)
    return float(edges[np.argmax(counts)])


def chroma_stft(power: np.ndarray, sr: int, n_fft: int, n_chroma: int = 12) -> np.ndarray:
    """Chromagram (n_chroma, n_frames), each frame scaled to max 1, as ``librosa.feature.chroma_stft``."""
    tuning = estimate_tuning(power, sr, n_fft, bins_per_octave=n_chroma)
    raw = spectral.chroma_filterbank(sr, n_fft, n_chroma, tuning=tuning) @ power
    length = np.max(np.abs(raw), axis=0, keepdims=True).astype(np.float64)
    length[length < spectral.tiny(raw)] = 1.0  # silent frames stay zero instead of 0/0
    return (raw / length).astype(raw.dtype, copy=False)
