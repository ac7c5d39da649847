"""Train on the bundled GTZAN table: live curves in the GUI thread, results, Cancel, restart, close."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from ui_helpers import SignalLog, configure_quick_run, show_panel

from genre_gui.ui.results import confusion


def _train(window, qtbot, timeout=120000):
    with qtbot.waitSignal(window.jobs.training_finished, timeout=timeout) as blocker:
        window.training_panel.train_button.click()
    return blocker.args[0]


def test_holdout_run_streams_curves_in_gui_thread(window, qtbot):
    configure_quick_run(window, softmax_epochs=150, ovr_epochs=150)
    log = SignalLog()
    window.jobs.epochs_received.connect(log.slot("epochs"))
    window.jobs.model_finished.connect(log.slot("model"))
    window.jobs.training_finished.connect(log.slot("done"))
    run = _train(window, qtbot)
    gui = QApplication.instance().thread()
    assert all(thread is gui for _, thread, _ in log.calls)
    names = log.names()
    # points arrive while training, before each model's result and before the end
    assert names.index("epochs") < names.index("model") < names.index("done")
    assert names.count("epochs") >= 3
    curves = window.training_panel.curves
    assert curves.series_length("softmax", "train") == 150
    assert curves.series_length("softmax", "val") == 150
    assert curves.series_length("ovr_logistic", "train") == 150
    assert curves.series_length("knn", "knn") == window.training_panel.box("knn").field("k_max").value()

    assert not run.cancelled and [r.model for r in run.results] == ["softmax", "ovr_logistic", "knn"]
    n_test = run.n_clips
    assert 180 <= n_test <= 220  # 20 % of 1000 clips, stratified
    for r in run.results:
        assert confusion(r, False).sum() == n_test == len(r.y_true)
        rows = confusion(r, True).sum(axis=1)
        assert np.allclose(rows[rows > 0], 1.0)
        # measured on this 20 % hold-out: softmax 69.0 %, one-vs-rest 66.5 %, k-NN 64.5 %
        assert r.accuracy > {"softmax": 0.66, "ovr_logistic": 0.635, "knn": 0.615}[r.model], r.accuracy
        assert r.accuracy < 0.95 and np.isfinite(r.macro_f1)
    # panels show the run
    assert window.evaluation_panel.model_combo.count() == 3
    assert window.comparison_panel.table.rowCount() == 3
    show_panel(window, qtbot, "comparison")
    assert len(window.comparison_panel.multiples.plots) == 3
    # the run's models are offered, not put in place of the model for songs
    assert window.state.pipeline is not run.best().pipeline and window.state.pipeline.feature_set == "musicnn"
    kept = [e.pipeline for e in window.models.entries if e.source == "trained"]
    assert kept == [r.pipeline for r in run.results]


def test_log_scale_toggle(window, qtbot):
    curves = window.training_panel.curves
    curves.log_scale.setChecked(True)
    assert curves.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    curves.log_scale.setChecked(False)
    assert not curves.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_kfold_blocked_evaluates_every_clip(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=40, protocol="kfold", folds=5,
                        fold_kind="blocked")
    run = _train(window, qtbot)
    assert "blocked" in run.protocol
    for r in run.results:
        assert confusion(r, False).sum() == 1000
        assert len(r.fold_accuracies) == 5 and r.accuracy_std > 0
        assert abs(r.accuracy - np.mean(r.fold_accuracies)) < 1e-12
    bars = show_panel(window, qtbot, "comparison").bars.values
    assert set(bars) == {"softmax", "knn"}
    # the last fold's curves: training and held-out validation loss, and k-NN accuracy against k
    curves = window.training_panel.curves
    assert curves.series_length("softmax", "train") == curves.series_length("softmax", "val") == 40
    assert curves.series_length("knn", "knn") == window.training_panel.box("knn").field("k_max").value()


def test_cancel_mid_training_keeps_finished_models(window, qtbot):
    configure_quick_run(window, softmax_epochs=30, ovr_epochs=1_000_000)
    tp = window.training_panel
    tp.box("ovr_logistic").field("solver").setCurrentText("gd")
    tp.box("ovr_logistic").field("max_iter").setValue(1_000_000)
    finished = []
    window.jobs.model_finished.connect(finished.append)
    tp.train_button.click()
    qtbot.waitUntil(lambda: tp.curves.series_length("ovr_logistic", "train") > 20, timeout=60000)
    t0 = time.perf_counter()
    with qtbot.waitSignal(window.jobs.training_finished, timeout=10000) as blocker:
        tp.progress.cancel_button.click()
    latency = time.perf_counter() - t0
    run = blocker.args[0]
    assert run.cancelled
    assert [r.model for r in run.results] == ["softmax"] == [r.model for r in finished]
    assert latency < 5.0, f"cancel took {latency:.2f} s"  # the run has 1,000,000 epochs
    # the finished model is kept in the list; a cancelled run offers nothing
    assert any(e.pipeline is run.results[0].pipeline for e in window.models.entries)
    assert window.state.pipeline is not run.results[0].pipeline and window.offer_bar.pending is None
    assert "Cancelled" in tp.status.text()
    assert window.comparison_panel.table.rowCount() == 1


def test_train_again_replaces_the_run(window, qtbot):
    configure_quick_run(window, models=("softmax",), softmax_epochs=1_000_000)
    tp = window.training_panel
    tp.box("softmax").field("solver").setCurrentText("gd")
    tp.box("softmax").field("max_iter").setValue(1_000_000)
    tp.train_button.click()
    qtbot.waitUntil(lambda: tp.curves.series_length("softmax", "train") > 10, timeout=60000)
    tp.box("softmax").field("max_iter").setValue(25)
    assert tp.train_button.text() == "Cancel"  # the button cancels; a new run started in code replaces
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000) as blocker:
        window.datasets.start_training()
    run = blocker.args[0]
    assert not run.cancelled and len(run.results) == 1
    qtbot.wait(300)  # late signals of the replaced run must be ignored
    assert tp.curves.series_length("softmax", "train") == 25
    assert window.state.run is run


def test_closing_mid_training_stops_and_joins_workers(make_window, qtbot):
    w = make_window()
    qtbot.waitUntil(lambda: w.state.dataset is not None and not w.jobs.dataset_running, timeout=30000)
    configure_quick_run(w, models=("ovr_logistic",), ovr_epochs=1_000_000)
    w.training_panel.box("ovr_logistic").field("solver").setCurrentText("gd")
    w.training_panel.box("ovr_logistic").field("max_iter").setValue(1_000_000)
    w.training_panel.train_button.click()
    qtbot.waitUntil(lambda: w.training_panel.curves.series_length("ovr_logistic", "train") > 5, timeout=60000)
    threads = [t for t, _ in w.jobs.registry._running.values()]
    assert threads and any(t.isRunning() for t in threads)
    t0 = time.perf_counter()
    assert w.close()
    assert time.perf_counter() - t0 < 10.0  # the run has 1,000,000 epochs
    assert all(t.isFinished() for t in threads)
    assert w.jobs.registry.active_count == 0
    assert QThread.currentThread() is QApplication.instance().thread()
