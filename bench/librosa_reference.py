"""The GTZAN table's recipe computed with librosa 0.11 defaults: the reference our gtzan57 replaces.

Shared by ``bench/features.py`` and the parity tests. librosa is a test/bench-only dependency.
"""

from __future__ import annotations

import warnings

import numpy as np


def librosa_gtzan57(y: np.ndarray, sr: int = 22050) -> np.ndarray:
    """The 57 columns of ``features_30_sec.csv`` (means and variances, tempo, mfcc1..20) by librosa."""
    import librosa

    values: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in (
            librosa.feature.chroma_stft(y=y, sr=sr),
            librosa.feature.rms(y=y),
            librosa.feature.spectral_centroid(y=y, sr=sr),
            librosa.feature.spectral_bandwidth(y=y, sr=sr),
            librosa.feature.spectral_rolloff(y=y, sr=sr),
            librosa.feature.zero_crossing_rate(y),
            *librosa.effects.hpss(y),
        ):
            values += [np.mean(s), np.var(s)]
        values.append(librosa.feature.tempo(y=y, sr=sr)[0])
        for row in librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20):
            values += [np.mean(row), np.var(row)]
    return np.asarray(values, dtype=np.float64)
