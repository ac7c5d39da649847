"""Harmonic/percussive separation of a signal, as ``librosa.effects.hpss`` with its defaults."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from .. import spectral

KERNEL = 31


def median_along_rows(X: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.median_filter(X, size=(1, size), mode="reflect")``, an order of magnitude faster.

    SciPy only takes its fast 1-D rank-filter path for 1-D input, so the rows are laid end to end, each
    padded with its own mirror image (exactly what mode "reflect" would read), and filtered in one call.
    The windows never cross into a neighbouring row, so the result is identical.
    """
    half = size // 2
    n_rows, n_cols = X.shape
    if n_cols <= 2 * size:
        # Short rows (clips of a fraction of a second): the 2-D call is cheap and exact for any length.
        return median_filter(X, size=(1, size), mode="reflect")
    padded = np.pad(X, ((0, 0), (half, half)), mode="symmetric")
    filtered = median_filter(padded.reshape(-1), size=size, mode="reflect")
    return filtered.reshape(padded.shape)[:, half : half + n_cols]


def softmask(X: np.ndarray, X_ref: np.ndarray, power: float = 2.0) -> np.ndarray:
    """``X**p / (X**p + X_ref**p)`` computed stably; 0.5 where both are zero (``librosa.util.softmask``)."""
    Z = np.maximum(X, X_ref)
    bad = Z < np.finfo(Z.dtype).tiny
    Z[bad] = 1
    mask = (X / Z) ** power
    ref_mask = (X_ref / Z) ** power
    good = ~bad
    mask[good] /= mask[good] + ref_mask[good]
    mask[bad] = 0.5
    return mask


def hpss_signals(D: np.ndarray, magnitude: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic and percussive time signals of the STFT ``D`` (with ``magnitude = |D|``).

    Median filters (kernel 31) across time and across frequency give the harmonic and percussive
    references; soft masks (power 2) split ``D``; each part is inverted with :func:`spectral.istft`.
    """
    harm = median_along_rows(magnitude, KERNEL)
    perc = np.ascontiguousarray(median_along_rows(np.ascontiguousarray(magnitude.T), KERNEL).T)
    mask_harm = softmask(harm, perc)
    mask_perc = softmask(perc, harm)
    y_harm = spectral.istft(D * mask_harm, length=length)
    y_perc = spectral.istft(D * mask_perc, length=length)
    return y_harm, y_perc
