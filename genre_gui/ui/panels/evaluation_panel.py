"""Evaluation: a confusion-matrix heatmap per model (counts or row-normalised), the clips of a clicked
cell (double-click plays one), and a sortable, copyable per-class precision/recall/F1 table."""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..deferred import DrawWhenShown
from ..results import class_word, confusion, per_class_rows, per_class_tooltips, unit_of
from ..views.confusion_matrix import ConfusionMatrixView
from ..views.palette import model_label
from ..views.stale import StaleBanner
from ..widgets import CopyableTable

if TYPE_CHECKING:
    from ..jobs import JobController
    from ..state import AppState


class EvaluationPanel(QWidget):
    """Signals ``play_requested(str)``: a clip was double-clicked; ``explain_requested(result, source)``:
    "Why this genre?" on a listed clip (``source`` as in ``result.sources``)."""

    play_requested = Signal(str)
    explain_requested = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: list = []
        self.dataset_name = ""  # the data the results shown came from (named in the info line)
        self._pending: tuple = (None, "")  # (dataset, name) of the run in progress
        self._state: AppState | None = None
        self.model_combo = QComboBox()
        # a fixed width: growing to fit a new model's name re-laid out the whole dock area (the Training
        # tab beside it too) and repainted its live plots, a 45 ms stall each time a model finished
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # 20 characters: the panel must fit beside the others at 1024 px (it grows with the panel anyway)
        self.model_combo.setMinimumContentsLength(20)
        self.model_combo.currentIndexChanged.connect(self._refresh)
        self.counts = QRadioButton("Counts")
        self.normalised = QRadioButton("Row-normalised")
        self.normalised.setToolTip("Each row divided by its total: the diagonal is each genre's recall")
        self.counts.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.counts)
        group.addButton(self.normalised)
        self.normalised.toggled.connect(self._refresh)
        self.export_button = QPushButton("Export matrix…")
        self.export_button.setToolTip("Save the matrix shown as CSV and PNG (both, side by side)")
        self.export_button.clicked.connect(self.export_matrix_dialog)
        self.export_button.setEnabled(False)
        self.info = QLabel("Train models to see their confusion matrices.")
        self.info.setWordWrap(True)

        self.matrix = ConfusionMatrixView()
        self.drawing = DrawWhenShown(self)
        self.matrix.cell_clicked.connect(self.show_cell)
        self.cell_label = QLabel("Click a cell to list its clips; double-click a clip to play it.")
        self.cell_label.setWordWrap(True)
        self.clips = CopyableTable(["clip", "true", "predicted", "probability"])
        self.clips.enable_sorting()
        self.clips.cellDoubleClicked.connect(self._clip_activated)
        self.clips.itemSelectionChanged.connect(self._update_why)
        from .home_panel import EXPLAIN_SHORTCUT

        self.why_button = QPushButton("Why this genre?")
        self.why_button.setToolTip("Why the model kept from this run gives the selected clip its genre "
                                   f"({EXPLAIN_SHORTCUT})")
        self.why_button.setEnabled(False)
        self.why_button.clicked.connect(self.explain_selected)
        self.why_action = QAction("Why this genre?", self)
        self.why_action.setShortcut(QKeySequence(EXPLAIN_SHORTCUT))
        self.why_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.why_action.triggered.connect(self.explain_selected)
        self.addAction(self.why_action)
        self.clips.addAction(self.why_action)
        self.per_class = CopyableTable(["class", "precision", "recall", "F1", "support"])
        self.per_class.enable_sorting()
        self.per_class.setToolTip("Click a header to sort; Ctrl+C or right-click copies (tab-separated)")

        # two rows of controls, not one: a single row made the panel's minimum width 850 px
        top = QHBoxLayout()
        top.addWidget(QLabel("Model:"))
        top.addWidget(self.model_combo, 1)
        options = QHBoxLayout()
        options.addWidget(self.counts)
        options.addWidget(self.normalised)
        options.addStretch(1)
        options.addWidget(self.export_button)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addLayout(options)
        ll.addWidget(self.info)
        ll.addWidget(self.matrix, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        clip_box = QWidget()
        cl = QVBoxLayout(clip_box)
        cl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.cell_label, 1)
        head.addWidget(self.why_button)
        cl.addLayout(head)
        cl.addWidget(self.clips)
        right.addWidget(clip_box)
        pc = QWidget()
        pl = QVBoxLayout(pc)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(QLabel("Per-class precision / recall / F1"))
        pl.addWidget(self.per_class)
        right.addWidget(pc)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([620, 520])
        self.banner = StaleBanner((self.matrix, self.per_class, self.clips))
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(split)
        self._cell_rows: np.ndarray = np.zeros(0, int)

    def bind(self, jobs: JobController, state: AppState) -> None:
        """Show each model of a run as it finishes, then the run in ``state``; mark them stale when
        another dataset is loaded."""
        self._state = state
        jobs.training_started.connect(self._run_started)
        jobs.model_finished.connect(lambda _r: self.set_results(jobs.partial_results, self._pending[1],
                                                                self._pending[0]))
        state.run_changed.connect(self.show_run)
        state.dataset_changed.connect(self.banner.info_loaded)

    def _run_started(self, request) -> None:
        self._pending = (request.dataset, str(getattr(request.dataset, "name", "")))

    def show_run(self, run) -> None:
        """A run of ``AppState.run_changed`` (None: nothing to show)."""
        if run is None:
            self.set_results([])
            return
        dataset = self._pending[0] if self._pending[1] == run.dataset_name else None
        self.set_results(run.results, run.dataset_name, dataset)

    def set_results(self, results: list, dataset_name: str = "", dataset=None) -> None:
        """Show ``results``, made on ``dataset`` (named ``dataset_name``; the object when known)."""
        current_data = None if self._state is None else self._state.dataset
        self.banner.set_source(dataset, dataset_name, current_data, has_results=bool(results))
        if [id(r) for r in results] == [id(r) for r in self.results] and dataset_name == self.dataset_name:
            return  # already shown (each model is shown as it finishes, then the whole run)
        self.dataset_name = dataset_name
        current = self.model_combo.currentData()
        self.results = list(results)
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for i, r in enumerate(self.results):
            self.model_combo.addItem(f"{model_label(r.model)}: accuracy {r.accuracy:.1%}", i)
        names = [r.model for r in self.results]
        if isinstance(current, int) and current < len(self.results) and names:
            self.model_combo.setCurrentIndex(current)
        self.model_combo.blockSignals(False)
        self._refresh()

    def current_result(self):
        i = self.model_combo.currentData()
        return self.results[i] if isinstance(i, int) and i < len(self.results) else None

    def select_model(self, name: str) -> None:
        for i, r in enumerate(self.results):
            if r.model == name:
                self.model_combo.setCurrentIndex(i)

    def _refresh(self) -> None:
        r = self.current_result()
        self.clips.setRowCount(0)
        self.export_button.setEnabled(r is not None)
        self._update_why()
        if r is None:
            self.drawing.request(self.matrix.clear)
            self.per_class.setRowCount(0)
            self.info.setText("Train models to see their confusion matrices.")
            return
        norm = self.normalised.isChecked()
        m = confusion(r, norm)
        n = int(len(r.y_true))
        unit = unit_of(None if self._state is None else self._state.dataset)
        self._set_words(unit)
        self.drawing.request(partial(self.matrix.set_matrix, m, r.classes, normalised=norm,
                                     title=f"{model_label(r.model)}: {n} {unit} evaluated"))
        std = f" ± {r.accuracy_std:.1%}" if r.has_spread else ""
        from ...core.evaluation import small_test_warning

        warning = small_test_warning(float(r.evaluation.accuracy), n, unit)
        data = f" on {self.dataset_name}" if self.dataset_name else ""
        self.info.setText(f"{model_label(r.model)}{data}, {r.protocol}. Accuracy {r.accuracy:.1%}{std}, "
                          f"macro-F1 {r.macro_f1:.1%}; "
                          f"trained in {r.train_seconds:.1f} s." + (f" {warning}" if warning else ""))
        rows = per_class_rows(r)
        self.per_class.set_rows(rows, tooltips=per_class_tooltips(rows))
        self.per_class.resizeColumnsToContents()
        self.cell_label.setText(f"Click a cell to list its {unit}; double-click a clip to play it."
                                if unit == "clips" else f"Click a cell to list its {unit}.")
        self._update_why()

    def _set_words(self, unit: str) -> None:
        """Music words for clips of music, plain ones for digits and tables ("class", "sample")."""
        self._unit = unit
        kind = class_word(unit[:-1])
        self.matrix.plot_item.setLabel("bottom", f"predicted {kind}")
        self.matrix.plot_item.setLabel("left", f"true {kind}")
        self.clips.setHorizontalHeaderLabels([unit[:-1], "true", "predicted", "probability"])

    def export_matrix(self, csv_path: str) -> list[str]:
        """Write the matrix shown to ``csv_path`` and the same name with ``.png``; returns the paths."""
        from ...core.persistence import atomic_write
        from ..report import confusion_csv, matrix_figure, png_bytes

        r = self.current_result()
        if r is None:
            return []
        base = os.path.splitext(csv_path)[0]
        norm = self.normalised.isChecked()
        atomic_write(base + ".csv", confusion_csv(r, norm))
        # drawn afresh at print size with the model, data and protocol in its title (not the on-screen
        # view scaled up, which names neither and depends on the window's size)
        atomic_write(base + ".png", png_bytes(matrix_figure(r, self.dataset_name, norm, self._unit).render()))
        return [base + ".csv", base + ".png"]

    def export_matrix_dialog(self) -> None:
        r = self.current_result()
        if r is None:
            return
        name = f"confusion_{r.model}{'_normalised' if self.normalised.isChecked() else ''}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export confusion matrix (CSV and PNG)",
                                              os.path.join(os.path.expanduser("~"), name), "CSV (*.csv)")
        if not path:
            return
        try:
            written = self.export_matrix(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"{path}: {exc.strerror or exc}")
            return
        self.cell_label.setText("Exported " + " and ".join(os.path.basename(p) for p in written))

    def show_cell(self, row: int, col: int) -> None:
        """List the clips whose true class is ``classes[row]`` and prediction ``classes[col]``."""
        r = self.current_result()
        if r is None:
            return
        classes = list(r.classes)
        true_c, pred_c = classes[row], classes[col]
        y_true = np.asarray(r.y_true)
        y_pred = np.asarray(r.y_pred)
        rows = np.flatnonzero((y_true == true_c) & (y_pred == pred_c))
        self._cell_rows = rows
        self.matrix.cm.highlight(row, col)
        unit = getattr(self, "_unit", "clips")[:-1]
        self.cell_label.setText(f"{len(rows)} {unit}(s): true {true_c}, predicted {pred_c}")
        table = []
        for i in rows:
            p = float(r.proba[i, col])
            src = r.sources[i]
            table.append([os.path.basename(str(src)) or str(src), str(true_c), str(pred_c), (p, f"{p:.2f}")])
        self.clips.set_rows(table)
        for k, i in enumerate(rows):
            self.clips.item(k, 0).setData(Qt.ItemDataRole.UserRole, str(r.sources[i]))
            self.clips.item(k, 0).setToolTip(str(r.sources[i]))
        self.clips.resizeColumnsToContents()
        self._update_why()

    def selected_clip(self) -> str | None:
        """The source of the clip selected in the cell's list (None without one)."""
        rows = sorted({i.row() for i in self.clips.selectedIndexes()})
        item = self.clips.item(rows[0], 0) if rows else None
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def explain_selected(self) -> None:
        r, source = self.current_result(), self.selected_clip()
        if r is not None and source is not None:
            self.explain_requested.emit(r, source)

    def _update_why(self) -> None:
        self.why_button.setEnabled(self.current_result() is not None and self.selected_clip() is not None)

    def _clip_activated(self, row: int, _col: int) -> None:
        item = self.clips.item(row, 0)
        if item is not None:
            self.play_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
