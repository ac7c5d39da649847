"""Cross-validation: fresh scaler and model per fold, live training events, plain-data results."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..models.base import TrainingEvent, TrainingInterrupted
from ..preprocessing import StandardScaler
from .metrics import EvaluationResult, class_index, metrics

#: metrics summarised as mean and standard deviation over the folds
SUMMARY_METRICS = ("accuracy", "macro_precision", "macro_recall", "macro_f1", "log_loss", "fit_seconds")


@dataclass
class FoldResult:
    """One fold: its rows, scores, timing and training curve.

    ``evaluation`` is computed per clip when the run aggregates segments (see :class:`CVResult`),
    per row otherwise.
    """

    fold: int
    train_idx: np.ndarray
    test_idx: np.ndarray
    evaluation: EvaluationResult
    fit_seconds: float
    predict_seconds: float
    n_iter: int
    loss_curve: np.ndarray
    #: the fitted scaler (None when not scaling) and model, kept only when asked (``keep_models``)
    scaler: Any = None
    estimator: Any = None


@dataclass
class CVResult:
    """Outcome of :func:`cross_validate`, as plain data.

    Attributes
    ----------
    model : str
        Model name (``"softmax"``...).
    params : dict
        Hyperparameters of the model (from the first fold's estimator).
    scheme : str
        Which folds were used, in words (shown next to the scores).
    classes : list
        Column order of every probability array.
    folds : list of FoldResult
        Completed folds (fewer than asked for when ``cancelled``).
    mean, std : dict
        Mean and standard deviation over the folds of :data:`SUMMARY_METRICS` (log loss omitted when
        a model gives no probabilities).
    pooled : EvaluationResult or None
        All out-of-fold predictions scored together (confusion matrix of the whole run).
    aggregated : bool
        True when clips had several rows (segments) and were scored by averaging their rows'
        probabilities; then ``pooled`` and each fold's ``evaluation`` count clips.
    oof_pred, oof_proba, tested : ndarray
        Per row of the dataset: out-of-fold prediction, probabilities (n_rows, n_classes) and whether
        the row was in a completed test fold (untested rows hold "" / zeros).
    clip_ids, clip_true, clip_pred, clip_proba : ndarray
        Per tested clip (equal to the rows when not aggregated): what the UI lists as "which clips
        were confused".
    cancelled : bool
    """

    model: str
    params: dict[str, Any]
    scheme: str
    classes: list
    folds: list[FoldResult]
    mean: dict[str, float]
    std: dict[str, float]
    pooled: EvaluationResult | None
    aggregated: bool
    oof_pred: np.ndarray
    oof_proba: np.ndarray
    tested: np.ndarray
    clip_ids: np.ndarray
    clip_true: np.ndarray
    clip_pred: np.ndarray
    clip_proba: np.ndarray
    cancelled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line such as ``"softmax: accuracy 72.4 % +/- 3.1 (stratified 10-fold ...)"``."""
        if not self.folds:
            return f"{self.model}: no completed fold ({self.scheme})"
        mean, std = 100 * self.mean["accuracy"], 100 * self.std["accuracy"]
        n = len(self.folds)
        return f"{self.model}: accuracy {mean:.1f} % +/- {std:.1f} over {n} folds ({self.scheme})"


def aggregate_by_group(
    proba: np.ndarray, groups: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average the probability rows of each group (clip).

    Returns
    -------
    group_ids : ndarray (n_groups,)
    group_y : ndarray (n_groups,)
        Label of each group (its first row's).
    group_proba : ndarray (n_groups, n_classes)
    """
    ids, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    sums = np.zeros((ids.shape[0], proba.shape[1]))
    np.add.at(sums, inverse, proba)
    counts = np.bincount(inverse, minlength=ids.shape[0])
    return ids, y[first], sums / counts[:, None]


def _is_cancelled(cancel: Any) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def cross_validate(
    make_model: Callable[[], Any],
    dataset: Any,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    callback: Callable[[TrainingEvent], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    scale: bool | Callable[[], Any] = True,
    aggregate: str | bool = "auto",
    progress: Callable[[int, int, str], None] | None = None,
    scheme: str = "",
    monitor: bool = False,
    keep_models: bool = False,
) -> CVResult:
    """Fit and score a fresh model on every fold.

    Parameters
    ----------
    make_model : callable
        Zero-argument factory returning an unfitted estimator (``fit``/``predict_proba``/``classes_``).
    dataset : Dataset
        Needs ``X``, ``y``, ``groups`` and ``classes``.
    folds : sequence of (train_idx, test_idx)
        E.g. from :func:`stratified_group_kfold` or :func:`blocked_kfold`.
    callback : callable, optional
        Receives every training event of every fold, with ``extra["fold"]`` (0-based) and
        ``extra["n_folds"]`` added so a UI can draw one curve per fold.
    cancel : callable or Event-like, optional
        Polled between folds and at every epoch; when it turns true the run stops, the interrupted
        fold is dropped and the completed folds are returned with ``cancelled=True``.
    scale : bool or callable
        Fit a :class:`StandardScaler` on each training fold (and only on it); a zero-argument factory
        gives the scaler to use instead (e.g. one with ``log_columns``).
    aggregate : "auto", True or False
        Score clips by averaging the probabilities of their rows (segments). ``"auto"``: when some
        clip has more than one row.
    progress : callable, optional
        ``progress(done_folds, n_folds, message)``.
    scheme : str
        Description of the folds, copied into the result.
    monitor : bool
        Also give ``fit`` each fold's held-out rows as ``X_val``/``y_val``, so a UI can draw a validation
        curve per fold (k-NN: accuracy against k). Monitoring only: a model with ``early_stopping`` is
        never given them, since stopping on the test rows would leak them into the score.
    keep_models : bool
        Keep each fold's fitted scaler and model on its :class:`FoldResult` (a hold-out run keeps its
        one model; k-fold runs usually should not hold k copies of the training data).

    Returns
    -------
    CVResult
    """
    X, y, groups = np.asarray(dataset.X, dtype=np.float64), np.asarray(dataset.y), np.asarray(dataset.groups)
    classes = np.asarray(dataset.classes)
    n, k = X.shape[0], classes.shape[0]
    if aggregate == "auto":
        aggregate = np.unique(groups).shape[0] < n
    n_folds = len(folds)
    oof_proba = np.zeros((n, k))
    oof_pred = np.zeros(n, dtype=classes.dtype)  # "" (or 0) where a row was never tested
    tested = np.zeros(n, dtype=bool)
    results: list[FoldResult] = []
    cancelled = False
    params: dict[str, Any] = {}
    name = "model"

    for f, (train_idx, test_idx) in enumerate(folds):
        if _is_cancelled(cancel):
            cancelled = True
            break
        train_idx, test_idx = np.asarray(train_idx), np.asarray(test_idx)
        model = make_model()
        name = getattr(model, "name", type(model).__name__)
        params = model.get_params() if hasattr(model, "get_params") else {}
        X_train, X_test = X[train_idx], X[test_idx]
        scaler = None
        if scale:
            scaler = (scale() if callable(scale) else StandardScaler()).fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

        def on_event(event: TrainingEvent, fold: int = f) -> None:
            if _is_cancelled(cancel):
                raise TrainingInterrupted
            if callback is not None:
                callback(dataclasses.replace(event, extra={**event.extra, "fold": fold, "n_folds": n_folds}))

        fit_kwargs = {}
        if monitor and not params.get("early_stopping", False):
            # rows of a class the training fold lacks cannot be scored by this fold's model
            seen = np.isin(y[test_idx], y[train_idx])
            fit_kwargs = {"X_val": X_test[seen], "y_val": y[test_idx][seen]}
        t0 = time.perf_counter()
        model.fit(X_train, y[train_idx], callback=on_event, **fit_kwargs)
        fit_seconds = time.perf_counter() - t0
        if _is_cancelled(cancel):
            cancelled = True
            break
        t0 = time.perf_counter()
        proba_model = model.predict_proba(X_test)
        predict_seconds = time.perf_counter() - t0
        # a training fold can lack a class: put the model's columns where the dataset's classes are
        proba = np.zeros((test_idx.shape[0], k))
        proba[:, class_index(model.classes_, classes, "model classes")] = proba_model
        oof_proba[test_idx] = proba
        oof_pred[test_idx] = classes[np.argmax(proba, axis=1)]
        tested[test_idx] = True
        if aggregate:
            _, g_y, g_proba = aggregate_by_group(proba, groups[test_idx], y[test_idx])
            evaluation = metrics(g_y, classes[np.argmax(g_proba, axis=1)], g_proba, classes)
        else:
            evaluation = metrics(y[test_idx], oof_pred[test_idx], proba, classes)
        results.append(FoldResult(
            fold=f, train_idx=train_idx, test_idx=test_idx, evaluation=evaluation, fit_seconds=fit_seconds,
            predict_seconds=predict_seconds, n_iter=int(getattr(model, "n_iter_", 0)),
            loss_curve=np.asarray(getattr(model, "loss_curve_", np.empty(0)), dtype=np.float64),
            scaler=scaler if keep_models else None, estimator=model if keep_models else None,
        ))
        if progress is not None:
            progress(f + 1, n_folds, f"fold {f + 1}/{n_folds}: accuracy {100 * evaluation.accuracy:.1f} %")

    mean, std = _summarise(results)
    if aggregate:
        clip_ids, clip_true, clip_proba = aggregate_by_group(oof_proba[tested], groups[tested], y[tested])
    else:
        clip_ids, clip_true, clip_proba = groups[tested], y[tested], oof_proba[tested]
    clip_pred = classes[np.argmax(clip_proba, axis=1)] if clip_proba.shape[0] else np.empty(0, classes.dtype)
    pooled = metrics(clip_true, clip_pred, clip_proba, classes) if clip_true.shape[0] else None
    return CVResult(
        model=name, params=params, scheme=scheme, classes=classes.tolist(), folds=results, mean=mean, std=std,
        pooled=pooled, aggregated=bool(aggregate), oof_pred=oof_pred, oof_proba=oof_proba, tested=tested,
        clip_ids=clip_ids, clip_true=clip_true, clip_pred=clip_pred, clip_proba=clip_proba,
        cancelled=cancelled,
    )


def _summarise(results: list[FoldResult]) -> tuple[dict[str, float], dict[str, float]]:
    mean: dict[str, float] = {}
    std: dict[str, float] = {}
    if not results:
        return mean, std
    for key in SUMMARY_METRICS:
        if key == "fit_seconds":
            values = [r.fit_seconds for r in results]
        else:
            values = [getattr(r.evaluation, key) for r in results]
        if any(v is None for v in values):
            continue
        arr = np.asarray(values, dtype=np.float64)
        mean[key] = float(arr.mean())
        std[key] = float(arr.std())
    return mean, std
