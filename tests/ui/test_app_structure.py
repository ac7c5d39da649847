"""The window is a thin shell: panels follow AppState and the JobController themselves, the training
relay goes from the job controller straight to the Training panel, and the live panel classifies with
the app's current model (no second default model of its own)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from genre_gui.ui.jobs import JobController
from genre_gui.ui.state import AppState

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ROOT / "genre_gui" / "ui" / "main_window.py"

pytestmark = pytest.mark.timeout(180)


def test_main_window_stays_a_thin_shell():
    text = WINDOW.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 300
    # no reaching into a panel's widgets: panels offer methods (report_plots, bind, ...)
    reach = re.findall(r"_panel\.(status|curves|progress|multiples|bars|table|matrix|classification)\b", text)
    assert reach == []
    assert panel_internals_reached(text) == []
    # no relaying of job events through the window
    relayed = r"jobs\.(epochs_received|model_started|training_progressed|dataset_progressed)"
    assert not re.search(relayed, text)


def panel_internals_reached(source: str) -> list[str]:
    """Every ``<panel>.<attribute>.<anything>`` in ``source`` that is not a signal being connected or
    emitted, where ``<panel>`` is ``self.*_panel`` or a local name bound to one (``cp =
    self.comparison_panel``, ``lib, tp = (self.library_panel, self.training_panel)``): a panel's widgets
    are its own business."""
    tree = ast.parse(source)

    def is_panel(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr.endswith("_panel")

    aliases: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = [(target, node.value)]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=False))
            aliases |= {t.id for t, v in pairs if isinstance(t, ast.Name) and is_panel(v)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)):
            continue
        owner = node.value.value
        if (is_panel(owner) or isinstance(owner, ast.Name) and owner.id in aliases) and \
                node.attr not in ("connect", "emit", "disconnect"):
            found.append(ast.unparse(node))
    return found


def test_the_panel_reach_check_catches_widget_access():
    """The check above would have caught the window's old reaches into the Comparison and Home panels."""
    old = ("class W:\n    def f(self):\n"
           "        lib, tp, ev, cp, st = (self.library_panel, self.training_panel, self.evaluation_panel,\n"
           "                               self.comparison_panel, self.state)\n"
           "        cp.save_requested.connect(lambda: self.save(cp.keep_combo.currentData()))\n"
           "        self.drops = FileDrops(self, self.home_panel.drop_zone.set_hover)\n"
           "        home = self.home_panel\n"
           "        home.classify_requested.connect(self.classify)\n"
           "        home.answer.setText('')\n")
    assert sorted(panel_internals_reached(old)) == [
        "cp.keep_combo.currentData", "home.answer.setText", "self.home_panel.drop_zone.set_hover"]


@pytest.fixture(scope="module")
def small_run():
    """A real two-model run on the bundled GTZAN table (3-fold), made with core calls only."""
    from genre_gui.assets import DEMO_CSV
    from genre_gui.core.datasets import load_feature_csv
    from genre_gui.core.experiment import ModelSpec, Protocol, TrainingRun, evaluate_model

    ds = load_feature_csv(DEMO_CSV)
    protocol = Protocol(kind="kfold", n_splits=3)
    splits = protocol.splits(ds)
    specs = [ModelSpec("softmax", {"max_iter": 30, "random_state": 0}), ModelSpec("knn", {"n_neighbors": 5})]
    results = [evaluate_model(s, ds, protocol, splits=splits) for s in specs]
    run = TrainingRun(results, protocol.describe(), ds.name, len(results[0].y_true), spec=protocol)
    run.pairwise()
    return run


@pytest.fixture
def bound(qtbot):
    """The four dock panels bound to a fresh AppState and JobController, as the window binds them."""
    from genre_gui.ui.panels.comparison_panel import ComparisonPanel
    from genre_gui.ui.panels.evaluation_panel import EvaluationPanel
    from genre_gui.ui.panels.library_panel import LibraryPanel
    from genre_gui.ui.panels.training_panel import TrainingPanel

    state = AppState()
    jobs = JobController(state, "")
    panels = {"library": LibraryPanel(), "training": TrainingPanel(), "evaluation": EvaluationPanel(),
              "comparison": ComparisonPanel()}
    for p in panels.values():
        qtbot.addWidget(p)
        p.bind(jobs, state)
    yield state, jobs, panels
    jobs.shutdown()


