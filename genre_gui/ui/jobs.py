"""Starts the workers and relays their signals into the GUI thread.

Everything a panel or a test waits for is a signal of :class:`JobController`, a QObject living in the GUI
thread: worker signals arrive here through queued connections, stale ones (from a run that was replaced)
are dropped, and the state is updated before the relayed signal goes out.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Signal, Slot

from ..workers.base import Worker, WorkerRegistry
from ..workers.learning_curve import LearningCurveRequest, LearningCurveWorker
from ..workers.library import LibraryRequest, LibraryWorker, default_state_path
from ..workers.loading import DatasetLoadWorker, DatasetRequest, LoadedDataset
from ..workers.prediction import PredictionWorker
from ..workers.training import TrainingRequest, TrainingRun, TrainingWorker
from .state import AppState, DatasetInfo

log = logging.getLogger(__name__)


def default_cache_path() -> str | None:
    """Feature cache location: $GENRE_GUI_CACHE_DIR, else Qt's per-user cache folder."""
    base = os.environ.get("GENRE_GUI_CACHE_DIR") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.CacheLocation)
    return os.path.join(base, "features.sqlite") if base else None


class JobController(QObject):
    """One dataset job, one training run and one prediction job at a time; a new one replaces the old."""

    dataset_load_started = Signal(object)  # DatasetRequest
    dataset_progressed = Signal(object)  # Progress
    dataset_loaded = Signal(object)  # LoadedDataset
    dataset_load_failed = Signal(str)
    dataset_load_cancelled = Signal()

    training_started = Signal(object)  # TrainingRequest
    training_progressed = Signal(object)  # Progress
    model_started = Signal(object)  # ModelStarted
    epochs_received = Signal(object)  # EpochBatch
    model_finished = Signal(object)  # ModelResult
    training_finished = Signal(object)  # TrainingRun (also after a cancel, with cancelled=True)
    training_failed = Signal(str)

    curve_started = Signal(object)  # LearningCurveRequest
    curve_progressed = Signal(object)  # Progress
    curve_received = Signal(object)  # core.experiment.LearningCurve, one model's
    curves_finished = Signal(object)  # list of LearningCurve
    curves_failed = Signal(str)
    curves_cancelled = Signal()

    library_started = Signal(object)  # LibraryRequest
    library_progressed = Signal(object)  # Progress
    tracks_received = Signal(object)  # TrackBatch: TrackResults since the last batch (<= 30 batches/s)
    library_finished = Signal(object)  # LibraryRun (also after a cancel: run.cancelled)
    library_failed = Signal(str)

    prediction_started = Signal(list)
    file_classified = Signal(object)  # FilePrediction
    prediction_finished = Signal(object)  # PredictionBatch
    prediction_failed = Signal(str)

    def __init__(self, state: AppState, cache_path: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.cache_path = cache_path
        self.registry = WorkerRegistry(self)
        self._dataset_worker: DatasetLoadWorker | None = None
        self._training_worker: TrainingWorker | None = None
        self._prediction_worker: PredictionWorker | None = None
        self._prediction_queue: list[tuple[list[str], Any, str]] = []
        self._curve_worker: LearningCurveWorker | None = None
        self._library_worker: LibraryWorker | None = None
        self._partial_results: list = []

    # -- helpers -----------------------------------------------------------------------------------
    def _current(self, attr: str) -> bool:
        """True when the signal being handled comes from the worker currently stored in ``attr``."""
        sender = self.sender()
        return sender is not None and sender is getattr(self, attr)

    @staticmethod
    def _retire(worker: Worker | None) -> None:
        if worker is not None:
            worker.cancel()

    @property
    def training_running(self) -> bool:
        return self._training_worker is not None

    @property
    def prediction_running(self) -> bool:
        return self._prediction_worker is not None

    @property
    def partial_results(self) -> list:
        """Models of the current run that have finished so far."""
        return list(self._partial_results)

    @property
    def dataset_running(self) -> bool:
        return self._dataset_worker is not None

    # -- datasets ----------------------------------------------------------------------------------
    def load_dataset(self, request: DatasetRequest) -> None:
        self._retire(self._dataset_worker)
        if request.cache_path is None and request.kind == "audio_folder":
            request = DatasetRequest(request.kind, request.paths, request.feature_set,
                                     request.segment_seconds, self.cache_path)
        w = DatasetLoadWorker(request)
        w.progressed.connect(self._on_dataset_progress)
        w.finished.connect(self._on_dataset_loaded)
        w.failed.connect(self._on_dataset_failed)
        w.cancelled.connect(self._on_dataset_cancelled)
        self._dataset_worker = w
        self.registry.start(w, "dataset")
        self.dataset_load_started.emit(request)

    def cancel_dataset(self) -> None:
        self._retire(self._dataset_worker)

    @Slot(object)
    def _on_dataset_progress(self, p) -> None:
        if self._current("_dataset_worker"):
            self.dataset_progressed.emit(p)

    @Slot(object)
    def _on_dataset_loaded(self, loaded: LoadedDataset) -> None:
        if not self._current("_dataset_worker"):
            return
        self._dataset_worker = None
        req = loaded.request
        origin = req.paths[0] if len(req.paths) == 1 else " + ".join(req.paths)
        self.state.set_dataset(DatasetInfo(loaded.dataset, origin, req.kind, loaded.total_seconds,
                                           loaded.elapsed_seconds, loaded.summary))
        self.dataset_loaded.emit(loaded)

    @Slot(str)
    def _on_dataset_failed(self, message: str) -> None:
        if self._current("_dataset_worker"):
            self._dataset_worker = None
            self.dataset_load_failed.emit(message)

    @Slot()
    def _on_dataset_cancelled(self) -> None:
        if self._current("_dataset_worker"):
            self._dataset_worker = None
            self.dataset_load_cancelled.emit()

    # -- training ----------------------------------------------------------------------------------
    def train(self, request: TrainingRequest) -> None:
        """Start a run; a run in progress is cancelled and its late signals are ignored."""
        self._retire(self._training_worker)
        w = TrainingWorker(request)
        w.progressed.connect(self._on_training_progress)
        w.model_started.connect(self._on_model_started)
        w.epochs_finished.connect(self._on_epochs)
        w.model_finished.connect(self._on_model_finished)
        w.finished.connect(self._on_training_finished)
        w.failed.connect(self._on_training_failed)
        w.cancelled.connect(self._on_training_cancelled)
        self._training_worker = w
        self._partial_results = []
        self._request = request
        self.registry.start(w, "training")
        self.training_started.emit(request)

    def cancel_training(self) -> None:
        self._retire(self._training_worker)

    @Slot(object)
    def _on_training_progress(self, p) -> None:
        if self._current("_training_worker"):
            self.training_progressed.emit(p)

    @Slot(object)
    def _on_model_started(self, m) -> None:
        if self._current("_training_worker"):
            self.model_started.emit(m)

    @Slot(object)
    def _on_epochs(self, batch) -> None:
        if self._current("_training_worker"):
            self.epochs_received.emit(batch)
            if batch.progress is not None:
                self.training_progressed.emit(batch.progress)

    @Slot(object)
    def _on_model_finished(self, result) -> None:
        if self._current("_training_worker"):
            self._partial_results.append(result)
            self.model_finished.emit(result)

    @Slot(object)
    def _on_training_finished(self, run: TrainingRun) -> None:
        if not self._current("_training_worker"):
            return
        self._training_worker = None
        self._publish(run)

    @Slot()
    def _on_training_cancelled(self) -> None:
        if not self._current("_training_worker"):
            return
        self._training_worker = None
        req = self._request
        self._publish(TrainingRun(list(self._partial_results), req.description,
                                  getattr(req.dataset, "name", ""), 0, cancelled=True, spec=req.protocol,
                                  row_word=getattr(req.dataset, "row_word", "clip")))

    @Slot(str)
    def _on_training_failed(self, message: str) -> None:
        if not self._current("_training_worker"):
            return
        self._training_worker = None
        if self._partial_results:  # keep what finished before the failure
            req = self._request
            self._publish(TrainingRun(list(self._partial_results), req.description,
                                      getattr(req.dataset, "name", ""), 0, cancelled=True,
                                      errors=[("run", message)], spec=req.protocol,
                                      row_word=getattr(req.dataset, "row_word", "clip")))
        self.training_failed.emit(message)

    def _publish(self, run: TrainingRun) -> None:
        if run.results:
            if not run.n_clips:
                run.n_clips = len(run.results[-1].y_true)
            # the run's models join the model list (ModelsController.add_run); the model for songs
            # changes only when the user says so
            self.state.set_run(run)
        self.training_finished.emit(run)

    # -- learning curves ---------------------------------------------------------------------------
    def learning_curves(self, request: LearningCurveRequest) -> None:
        """Start learning curves of some models; a job in progress is cancelled."""
        self._retire(self._curve_worker)
        w = LearningCurveWorker(request)
        w.progressed.connect(self._on_curve_progress)
        w.curve_finished.connect(self._on_curve)
        w.finished.connect(self._on_curves_finished)
        w.failed.connect(self._on_curves_failed)
        w.cancelled.connect(self._on_curves_cancelled)
        self._curve_worker = w
        self.registry.start(w, "learning curve")
        self.curve_started.emit(request)

    def cancel_learning_curves(self) -> None:
        self._retire(self._curve_worker)

    @property
    def curves_running(self) -> bool:
        return self._curve_worker is not None

    @Slot(object)
    def _on_curve_progress(self, p) -> None:
        if self._current("_curve_worker"):
            self.curve_progressed.emit(p)

    @Slot(object)
    def _on_curve(self, curve) -> None:
        if self._current("_curve_worker"):
            self.curve_received.emit(curve)

    @Slot(object)
    def _on_curves_finished(self, curves) -> None:
        if self._current("_curve_worker"):
            self._curve_worker = None
            self.curves_finished.emit(curves)

    @Slot(str)
    def _on_curves_failed(self, message: str) -> None:
        if self._current("_curve_worker"):
            self._curve_worker = None
            self.curves_failed.emit(message)

    @Slot()
    def _on_curves_cancelled(self) -> None:
        if self._current("_curve_worker"):
            self._curve_worker = None
            self.curves_cancelled.emit()

    # -- music library -----------------------------------------------------------------------------
    def classify_library(self, roots: list[str], pipeline: Any = None, n_jobs: int | None = None,
                         state_path: str | None = "", scheduler: str | None = None) -> LibraryRequest:
        """Classify every audio file under ``roots`` with ``pipeline`` (default: the app's model), through
        the feature cache; earlier answers are kept in a state next to the cache (``state_path`` ""),
        none when ``None``; on a Dask cluster's workers with ``scheduler``. A job in progress is
        cancelled."""
        self._retire(self._library_worker)
        if n_jobs is None:
            n_jobs = max(1, min(2, (os.cpu_count() or 1) - 1))
        if state_path == "":
            state_path = default_state_path(self.cache_path)
        request = LibraryRequest(tuple(str(r) for r in roots), pipeline if pipeline is not None
                                 else self.state.pipeline, self.cache_path or None, state_path, int(n_jobs),
                                 scheduler or None)
        w = LibraryWorker(request)
        w.progressed.connect(self._on_library_progress)
        w.tracks_received.connect(self._on_tracks)
        w.finished.connect(self._on_library_finished)
        w.failed.connect(self._on_library_failed)
        w.cancelled.connect(lambda: None)  # a cancelled library run finishes with what it did
        self._library_worker = w
        self.registry.start(w, "library")
        self.library_started.emit(request)
        return request

    def cancel_library(self) -> None:
        self._retire(self._library_worker)

    def pause_library(self, paused: bool) -> None:
        w = self._library_worker
        if w is not None:
            w.pause() if paused else w.resume()

    @property
    def library_running(self) -> bool:
        return self._library_worker is not None

    @Slot(object)
    def _on_library_progress(self, p) -> None:
        if self._current("_library_worker"):
            self.library_progressed.emit(p)

    @Slot(object)
    def _on_tracks(self, batch) -> None:
        if self._current("_library_worker"):
            self.tracks_received.emit(batch)

    @Slot(object)
    def _on_library_finished(self, run) -> None:
        if self._current("_library_worker"):
            self._library_worker = None
            self.library_finished.emit(run)

    @Slot(str)
    def _on_library_failed(self, message: str) -> None:
        if self._current("_library_worker"):
            self._library_worker = None
            self.library_failed.emit(message)

    # -- prediction --------------------------------------------------------------------------------
    def predict_files(self, paths: list[str], pipeline: Any, model_label: str = "") -> None:
        """Classify songs; songs dropped while others are still being classified wait their turn (the
        answers accumulate in one list, so a second drop must not cancel the first)."""
        if self._prediction_worker is not None:
            self._prediction_queue.append((list(paths), pipeline, model_label))
            return
        w = PredictionWorker(paths, pipeline, model_label)
        w.file_classified.connect(self._on_file_classified)
        w.finished.connect(self._on_prediction_finished)
        w.failed.connect(self._on_prediction_failed)
        self._prediction_worker = w
        self.registry.start(w, "prediction")
        self.prediction_started.emit(list(paths))

    @Slot(object)
    def _on_file_classified(self, pred) -> None:
        if self._current("_prediction_worker"):
            self.file_classified.emit(pred)

    @Slot(object)
    def _on_prediction_finished(self, batch) -> None:
        if self._current("_prediction_worker"):
            self._prediction_worker = None
            self.prediction_finished.emit(batch)
            self._next_prediction()

    @Slot(str)
    def _on_prediction_failed(self, message: str) -> None:
        if self._current("_prediction_worker"):
            self._prediction_worker = None
            self.prediction_failed.emit(message)
            self._next_prediction()

    def _next_prediction(self) -> None:
        if self._prediction_queue:
            self.predict_files(*self._prediction_queue.pop(0))

    # -- shutdown ----------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job and join every thread (called when the window closes)."""
        self._dataset_worker = self._training_worker = self._prediction_worker = None
        self._library_worker = None
        self._prediction_queue.clear()
        return self.registry.stop_all(timeout_ms)
