""""Why this genre?": the nearest training clips of a k-NN answer (playable), the features that pushed a
linear model's answer (bar chart + table), or why there is no explanation."""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..widgets import CopyableTable, fit_to_screen

if TYPE_CHECKING:
    from ...core.explain import Explanation, LinearExplanation, NeighbourExplanation

_TOWARDS = (31, 119, 180)  # pushes towards the class
_AGAINST = (214, 39, 40)  # pushes against it


def _pct(p: float) -> str:
    return f"{100 * p:.0f} %"


def _votes(probabilities: dict, n: int = 3) -> str:
    best = sorted(probabilities.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{c} {_pct(p)}" for c, p in best if p > 0)


class ContributionBars(pg.PlotWidget):
    """Horizontal bars, one per feature: its contribution to the class's score (blue for, red against)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(220)
        self.getPlotItem().setMouseEnabled(x=False, y=False)
        self.getPlotItem().hideButtons()
        self.getPlotItem().invertY(True)
        self.getPlotItem().showGrid(x=True, alpha=0.25)
        self.getAxis("bottom").enableAutoSIPrefix(False)  # "(x0.001)" beside a logit only confuses
        self.zero = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen((90, 90, 90), width=1))
        self.addItem(self.zero)
        self.bars: pg.BarGraphItem | None = None
        self.values = np.zeros(0)
        self.names: list[str] = []

    def set_contributions(self, names: list[str], values: np.ndarray, x_label: str) -> None:
        if self.bars is not None:
            self.removeItem(self.bars)
            self.bars = None
        self.names, self.values = list(names), np.asarray(values, dtype=float)
        self.setLabel("bottom", x_label)
        if not self.names:
            return
        v = self.values
        brushes = [pg.mkBrush(*(_TOWARDS if x >= 0 else _AGAINST)) for x in v]
        self.bars = pg.BarGraphItem(x0=np.minimum(v, 0), y=np.arange(len(v)), height=0.7, width=np.abs(v),
                                    brushes=brushes, pens=[pg.mkPen(None)] * len(v))
        self.addItem(self.bars)
        self.getAxis("left").setTicks([[(i, n) for i, n in enumerate(self.names)]])
        span = float(np.max(np.abs(v))) if v.size else 1.0
        self.setXRange(-span, span, padding=0.05)
        self.setYRange(-0.5, len(v) - 0.5, padding=0)


class ExplanationView(QWidget):
    """Shows one :mod:`genre_gui.core.explain` result. Signal ``play_requested(str)``: a neighbour's
    audio file, double-clicked or played with the Play button."""

    play_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.pages = QStackedWidget()

        # k-NN: the neighbours, playable
        self.neighbours = CopyableTable(["rank", "genre", "distance", "clip"])
        self.neighbours.cellDoubleClicked.connect(lambda r, _c: self.play_row(r))
        self.neighbours.itemSelectionChanged.connect(self._update_play)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the selected training clip (double-click a row does the same)")
        self.play_button.clicked.connect(self._play_selected)
        self.play_note = QLabel("")
        self.play_note.setWordWrap(True)
        knn = QWidget()
        kl = QVBoxLayout(knn)
        kl.setContentsMargins(0, 0, 0, 0)
        kl.addWidget(self.neighbours, 1)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.play_note, 1)
        kl.addLayout(row)
        self.pages.addWidget(knn)

        # linear: the contributions as bars and as a table
        self.chart = ContributionBars()
        self.contributions = CopyableTable(["feature", "weight", "standardised value", "contribution"])
        self.contributions.setToolTip("contribution = weight × standardised value; Ctrl+C copies")
        lin = QSplitter(Qt.Orientation.Vertical)
        lin.addWidget(self.chart)
        lin.addWidget(self.contributions)
        lin.setStretchFactor(0, 3)
        lin.setStretchFactor(1, 2)
        lin.setSizes([380, 260])
        self.pages.addWidget(lin)

        # nothing to show
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.pages.addWidget(self.message)

        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.note)
        lay.addWidget(self.pages, 1)
        self.explanation: Explanation | None = None
        self._paths: list[str | None] = []

    # -- showing --------------------------------------------------------------------------------------
    def set_waiting(self, subject: str) -> None:
        self.explanation = None
        self.heading.setText(f"<b>{html.escape(subject)}</b>")
        self.note.setText("")
        self.message.setText("Working out why…")
        self.pages.setCurrentWidget(self.message)

    def set_explanation(self, e: Explanation, subject: str, note: str = "", answer: str = "") -> None:
        """Show ``e`` for ``subject`` (a song or clip name); ``answer`` is the app's answer in words."""
        self.explanation = e
        said = f": {html.escape(answer)}" if answer else ""
        if e.kind == "knn":
            self._show_neighbours(e, subject, said)
        elif e.kind == "linear":
            self._show_linear(e, subject, said)
        else:
            self.heading.setText(f"<b>{html.escape(subject)}</b>{said}")
            self.message.setText(e.reason)
            self.pages.setCurrentWidget(self.message)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _show_neighbours(self, e: NeighbourExplanation, subject: str, said: str) -> None:
        metric = "Euclidean distance" if e.metric == "euclidean" else "cosine distance"
        segs = f" of each of its {e.n_segments} segments" if e.n_segments > 1 else ""
        weighting = ", votes weighted by 1 / distance" if e.weights == "distance" else ""
        top = sorted(e.probabilities.values(), reverse=True)
        tie = " (a tie goes to the genre first in the model's class order)" if len(top) > 1 and \
            np.isclose(top[0], top[1]) else ""
        self.heading.setText(
            f"<b>Why {html.escape(str(e.predicted))}? {html.escape(subject)}</b>{said}<br>"
            f"k-NN: the {e.n_neighbors} nearest training clips{segs} ({metric} on standardised "
            f"features{weighting}) vote: {html.escape(_votes(e.probabilities))}{tie}.")
        multi = e.n_segments > 1
        headers = ["rank", "genre", "distance", "clip"] + (["segment"] if multi else [])
        self.neighbours.setColumnCount(len(headers))
        self.neighbours.setHorizontalHeaderLabels(headers)
        rows, self._paths = [], []
        for n in e.neighbours:
            name = n.source if n.source is not None else f"training row {n.row}"
            shown = os.path.basename(name) or name
            if n.distance == 0.0:
                shown += "  (identical features)"
            row = [n.rank, str(n.label), (n.distance, f"{n.distance:.3f}"), shown]
            if multi:
                row.append(n.segment + 1)
            rows.append(row)
            self._paths.append(n.source)
        self.neighbours.set_rows(rows)
        for r, n in enumerate(e.neighbours):
            tip = n.source or "this model does not record where its training rows came from"
            self.neighbours.item(r, 3).setToolTip(tip)
        self.neighbours.resizeColumnsToContents()
        if e.neighbours:
            self.neighbours.selectRow(0)
        self._update_play()
        self.pages.setCurrentIndex(0)

    def _show_linear(self, e: LinearExplanation, subject: str, said: str) -> None:
        other = "" if e.explained == e.predicted else f" (the answer is {html.escape(str(e.predicted))})"
        if e.model == "softmax":
            what = (f"Contributions to the <i>logit</i> of {html.escape(str(e.explained))}: softmax turns "
                    "every genre's logit into probabilities together, so a feature favours this genre "
                    "only as far as it pushes it more than the others.")
        else:
            what = (f"Contributions to the log-odds of {html.escape(str(e.explained))} against all the "
                    "other genres (its own one-vs-rest model).")
        segs = f" Values are the mean over the song's {e.n_segments} segments." if e.n_segments > 1 else ""
        items = list(e.top_positive) + list(e.top_negative)
        n_all, shown = e.contributions.shape[0], float(sum(c.contribution for c in items))
        rest = (f" The {len(items)} features below add {shown:+.2f}, the other {n_all - len(items)} "
                f"{float(e.contributions.sum()) - shown:+.2f}." if n_all > len(items) else "")
        self.heading.setText(
            f"<b>Why {html.escape(str(e.explained))}? {html.escape(subject)}</b>{said}{other}<br>{what} "
            f"Contribution = weight × standardised value. Score {e.score:.2f} = intercept {e.intercept:.2f} "
            f"+ the sum of all {n_all} contributions.{rest}{segs}")
        names = [c.feature + (" (log)" if c.log else "") for c in items]
        self.chart.set_contributions(names, np.array([c.contribution for c in items]),
                                     f"contribution to the {'logit' if e.model == 'softmax' else 'log-odds'}"
                                     f" of {e.explained}")
        self.contributions.set_rows([[n, c.weight, c.value, c.contribution] for n, c in zip(names, items)])
        self.contributions.resizeColumnsToContents()
        self.pages.setCurrentIndex(1)

    # -- playing --------------------------------------------------------------------------------------
    def playable(self, row: int) -> bool:
        path = self._paths[row] if 0 <= row < len(self._paths) else None
        return bool(path) and os.path.isfile(path)

    def play_row(self, row: int) -> None:
        """Ask for the neighbour's clip to be played (the app's player says why when it cannot)."""
        path = self._paths[row] if 0 <= row < len(self._paths) else None
        if path:
            self.play_requested.emit(path)

    def _selected_row(self) -> int:
        rows = sorted({i.row() for i in self.neighbours.selectedIndexes()})
        return rows[0] if rows else -1

    def _play_selected(self) -> None:
        self.play_row(self._selected_row())

    def _update_play(self) -> None:
        r = self._selected_row()
        ok = self.playable(r)
        self.play_button.setEnabled(ok)
        if r < 0:
            self.play_note.setText("")
        elif ok:
            self.play_note.setText("")
        elif self._paths[r]:
            self.play_note.setText(f"No audio file for {os.path.basename(self._paths[r])} (feature tables "
                                   "have no audio).")
        else:
            self.play_note.setText("Where this training row came from is not known.")


class ExplanationDialog(QDialog):
    """A non-modal window around :class:`ExplanationView` (one, reused for every explanation)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Why this genre?")
        self.setModal(False)
        self.view = ExplanationView(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.view, 1)
        lay.addWidget(buttons)
        fit_to_screen(self, 780, 760)

    def show_explanation(self, e: Any, subject: str, note: str = "", answer: str = "") -> None:
        self.view.set_explanation(e, subject, note, answer)
        self._present()

    def show_waiting(self, subject: str) -> None:
        self.view.set_waiting(subject)
        self._present()

    def _present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
