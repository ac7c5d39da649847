"""Train/test splits that never put rows of one clip on both sides.

Every split works on *groups* (clip ids): a clip cut into 3-second segments contributes all its
segments to the same side. Stratification balances the classes by counting clips, not rows.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

#: GTZAN-style clip id: ``<genre>.<number>`` optionally followed by a segment number and extension
GTZAN_ID = re.compile(r"^(?P<genre>[^./\\]+)\.(?P<number>\d+)")

Split = tuple[np.ndarray, np.ndarray]


def _labels_and_groups(dataset_or_y: Any, groups: Any = None) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(dataset_or_y, "y") and hasattr(dataset_or_y, "groups"):
        y, g = np.asarray(dataset_or_y.y), np.asarray(dataset_or_y.groups)
    else:
        y = np.asarray(dataset_or_y)
        g = np.arange(y.shape[0]) if groups is None else np.asarray(groups)
    if y.ndim != 1 or g.shape != y.shape:
        raise ValueError(f"y and groups must be 1-D of the same length, got {y.shape} and {g.shape}")
    if y.shape[0] == 0:
        raise ValueError("cannot split an empty dataset")
    return y, g


def _group_table(y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct groups, the label of each, and the group index of every row."""
    uniq, first, row_group = np.unique(groups, return_index=True, return_inverse=True)
    row_group = row_group.reshape(-1)
    labels = y[first]
    mixed = labels[row_group] != y
    if np.any(mixed):
        bad = uniq[row_group[np.flatnonzero(mixed)[0]]]
        raise ValueError(f"clip {str(bad)!r} has rows with different labels; a clip must have one label")
    return uniq, labels, row_group


def _rows_of(group_mask: np.ndarray, row_group: np.ndarray) -> np.ndarray:
    return np.flatnonzero(group_mask[row_group])


def holdout_split(
    dataset_or_y: Any, groups: Any = None, test_size: float = 0.2, random_state: int | None = None
) -> Split:
    """Stratified, grouped hold-out split.

    Parameters
    ----------
    dataset_or_y : Dataset or array-like of labels
    groups : array-like, optional
        Clip id of each row (taken from the dataset when one is given; default: one row per clip).
    test_size : float
        Share of each class's clips that go to the test side (at least one clip per class that has
        two or more; a class with a single clip stays in training).
    random_state : int or None

    Returns
    -------
    train_idx, test_idx : ndarray
        Sorted row indices.
    """
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")
    y, g = _labels_and_groups(dataset_or_y, groups)
    uniq, labels, row_group = _group_table(y, g)
    rng = np.random.default_rng(random_state)
    is_test = np.zeros(uniq.shape[0], dtype=bool)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if members.shape[0] < 2:
            continue
        n_test = min(members.shape[0] - 1, max(1, int(round(test_size * members.shape[0]))))
        is_test[rng.permutation(members)[:n_test]] = True
    return _rows_of(~is_test, row_group), _rows_of(is_test, row_group)


def stratified_group_kfold(
    y: Any, groups: Any = None, n_splits: int = 10, random_state: int | None = None, shuffle: bool = True
) -> list[Split]:
    """Stratified k-fold over clips: every fold gets about 1/k of each class's clips.

    Clips of each class are (optionally) shuffled and dealt to the folds in turn, continuing where
    the previous class stopped, so fold sizes differ by at most one clip.

    Parameters
    ----------
    y : Dataset or array-like of labels
    groups : array-like, optional
        Clip id of each row (default: one row per clip; taken from a Dataset).
    n_splits : int
        Number of folds, 2 .. number of clips.
    random_state : int or None
    shuffle : bool
        Shuffle the clips of each class before dealing them (otherwise: sorted clip ids).

    Returns
    -------
    list of (train_idx, test_idx)
    """
    y, g = _labels_and_groups(y, groups)
    uniq, labels, row_group = _group_table(y, g)
    n_splits = int(n_splits)
    if not 2 <= n_splits <= uniq.shape[0]:
        raise ValueError(f"n_splits must be between 2 and the {uniq.shape[0]} clips, got {n_splits}")
    rng = np.random.default_rng(random_state)
    fold_of = np.empty(uniq.shape[0], dtype=np.intp)
    dealt = 0
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if shuffle:
            members = rng.permutation(members)
        fold_of[members] = (dealt + np.arange(members.shape[0])) % n_splits
        dealt += members.shape[0]
    return [(_rows_of(fold_of != f, row_group), _rows_of(fold_of == f, row_group)) for f in range(n_splits)]


