"""Splits, metrics and cross-validation: against scikit-learn, real GTZAN ids and segment data."""

from __future__ import annotations

import csv
import threading

import numpy as np
import pytest
from sklearn import metrics as skm

from genre_gui.core.datasets.base import Dataset
from genre_gui.core.evaluation import (
    aggregate_by_group,
    blocked_kfold,
    cross_validate,
    holdout_split,
    metrics,
    parse_clip_ids,
    stratified_group_kfold,
)
from genre_gui.core.models import KNeighborsClassifier, SoftmaxRegression, TrainingInterrupted

CLASSES = np.array(["blues", "jazz", "metal", "pop"])


def _segment_dataset(n_clips_per_class: int = 12, n_segments: int = 5, seed: int = 0) -> Dataset:
    """Clips of 4 genres cut into segments; the segments of one clip are near each other."""
    rng = np.random.default_rng(seed)
    X, y, groups = [], [], []
    for genre in CLASSES:
        center = rng.normal(scale=2.0, size=6)
        for clip in range(n_clips_per_class):
            clip_center = center + rng.normal(scale=1.5, size=6)
            X.append(clip_center + 0.3 * rng.normal(size=(n_segments, 6)))
            y += [genre] * n_segments
            groups += [f"{genre}.{clip:05d}"] * n_segments
    X = np.vstack(X)
    return Dataset(X=X, y=np.array(y), groups=np.array(groups), classes=list(CLASSES),
                   columns=[f"f{i}" for i in range(6)], sources=list(groups), name="segments")


# -- metrics ---------------------------------------------------------------------------------------
def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    classes = np.array(["a", "b", "c", "d", "e"])
    y_true = rng.choice(classes[:4], 300)  # "e" never occurs
    wrong = rng.choice(classes[[0, 1, 2, 4]], 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, wrong)
    y_pred[y_pred == "d"] = "a"  # "d" is never predicted
    proba = rng.dirichlet(np.ones(5), 300)
    res = metrics(y_true, y_pred, proba, classes)
    assert res.accuracy == pytest.approx(skm.accuracy_score(y_true, y_pred))
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    np.testing.assert_allclose(res.precision, p)
    np.testing.assert_allclose(res.recall, r)
    np.testing.assert_allclose(res.f1, f)
    np.testing.assert_array_equal(res.support, s)
    assert res.macro_f1 == pytest.approx(
        skm.f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0))
    assert res.macro_precision == pytest.approx(
        skm.precision_score(y_true, y_pred, labels=classes, average="macro", zero_division=0))
    assert res.macro_recall == pytest.approx(
        skm.recall_score(y_true, y_pred, labels=classes, average="macro", zero_division=0))
    np.testing.assert_array_equal(res.confusion, skm.confusion_matrix(y_true, y_pred, labels=classes))
    normalized = skm.confusion_matrix(y_true, y_pred, labels=classes, normalize="true")
    np.testing.assert_allclose(res.confusion_normalized[:4], normalized[:4])
    np.testing.assert_array_equal(res.confusion_normalized[4], 0.0)
    assert res.log_loss == pytest.approx(skm.log_loss(y_true, proba, labels=classes))
    assert res.to_dict()["classes"] == list(classes)


def test_metrics_log_loss_of_certain_wrong_answer_is_finite():
    res = metrics(["a"], ["b"], [[0.0, 1.0]], ["a", "b"])
    assert np.isfinite(res.log_loss) and res.log_loss > 30


def test_metrics_errors():
    with pytest.raises(ValueError, match="not in classes"):
        metrics(["a", "z"], ["a", "a"], classes=["a", "b"])
    with pytest.raises(ValueError, match="proba must have shape"):
        metrics(["a"], ["a"], [[1.0]], ["a", "b"])
    with pytest.raises(ValueError, match="equally long"):
        metrics(["a"], ["a", "b"])


