"""Import a heavy module off the GUI thread (the live panel pulls in SciPy and PortAudio), so the window
appears and stays responsive while it loads."""

from __future__ import annotations

import importlib

from .base import Worker


class ImportWorker(Worker):
    """``finished(module)`` once ``module_name`` is imported; ``failed(str)`` with the reason otherwise."""

    def __init__(self, module_name: str) -> None:
        super().__init__()
        self.module_name = module_name

    def work(self) -> object:
        try:
            return importlib.import_module(self.module_name)
        except Exception as exc:  # noqa: BLE001 - an optional module: report any reason, never crash
            reason = f"{type(exc).__name__}: {exc}"
            raise RuntimeError(f"{self.module_name} could not be imported ({reason})") from exc
