"""Comparison panel: which model is better (paired tests), per-class F1, learning curve, exports; the
fault-filtered protocol; and held-out rows kept from early stopping on the GUI hold-out path."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score
from ui_helpers import configure_quick_run, show_panel

from genre_gui.core.models import SoftmaxRegression


def _train(window, qtbot, timeout=180000):
    with qtbot.waitSignal(window.jobs.training_finished, timeout=timeout) as blocker:
        window.training_panel.train_button.click()
    return blocker.args[0]


def _nb_p_value(a, b, k):
    """Corrected resampled t-test from SciPy's plain paired t, rescaled (independent of the app's code)."""
    n = len(a)
    plain = stats.ttest_rel(a, b)
    t = plain.statistic * np.sqrt((1 / n) / (1 / n + 1 / (k - 1)))
    return 2 * stats.t.sf(abs(t), n - 1)


def test_repeated_kfold_run_shows_pairwise_tests_and_per_class_f1(window, qtbot, tmp_path):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=40, protocol="kfold", folds=5,
                        repeats=2)
    run = _train(window, qtbot)
    assert run.protocol == "2 x 5-fold (stratified, grouped by clip)"
    soft, knn = run.results
    assert len(soft.fold_accuracies) == len(knn.fold_accuracies) == 10
    panel = show_panel(window, qtbot, "comparison")
    table = panel.pairwise.table
    assert table.rowCount() == 2 and table.columnCount() == 4  # model, 2 models, wins/ties/losses
    p = _nb_p_value(soft.fold_accuracies, knn.fold_accuracies, 5)
    diff = 100 * (np.mean(soft.fold_accuracies) - np.mean(knn.fold_accuracies))
    cell = table.item(0, 2).text()  # softmax row, k-NN column
    assert f"{diff:+.1f} pts" in cell and f"p = {p:.3g}" in cell
    mirrored = table.item(1, 1).text()  # k-NN row, softmax column: the same test, the other way round
    assert f"{-diff:+.1f} pts" in mirrored and f"p = {p:.3g}" in mirrored
    mark = "=" if p >= 0.05 else ("▲" if diff > 0 else "▼")
    assert cell.startswith(mark)
    wtl = table.item(0, 3).text()
    assert wtl == ("0 / 1 / 0" if p >= 0.05 else ("1 / 0 / 0" if diff > 0 else "0 / 0 / 1"))
    assert "10 folds" in panel.pairwise.note.text() and "2 x 5-fold" in panel.pairwise.note.text()
    assert "10 folds per model" in panel.summary.text()
    # per-class F1 side by side, from scikit-learn on the same out-of-fold predictions
    f1 = panel.per_class
    classes = [str(c) for c in soft.classes]
    assert f1.rowCount() == len(classes) + 1
    for j, r in enumerate(run.results):
        ref = f1_score(r.y_true, r.y_pred, labels=r.classes, average=None)
        shown = [float(f1.item(i, j + 1).text()) for i in range(len(classes))]
        np.testing.assert_allclose(shown, ref, atol=6e-4)
        # the last row is the mean of those pooled F1 values, not the table's macro-F1 (mean over folds)
        assert float(f1.item(len(classes), j + 1).text()) == pytest.approx(ref.mean(), abs=6e-4)
    last = f1.item(len(classes), 0)
    assert last.text() == "(macro average, pooled)" and "mean over folds" in last.toolTip()
    # the report carries the pairwise table as CSV and JSON
    written = window.reports.export(str(tmp_path / "report"))
    names = {p.name for p in written}
    assert {"metrics.json", "pairwise.csv"} <= names
    rows = list(csv.DictReader((tmp_path / "report" / "pairwise.csv").open()))
    assert len(rows) == 1 and rows[0]["model_a"] == "softmax" and rows[0]["n_folds"] == "10"
    assert float(rows[0]["p_value"]) == pytest.approx(p, rel=1e-4)
    doc = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert doc["pairwise"][0]["p_value"] == pytest.approx(p, rel=1e-9)
    assert [f["accuracy"] for f in doc["models"][1]["folds"]] == pytest.approx(knn.fold_accuracies)


def test_holdout_says_paired_tests_need_folds(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=30)
    run = _train(window, qtbot)
    assert run.tests == []
    panel = show_panel(window, qtbot, "comparison")
    assert panel.pairwise.table.rowCount() == 0
    assert "need several folds" in panel.pairwise.note.text()
    assert panel.table.item(0, 2).text() == "—"  # no ± for a single split


def test_learning_curve_from_the_comparison_panel(window, qtbot):
    configure_quick_run(window, models=("knn",), protocol="holdout")
    _train(window, qtbot)
    panel = show_panel(window, qtbot, "comparison")
    panel.learning.draws.setValue(2)
    with qtbot.waitSignal(window.jobs.curves_finished, timeout=120000) as blocker:
        panel.learning.compute_button.click()
    (curve,) = blocker.args[0]
    assert curve.model == "knn" and curve.sizes == [1, 2, 3, 10, 20, 30, 50] and curve.repeats == 2
    assert [c.model for c in panel.learning.curves] == ["knn"]
    # measured (k-NN k=5, 2 draws): 1 clip per genre ~10 % (k > clips: majority of 10 classes),
    # 50 clips per genre ~61 %
    assert curve.mean[-1] > 0.5 and curve.mean[-1] > curve.mean[0] + 0.2
    assert curve.n_test[-1] == 1000 - 50 * 10
    qtbot.waitUntil(lambda: panel.learning.compute_button.isEnabled(), timeout=5000)
    assert "1 curve(s) done" in panel.learning.progress.label.text()


def test_confusion_matrix_exports_csv_and_png(window, qtbot, tmp_path):
    configure_quick_run(window, models=("knn",))
    run = _train(window, qtbot)
    panel = show_panel(window, qtbot, "evaluation")
    written = panel.export_matrix(str(tmp_path / "cm.csv"))
    assert [p.rsplit("/", 1)[-1] for p in written] == ["cm.csv", "cm.png"]
    rows = list(csv.reader((tmp_path / "cm.csv").open()))
    r = run.results[0]
    assert rows[0][1:] == [str(c) for c in r.classes]
    counts = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    expected = np.array([[np.sum((r.y_true == a) & (r.y_pred == b)) for b in r.classes] for a in r.classes])
    assert np.array_equal(counts, expected) and counts.sum() == len(r.y_true)
    assert (tmp_path / "cm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fault_filtered_protocol_in_the_gui(window, qtbot):
    pb = window.training_panel.protocol_box
    i = pb.kind.findData("fault-filtered")
    assert pb.kind.model().item(i).isEnabled()  # the demo table has GTZAN ids
    configure_quick_run(window, models=("knn",), protocol="fault-filtered")
    run = _train(window, qtbot)
    r = run.results[0]
    assert "fault-filtered" in run.protocol and len(r.y_true) == 290
    assert r.pipeline.metadata["n_train"] == 640
    # measured: k-NN (k = 5) on the fault-filtered test clips 42.4 %, as the figure
    assert 0.39 < r.accuracy < 0.46


def test_a_dataset_with_its_own_split_is_trained_on_it_by_default(make_window, qtbot, idx_folder):
    """An MNIST-style folder (train + t10k files) selects "the dataset's own split": the t10k rows are the
    test set; the GTZAN table then disables it (the choice made before comes back) and offers the
    fault-filtered split, which the IDX folder did not (its ids are not GTZAN's)."""
    w = make_window(load_defaults=False)
    pb = w.training_panel.protocol_box
    items = pb.kind.model()
    pb.kind.setCurrentIndex(pb.kind.findData("holdout"))  # the person's choice before
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=60000):
        w.open_paths([str(idx_folder.path)])
    qtbot.waitUntil(lambda: w.state.dataset is not None and not w.jobs.dataset_running, timeout=30000)
    assert pb.kind.currentData() == "predefined"
    assert w.training_panel.config()["protocol"]["kind"] == "holdout"  # what is saved: the choice before
    assert items.item(pb.kind.findData("predefined")).isEnabled()
    assert not items.item(pb.kind.findData("fault-filtered")).isEnabled()
    for box in w.training_panel.model_boxes:
        box.setChecked(box.name == "knn")
    run = _train(w, qtbot)
    (r,) = run.results
    assert len(r.y_true) == idx_folder.n_test and "own split" in run.protocol
    assert r.pipeline.metadata["n_train"] == idx_folder.n_train
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=60000):
        w.datasets.load_demo()
    qtbot.waitUntil(lambda: not w.jobs.dataset_running, timeout=30000)
    assert not items.item(pb.kind.findData("predefined")).isEnabled()
    assert items.item(pb.kind.findData("fault-filtered")).isEnabled()
    assert pb.kind.currentData() == "holdout"


