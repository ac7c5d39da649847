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

__all__ = ["Pipeline", "Prediction", "segment_starts", "DEFAULT_SAMPLE_RATE", "NOT_MUSIC", "genre_ranking",
           "answer_flags", "headline", "Answer", "answer"]

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


#: the class a model learns from sounds that are not music (speech, noise, tones, nature, silence)
NOT_MUSIC = "not music"
#: a clip is not music when its mean probability of ``NOT_MUSIC`` reaches this
NOT_MUSIC_AT = 0.5
#: without a calibrated threshold in the model file, a top genre below this probability is "unsure"
DEFAULT_UNSURE_BELOW = 0.5
#: a close call is "unsure" too: the top two genres within this much of each other. On the default
#: model's out-of-fold CV answers (5-fold x 3 seeds) this with its 0.40 threshold left 82.7 % of the
#: music clips answered, 91.1 % of them right; 46 % of the clips it calls unsure would have been wrong.
DEFAULT_UNSURE_MARGIN = 0.2


@dataclass
class Prediction:
    """The result of classifying one file or one stretch of audio.

    Attributes
    ----------
    label : the answer: the top genre, or ``NOT_MUSIC`` when ``not_music``
    probabilities : ndarray of shape (n_classes,), in ``classes`` order, summing to 1
    classes : list of class labels
    n_segments : how many windows were averaged
    segment_probabilities : ndarray of shape (n_segments, n_classes), one row per window (the timeline)
    segment_starts : ndarray of shape (n_segments,), each window's start in seconds
    segment_seconds : length of each window in seconds
    tags : dict of str to float, optional
        "Sounds like": the feature set's descriptive tags (musicnn: the 50 MSD tags) with their mean
        probability, most probable first; ``None`` when the feature set has none.
    not_music : bool
        The model, trained with a ``NOT_MUSIC`` class, gives it at least ``NOT_MUSIC_AT``.
    unsure : bool
        Music, but the top genre's share of the genre probabilities is below the model's threshold
        (chosen by cross-validation, see the model's metadata): show the top two, not one genre.
    features : ndarray of shape (n_segments, n_features), optional
        The feature rows of the windows (raw, before scaling): what :mod:`genre_gui.core.explain`
        explains the answer from.
    """

    label: Any
    probabilities: np.ndarray
    classes: list
    n_segments: int = 1
    segment_probabilities: np.ndarray | None = field(default=None, repr=False)
    segment_starts: np.ndarray | None = field(default=None, repr=False)
    segment_seconds: float = 0.0
    tags: dict[str, float] | None = field(default=None, repr=False)
    not_music: bool = False
    unsure: bool = False
    features: np.ndarray | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """``{class: probability}`` with plain Python types (JSON-ready)."""
        return {str(c): float(p) for c, p in zip(self.classes, self.probabilities)}

    def genre_ranking(self) -> list[tuple[str, float]]:
        """Genres (every class but ``NOT_MUSIC``) with their share of the genre probability, best first."""
        return genre_ranking(self.probabilities, self.classes)

    def sounds_like(self, n: int = 5) -> list[str]:
        """The ``n`` most probable tags (empty without tags)."""
        return list(self.tags)[:n] if self.tags else []

    def headline(self) -> str:
        """The answer in words, as the app and the CLI show it.

        ``"jazz 87 %"``, ``"not music (92 %)"``, or ``"unsure (top two: rock 41 %, metal 35 %)"``.
        """
        return headline(self.probabilities, self.classes, self.not_music, self.unsure)

    @property
    def confidence(self) -> float:
        """The number the headline states: P(not music), or the top genre's share of the genres."""
        if self.not_music:
            return float(self.probabilities[[str(c) for c in self.classes].index(NOT_MUSIC)])
        return genre_ranking(self.probabilities, self.classes)[0][1]

    def timeline(self) -> list[dict]:
        """One ``{"start", "end", "probabilities"}`` per window (seconds; JSON-ready)."""
        if self.segment_probabilities is None or self.segment_starts is None:
            return []
        return [{"start": round(float(t), 3), "end": round(float(t) + self.segment_seconds, 3),
                 "probabilities": {str(c): float(p) for c, p in zip(self.classes, row)}}
                for t, row in zip(self.segment_starts, self.segment_probabilities)]


def genre_ranking(probabilities: np.ndarray, classes: list) -> list[tuple[Any, float]]:
    """Genres with their probabilities renormalised over the genres (``NOT_MUSIC`` left out), best first.

    Classes keep their type (numbers for MNIST-like tables).
    """
    pairs = [(c, float(p)) for c, p in zip(classes, probabilities) if str(c) != NOT_MUSIC]
    total = sum(p for _, p in pairs)
    if total <= 0:
        return [(c, 1.0 / len(pairs)) for c, _ in pairs] if pairs else []
    return sorted(((c, p / total) for c, p in pairs), key=lambda cp: -cp[1])


def answer_flags(probabilities: np.ndarray, classes: list, unsure_below: float,
                 unsure_margin: float = DEFAULT_UNSURE_MARGIN) -> tuple[bool, bool]:
    """``(not_music, unsure)`` for probabilities over ``classes`` (see :class:`Prediction`).

    Unsure: music whose top genre share is below ``unsure_below``, or within ``unsure_margin`` of the
    second genre's.
    """
    names = [str(c) for c in classes]
    not_music = NOT_MUSIC in names and float(probabilities[names.index(NOT_MUSIC)]) >= NOT_MUSIC_AT
    ranking = genre_ranking(probabilities, classes)
    unsure = (not not_music and len(ranking) > 1
              and (ranking[0][1] < unsure_below or ranking[0][1] - ranking[1][1] < unsure_margin))
    return not_music, unsure


