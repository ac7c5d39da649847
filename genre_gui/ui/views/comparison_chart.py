"""Model comparison: accuracy and macro-F1 bars with ± std error bars, and small-multiple matrices."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .confusion_matrix import ConfusionMatrixPlot
from .palette import model_colour, model_label

BAR_WIDTH = 0.38


class MetricBarsView(QWidget):
    """Two bars per model (accuracy solid, macro-F1 lighter), error bars = std over folds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setTitle("Accuracy (solid), macro-F1 (light), ± std over folds")
        self.plot.setLabel("left", "score")
        self.plot.setYRange(0, 1.05, padding=0)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(y=True, alpha=0.2)
        f = QFont()
        f.setPointSize(9)
        self.plot.getAxis("bottom").setTickFont(f)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot_widget)
        self._items: list = []
        self.values: dict[str, tuple[float, float, float, float]] = {}

    def set_results(self, results) -> None:
        for it in self._items:
            self.plot.removeItem(it)
        self._items = []
        self.values = {}
        if not results:
            return
        x = np.arange(len(results), dtype=float)
        acc = np.array([r.accuracy for r in results])
        acc_sd = np.array([r.accuracy_std for r in results])
        f1 = np.array([r.macro_f1 for r in results])
        f1_sd = np.array([r.macro_f1_std for r in results])
        brushes = [pg.mkBrush(*model_colour(r.model)) for r in results]
        light = [pg.mkBrush(*model_colour(r.model), 110) for r in results]
        b1 = pg.BarGraphItem(x=x - BAR_WIDTH / 2, height=acc, width=BAR_WIDTH, brushes=brushes,
                             pen=pg.mkPen("k", width=0.5))
        b2 = pg.BarGraphItem(x=x + BAR_WIDTH / 2, height=f1, width=BAR_WIDTH, brushes=light,
                             pen=pg.mkPen("k", width=0.5))
        pen = pg.mkPen("k", width=1.5)
        e1 = pg.ErrorBarItem(x=x - BAR_WIDTH / 2, y=acc, height=2 * acc_sd, beam=0.12, pen=pen)
        e2 = pg.ErrorBarItem(x=x + BAR_WIDTH / 2, y=f1, height=2 * f1_sd, beam=0.12, pen=pen)
        for it in (b1, b2, e1, e2):
            self.plot.addItem(it)
            self._items.append(it)
        for i, r in enumerate(results):
            for dx, v in ((-BAR_WIDTH / 2, acc[i]), (BAR_WIDTH / 2, f1[i])):
                t = pg.TextItem(f"{v:.1%}", color=(0, 0, 0), anchor=(0.5, 1.0))
                t.setPos(x[i] + dx, min(1.0, v + (acc_sd[i] if dx < 0 else f1_sd[i])) + 0.005)
                self.plot.addItem(t)
                self._items.append(t)
            self.values[r.model] = (float(acc[i]), float(acc_sd[i]), float(f1[i]), float(f1_sd[i]))
        self.plot.getAxis("bottom").setTicks([[(i, model_label(r.model)) for i, r in enumerate(results)]])
        self.plot.setXRange(-0.6, len(results) - 0.4, padding=0)
        self.plot.setYRange(0, 1.08, padding=0)


class SmallMultiplesView(QWidget):
    """One compact row-normalised confusion matrix per model, side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.graphics)
        self.plots: list[ConfusionMatrixPlot] = []

    def steps(self, results, normalised: bool = True) -> list[Callable[[], None]]:
        """The drawing as one step per model: creating a plot is the slow part (~30 ms each)."""
        results = list(results)
        return [partial(self._keep_plots, len(results))] + [
            partial(self._draw, i, r, normalised) for i, r in enumerate(results)]

    def _keep_plots(self, n: int) -> None:
        # plots are reused across runs; only the surplus is removed
        while len(self.plots) > n:
            self.graphics.ci.removeItem(self.plots.pop().plot)

    def _draw(self, i: int, r, normalised: bool) -> None:
        while len(self.plots) <= i:
            pi = self.graphics.addPlot(row=0, col=len(self.plots))
            pi.setLabel("bottom", "predicted")
            pi.setLabel("left", "true")
            self.plots.append(ConfusionMatrixPlot(pi, annotate=True, short_labels=True, font_pt=7))
        cm = self.plots[i]
        cm.annotate = len(r.classes) <= 10
        ev = r.evaluation
        m = ev.confusion_normalized if normalised else ev.confusion
        cm.set_matrix(m, r.classes, normalised=normalised, title=f"{model_label(r.model)}: {r.accuracy:.1%}")
