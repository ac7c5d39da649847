"""13 MFCCs averaged over the middle 80 % of frames: the "ceps" feature of *Building Machine Learning
Systems with Python*, ch. 9, computed with librosa's MFCC defaults (``librosa.feature.mfcc(n_mfcc=13)``).
"""

from __future__ import annotations

import numpy as np

from .. import spectral
from ._base import FeatureSet
from ._spectro import HOP, N_FFT, mel_db, mfcc

N_MFCC = 13
#: fraction of frames left out at each end (fades, silence, the book's choice)
TRIM = 0.1


def trimmed_frame_mean(X: np.ndarray, trim: float = TRIM) -> np.ndarray:
    """Mean over frames ``int(n * trim) : int(n * (1 - trim))`` of ``X`` (features, frames).

    The whole range is used when trimming would leave no frame (very short clips).
    """
    n = X.shape[1]
    lo, hi = int(n * trim), int(n * (1 - trim))
    if hi <= lo:
        lo, hi = 0, n
    return X[:, lo:hi].mean(axis=1, dtype=np.float64)


class Mfcc13(FeatureSet):
    """Mean of MFCC 1..13 over the middle 80 % of frames."""

    name = "mfcc13"
    label = "mfcc13"
    description = "13 mean MFCCs (the 'ceps' features of Building ML Systems with Python)"
    version = 1
    columns = [f"mfcc{i}" for i in range(1, N_MFCC + 1)]
    min_samples = N_FFT

    def _compute(self, y: np.ndarray, sr: int) -> np.ndarray:
        power = np.abs(spectral.stft(y, N_FFT, HOP)) ** 2
        return trimmed_frame_mean(mfcc(mel_db(power, sr), N_MFCC))