def headline(probabilities: np.ndarray, classes: list, not_music: bool, unsure: bool) -> str:
    """See :meth:`Prediction.headline`."""
    names = [str(c) for c in classes]
    if not_music:
        return f"{NOT_MUSIC} ({float(probabilities[names.index(NOT_MUSIC)]):.0%})".replace("%", " %")
    ranking = genre_ranking(probabilities, classes)
    if unsure:
        (a, pa), (b, pb) = ranking[:2]
        return f"unsure (top two: {a} {pa:.0%}, {b} {pb:.0%})".replace("%", " %")
    return f"{ranking[0][0]} {ranking[0][1]:.0%}".replace("%", " %")


@dataclass(frozen=True)
class Answer:
    """What the app says about probabilities over ``classes``; the one rule the song table, the CLI and
    the live view share.

    Attributes
    ----------
    label : ``NOT_MUSIC`` or the top genre (an unsure answer keeps its top genre as the label)
    not_music, unsure : bool
        See :class:`Prediction`.
    confidence : float
        The number the headline states: P(not music), or the top genre's share of the genres.
    headline : str
        ``"jazz 87 %"``, ``"not music (92 %)"`` or ``"unsure (top two: rock 41 %, metal 35 %)"``.
    """

    label: Any
    not_music: bool
    unsure: bool
    confidence: float
    headline: str


def answer(probabilities: np.ndarray, classes: list, unsure_below: float = DEFAULT_UNSURE_BELOW) -> Answer:
    """The :class:`Answer` for probabilities over ``classes`` (summing to 1)."""
    classes = list(classes)
    not_music, unsure = answer_flags(probabilities, classes, unsure_below)
    if not_music:
        label = next(c for c in classes if str(c) == NOT_MUSIC)
        confidence = float(probabilities[classes.index(label)])
    else:
        label, confidence = genre_ranking(probabilities, classes)[0]
    return Answer(label, not_music, unsure, confidence, headline(probabilities, classes, not_music, unsure))


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

    @property
    def sample_rate(self) -> int:
        """Rate the audio is analysed at (the feature set's); raises FeatureError without a feature set."""
        return int(getattr(self._feature_set(), "sample_rate", DEFAULT_SAMPLE_RATE))

    @property
    def unsure_below(self) -> float:
        """Top-genre probability under which an answer is "unsure" (the model's calibrated threshold)."""
        try:
            t = float(self.metadata.get("unsure_below", DEFAULT_UNSURE_BELOW))
        except (TypeError, ValueError):
            t = DEFAULT_UNSURE_BELOW
        return t if 0.0 <= t <= 1.0 else DEFAULT_UNSURE_BELOW

    def classify_audio(self, y: np.ndarray, sr: int, segment_seconds: float | None = None) -> Prediction:
        """Like :meth:`predict_proba_audio`, returning a :class:`Prediction` with per-window detail.

        Every window is classified on its own (the timeline); the answer is their mean. Tags, when the
        feature set has them, are averaged the same way.
        """
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
        rate = self.sample_rate
        y = y.astype(np.float64)
        if sr != rate:
            y = resample(y, int(sr), rate)
        min_samples = int(getattr(fs, "min_samples", 2048))
        if y.shape[0] < min_samples:
            raise FeatureError(
                f"audio too short ({y.shape[0]} samples at {rate} Hz); "
                f"{self.feature_set} needs at least {min_samples}"
            )
        seconds = segment_seconds if segment_seconds is not None else self.segment_seconds
        window = max(min_samples, int(round(float(seconds) * rate)))
        starts = segment_starts(y.shape[0], window)
        rows, tags = [], []
        for s in starts:
            vector, extras = fs.extract_with_extras(y[s:s + window].astype(np.float32), rate)
            rows.append(np.asarray(vector, dtype=np.float64))
            if extras.get("tags") is not None:
                tags.append(np.asarray(extras["tags"], dtype=np.float64))
        features = np.stack(rows)
        P = self.predict_proba_features(features)
        mean = P.mean(axis=0)
        mean /= mean.sum()
        said = answer(mean, self.classes, self.unsure_below)
        tag_probs = None
        if tags and len(tags) == len(rows):
            names = getattr(fs, "tag_names", ())
            t = np.mean(tags, axis=0)
            if len(names) == len(t) and np.all(np.isfinite(t)):
                tag_probs = {str(n): float(v) for n, v in sorted(zip(names, t), key=lambda nv: -nv[1])}
        return Prediction(label=said.label, probabilities=mean, classes=list(self.classes),
                          n_segments=len(starts), segment_probabilities=P, segment_starts=starts / rate,
                          segment_seconds=min(window, y.shape[0]) / rate, tags=tag_probs,
                          not_music=said.not_music, unsure=said.unsure, features=features)

    def predict_file(self, path: str | os.PathLike, segment_seconds: float | None = None) -> Prediction:
        """Load an audio file (any format :func:`load_audio` reads) and classify it.

        Raises
        ------
        AudioError
            Unreadable, corrupt, empty, too short or too long file (naming the file).
        FeatureError
            No feature set recorded in this pipeline.
        """
        rate = self.sample_rate  # fails before decoding when this pipeline cannot take audio
        y = load_audio(path, sr=rate)  # straight to the feature set's rate: one resampling
        return self.classify_audio(y, rate, segment_seconds)

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
