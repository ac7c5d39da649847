"""Train and evaluate the chosen models in one worker, streaming per-epoch events to the GUI.

Epoch events are batched so that at most ~30 signals per second cross threads, whatever the epoch rate
(softmax on the GTZAN table runs thousands of epochs per second).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from .base import JobCancelled, Progress, Throttle, Worker


@dataclass(frozen=True)
class ModelSpec:
    """A model family (key of ``core.models.MODELS``) and its constructor arguments."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Protocol:
    """How models are evaluated.

    ``kind`` is ``"holdout"`` (``test_percent`` of the clips held out, stratified and grouped) or
    ``"kfold"`` (``n_splits`` folds, ``fold_kind`` ``"stratified"`` grouped by clip or ``"blocked"`` by
    GTZAN clip number). In segment mode rows are segments of clips, and clips are scored by averaging
    their segments' probabilities.
    """

    kind: str = "holdout"
    test_percent: float = 20.0
    n_splits: int = 5
    fold_kind: str = "stratified"
    segment_mode: bool = False
    random_state: int = 0
    segment_seconds: float = 3.0

    def describe(self) -> str:
        if self.kind == "holdout":
            text = f"hold-out {self.test_percent:g} % (stratified, grouped by clip)"
        else:
            how = "blocked by clip number" if self.fold_kind == "blocked" else "stratified, grouped by clip"
            text = f"{self.n_splits}-fold ({how})"
        return text + (", segments scored per clip" if self.segment_mode else "")


@dataclass(frozen=True)
class TrainingRequest:
    dataset: Any  # core.datasets.Dataset
    specs: tuple[ModelSpec, ...]
    protocol: Protocol


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


@dataclass
class ModelResult:
    """Everything the Evaluation and Comparison panels show for one model.

    ``y_true``, ``y_pred``, ``proba`` and ``sources`` have one entry per evaluated clip (held-out clips,
    or every clip out-of-fold in k-fold), so the confusion matrix sums to ``len(y_true)``.
    """

    model: str
    params: dict[str, Any]
    classes: list
    evaluation: Any  # core.evaluation EvaluationResult on all evaluated clips
    accuracy: float
    accuracy_std: float
    macro_f1: float
    macro_f1_std: float
    fold_accuracies: list[float]
    fold_macro_f1: list[float]
    train_seconds: float
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray
    sources: list[str]
    pipeline: Any  # core.pipeline.Pipeline fitted on the training data (all data after k-fold)
    protocol: str


