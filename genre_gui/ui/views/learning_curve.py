"""Learning curve: accuracy (mean ± std over random draws) against training clips per class, per model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ..widgets import ProgressRow
from .palette import model_colour, model_label

if TYPE_CHECKING:
    from ...core.experiment import LearningCurve


class LearningCurveView(QWidget):
    """The plot, a Compute button with the number of draws, and a progress row with Cancel.

    The x axis is logarithmic (1, 2, 5, 10, ... clips per class), drawn as log10 so the error bars line up.
    """

    compute_requested = Signal(int)  # random draws per size
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLabel("bottom", "training clips per class")
        self.plot.setLabel("left", "accuracy on the other clips")
        self.plot.setYRange(0, 1.0, padding=0.02)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMouseEnabled(x=False, y=False)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.compute_button = QPushButton("Compute learning curve")
        self.compute_button.setToolTip("Train every compared model on 1, 2, 5, … random clips of each class "
                                       "and score it on all the other clips (Ctrl+Shift+L)")
        self.compute_button.clicked.connect(lambda: self.compute_requested.emit(int(self.draws.value())))
        self.draws = QSpinBox()
        self.draws.setRange(1, 50)
        self.draws.setValue(5)
        self.draws.setToolTip("random draws of the training clips per point (mean ± std over them)")
        self.note = QLabel("How many songs per genre does a model need? Compute the curve for the models "
                           "of the last run.")
        self.note.setWordWrap(True)
        self.progress = ProgressRow()
        self.progress.cancel_requested.connect(self.cancel_requested.emit)
        controls = QHBoxLayout()
        controls.addWidget(self.compute_button)
        controls.addWidget(QLabel("draws per point:"))
        controls.addWidget(self.draws)
        controls.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(controls)
        lay.addWidget(self.note)
        lay.addWidget(self.plot_widget, 1)
        lay.addWidget(self.progress)
        self.curves: list[LearningCurve] = []
        self._items: list = []
        #: the data the curves are computed on (named in the note under the controls)
        self.dataset_name = ""

    def clear(self) -> None:
        for it in self._items:
            self.plot.removeItem(it)
        self._items = []
        self.legend.clear()
        self.curves = []

    def set_running(self, running: bool, message: str = "") -> None:
        self.compute_button.setEnabled(not running)
        if running:
            self.progress.start(message)
        else:
            self.progress.set_idle(message)

    def add_curve(self, curve: LearningCurve) -> None:
        self.curves.append(curve)
        x = np.log10(np.asarray(curve.sizes, dtype=float))
        mean, std = np.asarray(curve.mean), np.asarray(curve.std)
        colour = model_colour(curve.model)
        line = pg.PlotDataItem(x, mean, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7,
                               symbolBrush=pg.mkBrush(*colour), name=model_label(curve.model))
        bars = pg.ErrorBarItem(x=x, y=mean, height=2 * std, beam=0.03, pen=pg.mkPen(colour, width=1.5))
        for it in (line, bars):
            self.plot.addItem(it)
            self._items.append(it)
        sizes = sorted({s for c in self.curves for s in c.sizes})
        self.plot.getAxis("bottom").setTicks([[(float(np.log10(s)), str(s)) for s in sizes]])
        lo, hi = float(np.log10(sizes[0])), float(np.log10(sizes[-1]))
        self.plot.setXRange(lo - 0.1, hi + 0.1, padding=0)
        data = f"On {self.dataset_name}: m" if self.dataset_name else "M"
        self.note.setText(f"{data}ean ± std over {curve.repeats} random draw(s) of the training clips per "
                          "point; every other clip is the test set. Clips of one song never straddle the "
                          "split.")
