"""The Qt user interface (PySide6 + pyqtgraph). Heavy work runs in :mod:`genre_gui.workers`."""

from . import qt_compat as _qt_compat

_qt_compat.apply()
