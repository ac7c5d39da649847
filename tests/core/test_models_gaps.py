"""core.models pinned where the mutation run of December 2026 found it loose: the names in the messages of
check_X_y and check_validation, the base class's predict (used by a model that only has predict_proba),
and a mini-batch of one row."""

from __future__ import annotations

import numpy as np
import pytest
from test_models_exact import replay_stop_epoch

from genre_gui.core.models import SoftmaxRegression
from genre_gui.core.models._common import check_validation, check_X_y
from genre_gui.core.models.base import BaseClassifier


def _message(call):
    with pytest.raises(ValueError) as e:
        call()
    return str(e.value)


def test_check_x_y_and_check_validation_name_what_is_wrong():
    y = np.array(["a", "b"])
    assert _message(lambda: check_X_y(np.array([1.0, 2.0]), y)) == (
        "X must be 2-D (n_samples, n_features), got shape (2,)")
    assert _message(lambda: check_X_y(np.zeros((2, 1, 1)), y, "features")) == (
        "features must be 2-D (n_samples, n_features), got shape (2, 1, 1)")
    classes = np.array(["a", "b"])
    assert _message(lambda: check_validation(np.zeros((3, 2)), ["a", "b"], 2, classes)) == (
        "X_val has 3 rows but y_val has 2 labels")
    assert _message(lambda: check_validation(np.zeros((2, 2)), ["a", "z"], 2, classes)) == (
        "y_val has labels unseen in training: ['z']")
    assert _message(lambda: SoftmaxRegression().fit(np.array([1.0, 2.0]), y)) == (
        "X must be 2-D (n_samples, n_features), got shape (2,)")


class _ProbaOnly(BaseClassifier):
    """A model that only says how likely each class is (a plugin may register one)."""

    name = "proba-only"

    def __init__(self, table=None):
        self.table = table

    def fit(self, X, y):
        self.classes_ = np.array(["jazz", "rock", "pop"])
        return self

    def predict_proba(self, X):
        return np.asarray(self.table)[: len(X)]


def test_base_predict_takes_the_most_likely_class_of_each_row():
    table = [[0.2, 0.7, 0.1], [0.5, 0.2, 0.3], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4]]
    model = _ProbaOnly(table).fit(None, None)
    assert model.predict(np.zeros((4, 2))).tolist() == ["rock", "jazz", "pop", "pop"]
    assert model.predict(np.zeros((1, 2))).tolist() == ["rock"]


def test_a_batch_size_of_one_steps_once_per_row():
    # one epoch of sgd from the same seed: batches of 1 and of 2 rows must give different weights
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 3))
    y = np.array(["a", "b"] * 4)
    one = SoftmaxRegression(solver="sgd", batch_size=1, max_iter=1, random_state=0).fit(X, y)
    two = SoftmaxRegression(solver="sgd", batch_size=2, max_iter=1, random_state=0).fit(X, y)
    assert not np.allclose(one.coef_, two.coef_)


def test_softmax_stops_on_its_loss_plus_the_whole_penalty():
    """Softmax's stopping objective is its loss plus alpha / 2 * ||W||^2, the penalty *not* divided by the
    columns (that is one-vs-rest's). Replayed by hand from gd's deterministic trajectory; with these
    settings a penalty halved or divided by the 3 columns would stop at epoch 201 or 205 instead."""
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(loc=3 * c, size=(15, 2)) for c in range(3)])
    y = np.repeat(["a", "b", "c"], 15)
    alpha, tol, patience = 0.3, 1e-3, 5
    objective = []
    free = SoftmaxRegression(solver="gd", learning_rate=0.2, alpha=alpha, max_iter=300, tol=-np.inf)
    free.fit(X, y, callback=lambda e: objective.append(
        e.train_loss + 0.5 * alpha * float(np.sum(free.coef_ * free.coef_))))
    expected = replay_stop_epoch(objective, tol, patience)
    assert expected == 189
    stopped = SoftmaxRegression(solver="gd", learning_rate=0.2, alpha=alpha, max_iter=300, tol=tol,
                                n_iter_no_change=patience).fit(X, y)
    assert stopped.n_iter_ == expected
