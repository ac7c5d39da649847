"""The experiment: a protocol, the runs it makes, and one result type with one JSON form.

The training worker, the CLI, the report export and the Comparison panel all go through here, so a
number means the same thing wherever it is shown. Every run is built on
:func:`~genre_gui.core.evaluation.cross_validate` (a hold-out is a single fold), so held-out rows never
reach scaling, training or early stopping on any path.

Protocols:

- ``holdout``: ``test_percent`` of each class's clips held out (stratified, grouped by clip); the model
  kept is the one trained on the other clips.
- ``kfold``: ``n_splits`` folds, ``fold_kind`` ``"stratified"`` (shuffled, grouped by clip) or
  ``"blocked"`` (contiguous GTZAN clip numbers per genre), ``repeats`` times with other splits (same
  splits for every model); the model kept is refit on every clip.
- ``fault-filtered``: the fault-filtered GTZAN split (Kereliuk, Sturm & Larsen 2015; 443 train, 197
  validation, 290 test clips, no artist across sets), for datasets whose ids are GTZAN ids.
- ``predefined``: the dataset's own split (``Dataset.split``; MNIST's official 60,000 / 10,000).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .evaluation import blocked_kfold, cross_validate, holdout_split, stratified_group_kfold
from .evaluation.significance import PairedTest, compare_models, win_tie_loss

if TYPE_CHECKING:
    from collections.abc import Callable

    from .datasets import Dataset
    from .evaluation import EvaluationResult
    from .models import TrainingEvent
    from .pipeline import Pipeline

PROTOCOL_KINDS = ("holdout", "kfold", "fault-filtered", "predefined")
FOLD_KINDS = ("stratified", "blocked")
#: default region of practical equivalence of the Bayesian test: one percentage point of accuracy
DEFAULT_ROPE = 0.01


@dataclass(frozen=True)
class ModelSpec:
    """A model family (key of ``core.models.MODELS``) and its constructor arguments."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Split:
    """One train/test split of a protocol: ``repeat`` and ``fold`` are 0-based."""

    train_idx: np.ndarray
    test_idx: np.ndarray
    repeat: int = 0
    fold: int = 0


@dataclass(frozen=True)
class Protocol:
    """How models are evaluated (see the module docstring for the kinds).

    In segment mode rows are segments of clips, and clips are scored by averaging their segments'
    probabilities (any dataset whose clips have several rows is scored that way).
    """

    kind: str = "holdout"
    test_percent: float = 20.0
    n_splits: int = 5
    fold_kind: str = "stratified"
    repeats: int = 1
    segment_mode: bool = False
    random_state: int = 0
    segment_seconds: float = 3.0
    #: fault-filtered: train on the validation clips too (otherwise they are left out)
    use_validation: bool = True

    def __post_init__(self) -> None:
        if self.kind not in PROTOCOL_KINDS:
            raise ValueError(f"unknown protocol {self.kind!r}; use one of {', '.join(PROTOCOL_KINDS)}")
        if self.fold_kind not in FOLD_KINDS:
            raise ValueError(f"unknown fold kind {self.fold_kind!r}; use 'stratified' or 'blocked'")
        if self.kind == "holdout" and not 0 < self.test_percent < 100:
            raise ValueError(f"the hold-out test share must be between 0 and 100 %, got {self.test_percent}")
        if self.kind == "kfold" and int(self.n_splits) < 2:
            raise ValueError(f"k-fold needs at least 2 folds, got {self.n_splits}")
        if int(self.repeats) < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")

    @property
    def n_repeats(self) -> int:
        """Repeats actually made: only k-fold repeats (a hold-out or a fixed split is one run)."""
        return int(self.repeats) if self.kind == "kfold" else 1

    def describe(self, unit: str = "clip") -> str:
        """The protocol in words, shown next to every number it produced.

        Parameters
        ----------
        unit : str
            What a group of rows is (``Dataset.row_word``): "clip" of music, "sample" of digits.
        """
        if self.kind == "holdout":
            text = f"hold-out {self.test_percent:g} % (stratified, grouped by {unit})"
        elif self.kind == "fault-filtered":
            train = "train + validation" if self.use_validation else "train"
            text = f"fault-filtered GTZAN split (trained on {train}, scored on test; no artist across sets)"
        elif self.kind == "predefined":
            text = "the dataset's own split (trained on its training part, scored on its test part)"
        else:
            how = (f"blocked by {unit} number" if self.fold_kind == "blocked"
                   else f"stratified, grouped by {unit}")
            text = f"{self.n_splits}-fold ({how})"
            if self.n_repeats > 1:
                text = f"{self.n_repeats} x {text}"
        return text + (f", segments scored per {unit}" if self.segment_mode else "")

    def splits(self, dataset: Dataset) -> list[Split]:
        """Every train/test split of the protocol on ``dataset``, repeat by repeat.

        Repeat ``r`` of stratified k-fold shuffles with seed ``random_state + r``; repeat 0 of blocked
        k-fold is the plain blocked split and later repeats shuffle which block of each genre shares a
        fold (:func:`~genre_gui.core.evaluation.blocked_kfold`).
        """
        if self.kind == "holdout":
            train, test = holdout_split(dataset.y, dataset.groups, test_size=self.test_percent / 100.0,
                                        random_state=self.random_state)
            return [Split(train, test)]
        if self.kind == "fault-filtered":
            train, test = fault_filtered_split(dataset.groups, use_validation=self.use_validation)
            return [Split(train, test)]
        if self.kind == "predefined":
            split = getattr(dataset, "split", None)
            if split is None:
                raise ValueError("this dataset has no split of its own (an MNIST folder with its training "
                                 "and t10k files has one)")
            train, test = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
            if train.shape[0] == 0 or test.shape[0] == 0:
                raise ValueError(f"the dataset's split has {train.shape[0]} training and {test.shape[0]} "
                                 "test rows; it needs both")
            return [Split(train, test)]
        out = []
        for r in range(self.n_repeats):
            if self.fold_kind == "blocked":
                folds = blocked_kfold(dataset.groups, dataset.y, self.n_splits,
                                      random_state=None if r == 0 else self.random_state + r)
            else:
                folds = stratified_group_kfold(dataset.y, dataset.groups, self.n_splits,
                                               random_state=self.random_state + r)
            out.extend(Split(tr, te, r, f) for f, (tr, te) in enumerate(folds))
        return out

    def to_json(self) -> dict:
        return {**asdict(self), "description": self.describe()}


