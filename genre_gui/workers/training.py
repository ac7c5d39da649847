"""Train and evaluate the chosen models in one worker, streaming per-epoch events to the GUI.

Epoch events are batched so that at most ~30 signals per second cross threads, whatever the epoch rate
(softmax on the GTZAN table runs thousands of epochs per second).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

# the experiment's types live in the core; they are re-exported here for the UI that sends requests
from ..core.experiment import ModelResult, ModelSpec, Protocol, TrainingRun
from ..core.models import model_label
from .base import JobCancelled, Progress, Throttle, Worker

__all__ = ["EpochBatch", "ModelResult", "ModelSpec", "ModelStarted", "Protocol", "TrainingRequest",
           "TrainingRun", "TrainingWorker"]


@dataclass(frozen=True)
class TrainingRequest:
    dataset: Any  # core.datasets.Dataset
    specs: tuple[ModelSpec, ...]
    protocol: Protocol

    @property
    def description(self) -> str:
        """The protocol in the dataset's words ("grouped by clip" / "grouped by sample")."""
        return self.protocol.describe(getattr(self.dataset, "row_word", "clip"))


@dataclass(frozen=True)
class EpochBatch:
    """Training events of one model since the previous batch (``fold`` is 0-based; -1 for hold-out).

    It carries the run's progress too, so the epoch stream costs one signal per batch (<= 30/s).
    """

    model: str
    fold: int
    n_folds: int
    events: tuple  # of core.models.TrainingEvent
    progress: Progress | None = None


@dataclass(frozen=True)
class ModelStarted:
    model: str
    index: int
    n_models: int


class TrainingWorker(Worker):
    """Trains every requested model under one protocol; see the signals for what streams out."""

    model_started = Signal(object)  # ModelStarted
    epochs_finished = Signal(object)  # EpochBatch
    model_finished = Signal(object)  # ModelResult

    def __init__(self, request: TrainingRequest) -> None:
        super().__init__()
        self.request = request
        self._pending: list = []
        self._batch_throttle = Throttle()
        self._current: tuple[str, int, int] = ("", -1, 1)
        self._progress_base = 0.0
        self._progress_span = 1.0
        self._splits: list = []

    # -- streaming ---------------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._pending:
            model, fold, n_folds = self._current
            last = self._pending[-1]
            within = last.epoch / max(1, last.n_epochs)
            done = int(1000 * (self._progress_base + self._progress_span * within))
            progress = Progress(min(done, 1000), 1000, f"{model_label(last.model)}: epoch {last.epoch}/"
                                f"{last.n_epochs}",
                                self._eta.eta(done, 1000))
            self.epochs_finished.emit(EpochBatch(model, fold, n_folds, tuple(self._pending), progress))
            self._pending = []

    def _on_event(self, event: Any) -> None:
        from ..core.models import TrainingInterrupted

        self._pending.append(event)
        if self._batch_throttle.ready():
            self._flush()  # events and progress in one signal, at most 30 per second
        if self.is_cancelled():
            raise TrainingInterrupted()

    # -- the job -----------------------------------------------------------------------------------
    def work(self) -> TrainingRun:
        from ..core.models import TrainingInterrupted

        req = self.request
        ds = req.dataset
        run = TrainingRun([], req.description, getattr(ds, "name", "dataset"), 0, spec=req.protocol,
                          row_word=getattr(ds, "row_word", "clip"))
        # every model is scored on the very same splits, so their fold scores can be paired
        self._splits = req.protocol.splits(ds)
        n = len(req.specs)
        for i, spec in enumerate(req.specs):
            if self.is_cancelled():
                break
            self.model_started.emit(ModelStarted(spec.name, i, n))
            self._progress_base, self._progress_span = i / n, 1 / n
            try:
                result = self._train_one(spec)
            except (TrainingInterrupted, JobCancelled):
                self._flush()
                break
            except Exception as exc:  # one model failing must not lose the others
                from ..core.errors import GenreGuiError

                expected = GenreGuiError | ValueError | FloatingPointError | np.linalg.LinAlgError
                if not isinstance(exc, expected):
                    raise
                self._flush()
                run.errors.append((spec.name, str(exc)))
                continue
            self._flush()
            run.results.append(result)
            run.n_clips = len(result.y_true)
            self.model_finished.emit(result)
        run.cancelled = self.is_cancelled()
        if not run.cancelled:
            run.pairwise()  # here, not in the GUI thread that shows them
        self.report_progress(1000, 1000, "cancelled" if run.cancelled else "done", force=True)
        return run

    def _train_one(self, spec: ModelSpec) -> ModelResult:
        from ..core.experiment import evaluate_model

        req = self.request
        n_splits = len(self._splits)
        base, span = self._progress_base, self._progress_span
        self._current = (spec.name, -1 if n_splits == 1 else 0, n_splits)

        def on_event(event: Any) -> None:
            fold = -1 if n_splits == 1 else int(event.extra.get("fold", 0))
            if self._current[1] != fold:
                self._flush()  # each batch belongs to one fold
                self._current = (spec.name, fold, n_splits)
            steps = n_splits + (0 if n_splits == 1 else 1)  # k-fold: one more fit on every clip
            self._progress_base = base + span * max(fold, 0) / steps
            self._progress_span = span / steps
            self._on_event(event)

        def on_final(event: Any) -> None:  # the refit on every clip: progress only, no curve
            self._progress_base = base + span * n_splits / (n_splits + 1)
            self._progress_span = span / (n_splits + 1)
            self._cancel_only(event)

        try:
            return evaluate_model(spec, req.dataset, req.protocol, splits=self._splits, callback=on_event,
                                  cancel=self.is_cancelled, final_callback=on_final)
        finally:
            self._flush()

    def _cancel_only(self, event: Any) -> None:
        from ..core.models import TrainingInterrupted

        if self.is_cancelled():
            raise TrainingInterrupted()
