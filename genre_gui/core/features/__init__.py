"""Feature sets: named, versioned extractors from mono samples to fixed-length vectors.

``FEATURE_SETS`` maps each name to an instance with ``name``, ``version``, ``columns``, ``min_samples``
and ``extract(y, sr) -> ndarray``:

- ``fft1000``: first 1000 FFT magnitudes of the clip (the BMLSwP ch. 9 seed experiment);
- ``mfcc13``: 13 MFCCs averaged over the middle 80 % of frames (the book's "ceps");
- ``gtzan57``: the 57 columns of the published GTZAN feature table, computed as librosa 0.11 does;
- ``musicnn``: the pre-trained MSD_musicnn network's embedding (1506 values), computed in NumPy.
"""

from __future__ import annotations

from ..errors import FeatureError
from ._base import FEATURE_SR, FeatureSet
from .fft1000 import Fft1000
from .gtzan57 import Gtzan57
from .mfcc13 import Mfcc13
from .musicnn import Musicnn

__all__ = ["FEATURE_SETS", "FEATURE_SR", "FeatureSet", "FeatureError", "get_feature_set"]

FEATURE_SETS: dict[str, FeatureSet] = {fs.name: fs for fs in (Fft1000(), Mfcc13(), Gtzan57(), Musicnn())}


def get_feature_set(name: str) -> FeatureSet:
    """Return the feature set called ``name``.

    Raises
    ------
    FeatureError
        If no feature set has that name (the message lists the known ones).
    """
    try:
        return FEATURE_SETS[name]
    except (KeyError, TypeError):
        raise FeatureError(
            f"unknown feature set {name!r}; choose one of {', '.join(sorted(FEATURE_SETS))}"
        ) from None
