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

__all__ = ["DEFAULT_FEATURE_SET", "FEATURE_SETS", "FEATURE_SR", "FeatureSet", "FeatureError",
           "get_feature_set", "register_feature_set", "unregister_feature_set"]

#: name -> feature set, in the order the UI lists them (each carries its label and description)
FEATURE_SETS: dict[str, FeatureSet] = {}
#: what audio folders are extracted with unless a person picks another set
DEFAULT_FEATURE_SET = "gtzan57"


def register_feature_set(fs: FeatureSet) -> FeatureSet:
    """Add a feature set to :data:`FEATURE_SETS` (the Library panel, the CLI and model files read it).

    A set used by batch extraction must also be registered in the worker processes, i.e. at import of
    the module that defines it.

    Raises
    ------
    ValueError
        When another set has that name, or the set has no name or no columns.
    """
    if not fs.name or not fs.columns:
        raise ValueError(f"a feature set needs a name and columns, got {fs.name!r} with {len(fs.columns)}")
    if FEATURE_SETS.get(fs.name, fs) is not fs:
        raise ValueError(f"a feature set named {fs.name!r} is already registered")
    FEATURE_SETS[fs.name] = fs
    return fs


def unregister_feature_set(name: str) -> None:
    """Remove a feature set (plugins and tests)."""
    FEATURE_SETS.pop(name, None)


for _fs in (Musicnn(), Gtzan57(), Mfcc13(), Fft1000()):
    register_feature_set(_fs)


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
