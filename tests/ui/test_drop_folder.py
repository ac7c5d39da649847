"""Drop a real genre-layout folder (50 GTZAN clips + 3 broken files): extraction runs in a worker, the
broken files are listed with reasons, training runs, and every confusion matrix counts every test clip."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from ui_helpers import configure_quick_run, drop_paths

from genre_gui.ui.results import confusion


@pytest.fixture
def genre_folder(tmp_path, gtzan_clip_paths):
    root = tmp_path / "my music"
    for p in gtzan_clip_paths:
        dest = root / p.parent.name
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest / p.name)
    (root / "jazz" / "empty.wav").write_bytes(b"")
    (root / "rock" / "notes.mp3").write_text("this is not audio at all\n" * 20)
    data = (gtzan_clip_paths[0]).read_bytes()
    (root / "blues" / "truncated.flac").write_bytes(data[:1500])
    return root


@pytest.mark.shared_data
@pytest.mark.timeout(600)
def test_drop_folder_extract_train_evaluate(window, qtbot, genre_folder, gtzan_clip_paths):
    window.library_panel.feature_set.setCurrentText("mfcc13")
    progressed = []
    window.jobs.dataset_progressed.connect(progressed.append)
    with qtbot.waitSignal(window.jobs.dataset_loaded, timeout=300000) as blocker:
        drop_paths(window, [genre_folder])
    loaded = blocker.args[0]
    ds = loaded.dataset
    assert len(ds) == 50 and len(ds.classes) == 10
    assert ds.feature_set == "mfcc13" and ds.X.shape[1] == 13
    assert progressed and progressed[-1].done == progressed[-1].total
    assert window.state.dataset is ds
    # the three broken files are listed with a reason each, no dialog
    failures = window.library_panel.failures
    assert failures.rowCount() == 3
    listed = {failures.item(r, 0).text(): failures.item(r, 1).text() for r in range(3)}
    assert set(listed) == {"empty.wav", "notes.mp3", "truncated.flac"}
    assert all(len(reason) > 5 for reason in listed.values())
    assert window.last_error is None
    assert "Files that could not be used (3)" in window.library_panel.failures_box.title()
    assert "25 min" in window.library_panel.summary.text()  # 50 clips of 30 s

    configure_quick_run(window, softmax_epochs=50, ovr_epochs=50, protocol="kfold", folds=5)
    window.training_panel.box("knn").field("n_neighbors").setValue(3)
    window.training_panel.box("knn").field("k_max").setValue(8)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=300000) as blocker:
        window.training_panel.train_button.click()
    run = blocker.args[0]
    assert [r.model for r in run.results] == ["softmax", "ovr_logistic", "knn"]
    for r in run.results:
        assert confusion(r, False).sum() == 50 == len(r.y_true)
        assert np.isfinite(r.accuracy)
    # clicking a diagonal cell lists real files that can be played
    ev = window.evaluation_panel
    ev.show_cell(0, 0)
    n = int(confusion(ev.current_result(), False)[0, 0])
    assert ev.clips.rowCount() == n

    # a cached re-extraction is near-instant
    with qtbot.waitSignal(window.jobs.dataset_loaded, timeout=60000) as blocker:
        drop_paths(window, [genre_folder])
    assert blocker.args[0].elapsed_seconds < max(2.0, loaded.elapsed_seconds / 3)

    # a single dropped song is classified with the current model
    window.comparison_panel.keep_requested.emit(0)
    with qtbot.waitSignal(window.jobs.prediction_finished, timeout=60000) as blocker:
        drop_paths(window, [gtzan_clip_paths[0]])
    pred = blocker.args[0].predictions[0]
    assert pred.error is None and pred.genre in ds.classes
    assert abs(sum(pred.probabilities.values()) - 1.0) < 1e-6
    home = window.home_panel  # the answer is on Home, wherever the song was dropped
    assert home.predictions.rowCount() == 1 and home.predictions.item(0, 1).text() == pred.answer
    assert window.docks["home"].isVisible() and not window.docks["home"].visibleRegion().isEmpty()
    assert pred.genre in pred.answer  # "rock 61 %", or "unsure (top two: rock 26 %, hiphop 23 %)"


@pytest.mark.shared_data
def test_cancel_extraction_keeps_previous_dataset(window, qtbot, genre_folder):
    before = window.state.dataset
    window.library_panel.feature_set.setCurrentText("gtzan57")
    drop_paths(window, [genre_folder])
    qtbot.waitUntil(lambda: window.library_panel.progress.cancel_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(window.jobs.dataset_load_cancelled, timeout=60000):
        window.library_panel.progress.cancel_button.click()
    assert window.state.dataset is before
    assert "Cancelled" in window.library_panel.progress.label.text()


def test_bad_dataset_gives_a_message_not_a_crash(window, qtbot, tmp_path):
    bad = tmp_path / "table.csv"
    bad.write_text("a,b,label\n1,2,x\nnot-a-number,3,y\n")
    before = window.state.dataset
    with qtbot.waitSignal(window.jobs.dataset_load_failed, timeout=30000) as blocker:
        drop_paths(window, [bad])
    assert "table.csv" in blocker.args[0]
    assert window.state.dataset is before
    assert window.last_error and "table.csv" in window.last_error
