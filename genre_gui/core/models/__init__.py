"""NumPy classifiers following scikit-learn's estimator contract (plus a per-epoch training callback)."""

from .base import BaseClassifier, TrainingCallback, TrainingEvent, TrainingInterrupted
from .knn import KNeighborsClassifier
from .ovr_logistic import OneVsRestLogisticRegression
from .softmax import SoftmaxRegression

#: model name (as used in files, the CLI and the UI) -> estimator class
MODELS: dict[str, type[BaseClassifier]] = {
    SoftmaxRegression.name: SoftmaxRegression,
    OneVsRestLogisticRegression.name: OneVsRestLogisticRegression,
    KNeighborsClassifier.name: KNeighborsClassifier,
}

__all__ = [
    "MODELS",
    "BaseClassifier",
    "KNeighborsClassifier",
    "OneVsRestLogisticRegression",
    "SoftmaxRegression",
    "TrainingCallback",
    "TrainingEvent",
    "TrainingInterrupted",
]
