"""Export a comparison report: PNGs of the plots (pyqtgraph exporters), CSV and JSON of the metrics.

Every file is written to a temp file in the target folder and then moved into place, so an interrupted
export never leaves a half-written file under the final name. :class:`ReportController` exports the
app's last run with the plots its panels draw (``report_plots(run)``). The exporters and the model-file
code are imported on first use: the window imports this module at start.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QObject, Signal

from .results import confusion, per_class_rows


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


def export_report(folder: str | os.PathLike, run, dataset_name: str, plots: dict) -> list[Path]:
    """Write ``metrics.json``, ``metrics.csv`` and one PNG per entry of ``plots`` (name -> item/scene).

    Returns the written paths. Raises OSError when the folder is not writable (nothing half-written).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
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

    def export(self, folder: str) -> list[Path]:
        """Write the report into ``folder``; returns the paths written ([] after saying why not)."""
        run = self.state.run
        if not self.require_run():
            return []
        plots: dict = {}
        for panel in self.panels:
            plots.update(panel.report_plots(run))
        try:
            written = export_report(folder, run, run.dataset_name, plots)
        except (OSError, ValueError) as exc:
            self.error.emit("Could not export the report", str(exc))
            return []
        self.message.emit(f"Report written to {folder} ({len(written)} files)", 8000)
        return written
