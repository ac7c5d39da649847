"""Comparison: the models of the last run side by side (scores with CV spread, training time, small
multiple confusion matrices), which one to keep, save/load, and report export."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from ..deferred import DrawWhenShown
from ..views.comparison_chart import MetricBarsView, SmallMultiplesView
from ..views.palette import model_label
from ..widgets import CopyableTable


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
        self.bars = MetricBarsView()
        self.table = CopyableTable(["model", "accuracy", "±", "macro-F1", "±", "train s", "clips"])
        self.table.enable_sorting(1, Qt.SortOrder.DescendingOrder)
        self.multiples = SmallMultiplesView()
        self.drawing = DrawWhenShown(self)
        self.summary = QLabel("Train models to compare them.")
        self.summary.setWordWrap(True)
        self.keep_combo = QComboBox()
        self.keep_combo.setToolTip("The model used to classify songs, by the live panel, and by Save Model")
        self.keep_combo.activated.connect(self._keep_activated)
        save = QPushButton("Save model…")
        save.clicked.connect(self.save_requested.emit)
        load = QPushButton("Load model…")
        load.clicked.connect(self.load_requested.emit)
        export = QPushButton("Export report…")
        export.clicked.connect(self.export_requested.emit)
        self.current_model = QLabel("Current model: none")
        self.current_model.setWordWrap(True)

        actions = QHBoxLayout()
        actions.addWidget(QLabel("Use model:"))
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
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.multiples)
        split.setSizes([420, 380])
        lay = QVBoxLayout(self)
        lay.addLayout(actions)
        lay.addWidget(split, 1)

    def _keep_activated(self, i: int) -> None:
        self.keep_requested.emit(int(self.keep_combo.itemData(i)))

    def set_results(self, results: list, note: str = "") -> None:
        self.results = list(results)
        bars = partial(self.bars.set_results, self.results)
        self.drawing.request(bars, *self.multiples.steps(self.results))
        rows = []
        for r in self.results:
            rows.append([model_label(r.model), (r.accuracy, f"{r.accuracy:.1%}"),
                         (r.accuracy_std, f"{r.accuracy_std:.1%}" if r.fold_accuracies else "—"),
                         (r.macro_f1, f"{r.macro_f1:.1%}"),
                         (r.macro_f1_std, f"{r.macro_f1_std:.1%}" if r.fold_macro_f1 else "—"),
                         (r.train_seconds, f"{r.train_seconds:.2f}"), int(len(r.y_true))])
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.keep_combo.clear()
        for i, r in enumerate(self.results):
            self.keep_combo.addItem(f"{model_label(r.model)} ({r.accuracy:.1%})", i)
        if self.results:
            best = max(range(len(self.results)), key=lambda i: self.results[i].accuracy)
            self.keep_combo.setCurrentIndex(best)
            self.summary.setText((note + " " if note else "") + f"Protocol: {self.results[0].protocol}.")
        else:
            self.summary.setText(note or "Train models to compare them.")

    def set_current_model(self, text: str) -> None:
        self.current_model.setText(f"Current model: {text or 'none'}")
