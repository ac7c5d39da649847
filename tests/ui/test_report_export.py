"""Report export (issue 14): the folder is created, existing files are only replaced after a Yes, and
every image is a print-size figure whose title names the dataset, the protocol and the models."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox
from ui_helpers import configure_quick_run

from genre_gui.ui import report
from genre_gui.ui.views.palette import model_label


@pytest.fixture
def trained(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=30, protocol="kfold", folds=3)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
    return window


def _distinct_colours(image: QImage, step: int = 7) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


def test_export_creates_nested_folder_and_asks_before_overwriting(trained, tmp_path, monkeypatch):
    asked: list[str] = []

    def answer(reply):
        def question(_parent, _title, text, *_args, **_kw):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    out = tmp_path / "not" / "there" / "yet"
    written = trained.reports.export(str(out))
    assert out.is_dir() and not asked  # nothing to replace: no question
    names = {p.name for p in written}
    assert {"metrics.json", "metrics.csv", "comparison.png", "confusion_matrices.png", "loss_curves.png",
            "knn_accuracy_vs_k.png"} <= names
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no temp files left
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # a second export into the same folder asks; "No" leaves every file byte for byte
    assert trained.reports.export(str(out)) == []
    assert len(asked) == 1 and "metrics.json" in asked[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert "kept" in trained.statusBar().currentMessage()

    # "Yes" replaces them (a new, identical-size set), still without temp files
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert {p.name for p in trained.reports.export(str(out))} == names
    assert len(asked) == 2
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_exported_images_have_print_size_and_are_not_blank(trained, tmp_path):
    out = tmp_path / "report"
    written = [p for p in trained.reports.export(str(out)) if p.suffix == ".png"]
    n_models = len(trained.state.run.results)
    expected = {"comparison.png": (report.REPORT_WIDTH, report.REPORT_HEIGHT),
                "loss_curves.png": (report.REPORT_WIDTH, report.REPORT_HEIGHT),
                "knn_accuracy_vs_k.png": (report.REPORT_WIDTH, report.REPORT_HEIGHT),
                "confusion_matrices.png": (max(report.MATRIX_MIN_WIDTH, report.MATRIX_WIDTH * n_models),
                                           report.MATRIX_HEIGHT)}
    assert {p.name for p in written} == set(expected)
    for p in written:
        image = QImage(str(p))
        assert (image.width(), image.height()) == expected[p.name], p.name
        # a plot in colour has many colours; a blank (or only-white) export has one or two
        assert _distinct_colours(image) > 20, p.name
        # the top band holds the title: dark text pixels there, not only background
        top = image.copy(0, 0, image.width(), 40)
        assert _distinct_colours(top, step=2) > 3, p.name


def test_every_figure_title_names_dataset_protocol_and_models(trained):
    run = trained.state.run
    plots: dict = {}
    for panel in trained.reports.panels:
        plots.update(panel.report_plots(run))
    figures = report.report_figures(run, plots)
    assert set(figures) == set(plots)
    models = [model_label(r.model) for r in run.results]
    assert run.dataset_name and "fold" in run.protocol
    for name, fig in figures.items():
        text = "\n".join(fig.titles)
        assert run.dataset_name in text, name
        assert run.protocol in text, name
        for m in models:
            assert m in text, (name, m)
    # the matrices: one titled plot per model, with class names on BOTH axes and both axis labels
    matrices = figures["confusion_matrices"]
    plots_drawn = [item for item in matrices.layout.items if hasattr(item, "getAxis")]
    assert len(plots_drawn) == len(run.results)
    classes = [str(c) for c in run.results[0].classes]
    for plot in plots_drawn:
        left, bottom = plot.getAxis("left"), plot.getAxis("bottom")
        assert [t[1].strip() for t in left._tickLevels[0]] == classes
        assert [t[1].strip() for t in bottom._tickLevels[0]] == classes
        assert left.labelText == "true genre" and bottom.labelText == "predicted genre"
    assert run.row_word == "clip" and "each genre's recall" in matrices.titles[0]
    # the copied loss plot keeps its title, axis labels and a legend entry per curve
    loss = figures["loss_curves"]
    assert loss.titles[0].startswith("Loss")
    lp = next(item for item in loss.layout.items if hasattr(item, "getAxis"))
    # a k-fold run's curves are its last fold's (each fold restarts them): the axis says so
    assert lp.getAxis("bottom").labelText == "epoch (fold 3 of 3)"
    assert len(lp.legend.items) >= 2


def test_report_names_match_what_is_written(trained, tmp_path):
    run = trained.state.run
    plots: dict = {}
    for panel in trained.reports.panels:
        plots.update(panel.report_plots(run))
    written = trained.reports.export(str(tmp_path / "r"))
    assert sorted(p.name for p in written) == sorted(report.report_names(run, plots))


def test_evaluation_matrix_export_names_model_data_and_protocol(trained, tmp_path):
    ev = trained.evaluation_panel
    ev.select_model("knn")
    r = ev.current_result()
    fig = report.matrix_figure(r, ev.dataset_name, normalised=False)
    text = "\n".join(fig.titles)
    assert trained.state.run.dataset_name in text and r.protocol in text and model_label("knn") in text
    written = ev.export_matrix(str(tmp_path / "cm.csv"))
    assert [p.rsplit("/", 1)[-1] for p in written] == ["cm.csv", "cm.png"]
    image = QImage(written[1])
    assert (image.width(), image.height()) == (fig.width, fig.height)
    assert _distinct_colours(image) > 20


def test_hold_out_report_says_hold_out(window, qtbot, tmp_path):
    configure_quick_run(window, models=("knn",), protocol="holdout")
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
    run = window.state.run
    written = window.reports.export(str(tmp_path / "holdout"))
    assert "pairwise.csv" not in {p.name for p in written}  # no paired tests for one split
    plots: dict = {}
    for panel in window.reports.panels:
        plots.update(panel.report_plots(run))
    figures = report.report_figures(run, plots)
    for name, fig in figures.items():
        caption = "\n".join(fig.titles)
        assert "Protocol: hold-out" in caption and "Model: k-NN" in caption, name
    knn = next(item for item in figures["knn_accuracy_vs_k"].layout.items if hasattr(item, "getAxis"))
    assert "fold" not in knn.getAxis("bottom").labelText  # one split: no fold to name
