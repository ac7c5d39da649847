"""Spectrogram stages shared by the feature sets (one STFT feeds every spectral feature)."""

from __future__ import annotations

import numpy as np

from .. import spectral

N_FFT = 2048
HOP = 512
N_MELS = 128


def mel_db(power: np.ndarray, sr: int) -> np.ndarray:
    """Slaney mel power spectrogram in dB (ref 1, top_db 80), as librosa's MFCC front end.

    ``power`` is ``|stft|**2`` (float32, shape (1 + N_FFT // 2, n_frames)); the result is float32
    of shape (N_MELS, n_frames).
    """
    mel = spectral.mel_filterbank(sr, N_FFT, N_MELS) @ power
    return spectral.power_to_db(mel)


def mfcc(mel_db_spec: np.ndarray, n_mfcc: int) -> np.ndarray:
    """MFCCs (orthonormal DCT-II over the mel axis) of a dB mel spectrogram: (n_mfcc, n_frames)."""
    return spectral.dct_ortho(mel_db_spec, n_mfcc, axis=0)
