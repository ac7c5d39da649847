"""Which model is better: the pairwise table of paired tests, and per-class F1 side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from ..results import POOLED_ROW, row_tooltip
from ..widgets import CopyableTable
from .palette import model_label

if TYPE_CHECKING:
    from ...core.evaluation.significance import PairedTest
    from ...core.experiment import ModelResult

BETTER = QColor(198, 239, 206)  # light green: the row model is significantly better
WORSE = QColor(255, 205, 210)  # light red: significantly worse
ALPHA = 0.05


def oriented(tests: list[PairedTest], a: str, b: str) -> tuple[float, float, float, float, float] | None:
    """(difference, p, P(a better), P(equivalent), P(a worse)) of model ``a`` against ``b``, or None."""
    for t in tests:
        if (t.model_a, t.model_b) == (a, b):
            return t.mean_difference, t.p_value, t.p_better, t.p_equivalent, t.p_worse
        if (t.model_a, t.model_b) == (b, a):
            return -t.mean_difference, t.p_value, t.p_worse, t.p_equivalent, t.p_better
    return None


class PairwiseView(QWidget):
    """Row model against column model: difference, p-value, Bayesian probabilities; wins/ties/losses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel("Train models with k-fold cross-validation to test which one is better.")
        self.note.setWordWrap(True)
        self.table = CopyableTable(["model"])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)

    def set_tests(self, results: list[ModelResult], tests: list[PairedTest], protocol: str) -> None:
        from ...core.evaluation.significance import win_tie_loss

        names = [r.model for r in results]
        if not tests:
            self.note.setText(
                "Paired tests need several folds on the same splits. Choose k-fold cross-validation in "
                "Training (Repeats 5 or 10 for surer answers) and train the models together."
                if results else "Train models with k-fold cross-validation to test which one is better.")
            self.table.setRowCount(0)
            self.table.setColumnCount(1)
            return
        n, rope = tests[0].n_folds, tests[0].rope
        self.note.setText(
            f"Row model against column model, on accuracy over the same {n} folds ({protocol}). "
            f"First line: difference in percentage points and the p-value of the corrected resampled "
            f"t-test (Nadeau & Bengio); ▲ the row model is better, ▼ worse (p < {ALPHA:g}), = no "
            f"significant difference. Second line: Bayesian correlated t-test, the probability that the "
            f"row model is better / within ±{100 * rope:g} point / worse.")
        labels = [model_label(m) for m in names]
        headers = ["model", *labels, "wins / ties / losses"]
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(names))
        bold = QFont()
        bold.setBold(True)
        for i, a in enumerate(names):
            head = QTableWidgetItem(labels[i])
            head.setFont(bold)
            self.table.setItem(i, 0, head)
            for j, b in enumerate(names):
                item = QTableWidgetItem(self.cell_text(tests, a, b))
                o = oriented(tests, a, b)
                if o is not None and o[1] < ALPHA:
                    item.setBackground(QBrush(BETTER if o[0] > 0 else WORSE))
                self.table.setItem(i, j + 1, item)
            wins, ties, losses = win_tie_loss(tests, a, ALPHA)
            self.table.setItem(i, len(names) + 1, QTableWidgetItem(f"{wins} / {ties} / {losses}"))
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()

    @staticmethod
    def cell_text(tests: list[PairedTest], a: str, b: str) -> str:
        if a == b:
            return "—"
        o = oriented(tests, a, b)
        if o is None:
            return "not paired"
        diff, p, better, equivalent, worse = o
        mark = "=" if p >= ALPHA else ("▲" if diff > 0 else "▼")
        points = "±0.0" if abs(100 * diff) < 0.05 else f"{100 * diff:+.1f}"  # never "-0.0"
        return (f"{mark} {points} pts, p = {p:.3g}\n"
                f"better {better:.2f} · equal {equivalent:.2f} · worse {worse:.2f}")


class PerClassF1View(CopyableTable):
    """F1 of every class (rows) for every model (columns), the best of each row in bold.

    The F1 values come from each model's pooled out-of-fold answers (``ModelResult.evaluation``), so
    the last row, their mean, is labelled as such (:data:`POOLED_ROW`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(["class"], parent)

    def set_results(self, results: list[ModelResult]) -> None:
        self.setSortingEnabled(False)
        self.clear()
        headers = ["class", *[model_label(r.model) for r in results]]
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        if not results:
            self.setRowCount(0)
            return
        classes = [str(c) for c in results[0].classes]
        rows = [(c, [float(r.evaluation.f1[i]) for r in results]) for i, c in enumerate(classes)]
        rows.append((POOLED_ROW, [float(r.evaluation.macro_f1) for r in results]))
        self.setRowCount(len(rows))
        bold = QFont()
        bold.setBold(True)
        for i, (name, values) in enumerate(rows):
            label = QTableWidgetItem(name)
            label.setToolTip(row_tooltip(name))
            self.setItem(i, 0, label)
            best = max(values)
            for j, v in enumerate(values):
                item = QTableWidgetItem(f"{v:.3f}")
                if len(values) > 1 and v == best:
                    item.setFont(bold)
                self.setItem(i, j + 1, item)
        self.resizeColumnsToContents()