def test_early_stopping_never_sees_the_holdout_clips(window, qtbot, monkeypatch):
    """The GUI hold-out path (the training worker the Train button starts): held-out rows go to fit only
    for the validation curve, and never to a model that would stop early on them."""
    from genre_gui.workers.training import ModelSpec, Protocol, TrainingRequest

    seen = []
    original = SoftmaxRegression.fit

    def recording_fit(self, X, y, *args, **kwargs):
        seen.append((self.early_stopping, kwargs.get("X_val") is not None, X.shape[0]))
        return original(self, X, y, *args, **kwargs)

    monkeypatch.setattr(SoftmaxRegression, "fit", recording_fit)
    ds = window.state.dataset
    for early in (True, False):
        seen.clear()
        spec = ModelSpec("softmax", {"max_iter": 30, "early_stopping": early, "random_state": 0})
        with qtbot.waitSignal(window.jobs.training_finished, timeout=60000) as blocker:
            window.jobs.train(TrainingRequest(ds, (spec,), Protocol("holdout", test_percent=20)))
        run = blocker.args[0]
        assert run.results and len(run.results[0].y_true) == 200
        assert [n for _, _, n in seen] == [800]  # one fit, on the training clips only
        assert seen[0][0] is early
        # early stopping: no held-out rows at all; otherwise they are given for the validation curve
        assert seen[0][1] is (not early)
