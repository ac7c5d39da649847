"""Evaluation pinned to hand-computed values: every field of a result, every message, every bound.

Written for the gaps a mutation run of ``genre_gui.core.evaluation`` showed (docs/mutation.md): results
that were computed but never compared (``to_dict``, ``summary``, timings, ``params``, ``n_iter``,
``loss_curve``, the progress text), bounds checked on one side only, and error messages checked by type.
Every expected value is a literal or worked out by hand in a comment.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from genre_gui.core.datasets.base import Dataset
from genre_gui.core.evaluation import (
    CVResult,
    blocked_kfold,
    class_index,
    confusion_matrix,
    cross_validate,
    holdout_split,
    metrics,
    parse_clip_ids,
    stratified_group_kfold,
)
from genre_gui.core.models.base import TrainingEvent

EPS = np.finfo(np.float64).eps


# -- metrics ---------------------------------------------------------------------------------------
def test_every_field_of_a_small_result_by_hand():
    # confusion [[1, 0], [1, 1]]: tp (1, 1), support (1, 2), predicted (2, 1)
    res = metrics(["a", "b", "b"], ["a", "b", "a"], [[0.8, 0.2], [0.4, 0.6], [0.5, 0.5]], ["a", "b"])
    third = 2 / 3
    assert res.to_dict() == {
        "classes": ["a", "b"],
        "n_samples": 3,
        "accuracy": pytest.approx(third),
        "precision": pytest.approx([0.5, 1.0]),
        "recall": pytest.approx([1.0, 0.5]),
        "f1": pytest.approx([third, third]),  # 2 * 0.5 * 1 / 1.5
        "support": [1, 2],
        "macro_precision": pytest.approx(0.75),
        "macro_recall": pytest.approx(0.75),
        "macro_f1": pytest.approx(third),
        "log_loss": pytest.approx(-(math.log(0.8) + math.log(0.6) + math.log(0.5)) / 3),
        "confusion": [[1, 0], [1, 1]],
        "confusion_normalized": [[1.0, 0.0], [0.5, 0.5]],
    }
    assert res.classes == ["a", "b"] and res.n_samples == 3 and isinstance(res.n_samples, int)
    assert res.support.tolist() == [1, 2] and res.support.dtype.kind == "i"
    assert res.confusion.dtype.kind == "i"


def test_default_classes_are_the_sorted_labels_of_truth_and_predictions():
    res = metrics(["b", "a"], ["c", "a"])  # "c" is only predicted
    assert res.classes == ["a", "b", "c"]
    np.testing.assert_array_equal(res.confusion, [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert res.log_loss is None and res.to_dict()["log_loss"] is None


def test_log_loss_clips_to_eps_and_one_minus_eps():
    # a certain right answer: -log(1 - eps) = 2.22e-16, not 0; a certain wrong one: -log(eps) = 36.04
    right = metrics(["a"], ["a"], [[1.0, 0.0]], ["a", "b"])
    assert right.log_loss == pytest.approx(2.220446049250313e-16, rel=1e-6) and right.log_loss > 0
    wrong = metrics(["a"], ["b"], [[0.0, 1.0]], ["a", "b"])
    assert wrong.log_loss == pytest.approx(36.04365338911715, rel=1e-12)
    # the true class's column, in classes order (not the first, not the predicted one)
    mixed = metrics(["b", "a"], ["b", "b"], [[0.25, 0.75], [0.5, 0.5]], ["a", "b"])
    assert mixed.log_loss == pytest.approx(-(math.log(0.75) + math.log(0.5)) / 2)


def test_metrics_messages():
    with pytest.raises(ValueError, match=r"^cannot score an empty set of predictions$"):
        metrics([], [])
    with pytest.raises(ValueError, match=r"must be 1-D, equally long: \(1, 1\) vs \(1, 1\)"):
        metrics([["a"]], [["a"]])
    with pytest.raises(ValueError, match=r"must be 1-D, equally long: \(1,\) vs \(2,\)"):
        metrics(["a"], ["a", "b"])
    with pytest.raises(ValueError, match=r"proba must have shape \(1, 2\), got \(1, 3\)"):
        metrics(["a"], ["a"], [[0.2, 0.3, 0.5]], ["a", "b"])
    with pytest.raises(ValueError, match=r"^y_pred has labels not in classes: \['x', 'y'\]$"):
        metrics(["a", "a", "a"], ["y", "x", "y"], classes=["a", "b"])


def test_class_index_in_any_class_order_and_its_unknown_labels():
    np.testing.assert_array_equal(class_index(["c", "a", "b", "c"], ["c", "a", "b"]), [0, 1, 2, 0])
    np.testing.assert_array_equal(class_index([30, 10], [30, 20, 10]), [0, 2])
    # a label sorting after every class (clipped to the last position) is still unknown
    with pytest.raises(ValueError, match=r"^labels has labels not in classes: \['z'\]$"):
        class_index(["a", "z"], ["a", "b"])
    with pytest.raises(ValueError, match=r"^guesses has labels not in classes: \['0', '1', '2', '3', '4'\]$"):
        class_index([str(i) for i in range(7)] + ["a"], ["a"], "guesses")  # at most five named


def test_confusion_matrix_counts_by_hand():
    C = confusion_matrix(["x", "y", "y", "z", "z", "z"], ["y", "y", "y", "z", "x", "z"], ["z", "y", "x"])
    np.testing.assert_array_equal(C, [[2, 0, 1], [0, 2, 0], [0, 1, 0]])


# -- splits ----------------------------------------------------------------------------------------
def test_stratified_folds_without_shuffle_deal_sorted_clips_in_turn():
    # "a": clips 0, 1, 2 to folds 0, 1, 0; "b" continues where "a" stopped: clips 3, 4 to folds 1, 0
    folds = stratified_group_kfold(["a", "a", "a", "b", "b"], n_splits=2, shuffle=False)
    assert [t.tolist() for _, t in folds] == [[0, 2, 4], [1, 3]]
    assert [tr.tolist() for tr, _ in folds] == [[1, 3], [0, 2, 4]]
    # groups: rows of a clip go together; five clips of rows (0, 5), (1, 6), 2, 3, 4
    folds = stratified_group_kfold(["a"] * 7, [0, 1, 2, 3, 4, 0, 1], n_splits=5, shuffle=False)
    assert [t.tolist() for _, t in folds] == [[0, 5], [1, 6], [2], [3], [4]]


def test_stratified_fold_count_bounds():
    y = ["a", "b", "a", "b"]
    assert len(stratified_group_kfold(y, n_splits=4, random_state=0)) == 4  # as many folds as clips
    assert len(stratified_group_kfold(y, n_splits=2.0, random_state=0)) == 2
    with pytest.raises(ValueError, match=r"^n_splits must be between 2 and the 4 clips, got 5$"):
        stratified_group_kfold(y, n_splits=5)
    with pytest.raises(ValueError, match=r"^n_splits must be between 2 and the 4 clips, got 1$"):
        stratified_group_kfold(y, n_splits=1)


def test_split_input_messages():
    with pytest.raises(ValueError, match=r"^cannot split an empty dataset$"):
        stratified_group_kfold([], n_splits=2)
    with pytest.raises(ValueError, match=r"1-D of the same length, got \(3,\) and \(2,\)"):
        stratified_group_kfold(["a", "b", "a"], ["g", "h"], n_splits=2)
    with pytest.raises(ValueError, match=r"1-D of the same length, got \(1, 2\) and \(2,\)"):
        holdout_split([["a", "b"]], ["g", "h"])
    with pytest.raises(ValueError, match=r"^clip 'c1' has rows with different labels; a clip must have one"):
        holdout_split(["a", "a", "b", "b"], ["c0", "c1", "c1", "c2"])


@pytest.mark.parametrize("test_size", [0, 1, -0.1, 1.5])
def test_holdout_test_size_outside_the_open_interval_is_refused(test_size):
    with pytest.raises(ValueError, match=r"test_size must be in \(0, 1\)"):
        holdout_split(["a", "a", "b", "b"], test_size=test_size)


def test_holdout_takes_at_least_one_and_leaves_at_least_one_clip_per_class():
    y = np.array(["a"] * 5 + ["b"] * 5)
    for size, n_test in [(0.01, 1), (0.3, 2), (0.5, 2), (0.7, 4), (0.99, 4)]:  # round(size * 5), in [1, 4]
        train, test = holdout_split(y, test_size=size, random_state=0)
        assert np.sum(y[test] == "a") == np.sum(y[test] == "b") == n_test, size
        assert train.tolist() == sorted(train.tolist()) and test.tolist() == sorted(test.tolist())
        assert sorted(train.tolist() + test.tolist()) == list(range(10))
    # one clip of three rows: its rows go together
    train, test = holdout_split(["a", "a", "a", "a"], ["g", "g", "g", "h"], test_size=0.5, random_state=0)
    assert sorted([train.tolist(), test.tolist()]) == [[0, 1, 2], [3]]


def test_holdout_seed_changes_the_split_and_none_is_allowed():
    y = np.array(["a"] * 20)
    splits = {tuple(holdout_split(y, test_size=0.25, random_state=s)[1]) for s in range(5)}
    assert len(splits) > 1 and all(len(s) == 5 for s in splits)
    assert holdout_split(y, test_size=0.25, random_state=7)[1].tolist() == \
        holdout_split(y, test_size=0.25, random_state=7)[1].tolist()
    assert len(holdout_split(y, test_size=0.25)[1]) == 5


def test_parse_clip_ids_of_paths_and_its_message():
    genres, numbers = parse_clip_ids(["C:\\music\\blues.00042.wav", "dir/jazz.00001.3.wav", "pop.7"])
    assert genres.tolist() == ["blues", "jazz", "pop"]
    assert numbers.tolist() == [42, 1, 7] and numbers.dtype == np.int64
    with pytest.raises(ValueError) as info:
        parse_clip_ids(["song.mp3", "blues.00001", "x", "y.z", "w"])
    assert str(info.value) == ("4 id(s) are not GTZAN-style '<genre>.<number>' "
                               "(e.g. ['song.mp3', 'x', 'y.z']); blocked folds need such ids")


def test_blocked_kfold_of_a_dataset_uses_its_labels_and_bounds():
    ids = np.array([f"rock.{c:05d}" for c in range(4)] + [f"misc.{c:05d}" for c in range(4)])
    # the labels, not the id prefix, define the blocks: "x" holds rock 0, 1 and misc 0, 1
    y = np.array(["x", "x", "y", "y", "x", "x", "y", "y"])
    ds = Dataset(X=np.zeros((8, 1)), y=y, groups=ids, classes=["x", "y"], columns=["f"],
                 sources=list(ids), name="d")
    folds = blocked_kfold(ds, n_splits=2)
    assert [t.tolist() for _, t in folds] == [[0, 2, 4, 6], [1, 3, 5, 7]]
    assert [tr.tolist() for tr, _ in folds] == [[1, 3, 5, 7], [0, 2, 4, 6]]
    by_prefix = blocked_kfold(ids, n_splits=2)
    assert [t.tolist() for _, t in by_prefix] == [[0, 1, 4, 5], [2, 3, 6, 7]]
    assert [t.tolist() for _, t in blocked_kfold(ids, n_splits=4)] == [[0, 4], [1, 5], [2, 6], [3, 7]]
    with pytest.raises(ValueError, match=r"^ids and y must have the same length, got 8 and 7$"):
        blocked_kfold(ids, y[:7], n_splits=2)
    with pytest.raises(ValueError, match=r"^n_splits must be >= 2, got 1$"):
        blocked_kfold(ids, n_splits=1)
    with pytest.raises(ValueError, match=r"^class 'rock' has 4 clips, fewer than the 5 folds$"):
        blocked_kfold(ids[:4], n_splits=5)


def test_protocol_folds_and_descriptions_word_for_word():
    from genre_gui.core.experiment import Protocol

    y = np.array(["a"] * 6 + ["b"] * 6)
    ids = np.array([f"a.{i:05d}" for i in range(6)] + [f"b.{i:05d}" for i in range(6)])
    ds = Dataset(X=np.zeros((12, 1)), y=y, groups=ids, classes=["a", "b"], columns=["f"], sources=list(ids),
                 name="d")
    blocked = Protocol("kfold", n_splits=3, fold_kind="blocked")
    assert blocked.describe() == "3-fold (blocked by clip number)"
    assert [s.test_idx.tolist() for s in blocked.splits(ds)] == [[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11]]
    stratified = Protocol("kfold", n_splits=2, random_state=4)
    assert stratified.describe() == "2-fold (stratified, grouped by clip)"
    expected = stratified_group_kfold(y, ids, n_splits=2, random_state=4)
    got = stratified.splits(ds)
    assert all(np.array_equal(a.test_idx, b[1]) for a, b in zip(got, expected)) and len(got) == 2
    assert Protocol().describe() == "hold-out 20 % (stratified, grouped by clip)"  # the defaults


# -- cross-validation -------------------------------------------------------------------------------
def _dataset(n_per_class=4, segments=1):
    classes = ["a", "b"]
    y, groups = [], []
    for c in classes:
        for i in range(n_per_class):
            y += [c] * segments
            groups += [f"{c}.{i:05d}"] * segments
    X = np.arange(len(y), dtype=np.float64)[:, None] * [1.0, -2.0]
    return Dataset(X=X, y=np.array(y), groups=np.array(groups), classes=classes, columns=["f0", "f1"],
                   sources=list(groups), name="tiny")


class _Stub:
    """Always predicts ``proba_row``; records its calls, reports n_iter_ and a loss curve."""

    name = "stub"
    proba_row = (0.75, 0.25)

    def get_params(self, deep: bool = True) -> dict:
        return {"alpha": 3}

    def fit(self, X, y, callback=None):
        time.sleep(0.02)
        self.classes_ = np.array(["a", "b"])
        self.n_iter_ = 7
        self.loss_curve_ = [3, 2, 1]
        if callback is not None:
            callback(TrainingEvent(model="stub", epoch=1, n_epochs=1, train_loss=1.0, extra={"note": "x"}))
        return self

    def predict_proba(self, X):
        return np.tile(self.proba_row, (X.shape[0], 1))


class _Bare:
    """No name, no get_params, no n_iter_ or loss curve."""

    def fit(self, X, y, callback=None):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.tile([0.25, 0.75], (X.shape[0], 1))


def test_cross_validate_every_field_of_a_stub_run():
    ds = _dataset()
    folds = [(np.array([0, 1, 4, 5]), np.array([2, 3, 6, 7])),
             (np.array([2, 3, 6, 7]), np.array([0, 1, 4, 5]))]
    events, progress = [], []
    res = cross_validate(_Stub, ds, folds, callback=events.append,
                         progress=lambda d, t, m: progress.append((d, t, m)), scheme="two halves")
    assert res.model == "stub" and res.params == {"alpha": 3} and res.scheme == "two halves"
    assert res.classes == ["a", "b"] and not res.cancelled and not res.aggregated
    # "a" always predicted: half of every fold right
    assert progress == [(1, 2, "fold 1/2: accuracy 50.0 %"), (2, 2, "fold 2/2: accuracy 50.0 %")]
    assert [e.extra for e in events] == [{"note": "x", "fold": 0, "n_folds": 2},
                                         {"note": "x", "fold": 1, "n_folds": 2}]
    assert all(e.model == "stub" and e.train_loss == 1.0 for e in events)
    for f, fr in enumerate(res.folds):
        assert fr.fold == f
        np.testing.assert_array_equal(fr.train_idx, folds[f][0])
        np.testing.assert_array_equal(fr.test_idx, folds[f][1])
        assert fr.n_iter == 7 and fr.loss_curve.tolist() == [3.0, 2.0, 1.0]
        assert fr.loss_curve.dtype == np.float64
        assert 0.02 <= fr.fit_seconds < 5 and 0 <= fr.predict_seconds < 1
        assert fr.evaluation.accuracy == 0.5 and fr.evaluation.n_samples == 4
    assert res.oof_pred.tolist() == ["a"] * 8 and res.tested.all()
    np.testing.assert_array_equal(res.oof_proba, np.tile([0.75, 0.25], (8, 1)))
    loss = -(math.log(0.75) + math.log(0.25)) / 2
    # macro precision: "a" 2/4 right, "b" never predicted (0); macro recall (1 + 0) / 2; F1 (2/3 + 0) / 2
    assert res.mean == pytest.approx({"accuracy": 0.5, "macro_precision": 0.25, "macro_recall": 0.5,
                                      "macro_f1": 1 / 3, "log_loss": loss,
                                      "fit_seconds": np.mean([f.fit_seconds for f in res.folds])})
    assert set(res.std) == set(res.mean)
    assert res.std["accuracy"] == 0 and res.std["fit_seconds"] == pytest.approx(
        np.std([f.fit_seconds for f in res.folds]))
    assert res.summary() == "stub: accuracy 50.0 % +/- 0.0 over 2 folds (two halves)"
    assert res.clip_ids.tolist() == ds.groups.tolist() and res.clip_true.tolist() == ds.y.tolist()
    assert res.clip_pred.tolist() == ["a"] * 8 and res.pooled.n_samples == 8 and res.pooled.accuracy == 0.5


def test_cross_validate_without_get_params_or_name_or_curve():
    ds = _dataset()
    folds = stratified_group_kfold(ds, n_splits=2, random_state=0)
    res = cross_validate(_Bare, ds, folds, scale=False)
    assert res.model == "_Bare" and res.params == {}
    assert all(f.n_iter == 0 and f.loss_curve.shape == (0,) for f in res.folds)
    assert res.oof_pred.tolist() == ["b"] * 8


def test_cross_validate_scale_false_passes_the_raw_rows():
    seen = []

    class Spy(_Bare):
        def fit(self, X, y, callback=None):
            seen.append(X.copy())
            return super().fit(X, y)

    ds = _dataset()
    folds = [(np.array([0, 1, 4, 5]), np.array([2, 3, 6, 7]))]
    cross_validate(Spy, ds, folds, scale=False)
    np.testing.assert_array_equal(seen[0], ds.X[[0, 1, 4, 5]])
    cross_validate(Spy, ds, folds)  # default: standardised on the training rows
    np.testing.assert_allclose(seen[1].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(seen[1].std(axis=0), 1)


def test_cancelled_before_the_first_fold_gives_an_empty_result():
    ds = _dataset()
    folds = stratified_group_kfold(ds, n_splits=2, random_state=0)
    res = cross_validate(_Stub, ds, folds, cancel=lambda: True, scheme="s")
    assert res.cancelled and res.folds == [] and res.pooled is None and res.mean == {} and res.std == {}
    assert res.model == "model" and res.params == {}
    assert res.oof_pred.tolist() == [""] * 8 and not res.tested.any() and not res.oof_proba.any()
    assert res.clip_pred.shape == (0,) and res.clip_pred.dtype == np.asarray(ds.classes).dtype
    assert res.summary() == "model: no completed fold (s)"


def test_cancel_is_polled_after_fit_and_untested_rows_stay_empty():
    ds = _dataset()
    folds = [(np.array([0, 1, 4, 5]), np.array([2, 3, 6, 7])),
             (np.array([2, 3, 6, 7]), np.array([0, 1, 4, 5]))]
    calls = []

    def cancel():  # polled before a fold, at its one event and after its fit: true at fold 1's third poll
        calls.append(1)
        return len(calls) >= 6

    res = cross_validate(_Stub, ds, folds, cancel=cancel)
    assert res.cancelled and len(res.folds) == 1 and len(calls) == 6
    assert res.tested.tolist() == [False, False, True, True, False, False, True, True]
    assert res.oof_pred.tolist() == ["", "", "a", "a", "", "", "a", "a"]
    assert res.clip_ids.tolist() == ["a.00002", "a.00003", "b.00002", "b.00003"]


def test_segments_are_scored_per_clip_when_auto_and_per_row_when_told():
    ds = _dataset(segments=3)  # 8 clips of 3 rows
    folds = stratified_group_kfold(ds, n_splits=2, random_state=0)
    res = cross_validate(_Stub, ds, folds)
    assert res.aggregated and res.pooled.n_samples == 8 and res.clip_ids.shape == (8,)
    assert all(f.evaluation.n_samples == 4 for f in res.folds)
    rows = cross_validate(_Stub, ds, folds, aggregate=False)
    assert not rows.aggregated and rows.pooled.n_samples == 24 and rows.clip_ids.shape == (24,)
    assert all(f.evaluation.n_samples == 12 for f in rows.folds)
    forced = cross_validate(_Stub, _dataset(), stratified_group_kfold(_dataset(), n_splits=2, random_state=0),
                            aggregate=True)
    assert forced.aggregated and forced.pooled.n_samples == 8


def test_monitor_leaves_out_held_out_rows_of_classes_the_fold_never_saw():
    got = []

    class Monitored(_Bare):
        def get_params(self, deep=True):
            return {}

        def fit(self, X, y, callback=None, X_val=None, y_val=None):
            got.append((X_val.shape[0], list(y_val)))
            return super().fit(X, y)

        def predict_proba(self, X):
            return np.ones((X.shape[0], self.classes_.shape[0])) / self.classes_.shape[0]

    ds = _dataset()
    folds = [(np.array([0, 1, 2]), np.array([3, 4, 5]))]  # training has "a" only; 4 and 5 are "b"
    cross_validate(Monitored, ds, folds, monitor=True)
    assert got == [(1, ["a"])]


def test_summary_rounds_percentages():
    res = CVResult(model="m", params={}, scheme="sch", classes=[], folds=[object(), object(), object()],
                   mean={"accuracy": 0.72449}, std={"accuracy": 0.03051}, pooled=None, aggregated=False,
                   oof_pred=np.empty(0), oof_proba=np.empty((0, 0)), tested=np.empty(0, bool),
                   clip_ids=np.empty(0), clip_true=np.empty(0), clip_pred=np.empty(0),
                   clip_proba=np.empty((0, 0)))
    assert res.summary() == "m: accuracy 72.4 % +/- 3.1 over 3 folds (sch)"


def test_holdout_single_clip_class_does_not_stop_the_classes_after_it():
    # "a" (one clip) stays in training; "b" and "c", sorted after it, still give one test clip each
    y = np.array(["a", "b", "b", "b", "c", "c"])
    train, test = holdout_split(y, test_size=0.2, random_state=0)
    assert 0 in train and sorted(y[test].tolist()) == ["b", "c"]


def test_blocked_kfold_defaults_to_ten_folds():
    ids = [f"jazz.{i:05d}" for i in range(20)]
    folds = blocked_kfold(ids)
    assert [t.tolist() for _, t in folds] == [[2 * f, 2 * f + 1] for f in range(10)]


def test_summary_scales_the_spread_like_the_mean():
    res = CVResult(model="m", params={}, scheme="s", classes=[], folds=[object()] * 4,
                   mean={"accuracy": 0.5}, std={"accuracy": 0.1}, pooled=None, aggregated=False,
                   oof_pred=np.empty(0), oof_proba=np.empty((0, 0)), tested=np.empty(0, bool),
                   clip_ids=np.empty(0), clip_true=np.empty(0), clip_pred=np.empty(0),
                   clip_proba=np.empty((0, 0)))
    assert res.summary() == "m: accuracy 50.0 % +/- 10.0 over 4 folds (s)"


def test_unknown_true_labels_are_named_as_such():
    with pytest.raises(ValueError, match=r"^y_true has labels not in classes: \['z'\]$"):
        metrics(["z", "a"], ["a", "a"], classes=["a", "b"])


def test_stratified_dealing_continues_over_three_classes_and_defaults_to_ten_folds():
    # "a": folds 0, 1, 0; "b" from the 3rd dealt clip: 1, 0; "c" from the 5th: 1, 0
    folds = stratified_group_kfold(["a", "a", "a", "b", "b", "c", "c"], n_splits=2, shuffle=False)
    assert [t.tolist() for _, t in folds] == [[0, 2, 4, 6], [1, 3, 5]]
    assert len(stratified_group_kfold(["a", "b"] * 6, random_state=0)) == 10


class _Alien(_Stub):
    """Knows a class the dataset does not have."""

    def fit(self, X, y, callback=None):
        super().fit(X, y)
        self.classes_ = np.array(["a", "z"])
        return self


def test_model_classes_outside_the_dataset_are_refused_by_name():
    ds = _dataset()
    with pytest.raises(ValueError, match=r"^model classes has labels not in classes: \['z'\]$"):
        cross_validate(_Alien, ds, stratified_group_kfold(ds, n_splits=2, random_state=0))


def test_fold_scores_use_every_dataset_class_and_keep_the_log_loss():
    ds = _dataset()
    # fold 0 tests "a" rows only (all predicted "a"): still scored over both classes, with its log loss
    folds = [(np.array([2, 3, 4, 5, 6, 7]), np.array([0, 1])),
             (np.array([0, 1, 4, 5]), np.array([2, 3, 6, 7]))]
    res = cross_validate(_Stub, ds, folds, scale=False)
    assert res.folds[0].evaluation.classes == ["a", "b"] and res.folds[0].evaluation.accuracy == 1.0
    assert res.folds[0].evaluation.log_loss == pytest.approx(-math.log(0.75))
    assert res.cancelled is False and res.scheme == ""  # the defaults
    np.testing.assert_array_equal(res.clip_proba, np.tile([0.75, 0.25], (6, 1)))
    assert res.pooled.log_loss == pytest.approx(-(4 * math.log(0.75) + 2 * math.log(0.25)) / 6)
    # clips of three rows: each fold and the pooled score are per clip, with their log loss
    seg = _dataset(segments=3)
    agg = cross_validate(_Stub, seg, stratified_group_kfold(seg, n_splits=2, random_state=0))
    loss = -(math.log(0.75) + math.log(0.25)) / 2
    assert all(f.evaluation.log_loss == pytest.approx(loss) for f in agg.folds)
    assert agg.mean["log_loss"] == pytest.approx(loss) and agg.pooled.log_loss == pytest.approx(loss)
    np.testing.assert_allclose(agg.clip_proba, np.tile([0.75, 0.25], (8, 1)))


def test_summary_statistics_skip_a_metric_without_values_only():
    from genre_gui.core.evaluation.cv import FoldResult, _summarise

    folds = [FoldResult(fold=i, train_idx=np.empty(0), test_idx=np.empty(0),
                        evaluation=metrics(["a", "b"], pred),  # no probabilities: no log loss
                        fit_seconds=seconds, predict_seconds=0.0, n_iter=0, loss_curve=np.empty(0))
             for i, (pred, seconds) in enumerate([(["a", "b"], 1.0), (["a", "a"], 3.0)])]
    mean, std = _summarise(folds)
    # fold 1 ("b" predicted as "a"): precision (1/2 + 0) / 2, recall (1 + 0) / 2, F1 (2/3 + 0) / 2
    assert mean == pytest.approx({"accuracy": 0.75, "macro_precision": 0.625, "macro_recall": 0.75,
                                  "macro_f1": (1 + 1 / 3) / 2, "fit_seconds": 2.0})
    assert std["fit_seconds"] == 1.0 and std["accuracy"] == 0.25
    assert _summarise([]) == ({}, {})