# -- splits ----------------------------------------------------------------------------------------
def test_stratified_group_kfold_keeps_clips_whole_and_balanced():
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds, n_splits=4, random_state=0)
    seen = np.zeros(len(ds), dtype=int)
    for train, test in folds:
        assert not set(ds.groups[train]) & set(ds.groups[test])
        assert np.intersect1d(train, test).size == 0 and train.size + test.size == len(ds)
        seen[test] += 1
        clips_per_class = [np.unique(ds.groups[test][ds.y[test] == c]).size for c in CLASSES]
        assert clips_per_class == [3, 3, 3, 3]
    np.testing.assert_array_equal(seen, 1)
    again = stratified_group_kfold(ds.y, ds.groups, n_splits=4, random_state=0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    other = stratified_group_kfold(ds.y, ds.groups, n_splits=4, random_state=1)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other))


def test_stratified_group_kfold_uneven_classes_sizes_differ_by_one_clip():
    y = np.array(["a"] * 7 + ["b"] * 5 + ["c"] * 2)
    folds = stratified_group_kfold(y, n_splits=3, random_state=0)
    sizes = sorted(t.size for _, t in folds)
    assert sizes[-1] - sizes[0] <= 1 and sum(sizes) == 14
    with pytest.raises(ValueError, match="n_splits"):
        stratified_group_kfold(y, n_splits=15)


def test_clip_with_two_labels_is_rejected():
    with pytest.raises(ValueError, match="different labels"):
        stratified_group_kfold(["a", "b", "a", "b"], ["c1", "c1", "c2", "c3"], n_splits=2)


def test_holdout_split_grouped_and_stratified():
    ds = _segment_dataset(n_clips_per_class=10)
    train, test = holdout_split(ds, test_size=0.2, random_state=3)
    assert not set(ds.groups[train]) & set(ds.groups[test])
    assert train.size + test.size == len(ds)
    for c in CLASSES:
        assert np.unique(ds.groups[test][ds.y[test] == c]).size == 2
    y = np.array(["a", "a", "a", "b"])  # "b" has a single clip: it stays in training
    tr, te = holdout_split(y, test_size=0.5, random_state=0)
    assert 3 in tr and 3 not in te and te.size == 2  # round(0.5 * 3) clips of "a"


def _gtzan_ids(path):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return np.array([r["filename"] for r in rows]), np.array([r["label"] for r in rows])


def test_blocked_kfold_on_gtzan_ids(gtzan_csv):
    ids, labels = _gtzan_ids(gtzan_csv)
    folds = blocked_kfold(ids, labels, n_splits=10)
    numbers = np.array([int(i.split(".")[1]) for i in ids])
    for f, (train, test) in enumerate(folds):
        assert train.size + test.size == ids.size
        for genre in np.unique(labels):
            got = np.sort(numbers[test][labels[test] == genre])
            clips = np.sort(numbers[labels == genre])
            np.testing.assert_array_equal(got, np.array_split(clips, 10)[f])
        if f == 0:
            assert np.all(numbers[test] <= 9)


def test_blocked_kfold_keeps_segments_together():
    ids = np.array([f"rock.{c:05d}.{s}.wav" for c in range(6) for s in range(3)])
    folds = blocked_kfold(ids, n_splits=3)
    genres, numbers = parse_clip_ids(ids)
    assert set(genres) == {"rock"}
    for f, (_, test) in enumerate(folds):
        assert set(numbers[test]) == {2 * f, 2 * f + 1} and test.size == 6
    with pytest.raises(ValueError, match="not GTZAN-style"):
        blocked_kfold(["song_one.mp3", "blues.00001"], n_splits=2)
    with pytest.raises(ValueError, match="fewer than the 10 folds"):
        blocked_kfold(ids, n_splits=10)


# -- cross-validation -------------------------------------------------------------------------------
def test_aggregate_by_group_means_rows():
    proba = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.8]])
    ids, gy, gp = aggregate_by_group(proba, np.array(["b", "a", "a", "b"]), np.array(["x", "y", "y", "x"]))
    assert ids.tolist() == ["a", "b"] and gy.tolist() == ["y", "x"]
    np.testing.assert_allclose(gp, [[0.25, 0.75], [0.6, 0.4]])


