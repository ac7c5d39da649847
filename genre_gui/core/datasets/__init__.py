"""Dataset loaders: each returns a :class:`Dataset`; bad input raises :class:`DatasetError`.

:func:`load_dataset` picks the loader from the path: a folder (audio per class, or MNIST IDX files),
``.csv``/``.tsv`` (feature table), ``.npz``, or an IDX images file (``*-idx3-ubyte[.gz]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import DatasetError
from .base import Dataset
from .csv_table import clip_id, load_feature_csv, save_feature_csv
from .folder import load_audio_folder, scan_audio_folder
from .npz import load_npz, save_npz

__all__ = [
    "Dataset", "DatasetError", "load_dataset", "load_feature_csv", "save_feature_csv", "load_audio_folder",
    "scan_audio_folder", "load_idx", "load_npz", "save_npz", "clip_id", "find_idx_pair",
]


def load_idx(images_path: str | os.PathLike, labels_path: str | os.PathLike) -> Dataset:
    """MNIST-style IDX images + labels (``.gz`` or raw); see :mod:`genre_gui.core.datasets.idx`."""
    from .idx import load_idx as _load_idx  # written alongside the models; imported when needed

    return _load_idx(images_path, labels_path)


def find_idx_pair(path: str | os.PathLike) -> tuple[Path, Path] | None:
    """The (images, labels) IDX files for ``path``: an images file, or a folder holding a training pair.

    Returns None when ``path`` is not IDX data.
    """
    p = Path(path)
    if p.is_file():
        name = p.name
        if "idx3-ubyte" in name:
            base = name.replace("images", "labels").replace("idx3-ubyte", "idx1-ubyte")
            labels = p.with_name(base)
            if not labels.exists():
                raise DatasetError(f"{p}: no matching labels file {labels.name} beside it")
            return p, labels
        return None
    if p.is_dir():
        for prefix in ("train", "t10k"):
            for suffix in ("", ".gz"):
                img = p / f"{prefix}-images-idx3-ubyte{suffix}"
                lab = p / f"{prefix}-labels-idx1-ubyte{suffix}"
                if img.exists() and lab.exists():
                    return img, lab
    return None


def load_dataset(
    path: str | os.PathLike,
    *,
    feature_set: str | None = None,
    cache: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    n_jobs: int = 2,
    segment_seconds: float | None = None,
) -> Dataset:
    """Load any supported dataset, choosing the loader from the path.

    Parameters
    ----------
    path : path-like
        Audio folder (``<label>/<files>`` or GTZAN's ``genres/``), a folder with MNIST IDX files, a
        feature table ``.csv``/``.tsv``/``.txt``, an ``.npz`` archive, or an IDX images file.
    feature_set : str, optional
        For audio folders: the feature set to extract (default ``gtzan57``). For CSV: a feature set the
        columns must match (default: recognised automatically).
    cache, progress, cancel, n_jobs, segment_seconds
        For audio folders, see :func:`load_audio_folder`.

    Raises
    ------
    DatasetError
        Missing path, unknown file type, or whatever the chosen loader rejects.
    """
    p = Path(path)
    if not p.exists():
        raise DatasetError(f"{p}: no such file or folder")
    idx = find_idx_pair(p)
    if idx is not None:
        return load_idx(*idx)
    if p.is_dir():
        return load_audio_folder(p, feature_set or "gtzan57", cache=cache, progress=progress, cancel=cancel,
                                 n_jobs=n_jobs, segment_seconds=segment_seconds)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return load_feature_csv(p, feature_set or "auto")
    if suffix == ".npz":
        return load_npz(p)
    raise DatasetError(
        f"{p}: unknown dataset type '{p.suffix}'; expected a folder of audio, a .csv feature table, "
        "an .npz archive or MNIST IDX files"
    )
