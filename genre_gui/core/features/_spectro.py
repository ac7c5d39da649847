"""Spectrogram stages shared by the feature sets (one STFT feeds every spectral feature)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .. import spectral

if TYPE_CHECKING:
    import scipy.sparse

N_FFT = 2048
HOP = 512
N_MELS = 128


def mel_db(power: np.ndarray, sr: int) -> np.ndarray:
    """Slaney mel power spectrogram in dB (ref 1, top_db 80), as librosa's MFCC front end.

    ``power`` is ``|stft|**2`` (float32, shape (1 + N_FFT // 2, n_frames)); the result is float32
    of shape (N_MELS, n_frames).
    """
    mel = _sparse_mel(sr) @ np.ascontiguousarray(power)
    return spectral.power_to_db(mel)


@lru_cache(maxsize=8)
def _sparse_mel(sr: int) -> scipy.sparse.csr_array:
    # Each FFT bin feeds at most two triangles: the sparse product is ~50x cheaper than the dense one
    # and sums the same terms (the zeros contribute nothing).
    import scipy.sparse  # on first use: not at the app's start-up

    return scipy.sparse.csr_array(spectral.mel_filterbank(sr, N_FFT, N_MELS))


def mfcc(mel_db_spec: np.ndarray, n_mfcc: int) -> np.ndarray:
    """MFCCs (orthonormal DCT-II over the mel axis) of a dB mel spectrogram: (n_mfcc, n_frames)."""
    return spectral.dct_ortho(mel_db_spec, n_mfcc, axis=0)
