"""NumPy classifiers following scikit-learn's estimator contract (plus a per-epoch training callback)."""

from collections.abc import Callable

from .base import BaseClassifier, TrainingCallback, TrainingEvent, TrainingInterrupted
from .knn import KNeighborsClassifier
from .ovr_logistic import OneVsRestLogisticRegression
from .softmax import SoftmaxRegression

#: model name (as used in files, the CLI and the UI) -> estimator class, in the order the UI lists them;
#: each class carries its label, description, hyperparameter specs and curve kind (core.models.params)
MODELS: dict[str, type[BaseClassifier]] = {}


def register_model(cls: type[BaseClassifier]) -> type[BaseClassifier]:
    """Add a model family to :data:`MODELS` (the Training panel, the CLI and model files read it).

    Raises
    ------
    ValueError
        When the name is taken by another class, or a hyperparameter spec names no constructor argument.
    """
    if MODELS.get(cls.name, cls) is not cls:
        raise ValueError(f"a model named {cls.name!r} is already registered")
    unknown = {h.name for h in cls.hyperparameters} - set(cls._param_names())
    if unknown:
        raise ValueError(f"{cls.__name__}: hyperparameter specs for unknown arguments {sorted(unknown)}")
    MODELS[cls.name] = cls
    return cls


def unregister_model(name: str) -> None:
    """Remove a model family (plugins and tests)."""
    MODELS.pop(name, None)


for _cls in (SoftmaxRegression, OneVsRestLogisticRegression, KNeighborsClassifier):
    register_model(_cls)



def model_label(name: str) -> str:
    """A model's display name from the registry ("One-vs-rest logistic" for "ovr_logistic"); its key
    when it has no label or is unknown."""
    cls = MODELS.get(name)
    return (getattr(cls, "label", "") if cls is not None else "") or name


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
    "model_label",
    "register_model",
    "unregister_model",
    "MODELS",
    "BaseClassifier",
    "KNeighborsClassifier",
    "OneVsRestLogisticRegression",
    "SoftmaxRegression",
    "TrainingCallback",
    "TrainingEvent",
    "TrainingInterrupted",
]
