"""genre_gui: learn, compare and use music genre classifiers on real music, live."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("genre-gui")
except _metadata.PackageNotFoundError:  # running from a source tree or a frozen bundle
    __version__ = "0.1.0"
