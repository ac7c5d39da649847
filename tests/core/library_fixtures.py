"""A small model that tells low tones from high ones (mfcc13, trained here in a second) and audio files
of such tones in several formats: fast stand-ins for the default model and real music in the library
tests."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tests.core.encoded_audio import CODECS, encode

LOW = (150.0, 200.0, 250.0, 300.0)
HIGH = (2000.0, 2500.0, 3000.0, 3500.0)


def tone(freq: float, seconds: float, sr: int) -> np.ndarray:
    t = np.arange(int(round(seconds * sr))) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.1 * np.sin(2 * np.pi * 2 * freq * t)
    return (y * (1 + 0.2 * np.sin(2 * np.pi * 1.5 * t))).astype(np.float32)


def tone_pipeline():
    from genre_gui.core.features import get_feature_set
    from genre_gui.core.models import SoftmaxRegression
    from genre_gui.core.pipeline import Pipeline
    from genre_gui.core.preprocessing import StandardScaler

    fs = get_feature_set("mfcc13")
    X, y = [], []
    for label, freqs in (("low", LOW), ("high", HIGH)):
        for f in freqs:
            for k in range(3):
                X.append(fs.extract(tone(f * (1 + 0.03 * k), 2.0, 22050), 22050))
                y.append(label)
    X = np.array(X)
    scaler = StandardScaler().fit(X)
    model = SoftmaxRegression(random_state=0).fit(scaler.transform(X), np.array(y))
    return Pipeline("mfcc13", scaler, model, list(model.classes_), {"segment_seconds": 2.0})


def tone_file(path: str | os.PathLike, freq: float, ext: str, seconds: float = 3.0) -> Path:
    """A tone written as ``ext`` (a key of CODECS) with PyAV's encoder, or as WAV/FLAC with soundfile."""
    fmt, codec, sr, options, _ = CODECS[ext]
    y = tone(freq, seconds, sr)
    return encode(path, np.stack([y, y]), sr, fmt, codec, options)
