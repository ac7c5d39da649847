"""process_events: turns the Qt event loop while a script waits, and says whether the wait succeeded."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from genre_gui.ui.event_loop import process_events


def test_stops_when_the_condition_holds_and_delivers_events(qtbot):
    fired = []
    QTimer.singleShot(50, lambda: fired.append(True))  # only a turning event loop delivers this
    t0 = time.monotonic()
    assert process_events(10.0, until=lambda: bool(fired)) is True
    assert time.monotonic() - t0 < 5.0


def test_reports_a_timeout(qtbot):
    t0 = time.monotonic()
    assert process_events(0.2, until=lambda: False) is False
    assert process_events(0.05) is False
    assert time.monotonic() - t0 >= 0.2
