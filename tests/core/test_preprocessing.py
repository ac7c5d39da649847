"""StandardScaler against scikit-learn's, and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler as SkScaler

from genre_gui.core.preprocessing import StandardScaler


def test_matches_sklearn_on_train_and_new_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[0, 100, -5], scale=[1, 20, 1e-3], size=(200, 3))
    X_new = rng.normal(size=(10, 3))
    ours = StandardScaler().fit(X)
    ref = SkScaler().fit(X)
    np.testing.assert_allclose(ours.mean_, ref.mean_)
    np.testing.assert_allclose(ours.scale_, ref.scale_)
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_new)), X_new, atol=1e-9)


def test_constant_columns_are_safe():
    X = np.column_stack([np.full(50, 3.0), np.arange(50.0), np.full(50, 1e9)])
    Z = StandardScaler().fit_transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(Z[:, 0], 0.0)
    np.testing.assert_array_equal(Z[:, 2], 0.0)
    scaler = StandardScaler().fit(X)
    assert scaler.scale_[0] == 1.0 and scaler.scale_[2] == 1.0
    np.testing.assert_allclose(SkScaler().fit(X).transform(X), Z, atol=1e-12)


def test_fit_uses_only_the_given_rows():
    train = np.array([[0.0], [2.0]])
    scaler = StandardScaler().fit(train)
    np.testing.assert_allclose(scaler.transform([[4.0]]), [[3.0]])


def test_errors():
    with pytest.raises(ValueError, match="not fitted"):
        StandardScaler().transform([[1.0]])
    with pytest.raises(ValueError, match="NaN"):
        StandardScaler().fit([[1.0], [np.nan]])
    scaler = StandardScaler().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="fitted with 2"):
        scaler.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        StandardScaler().fit([1.0, 2.0])


def test_without_mean_or_std():
    X = np.array([[1.0, 10.0], [3.0, 30.0]])
    for kwargs in ({"with_mean": False}, {"with_std": False}):
        ours = StandardScaler(**kwargs).fit_transform(X)
        np.testing.assert_allclose(ours, SkScaler(**kwargs).fit_transform(X))


def test_log_columns_equal_sklearn_on_the_log_of_those_columns():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=50), rng.lognormal(3, 2, size=50), rng.lognormal(-8, 1, size=50)])
    ours = StandardScaler(log_columns=[1, 2]).fit(X[:40])
    ref_X = X.copy()
    ref_X[:, 1:] = np.log(ref_X[:, 1:] + 1e-10)
    ref = SkScaler().fit(ref_X[:40])
    np.testing.assert_allclose(ours.transform(X[40:]), ref.transform(ref_X[40:]), rtol=1e-12, atol=1e-12)
    # zero and negative values (silence, rounding) stay finite
    assert np.all(np.isfinite(ours.transform(np.array([[0.0, 0.0, -1e-30]]))))


def test_ignored_columns_come_out_as_zero_and_others_unchanged():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 4)) * [1, 10, 100, 1000]
    plain = StandardScaler().fit(X)
    ign = StandardScaler(ignore_columns=[2]).fit(X)
    Z = ign.transform(X + 5)
    assert np.all(Z[:, 2] == 0)
    np.testing.assert_allclose(Z[:, [0, 1, 3]], plain.transform(X + 5)[:, [0, 1, 3]])


def test_column_parameters_are_checked_and_round_trip_get_params():
    X = np.ones((5, 3)) + np.arange(5)[:, None]
    with pytest.raises(ValueError, match="log_columns"):
        StandardScaler(log_columns=[3]).fit(X)
    s = StandardScaler(log_columns=(0,), ignore_columns=[2]).fit(X)
    with pytest.raises(ValueError, match="ignore_columns"):
        StandardScaler(ignore_columns=[-1]).fit(X).transform(X)
    assert StandardScaler(**s.get_params()).get_params() == s.get_params()
