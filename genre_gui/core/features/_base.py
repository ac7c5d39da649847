"""The feature-set contract and the input validation every feature set shares."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..audio_io import resample
from ..errors import FeatureError

#: every feature set works at librosa's default rate, the rate the GTZAN table was computed at
FEATURE_SR = 22050


class FeatureSet(ABC):
    """A named, versioned mapping from mono samples to a fixed-length float64 vector.

    Attributes
    ----------
    name : str
        Key in ``FEATURE_SETS`` (and in the feature cache).
    version : int
        Bumped whenever the numbers change, so cached vectors of an older version are not reused.
    columns : list of str
        One name per output value, in order: the value's key in CSV files and datasets.
    column_labels : list of str
        What a person reads for each column (:func:`genre_gui.core.explain.feature_names`); the
        columns themselves unless a set's names mean nothing alone.
    min_samples : int
        Fewest samples (at ``sample_rate``) the set accepts.
    sample_rate : int
        Rate the features are computed at; other rates are resampled first.
    """

    name: str = ""
    #: what the UI lists: a display name and one sentence
    label: str = ""
    description: str = ""
    version: int = 1
    columns: list[str] = []
    min_samples: int = 2048
    sample_rate: int = FEATURE_SR

    @property
    def column_labels(self) -> list[str]:
        return list(self.columns)

    def extract(self, y: np.ndarray, sr: int) -> np.ndarray:
        """Compute the feature vector of mono samples ``y`` at ``sr`` Hz.

        Parameters
        ----------
        y : ndarray of shape (n,)
            Finite mono samples, computed in float32 like ``librosa.load`` returns them. Integer PCM
            (e.g. int16) is scaled to [-1, 1) first, as audio readers do.
        sr : int
            Their sample rate; resampled to ``sample_rate`` when different.

        Returns
        -------
        ndarray of shape (len(columns),), float64
            Always finite.

        Raises
        ------
        FeatureError
            If ``y`` is not 1-D, holds NaN/inf, or is shorter than ``min_samples`` (after resampling).
        """
        return self.extract_with_extras(y, sr)[0]

    def extract_with_extras(self, y: np.ndarray, sr: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Like :meth:`extract`, plus what the extractor learnt on the way that is not a feature.

        The musicnn set returns its 50 MSD tag probabilities here (``{"tags": ndarray (50,)}``), so a
        song's "sounds like" costs no second pass through the network; the others return ``{}``.
        """
        y = self._prepare(y, sr)
        vector, extras = self._compute_with_extras(y, self.sample_rate)
        out = np.asarray(vector, dtype=np.float64)
        if out.shape != (len(self.columns),):
            raise AssertionError(f"{self.name} produced shape {out.shape}, expected ({len(self.columns)},)")
        if not np.all(np.isfinite(out)):
            # The kernels guard every division; reaching this is a bug, but never hand NaN on.
            bad = [c for c, v in zip(self.columns, out) if not np.isfinite(v)]
            raise FeatureError(f"{self.name}: non-finite values in {', '.join(bad[:5])}")
        return out, extras

    def _prepare(self, y: np.ndarray, sr: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1:
            raise FeatureError(f"{self.name}: expected mono 1-D samples, got an array of shape {y.shape}")
        if not (np.issubdtype(y.dtype, np.floating) or np.issubdtype(y.dtype, np.integer)):
            raise FeatureError(f"{self.name}: samples must be numbers, got dtype {y.dtype}")
        try:
            sr_int = int(sr)
        except (TypeError, ValueError) as exc:
            raise FeatureError(f"{self.name}: sample rate must be a positive integer, got {sr!r}") from exc
        if sr_int <= 0 or sr_int != sr:
            raise FeatureError(f"{self.name}: sample rate must be a positive integer, got {sr!r}")
        if not np.all(np.isfinite(y)):
            raise FeatureError(f"{self.name}: the samples contain NaN or infinite values")
        y = _as_float32(y)
        if sr_int != self.sample_rate:
            if len(y) * self.sample_rate < self.min_samples * sr_int:
                raise FeatureError(self._too_short(len(y) * self.sample_rate // sr_int))
            y = resample(y, sr_int, self.sample_rate).astype(np.float32, copy=False)
        if len(y) < self.min_samples:
            raise FeatureError(self._too_short(len(y)))
        return y

    def _too_short(self, n: int) -> str:
        return (f"{self.name}: the audio is too short ({n} samples at {self.sample_rate} Hz); "
                f"it needs at least {self.min_samples} samples "
                f"({self.min_samples / self.sample_rate * 1000:.0f} ms)")

    @abstractmethod
    def _compute(self, y: np.ndarray, sr: int) -> np.ndarray:
        """Features of validated float32 samples at ``sr`` (== ``sample_rate``)."""

    def _compute_with_extras(self, y: np.ndarray, sr: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return self._compute(y, sr), {}

    def __repr__(self) -> str:
        return f"<FeatureSet {self.name} v{self.version}: {len(self.columns)} columns>"


def _as_float32(y: np.ndarray) -> np.ndarray:
    if np.issubdtype(y.dtype, np.floating):
        return y.astype(np.float32, copy=False)
    info = np.iinfo(y.dtype)
    half = (int(info.max) + 1) // 2 if info.min == 0 else -int(info.min)
    offset = half if info.min == 0 else 0  # unsigned PCM (8-bit WAV) is centred on half its range
    return ((y.astype(np.float64) - offset) / half).astype(np.float32)