def test_cross_validate_segments_scored_per_clip_with_fold_events():
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds, n_splits=4, random_state=0)
    events = []
    done = []
    res = cross_validate(lambda: SoftmaxRegression(max_iter=30, random_state=0), ds, folds,
                         callback=events.append, progress=lambda d, t, m: done.append((d, t)), scheme="test")
    assert res.aggregated and res.model == "softmax" and res.scheme == "test" and not res.cancelled
    assert len(res.folds) == 4 and done[-1] == (4, 4)
    assert all(fr.evaluation.n_samples == 12 for fr in res.folds)  # 48 clips / 4 folds, not 240 rows
    assert res.tested.all() and res.oof_proba.shape == (len(ds), 4)
    np.testing.assert_allclose(res.oof_proba.sum(axis=1), 1.0)
    assert res.clip_ids.size == 48 and res.pooled.n_samples == 48
    # clip-level predictions are the argmax of the clip's mean row probabilities
    first = res.clip_ids[0]
    rows = ds.groups == first
    assert res.clip_pred[0] == CLASSES[np.argmax(res.oof_proba[rows].mean(axis=0))]
    assert {e.extra["fold"] for e in events} == {0, 1, 2, 3}
    assert all(e.extra["n_folds"] == 4 for e in events)
    assert res.mean["accuracy"] == pytest.approx(np.mean([f.evaluation.accuracy for f in res.folds]))
    assert res.std["accuracy"] == pytest.approx(np.std([f.evaluation.accuracy for f in res.folds]))
    assert "softmax: accuracy" in res.summary()
    row_level = cross_validate(lambda: SoftmaxRegression(max_iter=30, random_state=0), ds, folds,
                               aggregate=False)
    assert row_level.folds[0].evaluation.n_samples == folds[0][1].size


class _Recorder:
    """A stand-in estimator that records what cross_validate gives it."""

    name = "recorder"
    seen: list = []

    def get_params(self):
        return {}

    def fit(self, X, y, callback=None):
        _Recorder.seen.append(X.mean(axis=0))
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((X.shape[0], self.classes_.size), 1.0 / self.classes_.size)


def test_cross_validate_scales_on_training_rows_only_and_maps_missing_classes():
    ds = _segment_dataset()
    ds.X[:, 0] += 100.0
    _Recorder.seen = []
    # fold 0's training rows lack "pop": the model knows 3 classes, the result still has 4 columns
    pop = ds.y == "pop"
    folds = [(np.flatnonzero(~pop), np.flatnonzero(pop))]
    res = cross_validate(_Recorder, ds, folds)
    np.testing.assert_allclose(_Recorder.seen[0], 0.0, atol=1e-12)
    np.testing.assert_allclose(res.oof_proba[pop][:, 3], 0.0)
    np.testing.assert_allclose(res.oof_proba[pop][:, :3], 1 / 3)


@pytest.mark.parametrize("as_event", [False, True])
def test_cross_validate_cancel_keeps_completed_folds(as_event):
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds, n_splits=4, random_state=0)
    flag = threading.Event()
    cancel = flag if as_event else flag.is_set

    def on_event(event):
        if event.extra["fold"] == 2 and event.epoch == 3:
            flag.set()

    res = cross_validate(lambda: SoftmaxRegression(max_iter=50, tol=-np.inf), ds, folds, callback=on_event,
                         cancel=cancel)
    assert res.cancelled and len(res.folds) == 2
    assert res.tested.sum() == folds[0][1].size + folds[1][1].size
    assert res.pooled.n_samples == 24


def test_interrupt_from_user_callback_ends_fold_early_but_scores_it():
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds, n_splits=2, random_state=0)

    def stop(event):
        if event.epoch == 2:
            raise TrainingInterrupted

    res = cross_validate(lambda: SoftmaxRegression(max_iter=50), ds, folds, callback=stop)
    assert len(res.folds) == 2 and all(f.n_iter == 2 for f in res.folds)