# -- the fault-filtered GTZAN split ------------------------------------------------------------------------
def gtzan_keys(ids: Any) -> np.ndarray:
    """``"blues.00042"`` for each GTZAN-style id (path, extension and segment number dropped)."""
    from .evaluation import parse_clip_ids

    genres, numbers = parse_clip_ids(ids)
    return np.array([f"{g}.{n:05d}" for g, n in zip(genres.tolist(), numbers.tolist())])


def read_split_list(path: Any) -> list[str]:
    """Clip keys (``"blues.00042"``) of one split list file (``blues/blues.00042.wav`` per line)."""
    from pathlib import Path

    lines = [ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
    return gtzan_keys(lines).tolist()


def fault_filtered_split(groups: Any, use_validation: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the fault-filtered split's training (+ validation) clips and of its test clips.

    Rows of the 70 clips the split leaves out are in neither.

    Raises
    ------
    ValueError
        When the ids are not GTZAN ids, or too few of them are in the split to train and test.
    """
    from ..assets import GTZAN_TEST, GTZAN_TRAIN, GTZAN_VALID

    try:
        keys = gtzan_keys(groups)
    except ValueError as exc:
        raise ValueError(f"the fault-filtered split needs GTZAN clip ids (blues.00042): {exc}") from exc
    train_keys = set(read_split_list(GTZAN_TRAIN))
    if use_validation:
        train_keys |= set(read_split_list(GTZAN_VALID))
    test_keys = set(read_split_list(GTZAN_TEST))
    train = np.flatnonzero(np.isin(keys, list(train_keys)))
    test = np.flatnonzero(np.isin(keys, list(test_keys)))
    if train.shape[0] == 0 or test.shape[0] == 0:
        raise ValueError(f"the fault-filtered split needs GTZAN clips from its train and test lists; "
                         f"this dataset has {train.shape[0]} training and {test.shape[0]} test rows of them")
    return train, test


# -- results ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FoldScore:
    """Scores of one model on one split; ``n_train``/``n_test`` count clips."""

    repeat: int
    fold: int
    accuracy: float
    macro_f1: float
    n_train: int
    n_test: int


@dataclass
class ModelResult:
    """Everything the panels, the CLI and the reports show for one model.

    ``y_true``, ``y_pred``, ``proba`` and ``sources`` have one entry per evaluated clip (held-out clips,
    or every clip out-of-fold in the first k-fold repeat), so the confusion matrix sums to
    ``len(y_true)``. ``accuracy``/``macro_f1`` are means over every fold of every repeat.
    """

    model: str
    params: dict[str, Any]
    classes: list
    evaluation: EvaluationResult
    fold_scores: list[FoldScore]
    train_seconds: float
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray
    sources: list[str]
    pipeline: Pipeline | None
    protocol: str
    clip_ids: np.ndarray = field(default_factory=lambda: np.empty(0))
    #: clips had several rows (segments) and were scored by averaging their probabilities
    aggregated: bool = False

    @property
    def fold_accuracies(self) -> list[float]:
        return [f.accuracy for f in self.fold_scores]

    @property
    def fold_macro_f1(self) -> list[float]:
        return [f.macro_f1 for f in self.fold_scores]

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.fold_accuracies)) if self.fold_scores else float(self.evaluation.accuracy)

    @property
    def accuracy_std(self) -> float:
        """Standard deviation over folds (0 for a single split, which has no spread to show)."""
        return float(np.std(self.fold_accuracies)) if len(self.fold_scores) > 1 else 0.0

    @property
    def macro_f1(self) -> float:
        return float(np.mean(self.fold_macro_f1)) if self.fold_scores else float(self.evaluation.macro_f1)

    @property
    def macro_f1_std(self) -> float:
        return float(np.std(self.fold_macro_f1)) if len(self.fold_scores) > 1 else 0.0

    @property
    def has_spread(self) -> bool:
        """True when there are several folds, so a ± and a significance test mean something."""
        return len(self.fold_scores) > 1

    @property
    def test_train_ratio(self) -> float:
        """Mean ``n_test / n_train`` over the folds (the correction term of the paired tests)."""
        return float(np.mean([f.n_test / max(1, f.n_train) for f in self.fold_scores]))

    def per_class(self) -> list[dict]:
        """Precision, recall, F1 and support of every class (pooled evaluation)."""
        ev = self.evaluation
        return [{"class": str(c), "precision": float(ev.precision[i]), "recall": float(ev.recall[i]),
                 "f1": float(ev.f1[i]), "support": int(ev.support[i])} for i, c in enumerate(self.classes)]

    def to_json(self) -> dict:
        """The one JSON form of a model's result (CLI ``--json``, the report's metrics.json)."""
        ev = self.evaluation
        return {
            "model": self.model,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "protocol": self.protocol,
            "accuracy_mean": self.accuracy,
            "accuracy_std": self.accuracy_std,
            "macro_f1": self.macro_f1,
            "macro_f1_std": self.macro_f1_std,
            "log_loss": _finite_or_none(getattr(ev, "log_loss", None)),
            "oof_accuracy": float(ev.accuracy),
            "classes": [_plain(c) for c in self.classes],
            "confusion": np.asarray(ev.confusion).astype(int).tolist(),
            "per_class": self.per_class(),
            "n_evaluated": int(len(self.y_true)),
            "clips_aggregated": self.aggregated,
            "seconds": round(float(self.train_seconds), 3),
            "fold_accuracies": self.fold_accuracies,
            "fold_macro_f1": self.fold_macro_f1,
            "folds": [asdict(f) for f in self.fold_scores],
        }


@dataclass
class TrainingRun:
    """The outcome of one Train press or CLI comparison; a cancelled run keeps the models that finished."""

    results: list[ModelResult]
    protocol: str
    dataset_name: str
    n_clips: int
    cancelled: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)
    spec: Protocol | None = None
    #: the paired tests, once computed (a worker computes them: SciPy's import is not GUI-thread work)
    tests: list[PairedTest] | None = None
    #: what a row of the dataset is (``Dataset.row_word``): "clip" of music, "sample" of digits or a table
    row_word: str = "clip"

    def best(self) -> ModelResult | None:
        return max(self.results, key=lambda r: r.accuracy, default=None)

    def pairwise(self, rope: float = DEFAULT_ROPE) -> list[PairedTest]:
        """Paired tests of every pair of models on accuracy (empty when there are no paired folds)."""
        if self.tests is None or (self.tests and self.tests[0].rope != rope):
            self.tests = pairwise_tests(self.results, rope)
        return self.tests

    def to_json(self) -> dict:
        tests = self.pairwise()
        names = [r.model for r in self.results]
        return {
            "dataset": self.dataset_name,
            "protocol": self.protocol,
            "protocol_spec": None if self.spec is None else self.spec.to_json(),
            "cancelled": bool(self.cancelled),
            "n_evaluated": int(self.n_clips),
            "models": [r.to_json() for r in self.results],
            "pairwise": [t.to_json() for t in tests],
            "win_tie_loss": {n: dict(zip(("wins", "ties", "losses"), win_tie_loss(tests, n))) for n in names}
            if tests else {},
            "errors": [{"model": m, "error": e} for m, e in self.errors],
        }


def pairwise_csv(tests: list[PairedTest]) -> str:
    """The paired tests as CSV, one row per pair (the same keys as their JSON form)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    keys = ["model_a", "model_b", "mean_difference", "t_statistic", "p_value", "n_folds", "test_train_ratio",
            "p_better", "p_equivalent", "p_worse", "rope"]
    w.writerow(keys)
    for t in tests:
        doc = t.to_json()
        w.writerow([f"{doc[k]:.6g}" if isinstance(doc[k], float) else doc[k] for k in keys])
    return buf.getvalue()


def pairwise_tests(results: list[ModelResult], rope: float = DEFAULT_ROPE) -> list[PairedTest]:
    """Corrected resampled and Bayesian correlated t-tests of accuracy for each pair of results.

    Only results scored on the same splits (same repeat and fold numbers and test sizes) with at least
    two folds are compared; the pair is (earlier result, later result).
    """
    tests = []
    for i, a in enumerate(results):
        for b in results[i + 1:]:
            if not (a.has_spread and b.has_spread) or _fold_keys(a) != _fold_keys(b):
                continue
            tests.append(compare_models(a.model, a.fold_accuracies, b.model, b.fold_accuracies,
                                        a.test_train_ratio, rope))
    return tests


def _fold_keys(r: ModelResult) -> list[tuple[int, int, int, int]]:
    return [(f.repeat, f.fold, f.n_train, f.n_test) for f in r.fold_scores]


# -- running a model under a protocol ----------------------------------------------------------------------
def evaluate_model(
    spec: ModelSpec,
    dataset: Dataset,
    protocol: Protocol,
    *,
    splits: list[Split] | None = None,
    callback: Callable[[TrainingEvent], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    final_callback: Callable[[TrainingEvent], None] | None = None,
    scaler_params: dict | None = None,
    metadata: dict | None = None,
    fit_final: bool = True,
    monitor: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> ModelResult:
    """Evaluate one model under ``protocol`` and fit the model that is kept.

    Parameters
    ----------
    spec : ModelSpec
    dataset : Dataset
    protocol : Protocol
    splits : list of Split, optional
        The protocol's splits, when already made (so several models share them exactly).
    callback : callable, optional
        Every training event of every split, with ``extra["fold"]`` numbered across repeats
        (0 .. repeats x folds - 1) and ``extra["n_folds"]`` the total.
    cancel : callable, optional
        Polled at every epoch; raises :class:`~genre_gui.core.models.TrainingInterrupted` through.
    final_callback : callable, optional
        Training events of the final fit on every clip (k-fold protocols).
    scaler_params : dict, optional
        Arguments of the :class:`~genre_gui.core.preprocessing.StandardScaler` of every fit.
    metadata : dict, optional
        Extra entries for the kept pipeline's metadata.
    fit_final : bool
        Fit the model that is kept (``pipeline``); False when only the scores are wanted (k-fold
        protocols then skip the refit on every clip and ``pipeline`` is None).
    monitor : bool
        Give each fold's model its held-out rows to draw a validation curve (never to models with early
        stopping); see :func:`~genre_gui.core.evaluation.cross_validate`.
    progress : callable, optional
        ``progress(done_splits, n_splits, message)`` after every split.

    Returns
    -------
    ModelResult

    Raises
    ------
    ValueError
        When no split could be evaluated, or a hyperparameter value is invalid.
    TrainingInterrupted
        When ``cancel`` turned true.
    """
    from .models import TrainingInterrupted, estimator_factory
    from .preprocessing import StandardScaler

    splits = protocol.splits(dataset) if splits is None else splits
    make = estimator_factory(spec.name, spec.params, protocol.random_state)
    n_total = len(splits)
    aggregate: bool | str = True if protocol.segment_mode else "auto"
    groups = np.asarray(dataset.groups)
    single = n_total == 1
    t0 = time.perf_counter()
    scores: list[FoldScore] = []
    first = None
    kept = None
    train_rows = np.arange(len(dataset.y))  # the rows the kept model learnt from
    scheme = protocol.describe(dataset.row_word)  # in the dataset's words: clips or samples
    for r in sorted({s.repeat for s in splits}):
        mine = [s for s in splits if s.repeat == r]
        offset = sum(1 for s in splits if s.repeat < r)

        def on_event(event: TrainingEvent, offset: int = offset) -> None:
            if callback is not None:
                callback(_refold(event, offset + int(event.extra.get("fold", 0)), n_total))

        def on_split(done: int, _total: int, message: str, offset: int = offset) -> None:
            if progress is not None:
                progress(offset + done, n_total, message)

        cv = cross_validate(make, dataset, [(s.train_idx, s.test_idx) for s in mine],
                            callback=on_event, cancel=cancel, progress=on_split,
                            scale=lambda: StandardScaler(**(scaler_params or {})),
                            aggregate=aggregate, scheme=scheme, monitor=monitor,
                            keep_models=single)
        if cv.cancelled:
            raise TrainingInterrupted()
        for s, f in zip(mine, cv.folds):
            scores.append(FoldScore(r, s.fold, float(f.evaluation.accuracy), float(f.evaluation.macro_f1),
                                    _n_clips(groups, s.train_idx), _n_clips(groups, s.test_idx)))
        if first is None:
            first = cv
            if single and cv.folds:
                kept = (cv.folds[0].scaler, cv.folds[0].estimator, int(cv.folds[0].train_idx.shape[0]))
                train_rows = np.asarray(cv.folds[0].train_idx)
    if first is None or first.pooled is None:
        raise ValueError("no fold could be evaluated")
    if kept is None and fit_final:  # k-fold: the model kept for predictions is refit on every clip

        def on_final(event: TrainingEvent) -> None:
            if cancel is not None and cancel():
                raise TrainingInterrupted()
            if final_callback is not None:
                final_callback(event)

        scaler, model = fit_on_all(spec, dataset, protocol.random_state, on_final, scaler_params)
        kept = (scaler, model, int(len(dataset.y)))
    seconds = time.perf_counter() - t0
    pipeline = None if kept is None else _pipeline(spec, dataset, protocol, kept, first, scores, metadata)
    if pipeline is not None and hasattr(pipeline.model, "X_fit_"):
        from .explain import record_training_rows

        # a model that keeps its training rows (k-NN) can then name the clips it compares a song with
        record_training_rows(pipeline, [dataset.sources[i] for i in train_rows], groups[train_rows])
    source_of = dict(zip(groups.tolist(), dataset.sources))
    sources = [str(source_of.get(g, g)) for g in np.asarray(first.clip_ids).tolist()]
    return ModelResult(
        model=spec.name, params=dict(first.params or spec.params), classes=list(dataset.classes),
        evaluation=first.pooled, fold_scores=scores, train_seconds=seconds,
        y_true=np.asarray(first.clip_true), y_pred=np.asarray(first.clip_pred),
        proba=np.asarray(first.clip_proba), sources=sources, pipeline=pipeline, protocol=scheme,
        clip_ids=np.asarray(first.clip_ids), aggregated=bool(first.aggregated),
    )


def fit_on_all(
    spec: ModelSpec, dataset: Dataset, seed: int = 0, callback: Callable[[TrainingEvent], None] | None = None,
    scaler_params: dict | None = None,
) -> tuple[Any, Any]:
    """The final fit: a scaler and a model fitted on every row of ``dataset``.

    Returns
    -------
    scaler : StandardScaler
    model : estimator
    """
    from .models import estimator_factory
    from .preprocessing import StandardScaler

    scaler = StandardScaler(**(scaler_params or {})).fit(dataset.X)
    model = estimator_factory(spec.name, spec.params, seed)()
    model.fit(scaler.transform(dataset.X), dataset.y, callback=callback)
    return scaler, model


def _refold(event: TrainingEvent, fold: int, n_folds: int) -> TrainingEvent:
    import dataclasses

    return dataclasses.replace(event, extra={**event.extra, "fold": fold, "n_folds": n_folds})


def _n_clips(groups: np.ndarray, rows: np.ndarray) -> int:
    return int(np.unique(groups[np.asarray(rows)]).shape[0])


def _pipeline(spec: ModelSpec, dataset: Dataset, protocol: Protocol, kept: tuple, cv: Any,
              scores: list[FoldScore], metadata: dict | None) -> Pipeline:
    from .pipeline import Pipeline

    scaler, model, n_train = kept
    accs = [s.accuracy for s in scores]
    meta = {
        "dataset": getattr(dataset, "name", ""),
        "protocol": protocol.describe(getattr(dataset, "row_word", "clip")),
        "n_train": n_train,
        "params": {k: _plain(v) for k, v in spec.params.items()},
        "evaluation": {
            "accuracy": float(np.mean(accs)),
            "accuracy_std": float(np.std(accs)) if len(accs) > 1 else None,
            "macro_f1": float(np.mean([s.macro_f1 for s in scores])),
            "n_evaluated": int(len(cv.clip_true)),
            "n_folds": len(scores),
        },
        **(metadata or {}),
    }
    if len(accs) > 1:
        meta["cv_accuracy"] = float(np.mean(accs))
    if protocol.segment_mode:
        meta["segment_seconds"] = float(protocol.segment_seconds)
    return Pipeline(dataset.feature_set or "", scaler, model, list(dataset.classes), meta)


# -- learning curve ---------------------------------------------------------------------------------------
@dataclass
class LearningCurve:
    """Accuracy against training clips per class for one model (mean and std over random draws)."""

    model: str
    sizes: list[int]
    mean: list[float]
    std: list[float]
    repeats: int
    n_test: list[float]

    def to_json(self) -> dict:
        return asdict(self)


def learning_curve_sizes(dataset: Dataset, max_points: int = 7) -> list[int]:
    """Training clips per class worth drawing: 1, 2, 5, 10, 20, 50, ... below the smallest class's clips."""
    labels = dict(zip(np.asarray(dataset.groups).tolist(), np.asarray(dataset.y).tolist()))
    counts = np.unique(np.asarray(list(labels.values())), return_counts=True)[1]
    limit = int(counts.min()) - 1  # at least one clip of every class stays out for testing
    ladder = [1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000]
    sizes = [s for s in ladder if s <= limit]
    if len(sizes) > max_points:  # keep the ends, thin the middle
        keep = np.unique(np.round(np.linspace(0, len(sizes) - 1, max_points)).astype(int))
        sizes = [sizes[i] for i in keep]
    return sizes


def learning_curve(
    spec: ModelSpec,
    dataset: Dataset,
    sizes: list[int] | tuple[int, ...] | None = None,
    repeats: int = 5,
    *,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> LearningCurve:
    """Clip accuracy against training clips per class (grouped: a clip's rows stay together).

    For each size, ``repeats`` random draws of that many clips of every class train the model (seed
    ``1000 * size + repeat`` for the draw, ``repeat`` for the model); every other clip is the test set.

    Raises
    ------
    ValueError
        When a size leaves some class without a test clip, or no size is given and none fits.
    TrainingInterrupted
        When ``cancel`` turned true.
    """
    from .models import TrainingInterrupted, estimator_factory

    sizes = list(learning_curve_sizes(dataset) if sizes is None else sizes)
    if not sizes:
        raise ValueError("every class needs at least 2 clips for a learning curve")
    by_class: dict[Any, list] = {}
    for g, label in dict(zip(np.asarray(dataset.groups).tolist(), np.asarray(dataset.y).tolist())).items():
        by_class.setdefault(label, []).append(g)
    smallest = min(len(v) for v in by_class.values())
    if max(sizes) >= smallest:
        raise ValueError(f"{max(sizes)} training clips per class leave no test clip in a class of "
                         f"{smallest} clips")
    groups = np.asarray(dataset.groups).tolist()
    means, stds, n_tests = [], [], []
    total, done = len(sizes) * repeats, 0
    for size in sizes:
        accs, tested = [], []
        for rep in range(repeats):
            rng = np.random.default_rng(1000 * size + rep)
            train_clips = {c for clips in by_class.values() for c in rng.permutation(clips)[:size]}
            is_train = np.array([g in train_clips for g in groups])
            fold = (np.flatnonzero(is_train), np.flatnonzero(~is_train))
            cv = cross_validate(estimator_factory(spec.name, spec.params, rep), dataset, [fold],
                                cancel=cancel, scheme="learning curve")
            if cv.cancelled or cv.pooled is None:
                raise TrainingInterrupted()
            accs.append(float(cv.pooled.accuracy))
            tested.append(len(cv.clip_true))
            done += 1
            if progress is not None:
                progress(done, total, f"{spec.name}: {size} clip(s) per class, draw {rep + 1}/{repeats}")
        means.append(float(np.mean(accs)))
        stds.append(float(np.std(accs)))
        n_tests.append(float(np.mean(tested)))
    return LearningCurve(spec.name, sizes, means, stds, int(repeats), n_tests)


# -- helpers ---------------------------------------------------------------------------------------------
def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _finite_or_none(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
