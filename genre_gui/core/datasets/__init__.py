"""Dataset loaders: each returns a :class:`Dataset`; bad input raises :class:`DatasetError`."""

from ..errors import DatasetError
from .base import Dataset

__all__ = ["Dataset", "DatasetError"]
