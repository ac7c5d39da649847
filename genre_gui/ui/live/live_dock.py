"""What the Live dock shows: a placeholder, then the live panel once its module is imported in a worker
(it pulls in SciPy and PortAudio, which must not delay the window). A missing or broken module, or a
panel that cannot be built, leaves the reason on the placeholder and never stops the app."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QLabel

log = logging.getLogger(__name__)

LIVE_MODULE = "genre_gui.ui.live.live_panel"


class LiveDock(QObject):
    """Signals: ``ready(LivePanel)`` (built and bound to ``state``), ``unavailable(str)`` (why not)."""

    ready = Signal(object)
    unavailable = Signal(str)

    def __init__(self, jobs: Any, state: Any, settings: QSettings | None, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs, self.state, self.settings = jobs, state, settings
        self.panel: Any = None
        self.placeholder = QLabel("Starting live audio…")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._closed = False

    def start(self) -> None:
        """Import the live panel's module in a worker (JobController's registry joins it on close)."""
        from ...workers.imports import ImportWorker

        worker = ImportWorker(LIVE_MODULE)
        worker.finished.connect(self._install)
        worker.failed.connect(self._unavailable)
        self.jobs.registry.start(worker, "import-live")

    def _install(self, module) -> None:
        if self._closed:
            return
        panel = None
        try:
            panel = module.LivePanel(parent=None, settings=self.settings)
            panel.bind(self.state)  # it classifies with the app's current model
        except Exception as exc:  # noqa: BLE001 - PortAudio trouble, anything at all
            if panel is not None:
                panel.shutdown()  # its threads are joined before it goes
            self._unavailable(f"Live panel unavailable: {exc}")
            return
        self.panel = panel
        self.ready.emit(panel)  # the window docks it
        self.placeholder.deleteLater()

    def _unavailable(self, message: str) -> None:
        log.warning("live panel unavailable: %s", message)
        self.placeholder.setText(f"Live audio is unavailable:\n{message}")
        self.placeholder.setWordWrap(True)
        self.unavailable.emit(message)

    def shutdown(self) -> None:
        """On close: no panel is built any more; the panel's streams stop and its threads are joined."""
        self._closed = True
        if self.panel is not None:
            try:
                self.panel.shutdown()
            except Exception as exc:  # noqa: BLE001
                log.warning("live panel shutdown: %s", exc)