def parse_clip_ids(ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split GTZAN-style ids (``"blues.00042"``, ``"blues.00042.wav"``, ``"blues.00042.3.wav"``).

    Returns
    -------
    genres : ndarray of str
    numbers : ndarray of int

    Raises
    ------
    ValueError
        Naming up to three ids that are not of that form.
    """
    names = [str(i).replace("\\", "/").rsplit("/", 1)[-1] for i in np.asarray(ids).tolist()]
    matches = [GTZAN_ID.match(n) for n in names]
    bad = [n for n, m in zip(names, matches) if m is None]
    if bad:
        raise ValueError(
            f"{len(bad)} id(s) are not GTZAN-style '<genre>.<number>' (e.g. {bad[:3]}); "
            "blocked folds need such ids"
        )
    genres = np.array([m.group("genre") for m in matches])
    numbers = np.array([int(m.group("number")) for m in matches], dtype=np.int64)
    return genres, numbers


def blocked_kfold(
    groups_or_ids: Any, y: Any = None, n_splits: int = 10, random_state: int | None = None
) -> list[Split]:
    """k-fold by contiguous blocks of clip numbers within each genre (an artist filter for GTZAN).

    Fold f holds, in every genre, the f-th of ``n_splits`` contiguous blocks of that genre's sorted
    clip numbers (``blues.00000-00009`` in fold 0 of 10 when blues has 100 clips). Neighbouring
    GTZAN clips often share an artist, so this keeps most artists on one side of the split.

    Parameters
    ----------
    groups_or_ids : Dataset or array-like of str
        GTZAN-style clip ids per row (a Dataset's ``groups``).
    y : array-like, optional
        Labels; when given they define the genre blocks, otherwise the id prefix does.
    n_splits : int
    random_state : int or None
        None: block f of every genre goes to fold f. An integer shuffles, per genre, which block goes to
        which fold, so a repeat of blocked k-fold pairs other blocks of the genres in its test folds
        (every clip is still tested once per repeat, and the blocks themselves do not change).

    Returns
    -------
    list of (train_idx, test_idx)
    """
    if hasattr(groups_or_ids, "groups"):
        if y is None:
            y = groups_or_ids.y
        groups_or_ids = groups_or_ids.groups
    genres, numbers = parse_clip_ids(groups_or_ids)
    strata = genres if y is None else np.asarray(y)
    if strata.shape != numbers.shape:
        raise ValueError(f"ids and y must have the same length, got {numbers.shape[0]} and {strata.shape[0]}")
    n_splits = int(n_splits)
    if n_splits < 2:
        raise ValueError(f"n_splits must be >= 2, got {n_splits}")
    fold_of = np.empty(numbers.shape[0], dtype=np.intp)
    rng = None if random_state is None else np.random.default_rng(random_state)
    for s in np.unique(strata):
        rows = np.flatnonzero(strata == s)
        clips = np.unique(numbers[rows])
        if clips.shape[0] < n_splits:
            raise ValueError(f"class {str(s)!r} has {clips.shape[0]} clips, fewer than the {n_splits} folds")
        fold_of_block = np.arange(n_splits) if rng is None else rng.permutation(n_splits)
        block_of_clip = np.empty(clips.shape[0], dtype=np.intp)
        for f, block in enumerate(np.array_split(np.arange(clips.shape[0]), n_splits)):
            block_of_clip[block] = fold_of_block[f]
        fold_of[rows] = block_of_clip[np.searchsorted(clips, numbers[rows])]
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(n_splits)]
