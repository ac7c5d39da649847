"""Evaluation panel: heatmap with class names and numbers, counts/normalised toggle, cell -> clips,
double-click plays (or says why not), per-class table sorts and copies; report export is atomic."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox
from ui_helpers import configure_quick_run, show_panel

from genre_gui.ui.results import confusion


@pytest.fixture
def trained(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=40)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
    show_panel(window, qtbot, "evaluation")
    return window


def test_heatmap_axes_numbers_and_toggle(trained, qtbot):
    ev = trained.evaluation_panel
    r = ev.current_result()
    cm = ev.matrix.cm
    counts = confusion(r, False)
    ticks = cm.plot.getAxis("bottom")._tickLevels[0]
    assert [t[1].strip() for t in ticks] == [str(c) for c in r.classes]
    assert [t[1] for t in cm.plot.getAxis("left")._tickLevels[0]] == [str(c) for c in r.classes]
    assert cm.cell_text(0, 0) == str(int(counts[0, 0]))
    assert float(np.asarray(cm.image.image).sum()) == counts.sum()
    ev.normalised.setChecked(True)
    qtbot.waitUntil(lambda: not ev.drawing.pending)
    norm = np.asarray(cm.image.image).T
    assert np.allclose(norm.sum(axis=1)[counts.sum(axis=1) > 0], 1.0)
    assert ev.matrix.colorbar.levels() == (0.0, 1.0)


def test_cell_click_lists_clips(trained, qtbot):
    ev = trained.evaluation_panel
    r = ev.current_result()
    counts = confusion(r, False).astype(int)
    off = np.argwhere((counts > 0) & ~np.eye(len(counts), dtype=bool))
    row, col = (int(off[0][0]), int(off[0][1])) if len(off) else (0, 0)
    ev.matrix.cm.cell_clicked.emit(row, col)
    assert ev.clips.rowCount() == counts[row, col]
    assert ev.clips.item(0, 1).text() == str(r.classes[row])
    assert ev.clips.item(0, 2).text() == str(r.classes[col])
    p = float(ev.clips.item(0, 3).text())
    assert 0.0 <= p <= 1.0


def test_double_click_without_audio_device_only_sets_status(trained, qtbot, monkeypatch):
    ev = trained.evaluation_panel
    ev.matrix.cm.cell_clicked.emit(0, 0)
    source = ev.clips.item(0, 0).data(Qt.ItemDataRole.UserRole)
    assert source and not os.path.isfile(source)  # a feature-table row: a clip name, no audio file
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import -> ImportError, as without PortAudio
    trained.statusBar().clearMessage()  # only what the double-click says may count
    ev.clips.cellDoubleClicked.emit(0, 0)
    assert trained.statusBar().currentMessage() == (
        f"No audio file for {os.path.basename(source)} (feature tables have no audio)")
    assert trained.last_error is None
    assert not [b for b in trained.findChildren(QMessageBox) if b.isVisible()]  # no dialog


def test_play_real_clip_without_portaudio(trained, gtzan_clip_paths, monkeypatch):
    from genre_gui.audio.playback import play_clip

    monkeypatch.setitem(sys.modules, "sounddevice", None)
    msg = play_clip(str(gtzan_clip_paths[0]))
    assert "Cannot play audio" in msg


def test_per_class_table_sorts_and_copies(trained):
    t = trained.evaluation_panel.per_class
    r = trained.evaluation_panel.current_result()
    assert t.rowCount() == len(r.classes) + 1
    t.sortItems(3, Qt.SortOrder.DescendingOrder)
    f1 = [float(t.item(i, 3).text()) for i in range(t.rowCount())]
    assert f1 == sorted(f1, reverse=True)
    text = t.copy_all()
    assert QGuiApplication.clipboard().text() == text
    lines = text.strip().split("\n")
    assert lines[0].split("\t") == ["class", "precision", "recall", "F1", "support"]
    assert len(lines) == len(r.classes) + 2
    # the pooled row says what it is, after sorting too (its tooltip travels with it)
    pooled = next(t.item(i, 0) for i in range(t.rowCount()) if t.item(i, 0).text().startswith("(macro"))
    assert pooled.text() == "(macro average, pooled)" and "mean over folds" in pooled.toolTip()
    assert all(not t.item(i, 0).toolTip() for i in range(t.rowCount()) if t.item(i, 0) is not pooled)


def test_export_report_writes_pngs_csv_json(trained, tmp_path):
    out = tmp_path / "report"
    written = trained.reports.export(str(out))
    names = sorted(p.name for p in written)
    assert {"metrics.json", "metrics.csv", "comparison.png", "confusion_matrices.png",
            "loss_curves.png"} <= set(names)
    doc = json.loads((out / "metrics.json").read_text())
    assert [m["model"] for m in doc["models"]] == ["softmax", "knn"]
    for m in doc["models"]:
        assert sum(map(sum, m["confusion"])) == doc["n_evaluated"]
    for p in written:
        assert p.stat().st_size > 100
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_export_to_unwritable_place_gives_message(trained, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert trained.reports.export(str(blocker / "sub")) == []
    assert trained.last_error


@pytest.mark.shared_data
def test_playing_a_real_clip_reports_in_the_status_bar(window, qtbot, gtzan_clip_paths, monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as without PortAudio
    window.datasets.play_clip(str(gtzan_clip_paths[3]))
    qtbot.waitUntil(lambda: "Cannot play audio" in window.statusBar().currentMessage(), timeout=30000)
    assert window.last_error is None  # a status message, not a dialog
