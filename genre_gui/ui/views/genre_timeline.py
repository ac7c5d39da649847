"""Genre timeline of one song: its waveform on top and, below it on the same time axis, a heatmap of the
genre probabilities of every analysis window (one row per class), with a dot on each window's top class.

The heatmap is a :class:`pyqtgraph.PColorMeshItem` rather than an ``ImageItem``: the windows of a song are
spread evenly over it and so overlap slightly (or leave gaps), which a uniform image grid cannot place at
their true times. Overlapping windows share the overlap half and half; gaps stay blank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .confusion_matrix import COLORMAP

#: height of the waveform strip, in pixels: enough to see loud and quiet parts, small beside the heatmap
WAVEFORM_HEIGHT = 60
TICK_FONT_PT = 8
WAVEFORM_ROW_LABEL = "waveform"
#: the narrowest zoom, in seconds: below this the 1000-point envelope is only a few steps wide
MIN_X_RANGE = 0.5
_WAVE_PEN = (70, 90, 120)
_WAVE_BRUSH = (70, 90, 120, 150)


def window_edges(starts: np.ndarray, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Left and right edges of the cells drawn for windows sorted by start time.

    Parameters
    ----------
    starts : np.ndarray
        Window start times in seconds, shape (n,), sorted ascending.
    seconds : float
        Window length in seconds.

    Returns
    -------
    left, right : np.ndarray
        Shape (n,) each. A window keeps its true start and end except where it overlaps its
        neighbour: there the overlap is split at its middle, so no cell hides another.
    """
    ends = starts + seconds
    left, right = starts.astype(float), ends.astype(float)
    if starts.size > 1:
        nxt, end = starts[1:], ends[:-1]
        overlap = nxt < end
        middle = 0.5 * (nxt + end)
        right[:-1] = np.where(overlap, middle, end)
        left[1:] = np.where(overlap, middle, nxt)
    return left, right