def test_cross_validate_knn_equals_manual_loop(gtzan_csv):
    from sklearn.neighbors import KNeighborsClassifier as SkKNN
    from sklearn.preprocessing import StandardScaler as SkScaler

    from genre_gui.core.datasets import load_feature_csv

    ds = load_feature_csv(gtzan_csv)
    folds = stratified_group_kfold(ds, n_splits=5, random_state=0)
    res = cross_validate(lambda: KNeighborsClassifier(5), ds, folds)
    assert not res.aggregated
    accs = []
    for train, test in folds:
        sc = SkScaler().fit(ds.X[train])
        pred = SkKNN(5).fit(sc.transform(ds.X[train]), ds.y[train]).predict(sc.transform(ds.X[test]))
        np.testing.assert_array_equal(res.oof_pred[test], pred)
        accs.append(np.mean(pred == ds.y[test]))
    assert res.mean["accuracy"] == pytest.approx(np.mean(accs))


def test_cross_validate_scaler_factory_ignoring_a_column_equals_dropping_it():
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds.y, ds.groups, 3, random_state=0)
    from genre_gui.core.preprocessing import StandardScaler

    ignored = cross_validate(lambda: KNeighborsClassifier(3), ds, folds,
                             scale=lambda: StandardScaler(ignore_columns=[0]))
    ds2 = ds.subset(np.arange(len(ds)))
    ds2.X = ds2.X[:, 1:]
    ds2.columns = ds2.columns[1:]
    dropped = cross_validate(lambda: KNeighborsClassifier(3), ds2, folds)
    np.testing.assert_allclose(ignored.oof_proba, dropped.oof_proba)
    plain = cross_validate(lambda: KNeighborsClassifier(3), ds, folds)
    assert not np.allclose(plain.oof_proba, ignored.oof_proba)  # the column mattered


class _FitRecorder:
    """Records what ``fit`` was given (a stand-in estimator; only the CV plumbing is under test)."""

    calls: list = []

    def __init__(self, early_stopping: bool = False) -> None:
        self.early_stopping = early_stopping

    def get_params(self, deep: bool = True) -> dict:
        return {"early_stopping": self.early_stopping}

    def fit(self, X, y, *, callback=None, X_val=None, y_val=None):
        _FitRecorder.calls.append((X.shape[0], None if X_val is None else X_val.shape[0]))
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((X.shape[0], self.classes_.shape[0]), 1.0 / self.classes_.shape[0])


def test_monitor_gives_each_fold_its_held_out_rows_but_never_to_early_stopping():
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds.y, ds.groups, 3, random_state=0)
    _FitRecorder.calls = []
    cross_validate(_FitRecorder, ds, folds, monitor=True)
    assert _FitRecorder.calls == [(len(tr), len(te)) for tr, te in folds]
    _FitRecorder.calls = []
    cross_validate(lambda: _FitRecorder(early_stopping=True), ds, folds, monitor=True)
    assert all(v is None for _, v in _FitRecorder.calls)  # stopping on test rows would leak them
    _FitRecorder.calls = []
    cross_validate(_FitRecorder, ds, folds)
    assert all(v is None for _, v in _FitRecorder.calls)


def test_monitor_draws_real_validation_curves_per_fold():
    ds = _segment_dataset()
    folds = stratified_group_kfold(ds.y, ds.groups, 3, random_state=0)
    events = []
    cross_validate(lambda: SoftmaxRegression(max_iter=5, random_state=0), ds, folds, callback=events.append,
                   monitor=True)
    assert {e.extra["fold"] for e in events} == {0, 1, 2}
    assert all(e.val_loss is not None and np.isfinite(e.val_loss) for e in events)


@pytest.mark.parametrize(("k", "n"), [(9, 10), (0, 10), (10, 10), (57, 80), (1, 3), (690, 1000)])
def test_wilson_interval_matches_scipy(k, n):
    from scipy.stats import binomtest

    from genre_gui.core.evaluation import wilson_interval

    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((ref.low, ref.high), abs=1e-9)


def test_small_test_warning_names_the_interval():
    from genre_gui.core.evaluation import small_test_warning

    assert small_test_warning(0.9, 100) == ""  # 100 clips and more: no warning
    text = small_test_warning(0.9, 10)
    # 9 of 10 right: Wilson 95 % interval 59.6 % to 98.2 %
    assert text.startswith("Only 10 clips were tested") and "60%" in text and "98%" in text
