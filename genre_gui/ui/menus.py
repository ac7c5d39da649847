"""The main window's menus and their actions: File, Playback, View, Help. Every action is also added to
the window itself, so its shortcut works with the menu bar hidden; the README's and the help's shortcut
lists are these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from . import library_window
from .panels.home_panel import CLASSIFY_SHORTCUT

if TYPE_CHECKING:
    from .main_window import MainWindow

PLAY_SHORTCUT = "Space"
STOP_SHORTCUT = "Ctrl+."


def action(window: MainWindow, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    a = QAction(text, window)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setStatusTip(tip)
    a.triggered.connect(slot)
    window.addAction(a)  # shortcuts work even when the menu bar is hidden
    return a


def build_menus(w: MainWindow) -> None:
    """Create the window's actions (kept as attributes of ``w``: tests and scripts trigger them)."""
    mb = w.menuBar()
    file_menu = mb.addMenu("&File")
    w.classify_action = action(w, "&Classify Songs…", w.classify_songs_dialog, CLASSIFY_SHORTCUT,
                               "Pick songs and see their genre on Home")
    w.open_files_action = action(w, "&Open Files…", w.open_files_dialog, "Ctrl+O",
                                 "Open a feature CSV, MNIST IDX files, a model, or songs to classify")
    w.open_folder_action = action(w, "Open &Folder…", w.open_folder_dialog, "Ctrl+Shift+O",
                                  "Open a folder of songs laid out as <genre>/<files>, to train on")
    w.demo_action = action(w, "Load &Demo Dataset", w.datasets.load_demo, None, "The bundled GTZAN table")
    w.load_model_action = action(w, "&Load Model…", w.load_model_dialog, "Ctrl+L")
    w.default_model_action = action(
        w, "Restore &Default Model", w.models.restore_default, "Ctrl+D",
        "The bundled default: a pre-trained music network, 10 GTZAN genres, knows what is not music")
    w.table_model_action = action(
        w, "Use gtzan57 &Table Model", w.models.load_table_model, None,
        "The bundled model of the GTZAN feature table (57 librosa statistics)")
    # a lambda: triggered(bool) would otherwise arrive as save_model_dialog's optional model (False)
    w.save_model_action = action(w, "&Save Model…", lambda: w.save_model_dialog(), "Ctrl+S",
                                 "Save the model used for songs")
    w.export_action = action(w, "&Export Report…", w.export_report_dialog, "Ctrl+E")
    w.quit_action = action(w, "&Quit", w.close, "Ctrl+Q")
    w.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    for a in (w.classify_action, library_window.action(w), None, w.open_files_action,
              w.open_folder_action, w.demo_action, None, w.load_model_action, w.default_model_action,
              w.table_model_action, w.save_model_action, w.export_action, None, w.quit_action):
        file_menu.addSeparator() if a is None else file_menu.addAction(a)

    playback = mb.addMenu("&Playback")
    w.play_action = action(w, "&Play / Pause", w.transport.toggle_play, PLAY_SHORTCUT,
                           "Play or pause the song shown in the Live panel, from any tab")
    w.stop_action = action(w, "&Stop", w.transport.stop, STOP_SHORTCUT, "Stop every sound the app plays")
    w.listen_action = action(w, "&Listen (Microphone)", w.transport.listen, "Ctrl+Shift+R",
                             "Classify what the microphone hears, live")
    playback.addActions([w.play_action, w.stop_action, w.listen_action])

    view_menu = mb.addMenu("&View")
    for dock in w.docks.values():
        a = dock.toggleViewAction()
        a.setText(dock.windowTitle())
        view_menu.addAction(a)
    view_menu.addSeparator()
    # Ctrl+L is File > Load Model
    w.learning_curve_action = action(w, "&Learning Curve", lambda: (w.raise_panel("comparison"),
                                     w.comparison_panel.show_learning_curve()), "Ctrl+Shift+L",
                                     "How accuracy grows with the training songs per genre (Comparison)")
    view_menu.addAction(w.learning_curve_action)
    view_menu.addAction(action(w, "&Reset Layout", w.reset_layout))

    help_menu = mb.addMenu("&Help")
    w.help_action = action(w, "genre_gui &Help", w.show_help, "F1")
    w.about_action = action(w, "&About genre_gui", w.show_about)
    w.about_action.setMenuRole(QAction.MenuRole.AboutRole)
    help_menu.addActions([w.help_action, w.about_action])
