"""Live loss curves: train (solid) and validation (dashed) loss of every model on one plot, plus k-NN's
validation accuracy against k on a second plot. Points are appended to preallocated arrays."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from .palette import model_colour, model_label


class _Series:
    """A growing (x, y) series drawn by one PlotDataItem; capacity doubles, so appends are O(1)."""

    def __init__(self, item: pg.PlotDataItem) -> None:
        self.item = item
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.n = 0

    def extend(self, xs: list[float], ys: list[float]) -> None:
        need = self.n + len(xs)
        if need > self.x.size:
            cap = max(need, 2 * self.x.size)
            self.x = np.resize(self.x, cap)
            self.y = np.resize(self.y, cap)
        self.x[self.n:need] = xs
        self.y[self.n:need] = ys
        self.n = need
        self.item.setData(self.x[:self.n], self.y[:self.n])

    def clear(self) -> None:
        self.n = 0
        self.item.setData([], [])


class LossCurvesView(QWidget):
    """``add_events(model, events)`` appends one batch of :class:`TrainingEvent` from the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setTitle("Loss (solid: train, dashed: validation)")
        #: the x axes' labels without the fold the curves show (added once k-fold curves arrive)
        self._x_labels = {"loss": "epoch", "knn": "k (neighbours)"}
        self._fold_note = ""
        self.loss_plot.setLabel("bottom", self._x_labels["loss"])
        self.loss_plot.setLabel("left", "cross-entropy loss")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_legend = self.loss_plot.addLegend(offset=(-10, 10))
        self.knn_plot = pg.PlotWidget()
        self.knn_plot.setTitle("k-NN: validation accuracy vs k")
        self.knn_plot.setLabel("bottom", self._x_labels["knn"])
        self.knn_plot.setLabel("left", "validation accuracy")
        self.knn_plot.showGrid(x=True, y=True, alpha=0.2)
        self.knn_plot.getAxis("left").enableAutoSIPrefix(False)
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)
        for plot in (self.loss_plot, self.knn_plot):
            for side in ("left", "bottom"):
                # grid lines of two tick levels, not three: the third level's faint lines were 60 % of
                # each repaint (20 ms -> 8 ms per repaint, measured offscreen), at up to 30 repaints/s
                plot.getAxis(side).setStyle(maxTickLevel=1)
        self.knn_legend = self.knn_plot.addLegend(offset=(-10, 10))
        self.log_scale = QCheckBox("Log-scale loss")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.fold_label = QLabel("")
        self.fold_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(self.log_scale)
        top.addStretch(1)
        top.addWidget(self.fold_label)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.loss_plot)
        split.addWidget(self.knn_plot)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        # no empty axes before there is something to draw: a one-line hint instead; the k-NN plot only
        # once a k-NN curve arrives
        self.hint = QLabel("Press Train: each model's loss appears here while it learns, epoch by epoch "
                           "(and k-NN's accuracy for every k).")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("QLabel { color: gray; }")
        self.split = split
        split.setVisible(False)
        self.knn_plot.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.hint, 1)
        lay.addWidget(split, 1)
        self._series: dict[tuple[str, str], _Series] = {}
        self._fold: dict[str, int] = {}
        #: points received per model, for tests and the status line
        self.points_received: dict[str, int] = {}

    def clear(self) -> None:
        for s in self._series.values():
            self.loss_plot.removeItem(s.item)
            self.knn_plot.removeItem(s.item)
        self._series.clear()
        self._fold.clear()
        self.points_received.clear()
        self.loss_legend.clear()
        self.knn_legend.clear()
        self.fold_label.setText("")
        self._set_fold_note("")
        self.knn_plot.setVisible(False)  # until this run sends a k-NN curve

    def _set_fold_note(self, note: str) -> None:
        """Say under the plots which fold the curves are from: each fold restarts them, so after a k-fold
        run they show the last fold only (the exported report copies these labels). On the axis label,
        not the title: a longer title would widen the plot's minimum width."""
        if note == self._fold_note:
            return
        self._fold_note = note
        for key, plot in (("loss", self.loss_plot), ("knn", self.knn_plot)):
            plot.setLabel("bottom", self._x_labels[key] + (f" ({note})" if note else ""))

    def set_log_scale(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=bool(on))

    def _get(self, model: str, kind: str) -> _Series:
        key = (model, kind)
        if key not in self._series:
            colour = model_colour(model)
            if kind == "knn":  # a validation curve against the model's own x (k-NN: accuracy vs k)
                self._label_validation_plot(model)
                pen = pg.mkPen(colour, width=2)
                item = self.knn_plot.plot(pen=pen, symbol="o", symbolSize=5, symbolBrush=colour,
                                          name=f"{model_label(model)} (validation)")
            elif kind == "train":
                item = self.loss_plot.plot(pen=pg.mkPen(colour, width=2), name=f"{model_label(model)} train")
            else:
                item = self.loss_plot.plot(pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
                                           name=f"{model_label(model)} validation")
            self._series[key] = _Series(item)
        return self._series[key]

    def _label_validation_plot(self, model: str) -> None:
        from ...core.models import MODELS

        cls = MODELS.get(model)
        if cls is not None and cls.curve.kind == "validation":
            spec = cls.curve
            self.knn_plot.setTitle(spec.title or f"{model_label(model)}: {spec.y_label} vs {spec.x_label}")
            self._x_labels["knn"] = spec.x_label
            note = f" ({self._fold_note})" if self._fold_note else ""
            self.knn_plot.setLabel("bottom", spec.x_label + note)
            self.knn_plot.setLabel("left", spec.y_label)

    def add_events(self, model: str, events, fold: int = -1, n_folds: int = 1) -> None:
        """Append a batch of events; a new fold restarts that model's curves (each fold starts at epoch 1)."""
        if fold != self._fold.get(model, fold):
            for kind in ("train", "val", "knn"):
                if (model, kind) in self._series:
                    self._series[(model, kind)].clear()
        self._fold[model] = fold
        if fold >= 0:
            self.fold_label.setText(f"{model_label(model)}: fold {fold + 1} of {n_folds}")
            self._set_fold_note(f"fold {fold + 1} of {n_folds}" if n_folds > 1 else "")
        validation = _draws_validation_curve(model)
        xs, tr, vx, vl, kx, ka = [], [], [], [], [], []
        for e in events:
            if e.train_loss is not None and np.isfinite(e.train_loss):
                xs.append(e.epoch)
                tr.append(e.train_loss)
            if e.val_loss is not None and np.isfinite(e.val_loss):
                vx.append(e.epoch)
                vl.append(e.val_loss)
            if e.val_accuracy is not None and (validation or (validation is None and e.train_loss is None)):
                kx.append(e.epoch)
                ka.append(e.val_accuracy)
        if not self.split.isVisibleTo(self):
            self.hint.setVisible(False)
            self.split.setVisible(True)
        if kx and not self.knn_plot.isVisibleTo(self):
            self.knn_plot.setVisible(True)
        if xs:
            self._get(model, "train").extend(xs, tr)
        if vx:
            self._get(model, "val").extend(vx, vl)
        if kx:
            self._get(model, "knn").extend(kx, ka)
        self.points_received[model] = self.points_received.get(model, 0) + len(xs) + len(vx) + len(kx)

    def series_length(self, model: str, kind: str) -> int:
        s = self._series.get((model, kind))
        return 0 if s is None else s.n


def _draws_validation_curve(model: str) -> bool | None:
    """Whether the model's registry spec (``curve.kind``) says it streams a validation curve (its
    ``val_accuracy`` goes to the validation plot) or losses only; None for a model not registered (then a
    step with a validation accuracy and no training loss is taken for a validation point, as k-NN's are)."""
    from ...core.models import MODELS

    cls = MODELS.get(model)
    return None if cls is None else cls.curve.kind == "validation"
