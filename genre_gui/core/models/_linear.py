"""The training loop shared by the linear classifiers: solvers, step decay, early stopping, callbacks.

A subclass supplies the objective (:meth:`LinearClassifier._loss_grad`) and the link from scores to
probabilities (:meth:`LinearClassifier._proba_from_scores`); everything else (validation, the three
solvers, the per-epoch :class:`TrainingEvent`, interruption) lives here so both models behave alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import check_predict_input, check_validation, check_X_y, one_hot, single_threaded_blas
from .base import BaseClassifier, TrainingCallback, TrainingEvent, TrainingInterrupted
from .params import Hyperparameter

SOLVERS = ("gd", "sgd", "adam")
#: learning rate used when ``learning_rate=None``
DEFAULT_LEARNING_RATES = {"gd": 0.5, "sgd": 0.05, "adam": 0.01}
_ADAM_BETA1, _ADAM_BETA2, _ADAM_EPS = 0.9, 0.999, 1e-8
# row-block size of full-batch passes (see LinearClassifier._objective_grad)
_BLOCK_BYTES = 4_000_000


def linear_hyperparameters() -> tuple[Hyperparameter, ...]:
    """The settings the two linear models share (their form in the Training panel)."""
    solvers = tuple(DEFAULT_LEARNING_RATES)
    return (
        Hyperparameter("solver", "choice", "adam", "Solver", "how the weights are updated",
                       choices=("adam", "sgd", "gd"),
                       choice_help={"adam": "Adam, mini-batch", "sgd": "mini-batch SGD with momentum",
                                    "gd": "full-batch gradient descent, lr x0.95 every 50 epochs"}),
        Hyperparameter("learning_rate", "float", DEFAULT_LEARNING_RATES["adam"], "Learning rate",
                       "learning rate (step size)", low=1e-5, high=10.0, decimals=5, step=0.001,
                       default_by=("solver", dict(DEFAULT_LEARNING_RATES))),
        Hyperparameter("max_iter", "int", 300, "Epochs", "epochs (passes over the training data)",
                       low=1, high=100000),
        Hyperparameter("batch_size", "int", 200, "Batch size", "mini-batch size (full-batch gd ignores it)",
                       low=1, high=1_000_000, enabled_by=("solver", tuple(s for s in solvers if s != "gd"))),
        Hyperparameter("alpha", "float", 1e-3, "L2 (alpha)", "L2 penalty (alpha)", low=0.0, high=100.0,
                       decimals=5, step=1e-3),
    )


class LinearClassifier(BaseClassifier):
    """Base of :class:`SoftmaxRegression` and :class:`OneVsRestLogisticRegression` (not used directly).

    Fitted attributes: ``classes_``, ``coef_`` (n_classes, n_features), ``intercept_`` (n_classes,),
    ``loss_curve_`` (mean data loss per epoch, without the L2 term), ``val_loss_curve_`` and
    ``val_accuracy_curve_`` (empty without validation data), ``n_iter_`` (completed epochs),
    ``n_features_in_``.
    """

    _fitted_attrs: tuple[str, ...] = (
        "classes_", "coef_", "intercept_", "loss_curve_", "val_loss_curve_", "val_accuracy_curve_",
    )

    def __init__(
        self,
        solver: str = "adam",
        learning_rate: float | None = None,
        alpha: float = 1e-3,
        max_iter: int = 300,
        batch_size: int = 200,
        momentum: float = 0.9,
        lr_decay: float = 0.95,
        decay_every: int = 50,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-6,
        random_state: int | None = None,
    ) -> None:
        self.solver = solver
        self.learning_rate = learning_rate
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.momentum = momentum
        self.lr_decay = lr_decay
        self.decay_every = decay_every
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state

    # -- to be provided by subclasses -------------------------------------------------------------
    def _loss_grad(
        self, X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, need_grad: bool = True
    ) -> tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Return (mean data loss, dW, db, per-class losses or None) of the data term only."""
        raise NotImplementedError

    def _objective_grad(
        self, X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None]:
        """Mean data loss and the gradient of the training objective (data term + L2 on W).

        Large batches are processed in row blocks of a few megabytes: both matrix products of a
        block then read it while it is still in cache, which halves the memory traffic of
        full-batch gradient descent on data like MNIST.
        """
        n = X.shape[0]
        step = max(1, _BLOCK_BYTES // (8 * X.shape[1]))
        if n <= step:
            loss, gW, gb, per_class = self._loss_grad(X, Y, W, b)
        else:
            loss, gW, gb, per_class = 0.0, np.zeros_like(W), np.zeros_like(b), None
            for start in range(0, n, step):
                part = slice(start, start + step)
                lb, gWb, gbb, pcb = self._loss_grad(X[part], Y[part], W, b)
                share = (min(n, start + step) - start) / n
                loss += lb * share
                gW += gWb * share
                gb += gbb * share
                if pcb is not None:
                    per_class = pcb * share if per_class is None else per_class + pcb * share
        gW += self.alpha * W
        return loss, gW, gb, per_class

    def _proba_from_scores(self, Z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- public API --------------------------------------------------------------------------------
    @property
    def n_features_in_(self) -> int:
        return int(self.coef_.shape[1])

    def decision_function(self, X: Any) -> np.ndarray:
        """Linear scores ``X @ coef_.T + intercept_``, shape (n_samples, n_classes)."""
        X = check_predict_input(self, X, "coef_")
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order; every row sums to 1."""
        return self._proba_from_scores(self.decision_function(X))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of each row (ties go to the first class in ``classes_``)."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        X_val: Any = None,
        y_val: Any = None,
        callback: TrainingCallback | None = None,
    ) -> LinearClassifier:
        """Train on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels of any sortable type (strings are fine).
        X_val, y_val : array-like, optional
            Validation set, reported in every :class:`TrainingEvent` and monitored by early stopping.
            With ``early_stopping=True`` and no validation set, ``validation_fraction`` of the training
            rows (stratified) is held out.
        callback : callable, optional
            Called once per epoch with a :class:`TrainingEvent`. Raising :class:`TrainingInterrupted`
            stops training and keeps the weights of the last completed epoch.

        Returns
        -------
        self
        """
        with single_threaded_blas():
            return self._fit(X, y, X_val, y_val, callback)

    def _fit(self, X, y, X_val, y_val, callback) -> LinearClassifier:
        self._check_params()
        X, y_idx, classes = check_X_y(X, y)
        n_classes = classes.shape[0]
        val = check_validation(X_val, y_val, X.shape[1], classes)
        rng = np.random.default_rng(self.random_state)
        if self.early_stopping and val is None:
            X, y_idx, val = _split_validation(X, y_idx, self.validation_fraction, rng)
        Y = one_hot(y_idx, n_classes)
        Y_val = one_hot(val[1], n_classes) if val is not None else None

        n, d = X.shape
        W = np.zeros((d, n_classes))
        b = np.zeros(n_classes)
        lr0 = float(DEFAULT_LEARNING_RATES[self.solver] if self.learning_rate is None else self.learning_rate)
        batch = n if self.solver == "gd" else max(1, min(int(self.batch_size), n))
        state = _SolverState(W.shape, n_classes)

        losses: list[float] = []
        val_losses: list[float] = []
        val_accs: list[float] = []
        monitor_val = self.early_stopping and val is not None
        best = np.inf
        best_Wb: tuple[np.ndarray, np.ndarray] | None = None
        stall = 0
        epochs_done = 0

        self.classes_ = classes
        for epoch in range(1, int(self.max_iter) + 1):
            lr = lr0 * self.lr_decay ** ((epoch - 1) // max(1, int(self.decay_every)))
            order = rng.permutation(n) if batch < n else None
            W_new, b_new = W.copy(), b.copy()
            total, class_total = 0.0, np.zeros(n_classes)
            for start in range(0, n, batch):
                if order is None:
                    Xb, Yb = X, Y
                else:
                    rows = order[start:start + batch]
                    Xb, Yb = X[rows], Y[rows]
                loss, gW, gb, per_class = self._objective_grad(Xb, Yb, W_new, b_new)
                m = Xb.shape[0]
                total += loss * m
                if per_class is not None:
                    class_total += per_class * m
                state.step(self.solver, W_new, b_new, gW, gb, lr, self.momentum)
            # the epoch is complete only now: an interruption below keeps exactly these weights
            W, b = W_new, b_new
            epochs_done = epoch
            train_loss = total / n
            losses.append(train_loss)
            extra: dict[str, Any] = {"learning_rate": lr}
            if self.solver != "gd":
                extra["loss_kind"] = "running mean over the epoch's mini-batches"
            else:
                extra["loss_kind"] = "full-batch loss before the step"
            if self._reports_class_losses:
                extra["class_losses"] = (class_total / n).tolist()
                self._record_class_losses(class_total / n)
            val_loss = val_acc = None
            if val is not None:
                v_loss, _, _, _ = self._loss_grad(val[0], Y_val, W, b, need_grad=False)
                Zv = val[0] @ W + b
                val_loss = float(v_loss)
                val_acc = float(np.mean(np.argmax(Zv, axis=1) == val[1]))
                val_losses.append(val_loss)
                val_accs.append(val_acc)
            self._store(W, b, losses, val_losses, val_accs, epochs_done)

            # the objective itself: one-vs-rest's train_loss is the mean of its K per-class losses, so
            # its L2 term is the mean of the K columns' too (summed, it outweighed the loss K-fold and
            # stopped training far from the optimum)
            per_column = W.shape[1] if self._reports_class_losses else 1
            penalty = 0.5 * self.alpha * float(np.sum(W * W)) / per_column
            monitored = val_loss if monitor_val else train_loss + penalty
            stop = False
            if monitored < best - self.tol:
                best, stall = monitored, 0
                if monitor_val:
                    best_Wb = (W.copy(), b.copy())
            else:
                stall += 1
                stop = stall >= int(self.n_iter_no_change)
            if callback is not None:
                event = TrainingEvent(
                    model=self.name, epoch=epoch, n_epochs=int(self.max_iter), train_loss=float(train_loss),
                    val_loss=val_loss, val_accuracy=val_acc, extra=extra,
                )
                try:
                    callback(event)
                except TrainingInterrupted:
                    self.interrupted_ = True
                    return self
            if stop:
                break
        self.interrupted_ = False
        if best_Wb is not None:
            # early stopping keeps the weights with the lowest validation loss seen
            self._store(best_Wb[0], best_Wb[1], losses, val_losses, val_accs, epochs_done)
        return self

    # -- helpers ---------------------------------------------------------------------------------------
    _reports_class_losses = False

    def _record_class_losses(self, per_class: np.ndarray) -> None:
        pass

    def _store(self, W, b, losses, val_losses, val_accs, epochs_done) -> None:
        self.coef_ = np.ascontiguousarray(W.T)
        self.intercept_ = b.copy()
        self.loss_curve_ = np.asarray(losses, dtype=np.float64)
        self.val_loss_curve_ = np.asarray(val_losses, dtype=np.float64)
        self.val_accuracy_curve_ = np.asarray(val_accs, dtype=np.float64)
        self.n_iter_ = int(epochs_done)

    def _check_params(self) -> None:
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if not self.alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha!r}")
        if int(self.max_iter) < 1:
            raise ValueError(f"max_iter must be >= 1, got {self.max_iter!r}")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size!r}")
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}")


class _SolverState:
    """Momentum / Adam moments for W and b, updated in place."""

    def __init__(self, w_shape: tuple[int, int], n_classes: int) -> None:
        self.vW = np.zeros(w_shape)
        self.vb = np.zeros(n_classes)
        self.mW = np.zeros(w_shape)
        self.mb = np.zeros(n_classes)
        self.t = 0

    def step(self, solver: str, W, b, gW, gb, lr: float, momentum: float) -> None:
        if solver == "gd":
            W -= lr * gW
            b -= lr * gb
        elif solver == "sgd":
            self.vW *= momentum
            self.vW -= lr * gW
            self.vb *= momentum
            self.vb -= lr * gb
            W += self.vW
            b += self.vb
        else:
            self.t += 1
            b1, b2 = _ADAM_BETA1, _ADAM_BETA2
            for m, v, g, p in ((self.mW, self.vW, gW, W), (self.mb, self.vb, gb, b)):
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * (g * g)
                step = lr * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
                p -= step * m / (np.sqrt(v) + _ADAM_EPS)


def _split_validation(X, y_idx, fraction, rng):
    """Stratified hold-out of ``fraction`` of the rows (at least one per class with 2+ rows)."""
    val_rows = []
    for c in np.unique(y_idx):
        rows = np.flatnonzero(y_idx == c)
        if rows.shape[0] < 2:
            continue
        k = min(rows.shape[0] - 1, max(1, int(round(fraction * rows.shape[0]))))
        val_rows.append(rng.permutation(rows)[:k])
    val_idx = np.sort(np.concatenate(val_rows)) if val_rows else np.empty(0, np.intp)
    if val_idx.shape[0] == 0:
        raise ValueError("early_stopping needs at least 2 rows in some class to hold out a validation set")
    mask = np.ones(X.shape[0], dtype=bool)
    mask[val_idx] = False
    return X[mask], y_idx[mask], (X[val_idx], y_idx[val_idx])
