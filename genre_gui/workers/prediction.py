"""Classify audio files with a pipeline in a worker (decoding and feature extraction take seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from .base import Worker

#: points of the waveform envelope drawn above a song's genre timeline
ENVELOPE_POINTS = 1000


@dataclass(frozen=True)
class FilePrediction:
    """The genre of one file, or why there is none (``error`` set, ``probabilities`` empty).

    ``genre`` is the answer's label (a genre, or "not music"); ``answer`` the headline in words
    ("rock 81 %", "unsure (top two: ...)", "not music (97 %)"). ``timeline`` holds the per-window
    probabilities (n_windows, n_classes) in ``classes`` order with ``starts`` and ``window_seconds``;
    ``envelope`` the peak level over ``ENVELOPE_POINTS`` slices of the ``duration``-second song;
    ``features`` the windows' feature rows (n_windows, n_features), from which "Why this genre?" explains
    the answer (``core.explain``).
    """

    path: str
    genre: str | None
    probabilities: dict[str, float]
    error: str | None = None
    answer: str = ""
    not_music: bool = False
    unsure: bool = False
    tags: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    timeline: np.ndarray | None = field(default=None, repr=False)
    starts: np.ndarray | None = field(default=None, repr=False)
    window_seconds: float = 0.0
    envelope: np.ndarray | None = field(default=None, repr=False)
    duration: float = 0.0
    confidence: float = 0.0  # the number in ``answer``: the genre's share of the genres, or P(not music)
    features: np.ndarray | None = field(default=None, repr=False)
    model_label: str = ""  # the model that gave this answer: a list of answers never borrows a newer name
    pipeline: Any = field(default=None, repr=False, compare=False)  # that model ("Why this genre?")


def envelope(y: np.ndarray, points: int = ENVELOPE_POINTS) -> np.ndarray:
    """Peak |y| over ``points`` equal slices (fewer for very short audio)."""
    n = max(1, min(points, y.shape[0]))
    edges = np.linspace(0, y.shape[0], n + 1).astype(np.int64)
    return np.maximum.reduceat(np.abs(y), edges[:-1]).astype(np.float32)


@dataclass(frozen=True)
class PredictionBatch:
    predictions: tuple[FilePrediction, ...]


class PredictionWorker(Worker):
    """Emits ``file_classified(FilePrediction)`` per file, then ``finished(PredictionBatch)``."""

    file_classified = Signal(object)

    def __init__(self, paths: list[str], pipeline: Any, model_label: str = "") -> None:
        super().__init__()
        self.paths = list(paths)
        self.pipeline = pipeline
        self.model_label = model_label

    def work(self) -> PredictionBatch:
        from ..core.errors import GenreGuiError

        out = []
        for i, path in enumerate(self.paths):
            self.check_cancelled()
            self.report_progress(i, len(self.paths), f"classifying {path}")
            try:
                pred = self._classify(path)
            except (GenreGuiError, ValueError) as exc:
                pred = FilePrediction(path, None, {}, str(exc), model_label=self.model_label,
                                      pipeline=self.pipeline)
            out.append(pred)
            self.file_classified.emit(pred)
        self.report_progress(len(self.paths), len(self.paths), "done", force=True)
        return PredictionBatch(tuple(out))

    def _classify(self, path: str) -> FilePrediction:
        from ..core.audio_io import load_audio

        rate = self.pipeline.sample_rate  # raises FeatureError before decoding if it cannot take audio
        y = load_audio(path, sr=rate)
        result = self.pipeline.classify_audio(y, rate)
        proba = np.asarray(result.probabilities, dtype=float).ravel()
        if not np.all(np.isfinite(proba)):
            raise ValueError("the model produced non-finite probabilities")
        return FilePrediction(
            path, str(result.label), result.as_dict(), answer=result.headline(), not_music=result.not_music,
            unsure=result.unsure, tags=tuple(result.sounds_like(5)),
            classes=tuple(str(c) for c in result.classes),
            timeline=result.segment_probabilities, starts=result.segment_starts,
            window_seconds=result.segment_seconds, envelope=envelope(y), duration=y.shape[0] / rate,
            confidence=result.confidence, features=result.features, model_label=self.model_label,
            pipeline=self.pipeline)
