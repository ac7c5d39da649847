"""The estimator contract shared by every classifier (scikit-learn's, plus a training callback)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .params import CurveSpec


class TrainingInterrupted(Exception):  # noqa: N818 - contract name
    """Raise from a training callback to stop training; the estimator keeps its last completed epoch."""


@dataclass(frozen=True)
class TrainingEvent:
    """One step of training progress, passed to ``callback`` once per epoch (or per k for k-NN).

    Attributes
    ----------
    model : str
        Short model name (``"softmax"``, ``"ovr_logistic"``, ``"knn"``).
    epoch : int
        1-based epoch number (for k-NN: the value of k).
    n_epochs : int
        Planned number of epochs (for k-NN: k_max).
    train_loss : float or None
        Mean training loss after this epoch (None for k-NN).
    val_loss : float or None
        Validation loss when a validation set was given.
    val_accuracy : float or None
        Validation accuracy when a validation set was given.
    extra : dict
        Model-specific details (e.g. per-class losses of one-vs-rest).
    """

    model: str
    epoch: int
    n_epochs: int
    train_loss: float | None
    val_loss: float | None = None
    val_accuracy: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


TrainingCallback = Callable[[TrainingEvent], None]


class BaseClassifier:
    """scikit-learn style base: ``__init__`` stores hyperparameters only; fitted attributes end in ``_``."""

    #: short name used in events, files and the UI
    name: str = "base"
    #: what the UI shows: a display name and one sentence (see core.models.params)
    label: str = ""
    description: str = ""
    #: the settings a person chooses (the Training panel's form, the CLI's --set); others keep defaults
    hyperparameters: tuple = ()
    #: what the model streams while it trains (which plot draws it)
    curve: CurveSpec = CurveSpec()

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the hyperparameters as a dict (scikit-learn contract)."""
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params: Any) -> BaseClassifier:
        """Set hyperparameters; unknown names raise ``ValueError``."""
        valid = set(self._param_names())
        for k, v in params.items():
            if k not in valid:
                raise ValueError(f"invalid parameter {k!r} for {type(self).__name__}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predict class labels (in the label type given to ``fit``)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean accuracy on ``X``, ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
