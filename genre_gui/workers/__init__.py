"""Workers: the only place that creates QThreads (one long job per QObject moved to its own thread)."""

from ..ui import qt_compat as _qt_compat

_qt_compat.apply()
