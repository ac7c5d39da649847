"""Harmonic/percussive separation of a signal, as ``librosa.effects.hpss`` with its defaults."""

from __future__ import annotations

import numpy as np

from .. import spectral

KERNEL = 31
#: float64 elements filtered per call (32 MB): large enough to amortise the call, small enough to cache
_CHUNK_ELEMENTS = 1 << 22


def median_along_rows(X: np.ndarray, size: int, *, transpose: bool = False) -> np.ndarray:
    """``scipy.ndimage.median_filter(X, size=(1, size), mode="reflect")``, an order of magnitude faster.

    SciPy only takes its fast 1-D rank-filter path for 1-D input, so the rows are laid end to end, each
    padded with its own mirror image (exactly what mode "reflect" would read), and filtered in one call.
    The windows never cross into a neighbouring row, so the result is identical. The filter runs on
    float64 (SciPy's 1-D rank filter is markedly faster on it than on float32); a median is one of its
    inputs, so casting back is exact. With ``transpose=True`` the result comes back as a C-contiguous
    transpose (saves a copy when the caller works in the other layout).
    """
    from scipy.ndimage import median_filter  # on first use: not at the app's start-up

    half = size // 2
    n_rows, n_cols = X.shape
    if n_cols <= 2 * size:
        # Short rows (clips of a fraction of a second): the 2-D call is cheap and exact for any length.
        out = median_filter(X, size=(1, size), mode="reflect")
        return np.ascontiguousarray(out.T) if transpose else out
    out = np.empty((n_cols, n_rows) if transpose else (n_rows, n_cols), dtype=X.dtype)
    # Bounded float64 scratch (a 20-minute song would otherwise need ~1 GB at once).
    rows_per_chunk = max(1, _CHUNK_ELEMENTS // (n_cols + 2 * half))
    for r0 in range(0, n_rows, rows_per_chunk):
        r1 = min(r0 + rows_per_chunk, n_rows)
        block = X[r0:r1]
        padded = np.empty((r1 - r0, n_cols + 2 * half), dtype=np.float64)
        padded[:, half : half + n_cols] = block
        padded[:, :half] = block[:, half - 1 :: -1]  # "symmetric": the edge sample is repeated
        padded[:, half + n_cols :] = block[:, : n_cols - half - 1 : -1]
        filtered = median_filter(padded.reshape(-1), size=size, mode="reflect")
        core = filtered.reshape(padded.shape)[:, half : half + n_cols]
        if transpose:
            out[:, r0:r1] = core.T
        else:
            out[r0:r1] = core
    return out


def harmonic_mask(harm: np.ndarray, perc: np.ndarray) -> np.ndarray:
    """Soft mask ``harm**2 / (harm**2 + perc**2)``, 0.5 where both are zero, as ``librosa.util.softmask``.

    Both are first divided by their maximum (so the squares cannot overflow), in their own float type.
    The percussive mask is the complement. Overwrites both arguments (saves two spectrogram-sized
    temporaries on long files); returns ``harm``'s buffer.
    """
    Z = np.maximum(harm, perc)
    bad = Z < np.finfo(Z.dtype).tiny
    Z[bad] = 1
    h = np.divide(harm, Z, out=harm)
    h *= h
    p = np.divide(perc, Z, out=perc)
    p *= p
    p += h  # >= 1 wherever Z was not tiny
    p[bad] = 1.0  # both zero there: avoid 0/0, the mask is set to 0.5 below
    h /= p
    h[bad] = 0.5
    return h


def hpss_signals(D: np.ndarray, magnitude: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic and percussive parts of the signal ``y`` whose STFT is ``D`` (``magnitude = |D|``).

    As ``librosa.effects.hpss``: median filters (kernel 31) across time and across frequency give the
    harmonic and percussive references, power-2 soft masks split ``D``, and each part is inverted with
    :func:`spectral.istft`. The two masks sum to one and the iSTFT of ``D`` gives ``y`` back exactly
    (centred frames, zero padding), so the percussive part is ``y`` minus the harmonic part: one iSTFT
    instead of two, differing from librosa only by float rounding (~1e-7).

    ``D`` is overwritten (it holds the harmonic STFT afterwards): callers pass a spectrogram they no
    longer need, which keeps long files within memory.
    """
    # Work on (frames, bins) arrays: that is the STFT's memory layout (each frame contiguous).
    mag_t = magnitude.T
    perc_t = median_along_rows(np.ascontiguousarray(mag_t), KERNEL)
    harm_t = median_along_rows(magnitude, KERNEL, transpose=True)
    mask_t = harmonic_mask(harm_t, perc_t)
    del harm_t, perc_t
    D_t = D.T
    D_t *= mask_t  # in place: D becomes the harmonic STFT (no second spectrogram-sized array)
    y_harm = spectral.istft(D, length=len(y))
    return y_harm, y - y_harm
