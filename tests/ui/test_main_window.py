"""Main window skeleton: docks, menus, shortcuts, About/Help, settings persistence and robustness."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from genre_gui.ui import settings as keys
from genre_gui.ui.settings import AppSettings


def test_panels_menus_and_shortcuts(window):
    assert list(window.docks) == ["home", "library", "training", "evaluation", "comparison", "live"]
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[:4] == ["File", "Playback", "View", "Help"]
    shortcuts = {a.shortcut().toString() for a in window.actions()}
    for key in ("Ctrl+O", "Ctrl+Shift+C", "Ctrl+S", "Ctrl+Q", "F1", "Space", "Ctrl+.", "Ctrl+D"):
        assert QKeySequence(key).toString() in shortcuts, key
    assert window.statusBar() is not None


def test_demo_dataset_loaded_at_start(window):
    ds = window.state.dataset
    assert ds.name == "GTZAN features (1000 clips, 10 genres)"
    assert ds.X.shape == (1000, 57)
    assert window.library_panel.genres.rowCount() == 10
    counts = [int(window.library_panel.genres.item(r, 1).text()) for r in range(10)]
    assert counts == [100] * 10
    assert "8 h 20 min" in window.library_panel.summary.text()


def test_about_and_help_open_without_blocking(window, qtbot):
    window.about_action.trigger()
    qtbot.waitUntil(lambda: window._about.isVisible())
    assert "genre_gui" in window._about.text()
    window._about.close()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "_help", None) is not None and window._help.isVisible())
    window._help.close()


def test_geometry_docks_and_hyperparameters_persist(make_window, qtbot, settings_path):
    w = make_window(load_defaults=False)
    w.resize(w.minimumSizeHint().width(), 600)  # the offscreen screen is 800 x 800
    w.training_panel.box("softmax").field("max_iter").setValue(123)
    w.training_panel.box("knn").field("n_neighbors").setValue(9)
    w.training_panel.protocol_box.folds.setValue(7)
    w.docks["evaluation"].setFloating(True)
    w.close()
    again = make_window(load_defaults=False, settings=AppSettings(QSettings(str(settings_path),
                                                                            QSettings.Format.IniFormat)))
    assert again.size().height() == 600
    assert again.training_panel.box("softmax").field("max_iter").value() == 123
    assert again.training_panel.box("knn").field("n_neighbors").value() == 9
    assert again.training_panel.protocol_box.folds.value() == 7
    assert again.docks["evaluation"].isFloating()


def test_unwritable_settings_location_does_not_stop_the_app(make_window, qtbot, tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the settings folder should be")
    s = AppSettings(QSettings(str(blocker / "genre_gui.ini"), QSettings.Format.IniFormat))
    w = make_window(settings=s)
    qtbot.waitUntil(lambda: w.state.dataset is not None, timeout=30000)
    w.close()  # saving fails quietly: recorded, logged, no exception
    assert s.problem and "not saved" in s.problem


def test_corrupt_settings_values_fall_back_to_defaults(make_window, qtbot, settings_path):
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.write_text(
        "[training]\nconfig=\"{not json\"\n[window]\ngeometry=garbage\nstate=@Invalid()\n")
    w = make_window(load_defaults=False, settings=AppSettings(QSettings(str(settings_path),
                                                                        QSettings.Format.IniFormat)))
    assert w.training_panel.box("softmax").field("max_iter").value() == 300
    cfg = w.training_panel.config()
    assert cfg["models"]["knn"]["n_neighbors"] == 5


def test_error_message_is_not_modal_per_call(window):
    window.statusBar().clearMessage()
    window.show_error("one", "first")
    window.show_error("two", "second")
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].text() == "second"
    assert boxes[0].windowTitle() == "two"
    # it does not block the event loop: modal to the window only, never to the whole application
    assert boxes[0].windowModality() == Qt.WindowModality.WindowModal
    assert window.last_error == "second"
    assert window.statusBar().currentMessage() == "two: second"


def test_settings_keys_are_written(window, settings_path):
    window.close()
    qs = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert qs.value(keys.LAST_DATASET) == "demo"
    assert qs.value(keys.HYPERPARAMETERS)


def test_live_panel_is_built_off_the_gui_thread_and_docked(window, qtbot):
    qtbot.waitUntil(lambda: window.live_panel is not None, timeout=60000)
    assert window.docks["live"].widget() is window.live_panel


def test_broken_live_module_does_not_stop_the_app(make_window, qtbot, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "genre_gui.ui.live.live_panel", None)  # import -> ImportError
    w = make_window(load_defaults=False)
    qtbot.waitUntil(lambda: "unavailable" in w._live_placeholder.text(), timeout=30000)
    assert w.live_panel is None
    assert w.docks["live"].widget() is w._live_placeholder


def test_routine_status_does_not_replace_an_error(window, qtbot):
    window.show_error("Could not load the model", "model.npz: truncated")
    window.show_message("blues (63%)", 6000, routine=True)  # e.g. a live classification
    assert "model.npz: truncated" in window.statusBar().currentMessage()
    window.show_message("Model saved", 6000)  # what the user just did still shows
    assert window.statusBar().currentMessage() == "Model saved"


def test_open_with_a_song_predicts_its_genre_with_the_default_model(make_window, qtbot, gtzan_clip_paths):
    # what "Open with > Genre GUI" on a song does: genre-gui SONG -> MainWindow(initial_paths=[SONG])
    song = str(next(p for p in gtzan_clip_paths if p.name == "metal.00003.flac"))
    w = make_window(initial_paths=[song])
    with qtbot.waitSignal(w.jobs.prediction_finished, timeout=60000) as blocker:
        pass
    preds = blocker.args[0].predictions
    assert [p.path for p in preds] == [song]
    assert preds[0].error is None and preds[0].genre in w.state.pipeline.classes
    assert abs(sum(preds[0].probabilities.values()) - 1.0) < 1e-9
    assert w.state.pipeline.metadata.get("created_by") == "genre-gui-cli train-default"  # the default model
    assert preds[0].genre == "metal"  # a clear-cut reserved clip the default model never saw
