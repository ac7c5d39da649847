"""Draw a panel's plots only while it is on screen, one step per event-loop turn.

"On screen" means visible with a non-empty visible region: Qt keeps the docks of unselected tabs
"visible" but moves them off-screen, so the main window also forwards each dock's
``visibilityChanged`` (a tab selected) to :meth:`DrawWhenShown.visibility_changed`.

Results arrive while the user watches another tab: a model finishes while the Training panel is in
front. Building pyqtgraph plots in a hidden dock at that moment held the GUI thread for 50-80 ms (new
PlotItems, colour maps, auto-range), which is a visible stall of the live loss curves. So the newest
drawing steps wait for the panel's next Show event, a newer request replaces steps not yet run, and
each step runs in its own event-loop turn so input and timers get through in between.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class DrawWhenShown(QObject):
    """Runs drawing steps for ``widget`` when it is visible; see the module docstring."""

    def __init__(self, widget: QWidget) -> None:
        # the widget is reached through parent(), never stored: a Python reference back to it would make
        # widget <-> helper a reference cycle, and a window in a cycle is freed by the garbage collector
        # in whatever thread happens to run it; PySide then defers the C++ deletion to the GUI thread's
        # next Python call, which deadlocked against a worker's Qt lock in the tests
        super().__init__(widget)
        self._steps: list[Callable[[], None]] = []
        # a child timer, not QTimer.singleShot(callable): it dies with the panel, so no step can run
        # after the window is gone
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run_one)
        widget.installEventFilter(self)

    @property
    def pending(self) -> bool:
        """True while some requested drawing has not run yet."""
        return bool(self._steps)

    def request(self, *steps: Callable[[], None]) -> None:
        """Replace whatever drawing is still pending with ``steps`` (run in order)."""
        self._steps = list(steps)
        self._schedule()

    def flush(self) -> None:
        """Run every pending step now, visible or not (before exporting the plots, say)."""
        while self._steps:
            self._steps.pop(0)()

    def on_screen(self) -> bool:
        """True when some of the widget can be seen (not hidden, not an unselected dock tab)."""
        w = self.parent()
        return w is not None and w.isVisible() and not w.visibleRegion().isEmpty()

    def visibility_changed(self, visible: bool) -> None:
        """Slot for ``QDockWidget.visibilityChanged``: the dock's tab was selected or unselected."""
        if visible:
            self._schedule(check=False)  # the dock's geometry settles in this event-loop turn

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self._schedule(check=False)
        return False

    def _schedule(self, check: bool = True) -> None:
        if self._steps and not self._timer.isActive() and (not check or self.on_screen()):
            self._timer.start()

    def _run_one(self) -> None:
        if self._steps and self.on_screen():
            self._steps.pop(0)()
            self._schedule()
