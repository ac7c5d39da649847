"""Model comparison: accuracy and macro-F1 bars with ± std error bars, and small-multiple matrices."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .confusion_matrix import ConfusionMatrixPlot
from .palette import model_colour, model_label

BAR_WIDTH = 0.38
#: the top of the score axis: above 1.0 there is room for the bars' numbers and the legend
TOP = 1.2


def wrap_label(text: str, width_px: float, metrics: QFontMetrics) -> str:
    """``text`` on two lines (split at the space nearest its middle) when it is wider than ``width_px``.

    Model names such as "One-vs-rest logistic" under bars at 1024 px overlapped their neighbours."""
    if metrics.horizontalAdvance(text) <= width_px or " " not in text:
        return text
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1:]


def metric_legend(plot: pg.PlotItem, text_pt: int) -> pg.LegendItem:
    """A legend saying which bar is which (solid accuracy, light macro-F1), in grey: colours are models."""
    # one row across the top, above the 100 % line (the y range leaves room for it): never over a bar
    legend = plot.addLegend(offset=(10, 2), labelTextSize=f"{text_pt}pt", colCount=3,
                            brush=pg.mkBrush(255, 255, 255, 220))
    pen = pg.mkPen("k", width=0.5)
    legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=0, brush=pg.mkBrush(90, 90, 90), pen=pen),
                   "accuracy")
    legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=0, brush=pg.mkBrush(90, 90, 90, 110), pen=pen),
                   "macro-F1")
    legend.addItem(pg.ErrorBarItem(x=np.zeros(1), y=np.zeros(1), pen=pg.mkPen("k", width=1.5)),
                   "± std over folds")
    return legend


def draw_metric_bars(plot: pg.PlotItem, results, value_pt: int = 8) -> tuple[list, dict]:
    """Two bars per model into ``plot``; returns the items added and {model: (acc, sd, f1, sd)}.

    Shared by the Comparison panel and the exported report, so both show the same numbers."""
    items: list = []
    values: dict[str, tuple[float, float, float, float]] = {}
    if not results:
        return items, values
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
        plot.addItem(it)
        items.append(it)
    font = QFont()
    font.setPointSize(value_pt)
    for i, r in enumerate(results):
        for dx, v in ((-BAR_WIDTH / 2, acc[i]), (BAR_WIDTH / 2, f1[i])):
            t = pg.TextItem(f"{v:.1%}", color=(0, 0, 0), anchor=(0.5, 1.0))
            t.setFont(font)
            t.setPos(x[i] + dx, min(1.0, v + (acc_sd[i] if dx < 0 else f1_sd[i])) + 0.005)
            plot.addItem(t)
            items.append(t)
        values[r.model] = (float(acc[i]), float(acc_sd[i]), float(f1[i]), float(f1_sd[i]))
    plot.setXRange(-0.6, len(results) - 0.4, padding=0)
    plot.setYRange(0, TOP, padding=0)
    # scores as percentages, and no "1.2" tick: the space above 100 % only holds labels and the legend
    steps = np.round(np.arange(0.0, 1.01, 0.1), 1)
    plot.getAxis("left").setTicks([[(float(v), f"{v:.0%}") for v in steps[::2]],
                                   [(float(v), "") for v in steps[1::2]]])
    return items, values


class MetricBarsView(QWidget):
    """Two bars per model (accuracy solid, macro-F1 lighter), error bars = std over folds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        # short, and no legend on screen: a title or legend wider than the plot set the plot's minimum
        # width and clipped the bars at 1024 px (the exported report has the legend)
        self.plot.setTitle("Accuracy (solid), macro-F1 (light)")
        self.plot_widget.setToolTip("Bars: mean over folds; whiskers: ± one standard deviation over folds")
        self.plot.setLabel("left", "score")
        self.plot.setLabel("bottom", "model")
        self.plot.setYRange(0, TOP, padding=0)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(y=True, alpha=0.2)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        f = QFont()
        f.setPointSize(9)
        self.plot.getAxis("bottom").setTickFont(f)
        self.plot_widget.setMinimumSize(220, 180)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot_widget)
        self._items: list = []
        self._labels: list[str] = []
        self.values: dict[str, tuple[float, float, float, float]] = {}
        self.plot.getViewBox().sigResized.connect(self._fit_bottom_labels)

    def set_results(self, results) -> None:
        for it in self._items:
            self.plot.removeItem(it)
        self._items, self.values = draw_metric_bars(self.plot, results)
        self.plot.setYRange(0, 1.08, padding=0)  # no legend to make room for above 100 %
        self._labels = [model_label(r.model) for r in results]
        self._fit_bottom_labels()

    def _fit_bottom_labels(self) -> None:
        """Model names on two lines when they are wider than their place under the bars."""
        ax = self.plot.getAxis("bottom")
        fm = QFontMetrics(ax.style.get("tickFont") or QFont())
        if not self._labels:
            ax.setTicks(None)
            return
        # one model spans 1 of the (n + 0.2) units of the x range
        place = (self.plot.getViewBox().width() or 1.0) / (len(self._labels) + 0.2) - 8
        shown = [wrap_label(s, place, fm) for s in self._labels]
        # the percentages above the bars only where a bar is wide enough to hold one (the table beside
        # has them all): at 1024 px neighbouring labels ran into each other
        texts = [it for it in self._items if isinstance(it, pg.TextItem)]
        if texts:
            widest = QFontMetrics(texts[0].textItem.font()).horizontalAdvance("100.0%")
            fits = BAR_WIDTH * (place + 8) >= widest + 2
            for t in texts:
                t.setVisible(fits)
        ax.setTicks([[(i, s) for i, s in enumerate(shown)]])
        two = any("\n" in s for s in shown)
        ax.setStyle(tickTextHeight=2 * fm.height() if two else fm.height())
        ax.setHeight(None)


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
            col = len(self.plots)
            pi = self.graphics.addPlot(row=0, col=col)
            # equal widths: the layout shares space by preferred widths, which follow the titles, so a
            # short one ("k-NN: 66.4%") left its matrix the narrowest
            self.graphics.ci.layout.setColumnStretchFactor(col, 1)
            pi.setPreferredWidth(200)
            pi.setLabel("bottom", "predicted")
            pi.setLabel("left", "true")
            self.plots.append(ConfusionMatrixPlot(pi, annotate=True, short_labels=True, font_pt=7))
        cm = self.plots[i]
        cm.annotate = len(r.classes) <= 10
        ev = r.evaluation
        m = ev.confusion_normalized if normalised else ev.confusion
        cm.set_matrix(m, r.classes, normalised=normalised, title=f"{model_label(r.model)}: {r.accuracy:.1%}")
