"""A person's first minutes (issue 14): Train turns into Cancel, a small test set is flagged with its
Wilson interval, the fold counter leaves with the run."""

from __future__ import annotations

import numpy as np
from ui_helpers import configure_quick_run, show_panel

from genre_gui.ui.state import DatasetInfo


def test_train_becomes_cancel_while_a_run_goes(window, qtbot):
    configure_quick_run(window, models=("softmax",), protocol="kfold", folds=3)
    tp = window.training_panel
    tp.box("softmax").field("solver").setCurrentText("gd")
    tp.box("softmax").field("max_iter").setValue(1_000_000)
    assert tp.train_button.text() == "Train"
    tp.train_button.click()
    qtbot.waitUntil(lambda: tp.curves.series_length("softmax", "train") > 10, timeout=60000)
    assert tp.train_button.text() == "Cancel"
    started = []
    window.jobs.training_started.connect(started.append)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=10000) as blocker:
        tp.train_button.click()  # a second click cancels; it used to start the run again
    assert blocker.args[0].cancelled and not started
    assert tp.train_button.text() == "Train"
    assert tp.curves.fold_label.text() == ""  # "fold 1 of 3" went with the run
    assert "Cancelled" in tp.status.text()


def test_a_small_test_set_is_reported_with_its_interval(window, qtbot):
    ds = window.state.dataset
    keep = np.flatnonzero(np.array([int(g.split(".")[1]) < 5 for g in ds.groups]))  # 5 clips per genre
    window.state.set_dataset(DatasetInfo(ds.subset(keep), "test", "csv"))
    configure_quick_run(window, models=("knn",), protocol="holdout")
    with qtbot.waitSignal(window.jobs.training_finished, timeout=60000) as blocker:
        window.training_panel.train_button.click()
    r = blocker.args[0].results[0]
    n = len(r.y_true)
    assert n == 10  # one held-out clip per genre
    info = show_panel(window, qtbot, "evaluation").info.text()
    assert f"Only {n} clips were tested" in info and "Wilson" in info
    summary = show_panel(window, qtbot, "comparison").summary.text()
    assert "Wilson intervals k-NN" in summary


def test_digits_are_samples_not_clips(window, qtbot):
    """MNIST-style data (no audio feature set): the Library, Evaluation and Comparison say samples and
    give no duration; the same counts on the music table say clips (the test above)."""
    import dataclasses

    ds = window.state.dataset
    keep = np.flatnonzero(np.array([int(g.split(".")[1]) < 5 for g in ds.groups]))
    digits = dataclasses.replace(ds.subset(keep), feature_set=None, name="digits")
    window.state.set_dataset(DatasetInfo(digits, "test", "idx"))
    summary = window.library_panel.summary.text()
    assert summary.startswith("50 samples · 10 classes")
    assert "duration" not in summary and "clips" not in summary
    assert window.library_panel.genres.horizontalHeaderItem(1).text() == "samples"
    configure_quick_run(window, models=("knn",), protocol="holdout")
    with qtbot.waitSignal(window.jobs.training_finished, timeout=60000):
        window.training_panel.train_button.click()
    ev = show_panel(window, qtbot, "evaluation")
    info = ev.info.text()
    assert "Only 10 samples were tested" in info and "clip" not in info  # "grouped by sample" too
    assert ev.clips.horizontalHeaderItem(0).text() == "sample" and "clips" not in ev.cell_label.text()
    assert ev.matrix.plot_item.getAxis("left").labelText == "true class"
    cp = show_panel(window, qtbot, "comparison")
    summary = cp.summary.text()
    assert "Only 10 samples were tested" in summary and "10 samples in the matrices" in summary
    assert cp.table.horizontalHeaderItem(6).text() == "samples" and "clip" not in summary
    # the report's images use the same words (they said "genre" on digits)
    from genre_gui.ui import report

    run = window.state.run
    assert run.row_word == "sample"
    matrices = report.confusion_figure(run)
    assert "each class's recall" in matrices.titles[0]
    plot = next(item for item in matrices.layout.items if hasattr(item, "getAxis"))
    assert (plot.getAxis("left").labelText, plot.getAxis("bottom").labelText) == ("true class",
                                                                                   "predicted class")
    one = report.matrix_figure(ev.current_result(), "digits", False, ev._unit)
    assert "10 samples evaluated" in "\n".join(one.titles)
    plot = next(item for item in one.layout.items if hasattr(item, "getAxis"))
    assert plot.getAxis("left").labelText == "true class"


def test_training_shows_a_hint_not_empty_axes_until_curves_arrive(window, qtbot):
    from ui_helpers import configure_quick_run as quick

    curves = window.training_panel.curves
    window.raise_panel("training")
    assert curves.hint.isVisible() and not curves.split.isVisible()  # no empty plots at first
    quick(window, models=("softmax",), protocol="holdout", softmax_epochs=20)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=60000):
        window.training_panel.train_button.click()
    qtbot.waitUntil(lambda: curves.split.isVisible(), timeout=5000)
    assert not curves.hint.isVisible() and curves.loss_plot.isVisible()
    assert not curves.knn_plot.isVisible()  # no k-NN in this run: no empty k-NN axes
    quick(window, models=("knn",), protocol="holdout")
    with qtbot.waitSignal(window.jobs.training_finished, timeout=60000):
        window.training_panel.train_button.click()
    qtbot.waitUntil(lambda: curves.knn_plot.isVisible(), timeout=5000)


def test_training_says_its_curves_are_from_the_previous_dataset(window, qtbot):
    from ui_helpers import configure_quick_run as quick

    ds = window.state.dataset
    quick(window, models=("softmax",), protocol="holdout", softmax_epochs=10)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=60000):
        window.training_panel.train_button.click()
    status = window.training_panel.status
    assert "curves are from" not in status.text()
    smaller = ds.subset(np.arange(0, len(ds), 2))
    smaller.name = "half of the table"
    window.state.set_dataset(DatasetInfo(smaller, "test", "csv"))
    assert status.text().startswith(f"The curves are from the last run on {ds.name}; half of the table is")
