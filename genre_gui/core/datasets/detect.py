"""Which kind of dataset some paths are: the one routing rule for the CLI, the loading worker and the window.

A folder holding MNIST-style IDX files is IDX data (both the training and the test pair when present:
MNIST's official split); any other folder is audio (``<genre>/<files>``); ``.csv``/``.tsv``/``.txt`` is a
feature table, ``.npz`` a dataset archive; IDX files given one by one are paired by name. Anything else is
not a dataset (the window then tries models and audio files).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class DatasetSource:
    """A dataset's kind (``"audio_folder"``, ``"csv"``, ``"idx"``, ``"npz"``) and its path(s).

    ``idx`` has (images, labels) or (train images, train labels, test images, test labels).
    """

    kind: str
    paths: tuple[str, ...]


def _listable(folder: Path) -> bool:
    try:
        os.listdir(folder)
        return True
    except OSError:
        return False


def _is_images(name: str) -> bool:
    return "idx3" in name or "images" in name


def _is_labels(name: str) -> bool:
    return "idx1" in name or "labels" in name


def _sibling(path: str, images: bool) -> str | None:
    """The labels file beside an images file (or the other way round), when it exists."""
    a, b = ("images-idx3", "labels-idx1") if images else ("labels-idx1", "images-idx3")
    c, d = ("images.idx3", "labels.idx1") if images else ("labels.idx1", "images.idx3")
    guess = path.replace(a, b).replace(c, d)
    return guess if guess != path and os.path.exists(guess) else None


def idx_pairs(names: Sequence[str]) -> list[tuple[str, str]]:
    """(images, labels) pairs among IDX file names, training pair first; a lone file finds its sibling."""
    images = sorted({n for n in names if _is_images(Path(n).name)} |
                    {s for n in names if _is_labels(Path(n).name) for s in [_sibling(n, False)] if s})
    pairs = []
    for img in images:
        lab = next((n for n in names if _is_labels(Path(n).name) and _prefix(n) == _prefix(img)), None)
        lab = lab or _sibling(img, True)
        if lab is not None:
            pairs.append((img, lab))
    pairs.sort(key=lambda p: ("train" not in Path(p[0]).name, p[0]))
    return pairs


def _prefix(path: str) -> str:
    """``train`` of ``train-images-idx3-ubyte.gz`` (what pairs an images file with its labels)."""
    name = Path(path).name
    for marker in ("-images", "-labels", ".images", ".labels", "images", "labels"):
        if marker in name:
            return str(Path(path).parent / name.split(marker, 1)[0])
    return str(Path(path).parent / name)


def detect_dataset(paths: Sequence[str | os.PathLike]) -> DatasetSource | None:
    """The dataset ``paths`` describe, or None when they are not one (audio files, a model, ...)."""
    names = [str(p) for p in paths if str(p)]
    if not names:
        return None
    first = Path(names[0])
    if first.is_dir():
        idx = []
        if _listable(first):
            idx = sorted(str(p) for p in first.iterdir() if "idx" in p.name and p.is_file())
        pairs = idx_pairs(idx)
        if pairs:
            train = pairs[0]
            test = next((p for p in pairs[1:] if any(w in Path(p[0]).name for w in ("t10k", "test"))), None)
            return DatasetSource("idx", train + (test or ()))
        return DatasetSource("audio_folder", (str(first),))
    if any("idx" in Path(n).name for n in names):
        pairs = idx_pairs(names)
        if pairs:
            return DatasetSource("idx", pairs[0])
    suffix = first.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return DatasetSource("csv", (str(first),))
    if suffix == ".npz":
        return DatasetSource("npz", (str(first),))
    return None
