"""Comparison: the models of the last run side by side (scores with CV spread, training time, small
multiple confusion matrices), which one is better (paired tests), per-class F1, the learning curve, which
model to keep, save/load, and report export."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..deferred import DrawWhenShown
from ..results import unit_of
from ..views.comparison_chart import MetricBarsView, SmallMultiplesView
from ..views.learning_curve import LearningCurveView
from ..views.pairwise_table import PairwiseView, PerClassF1View
from ..views.palette import model_label
from ..views.stale import StaleBanner
from ..widgets import CopyableTable

if TYPE_CHECKING:
    from ..jobs import JobController
    from ..state import AppState


class ComparisonPanel(QWidget):
    """Signals: ``keep_requested(int)`` (index into the results), ``save_requested``, ``load_requested``,
    ``export_requested``."""

    keep_requested = Signal(int)
    save_requested = Signal()
    load_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: list = []
        self.dataset_name = ""  # the data the results shown came from
        self._pending: tuple = (None, "")  # (dataset, name) of the run in progress
        self._state: AppState | None = None
        self.bars = MetricBarsView()
        self.table = CopyableTable(["model", "accuracy", "±", "macro-F1", "±", "train s", "clips"])
        self.table.enable_sorting(1, Qt.SortOrder.DescendingOrder)
        self.multiples = SmallMultiplesView()
        self.pairwise = PairwiseView()
        self.per_class = PerClassF1View()
        self.learning = LearningCurveView()
        self.tests: list = []
        self.drawing = DrawWhenShown(self)
        self.summary = QLabel("Train models to compare them.")
        self.summary.setWordWrap(True)
        self.keep_combo = QComboBox()
        # this run's model to act on; choosing one in the list makes it the model for songs (when it can
        # classify audio), and "Save model…" saves the one shown here
        self.keep_combo.setToolTip("A model of this run: pick one to use it for songs and the microphone; "
                                   "Save model… saves the one shown")
        self.keep_combo.activated.connect(self._keep_activated)
        save = QPushButton("Save model…")
        save.clicked.connect(self.save_requested.emit)
        load = QPushButton("Load model…")
        load.clicked.connect(self.load_requested.emit)
        export = QPushButton("Export report…")
        export.clicked.connect(self.export_requested.emit)
        self.current_model = QLabel("Model for songs: none")
        self.current_model.setWordWrap(True)

        actions = QHBoxLayout()
        actions.addWidget(QLabel("This run's model:"))
        actions.addWidget(self.keep_combo, 1)
        actions.addWidget(save)
        actions.addWidget(load)
        actions.addWidget(export)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.bars)
        tw = QWidget()
        tl = QVBoxLayout(tw)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.summary)
        tl.addWidget(self.table, 1)
        tl.addWidget(self.current_model)
        top.addWidget(tw)
        top.setSizes([470, 530])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.multiples, "Confusion matrices")
        self.tabs.addTab(self.pairwise, "Which is better")
        self.tabs.addTab(self.per_class, "Per-class F1")
        self.tabs.addTab(self.learning, "Learning curve")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.tabs)
        split.setSizes([420, 380])
        self.banner = StaleBanner((self.bars, self.table, self.tabs))
        lay = QVBoxLayout(self)
        lay.addLayout(actions)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)

    def _keep_activated(self, i: int) -> None:
        self.keep_requested.emit(int(self.keep_combo.itemData(i)))

    def bind(self, jobs: JobController, state: AppState) -> None:
        """Show ``state``'s run and current model; run learning curves through ``jobs`` on ``state``'s
        dataset, for the models shown here."""
        self._jobs, self._state = jobs, state
        jobs.training_started.connect(self._run_started)
        state.run_changed.connect(self.show_run)
        state.dataset_changed.connect(self.banner.info_loaded)
        state.pipeline_changed.connect(lambda _p: self.set_current_model(state.model_label))
        self.learning.compute_requested.connect(self.compute_learning_curves)
        self.learning.cancel_requested.connect(jobs.cancel_learning_curves)
        jobs.curve_started.connect(lambda _r: self.learning.set_running(True, "learning curve…"))
        jobs.curve_progressed.connect(self.learning.progress.update_progress)
        jobs.curve_received.connect(self.learning.add_curve)
        jobs.curves_finished.connect(lambda c: self.learning.set_running(False, f"{len(c)} curve(s) done"))
        jobs.curves_failed.connect(lambda m: self.learning.set_running(False, f"Failed: {m}"))
        jobs.curves_cancelled.connect(lambda: self.learning.set_running(False, "Cancelled"))

    def show_learning_curve(self) -> None:
        """View > Learning Curve (Ctrl+Shift+L, from any tab): its tab, computed when it can be."""
        self.tabs.setCurrentWidget(self.learning)
        if self.learning.compute_button.isEnabled():
            self.learning.compute_button.click()

    def compute_learning_curves(self, draws: int) -> None:
        from ...core.experiment import ModelSpec
        from ...workers.learning_curve import LearningCurveRequest

        dataset = None if getattr(self, "_state", None) is None else self._state.dataset
        if not self.results or dataset is None:
            self.learning.set_running(False, "Train some models first: the curve is drawn for the models "
                                             "of the last run.")
            return
        self.learning.clear()
        self.learning.dataset_name = str(getattr(dataset, "name", ""))
        specs = tuple(ModelSpec(r.model, dict(r.params)) for r in self.results)
        self._jobs.learning_curves(LearningCurveRequest(dataset, specs, int(draws)))

    def _run_started(self, request) -> None:
        self._pending = (request.dataset, str(getattr(request.dataset, "name", "")))

    def set_results(self, results: list, note: str = "", tests: list | None = None, dataset_name: str = "",
                    dataset=None) -> None:
        """Show a run's models; ``tests`` are its paired tests (``TrainingRun.tests``, computed by the
        worker), None or empty when there are none (a hold-out, or a cancelled run). ``dataset_name``
        (and ``dataset`` when known) is the data they were trained on."""
        current_data = None if self._state is None else self._state.dataset
        self.banner.set_source(dataset, dataset_name, current_data, has_results=bool(results))
        self.dataset_name = dataset_name
        self.results = list(results)
        self.tests = list(tests or [])
        protocol = self.results[0].protocol if self.results else ""
        self.pairwise.set_tests(self.results, self.tests, protocol)
        self.per_class.set_results(self.results)
        bars = partial(self.bars.set_results, self.results)
        self.drawing.request(bars, *self.multiples.steps(self.results))
        rows = []
        for r in self.results:
            rows.append([model_label(r.model), (r.accuracy, f"{r.accuracy:.1%}"),
                         (r.accuracy_std, f"{r.accuracy_std:.1%}" if r.has_spread else "—"),
                         (r.macro_f1, f"{r.macro_f1:.1%}"),
                         (r.macro_f1_std, f"{r.macro_f1_std:.1%}" if r.has_spread else "—"),
                         (r.train_seconds, f"{r.train_seconds:.2f}"), int(len(r.y_true))])
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.keep_combo.clear()
        for i, r in enumerate(self.results):
            self.keep_combo.addItem(f"{model_label(r.model)} ({r.accuracy:.1%})", i)
        if self.results:
            best = max(range(len(self.results)), key=lambda i: self.results[i].accuracy)
            self.keep_combo.setCurrentIndex(best)
            from ...core.evaluation import SMALL_TEST, wilson_interval

            folds = len(self.results[0].fold_scores)
            n = len(self.results[0].y_true)
            unit = unit_of(None if self._state is None else self._state.dataset)
            self.table.setHorizontalHeaderItem(6, QTableWidgetItem(unit))
            warning = ""
            if n < SMALL_TEST:
                right = [int(round(float(r.evaluation.accuracy) * n)) for r in self.results]
                spans = [wilson_interval(k, n) for k in right]
                warning = (f"Only {n} {unit} were tested, so these accuracies are rough: 95 % Wilson "
                           "intervals " + ", ".join(f"{model_label(r.model)} {lo:.0%}–{hi:.0%}"
                                                    for r, (lo, hi) in zip(self.results, spans)) + ".")
            data = f"Dataset: {dataset_name}. " if dataset_name else ""
            self.summary.setText((note + " " if note else "") + data + f"Protocol: {protocol}; "
                                 f"{folds} fold{'s' if folds != 1 else ''} per model, "
                                 f"{n} {unit} in the matrices." + (f" {warning}" if warning else ""))
        else:
            self.summary.setText(note or "Train models to compare them.")

    def show_run(self, run) -> None:
        """A run of ``AppState.run_changed``: its models, its paired tests."""
        if run is None:
            self.set_results([])
            return
        dataset = self._pending[0] if self._pending[1] == run.dataset_name else None
        self.set_results(run.results, "Cancelled run." if run.cancelled else "", run.tests, run.dataset_name,
                         dataset)

    def report_plots(self, _run=None) -> dict:
        """The plots of the report export by file name; the report redraws these two from the run at
        print size (:func:`..report.report_figures`), so the panel need not have been drawn."""
        return {"comparison": self.bars.plot, "confusion_matrices": self.multiples.graphics.scene()}

    def kept_model(self) -> int | None:
        """The index (in the run) of the model picked in "Use for songs", or None before a run."""
        data = self.keep_combo.currentData()
        return None if data is None else int(data)

    def set_current_model(self, text: str) -> None:
        self.current_model.setText(f"Model for songs: {text or 'none'}")
