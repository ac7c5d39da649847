"""Audio datasets laid out as one folder per class (``<label>/<files>``), GTZAN's ``genres/<genre>/`` too.

Files are scanned without following symlink loops and with a cap on the number of entries, so a
dropped folder can never hang the scan; unreadable files become ``Dataset.failures``, never errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..audio_io import AUDIO_EXTENSIONS
from ..errors import DatasetError
from .base import Dataset

__all__ = ["load_audio_folder", "scan_audio_folder", "MAX_ENTRIES"]

#: stop scanning after this many directory entries (files + folders) in total
MAX_ENTRIES = 200_000
#: folders deeper than this below a class folder are ignored
MAX_DEPTH = 8


def scan_audio_folder(root: str | os.PathLike) -> tuple[Path, dict[str, list[Path]], list[tuple[str, str]]]:
    """Find the class folders and their audio files.

    Parameters
    ----------
    root : path-like
        A folder whose sub-folders are classes, or a folder holding ``genres/`` (GTZAN's layout).

    Returns
    -------
    base : Path
        The folder whose sub-folders are the classes (``root`` or ``root/genres``).
    files : dict label -> sorted list of audio file paths
        Only classes with at least one audio file.
    notes : list of (path, reason)
        Skipped things worth telling the user: empty class folders, loops, the entry cap.

    Raises
    ------
    DatasetError
        Missing or unreadable root, no class folders, no audio files at all.
    """
    root = Path(root)
    if not root.exists():
        raise DatasetError(f"{root}: no such folder")
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    base = root
    genres = root / "genres"
    if genres.is_dir() and not _has_audio_directly(root):
        base = genres  # GTZAN: genres/<genre>/<genre>.NNNNN.au
    try:
        with os.scandir(base) as it:
            subdirs = [e for e in it if not e.name.startswith(".") and _is_dir(e)]
    except OSError as exc:
        raise DatasetError(f"{base}: cannot list the folder ({exc.strerror or exc})") from exc
    subdirs = sorted(subdirs, key=lambda e: e.name)
    if not subdirs:
        hint = " (it holds audio files directly: put them in one sub-folder per class)" \
            if _has_audio_directly(base) else ""
        raise DatasetError(f"{base}: no class folders found; expected <label>/<audio files>{hint}")
    budget = [MAX_ENTRIES]
    files: dict[str, list[Path]] = {}
    notes: list[tuple[str, str]] = []
    # every folder is visited once across all classes; the root and the class folders count as visited
    # so a link back up (to the root or another class) is a loop, not a second copy of those files
    seen = {_key(base)} | {_key(Path(e.path)) for e in subdirs}
    for entry in subdirs:
        found = _walk(Path(entry.path), budget, notes, seen)
        if found:
            files[entry.name] = sorted(found)
        else:
            notes.append((entry.path, f"warning: class folder '{entry.name}' has no audio files; skipped"))
        if budget[0] <= 0:
            notes.append((str(base), f"warning: stopped scanning after {MAX_ENTRIES} entries"))
            break
    if not files:
        exts = ", ".join(AUDIO_EXTENSIONS)
        raise DatasetError(f"{base}: no audio files found in the class folders (looked for {exts})")
    return base, files, notes


def load_audio_folder(
    root: str | os.PathLike,
    feature_set: str = "gtzan57",
    *,
    cache: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    n_jobs: int = 2,
    segment_seconds: float | None = None,
    scheduler: str | None = None,
) -> Dataset:
    """Extract a labelled dataset from a folder-per-class audio tree.

    Parameters
    ----------
    root : path-like
        See :func:`scan_audio_folder`.
    feature_set : str
        Name in ``FEATURE_SETS``.
    cache, progress, cancel, n_jobs, scheduler
        Passed to :func:`genre_gui.core.batch.extract_batch` (``scheduler``: a Dask cluster).
    segment_seconds : float, optional
        Segment mode: every full segment of this length is a row; rows of one file share a group.

    Returns
    -------
    Dataset
        ``groups`` are clip ids (file names without extension, e.g. ``blues.00000``; the relative path
        when names repeat across classes). ``failures`` lists unreadable files with the reason, empty
        class folders and classes with a single clip.

    Raises
    ------
    DatasetError
        No class folders or audio files, fewer than 2 usable classes, every file failing.
    ExtractionCancelled
        When ``cancel()`` returned True.
    """
    from ..batch import extract_batch
    from ..features import get_feature_set

    fs = get_feature_set(feature_set)
    base, files, notes = scan_audio_folder(root)
    paths = [p for label in files for p in files[label]]
    label_of = {str(p): label for label in files for p in files[label]}
    X, ok_paths, failures = extract_batch(paths, fs.name, cache=cache, progress=progress, cancel=cancel,
                                          n_jobs=n_jobs, segment_seconds=segment_seconds,
                                          scheduler=scheduler)
    if not ok_paths:
        first = "; ".join(reason for _, reason in failures[:3])
        raise DatasetError(f"{base}: none of the {len(paths)} audio files could be used ({first})")
    y = np.array([label_of[p] for p in ok_paths], dtype=str)
    stems = {str(p): Path(p).stem for p in paths}
    if len(set(stems.values())) != len(stems):
        stems = {str(p): str(Path(p).relative_to(base).with_suffix("")) for p in paths}
    groups = np.array([stems[p] for p in ok_paths], dtype=str)
    classes = sorted(set(y.tolist()))
    all_notes = notes + list(failures)
    if len(classes) < 2:
        only = classes[0]
        raise DatasetError(f"{base}: needs at least 2 classes with usable audio, found only '{only}'")
    for c in classes:
        n_clips = len(set(groups[y == c].tolist()))
        if n_clips == 1:
            all_notes.append((str(base / c), f"warning: class '{c}' has a single clip; cross-validation "
                                             "cannot test it in every fold"))
    return Dataset(X=X, y=y, groups=groups, classes=classes, columns=list(fs.columns), sources=list(ok_paths),
                   name=Path(root).name, feature_set=fs.name, failures=all_notes)


# -- scanning helpers ---------------------------------------------------------------------------------
def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows a symlinked class folder; loops are caught in _walk
    except OSError:
        return False


def _has_audio_directly(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            for i, e in enumerate(it):
                if i > 10_000:
                    return False
                if e.name.lower().endswith(AUDIO_EXTENSIONS):
                    return True
    except OSError:
        return False
    return False


def _key(folder: Path) -> tuple[int, int]:
    try:
        st = folder.stat()
    except OSError:
        return (-1, id(folder))
    return (st.st_dev, st.st_ino)


def _walk(top: Path, budget: list[int], notes: list[tuple[str, str]], seen: set) -> list[Path]:
    """Audio files under ``top`` (recursively), visiting each real folder once."""
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(top, 0)]
    while stack and budget[0] > 0:
        folder, depth = stack.pop()
        if depth > 0:
            try:
                st = folder.stat()
            except OSError as exc:
                notes.append((str(folder), f"cannot open the folder ({exc.strerror or exc})"))
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                notes.append((str(folder), "warning: skipped a folder reached twice (a symlink loop)"))
                continue
            seen.add(key)
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            notes.append((str(folder), f"cannot list the folder ({exc.strerror or exc})"))
            continue
        for e in sorted(entries, key=lambda e: e.name):
            budget[0] -= 1
            if budget[0] <= 0:
                break
            if e.name.startswith("."):
                continue
            if _is_dir(e):
                if depth < MAX_DEPTH:
                    stack.append((Path(e.path), depth + 1))
            elif e.name.lower().endswith(AUDIO_EXTENSIONS):
                found.append(Path(e.path))
    return found
