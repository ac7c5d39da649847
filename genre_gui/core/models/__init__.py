"""NumPy classifiers following scikit-learn's estimator contract (plus a per-epoch training callback)."""

from .base import BaseClassifier, TrainingCallback, TrainingEvent, TrainingInterrupted

__all__ = ["BaseClassifier", "TrainingCallback", "TrainingEvent", "TrainingInterrupted"]
