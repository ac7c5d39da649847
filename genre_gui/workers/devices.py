"""List recording devices (and the sample rates each accepts) off the GUI thread.

A daemon ``threading.Thread`` rather than a QThread, on purpose: PortAudio can hang for good on a
broken sound server, and a hung daemon thread cannot keep the app from quitting, whereas a QThread
still running at exit aborts the process.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal


class DeviceProbe(QObject):
    """``probed(result)``: a list of ``(DeviceInfo, [rates])``, or the ``LiveAudioError`` that
    prevented listing (``PortAudioMissingError`` when PortAudio itself is absent)."""

    probed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, rescan: bool = False) -> bool:
        """Start a probe unless one is running; ``rescan`` makes PortAudio look for new hardware
        (only with no stream open). Returns whether a probe started."""
        if self.running():
            return False
        self._thread = threading.Thread(target=self._run, args=(bool(rescan),), name="device-probe",
                                        daemon=True)
        self._thread.start()
        return True

    def join(self, timeout: float = 3.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, rescan: bool) -> None:
        from ..audio.devices import list_input_devices, rescan_devices, supported_input_samplerates
        from ..audio.errors import LiveAudioError

        try:
            if rescan:
                rescan_devices()
            devices = list_input_devices()
            result: Any = [(d, supported_input_samplerates(d)) for d in devices]
        except LiveAudioError as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001 - a probe must never kill the app
            result = LiveAudioError(f"Could not list audio devices: {exc}")
        try:
            self.probed.emit(result)
        except RuntimeError:  # the panel (and this object) was deleted meanwhile
            pass