def test_results_panels_update_from_run_changed_alone(bound, small_run):
    state, _, panels = bound
    ev, cp = panels["evaluation"], panels["comparison"]
    assert ev.results == [] and cp.results == []
    state.set_run(small_run)  # no job, no window: the state alone
    assert ev.results == small_run.results and cp.results == small_run.results
    assert ev.model_combo.count() == 2 and cp.keep_combo.count() == 2
    assert cp.table.rowCount() == 2 and cp.tests == small_run.tests
    best = max(range(2), key=lambda i: small_run.results[i].accuracy)
    assert cp.keep_combo.currentIndex() == best
    plots = cp.report_plots(small_run)  # drawn on request, even never shown
    assert set(plots) == {"comparison", "confusion_matrices"}
    assert set(panels["training"].report_plots(small_run)) == {"loss_curves", "knn_accuracy_vs_k"}


def test_pipeline_and_dataset_changes_reach_the_panels(bound):
    from genre_gui.assets import DEMO_CSV
    from genre_gui.core.datasets import load_feature_csv
    from genre_gui.ui.state import DatasetInfo

    state, _, panels = bound
    state.set_pipeline(object(), "toy (trained, 50.0%)")
    assert panels["comparison"].current_model.text() == "Model for songs: toy (trained, 50.0%)"
    ds = load_feature_csv(DEMO_CSV)
    state.set_dataset(DatasetInfo(ds, "demo", "demo"))
    assert panels["library"].title.text() == ds.name
    assert panels["library"].genres.rowCount() == 10
    tp = panels["training"]
    assert not tp.protocol_box.segment_mode.isEnabled()  # one row per clip: no segment mode
    kinds = tp.protocol_box.kind
    assert kinds.model().item(kinds.findData("fault-filtered")).isEnabled()  # GTZAN ids


def test_training_events_go_from_the_job_controller_to_the_training_panel(bound):
    from genre_gui.core.models.base import TrainingEvent
    from genre_gui.workers.training import EpochBatch, ModelStarted, TrainingRequest

    state, jobs, panels = bound
    tp = panels["training"]
    req = TrainingRequest(None, tp.specs(), tp.protocol())
    jobs.training_started.emit(req)
    assert tp.status.text().startswith("Training…")
    jobs.model_started.emit(ModelStarted("softmax", 0, 3))
    assert tp.status.text() == "Training Softmax regression (1 of 3)…"  # the display name, not the key
    events = tuple(TrainingEvent("softmax", e, 5, 1.0 / e) for e in range(1, 6))
    jobs.epochs_received.emit(EpochBatch("softmax", -1, 1, events))
    assert tp.curves.series_length("softmax", "train") == 5


def test_keep_model_selects_it_in_evaluation(make_window, qtbot, small_run):
    w = make_window(load_defaults=False)
    w.state.set_run(small_run)
    other = 1 - max(range(2), key=lambda i: small_run.results[i].accuracy)
    w.comparison_panel.keep_requested.emit(other)
    assert w.state.pipeline is small_run.results[other].pipeline
    assert w.evaluation_panel.current_result() is small_run.results[other]
    from genre_gui.ui.views.palette import model_label

    r = small_run.results[other]
    label = f"{model_label(r.model)} on {small_run.dataset_name} ({r.accuracy:.1%})"
    assert w.model_status.text() == f"Model: {label}"


def test_live_panel_classifies_with_the_apps_model_and_loads_no_default_of_its_own(
        make_window, qtbot, monkeypatch):
    import genre_gui.core.persistence as persistence

    loads = []
    real = persistence.load_pipeline

    def counting(path, *a, **kw):
        loads.append(Path(path).name)
        return real(path, *a, **kw)

    monkeypatch.setattr(persistence, "load_pipeline", counting)
    w = make_window()
    qtbot.waitUntil(lambda: w.state.pipeline is not None and w.live_panel is not None, timeout=60000)
    assert w.live_panel.pipeline is w.state.pipeline  # the very object the app loaded
    assert loads.count("default_model.npz") == 1
    assert list(w.live_panel.classification.bars.classes) == [str(c) for c in w.state.pipeline.classes]

    assert w.live_panel.classification.model_line.text() == f"Model: {w.state.pipeline_label}"
    assert w.models.load_table_model()
    assert w.live_panel.pipeline is w.state.pipeline and loads.count("default_model.npz") == 1
    assert list(w.live_panel.classification.bars.classes) == [str(c) for c in w.state.pipeline.classes]
    # the live answer names its model, as the answers on Home do
    assert w.live_panel.classification.model_line.text() == f"Model: {w.state.pipeline_label}"
    assert "gtzan57 table model" in w.state.pipeline_label

    class TableOnly:  # a model trained on a feature table without audio features (e.g. MNIST)
        classes = np.array(["a", "b"])
        feature_set = None

        def predict_proba_audio(self, y, sr):
            raise AssertionError("never called: it cannot classify sound")

    w.state.set_pipeline(TableOnly(), "table only")
    assert w.live_panel.pipeline is None
    assert "cannot classify sound" in w.live_panel.classification.detail.text()
    w.state.set_pipeline(None)
    assert w.live_panel.classification.title.text() == "No model"
