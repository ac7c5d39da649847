"""MNIST-style IDX files (gzip-compressed or raw) as a :class:`Dataset`."""

from __future__ import annotations

import gzip
import io
import math
import zlib
from os import PathLike
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .base import Dataset

# IDX element type code -> big-endian dtype (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT")
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
#: largest single item (one image) accepted; MNIST's are 784 bytes
#: largest IDX body read (MNIST's training images are 47 MB)
MAX_IDX_BYTES = 2 << 30
MAX_ITEM_BYTES = 256 * 1024**2


def read_idx(path: str | PathLike) -> np.ndarray:
    """Read one IDX file into an array of its declared shape and type.

    Parameters
    ----------
    path : str or PathLike
        An IDX file, raw or gzip-compressed (detected from its content, not its name).

    Returns
    -------
    ndarray
        Native-endian array of the shape in the file's header.

    Raises
    ------
    DatasetError
        When the file is missing or unreadable, the gzip stream is corrupt, the magic number is not
        IDX, or the body is shorter or longer than the header says; the message names the file.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_IDX_BYTES:
            raise DatasetError(f"{path}: larger than {MAX_IDX_BYTES >> 30} GB; not loaded")
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read IDX file ({exc.strerror or exc})") from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            # read at most the cap (+1 to notice more): a small gzip "bomb" must not fill the memory
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(MAX_IDX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise DatasetError(f"{path}: corrupt or truncated gzip data ({exc})") from None
        if len(raw) > MAX_IDX_BYTES:
            raise DatasetError(f"{path}: decompresses to more than {MAX_IDX_BYTES >> 30} GB; not loaded")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise DatasetError(f"{path}: not an IDX file (wrong magic number {raw[:4].hex() or 'none'})")
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    # Python ints: np.prod in int64 wraps for headers like 4 x 65536 (2**64 -> 0 bytes "expected")
    expected = math.prod(shape) * dtype.itemsize
    body = len(raw) - header
    if body < expected:
        raise DatasetError(f"{path}: truncated IDX body ({body} bytes, the header {shape} needs {expected})")
    if body > expected:
        raise DatasetError(f"{path}: {body - expected} unexpected bytes after the IDX data of shape {shape}")
    # numpy refuses shapes whose non-zero dimensions multiply past 2**63, e.g. (0, 0, 2**32-1, 2**32-1)
    per_item = math.prod(max(d, 1) for d in shape[1:]) * dtype.itemsize
    if per_item > MAX_ITEM_BYTES or per_item * max(shape[0], 1) >= 2**62:
        raise DatasetError(f"{path}: implausible IDX shape {shape} (over {MAX_ITEM_BYTES >> 20} MB per item)")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_idx(images_path: str | PathLike, labels_path: str | PathLike, *, name: str | None = None) -> Dataset:
    """Load an IDX image file and its IDX label file (MNIST layout).

    Parameters
    ----------
    images_path : str or PathLike
        IDX file of shape (n, rows, cols) (or (n, features)), e.g. ``train-images-idx3-ubyte.gz``.
    labels_path : str or PathLike
        IDX file of shape (n,) holding integer labels.
    name : str, optional
        Dataset name shown in the UI (default: the images file name).

    Returns
    -------
    Dataset
        ``X`` float64 of shape (n, rows * cols) with the raw pixel values (0..255 for MNIST; scale
        them yourself, e.g. ``X / 255``), ``y`` int64 labels, one group per image
        (``"<file>#<index>"``), columns ``"px<row>_<col>"``.

    Raises
    ------
    DatasetError
        On unreadable or malformed files, non-integer or non-1-D labels, image and label counts that
        differ, or fewer than 2 classes.
    """
    images_path, labels_path = Path(images_path), Path(labels_path)
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2:
        raise DatasetError(f"{images_path}: IDX images need 2 or more dimensions, not shape {images.shape}")
    if labels.ndim != 1:
        raise DatasetError(f"{labels_path}: IDX labels must be 1-D, got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise DatasetError(f"{labels_path}: IDX labels must be integers, got {labels.dtype}")
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(
            f"{images_path} has {images.shape[0]} images but {labels_path} has {labels.shape[0]} labels"
        )
    n = images.shape[0]
    y = labels.astype(np.int64)
    classes = sorted(int(c) for c in np.unique(y))
    if len(classes) < 2:
        raise DatasetError(f"{labels_path}: need at least 2 classes, found {classes}")
    X = images.reshape(n, -1).astype(np.float64)
    if not np.isfinite(X).all():
        raise DatasetError(f"{images_path}: {int(np.count_nonzero(~np.isfinite(X)))} NaN or infinite values")
    if images.ndim == 3:
        rows, cols = images.shape[1:]
        columns = [f"px{r}_{c}" for r in range(rows) for c in range(cols)]
    else:
        columns = [f"f{i}" for i in range(X.shape[1])]
    stem = images_path.name
    ids = [f"{stem}#{i}" for i in range(n)]
    return Dataset(
        X=X, y=y, groups=np.array(ids), classes=classes, columns=columns, sources=ids,
        name=name or stem, feature_set=None,
    )
