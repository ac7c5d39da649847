"""NumPy classifiers following scikit-learn's estimator contract (plus a per-epoch training callback)."""

from collections.abc import Callable

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



def estimator_factory(name: str, params: dict, seed: int = 0) -> Callable[[], BaseClassifier]:
    """A zero-argument factory of ``MODELS[name](**params)`` for cross-validation and final fits.

    Models with a ``random_state`` get ``seed`` unless ``params`` sets one, so runs are reproducible.

    Raises
    ------
    KeyError
        Unknown model name.
    TypeError
        Unknown hyperparameter (checked once, here, rather than in every fold).
    """
    cls = MODELS[name]
    if "random_state" in cls._param_names() and "random_state" not in params:
        params = {**params, "random_state": seed}
    cls(**params)
    return lambda: cls(**params)


__all__ = [
    "estimator_factory",
    "MODELS",
    "BaseClassifier",
    "KNeighborsClassifier",
    "OneVsRestLogisticRegression",
    "SoftmaxRegression",
    "TrainingCallback",
    "TrainingEvent",
    "TrainingInterrupted",
]
