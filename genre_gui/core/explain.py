"""Why a pipeline gave its answer: the nearest training clips (k-NN) or the features that pushed the
predicted class (softmax, one-vs-rest logistic). Plain dataclasses out; no Qt.

A song of several segment rows is explained as the pipeline classifies it: every segment is a query,
and the answer is the class of the segments' mean probability. For k-NN every segment's neighbours are
listed (each with its segment number); for the linear models the contributions are those to the mean of
the segments' scores, which for a linear score is the score of the segments' mean standardised row.

The training rows a k-NN neighbour came from are named by ``pipeline.metadata["train_sources"]`` (file
path or clip name, one per training row) and ``pipeline.metadata["train_clips"]`` (clip id, one per
training row); see :func:`record_training_rows`. Pipelines without them (older model files) can be
matched to a dataset in hand with :func:`training_rows_from_dataset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import FeatureError

if TYPE_CHECKING:
    from .datasets.base import Dataset
    from .features._base import FeatureSet
    from .pipeline import Pipeline

__all__ = [
    "Neighbour", "NeighbourExplanation", "Contribution", "LinearExplanation", "NoExplanation", "Explanation",
    "explain", "explain_neighbours", "explain_linear", "feature_names", "record_training_rows",
    "training_rows_from_dataset", "TRAIN_SOURCES", "TRAIN_CLIPS",
]

#: metadata key: where each training row came from (file path or table clip name), one str per row
TRAIN_SOURCES = "train_sources"
#: metadata key: the clip id (dataset group) of each training row, one str per row
TRAIN_CLIPS = "train_clips"
#: contributions listed on each side (pushing towards, pushing against) unless asked otherwise
DEFAULT_TOP = 10


# -- results ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Neighbour:
    """One training row among a query's nearest.

    Attributes
    ----------
    rank : int
        1 for the nearest (over all segments of the song, by distance).
    row : int
        Index of the training row (into the model's ``X_fit_``).
    label : class label of the training row
    distance : float
        In the model's metric (Euclidean, or cosine distance ``1 - cos``) on standardised features.
    source : str or None
        The training row's file path or clip name, when the pipeline knows its training rows.
    clip : str or None
        The training row's clip id, when known.
    segment : int
        Which query row (segment of the song, 0-based) it is a neighbour of.
    """

    rank: int
    row: int
    label: Any
    distance: float
    source: str | None = None
    clip: str | None = None
    segment: int = 0


@dataclass(frozen=True)
class NeighbourExplanation:
    """A k-NN answer: the ``n_neighbors`` nearest training rows of every query row, and their vote.

    Attributes
    ----------
    model : str
        The model's name (``"knn"``).
    predicted : the class the listed neighbours vote for (the pipeline's answer when nothing is excluded)
    probabilities : dict
        ``{class: share of the (weighted) votes}``, averaged over segments as the pipeline averages.
    neighbours : tuple of Neighbour
        All segments' neighbours, nearest first.
    n_neighbors, metric, weights
        The model's hyperparameters.
    n_segments : int
        Number of query rows explained together.
    excluded_clip : str or None
        Training rows of this clip were left out of the search.
    n_excluded : int
        How many training rows that left out.
    sources_known : bool
        Whether ``source``/``clip`` of the neighbours are filled in.
    """

    model: str
    predicted: Any
    probabilities: dict
    neighbours: tuple[Neighbour, ...]
    n_neighbors: int
    metric: str
    weights: str
    n_segments: int = 1
    excluded_clip: str | None = None
    n_excluded: int = 0
    sources_known: bool = False
    kind: str = field(default="knn", init=False)


@dataclass(frozen=True)
class Contribution:
    """One feature's push on the explained class's score.

    Attributes
    ----------
    feature : str
        Column name (``"mfcc3_mean"``); log-transformed columns are named as in the dataset.
    index : int
        Column number.
    weight : float
        The model's weight of this column for the explained class.
    value : float
        The standardised value the model saw (mean over segments); log columns are logged first.
    contribution : float
        ``weight * value``.
    log : bool
        The scaler took the column's log before standardising.
    """

    feature: str
    index: int
    weight: float
    value: float
    contribution: float
    log: bool = False


@dataclass(frozen=True, eq=False)
class LinearExplanation:
    """A linear model's answer split into per-feature contributions.

    ``sum(contributions) + intercept == score``. For softmax regression the score is the class's
    *logit*: the probability is ``exp(logit)`` over the sum of every class's ``exp(logit)``, so a
    contribution pushes this class relative to the others only by how much more it pushes it than them.
    For one-vs-rest logistic regression the score is the log-odds of "this class" against "the rest".

    Attributes
    ----------
    model : str
        ``"softmax"`` or ``"ovr_logistic"``.
    predicted : the pipeline's answer (highest mean probability)
    explained : the class whose score is split (``predicted`` unless another was asked for)
    probabilities : dict
        ``{class: probability}`` as the pipeline gives it (mean over segments).
    score : float
        The explained class's score on the mean standardised row.
    score_kind : str
        What the score is, in words.
    intercept : float
    contributions : ndarray of shape (n_features,)
        Every column's ``weight * value``, in column order.
    top_positive : tuple of Contribution
        The largest positive contributions, largest first.
    top_negative : tuple of Contribution
        The most negative contributions, most negative first.
    n_segments : int
    """

    model: str
    predicted: Any
    explained: Any
    probabilities: dict
    score: float
    score_kind: str
    intercept: float
    contributions: np.ndarray = field(repr=False)
    top_positive: tuple[Contribution, ...]
    top_negative: tuple[Contribution, ...]
    n_segments: int = 1
    kind: str = field(default="linear", init=False)


@dataclass(frozen=True)
class NoExplanation:
    """This model's answers cannot be explained here; ``reason`` says why, in words."""

    model: str
    reason: str
    kind: str = field(default="none", init=False)


Explanation = NeighbourExplanation | LinearExplanation | NoExplanation

_SCORE_KINDS = {
    "softmax": "logit of the class (softmax turns every class's logit into probabilities together)",
    "ovr_logistic": "log-odds of the class against all the others (its own one-vs-rest model)",
}


# -- training rows ------------------------------------------------------------------------------------
def record_training_rows(pipeline: Pipeline, sources: Sequence[Any],
                         clips: Sequence[Any] | None = None) -> None:
    """Store where each training row came from in ``pipeline.metadata`` (saved with the model file).

    Parameters
    ----------
    pipeline : Pipeline
        Fitted on rows in the order of ``sources``.
    sources : sequence
        File path or clip name of every training row (``Dataset.sources`` of the training rows).
    clips : sequence, optional
        Clip id of every training row (``Dataset.groups``); default: ``sources``.

    Raises
    ------
    ValueError
        Lengths differ from each other or from the model's stored training rows (k-NN).
    """
    src = [str(s) for s in sources]
    clp = [str(c) for c in clips] if clips is not None else list(src)
    if len(clp) != len(src):
        raise ValueError(f"{len(src)} sources but {len(clp)} clip ids")
    n_fit = _n_training_rows(pipeline.model)
    if n_fit is not None and n_fit != len(src):
        raise ValueError(f"the model holds {n_fit} training rows, got {len(src)} sources")
    pipeline.metadata[TRAIN_SOURCES] = src
    pipeline.metadata[TRAIN_CLIPS] = clp


def training_rows_from_dataset(pipeline: Pipeline, dataset: Dataset) -> tuple[list[str], list[str]] | None:
    """Find the dataset row behind each of a k-NN pipeline's training rows.

    For pipelines that do not carry ``train_sources`` (files from older versions, runs that did not
    record them): each stored training row is the scaled version of some dataset row, bit for bit (the
    scaler works column by column), so the rows are matched by their scaled values. Rows with identical
    features are assigned in order, so a training row may be named by its identical twin (GTZAN repeats
    14 clips exactly) when only one of them was trained on; record the rows at training time
    (:func:`record_training_rows`) to avoid that.

    Returns
    -------
    (sources, clips) : lists of str, one per training row, or None
        None when the model stores no training rows or some row is not in ``dataset``.
    """
    X_fit = getattr(pipeline.model, "X_fit_", None)
    if X_fit is None or dataset is None:
        return None
    X_fit = np.asarray(X_fit, dtype=np.float64)
    X = np.asarray(dataset.X)
    if X.ndim != 2 or X.shape[1] != X_fit.shape[1]:
        return None
    try:
        Z = pipeline.scaler.transform(X) if pipeline.scaler is not None else X.astype(np.float64)
    except (ValueError, TypeError):
        return None
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    where: dict[bytes, list[int]] = {}
    for i in range(Z.shape[0] - 1, -1, -1):  # reversed, so pop() hands out the lowest index first
        where.setdefault(Z[i].tobytes(), []).append(i)
    sources, clips = [], []
    groups = np.asarray(dataset.groups).astype(str)
    for row in np.ascontiguousarray(X_fit):
        found = where.get(row.tobytes())
        if not found:
            return None
        i = found.pop() if len(found) > 1 else found[0]
        sources.append(str(dataset.sources[i]))
        clips.append(str(groups[i]))
    return sources, clips


def _n_training_rows(model: Any) -> int | None:
    X_fit = getattr(model, "X_fit_", None)
    return None if X_fit is None else int(np.asarray(X_fit).shape[0])


def _str_list(values: Any, n: int) -> list[str] | None:
    """``values`` as a list of ``n`` str, or None (absent, text, or another length)."""
    if values is None or isinstance(values, (str, bytes)):
        return None
    try:
        out = [str(v) for v in values]
    except TypeError:
        return None
    return out if len(out) == n else None


def _known_rows(pipeline: Pipeline, sources: Sequence[str] | None, clips: Sequence[str] | None,
                n_rows: int) -> tuple[list[str] | None, list[str] | None]:
    """Training sources and clip ids from the arguments, else the metadata; None unless one per row."""
    if sources is None:
        sources = pipeline.metadata.get(TRAIN_SOURCES)
        if clips is None:
            clips = pipeline.metadata.get(TRAIN_CLIPS)
    src, clp = _str_list(sources, n_rows), _str_list(clips, n_rows)
    if clp is None and src is not None:
        from .datasets.csv_table import clip_id

        clp = [clip_id(s) for s in src]
    return src, clp


# -- names ----------------------------------------------------------------------------------------------
def feature_names(pipeline: Pipeline, n_features: int, columns: Sequence[str] | None = None) -> list[str]:
    """Column names for the pipeline's inputs.

    ``columns`` when given (a dataset's), else the feature set's columns, else ``metadata["columns"]``,
    else ``"feature 0"``, ``"feature 1"``... A name that is one of the feature set's columns reads as
    its label (``FeatureSet.column_labels``: musicnn's say which layer a value comes from).
    """
    fs = _feature_set(pipeline)
    for candidate in (columns, None if fs is None else fs.columns, pipeline.metadata.get("columns")):
        names = _str_list(candidate, n_features)
        if names is not None:
            if fs is None:
                return names
            labels = dict(zip(fs.columns, fs.column_labels))
            return [labels.get(n, n) for n in names]
    return [f"feature {i}" for i in range(n_features)]


def _feature_set(pipeline: Pipeline) -> FeatureSet | None:
    if not pipeline.feature_set:
        return None
    from .features import get_feature_set

    try:
        return get_feature_set(pipeline.feature_set)
    except FeatureError:
        return None


# -- explanations ---------------------------------------------------------------------------------------
def explain(
    pipeline: Pipeline,
    rows: Any,
    *,
    top: int = DEFAULT_TOP,
    explained_class: Any = None,
    exclude_clip: str | None = None,
    train_sources: Sequence[str] | None = None,
    train_clips: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> Explanation:
    """Explain the pipeline's answer for one feature row, or the segment rows of one song.

    Parameters
    ----------
    pipeline : Pipeline
        Fitted; its model decides the kind of explanation.
    rows : array-like of shape (n_features,) or (n_segments, n_features)
        Raw (unscaled) feature rows, as given to ``pipeline.predict_proba_features``.
    top : int
        Linear models: contributions listed on each side.
    explained_class : optional
        Linear models: the class whose score is split (default: the predicted one).
    exclude_clip : str, optional
        k-NN: leave the training rows of this clip id out of the search (a clip of the training set
        would otherwise find itself at distance 0).
    train_sources, train_clips : sequence of str, optional
        k-NN: override ``metadata["train_sources"]`` / ``["train_clips"]``.
    columns : sequence of str, optional
        Feature names (default: the feature set's).

    Returns
    -------
    NeighbourExplanation, LinearExplanation or NoExplanation
        ``NoExplanation`` for any other model, and for a k-NN whose excluded rows leave too few.

    Raises
    ------
    FeatureError
        ``rows`` are not valid input for the pipeline (shape, non-finite values).
    """
    from .models import KNeighborsClassifier, OneVsRestLogisticRegression, SoftmaxRegression

    model = pipeline.model
    name = str(getattr(model, "name", type(model).__name__))
    pipeline._check_X(rows)  # bad input is an error whatever the model
    if isinstance(model, KNeighborsClassifier):
        return explain_neighbours(pipeline, rows, exclude_clip=exclude_clip, train_sources=train_sources,
                                  train_clips=train_clips)
    if isinstance(model, (SoftmaxRegression, OneVsRestLogisticRegression)):
        return explain_linear(pipeline, rows, top=top, explained_class=explained_class, columns=columns)
    return NoExplanation(name, f"No explanation for this model ({name}): only k-nearest neighbours, softmax "
                               "and one-vs-rest logistic regression can say why they answered.")


def _scaled(pipeline: Pipeline, rows: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw rows, standardised rows, the pipeline's mean probabilities) of validated input."""
    X = pipeline._check_X(rows)
    if X.shape[0] == 0:
        raise FeatureError("no feature rows to explain")
    Z = pipeline.scaler.transform(X) if pipeline.scaler is not None else X
    P = pipeline.predict_proba_features(X)
    mean = P.mean(axis=0)
    return X, np.asarray(Z, dtype=np.float64), mean / mean.sum()


def explain_neighbours(
    pipeline: Pipeline,
    rows: Any,
    *,
    exclude_clip: str | None = None,
    train_sources: Sequence[str] | None = None,
    train_clips: Sequence[str] | None = None,
) -> NeighbourExplanation | NoExplanation:
    """The k nearest training rows of each query row of a k-NN pipeline (see :func:`explain`).

    The vote is recomputed from the neighbours listed (the model's weighting rule, averaged over
    segments); with nothing excluded it equals ``pipeline.predict_proba_features(rows).mean(0)``.
    """
    model = pipeline.model
    _, Z, _ = _scaled(pipeline, rows)
    n_fit = _n_training_rows(model) or 0
    k = int(model.n_neighbors)
    sources, clips = _known_rows(pipeline, train_sources, train_clips, n_fit)
    excluded = np.zeros(n_fit, dtype=bool)
    if exclude_clip is not None:
        if clips is None:
            return NoExplanation(model.name, "The model does not record which clip each training row came "
                                             f"from, so {exclude_clip}'s own rows cannot be left out.")
        excluded = np.asarray(clips, dtype=object) == str(exclude_clip)
    n_excluded = int(excluded.sum())
    if n_fit - n_excluded < k:
        return NoExplanation(model.name, f"Only {n_fit - n_excluded} training rows are left; the model "
                                         f"needs {k} neighbours.")
    # the k nearest of the rows kept are among the k + n_excluded nearest of all rows
    dist, ind = model.kneighbors(Z, n_neighbors=min(n_fit, k + n_excluded))
    classes = list(pipeline.classes)
    y_fit = np.asarray(model.y_fit_)
    found = []
    votes = np.zeros((Z.shape[0], len(classes)))
    for s in range(Z.shape[0]):
        keep = ~excluded[ind[s]]
        d, i = dist[s][keep][:k], ind[s][keep][:k]
        w = _vote_weights(d, model.weights)
        np.add.at(votes[s], y_fit[i], w)
        found += [(float(dd), int(ii), s) for dd, ii in zip(d, i)]
    shares = votes / votes.sum(axis=1, keepdims=True)
    mean = shares.mean(axis=0)
    found.sort(key=lambda t: (t[0], t[2], t[1]))
    neighbours = tuple(
        Neighbour(rank=r + 1, row=i, label=classes[int(y_fit[i])], distance=d,
                  source=None if sources is None else sources[i], clip=None if clips is None else clips[i],
                  segment=s)
        for r, (d, i, s) in enumerate(found))
    return NeighbourExplanation(
        model=model.name, predicted=classes[int(np.argmax(mean))],
        probabilities={c: float(p) for c, p in zip(classes, mean)}, neighbours=neighbours, n_neighbors=k,
        metric=str(model.metric), weights=str(model.weights), n_segments=int(Z.shape[0]),
        excluded_clip=None if exclude_clip is None else str(exclude_clip), n_excluded=n_excluded,
        sources_known=sources is not None)


def _vote_weights(d: np.ndarray, weights: str) -> np.ndarray:
    """The model's weights of one query's neighbours (uniform, or 1/d; exact matches take the vote)."""
    if weights != "distance":
        return np.ones_like(d)
    zero = d == 0
    if zero.any():
        return zero.astype(np.float64)
    return 1.0 / d


def explain_linear(
    pipeline: Pipeline,
    rows: Any,
    *,
    top: int = DEFAULT_TOP,
    explained_class: Any = None,
    columns: Sequence[str] | None = None,
) -> LinearExplanation:
    """Split a linear model's score for the predicted class into ``weight * standardised value``.

    See :func:`explain` and :class:`LinearExplanation`.

    Raises
    ------
    FeatureError
        Invalid rows.
    ValueError
        ``explained_class`` is not one of the pipeline's classes.
    """
    model = pipeline.model
    _, Z, mean = _scaled(pipeline, rows)
    classes = list(pipeline.classes)
    predicted = classes[int(np.argmax(mean))]
    target = predicted if explained_class is None else explained_class
    if target not in classes:
        raise ValueError(f"{target!r} is not one of the model's classes")
    c = classes.index(target)
    z = Z.mean(axis=0)
    w = np.asarray(model.coef_, dtype=np.float64)[c]
    b = float(np.asarray(model.intercept_, dtype=np.float64)[c])
    contrib = w * z
    names = feature_names(pipeline, Z.shape[1], columns)
    logged = set(int(i) for i in getattr(pipeline.scaler, "log_columns", ()) or ())

    def item(j: int) -> Contribution:
        return Contribution(names[j], j, float(w[j]), float(z[j]), float(contrib[j]), j in logged)

    top = max(0, int(top))
    order = np.argsort(-contrib, kind="stable")
    positive = tuple(item(int(j)) for j in order[:top] if contrib[j] > 0)
    negative = tuple(item(int(j)) for j in order[::-1][:top] if contrib[j] < 0)
    name = str(model.name)
    return LinearExplanation(
        model=name, predicted=predicted, explained=target,
        probabilities={cl: float(p) for cl, p in zip(classes, mean)},
        score=float(contrib.sum() + b), score_kind=_SCORE_KINDS.get(name, "score of the class"), intercept=b,
        contributions=contrib, top_positive=positive, top_negative=negative, n_segments=int(Z.shape[0]))
