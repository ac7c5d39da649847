"""Learning curves of the compared models, off the GUI thread (core.experiment.learning_curve per model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal

from ..core.experiment import ModelSpec
from .base import JobCancelled, Worker


@dataclass(frozen=True)
class LearningCurveRequest:
    dataset: Any  # core.datasets.Dataset
    specs: tuple[ModelSpec, ...]
    repeats: int = 5
    sizes: tuple[int, ...] | None = None


class LearningCurveWorker(Worker):
    """Emits ``curve_finished(LearningCurve)`` per model; ``finished`` carries the list of curves."""

    curve_finished = Signal(object)

    def __init__(self, request: LearningCurveRequest) -> None:
        super().__init__()
        self.request = request

    def work(self) -> list:
        from ..core.experiment import learning_curve
        from ..core.models import TrainingInterrupted

        req = self.request
        n = len(req.specs)
        curves = []
        for i, spec in enumerate(req.specs):
            def progress(done: int, total: int, message: str, i: int = i) -> None:
                self.report_progress(i * total + done, n * total, message)

            try:
                curve = learning_curve(spec, req.dataset, req.sizes, req.repeats, cancel=self.is_cancelled,
                                       progress=progress)
            except TrainingInterrupted:
                raise JobCancelled() from None
            curves.append(curve)
            self.curve_finished.emit(curve)
        self.report_progress(1, 1, "done", force=True)
        return curves
