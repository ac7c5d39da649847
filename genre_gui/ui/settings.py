"""QSettings persistence that never stops the app: a read-only or corrupt settings file only loses memory."""

from __future__ import annotations

import json
import logging
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

log = logging.getLogger(__name__)

#: keys, kept in one place so a typo cannot silently create a second entry
GEOMETRY = "window/geometry"
DOCK_STATE = "window/state"
LAST_DATASET = "library/last_dataset"
FEATURE_SET = "library/feature_set"
HYPERPARAMETERS = "training/config"
LAST_DIR = "files/last_dir"
#: bump when the dock layout changes incompatibly, so an old saved state is not applied to new docks
STATE_VERSION = 2  # 2: one row of tabs with Home first (a saved version-1 layout is dropped)


class AppSettings:
    """Typed access to QSettings with every failure turned into "use the default".

    Parameters
    ----------
    qsettings : QSettings or None
        The store; by default the user's INI file for organisation/application ``genre_gui``.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        if qsettings is None:
            qsettings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                  "genre_gui", "genre_gui")
        self._qs = qsettings
        self.problem: str | None = None
        status = self._qs.status()
        if status != QSettings.Status.NoError:
            self.problem = f"settings file {self._qs.fileName()} is unusable ({status.name}); defaults used"
            log.warning(self.problem)

    @property
    def qsettings(self) -> QSettings:
        """The underlying store, for panels that keep their own keys (the live panel)."""
        return self._qs

    @property
    def file_name(self) -> str:
        return self._qs.fileName()

    def value(self, key: str, default: Any = None) -> Any:
        """Stored value or ``default`` (also when the store is unreadable)."""
        try:
            v = self._qs.value(key, default)
        except Exception as exc:  # a corrupt INI value can raise from the type conversion
            log.warning("settings: cannot read %s (%s)", key, exc)
            return default
        return default if v is None else v

    def text(self, key: str, default: str = "") -> str:
        v = self.value(key, default)
        return v if isinstance(v, str) else default

    def json(self, key: str, default: dict | None = None) -> dict:
        """A JSON object stored as text; anything malformed gives ``default``."""
        raw = self.text(key, "")
        if not raw:
            return dict(default or {})
        try:
            data = json.loads(raw)
        except ValueError:
            log.warning("settings: %s is not valid JSON; using defaults", key)
            return dict(default or {})
        return data if isinstance(data, dict) else dict(default or {})

    def set_value(self, key: str, value: Any) -> None:
        try:
            self._qs.setValue(key, value)
        except Exception as exc:
            log.warning("settings: cannot store %s (%s)", key, exc)

    def set_json(self, key: str, value: dict) -> None:
        self.set_value(key, json.dumps(value, sort_keys=True))

    def sync(self) -> bool:
        """Write to disk; returns False (and records why) when the location is not writable."""
        try:
            self._qs.sync()
        except Exception as exc:
            self.problem = f"settings not saved: {exc}"
            return False
        status = self._qs.status()
        if status != QSettings.Status.NoError:
            self.problem = f"settings not saved to {self._qs.fileName()} ({status.name})"
            log.warning(self.problem)
            return False
        return True

    def save_window(self, window: QMainWindow) -> None:
        self.set_value(GEOMETRY, window.saveGeometry())
        self.set_value(DOCK_STATE, window.saveState(STATE_VERSION))

    def restore_window(self, window: QMainWindow) -> None:
        geometry = self.value(GEOMETRY)
        if isinstance(geometry, QByteArray | bytes) and geometry:
            window.restoreGeometry(QByteArray(geometry))
        state = self.value(DOCK_STATE)
        if isinstance(state, QByteArray | bytes) and state:
            window.restoreState(QByteArray(state), STATE_VERSION)
