"""Magnitudes of the first 1000 FFT coefficients of the whole clip: the seed experiment of *Building
Machine Learning Systems with Python*, ch. 9 (``abs(scipy.fft.fft(y))[:1000]``).
"""

from __future__ import annotations

import numpy as np

from ._base import FeatureSet

N_COEFFS = 1000


def _scipy_fft():
    """SciPy's FFT module, imported on first use: it costs ~0.1 s, which the app's start-up should not pay
    (the Library panel reads the feature-set registry while the window is built)."""
    import scipy.fft

    return scipy.fft


class Fft1000(FeatureSet):
    """``abs(fft(y))[:1000]`` on float samples in [-1, 1].

    The coefficients are the same as the full complex FFT's; the real-input transform computes only the
    non-negative frequencies, half the work. Their scale grows with clip length, as in the book.
    """

    name = "fft1000"
    label = "fft1000"
    description = "the first 1000 FFT magnitudes (the seed paper's features)"
    version = 1
    columns = [f"fft{i}" for i in range(N_COEFFS)]
    # rfft of n samples has n // 2 + 1 bins: 1998 samples give 1000 of them; one analysis frame is asked
    # for, as every other feature set
    min_samples = 2048

    def _compute(self, y: np.ndarray, sr: int) -> np.ndarray:
        return np.abs(_scipy_fft().rfft(y.astype(np.float64))[:N_COEFFS])
