"""Keep the Qt event loop turning while a script waits (benchmarks, screenshots): the one helper for it."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QApplication


def process_events(seconds: float, until: Callable[[], object] | None = None, *,
                   interval: float = 0.001) -> bool:
    """Process Qt events for up to ``seconds``, stopping early once ``until()`` is true.

    Sleeps ``interval`` between passes so the waiting loop does not spin a core.
    Returns whether ``until`` became true (False when it was not given or the time ran out).
    """
    app = QApplication.instance()
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if app is not None:
            app.processEvents()
        if until is not None and until():
            return True
        time.sleep(interval)
    return False
