"""Issue 14, "results never lie": Evaluation and Comparison name the data and models behind what they show,
mark it stale (yellow banner, greyed plots) once another dataset is loaded, and a new run clears the mark."""

from __future__ import annotations

import dataclasses

import pytest
from ui_helpers import configure_quick_run

from genre_gui.ui.state import DatasetInfo
from genre_gui.ui.views.palette import model_label


def _train(window, qtbot) -> None:
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()


@pytest.fixture
def trained(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=20)
    _train(window, qtbot)
    return window


def _announce_other_dataset(window, name: str):
    """Another dataset loaded, announced as the loading worker does (the demo's rows under a new name: a
    new object, so the panels must not treat it as the data they were trained on)."""
    ds = window.state.dataset
    other = dataclasses.replace(ds, name=name)
    window.state.set_dataset(DatasetInfo(other, "test", "npz"))
    return other


def test_views_name_the_dataset_and_model(trained):
    run = trained.state.run
    ev, cp = trained.evaluation_panel, trained.comparison_panel
    r = ev.current_result()
    assert run.dataset_name and run.dataset_name in ev.info.text()
    assert model_label(r.model) in ev.info.text() and run.protocol in ev.info.text()
    assert run.dataset_name in cp.summary.text() and run.protocol in cp.summary.text()
    assert not ev.banner.stale and not cp.banner.stale
    assert ev.matrix.isEnabled()


def test_another_dataset_marks_results_stale_until_a_new_run(trained, qtbot):
    old = trained.state.run.dataset_name
    ev, cp = trained.evaluation_panel, trained.comparison_panel
    new = "Other songs (12 clips)"
    _announce_other_dataset(trained, new)
    for panel in (ev, cp):
        assert panel.banner.stale and panel.banner.isVisibleTo(panel)
        text = panel.banner.text()
        assert old in text and new in text and "Train again" in text
    assert not ev.matrix.isEnabled()  # greyed
    assert not cp.bars.isEnabled() and not cp.tabs.isEnabled()
    # the old results are still there to look at, and still say where they came from
    assert old in ev.info.text()

    _train(trained, qtbot)  # a new run, on the dataset loaded now
    assert trained.state.run.dataset_name == new
    for panel in (ev, cp):
        assert not panel.banner.stale and not panel.banner.isVisibleTo(panel)
    assert ev.matrix.isEnabled() and cp.bars.isEnabled()
    assert new in ev.info.text() and new in cp.summary.text()


def test_reannouncing_the_same_dataset_is_not_stale(trained):
    # the same dataset announced again (new DatasetInfo, same data): the results still hold
    info = trained.state.dataset_info
    trained.state.set_dataset(dataclasses.replace(info, elapsed_seconds=info.elapsed_seconds + 1.0))
    assert not trained.evaluation_panel.banner.stale and not trained.comparison_panel.banner.stale


def test_a_dataset_loaded_during_the_run_marks_its_results_stale_at_once(window, qtbot):
    configure_quick_run(window, models=("knn",))
    old = window.state.dataset.name
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
        _announce_other_dataset(window, "Loaded meanwhile")
    assert window.state.run.dataset_name == old
    banner = window.evaluation_panel.banner
    assert banner.stale and "Loaded meanwhile" in banner.text()
    assert window.comparison_panel.banner.stale


def test_no_banner_without_results(window):
    _announce_other_dataset(window, "Something else")
    assert not window.evaluation_panel.banner.stale and not window.comparison_panel.banner.stale


def test_learning_curve_names_its_dataset(window, qtbot):
    from ui_helpers import show_panel

    configure_quick_run(window, models=("knn",))
    _train(window, qtbot)
    panel = show_panel(window, qtbot, "comparison")
    panel.learning.draws.setValue(1)
    with qtbot.waitSignal(window.jobs.curves_finished, timeout=120000):
        panel.learning.compute_button.click()
    assert panel.learning.note.text().startswith(f"On {window.state.dataset.name}:")
