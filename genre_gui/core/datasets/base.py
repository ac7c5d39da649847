"""The labelled-dataset container every loader returns and every evaluator consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    """A labelled feature matrix.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,)
        Labels (str for genre data, int for MNIST).
    groups : ndarray of shape (n_samples,), str
        Clip id of each row; rows of one clip (segments) never straddle train and test.
    classes : list
        Sorted distinct labels.
    columns : list of str
        Feature names, ``len(columns) == X.shape[1]``.
    sources : list of str
        Where each row came from (file path or CSV file name), for the UI's "which clips were confused".
    name : str
        Human-readable name shown in the UI.
    feature_set : str or None
        Name of the feature set that produced ``X`` (``"gtzan57"`` for the GTZAN table), if known.
    failures : list of (str, str)
        Files that could not be used, with the reason; never fatal.
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    classes: list
    columns: list[str]
    sources: list[str]
    name: str = "dataset"
    feature_set: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: the dataset's own split, ``"train"``/``"test"`` per row (MNIST's official one), or None
    split: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @property
    def row_word(self) -> str:
        """What the groups of rows are called: "clip" of music (audio features), else "sample" (MNIST
        digits, a custom table). Protocol descriptions and the panels say it."""
        return "clip" if self.feature_set else "sample"

    def subset(self, mask_or_index: np.ndarray) -> Dataset:
        """Rows selected by a boolean mask or an index array, same classes and columns."""
        idx = np.asarray(mask_or_index)
        return Dataset(
            X=self.X[idx], y=self.y[idx], groups=self.groups[idx], classes=list(self.classes),
            columns=list(self.columns), sources=[self.sources[i] for i in np.arange(len(self))[idx]],
            name=self.name, feature_set=self.feature_set, failures=list(self.failures),
            split=None if self.split is None else self.split[idx],
        )

    def concat(self, other: Dataset, name: str | None = None) -> Dataset:
        """This dataset's rows followed by ``other``'s (same columns); classes are the sorted union.

        Raises
        ------
        ValueError
            When the columns differ, or a clip id occurs in both (their rows would become one group).
        """
        if list(other.columns) != list(self.columns):
            raise ValueError("cannot join datasets with different columns")
        if set(self.groups.tolist()) & set(other.groups.tolist()):
            raise ValueError("the datasets share clip ids")
        y = np.concatenate([self.y.astype(object), other.y.astype(object)])
        return Dataset(
            X=np.vstack([self.X, other.X]), y=np.array(y.tolist()),
            groups=np.concatenate([self.groups.astype(str), other.groups.astype(str)]),
            classes=sorted(set(self.classes) | set(other.classes)), columns=list(self.columns),
            sources=list(self.sources) + list(other.sources), name=name or f"{self.name} + {other.name}",
            feature_set=self.feature_set, failures=list(self.failures) + list(other.failures),
            split=None if self.split is None or other.split is None
            else np.concatenate([self.split, other.split]),
        )
