"""Classify audio files with a pipeline in a worker (decoding and feature extraction take seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from .base import Worker


@dataclass(frozen=True)
class FilePrediction:
    """The genre of one file, or why there is none (``error`` set, ``probabilities`` empty)."""

    path: str
    genre: str | None
    probabilities: dict[str, float]
    error: str | None = None


@dataclass(frozen=True)
class PredictionBatch:
    predictions: tuple[FilePrediction, ...]


class PredictionWorker(Worker):
    """Emits ``file_classified(FilePrediction)`` per file, then ``finished(PredictionBatch)``."""

    file_classified = Signal(object)

    def __init__(self, paths: list[str], pipeline: Any) -> None:
        super().__init__()
        self.paths = list(paths)
        self.pipeline = pipeline

    def work(self) -> PredictionBatch:
        from ..core.errors import GenreGuiError

        out = []
        for i, path in enumerate(self.paths):
            self.check_cancelled()
            self.report_progress(i, len(self.paths), f"classifying {path}")
            try:
                result = self.pipeline.predict_file(path)
                proba = np.asarray(result.probabilities, dtype=float).ravel()
                if not np.all(np.isfinite(proba)):
                    raise ValueError("the model produced non-finite probabilities")
                pred = FilePrediction(path, str(result.label), result.as_dict())
            except (GenreGuiError, ValueError) as exc:
                pred = FilePrediction(path, None, {}, str(exc))
            out.append(pred)
            self.file_classified.emit(pred)
        self.report_progress(len(self.paths), len(self.paths), "done", force=True)
        return PredictionBatch(tuple(out))
