"""Dataset loaders: each returns a :class:`Dataset`; bad input raises :class:`DatasetError`.

:func:`load_dataset` picks the loader from the path: a folder (audio per class, or MNIST IDX files),
``.csv``/``.tsv`` (feature table), ``.npz``, or an IDX images file (``*-idx3-ubyte[.gz]``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from .base import Dataset
from .csv_table import clip_id, load_feature_csv, save_feature_csv
from .detect import DatasetSource, detect_dataset
from .folder import load_audio_folder, scan_audio_folder
from .npz import load_npz, save_npz

__all__ = [
    "Dataset", "DatasetError", "load_dataset", "load_feature_csv", "save_feature_csv", "load_audio_folder",
    "scan_audio_folder", "load_idx", "load_npz", "save_npz", "clip_id", "DatasetSource", "detect_dataset",
    "open_dataset",
]


def load_idx(images_path: str | os.PathLike, labels_path: str | os.PathLike) -> Dataset:
    """MNIST-style IDX images + labels (``.gz`` or raw); see :mod:`genre_gui.core.datasets.idx`."""
    from .idx import load_idx as _load_idx  # written alongside the models; imported when needed

    return _load_idx(images_path, labels_path)


def open_dataset(
    source: DatasetSource,
    *,
    feature_set: str | None = None,
    cache: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    n_jobs: int = 2,
    segment_seconds: float | None = None,
    scheduler: str | None = None,
    open_cache: Callable[[], Any] | None = None,
    table_feature_set: bool = True,
) -> Dataset:
    """Load what :func:`detect_dataset` found (the CLI, the loading worker and the window all do this).

    An IDX source with a training and a test pair (an MNIST folder) gives both, the official split in
    ``Dataset.split`` (``"train"``/``"test"`` per row), which the ``predefined`` protocol uses.

    Parameters
    ----------
    source : DatasetSource
        What :func:`detect_dataset` found.
    feature_set : str, optional
        For audio folders: the feature set to extract (default ``DEFAULT_FEATURE_SET``). For CSV: the
        feature set the columns must match (default: recognised automatically), unless
        ``table_feature_set`` is False.
    cache, progress, cancel, n_jobs, segment_seconds, scheduler
        For audio folders, see :func:`load_audio_folder` (``progress`` and ``cancel`` are only called
        there: the other loaders are single steps).
    open_cache : callable, optional
        Called (no arguments) for a feature cache when ``cache`` is None and the source is extracted
        (an audio folder that holds audio), so that loading a table or refusing a folder never creates
        the cache; the caller closes it (:class:`..cache.LazyCache` does both).
    table_feature_set : bool
        False: a table's feature set is always recognised from its columns (``feature_set`` is then only
        what audio folders are extracted with, as the window's feature-set choice is).

    Raises
    ------
    DatasetError
        Whatever the chosen loader rejects.
    """
    kind, paths = source.kind, source.paths
    if kind == "audio_folder":
        from ..features import DEFAULT_FEATURE_SET

        if cache is None and open_cache is not None:
            scan_audio_folder(paths[0])  # a folder without audio is refused before the cache is created
            cache = open_cache()
        return load_audio_folder(paths[0], feature_set or DEFAULT_FEATURE_SET, cache=cache, progress=progress,
                                 cancel=cancel, n_jobs=n_jobs, segment_seconds=segment_seconds,
                                 scheduler=scheduler)
    if kind == "csv":
        return load_feature_csv(paths[0], (feature_set if table_feature_set else None) or "auto")
    if kind == "npz":
        return load_npz(paths[0])
    if kind == "idx":
        train = load_idx(paths[0], paths[1])
        if len(paths) < 4:
            return train
        test = load_idx(paths[2], paths[3])
        both = train.concat(test, name=f"{Path(paths[0]).parent.name or 'IDX'} (train + test)")
        split = np.array(["train"] * len(train) + ["test"] * len(test))
        return dataclasses.replace(both, split=split, classes=sorted(both.classes))
    raise DatasetError(f"unknown dataset kind {kind!r}")


def load_dataset(
    path: str | os.PathLike,
    *,
    feature_set: str | None = None,
    cache: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    n_jobs: int = 2,
    segment_seconds: float | None = None,
    scheduler: str | None = None,
    open_cache: Callable[[], Any] | None = None,
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
    cache, progress, cancel, n_jobs, segment_seconds, scheduler, open_cache
        For audio folders, see :func:`open_dataset`.

    Raises
    ------
    DatasetError
        Missing path, unknown file type, or whatever the chosen loader rejects.
    """
    p = Path(path)
    if not p.exists():
        raise DatasetError(f"{p}: no such file or folder")
    source = detect_dataset([p])
    if source is None:
        if "idx" in p.name:
            other = "labels" if "idx3" in p.name else "images"
            raise DatasetError(f"{p}: no matching {other} file beside it")
        raise DatasetError(
            f"{p}: unknown dataset type '{p.suffix}'; expected a folder of audio, a .csv feature table, "
            "an .npz archive or MNIST IDX files"
        )
    return open_dataset(source, feature_set=feature_set, cache=cache, progress=progress, cancel=cancel,
                        n_jobs=n_jobs, segment_seconds=segment_seconds, scheduler=scheduler,
                        open_cache=open_cache)
