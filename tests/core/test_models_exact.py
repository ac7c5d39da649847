"""The classifiers' contract pinned to literals: every message word for word, every parameter bound on both
sides, the kernels against SciPy, what each training event says.

Written for the kind of gaps mutation runs showed in the other core modules (docs/mutation.md): messages
checked by a word, bounds checked on one side only, fields computed and never compared.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from genre_gui.core.models import (
    KNeighborsClassifier,
    OneVsRestLogisticRegression,
    SoftmaxRegression,
    TrainingInterrupted,
    estimator_factory,
)
from genre_gui.core.models._common import (
    check_matrix,
    check_predict_input,
    check_validation,
    check_X_y,
    encode_labels,
    log_sigmoid,
    log_softmax,
    one_hot,
    row_sq_norms,
    sigmoid,
    softmax,
)
from genre_gui.core.models._linear import _split_validation

LINEAR = [SoftmaxRegression, OneVsRestLogisticRegression]


def _data(n_per_class=10, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(loc=3 * c, size=(n_per_class, 2)) for c in range(3)])
    return X, np.repeat(["a", "b", "c"], n_per_class)


def _raises(fn, message):
    with pytest.raises(ValueError) as info:
        fn()
    assert str(info.value) == message
    return info


# -- input checks ----------------------------------------------------------------------------------
def test_check_matrix_messages():
    _raises(lambda: check_matrix([1.0, 2.0]), "X must be 2-D (n_samples, n_features), got shape (2,)")
    _raises(lambda: check_matrix(np.zeros((0, 3)), "Q"), "Q is empty (shape (0, 3))")
    _raises(lambda: check_matrix(np.zeros((3, 0))), "X is empty (shape (3, 0))")
    _raises(lambda: check_matrix([[np.nan, 1.0], [np.inf, -np.inf]]), "X contains 3 NaN or infinite value(s)")
    with pytest.raises(ValueError, match=r"^X must be numeric: could not convert string to float: 'a'$"):
        check_matrix([["a"]])
    out = check_matrix([[1, 2]])
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 2.0]]


def test_check_X_y_messages_and_encoding():
    X = np.zeros((3, 2))
    _raises(lambda: check_X_y(X, [[1, 2, 3]]), "y must be 1-D, got shape (1, 3)")
    _raises(lambda: check_X_y(X, [1, 2]), "X has 3 rows but y has 2 labels")
    _raises(lambda: check_X_y(X, [1.0, np.nan, 2.0]), "y contains NaN or infinite labels")
    _raises(lambda: check_X_y(X, ["z", "z", "z"]), "need at least 2 classes to train, got 1 (['z'])")
    Xc, y_idx, classes = check_X_y(X, ["b", "a", "b"])
    assert classes.tolist() == ["a", "b"] and y_idx.tolist() == [1, 0, 1] and y_idx.dtype == np.intp
    assert Xc.dtype == np.float64


def test_encode_labels_and_validation_messages():
    classes = np.array(["a", "b", "c"])
    assert encode_labels(["c", "a", "b"], classes).tolist() == [2, 0, 1]
    _raises(lambda: encode_labels([["a"]], classes, "y_val"), "y_val must be 1-D, got shape (1, 1)")
    # "z" sorts after every class (clipped to the last position); at most five named
    _raises(lambda: encode_labels(["z", "a", "0", "1", "2", "3", "4"], classes),
            "y has labels unseen in training: ['0', '1', '2', '3', '4']")
    _raises(lambda: encode_labels(["z"], classes), "y has labels unseen in training: ['z']")
    assert check_validation(None, None, 2, classes) is None
    _raises(lambda: check_validation(np.zeros((1, 2)), None, 2, classes),
            "give both X_val and y_val, or neither")
    _raises(lambda: check_validation(None, ["a"], 2, classes), "give both X_val and y_val, or neither")
    _raises(lambda: check_validation(np.zeros((1, 3)), ["a"], 2, classes),
            "X_val has 3 features, the training data has 2")
    _raises(lambda: check_validation(np.zeros((2, 2)), ["a"], 2, classes),
            "X_val has 2 rows but y_val has 1 labels")
    _raises(lambda: check_validation([[np.nan, 0]], ["a"], 2, classes),
            "X_val contains 1 NaN or infinite value(s)")
    Xv, yv = check_validation([[1, 2]], ["b"], 2, classes)
    assert Xv.tolist() == [[1.0, 2.0]] and yv.tolist() == [1]


@pytest.mark.parametrize("cls", [*LINEAR, KNeighborsClassifier])
def test_prediction_input_messages(cls):
    X, y = _data()
    _raises(lambda: cls().predict(X), f"{cls.__name__} is not fitted yet: call fit first")
    model = cls().fit(X, y) if cls is KNeighborsClassifier else cls(max_iter=2).fit(X, y)
    _raises(lambda: model.predict_proba(np.zeros((1, 3))), "X has 3 features, the model was fitted with 2")
    assert check_predict_input(model, X[:4], "classes_").shape == (4, 2)


# -- parameters ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", LINEAR)
def test_linear_parameter_bounds_both_sides(cls):
    X, y = _data()
    bad = {
        "solver": ("lbfgs", "solver must be one of ('gd', 'sgd', 'adam'), got 'lbfgs'"),
        "learning_rate": (0, "learning_rate must be > 0, got 0"),
        "alpha": (-1e-9, "alpha must be >= 0, got -1e-09"),
        "max_iter": (0, "max_iter must be >= 1, got 0"),
        "batch_size": (0, "batch_size must be >= 1, got 0"),
    }
    for name, (value, message) in bad.items():
        _raises(lambda n=name, v=value: cls(**{n: v}).fit(X, y), message)
    for fraction in (0.0, 1.0):
        _raises(lambda f=fraction: cls(validation_fraction=f).fit(X, y),
                f"validation_fraction must be in (0, 1), got {fraction!r}")
    # the edges that are allowed
    for ok in ({"alpha": 0.0}, {"max_iter": 1}, {"batch_size": 1}, {"learning_rate": 1e-12},
               {"validation_fraction": 0.999}, {"learning_rate": None}):
        assert cls(**{"max_iter": 2, **ok}).fit(X, y).n_iter_ >= 1


def test_knn_parameter_bounds_both_sides():
    X, y = _data()
    bad = {
        "n_neighbors": (0, "n_neighbors must be >= 1, got 0"),
        "weights": ("equal", "weights must be one of ('uniform', 'distance'), got 'equal'"),
        "metric": ("manhattan", "metric must be one of ('euclidean', 'cosine'), got 'manhattan'"),
        "k_max": (0, "k_max must be >= 1, got 0"),
        "n_jobs": (0, "n_jobs must be >= 1, got 0"),
        "chunk_mb": (0, "chunk_mb must be > 0, got 0"),
    }
    for name, (value, message) in bad.items():
        _raises(lambda n=name, v=value: KNeighborsClassifier(**{n: v}).fit(X, y), message)
    for ok in ({"n_neighbors": 1}, {"k_max": 1}, {"n_jobs": 1}, {"chunk_mb": 1e-6}):
        assert KNeighborsClassifier(**ok).fit(X, y).predict(X[:2]).shape == (2,)
    model = KNeighborsClassifier(n_neighbors=31).fit(X, y)  # 30 training rows
    _raises(lambda: model.predict(X), "n_neighbors=31 must be between 1 and the 30 training rows")
    assert KNeighborsClassifier(n_neighbors=30).fit(X, y).predict_proba(X[:1]).tolist() == [[1 / 3] * 3]


def test_repr_set_params_and_factory():
    assert repr(KNeighborsClassifier(3)) == ("KNeighborsClassifier(n_neighbors=3, weights='uniform', "
                                             "metric='euclidean', k_max=25, chunk_mb=256.0, n_jobs=2)")
    assert repr(SoftmaxRegression(solver="gd")).startswith(
        "SoftmaxRegression(solver='gd', learning_rate=None, ")
    model = KNeighborsClassifier()
    assert model.set_params(n_neighbors=2, weights="distance") is model
    assert (model.n_neighbors, model.weights) == (2, "distance")
    _raises(lambda: model.set_params(k=3), "invalid parameter 'k' for KNeighborsClassifier")
    make = estimator_factory("softmax", {"alpha": 0.5}, seed=9)
    a, b = make(), make()
    assert a is not b and a.get_params()["random_state"] == 9 and a.alpha == 0.5
    assert estimator_factory("softmax", {"random_state": 4}, seed=9)().random_state == 4
    assert "random_state" not in estimator_factory("knn", {"n_neighbors": 3})().get_params()
    with pytest.raises(TypeError):
        estimator_factory("knn", {"bogus": 1})
    with pytest.raises(KeyError):
        estimator_factory("svm", {})


# -- kernels against SciPy ---------------------------------------------------------------------------
def test_kernels_match_scipy():
    Z = np.array([[-800.0, 0.0, 3.5], [1e4, -1e4, 2.0], [-1.0, -2.0, -3.0]])
    np.testing.assert_allclose(softmax(Z), scipy.special.softmax(Z, axis=1), rtol=1e-14, atol=0)
    np.testing.assert_allclose(log_softmax(Z), scipy.special.log_softmax(Z, axis=1), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(sigmoid(Z), scipy.special.expit(Z), rtol=1e-14, atol=0)
    np.testing.assert_allclose(log_sigmoid(Z), scipy.special.log_expit(Z), rtol=1e-14, atol=0)
    assert sigmoid(np.array([0.0])).tolist() == [0.5]
    np.testing.assert_array_equal(one_hot(np.array([2, 0, 2]), 4),
                                  [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0]])
    assert one_hot(np.array([1]), 2).dtype == np.float64
    assert row_sq_norms(np.array([[3.0, 4.0], [1.0, -1.0]])).tolist() == [25.0, 2.0]


def test_ovr_probabilities_are_the_normalised_sigmoids():
    X, y = _data()
    model = OneVsRestLogisticRegression(max_iter=5).fit(X, y)
    S = scipy.special.expit(X @ model.coef_.T + model.intercept_)
    np.testing.assert_allclose(model.predict_proba(X), S / S.sum(axis=1, keepdims=True), rtol=1e-12)
    model2 = SoftmaxRegression(max_iter=5).fit(X, y)
    Z = X @ model2.coef_.T + model2.intercept_
    np.testing.assert_allclose(model2.predict_proba(X), scipy.special.softmax(Z, axis=1), rtol=1e-12)


# -- training events -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("solver", "kind"), [("gd", "full-batch loss before the step"),
                                              ("sgd", "running mean over the epoch's mini-batches"),
                                              ("adam", "running mean over the epoch's mini-batches")])
def test_event_extras_name_the_loss_and_the_rate(solver, kind):
    X, y = _data()
    events = []
    SoftmaxRegression(solver=solver, max_iter=3, tol=-np.inf, learning_rate=0.2, lr_decay=0.5, decay_every=2,
                      random_state=0).fit(X, y, callback=events.append)
    assert [e.extra for e in events] == [{"learning_rate": 0.2, "loss_kind": kind},
                                         {"learning_rate": 0.2, "loss_kind": kind},
                                         {"learning_rate": 0.1, "loss_kind": kind}]
    assert [(e.epoch, e.n_epochs, e.val_loss, e.val_accuracy) for e in events] == [
        (1, 3, None, None), (2, 3, None, None), (3, 3, None, None)]


def test_default_learning_rates_by_solver():
    X, y = _data()
    for solver, rate in (("gd", 0.5), ("sgd", 0.05), ("adam", 0.01)):
        events = []
        SoftmaxRegression(solver=solver, max_iter=1).fit(X, y, callback=events.append)
        assert events[0].extra["learning_rate"] == rate


def test_ovr_class_loss_curve_grows_past_its_first_buffer():
    X, y = _data()
    events = []
    model = OneVsRestLogisticRegression(solver="gd", max_iter=150, tol=-np.inf)
    model.fit(X, y, callback=events.append)
    curve = np.array([e.extra["class_losses"] for e in events])
    assert curve.shape == (150, 3) and model.class_loss_curve_.shape == (150, 3)
    np.testing.assert_array_equal(model.class_loss_curve_, curve)
    np.testing.assert_array_equal(model.class_losses_, curve[-1])
    np.testing.assert_allclose(curve.mean(axis=1), model.loss_curve_, rtol=1e-12)
    assert not hasattr(model, "_curve_buf")


def test_training_stops_after_n_iter_no_change_epochs_without_improvement():
    X, y = _data()
    # tol so large nothing counts as an improvement after epoch 1: epochs 2..4 stall, stop after 4
    model = SoftmaxRegression(solver="gd", max_iter=50, tol=1e9, n_iter_no_change=3).fit(X, y)
    assert model.n_iter_ == 4 and not model.interrupted_
    model = SoftmaxRegression(solver="gd", max_iter=50, tol=1e9, n_iter_no_change=1).fit(X, y)
    assert model.n_iter_ == 2
    model = SoftmaxRegression(solver="gd", max_iter=7, tol=-np.inf, n_iter_no_change=1).fit(X, y)
    assert model.n_iter_ == 7 and model.loss_curve_.shape == (7,)


def test_split_validation_holds_out_a_stratified_fraction():
    rng = np.random.default_rng(0)
    X = np.arange(26, dtype=float)[:, None]
    y_idx = np.array([0] * 10 + [1] * 15 + [2])  # class 2 has one row: never held out
    Xt, yt, (Xv, yv) = _split_validation(X, y_idx, 0.2, rng)
    assert np.bincount(yv, minlength=3).tolist() == [2, 3, 0]  # round(0.2 * 10), round(0.2 * 15)
    assert np.bincount(yt, minlength=3).tolist() == [8, 12, 1]
    assert sorted(Xt[:, 0].tolist() + Xv[:, 0].tolist()) == list(range(26))
    assert Xv[:, 0].tolist() == sorted(Xv[:, 0].tolist())
    _, _, (_, yv) = _split_validation(X, y_idx, 0.01, rng)  # at least one row per class with two or more
    assert np.bincount(yv, minlength=3).tolist() == [1, 1, 0]
    _, _, (_, yv) = _split_validation(X, y_idx, 0.99, rng)  # at most all rows but one
    assert np.bincount(yv, minlength=3).tolist() == [9, 14, 0]
    _raises(lambda: _split_validation(X[:2], np.array([0, 1]), 0.5, rng),
            "early_stopping needs at least 2 rows in some class to hold out a validation set")


def test_early_stopping_uses_the_fraction_it_is_given():
    X, y = _data(n_per_class=20)
    model = SoftmaxRegression(early_stopping=True, validation_fraction=0.25, max_iter=2, random_state=0)
    seen = []
    model.fit(X, y, callback=lambda e: seen.append(e.val_accuracy))
    # 5 of each class's 20 rows held out (15 rows): accuracies are multiples of 1/15
    assert len(seen) == 2 and all(abs(v * 15 - round(v * 15)) < 1e-9 for v in seen)


def test_score_and_ties():
    X = np.array([[0.0], [10.0]])
    model = KNeighborsClassifier(n_neighbors=2).fit(X, ["b", "a"])  # one vote each: the tie goes to "a"
    assert model.predict([[5.0]]).tolist() == ["a"]
    assert model.score(X, ["a", "a"]) == 1.0 and model.score(X, ["b", "b"]) == 0.0
    lin = SoftmaxRegression(max_iter=1, learning_rate=1e-12).fit(X, ["b", "a"])
    lin.coef_[:] = 0.0
    lin.intercept_[:] = 0.0
    assert lin.predict(X).tolist() == ["a", "a"]  # equal scores: the first class


# -- gaps the models mutation run showed ---------------------------------------------------------------
def test_split_validation_skips_only_single_row_classes():
    # class 0 (one row, sorted first) is skipped without stopping the others; class 1 has exactly two rows
    y_idx = np.array([0, 1, 1, 2, 2, 2, 2, 2])
    X = np.arange(8, dtype=float)[:, None]
    _, _, (_, yv) = _split_validation(X, y_idx, 0.5, np.random.default_rng(0))
    assert np.bincount(yv, minlength=3).tolist() == [0, 1, 2]  # min(1, round(1.0)), min(4, round(2.5))


def test_decay_every_epoch():
    X, y = _data()
    events = []
    SoftmaxRegression(solver="gd", learning_rate=0.4, lr_decay=0.5, decay_every=1, max_iter=3,
                      tol=-np.inf).fit(X, y, callback=events.append)
    assert [e.extra["learning_rate"] for e in events] == [0.4, 0.2, 0.1]


def test_full_batch_is_one_step_per_epoch_whatever_the_batch_size():
    # one gradient step from W = 0, b = 0: every class has probability 1/3, so the gradient of the mean
    # cross-entropy is X^T (1/3 - Y) / n for W and mean(1/3 - Y) for b
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    y = np.array([0, 1, 2])
    Y = np.eye(3)
    model = SoftmaxRegression(solver="gd", learning_rate=0.3, alpha=0.0, batch_size=1, max_iter=1).fit(X, y)
    np.testing.assert_allclose(model.coef_, -0.3 * (X.T @ (1 / 3 - Y) / 3).T, rtol=1e-14, atol=1e-17)
    np.testing.assert_allclose(model.intercept_, -0.3 * (1 / 3 - Y).mean(axis=0), rtol=1e-14, atol=1e-17)


def test_validation_data_without_early_stopping_only_reports():
    X, y = _data(n_per_class=20)
    rng = np.random.default_rng(3)
    Xv, yv = X + rng.normal(scale=0.5, size=X.shape), np.roll(y, 20)  # labels shifted: its loss rises
    make = lambda: SoftmaxRegression(solver="gd", learning_rate=0.05, max_iter=60, n_iter_no_change=3)  # noqa: E731
    plain = make().fit(X, y)
    events = []
    watched = make().fit(X, y, X_val=Xv, y_val=yv, callback=events.append)
    assert watched.n_iter_ == plain.n_iter_
    np.testing.assert_array_equal(watched.coef_, plain.coef_)
    assert watched.val_loss_curve_[-1] > watched.val_loss_curve_[0]  # the monitored loss really rose
    assert watched.val_accuracy_curve_.tolist() == [e.val_accuracy for e in events]
    assert watched.val_accuracy_curve_.dtype == np.float64 and len(events) == watched.n_iter_


def test_ovr_class_loss_curve_is_live_during_training():
    X, y = _data()
    model = OneVsRestLogisticRegression(solver="gd", max_iter=4, tol=-np.inf)
    seen = []

    def look(event):
        curve = model.class_loss_curve_
        seen.append((curve.shape, list(curve[-1]) == event.extra["class_losses"]))

    model.fit(X, y, callback=look)
    assert seen == [((1, 3), True), ((2, 3), True), ((3, 3), True), ((4, 3), True)]


def test_knn_sweep_events_and_interruption():
    rng = np.random.default_rng(5)
    X, Xv = rng.normal(size=(200, 3)), rng.normal(size=(500, 3))
    y, yv = rng.integers(0, 2, 200), rng.integers(0, 2, 500)
    events = []
    # a tiny memory budget: the validation rows are scored in many blocks, their counts added up
    model = KNeighborsClassifier(3, k_max=4, chunk_mb=0.01)
    model.fit(X, y, X_val=Xv, y_val=yv, callback=events.append)
    assert [e.extra for e in events] == [{"k": k} for k in range(1, 5)]
    assert all(e.val_loss is None for e in events) and model.interrupted_ is False
    expected = [KNeighborsClassifier(k).fit(X, y).score(Xv, yv) for k in range(1, 5)]
    assert model.val_accuracy_curve_.tolist() == pytest.approx(expected, rel=1e-15)

    def stop(event):
        raise TrainingInterrupted

    assert KNeighborsClassifier(3, k_max=4).fit(X, y, X_val=Xv, y_val=yv, callback=stop).interrupted_ is True


def test_factory_seed_defaults_to_zero():
    assert estimator_factory("softmax", {})().random_state == 0
    assert estimator_factory("ovr_logistic", {}, seed=5)().random_state == 5


def test_float32_margin_by_hand_and_above_the_real_error():
    from genre_gui.core.models._knn_prefilter import float32_margin

    u = 2.0**-24
    # |x|^2 = 4, max |y| = 3, d = 8: gamma = 16u / (1 - 16u), cross = 2 * 2 * 3 = 12, scale = 4 + 9 + 12 = 25
    gamma = 16 * u / (1 - 16 * u)
    expected = 1.5 * (gamma * 12 + 4 * u * 25) + 1e-12 * 25
    assert float32_margin(np.array([4.0]), 3.0, 8).tolist() == pytest.approx([expected], rel=1e-15)
    # it bounds the float32 distances' real error, here on wide rows far from the origin
    rng = np.random.default_rng(4)
    X, Y = rng.normal(3.0, 1.0, size=(20, 300)), rng.normal(3.0, 1.0, size=(50, 300))
    x_sq, y_sq = (X * X).sum(axis=1), (Y * Y).sum(axis=1)
    d64 = (x_sq[:, None] - 2.0 * X @ Y.T) + y_sq[None, :]
    Y32 = Y.astype(np.float32)
    d32 = ((-2.0 * X).astype(np.float32) @ Y32.T + x_sq.astype(np.float32)[:, None]) + y_sq.astype(np.float32)
    err = np.abs(d32.astype(np.float64) - d64).max(axis=1)
    margin = float32_margin(x_sq, float(np.sqrt(y_sq.max())), 300)
    assert np.all(err <= margin) and np.all(margin < 1000 * err.max())


def test_at_least_rounds_up_to_the_nearest_float32():
    from genre_gui.core.models._knn_prefilter import _at_least

    values = np.concatenate([np.random.default_rng(6).normal(size=1000) * 1e3, [0.0, 1.0, 0.5, 0.7, 1e-30]])
    got = _at_least(values)
    assert got.dtype == np.float32
    assert np.all(got.astype(np.float64) >= values)
    below = np.nextafter(got, np.float32(-np.inf)).astype(np.float64)
    assert np.all(below < values)  # the smallest such float32: exact values (1.0, 0.5) stay themselves
    assert got[-4:-1].tolist() == [1.0, 0.5, float(np.nextafter(np.float32(0.7), np.float32(1)))]


def replay_stop_epoch(objective, tol: float, patience: int) -> int | None:
    """The epoch early stopping ends on, replayed by hand from a run's per-epoch objective: the first
    epoch ending ``patience`` epochs in a row without a gain of more than ``tol`` on the best so far."""
    best, stall = np.inf, 0
    for epoch, value in enumerate(objective, start=1):
        if value < best - tol:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= patience:
                return epoch
    return None


@pytest.mark.parametrize("cls", LINEAR)
def test_training_stops_where_its_objective_stops_improving(cls):
    """The stopping rule replayed by hand on the recorded trajectory (gd is deterministic).

    Objective: mean data loss + alpha / 2 * ||W||^2, the penalty divided by the K columns for one-vs-rest
    (its loss is a mean over K binary problems). Stop after ``n_iter_no_change`` epochs in a row that do
    not improve the best objective by more than ``tol``.
    """
    X, y = _data(n_per_class=15, seed=2)
    alpha, tol, patience = 0.3, 2e-4, 3
    losses, penalties = [], []
    per_column = 3 if cls is OneVsRestLogisticRegression else 1

    free = cls(solver="gd", learning_rate=0.2, alpha=alpha, max_iter=300, tol=-np.inf)

    def record(event):  # the weights of the epoch just completed are stored before the event
        losses.append(event.train_loss)
        penalties.append(0.5 * alpha * float(np.sum(free.coef_ * free.coef_)) / per_column)

    free.fit(X, y, callback=record)
    objective = np.array(losses) + np.array(penalties)
    expected = replay_stop_epoch(objective, tol, patience)
    assert expected is not None and 10 < expected < 300
    stopped = cls(solver="gd", learning_rate=0.2, alpha=alpha, max_iter=300, tol=tol,
                  n_iter_no_change=patience).fit(X, y)
    assert stopped.n_iter_ == expected and stopped.interrupted_ is False


def test_early_stopping_keeps_every_curve_of_the_epochs_run():
    X, y = _data(n_per_class=20)
    model = SoftmaxRegression(early_stopping=True, n_iter_no_change=2, tol=1e-2, max_iter=200,
                              random_state=0).fit(X, y)
    n = model.n_iter_
    assert n < 200 and model.interrupted_ is False
    assert model.loss_curve_.shape == model.val_loss_curve_.shape == model.val_accuracy_curve_.shape == (n,)
    assert np.all(np.isfinite(model.loss_curve_)) and np.all((0 <= model.val_accuracy_curve_) &
                                                             (model.val_accuracy_curve_ <= 1))


@pytest.mark.parametrize("cls", LINEAR)
def test_blocked_gradient_of_more_rows_than_columns(cls):
    # 1200 rows of 800 columns: blocks of 625 rows (4 MB); the shares weigh each block by its rows
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1200, 800))
    Y = one_hot(rng.integers(0, 3, 1200), 3)
    W, b = rng.normal(scale=0.02, size=(800, 3)), rng.normal(size=3)
    model = cls(alpha=0.0)
    loss, gW, gb, _ = model._objective_grad(X, Y, W, b)
    ref_loss, ref_gW, ref_gb, _ = model._loss_grad(X, Y, W, b)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(gW, ref_gW, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gb, ref_gb, rtol=1e-10, atol=1e-14)


def test_single_threaded_blas_limits_blas_only_and_restores():
    from threadpoolctl import threadpool_info, threadpool_limits

    from genre_gui.core.models._common import single_threaded_blas

    def threads(api):
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == api}

    with threadpool_limits(limits=2):  # whatever the environment asked for
        before_openmp = threads("openmp")
        assert threads("blas") == {2}
        with single_threaded_blas():
            assert threads("blas") == {1}
            assert threads("openmp") == before_openmp  # OpenMP (scikit-learn's, if loaded) untouched
        assert threads("blas") == {2}


def test_kneighbors_by_hand():
    X = np.array([[0.0], [0.5], [2.0]])
    model = KNeighborsClassifier(1).fit(X, ["a", "b", "c"])
    dist, ind = model.kneighbors([[0.1], [1.0]], n_neighbors=3)  # every training row
    assert ind.dtype == np.intp and ind.tolist() == [[0, 1, 2], [1, 0, 2]]
    np.testing.assert_allclose(dist, [[0.1, 0.4, 1.9], [0.5, 1.0, 1.0]], rtol=1e-12)
    dist, ind = model.kneighbors([[0.1]], n_neighbors=2)
    assert ind.tolist() == [[0, 1]] and dist.shape == (1, 2)
    dist, ind = model.kneighbors([[1.9]])  # the model's own k
    assert ind.tolist() == [[2]] and dist.tolist() == [[pytest.approx(0.1)]]


def test_cosine_distance_of_a_zero_row_is_one_as_in_sklearn():
    from sklearn.neighbors import NearestNeighbors

    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    Q = np.array([[0.0, 0.0], [3.0, 0.1]])
    dist, ind = KNeighborsClassifier(2, metric="cosine").fit(X, ["a", "b", "c"]).kneighbors(Q)
    ref_d, ref_i = NearestNeighbors(n_neighbors=2, metric="cosine", algorithm="brute").fit(X).kneighbors(Q)
    np.testing.assert_allclose(dist, ref_d, rtol=1e-12, atol=1e-15)
    assert dist[0].tolist() == [1.0, 1.0] and ind[1].tolist() == ref_i[1].tolist()


def test_heaps_of_several_thread_ranges_keep_the_k_smallest():
    # the mutation run sets OMP_NUM_THREADS=1, so scikit-learn (and the replay of its per-thread heaps) use
    # one range there: the merge of several ranges is checked here on its own, against the k smallest
    from genre_gui.core.models._knn_ties import sklearn_k_nearest

    row = np.array([5.0, 1.0, 3.0, 1.0, 2.0, 4.0])
    for ranges in ([(0, 3), (3, 6)], [(0, 2), (2, 4), (4, 6)], [(0, 6)]):
        assert sorted(sklearn_k_nearest(row, 2, ranges).tolist()) == [1, 3], ranges  # the two 1s
        assert sorted(sklearn_k_nearest(row, 3, ranges).tolist()) == [1, 3, 4], ranges  # and the 2
        assert sklearn_k_nearest(row, 3, ranges).dtype == np.intp


@pytest.mark.parametrize("cls", LINEAR)
def test_linear_defaults(cls):
    assert cls().get_params() == {
        "solver": "adam", "learning_rate": None, "alpha": 1e-3, "max_iter": 300, "batch_size": 200,
        "momentum": 0.9, "lr_decay": 0.95, "decay_every": 50, "early_stopping": False,
        "validation_fraction": 0.1, "n_iter_no_change": 10, "tol": 1e-6, "random_state": None,
    }
    assert KNeighborsClassifier().get_params() == {
        "n_neighbors": 5, "weights": "uniform", "metric": "euclidean", "k_max": 25, "chunk_mb": 256.0,
        "n_jobs": 2,
    }


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_blocks_on_several_threads_find_the_true_neighbours(monkeypatch, weights):
    # the mutation run has one OpenMP thread (so one worker): here two workers, 200 blocks of 2 rows
    from sklearn.neighbors import NearestNeighbors

    from genre_gui.core.models import knn as knn_module

    monkeypatch.setattr(knn_module, "openmp_threads", lambda: 2)
    rng = np.random.default_rng(12)
    X, Q = rng.normal(size=(600, 5)), rng.normal(size=(400, 5))
    y = rng.integers(0, 3, 600)
    model = KNeighborsClassifier(4, weights=weights, n_jobs=2, chunk_mb=0.03).fit(X, y)
    dist, ind = model.kneighbors(Q)
    ref_d, ref_i = NearestNeighbors(n_neighbors=4, algorithm="brute").fit(X).kneighbors(Q)
    np.testing.assert_array_equal(ind, ref_i)
    np.testing.assert_allclose(dist, ref_d, rtol=1e-10, atol=1e-12)
    one = KNeighborsClassifier(4, weights=weights, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(model.predict(Q), one.predict(Q))
    np.testing.assert_allclose(model.predict_proba(Q), one.predict_proba(Q), rtol=1e-12, atol=0)
