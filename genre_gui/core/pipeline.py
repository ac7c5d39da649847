"""A trained pipeline: feature set name + fitted scaler + fitted classifier + class names.

It predicts from feature rows and from raw audio; long audio is cut into windows as long as the clips
the model was trained on and the window probabilities are averaged. Nothing non-finite ever comes out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .audio_io import load_audio, resample
from .errors import FeatureError

__all__ = ["Pipeline", "Prediction", "segment_starts", "DEFAULT_SAMPLE_RATE"]

#: every feature set is computed at this rate (librosa's default, the GTZAN table's rate)
DEFAULT_SAMPLE_RATE = 22050


def segment_starts(n_samples: int, window: int) -> np.ndarray:
    """Start indices of windows of ``window`` samples that cover ``n_samples``.

    Audio no longer than ~1.5 windows gives one window (the whole clip). Longer audio gives
    ``round(n / window)`` windows spread evenly from the start to the end, so every sample is covered
    and windows overlap by less than half a window.
    """
    if n_samples <= window:
        return np.zeros(1, dtype=np.int64)
    k = max(1, int(round(n_samples / window)))
    if k == 1:
        return np.zeros(1, dtype=np.int64)
    return np.round(np.linspace(0, n_samples - window, k)).astype(np.int64)


@dataclass
class Prediction:
    """The result of classifying one file or one stretch of audio.

    Attributes
    ----------
    label : the most probable class
    probabilities : ndarray of shape (n_classes,), in ``classes`` order, summing to 1
    classes : list of class labels
    n_segments : how many windows were averaged
    """

    label: Any
    probabilities: np.ndarray
    classes: list
    n_segments: int = 1
    segment_probabilities: np.ndarray | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """``{class: probability}`` with plain Python types (JSON-ready)."""
        return {str(c): float(p) for c, p in zip(self.classes, self.probabilities)}


class Pipeline:
    """Feature set + scaler + model, ready to classify.

    Parameters
    ----------
    feature_set : str or None
        Name in ``genre_gui.core.features.FEATURE_SETS`` the model was trained on; ``None`` for datasets
        that did not come from audio (MNIST, a custom table): then only the ``*_features`` methods work.
    scaler : fitted StandardScaler (``transform``, ``mean_``, ``scale_``) or None
    model : fitted classifier (``predict_proba``, ``classes_``)
    classes : sequence
        Class labels in the model's ``predict_proba`` column order.
    metadata : dict, optional
        JSON-compatible facts about training (dataset, protocol, CV accuracy, ``segment_seconds``...).
    """

    def __init__(self, feature_set: str | None, scaler: Any, model: Any, classes: Any,
                 metadata: dict | None = None) -> None:
        self.feature_set = feature_set
        self.scaler = scaler
        self.model = model
        self.classes = list(np.asarray(classes).tolist())
        self.metadata = dict(metadata or {})
        model_classes = getattr(model, "classes_", None)
        if model_classes is not None and list(np.asarray(model_classes).tolist()) != self.classes:
            raise ValueError("classes must equal model.classes_ (the predict_proba column order)")

    # -- shape facts ----------------------------------------------------------------------------------
    @property
    def n_features(self) -> int | None:
        """Number of input features the scaler (or model) expects, when known."""
        mean = getattr(self.scaler, "mean_", None)
        if mean is not None:
            return int(np.asarray(mean).shape[0])
        n = getattr(self.model, "n_features_in_", None)
        return int(n) if n is not None else None

    @property
    def segment_seconds(self) -> float:
        """Window length used on long audio: the clip length the model was trained on (30 s default)."""
        try:
            s = float(self.metadata.get("segment_seconds") or 30.0)
        except (TypeError, ValueError):
            s = 30.0
        return s if np.isfinite(s) and s > 0 else 30.0

    # -- feature rows ---------------------------------------------------------------------------------
    def predict_proba_features(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities for feature rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_features,)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Finite, each row sums to 1, columns in ``classes`` order.

        Raises
        ------
        FeatureError
            Wrong shape, non-numeric or non-finite features, or a model that produced non-finite output.
        """
        X = self._check_X(X)
        Z = self.scaler.transform(X) if self.scaler is not None else X
        P = np.asarray(self.model.predict_proba(Z), dtype=np.float64)
        if P.shape != (X.shape[0], len(self.classes)) or not np.all(np.isfinite(P)):
            raise FeatureError("the model produced invalid probabilities for these features")
        s = P.sum(axis=1, keepdims=True)
        if np.any(s <= 0):
            raise FeatureError("the model produced invalid probabilities for these features")
        return P / s

    def predict_features(self, X: np.ndarray) -> np.ndarray:
        """Most probable class for each feature row (labels from ``classes``)."""
        P = self.predict_proba_features(X)
        return np.asarray(self.classes)[np.argmax(P, axis=1)]

    # -- audio ----------------------------------------------------------------------------------------
    def predict_proba_audio(self, y: np.ndarray, sr: int, segment_seconds: float | None = None) -> np.ndarray:
        """Average class probabilities over windows of the audio.

        Parameters
        ----------
        y : ndarray of shape (n,)
            Mono samples (any float or int dtype).
        sr : int
            Their sample rate; resampled to 22050 Hz when different.
        segment_seconds : float, optional
            Window length; default :attr:`segment_seconds` (the training clip length).

        Returns
        -------
        ndarray of shape (n_classes,)
        """
        return self.classify_audio(y, sr, segment_seconds).probabilities

    def classify_audio(self, y: np.ndarray, sr: int, segment_seconds: float | None = None) -> Prediction:
        """Like :meth:`predict_proba_audio`, returning a :class:`Prediction` with per-window detail."""
        fs = self._feature_set()
        y = np.asarray(y)
        if y.ndim == 2:  # accept (n, channels)
            y = y.mean(axis=1)
        if y.ndim != 1 or y.dtype.kind not in "fiu":
            raise FeatureError(f"audio must be a 1-D numeric array, got shape {y.shape} dtype {y.dtype}")
        if not np.all(np.isfinite(y)):
            raise FeatureError("audio contains non-finite samples (NaN or infinity)")
        if not (isinstance(sr, (int, np.integer)) and sr > 0):
            raise FeatureError(f"invalid sample rate {sr!r}")
        y = y.astype(np.float64)
        if sr != DEFAULT_SAMPLE_RATE:
            y = resample(y, int(sr), DEFAULT_SAMPLE_RATE)
        min_samples = int(getattr(fs, "min_samples", 2048))
        if y.shape[0] < min_samples:
            raise FeatureError(
                f"audio too short ({y.shape[0]} samples at {DEFAULT_SAMPLE_RATE} Hz); "
                f"{self.feature_set} needs at least {min_samples}"
            )
        seconds = segment_seconds if segment_seconds is not None else self.segment_seconds
        window = max(min_samples, int(round(float(seconds) * DEFAULT_SAMPLE_RATE)))
        starts = segment_starts(y.shape[0], window)
        rows = np.stack([np.asarray(fs.extract(y[s:s + window].astype(np.float32), DEFAULT_SAMPLE_RATE),
                                    dtype=np.float64) for s in starts])
        P = self.predict_proba_features(rows)
        mean = P.mean(axis=0)
        mean /= mean.sum()
        label = self.classes[int(np.argmax(mean))]
        return Prediction(label=label, probabilities=mean, classes=list(self.classes), n_segments=len(starts),
                          segment_probabilities=P)

    def predict_file(self, path: str | os.PathLike, segment_seconds: float | None = None) -> Prediction:
        """Load an audio file (any format :func:`load_audio` reads) and classify it.

        Raises
        ------
        AudioError
            Unreadable, corrupt, empty, too short or too long file (naming the file).
        FeatureError
            No feature set recorded in this pipeline.
        """
        self._feature_set()  # fail before decoding when this pipeline cannot take audio
        y = load_audio(path, sr=DEFAULT_SAMPLE_RATE)
        return self.classify_audio(y, DEFAULT_SAMPLE_RATE, segment_seconds)

    # -- helpers --------------------------------------------------------------------------------------
    def _feature_set(self):
        if not self.feature_set:
            raise FeatureError("this model was not trained on audio features; it cannot classify audio")
        from .features import get_feature_set  # lazy: keeps feature-row use free of DSP imports

        return get_feature_set(self.feature_set)

    def _check_X(self, X: Any) -> np.ndarray:
        try:
            X = np.asarray(X)
        except (ValueError, TypeError) as exc:
            raise FeatureError(f"features must be a numeric array ({exc})") from exc
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.dtype.kind not in "fiub":
            raise FeatureError(f"features must be a 2-D numeric array, got shape {X.shape} dtype {X.dtype}")
        n = self.n_features
        if n is not None and X.shape[1] != n:
            raise FeatureError(f"the model expects {n} features per row, got {X.shape[1]}")
        X = X.astype(np.float64)
        if not np.all(np.isfinite(X)):
            raise FeatureError("features contain NaN or infinite values")
        return X

    def __repr__(self) -> str:
        return (f"Pipeline(feature_set={self.feature_set!r}, model={type(self.model).__name__}, "
                f"classes={self.classes!r})")
