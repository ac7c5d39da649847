"""Confusion matrix heatmap: ImageItem + ColorBarItem, class names on both axes, numbers in the cells,
clickable cells. :class:`ConfusionMatrixPlot` draws into a PlotItem so it also serves the small multiples."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

#: beyond this many classes the cell numbers would be unreadable
MAX_ANNOTATED_CLASSES = 20
#: numbers are never drawn smaller than this (points); smaller cells show colours only
MIN_POINT_SIZE = 6.0
COLORMAP = "viridis"


class CellLabels(pg.GraphicsObject):
    """All the numbers of a matrix in one item, drawn at a fixed pixel size at each cell's centre.

    One item painting n² strings costs ~1 ms; n² pyqtgraph TextItems cost ~2 ms each to create.
    """

    def __init__(self) -> None:
        super().__init__()
        self._texts: list[list[str]] = []
        self._dark: np.ndarray = np.zeros((0, 0), bool)
        self.font = QFont()
        #: what the last paint drew: (row, col, text box in device pixels); ``hidden`` when cells were
        #: too small for numbers. Kept for the tests: overlapping numbers are a layout bug.
        self.drawn: list[tuple[int, int, QRectF]] = []
        self.hidden = False

    def set_cells(self, texts: list[list[str]], dark: np.ndarray, font: QFont) -> None:
        self.prepareGeometryChange()
        self._texts, self._dark, self.font = texts, np.asarray(dark, bool), font
        self.update()

    def text(self, row: int, col: int) -> str:
        return self._texts[row][col] if row < len(self._texts) and col < len(self._texts[row]) else ""

    def boundingRect(self) -> QRectF:  # Qt override
        n = len(self._texts)
        return QRectF(0, 0, n, n)

    def paint(self, painter, *args) -> None:  # Qt override
        n = len(self._texts)
        self.drawn = []
        self.hidden = False
        if not n:
            return
        to_device = painter.transform()
        origin = to_device.map(QPointF(0, 0))
        corner = to_device.map(QPointF(1, 1))
        cell_w, cell_h = abs(corner.x() - origin.x()), abs(corner.y() - origin.y())
        font = self.fitting_font(cell_w, cell_h)
        if font is None:  # cells too small for any legible number: colours only (the tooltip/table has them)
            self.hidden = True
            return
        fm = QFontMetrics(font)
        painter.save()
        painter.resetTransform()
        painter.setFont(font)
        white, black = QColor(255, 255, 255), QColor(0, 0, 0)
        for r in range(n):
            for c in range(n):
                text = self._texts[r][c]
                centre = to_device.map(QPointF(c + 0.5, r + 0.5))
                w, h = fm.horizontalAdvance(text), fm.height()
                box = QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h)
                painter.setPen(white if self._dark[r, c] else black)
                painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
                self.drawn.append((r, c, box))
        painter.restore()

    def fitting_font(self, cell_w: float, cell_h: float) -> QFont | None:
        """The item's font, shrunk (not below ``MIN_POINT_SIZE``) until the widest number fits a cell with
        a margin; None when even that does not fit, so neighbouring numbers never run into each other."""
        widest = max((t for row in self._texts for t in row), key=len, default="")
        font = QFont(self.font)
        size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
        while size >= MIN_POINT_SIZE:
            font.setPointSizeF(size)
            fm = QFontMetrics(font)
            if fm.horizontalAdvance(widest) + 4 <= cell_w and fm.height() <= cell_h:
                return font
            size -= 0.5
        return None


class _ClickableImage(pg.ImageItem):
    def __init__(self, on_click, describe=None) -> None:
        super().__init__()
        self._on_click = on_click
        self._describe = describe
        self.setAcceptHoverEvents(True)

    def hoverEvent(self, ev) -> None:  # pyqtgraph override
        # the cell's value in a tooltip: small matrices leave their numbers out when cells are too small
        if self._describe is None or ev.isExit() or self.image is None:
            self.setToolTip("")
            return
        p = ev.pos()
        col, row = int(np.floor(p.x())), int(np.floor(p.y()))
        ncol, nrow = self.image.shape[:2]
        self.setToolTip(self._describe(row, col) if 0 <= row < nrow and 0 <= col < ncol else "")

    def mouseClickEvent(self, ev) -> None:  # Qt/pyqtgraph override
        if ev.button() != Qt.MouseButton.LeftButton or self.image is None:
            return
        p = ev.pos()
        col, row = int(np.floor(p.x())), int(np.floor(p.y()))
        ncol, nrow = self.image.shape[:2]
        if 0 <= row < nrow and 0 <= col < ncol:
            ev.accept()
            self._on_click(row, col)


class ConfusionMatrixPlot(QObject):
    """Draws one matrix into ``plot_item``; rows are true classes (top to bottom), columns predictions.

    Signal ``cell_clicked(row, col)``.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, plot_item: pg.PlotItem, *, annotate: bool = True, short_labels: bool = False,
                 font_pt: int = 9) -> None:
        super().__init__()
        self.plot = plot_item
        self.annotate = annotate
        self.short_labels = short_labels
        self.font_pt = font_pt
        self.image = _ClickableImage(self.cell_clicked.emit, self.describe)
        self.plot.addItem(self.image)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.getViewBox().setDefaultPadding(0.0)
        for side in ("left", "bottom"):
            ax = self.plot.getAxis(side)
            f = QFont()
            f.setPointSize(font_pt)
            ax.setTickFont(f)
        self.labels = CellLabels()
        self.labels.setZValue(10)
        self.plot.addItem(self.labels)
        self._highlight = QGraphicsRectItem()
        pen = QPen(QColor(230, 30, 30))
        pen.setWidthF(0.08)
        self._highlight.setPen(pen)
        self._highlight.setZValue(20)
        self._highlight.hide()
        self.plot.addItem(self._highlight)
        self.plot.getViewBox().sigResized.connect(self._fit_bottom_labels)
        self.matrix: np.ndarray | None = None
        self._normalised = False
        self.classes: list[str] = []
        self.levels = (0.0, 1.0)

    def set_matrix(self, matrix: np.ndarray, classes: list, *, normalised: bool, title: str = "") -> None:
        m = np.asarray(matrix, dtype=float)
        m = np.where(np.isfinite(m), m, 0.0)
        self.matrix = m
        self._normalised = bool(normalised)
        self.classes = [str(c) for c in classes]
        n = len(self.classes)
        vmax = 1.0 if normalised else max(1.0, float(m.max(initial=0.0)))
        self.levels = (0.0, vmax)
        # ImageItem indexes image[x, y]: x = predicted column, y = true row
        self.image.setImage(m.T, levels=self.levels, autoLevels=False)
        self.image.setColorMap(pg.colormap.get(COLORMAP))
        self.image.setRect(QRectF(0, 0, n, n))
        labels = [self._short(c) for c in self.classes]
        ticks = [[(i + 0.5, lab) for i, lab in enumerate(labels)]]
        left = self.plot.getAxis("left")
        left.setTicks(ticks)
        # the axis learns its text width only while painting, and hides labels wider than it has room
        # for: drawn once (an exported figure) the widest row name ("classical") was missing
        fm = QFontMetrics(left.style.get("tickFont") or QFont())
        left._updateMaxTextSize(max((fm.horizontalAdvance(s) for s in labels), default=0) + 4)
        self.plot.getAxis("bottom").setTicks(ticks)
        self._fit_bottom_labels()
        self.plot.setXRange(0, n, padding=0)
        self.plot.setYRange(0, n, padding=0)
        if title:
            self.plot.setTitle(title, size=f"{self.font_pt + 1}pt")
        self._draw_numbers(m, normalised, vmax)
        self._highlight.hide()

    def _fit_bottom_labels(self) -> None:
        """Stagger the column names on two lines when they would overlap at the current width."""
        if not self.classes:
            return
        ax = self.plot.getAxis("bottom")
        width = self.plot.getViewBox().width() or 1.0
        cell = width / len(self.classes)
        fm = QFontMetrics(ax.style.get("tickFont") or QFont())
        labels = [self._short(c) for c in self.classes]
        widest = max(fm.horizontalAdvance(s) for s in labels) + 6
        stagger = widest > cell and len(labels) > 1
        shown = [("\n" + s if (stagger and i % 2) else s) for i, s in enumerate(labels)]
        ax.setTicks([[(i + 0.5, s) for i, s in enumerate(shown)]])
        ax.setStyle(tickTextHeight=2 * fm.height() if stagger else fm.height())
        ax.textHeight = 0  # measured again below: two staggered lines, or one
        ax._updateMaxTextSize(2 * fm.height() if stagger else fm.height())
        ax.setHeight(None)

    def _short(self, name: str) -> str:
        return name[:4] if self.short_labels and len(name) > 5 else name

    def _draw_numbers(self, m: np.ndarray, normalised: bool, vmax: float) -> None:
        n = m.shape[0]
        font = QFont()
        font.setPointSize(self.font_pt if n <= 12 else max(6, self.font_pt - 2))
        if not self.annotate or n > MAX_ANNOTATED_CLASSES:
            self.labels.set_cells([], np.zeros((0, 0), bool), font)
            return
        texts = []
        for r in range(n):
            row = []
            for c in range(n):
                v = m[r, c]
                if normalised:
                    row.append("0" if v == 0 else ("1.0" if v >= 0.995 else f"{v:.2f}"))
                else:
                    row.append(f"{int(round(v))}")
            texts.append(row)
        # viridis is dark at the bottom: white ink there, black on the light upper range
        dark = m / vmax < 0.6 if vmax > 0 else np.ones_like(m, bool)
        self.labels.set_cells(texts, dark, font)

    def highlight(self, row: int, col: int) -> None:
        self._highlight.setRect(QRectF(col + 0.04, row + 0.04, 0.92, 0.92))
        self._highlight.show()

    def describe(self, row: int, col: int) -> str:
        """A cell in words (its tooltip): "true blues, predicted rock: 0.12"."""
        if self.matrix is None or not (0 <= row < len(self.classes) and 0 <= col < len(self.classes)):
            return ""
        v = float(self.matrix[row, col])
        value = f"{v:.2f}" if self._normalised else f"{int(round(v))} clip(s)"
        return f"true {self.classes[row]}, predicted {self.classes[col]}: {value}"

    def cell_text(self, row: int, col: int) -> str:
        return self.labels.text(row, col)


class ConfusionMatrixView(QWidget):
    """One large annotated matrix with a colour bar (Evaluation panel)."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot_item = self.graphics.addPlot()
        self.plot_item.setLabel("bottom", "predicted genre")
        self.plot_item.setLabel("left", "true genre")
        self.cm = ConfusionMatrixPlot(self.plot_item, annotate=True, font_pt=9)
        self.cm.cell_clicked.connect(self._clicked)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(COLORMAP), interactive=False,
                                        width=15)
        self.colorbar.setImageItem(self.cm.image, insert_in=self.plot_item)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.graphics)

    def set_matrix(self, matrix: np.ndarray, classes: list, *, normalised: bool, title: str = "") -> None:
        self.cm.set_matrix(matrix, classes, normalised=normalised, title=title)
        self.colorbar.setLevels(self.cm.levels)

    def clear(self) -> None:
        self.cm.image.clear()
        self.cm._draw_numbers(np.zeros((0, 0)), False, 1.0)
        self.plot_item.setTitle("")

    def _clicked(self, row: int, col: int) -> None:
        self.cm.highlight(row, col)
        self.cell_clicked.emit(row, col)
