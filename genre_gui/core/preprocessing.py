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
    log_columns : sequence of int
        Columns replaced by ``log(max(x, 0) + 1e-10)`` before standardising. Variances of frame
        features spread over orders of magnitude; on their log a linear model separates genres better.
    ignore_columns : sequence of int
        Columns that always come out as 0, so no model can use them. The GTZAN table's tempo, for one,
        came from an older librosa that differs by an octave from any current extractor on about a
        third of the clips: a model meant for live audio must not rely on it.

    Attributes
    ----------
    mean_ : ndarray (n_features,)
    var_ : ndarray (n_features,)
    scale_ : ndarray (n_features,)
    n_features_in_ : int
    """

    #: fitted arrays saved by model files
    _fitted_attrs = ("mean_", "var_", "scale_")

    def __init__(self, with_mean: bool = True, with_std: bool = True, log_columns: Any = (),
                 ignore_columns: Any = ()) -> None:
        self.with_mean = with_mean
        self.with_std = with_std
        self.log_columns = log_columns
        self.ignore_columns = ignore_columns

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Hyperparameters as a dict (JSON-ready)."""
        return {"with_mean": self.with_mean, "with_std": self.with_std,
                "log_columns": [int(i) for i in self.log_columns],
                "ignore_columns": [int(i) for i in self.ignore_columns]}

    @property
    def n_features_in_(self) -> int:
        return int(self.scale_.shape[0])

    def fit(self, X: Any, y: Any = None) -> StandardScaler:
        """Learn the column means and scales of ``X`` (finite, 2-D)."""
        X = self._log(check_matrix(X))
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
        X = self._log(self._check(X))
        Z = (X - self.mean_) / self.scale_
        ignore = _indices(self.ignore_columns, X.shape[1], "ignore_columns")
        if ignore:
            Z[:, ignore] = 0.0
        return Z

    def _log(self, X: np.ndarray) -> np.ndarray:
        cols = _indices(self.log_columns, X.shape[1], "log_columns")
        if not cols:
            return X
        X = X.copy()
        X[:, cols] = np.log(np.maximum(X[:, cols], 0.0) + 1e-10)
        return X

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo the standardisation of :meth:`transform` (log columns stay in log units)."""
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
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"StandardScaler({args})"


def _indices(values: Any, n: int, name: str) -> list[int]:
    cols = [int(i) for i in values]
    if cols and (max(cols) >= n or min(cols) < 0):
        raise ValueError(f"{name} {cols} out of range for {n} features")
    return cols
