"""Export a comparison report: PNGs of the plots, CSV and JSON of the metrics.

Every file is written to a temp file in the target folder and then moved into place, so an interrupted
export never leaves a half-written file under the final name. :class:`ReportController` exports the
app's last run; its images are redrawn off screen at a fixed print size (:class:`ReportFigure`) with a
title naming the dataset, the protocol and the models, instead of scaling up whatever the panels show on
screen (at 1024 px wide that cut titles and shrank legends to specks). The panels' ``report_plots(run)``
still say which plots there are; plot items of other panels are copied curve by curve. Exporters and
the model-file code are imported on first use: the window imports this module at start.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QObject, QRectF, Signal
from PySide6.QtGui import QFont

from .results import class_word, confusion, per_class_rows

if TYPE_CHECKING:
    import pyqtgraph as pg
    from PySide6.QtGui import QImage

    from ..core.experiment import TrainingRun

#: print sizes of the report's images (pixels) and their fonts (points): legible on paper and on screen
REPORT_WIDTH = 1400
REPORT_HEIGHT = 900
MATRIX_WIDTH = 600  # per model, in confusion_matrices.png
MATRIX_HEIGHT = 700
#: the narrowest confusion_matrices.png: its title and caption need it (one model's 700 px cut them off)
MATRIX_MIN_WIDTH = 1000
TITLE_PT, CAPTION_PT, AXIS_PT, TICK_PT, LEGEND_PT = 17, 12, 13, 11, 12


def atomic_write(path, data: bytes) -> None:
    from ..core.persistence import atomic_write as write

    write(path, data)


def _json_bytes(obj) -> bytes:
    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        return str(o)

    return json.dumps(obj, indent=2, default=default, allow_nan=False).encode("utf-8")


def png_bytes(image: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if image.isNull() or not image.save(buf, "PNG"):
        raise OSError("the report figure could not be encoded as PNG")
    return bytes(buf.data())


def export_png(item, path: Path, width: int = 1400) -> None:
    """Render a pyqtgraph item or scene to ``path`` atomically (through the same temp-file write as
    every other save)."""
    import pyqtgraph.exporters as pgx

    exporter = pgx.ImageExporter(item)
    exporter.parameters()["width"] = width
    image = exporter.export(toBytes=True)
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if image is None or image.isNull() or not image.save(buf, "PNG"):
        raise OSError(f"{path}: the image exporter produced no image")
    atomic_write(path, bytes(buf.data()))


def metrics_document(run, dataset_name: str) -> dict:
    """The run's one JSON form (:meth:`core.experiment.TrainingRun.to_json`) under the dataset's name."""
    return {**run.to_json(), "dataset": dataset_name}


def metrics_csv(run) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "class", "precision", "recall", "f1", "support", "accuracy", "accuracy_std",
                "macro_f1", "macro_f1_std", "train_seconds", "protocol"])
    for r in run.results:
        for row in per_class_rows(r):
            w.writerow([r.model, row[0], f"{row[1]:.6f}", f"{row[2]:.6f}", f"{row[3]:.6f}", row[4],
                        f"{r.accuracy:.6f}", f"{r.accuracy_std:.6f}", f"{r.macro_f1:.6f}",
                        f"{r.macro_f1_std:.6f}", f"{r.train_seconds:.3f}", r.protocol])
    return buf.getvalue().encode("utf-8")


def confusion_csv(result, normalised: bool = False) -> bytes:
    """A confusion matrix as CSV: a header of predicted classes, one row per true class."""
    m = confusion(result, normalised)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    classes = [str(c) for c in result.classes]
    w.writerow(["true \\ predicted", *classes])
    for c, row in zip(classes, m):
        w.writerow([c, *[f"{v:.6f}" if normalised else str(int(v)) for v in row]])
    return buf.getvalue().encode("utf-8")


def report_caption(run: TrainingRun) -> tuple[str, str]:
    """Two lines every report image carries: the dataset and protocol, then the models."""
    from .views.palette import model_label

    models = ", ".join(model_label(r.model) for r in run.results) or "none"
    cancelled = " (cancelled run)" if run.cancelled else ""
    return (f"Dataset: {run.dataset_name or 'unnamed'} \u00b7 Protocol: {run.protocol}{cancelled}",
            f"Model{'s' if len(run.results) != 1 else ''}: {models}")


class ReportFigure:
    """An off-screen figure of a fixed size: a bold title, the caption lines, then a row of plots.

    ``titles`` keeps the strings rendered, so tests can check what each image says without OCR.
    """

    def __init__(self, title: str, caption: tuple[str, ...], width: int, height: int,
                 columns: int = 1) -> None:
        import pyqtgraph as pg

        self.width, self.height, self.columns = int(width), int(height), max(1, int(columns))
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground("w")
        self.layout = self.widget.ci
        self.layout.setContentsMargins(12, 10, 24, 10)
        self.titles: list[str] = [title, *caption]
        self.layout.addLabel(title, row=0, col=0, colspan=self.columns, size=f"{TITLE_PT}pt", bold=True,
                             color="k")
        for i, line in enumerate(caption):
            self.layout.addLabel(line, row=1 + i, col=0, colspan=self.columns, size=f"{CAPTION_PT}pt",
                                 color="#333")
        self._row = 1 + len(caption)

    def add_plot(self, col: int = 0, title: str = "") -> pg.PlotItem:
        plot = self.layout.addPlot(row=self._row, col=col)
        if title:
            plot.setTitle(title, size=f"{TITLE_PT - 3}pt")
            self.titles.append(title)
        for side in ("left", "bottom"):
            ax = plot.getAxis(side)
            font = QFont()
            font.setPointSize(TICK_PT)
            ax.setTickFont(font)
            ax.enableAutoSIPrefix(False)
        return plot

    def set_label(self, plot: pg.PlotItem, side: str, text: str) -> None:
        plot.setLabel(side, text, **{"font-size": f"{AXIS_PT}pt"})

    def render(self) -> QImage:
        """Lay the figure out at its size and paint it into an image (no window is shown)."""
        from PySide6.QtGui import QColor, QImage, QPainter

        rect = QRectF(0, 0, self.width, self.height)
        self.widget.resize(self.width, self.height)
        self.layout.setGeometry(rect)
        self.layout.layout.activate()
        image = QImage(self.width, self.height, QImage.Format.Format_ARGB32)
        image.fill(QColor(255, 255, 255))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            self.widget.scene().render(painter, rect, rect)
        finally:
            painter.end()
        return image


def comparison_figure(run: TrainingRun) -> ReportFigure:
    """Accuracy and macro-F1 per model with their spread, the way the Comparison panel draws them."""
    from .views.comparison_chart import draw_metric_bars, metric_legend
    from .views.palette import model_label

    fig = ReportFigure("Accuracy and macro-F1 per model", report_caption(run), REPORT_WIDTH, REPORT_HEIGHT)
    plot = fig.add_plot()
    fig.set_label(plot, "left", "score (mean over folds)")
    fig.set_label(plot, "bottom", "model")
    plot.showGrid(y=True, alpha=0.2)
    plot.setMouseEnabled(x=False, y=False)
    draw_metric_bars(plot, run.results, value_pt=TICK_PT)
    metric_legend(plot, LEGEND_PT)
    plot.getAxis("bottom").setTicks([[(i, model_label(r.model)) for i, r in enumerate(run.results)]])
    return fig


def confusion_figure(run: TrainingRun) -> ReportFigure:
    """One row-normalised matrix per model, class names on both axes, numbers in the cells."""
    from .views.confusion_matrix import ConfusionMatrixPlot
    from .views.palette import model_label

    n = max(1, len(run.results))
    kind = class_word(run.row_word)
    fig = ReportFigure(f"Confusion matrices (row-normalised: the diagonal is each {kind}'s recall)",
                       report_caption(run), max(MATRIX_MIN_WIDTH, MATRIX_WIDTH * n), MATRIX_HEIGHT,
                       columns=n)
    for i, r in enumerate(run.results):
        plot = fig.add_plot(col=i)
        fig.set_label(plot, "bottom", f"predicted {kind}")
        fig.set_label(plot, "left", f"true {kind}")
        cm = ConfusionMatrixPlot(plot, annotate=len(r.classes) <= 12, font_pt=TICK_PT - 1)
        title = f"{model_label(r.model)}: accuracy {r.accuracy:.1%}"
        cm.set_matrix(confusion(r, True), r.classes, normalised=True)
        plot.setTitle(title, size=f"{TITLE_PT - 3}pt")
        fig.titles.append(title)
    return fig


def matrix_figure(result, dataset_name: str, normalised: bool, unit: str = "clips") -> ReportFigure:
    """One model's matrix (Evaluation's "Export matrix…"), titled with the model, data and protocol;
    ``unit`` is what the rows are, plural ("clips", "samples": :func:`.results.unit_of`)."""
    from .views.confusion_matrix import ConfusionMatrixPlot
    from .views.palette import model_label

    kind = "row-normalised" if normalised else "counts"
    caption = (f"Dataset: {dataset_name or 'unnamed'} \u00b7 Protocol: {result.protocol}",
               f"Model: {model_label(result.model)}, accuracy {result.accuracy:.1%}, "
               f"{len(result.y_true)} {unit} evaluated")
    fig = ReportFigure(f"Confusion matrix ({kind})", caption, MATRIX_HEIGHT + 100, MATRIX_HEIGHT + 60)
    plot = fig.add_plot()
    fig.set_label(plot, "bottom", f"predicted {class_word(unit[:-1])}")
    fig.set_label(plot, "left", f"true {class_word(unit[:-1])}")
    cm = ConfusionMatrixPlot(plot, annotate=True, font_pt=TICK_PT)
    cm.set_matrix(confusion(result, normalised), result.classes, normalised=normalised)
    return fig


def copied_figure(source: pg.PlotItem, run: TrainingRun) -> ReportFigure:
    """A print-size copy of another panel's plot: its title, axis labels, log mode, ticks and curves."""
    import pyqtgraph as pg

    title = source.titleLabel.text or "Plot"
    fig = ReportFigure(title, report_caption(run), REPORT_WIDTH, REPORT_HEIGHT)
    plot = fig.add_plot()
    for side in ("left", "bottom"):
        ax = source.getAxis(side)
        fig.set_label(plot, side, ax.labelText or ("value" if side == "left" else "x"))
        if ax._tickLevels is not None:  # fixed ticks (names, log sizes) are part of the meaning
            plot.getAxis(side).setTicks(ax._tickLevels)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setLogMode(x=bool(source.ctrl.logXCheck.isChecked()), y=bool(source.ctrl.logYCheck.isChecked()))
    legend = plot.addLegend(offset=(-10, 10), labelTextSize=f"{LEGEND_PT}pt")
    for item in source.listDataItems():
        x, y = item.getOriginalDataset()
        if x is None or y is None or not len(x):
            continue
        pen = pg.mkPen(item.opts["pen"])
        pen.setWidthF(max(2.5, pen.widthF()))
        copy = pg.PlotDataItem(np.asarray(x), np.asarray(y), pen=pen, symbol=item.opts.get("symbol"),
                               symbolSize=item.opts.get("symbolSize", 7),
                               symbolBrush=item.opts.get("symbolBrush"), symbolPen=item.opts.get("symbolPen"))
        plot.addItem(copy)
        if item.name():
            legend.addItem(copy, item.name())
    return fig