@dataclass
class TrainingRun:
    """The outcome of one Train press; ``cancelled`` runs keep the models that finished."""

    results: list[ModelResult]
    protocol: str
    dataset_name: str
    n_clips: int
    cancelled: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)

    def best(self) -> ModelResult | None:
        return max(self.results, key=lambda r: r.accuracy, default=None)


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

    # -- streaming ---------------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._pending:
            model, fold, n_folds = self._current
            last = self._pending[-1]
            within = last.epoch / max(1, last.n_epochs)
            done = int(1000 * (self._progress_base + self._progress_span * within))
            progress = Progress(min(done, 1000), 1000, f"{last.model}: epoch {last.epoch}/{last.n_epochs}",
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
        run = TrainingRun([], req.protocol.describe(), getattr(ds, "name", "dataset"), 0)
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
        self.report_progress(1000, 1000, "cancelled" if run.cancelled else "done", force=True)
        return run

    def _make_model(self, spec: ModelSpec) -> Any:
        from ..core.models import MODELS

        return MODELS[spec.name](**spec.params)

    def _train_one(self, spec: ModelSpec) -> ModelResult:
        proto = self.request.protocol
        t0 = time.perf_counter()
        if proto.kind == "holdout":
            out = self._holdout(spec)
        else:
            out = self._kfold(spec)
        out.train_seconds = time.perf_counter() - t0
        return out

    def _fit_pipeline(self, spec: ModelSpec, X, y, X_val=None, y_val=None, stream=True):
        from ..core.pipeline import Pipeline
        from ..core.preprocessing import StandardScaler

        ds = self.request.dataset
        scaler = StandardScaler().fit(X)
        model = self._make_model(spec)
        kwargs = {}
        if X_val is not None:
            kwargs = {"X_val": scaler.transform(X_val), "y_val": y_val}
        model.fit(scaler.transform(X), y, callback=self._on_event if stream else self._cancel_only, **kwargs)
        meta = {
            "dataset": getattr(ds, "name", ""),
            "protocol": self.request.protocol.describe(),
            "n_train": int(len(y)),
            "params": _jsonable(spec.params),
        }
        if self.request.protocol.segment_mode:
            meta["segment_seconds"] = float(self.request.protocol.segment_seconds)
        return Pipeline(ds.feature_set or "", scaler, model, list(ds.classes), meta)

    def _cancel_only(self, event: Any) -> None:
        from ..core.models import TrainingInterrupted

        if self.is_cancelled():
            raise TrainingInterrupted()

    def _holdout(self, spec: ModelSpec) -> ModelResult:
        from ..core.evaluation import holdout_split, metrics

        ds, proto = self.request.dataset, self.request.protocol
        train_idx, test_idx = holdout_split(ds.y, ds.groups, test_size=proto.test_percent / 100.0,
                                            random_state=proto.random_state)
        self._current = (spec.name, -1, 1)
        pipe = self._fit_pipeline(spec, ds.X[train_idx], ds.y[train_idx], ds.X[test_idx], ds.y[test_idx])
        self.check_cancelled()
        proba = pipe.predict_proba_features(ds.X[test_idx])
        ids, y_true, proba = _per_clip(ds, test_idx, proba, proto.segment_mode)
        classes = list(ds.classes)
        y_pred = np.asarray(classes)[np.argmax(proba, axis=1)]
        ev = metrics(y_true, y_pred, proba, classes)
        return self._result(spec, pipe, ev, ids, y_true, y_pred, proba, [], [])

    def _kfold(self, spec: ModelSpec) -> ModelResult:
        from ..core.evaluation import blocked_kfold, cross_validate, stratified_group_kfold

        ds, proto = self.request.dataset, self.request.protocol
        if proto.fold_kind == "blocked":
            folds = blocked_kfold(ds.groups, ds.y, proto.n_splits)
        else:
            folds = stratified_group_kfold(ds.y, ds.groups, proto.n_splits, random_state=proto.random_state)
        n_folds = len(folds)
        base, span = self._progress_base, self._progress_span

        def on_event(event: Any) -> None:
            fold = int(event.extra.get("fold", 0))
            if self._current[1] != fold:
                self._flush()  # each batch belongs to one fold
                self._current = (spec.name, fold, n_folds)
                self._progress_base = base + span * fold / (n_folds + 1)
                self._progress_span = span / (n_folds + 1)
            self._on_event(event)

        self._current = (spec.name, 0, n_folds)
        # monitor: every fold draws a validation curve on its held-out rows (k-NN: accuracy vs k)
        cv = cross_validate(lambda: self._make_model(spec), ds, folds, callback=on_event,
                            cancel=self.is_cancelled, aggregate=bool(proto.segment_mode) or "auto",
                            scheme=proto.describe(), monitor=True)
        self._flush()
        self.check_cancelled()
        if cv.pooled is None:
            raise ValueError("no fold could be evaluated")
        fold_acc = [float(f.evaluation.accuracy) for f in cv.folds]
        fold_f1 = [float(f.evaluation.macro_f1) for f in cv.folds]
        # the model kept for predictions is refit on every clip; the CV estimates how that one performs
        self._progress_base = base + span * n_folds / (n_folds + 1)
        pipe = self._fit_pipeline(spec, ds.X, ds.y, stream=False)
        return self._result(spec, pipe, cv.pooled, cv.clip_ids, cv.clip_true, cv.clip_pred, cv.clip_proba,
                            fold_acc, fold_f1)

    def _result(self, spec, pipe, ev, clip_ids, y_true, y_pred, proba, fold_acc, fold_f1) -> ModelResult:
        ds = self.request.dataset
        source_of = dict(zip(np.asarray(ds.groups).tolist(), ds.sources))
        sources = [str(source_of.get(g, g)) for g in np.asarray(clip_ids).tolist()]
        acc, f1 = float(ev.accuracy), float(ev.macro_f1)
        pipe.metadata["evaluation"] = {
            "accuracy": float(np.mean(fold_acc)) if fold_acc else acc,
            "accuracy_std": float(np.std(fold_acc)) if fold_acc else None,
            "macro_f1": float(np.mean(fold_f1)) if fold_f1 else f1,
            "n_evaluated": int(len(y_true)),
        }
        if fold_acc:
            pipe.metadata["cv_accuracy"] = float(np.mean(fold_acc))
        return ModelResult(
            model=spec.name, params=dict(spec.params), classes=list(ds.classes), evaluation=ev,
            accuracy=float(np.mean(fold_acc)) if fold_acc else acc,
            accuracy_std=float(np.std(fold_acc)) if fold_acc else 0.0,
            macro_f1=float(np.mean(fold_f1)) if fold_f1 else f1,
            macro_f1_std=float(np.std(fold_f1)) if fold_f1 else 0.0,
            fold_accuracies=fold_acc, fold_macro_f1=fold_f1, train_seconds=0.0,
            y_true=np.asarray(y_true), y_pred=np.asarray(y_pred), proba=np.asarray(proba), sources=sources,
            pipeline=pipe, protocol=self.request.protocol.describe(),
        )


def _per_clip(ds: Any, rows: np.ndarray, proba: np.ndarray, segment_mode: bool):
    """(clip ids, labels, probabilities) of the test rows; clips with several rows (segments) are scored
    by averaging their rows' probabilities, as cross_validate does."""
    from ..core.evaluation import aggregate_by_group

    rows = np.asarray(rows)
    groups = np.asarray(ds.groups)[rows]
    if segment_mode or np.unique(groups).shape[0] < rows.shape[0]:
        return aggregate_by_group(proba, groups, np.asarray(ds.y)[rows])
    return groups, np.asarray(ds.y)[rows], proba


def _jsonable(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        out[k] = v.item() if isinstance(v, np.generic) else v
    return out
