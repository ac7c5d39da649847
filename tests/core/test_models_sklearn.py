"""Our three models against scikit-learn on the real GTZAN feature table, in random and blocked 10-fold.

Standardised per training fold; folds from scikit-learn's ``StratifiedKFold(10, shuffle=True,
random_state=0)`` and from our blocked (artist-filter) folds. Bars from the issue: softmax mean
accuracy >= LogisticRegression - 1 pp; k-NN predictions identical on every fold (uniform and distance
weights); one-vs-rest within 2 pp of scikit-learn's one-vs-rest logistic regression.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier as SkKNN

from genre_gui.core.datasets import load_feature_csv
from genre_gui.core.evaluation import blocked_kfold
from genre_gui.core.models import KNeighborsClassifier, OneVsRestLogisticRegression, SoftmaxRegression
from genre_gui.core.preprocessing import StandardScaler

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def gtzan(gtzan_csv):
    return load_feature_csv(gtzan_csv)


@pytest.fixture(scope="module", params=["random", "blocked"])
def scaled_folds(request, gtzan):
    """(scheme, [(X_train, y_train, X_test, y_test)]) with the scaler fitted on each training fold."""
    if request.param == "random":
        folds = list(StratifiedKFold(10, shuffle=True, random_state=0).split(gtzan.X, gtzan.y))
    else:
        folds = blocked_kfold(gtzan.groups, gtzan.y, n_splits=10)
    out = []
    for train, test in folds:
        scaler = StandardScaler().fit(gtzan.X[train])
        out.append((scaler.transform(gtzan.X[train]), gtzan.y[train], scaler.transform(gtzan.X[test]),
                    gtzan.y[test]))
    return request.param, out


def _mean_accuracy(make, folds) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's convergence chatter
        return float(np.mean([make().fit(Xa, ya).score(Xb, yb) for Xa, ya, Xb, yb in folds]))


@pytest.fixture(scope="module")
def sklearn_logistic(scaled_folds):
    scheme, folds = scaled_folds
    return scheme, _mean_accuracy(lambda: LogisticRegression(max_iter=5000), folds)


def test_sklearn_reference_is_the_documented_one(sklearn_logistic):
    scheme, acc = sklearn_logistic
    # the figures: 72.4 % in random 10-fold, 63.4 % in blocked 10-fold
    assert acc == pytest.approx({"random": 0.724, "blocked": 0.634}[scheme], abs=0.0015)


def test_softmax_at_least_sklearn_logistic_minus_one_point(scaled_folds, sklearn_logistic):
    _, folds = scaled_folds
    ours = _mean_accuracy(lambda: SoftmaxRegression(random_state=0), folds)
    assert ours >= sklearn_logistic[1] - 0.010, (ours, sklearn_logistic)


def test_ovr_within_two_points_of_sklearn_ovr(scaled_folds):
    _, folds = scaled_folds
    ref = _mean_accuracy(lambda: OneVsRestClassifier(LogisticRegression(max_iter=5000)), folds)
    ours = _mean_accuracy(lambda: OneVsRestLogisticRegression(random_state=0), folds)
    assert abs(ours - ref) <= 0.020, (ours, ref)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_predictions_identical_on_every_fold(scaled_folds, weights):
    _, folds = scaled_folds
    for Xa, ya, Xb, _ in folds:
        ours = KNeighborsClassifier(5, weights=weights).fit(Xa, ya)
        ref = SkKNN(5, weights=weights).fit(Xa, ya)
        np.testing.assert_array_equal(ours.predict(Xb), ref.predict(Xb))
        np.testing.assert_allclose(ours.predict_proba(Xb), ref.predict_proba(Xb), rtol=0, atol=1e-12)