def report_figures(run: TrainingRun, plots: dict) -> dict[str, ReportFigure]:
    """The report's figures by file name: the comparison and matrices drawn from ``run``; every other
    plot item of ``plots`` copied; anything else (a scene) is left to :func:`export_png`."""
    import pyqtgraph as pg

    figures: dict[str, ReportFigure] = {}
    for name, item in plots.items():
        if name == "comparison":
            figures[name] = comparison_figure(run)
        elif name == "confusion_matrices":
            figures[name] = confusion_figure(run)
        elif isinstance(item, pg.PlotItem):
            figures[name] = copied_figure(item, run)
    return figures


def report_names(run: TrainingRun, plots: dict) -> list[str]:
    """The file names an export of ``run`` with ``plots`` writes (to ask before overwriting them)."""
    names = ["metrics.json", "metrics.csv"]
    if run.tests:
        names.append("pairwise.csv")
    return names + [f"{name}.png" for name in plots]


def export_report(folder: str | os.PathLike, run, dataset_name: str, plots: dict,
                  overwrite: Callable[[list[Path]], bool] | None = None) -> list[Path]:
    """Write ``metrics.json``, ``metrics.csv`` and one PNG per entry of ``plots`` (name -> item/scene)
    into ``folder``, created with its missing parents.

    ``overwrite(existing)`` is asked first when some of those files exist; False writes nothing.
    Returns the written paths ([] when not allowed to overwrite). Raises OSError when the folder is not
    writable (nothing half-written).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    existing = [out / n for n in report_names(run, plots) if (out / n).exists()]
    if existing and (overwrite is None or not overwrite(existing)):
        return []
    figures = report_figures(run, plots)  # drawn before any file is replaced: a failure leaves the old set
    written = []
    p = out / "metrics.json"
    atomic_write(p, _json_bytes(metrics_document(run, dataset_name)))
    written.append(p)
    p = out / "metrics.csv"
    atomic_write(p, metrics_csv(run))
    written.append(p)
    tests = run.tests or []  # computed by the training worker; none for a hold-out or a cancelled run
    if tests:
        from ..core.experiment import pairwise_csv

        p = out / "pairwise.csv"
        atomic_write(p, pairwise_csv(tests).encode("utf-8"))
        written.append(p)
    for name, item in plots.items():
        p = out / f"{name}.png"
        if name in figures:
            atomic_write(p, png_bytes(figures[name].render()))
        else:
            export_png(item, p)
        written.append(p)
    return written


class ReportController(QObject):
    """Export ``state``'s last run with the plots of ``panels``; says what happened through ``message`` /
    ``error`` (the window shows them)."""

    message = Signal(str, int)
    error = Signal(str, str)

    def __init__(self, state, panels: tuple, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.panels = state, tuple(panels)

    def require_run(self) -> bool:
        """True when there is a run to export; else says so (``error``)."""
        run = self.state.run
        if run is None or not run.results:
            self.error.emit("Nothing to export", "Train models first.")
            return False
        return True

    def ask_overwrite(self, existing: list[Path]) -> bool:
        """Yes/No: replace the report files already in the folder? (No is the default button.)"""
        from PySide6.QtWidgets import QMessageBox, QWidget

        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        names = ", ".join(p.name for p in existing[:6]) + (", …" if len(existing) > 6 else "")
        answer = QMessageBox.question(
            parent, "Replace the existing report?",
            f"{existing[0].parent} already holds {len(existing)} file(s) of a report ({names}).\n"
            "Replace them with this run's report?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def export(self, folder: str) -> list[Path]:
        """Write the report into ``folder`` (created if missing; asks before replacing files); returns the
        paths written ([] after saying why not, or when the user kept the old files)."""
        run = self.state.run
        if not self.require_run():
            return []
        plots: dict = {}
        for panel in self.panels:
            plots.update(panel.report_plots(run))
        declined: list[Path] = []

        def overwrite(existing: list[Path]) -> bool:
            if self.ask_overwrite(existing):
                return True
            declined.extend(existing)
            return False

        try:
            written = export_report(folder, run, run.dataset_name, plots, overwrite)
        except (OSError, ValueError) as exc:
            self.error.emit("Could not export the report", str(exc))
            return []
        if declined:
            self.message.emit(f"Report not exported: the files in {folder} were kept", 8000)
            return []
        self.message.emit(f"Report written to {folder} ({len(written)} files)", 8000)
        return written
