"""Datasets stored as NumPy ``.npz`` archives (read with ``allow_pickle=False``: never runs code)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..npz_io import read_npz
from .base import Dataset

__all__ = ["load_npz", "save_npz"]

def load_npz(path: str | os.PathLike) -> Dataset:
    """Load a dataset from an ``.npz`` archive.

    Parameters
    ----------
    path : path-like
        Required arrays: ``X`` (2-D numeric) and ``y`` (1-D, text or integer labels, one per row).
        Optional: ``groups`` (1-D, one per row), ``columns`` (one name per feature), ``sources``
        (one per row), ``feature_set`` (0-d text).

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        Missing or unreadable file, not an npz archive, pickled (object) arrays, missing arrays,
        inconsistent shapes, non-numeric or non-finite X, fewer than 2 classes.
    """
    p = Path(path)
    arrays = _read_arrays(p)
    for key in ("X", "y"):
        if key not in arrays:
            found = ", ".join(sorted(arrays)) or "none"
            raise DatasetError(f"{p}: the archive has no '{key}' array (found: {found})")
    X, y = arrays["X"], arrays["y"]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DatasetError(f"{p}: 'X' must be a non-empty 2-D array, got shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise DatasetError(f"{p}: 'X' must be numeric, got dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise DatasetError(f"{p}: 'X' has a NaN or infinite value (row {bad[0]}, column {bad[1]})")
    n = X.shape[0]
    y = _row_array(p, arrays, "y", n)
    if y.dtype.kind not in "iuU":
        raise DatasetError(f"{p}: labels 'y' must be text or integers, got dtype {y.dtype}")
    y = y.astype(np.int64) if y.dtype.kind in "iu" else y.astype(str)
    groups = _row_array(p, arrays, "groups", n) if "groups" in arrays else None
    groups = groups.astype(str) if groups is not None else np.array([str(i) for i in range(n)])
    sources = (_row_array(p, arrays, "sources", n).astype(str).tolist() if "sources" in arrays
               else [f"{p.name}:{i}" for i in range(n)])
    if "columns" in arrays:
        cols = arrays["columns"]
        if cols.ndim != 1 or cols.shape[0] != X.shape[1] or cols.dtype.kind != "U":
            raise DatasetError(f"{p}: 'columns' must hold {X.shape[1]} names, got shape {cols.shape}")
        columns = cols.tolist()
    else:
        columns = [f"f{i}" for i in range(X.shape[1])]
    feature_set = None
    if "feature_set" in arrays:
        fs = arrays["feature_set"]
        if fs.ndim != 0 or fs.dtype.kind != "U":
            raise DatasetError(f"{p}: 'feature_set' must be a single text value")
        feature_set = str(fs) or None
    classes = sorted(set(y.tolist()))
    if len(classes) < 2:
        raise DatasetError(f"{p}: needs at least 2 classes, found {len(classes)}")
    failures = []
    for c in classes:
        if len(set(groups[y == c].tolist())) == 1:
            failures.append((str(p), f"warning: class {c!r} has a single clip"))
    return Dataset(X=X, y=y, groups=groups, classes=classes, columns=columns, sources=sources,
                   name=p.stem, feature_set=feature_set, failures=failures)


def save_npz(dataset: Dataset, path: str | os.PathLike) -> None:
    """Write a dataset that :func:`load_npz` reads back; atomic (temp file, then ``os.replace``)."""
    from ..persistence import atomic_write

    buf = io.BytesIO()
    extra = {"feature_set": np.array(dataset.feature_set)} if dataset.feature_set else {}
    np.savez_compressed(
        buf, X=np.asarray(dataset.X, dtype=np.float64), y=np.asarray(dataset.y),
        groups=np.asarray(dataset.groups, dtype=str), columns=np.array(dataset.columns, dtype=str),
        sources=np.array([str(s) for s in dataset.sources], dtype=str), **extra,
    )
    try:
        atomic_write(path, buf.getvalue())
    except OSError as exc:
        raise DatasetError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def _read_arrays(p: Path) -> dict[str, np.ndarray]:
    if not p.exists():
        raise DatasetError(f"{p}: no such file")
    if p.is_dir():
        raise DatasetError(f"{p}: is a folder, not an .npz file")
    return read_npz(p, DatasetError, not_what="not an .npz dataset")


def _row_array(p: Path, arrays: dict, key: str, n: int) -> np.ndarray:
    a = arrays[key]
    if a.ndim != 1 or a.shape[0] != n:
        raise DatasetError(f"{p}: '{key}' must have one entry per row of X ({n}), got shape {a.shape}")
    return a


def is_dataset_npz(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an ``.npz`` dataset (members ``X`` and ``y``, no model header).

    ``.npz`` is also the model-file format; this reads only the archive's member list, so the GUI can
    route a dropped file without loading it. Never raises: anything unreadable is not a dataset (and a
    damaged model file then gets the model loader's message).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except Exception:  # noqa: BLE001 - unreadable: not a dataset
        return False
    return {"X.npy", "y.npy"} <= names and "header.npy" not in names
