"""Typed errors of the core. Every one carries a message fit to show a user as is."""


class GenreGuiError(Exception):
    """Base of every error the core raises on bad input; the CLI maps it to exit code 2."""


class AudioError(GenreGuiError):
    """An audio file could not be read or is unusable (the message names the file and the reason)."""


class FeatureError(GenreGuiError):
    """Samples are unusable for a feature set (too short, non-finite, wrong shape)."""


class DatasetError(GenreGuiError):
    """A dataset (folder, CSV, IDX, NPZ) is malformed or unusable."""


class ModelFileError(GenreGuiError):
    """A model file is missing, truncated, tampered with, foreign or of an unsupported version."""


class CacheError(GenreGuiError):
    """The feature cache could not be used (the caller falls back to no cache)."""
