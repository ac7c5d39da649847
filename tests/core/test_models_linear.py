"""Softmax and one-vs-rest logistic regression: gradients, stability, contract, training control."""

from __future__ import annotations

import numpy as np
import pytest

from genre_gui.core.models import (
    MODELS,
    OneVsRestLogisticRegression,
    SoftmaxRegression,
    TrainingEvent,
    TrainingInterrupted,
)
from genre_gui.core.models._common import one_hot

LINEAR = [SoftmaxRegression, OneVsRestLogisticRegression]


def _blobs(n_per_class: int = 60, n_classes: int = 3, d: int = 4, seed: int = 0, spread: float = 1.0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(n_classes, d))
    X = np.vstack([c + spread * rng.normal(size=(n_per_class, d)) for c in centers])
    y = np.repeat(np.arange(n_classes), n_per_class)
    return X, y


def _objective(model, X, Y, W, b):
    loss, _, _, _ = model._loss_grad(X, Y, W, b, need_grad=False)
    return loss + 0.5 * model.alpha * np.sum(W * W)


@pytest.mark.parametrize("cls", LINEAR)
def test_gradient_matches_finite_differences(cls):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 5))
    Y = one_hot(rng.integers(0, 4, 30), 4)
    W = rng.normal(size=(5, 4))
    b = rng.normal(size=4)
    model = cls(alpha=0.3)
    _, gW, gb, _ = model._objective_grad(X, Y, W, b)
    if cls is OneVsRestLogisticRegression:
        # each column follows its own binary objective: the gradient is of the *sum* over classes
        scale = Y.shape[1]
    else:
        scale = 1.0
    eps = 1e-6
    num_W = np.zeros_like(W)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            Wp, Wm = W.copy(), W.copy()
            Wp[i, j] += eps
            Wm[i, j] -= eps
            num_W[i, j] = (_objective(model, X, Y, Wp, b) - _objective(model, X, Y, Wm, b)) / (2 * eps)
    num_b = np.zeros_like(b)
    for j in range(b.shape[0]):
        bp, bm = b.copy(), b.copy()
        bp[j] += eps
        bm[j] -= eps
        num_b[j] = (_objective(model, X, Y, W, bp) - _objective(model, X, Y, W, bm)) / (2 * eps)
    if cls is OneVsRestLogisticRegression:
        # the reported objective is the mean over classes; the L2 term is per class, not averaged
        num_W = num_W * scale - (scale - 1) * model.alpha * W
        num_b = num_b * scale
    np.testing.assert_allclose(gW, num_W, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gb, num_b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cls", LINEAR)
def test_probabilities_sum_to_one_for_extreme_logits(cls):
    model = cls()
    model.classes_ = np.array(["a", "b", "c"])
    model.coef_ = np.array([[1.0], [-1.0], [0.0]])
    model.intercept_ = np.zeros(3)
    X = np.array([[1e4], [-1e4], [0.0], [3e3]])
    P = model.predict_proba(X)
    assert np.isfinite(P).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert list(model.predict(X[:2])) == ["a", "b"]
    if cls is SoftmaxRegression:
        np.testing.assert_allclose(P[0], [1.0, 0.0, 0.0], atol=1e-12)
    else:
        # sigmoids (1, 0, 1/2) normalised over the classes
        np.testing.assert_allclose(P[0], [2 / 3, 0.0, 1 / 3], atol=1e-12)


def test_softmax_log_softmax_extreme_logits_finite_loss():
    model = SoftmaxRegression(alpha=0.0)
    X = np.array([[1.0], [1.0]])
    Y = one_hot(np.array([0, 1]), 2)
    W = np.array([[1e4, -1e4]])
    loss, gW, gb, _ = model._loss_grad(X, Y, W, np.zeros(2))
    # the second row is wrong by a logit gap of 2e4: its loss is exactly that gap
    assert loss == pytest.approx(1e4)
    assert np.isfinite(gW).all() and np.isfinite(gb).all()


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
@pytest.mark.parametrize("cls", LINEAR)
def test_every_solver_learns_separable_blobs(cls, solver):
    X, y = _blobs(spread=0.5)
    model = cls(solver=solver, max_iter=200, random_state=0).fit(X, y)
    assert model.score(X, y) == 1.0
    assert model.loss_curve_.shape == (model.n_iter_,)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


@pytest.mark.parametrize("cls", LINEAR)
def test_string_labels_and_column_order(cls):
    X, y = _blobs()
    names = np.array(["rock", "blues", "jazz"])[y]
    model = cls(random_state=0).fit(X, names)
    assert list(model.classes_) == ["blues", "jazz", "rock"]
    pred = model.predict(X)
    assert pred.dtype.kind == "U"
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    assert model.score(X, names) > 0.9


@pytest.mark.parametrize("cls", LINEAR)
def test_get_set_params_roundtrip(cls):
    model = cls(solver="sgd", learning_rate=0.1, alpha=0.01, random_state=3)
    params = model.get_params()
    assert params["solver"] == "sgd" and params["random_state"] == 3
    clone = cls(**params)
    assert clone.get_params() == params
    clone.set_params(alpha=0.5, max_iter=7)
    assert clone.alpha == 0.5 and clone.max_iter == 7
    with pytest.raises(ValueError, match="invalid parameter"):
        clone.set_params(bogus=1)


@pytest.mark.parametrize("cls", LINEAR)
def test_reproducible_with_random_state(cls):
    X, y = _blobs(spread=2.0)
    a = cls(solver="sgd", batch_size=32, max_iter=20, random_state=7).fit(X, y)
    b = cls(solver="sgd", batch_size=32, max_iter=20, random_state=7).fit(X, y)
    c = cls(solver="sgd", batch_size=32, max_iter=20, random_state=8).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(a.coef_, c.coef_)


@pytest.mark.parametrize("cls", LINEAR)
def test_callback_once_per_epoch_with_validation(cls):
    X, y = _blobs(spread=2.0)
    events: list[TrainingEvent] = []
    model = cls(max_iter=15, tol=-np.inf, random_state=0)
    model.fit(X[::2], y[::2], X_val=X[1::2], y_val=y[1::2], callback=events.append)
    assert [e.epoch for e in events] == list(range(1, 16))
    assert all(e.model == model.name == cls.name for e in events)
    assert all(e.n_epochs == 15 for e in events)
    np.testing.assert_allclose([e.train_loss for e in events], model.loss_curve_)
    np.testing.assert_allclose([e.val_loss for e in events], model.val_loss_curve_)
    last_acc = np.mean(model.predict(X[1::2]) == y[1::2])
    assert events[-1].val_accuracy == pytest.approx(last_acc)
    if cls is OneVsRestLogisticRegression:
        per_class = np.array(events[-1].extra["class_losses"])
        assert per_class.shape == (3,)
        assert per_class.mean() == pytest.approx(events[-1].train_loss)
        np.testing.assert_allclose(model.class_losses_, per_class)
        assert model.class_loss_curve_.shape == (15, 3)


@pytest.mark.parametrize("cls", LINEAR)
def test_interruption_keeps_last_completed_epoch(cls):
    X, y = _blobs(spread=2.0)
    reference = cls(solver="gd", max_iter=5, tol=-np.inf, lr_decay=1.0).fit(X, y)

    def stop_after_five(event: TrainingEvent) -> None:
        if event.epoch == 5:
            raise TrainingInterrupted

    model = cls(solver="gd", max_iter=100, tol=-np.inf, lr_decay=1.0).fit(X, y, callback=stop_after_five)
    assert model.n_iter_ == 5 and model.interrupted_
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    np.testing.assert_array_equal(model.intercept_, reference.intercept_)
    assert model.loss_curve_.shape == (5,)


def test_step_decay_of_the_seed():
    X, y = _blobs()
    rates = []
    SoftmaxRegression(solver="gd", learning_rate=0.75, max_iter=120, tol=-np.inf).fit(
        X, y, callback=lambda e: rates.append(e.extra["learning_rate"])
    )
    assert rates[0] == rates[49] == 0.75
    assert rates[50] == pytest.approx(0.75 * 0.95)
    assert rates[100] == pytest.approx(0.75 * 0.95**2)


def test_early_stopping_keeps_best_validation_weights():
    X, y = _blobs(n_per_class=40, d=30, spread=6.0, seed=4)
    Xv, yv = _blobs(n_per_class=40, d=30, spread=6.0, seed=4)
    rng = np.random.default_rng(0)
    Xv = Xv + rng.normal(scale=6.0, size=Xv.shape)
    model = SoftmaxRegression(solver="adam", learning_rate=0.05, alpha=0.0, max_iter=500, early_stopping=True,
                              n_iter_no_change=5, random_state=0)
    model.fit(X, y, X_val=Xv, y_val=yv)
    assert model.n_iter_ < 500
    best = int(np.argmin(model.val_loss_curve_))
    assert model.n_iter_ - 1 - best == 5
    # the kept weights are those of the best epoch: recompute its validation loss
    loss, _, _, _ = model._loss_grad(Xv, one_hot(yv, 3), model.coef_.T, model.intercept_, need_grad=False)
    assert loss == pytest.approx(model.val_loss_curve_[best])


def test_early_stopping_without_validation_holds_out_a_fraction():
    X, y = _blobs(spread=2.0)
    model = SoftmaxRegression(early_stopping=True, validation_fraction=0.2, random_state=0).fit(X, y)
    assert model.val_loss_curve_.shape == (model.n_iter_,)


@pytest.mark.parametrize("cls", LINEAR)
def test_input_validation_messages(cls):
    X, y = _blobs()
    with pytest.raises(ValueError, match="rows but y has"):
        cls().fit(X, y[:-1])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls().fit(bad, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        cls().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="not fitted"):
        cls().predict(X)
    model = cls(max_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="the model was fitted with 4"):
        model.predict(X[:, :2])
    with pytest.raises(ValueError, match="solver"):
        cls(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="unseen"):
        cls(max_iter=2).fit(X, y, X_val=X, y_val=y + 10)


def test_models_registry_names_and_fitted_attrs():
    assert set(MODELS) == {"softmax", "ovr_logistic", "knn"}
    X, y = _blobs()
    for name, cls in MODELS.items():
        assert cls.name == name
        model = cls().fit(X, y)
        for attr in cls._fitted_attrs:
            assert isinstance(getattr(model, attr), np.ndarray), (name, attr)
        assert isinstance(model.n_iter_, int)
        # persistence restores a model as cls(**params) + setattr of the fitted arrays
        clone = cls(**model.get_params())
        for attr in cls._fitted_attrs:
            setattr(clone, attr, getattr(model, attr).copy())
        clone.n_iter_ = model.n_iter_
        np.testing.assert_array_equal(clone.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("cls", LINEAR)
def test_blocked_full_batch_gradient_equals_one_pass(cls):
    from genre_gui.core.models import _linear

    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 400))  # 9.6 MB: more than two row blocks
    Y = one_hot(rng.integers(0, 5, 3000), 5)
    W, b = rng.normal(scale=0.05, size=(400, 5)), rng.normal(size=5)
    model = cls(alpha=0.01)
    assert X.nbytes > 2 * _linear._BLOCK_BYTES
    loss, gW, gb, per_class = model._objective_grad(X, Y, W, b)
    ref_loss, ref_gW, ref_gb, ref_pc = model._loss_grad(X, Y, W, b)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(gW, ref_gW + 0.01 * W, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gb, ref_gb, rtol=1e-10, atol=1e-14)
    if ref_pc is not None:
        np.testing.assert_allclose(per_class, ref_pc, rtol=1e-12)