class GenreTimeline(QWidget):
    """Waveform over a per-window genre-probability heatmap, sharing one zoomable time axis in seconds.

    Attributes
    ----------
    title_label : QLabel
        The title above both plots.
    wave_plot, heat_plot : pyqtgraph.PlotItem
        The waveform strip and the heatmap; their X axes are linked.
    mesh : pyqtgraph.PColorMeshItem
        The heatmap cells. Its ``z`` has one column per class and alternates window cells with
        (blank, NaN) gap cells, windows in start-time order: ``z[0::2]`` are the probabilities.
    markers : pyqtgraph.ScatterPlotItem
        One dot per window at (window centre, top class row centre).
    colorbar : pyqtgraph.ColorBarItem
        Colour scale of the probabilities, 0..1.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel("")
        # a file name may contain "<" or "&": never let it be read as rich text
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title_label.setContentsMargins(6, 2, 6, 0)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.layout.setVerticalSpacing(0)
        self.wave_plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.heat_plot: pg.PlotItem = self.graphics.addPlot(row=1, col=0)
        cmap = pg.colormap.get(COLORMAP)
        # in its own layout cell, not inserted into heat_plot: inside it would make the heatmap narrower
        # than the waveform, and linked X axes would then no longer line up second for second
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=cmap, interactive=False, width=10,
                                        label="probability")
        self.graphics.addItem(self.colorbar, row=1, col=1)

        self._tick_font = QFont()
        self._tick_font.setPointSize(TICK_FONT_PT)
        self._setup_plots()

        brush = pg.mkBrush(*_WAVE_BRUSH)
        pen = pg.mkPen(_WAVE_PEN, width=1)
        # two half-waves filled to zero give the symmetric waveform without building a polygon
        self.wave_upper = pg.PlotDataItem(stepMode="center", fillLevel=0.0, brush=brush, pen=pen)
        self.wave_lower = pg.PlotDataItem(stepMode="center", fillLevel=0.0, brush=brush, pen=pen)
        self.wave_plot.addItem(self.wave_upper)
        self.wave_plot.addItem(self.wave_lower)

        self.mesh = pg.PColorMeshItem(colorMap=cmap, levels=(0.0, 1.0), enableAutoLevels=False)
        self.heat_plot.addItem(self.mesh)
        self.colorbar.setImageItem(self.mesh)
        # white with a black rim: visible on both the dark and the yellow end of viridis
        self.markers = pg.ScatterPlotItem(size=7, symbol="o", brush=pg.mkBrush(255, 255, 255),
                                          pen=pg.mkPen(0, 0, 0, width=1))
        self.markers.setZValue(10)
        self.heat_plot.addItem(self.markers)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title_label)
        lay.addWidget(self.graphics, 1)

        self.probabilities = np.zeros((0, 0))
        self.starts = np.zeros(0)
        self.seconds = 0.0
        self.classes: list[str] = []
        self.duration = 0.0
        self._fit_left_axes([])

    def _setup_plots(self) -> None:
        wave, heat = self.wave_plot, self.heat_plot
        heat.setXLink(wave)
        for plot in (wave, heat):
            plot.setMouseEnabled(x=True, y=False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.getViewBox().setDefaultPadding(0.0)
            for side in ("left", "bottom"):
                ax = plot.getAxis(side)
                ax.setTickFont(self._tick_font)
                ax.enableAutoSIPrefix(False)
        wave.hideAxis("bottom")
        wave.setMinimumHeight(WAVEFORM_HEIGHT)
        wave.setMaximumHeight(WAVEFORM_HEIGHT)
        wave.getAxis("left").setTicks([[(0.0, WAVEFORM_ROW_LABEL)]])
        wave.setYRange(-1.0, 1.0, padding=0)
        # class 0 at the top, as in the probability bars and the confusion matrix
        heat.invertY(True)
        heat.setLabel("bottom", "time (s)")
        heat.getAxis("bottom").label.setFont(self._tick_font)
        heat.setYRange(0.0, 1.0, padding=0)
        # the colour bar shares the heatmap's layout row, which also holds the time axis: a bottom margin
        # as tall as that axis makes the bar span exactly the heatmap rows (and keeps its "0" unclipped)
        fm = QFontMetrics(self._tick_font)
        axis_height = 2 * fm.height() + 8  # tick labels, axis label, tick line and text margins
        heat.getAxis("bottom").setHeight(axis_height)
        self.colorbar.layout.setContentsMargins(0, 0, 0, axis_height)
        self.colorbar.axis.setTickFont(self._tick_font)

    def _fit_left_axes(self, names: Sequence[str]) -> None:
        """Give both left axes the width of the longest row name, so the two views are equally wide."""
        fm = QFontMetrics(self._tick_font)
        widest = max((fm.horizontalAdvance(s) for s in [WAVEFORM_ROW_LABEL, *names]), default=0)
        width = widest + 14  # tick line and the axis' own text margin
        for plot in (self.wave_plot, self.heat_plot):
            plot.getAxis("left").setWidth(width)

    def set_timeline(self, envelope: np.ndarray, duration: float, starts: np.ndarray, seconds: float,
                     probabilities: np.ndarray, classes: Sequence[str], title: str = "") -> None:
        """Draw one song, replacing whatever was drawn before.

        Parameters
        ----------
        envelope : np.ndarray
            Peak absolute amplitude over equal slices of the whole song, shape (m,), spanning
            ``0..duration``. May be all zero (silence) or empty.
        duration : float
            Length of the song in seconds; the initial X range is ``0..duration``.
        starts : np.ndarray
            Window start times in seconds, shape (n,). May be empty.
        seconds : float
            Window length in seconds; must be positive when there are windows.
        probabilities : np.ndarray
            Shape (n, k): per window, the probability of each class in ``classes`` order.
        classes : Sequence[str]
            The k class names, drawn top to bottom.
        title : str, optional
            Shown above the plots.

        Raises
        ------
        ValueError
            If the shapes disagree, or ``duration``/``starts``/``seconds`` are not finite times.
        """
        env = np.asarray(envelope, dtype=float)
        st = np.asarray(starts, dtype=float)
        probs = np.asarray(probabilities, dtype=float)
        names = [str(c) for c in classes]
        if env.ndim != 1:
            raise ValueError(f"envelope must be 1-D, got shape {env.shape}")
        if st.ndim != 1:
            raise ValueError(f"starts must be 1-D, got shape {st.shape}")
        if probs.shape != (st.size, len(names)):
            raise ValueError(f"probabilities has shape {probs.shape}, expected (len(starts), len(classes)) "
                             f"= ({st.size}, {len(names)})")
        if not np.isfinite(duration) or duration < 0:
            raise ValueError(f"duration must be a finite number of seconds >= 0, got {duration}")
        if st.size and not (np.isfinite(seconds) and seconds > 0):
            raise ValueError(f"seconds (the window length) must be positive, got {seconds}")
        if not np.all(np.isfinite(st)):
            raise ValueError("starts must be finite")
        # a NaN probability would make its cell vanish and its argmax meaningless: count it as 0
        probs = np.where(np.isfinite(probs), probs, 0.0)

        self.probabilities, self.starts, self.seconds = probs, st, float(seconds)
        self.classes, self.duration = names, float(duration)
        self.title_label.setText(title)
        self._fit_left_axes(names)
        last_end = float(st.max() + seconds) if st.size else 0.0
        # a zero-length file still gets a visible axis; the windows then set it
        span = float(duration) if duration > 0 else (last_end or 1.0)
        self._draw_waveform(np.nan_to_num(env), span)
        self._draw_heatmap(st, float(seconds), probs, names)

        x_max = max(span, last_end)
        for plot in (self.wave_plot, self.heat_plot):
            plot.getViewBox().setLimits(xMin=0.0, xMax=x_max, minXRange=min(MIN_X_RANGE, span))
        self.wave_plot.setXRange(0.0, span, padding=0)

    def _draw_waveform(self, env: np.ndarray, span: float) -> None:
        if env.size == 0:
            self.wave_upper.setData([], [])
            self.wave_lower.setData([], [])
            return
        # stepMode "center": slice i covers edges[i]..edges[i+1], exactly the slice the peak was taken over
        edges = np.linspace(0.0, span, env.size + 1)
        self.wave_upper.setData(edges, env)
        self.wave_lower.setData(edges, -env)
        peak = float(env.max())
        # silence would give an empty range; keep the flat line in the middle instead
        half = 1.05 * peak if peak > 0 else 1.0
        self.wave_plot.setYRange(-half, half, padding=0)

    def _draw_heatmap(self, starts: np.ndarray, seconds: float, probs: np.ndarray, names: list[str]) -> None:
        n, k = probs.shape
        self.heat_plot.getAxis("left").setTicks([[(i + 0.5, name) for i, name in enumerate(names)]])
        self.heat_plot.setYRange(0.0, max(k, 1), padding=0)
        self.heat_plot.getViewBox().setLimits(yMin=0.0, yMax=max(k, 1))
        if n == 0 or k == 0:
            self.mesh.setData()
            self.markers.setData([], [])
            return
        order = np.argsort(starts, kind="stable")
        left, right = window_edges(starts[order], seconds)
        # columns alternate window, gap: column 2j is window j, column 2j+1 the (maybe empty) gap after it
        xs = np.empty(2 * n)
        xs[0::2], xs[1::2] = left, right
        z = np.full((2 * n - 1, k), np.nan)
        z[0::2] = probs[order]
        x_grid = np.repeat(xs[:, None], k + 1, axis=1)
        y_grid = np.repeat(np.arange(k + 1, dtype=float)[None, :], 2 * n, axis=0)
        self.mesh.setData(x_grid, y_grid, z)
        # the window centre always lies inside its cell, even after an overlap was split
        self.markers.setData(starts + 0.5 * seconds, np.argmax(probs, axis=1) + 0.5)

    def clear(self) -> None:
        """Remove the waveform, the heatmap, the markers and the title."""
        self.title_label.setText("")
        self.wave_upper.setData([], [])
        self.wave_lower.setData([], [])
        self.mesh.setData()
        self.markers.setData([], [])
        self.heat_plot.getAxis("left").setTicks([[]])
        self.probabilities = np.zeros((0, 0))
        self.starts = np.zeros(0)
        self.seconds = 0.0
        self.classes = []
        self.duration = 0.0
