"""The Qt user interface (PySide6 + pyqtgraph). Heavy work runs in :mod:`genre_gui.workers`."""
