"""Feature scaling fitted on training rows only (so nothing about the test rows leaks into training)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .models._common import check_matrix


class StandardScaler:
    """Remove each column's mean and divide by its standard deviation (population, ddof=0).

    Columns that are constant (standard deviation within rounding of 0) get ``scale_ = 1``, so they
    come out as zeros instead of NaN or huge values.

    Parameters
    ----------
    with_mean, with_std : bool
        Centre and/or scale (as scikit-learn's ``StandardScaler``).

    Attributes
    ----------
    mean_ : ndarray (n_features,)
    var_ : ndarray (n_features,)
    scale_ : ndarray (n_features,)
    n_features_in_ : int
    """

    #: fitted arrays saved by model files
    _fitted_attrs = ("mean_", "var_", "scale_")

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Hyperparameters as a dict."""
        return {"with_mean": self.with_mean, "with_std": self.with_std}

    @property
    def n_features_in_(self) -> int:
        return int(self.scale_.shape[0])

    def fit(self, X: Any, y: Any = None) -> StandardScaler:
        """Learn the column means and scales of ``X`` (finite, 2-D)."""
        X = check_matrix(X)
        mean = X.mean(axis=0)
        var = X.var(axis=0)
        scale = np.sqrt(var)
        # a column is constant when its spread is at the rounding level of its values
        constant = scale <= 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))
        scale[constant] = 1.0
        self.mean_ = mean if self.with_mean else np.zeros_like(mean)
        self.var_ = var
        self.scale_ = scale if self.with_std else np.ones_like(scale)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scale ``X`` with the fitted statistics; returns a new float64 array."""
        X = self._check(X)
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo :meth:`transform`."""
        X = self._check(X)
        return X * self.scale_ + self.mean_

    def _check(self, X: Any) -> np.ndarray:
        if getattr(self, "scale_", None) is None:
            raise ValueError("StandardScaler is not fitted yet: call fit first")
        X = check_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the scaler was fitted with {self.n_features_in_}")
        return X

    def __repr__(self) -> str:
        return f"StandardScaler(with_mean={self.with_mean!r}, with_std={self.with_std!r})"
