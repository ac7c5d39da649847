"""Input validation and numerically stable kernels shared by the classifiers."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np


def has_threadpoolctl() -> bool:
    """Whether BLAS threads can be limited (threadpoolctl importable)."""
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:  # pragma: no cover - optional
        return False
    return True


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread for the duration of a ``with`` block (when threadpoolctl is present).

    The linear models multiply thin matrices (10 columns): there OpenBLAS's thread start-up and
    spin-waiting cost more than they save, several times so on a busy machine.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def check_matrix(X: Any, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array, or raise ``ValueError`` saying what is wrong.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray of shape (n_samples, n_features), float64
    """
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.isfinite(arr).all():
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    return arr


def check_X_y(X: Any, y: Any, name: str = "X") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a training set and encode its labels.

    Returns
    -------
    X : ndarray (n_samples, n_features), float64
    y_idx : ndarray (n_samples,), intp
        Index of each label in ``classes``.
    classes : ndarray (n_classes,)
        Sorted distinct labels (strings or numbers, as given).

    Raises
    ------
    ValueError
        On shape mismatch, non-finite values, missing labels or fewer than two classes.
    """
    X = check_matrix(X, name)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {X.shape[0]} rows but y has {y.shape[0]} labels")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinite labels")
    classes, y_idx = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"need at least 2 classes to train, got {classes.shape[0]} ({classes.tolist()})")
    return X, y_idx.astype(np.intp), classes


def encode_labels(y: Any, classes: np.ndarray, name: str = "y") -> np.ndarray:
    """Map labels to indices into ``classes``; unknown labels raise ``ValueError``."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {y.shape}")
    idx = np.searchsorted(classes, y)
    idx = np.clip(idx, 0, len(classes) - 1)
    unknown = classes[idx] != y
    if np.any(unknown):
        raise ValueError(f"{name} has labels unseen in training: {np.unique(y[unknown])[:5].tolist()}")
    return idx.astype(np.intp)


def check_validation(
    X_val: Any, y_val: Any, n_features: int, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate an optional validation set against the training set's width and classes."""
    if X_val is None and y_val is None:
        return None
    if X_val is None or y_val is None:
        raise ValueError("give both X_val and y_val, or neither")
    Xv = check_matrix(X_val, "X_val")
    if Xv.shape[1] != n_features:
        raise ValueError(f"X_val has {Xv.shape[1]} features, the training data has {n_features}")
    yv = encode_labels(y_val, classes, "y_val")
    if yv.shape[0] != Xv.shape[0]:
        raise ValueError(f"X_val has {Xv.shape[0]} rows but y_val has {yv.shape[0]} labels")
    return Xv, yv


def check_predict_input(est: Any, X: Any, attr: str) -> np.ndarray:
    """Validate ``X`` for prediction: the estimator must be fitted and ``X`` must have its width."""
    if getattr(est, attr, None) is None:
        raise ValueError(f"{type(est).__name__} is not fitted yet: call fit first")
    X = check_matrix(X)
    n_features = int(est.n_features_in_)
    if X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, the model was fitted with {n_features}")
    return X


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax, stable for any finite logits (the max is subtracted first)."""
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax; rows sum to 1 (up to rounding) even for logits of +/-1e4."""
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return P


def log_sigmoid(Z: np.ndarray) -> np.ndarray:
    """Elementwise ``log(1 / (1 + exp(-z)))`` without overflow."""
    return -np.logaddexp(0.0, -Z)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Elementwise logistic function without overflow warnings."""
    out = np.empty_like(Z)
    pos = Z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-Z[pos]))
    ez = np.exp(Z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def one_hot(y_idx: np.ndarray, n_classes: int) -> np.ndarray:
    """Indicator matrix (n_samples, n_classes), float64."""
    Y = np.zeros((y_idx.shape[0], n_classes))
    Y[np.arange(y_idx.shape[0]), y_idx] = 1.0
    return Y


def row_sq_norms(X: np.ndarray) -> np.ndarray:
    """Squared row norms summed by BLAS ``ddot``, as scikit-learn sums them.

    einsum's different summation order changes the last bit of some norms, and with it the tiny
    distance (hence the distance weight) of near-duplicate rows.
    """
    if hasattr(np, "vecdot"):
        return np.vecdot(X, X)
    return np.matmul(X[:, None, :], X[:, :, None])[:, 0, 0]  # pragma: no cover - NumPy < 2
