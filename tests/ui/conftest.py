"""Fixtures for the GUI tests: an isolated settings file and feature cache per test, and a window."""

from __future__ import annotations

import gc
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402

from genre_gui.ui.settings import AppSettings  # noqa: E402


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings" / "genre_gui.ini"


@pytest.fixture
def app_settings(settings_path):
    return AppSettings(QSettings(str(settings_path), QSettings.Format.IniFormat))


@pytest.fixture(autouse=True)
def questions(monkeypatch):
    """Blocking questions (``dialogs.confirm``) are answered "yes" and recorded: a modal box would wait
    forever under the offscreen platform, e.g. when a test's window closes while a job runs."""
    from genre_gui.ui import dialogs

    asked: list[tuple[str, str]] = []

    def confirm(_parent, title, text, yes="Yes"):
        asked.append((title, text))
        return True

    monkeypatch.setattr(dialogs, "confirm", confirm)
    return asked


@pytest.fixture
def make_window(qtbot, app_settings, tmp_path):
    """Factory: ``make_window(load_defaults=True)``; windows are closed (workers joined) at teardown."""
    from genre_gui.ui.main_window import MainWindow

    made = []

    def make(load_defaults: bool = True, settings: AppSettings | None = None, **kw):
        kw.setdefault("cache_path", str(tmp_path / "cache" / "features.sqlite"))
        w = MainWindow(settings or app_settings, load_defaults=load_defaults, **kw)
        qtbot.addWidget(w)
        made.append(w)
        w.show()
        return w

    yield make
    from PySide6.QtCore import QCoreApplication, QEvent

    for w in made:
        w.close()
        w.deleteLater()
    # delete the windows now, in the GUI thread: left to the garbage collector, a window is freed in
    # whichever thread runs it, and PySide then defers the C++ deletion to an arbitrary later point
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    made.clear()
    gc.collect()


@pytest.fixture
def window(make_window, qtbot):
    """A window with the demo dataset loaded."""
    w = make_window()
    qtbot.waitUntil(lambda: w.state.dataset is not None and not w.jobs.dataset_running, timeout=30000)
    return w
