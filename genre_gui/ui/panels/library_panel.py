"""Library: the dataset in hand (clips per genre, duration, feature set), extraction progress, files that
failed (with reasons, never a dialog per file), and genre predictions for dropped songs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..state import AppState, DatasetInfo
from ..views.genre_timeline import GenreTimeline
from ..widgets import CopyableTable, ProgressRow, format_seconds

if TYPE_CHECKING:
    from ..jobs import JobController


def feature_sets() -> dict:
    """The feature-set registry (imported here, not at module import: the window's module stays light)."""
    from ...core.features import FEATURE_SETS

    return FEATURE_SETS


def default_feature_set() -> str:
    """The registry's default feature set (core.features.DEFAULT_FEATURE_SET), imported when asked."""
    from ...core.features import DEFAULT_FEATURE_SET

    return DEFAULT_FEATURE_SET


def loaded_message(loaded) -> str:
    """What a finished dataset load says (here and in the status bar)."""
    ds = loaded.dataset
    msg = f"{len(ds)} rows loaded in {loaded.elapsed_seconds:.1f} s"
    if ds.failures:
        msg += f"; {len(ds.failures)} file(s) could not be used (listed in the Library)"
    return msg


#: the shortcut of "Why this genre?" (the Library's selected song, the Evaluation panel's selected clip)
EXPLAIN_SHORTCUT = "Ctrl+I"


class ProbabilityBars(pg.PlotWidget):
    """Horizontal bars: one per genre, probabilities of the selected file."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(130)
        self.getPlotItem().setMouseEnabled(x=False, y=False)
        self.getPlotItem().hideButtons()
        self.setLabel("bottom", "probability")
        self._bars: pg.BarGraphItem | None = None
        self.getPlotItem().invertY(True)

    def set_probabilities(self, probabilities: dict[str, float], title: str = "") -> None:
        if self._bars is not None:
            self.removeItem(self._bars)
            self._bars = None
        self.setTitle(title, size="9pt")
        if not probabilities:
            return
        names = list(probabilities)
        vals = np.array([probabilities[n] for n in names])
        best = int(np.argmax(vals))
        brushes = [pg.mkBrush(31, 119, 180) if i == best else pg.mkBrush(150, 170, 200)
                   for i in range(len(vals))]
        self._bars = pg.BarGraphItem(x0=0, y=np.arange(len(vals)), height=0.7, width=vals, brushes=brushes)
        self.addItem(self._bars)
        self.getAxis("left").setTicks([[(i, n) for i, n in enumerate(names)]])
        self.setXRange(0, 1, padding=0.02)
        self.setYRange(-0.5, len(vals) - 0.5, padding=0)


class LibraryPanel(QWidget):
    """Signals: ``open_folder_requested``, ``open_files_requested``, ``demo_requested``,
    ``feature_set_changed(str)``, ``cancel_requested``, ``file_activated(str)`` (a prediction was
    double-clicked), ``explain_requested(FilePrediction)`` ("Why this genre?" on the selected song)."""

    open_folder_requested = Signal()
    open_files_requested = Signal()
    demo_requested = Signal()
    feature_set_changed = Signal(str)
    cancel_requested = Signal()
    file_activated = Signal(str)
    explain_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No dataset")
        f = QFont()
        f.setBold(True)
        f.setPointSize(f.pointSize() + 2)
        self.title.setFont(f)
        self.title.setWordWrap(True)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.feature_set = QComboBox()
        for name, fs in feature_sets().items():
            self.feature_set.addItem(name)
            tip = f"{fs.label or name}: {fs.description}"
            self.feature_set.setItemData(self.feature_set.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.feature_set.setToolTip("Features extracted from audio folders and dropped songs")
        self.feature_set.currentTextChanged.connect(self.feature_set_changed.emit)

        open_folder = QPushButton("Open folder…")
        open_folder.clicked.connect(self.open_folder_requested.emit)
        open_files = QPushButton("Open files…")
        open_files.clicked.connect(self.open_files_requested.emit)
        demo = QPushButton("Demo data")
        demo.setToolTip("Reload the bundled GTZAN feature table")
        demo.clicked.connect(self.demo_requested.emit)
        buttons = QHBoxLayout()
        for b in (open_folder, open_files, demo):
            buttons.addWidget(b)

        form = QFormLayout()
        form.addRow("Feature set:", self.feature_set)

        self.genres = CopyableTable(["genre", "clips", "rows"])
        self.genres.enable_sorting()
        self.progress = ProgressRow()
        self.progress.cancel_requested.connect(self.cancel_requested.emit)
        self.progress.setVisible(False)

        self.failures_box = QGroupBox("Files that could not be used (0)")
        self.failures_box.setCheckable(True)
        self.failures_box.setChecked(True)
        self.failures = CopyableTable(["file", "reason"])
        self.failures.enable_sorting()
        fl = QVBoxLayout(self.failures_box)
        fl.addWidget(self.failures)
        self.failures_box.toggled.connect(self.failures.setVisible)
        self.failures_box.setVisible(False)

        self.predictions_box = QGroupBox("Predicted genre of dropped songs")
        self.model_label = QLabel("Model: none")
        self.model_label.setWordWrap(True)
        self.predictions = CopyableTable(["file", "answer", "confidence"])
        self.predictions.itemSelectionChanged.connect(self._show_selected_prediction)
        self.predictions.cellDoubleClicked.connect(self._activated)
        self.why_button = QPushButton("Why this genre?")
        self.why_button.setToolTip(f"What in the selected song led to its answer ({EXPLAIN_SHORTCUT})")
        self.why_button.setEnabled(False)
        self.why_button.clicked.connect(self.explain_selected)
        self.why_action = QAction("Why this genre?", self)
        self.why_action.setShortcut(QKeySequence(EXPLAIN_SHORTCUT))
        self.why_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.why_action.triggered.connect(self.explain_selected)
        self.addAction(self.why_action)  # the shortcut, anywhere in the panel
        self.predictions.addAction(self.why_action)  # and the table's context menu
        self.bars = ProbabilityBars()
        self.sounds_like = QLabel("")
        self.sounds_like.setWordWrap(True)
        self.sounds_like.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sounds_like.setToolTip("The network's most probable Million Song Dataset tags for this song")
        self.timeline = GenreTimeline()
        self.timeline.setToolTip("Genre probabilities of every 3-s window, under the song's waveform")
        self.timeline.setVisible(False)  # shown with a song's timeline; an empty panel keeps its space
        self.timeline.setMaximumHeight(250)  # 11 rows read well at 12 px; the bars need the rest
        pl = QVBoxLayout(self.predictions_box)
        head = QHBoxLayout()
        head.addWidget(self.model_label, 1)
        head.addWidget(self.why_button)
        pl.addLayout(head)
        pl.addWidget(self.predictions, 2)
        pl.addWidget(self.bars, 3)
        pl.addWidget(self.sounds_like)
        pl.addWidget(self.timeline, 2)
        self._predictions: list = []

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.title)
        tl.addWidget(self.summary)
        tl.addLayout(form)
        tl.addLayout(buttons)
        tl.addWidget(self.progress)
        tl.addWidget(self.genres, 1)
        tl.addWidget(self.failures_box)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.predictions_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.split = split
        lay = QVBoxLayout(self)
        lay.addWidget(split)

    def bind(self, jobs: JobController, state: AppState) -> None:
        """Follow the app: the dataset in hand, its loading progress, the current model, song predictions."""
        state.dataset_changed.connect(self.show_dataset)
        state.pipeline_changed.connect(lambda _p: self.set_model_name(state.model_label))
        self.cancel_requested.connect(jobs.cancel_dataset)
        jobs.dataset_load_started.connect(self._load_started)
        jobs.dataset_progressed.connect(self.progress.update_progress)
        jobs.dataset_loaded.connect(lambda loaded: self.progress.set_idle(loaded_message(loaded)))
        jobs.dataset_load_failed.connect(lambda _m: self.progress.set_idle("Failed"))
        jobs.dataset_load_cancelled.connect(
            lambda: self.progress.set_idle("Cancelled; the previous dataset is kept"))
        jobs.prediction_started.connect(lambda _paths: self.clear_predictions())
        jobs.file_classified.connect(self.add_prediction)

    def _load_started(self, req) -> None:
        if req.kind == "demo":
            self.progress.start("Loading the demo dataset")
            return
        what = "Extracting features" if req.kind == "audio_folder" else "Loading"
        self.progress.start(f"{what}: {os.path.basename(req.paths[0].rstrip(os.sep))}")

    # -- dataset -----------------------------------------------------------------------------------
    def current_feature_set(self) -> str:
        return self.feature_set.currentText()

    def set_feature_set(self, name: str) -> None:
        if name in feature_sets():
            self.feature_set.blockSignals(True)
            self.feature_set.setCurrentText(name)
            self.feature_set.blockSignals(False)

    def show_dataset(self, info: DatasetInfo) -> None:
        from ...workers.loading import summarize

        ds = info.dataset
        summary = info.summary if info.summary is not None else summarize(ds)
        n_rows, n_clips = summary.n_rows, summary.n_clips
        self.title.setText(ds.name)
        duration = format_seconds(info.total_seconds) if info.total_seconds else "not known"
        per_clip = f" ({n_rows} segment rows)" if n_rows != n_clips else ""
        fs = ds.feature_set or "custom columns"
        origin = "bundled demo table" if info.kind == "demo" else info.origin
        self.summary.setText(
            f"{n_clips} clips{per_clip} · {len(ds.classes)} classes · total duration {duration}<br>"
            f"features: {fs} ({len(ds.columns)} columns) · source: {origin}"
            + (f" · loaded in {info.elapsed_seconds:.1f} s" if info.elapsed_seconds >= 0.05 else "")
        )
        if ds.feature_set in feature_sets() and info.kind == "audio_folder":
            self.set_feature_set(ds.feature_set)
        self.genres.set_rows([list(row) for row in summary.per_class])
        self.genres.resizeColumnsToContents()
        self.show_failures(list(ds.failures))

    def show_failures(self, failures: list[tuple[str, str]]) -> None:
        self.failures.set_rows([[os.path.basename(p) or p, reason] for p, reason in failures])
        for r, (p, _) in enumerate(failures):
            self.failures.item(r, 0).setToolTip(p)
        self.failures.resizeColumnToContents(0)
        self.failures_box.setTitle(f"Files that could not be used ({len(failures)})")
        self.failures_box.setVisible(bool(failures))

    # -- predictions -------------------------------------------------------------------------------
    def set_model_name(self, text: str) -> None:
        self.model_label.setText(f"Model: {text or 'none (train one or load a model file)'}")

    def clear_predictions(self) -> None:
        self._predictions = []
        self.predictions.setRowCount(0)
        self.why_button.setEnabled(False)
        self.bars.set_probabilities({})
        self.sounds_like.setText("")
        self.timeline.clear()
        self.timeline.setVisible(False)

    def add_prediction(self, pred) -> None:
        self._predictions.append(pred)
        name = os.path.basename(pred.path)
        if pred.error:
            row = [name, "— (not classified)", pred.error]
        else:
            # the number the answer states (a genre's share of the genres, or the "not music" probability);
            # an unsure answer has no single confidence
            conf = 0.0 if pred.unsure else (pred.confidence or pred.probabilities.get(pred.genre, 0.0))
            text = "—" if pred.unsure else f"{100 * conf:.0f} %"
            row = [name, pred.answer or pred.genre, (conf, text)]
        r = self.predictions.append_row(row)
        self.predictions.item(r, 0).setToolTip(pred.path)
        self.predictions.item(r, 0).setData(Qt.ItemDataRole.UserRole, len(self._predictions) - 1)
        self.predictions.resizeColumnToContents(0)
        if r == 0:
            self.predictions.selectRow(0)
            # the answers are what the person is looking at now: give them most of the height
            total = sum(self.split.sizes())
            if total > 0 and self.split.sizes()[1] < 0.7 * total:
                self.split.setSizes([int(0.25 * total), total - int(0.25 * total)])
        self._show_selected_prediction()

    def _selected_prediction(self):
        rows = sorted({i.row() for i in self.predictions.selectedIndexes()})
        if not rows:
            return None
        idx = self.predictions.item(rows[0], 0).data(Qt.ItemDataRole.UserRole)
        return self._predictions[idx] if idx is not None and idx < len(self._predictions) else None

    def explain_selected(self) -> None:
        """Ask for the selected song's answer to be explained (needs its feature rows)."""
        pred = self._selected_prediction()
        if pred is not None and not pred.error:
            self.explain_requested.emit(pred)

    def _show_selected_prediction(self) -> None:
        pred = self._selected_prediction()
        self.why_button.setEnabled(pred is not None and not pred.error
                                   and getattr(pred, "features", None) is not None)
        if pred is None or pred.error:
            self.bars.set_probabilities({}, "" if pred is None else os.path.basename(pred.path))
            self.sounds_like.setText("")
            self.timeline.clear()
            self.timeline.setVisible(False)
            return
        name = os.path.basename(pred.path)
        self.bars.set_probabilities(pred.probabilities, f"{name}: {pred.answer or pred.genre}")
        self.sounds_like.setText(f"Sounds like: {', '.join(pred.tags)}" if pred.tags and not pred.not_music
                                 else "")
        if pred.timeline is not None and pred.envelope is not None:
            self.timeline.set_timeline(pred.envelope, pred.duration, pred.starts, pred.window_seconds,
                                       pred.timeline, pred.classes,
                                       f"{name}: genre every {pred.window_seconds:.0f} s")
            self.timeline.setVisible(True)
        else:
            self.timeline.clear()
            self.timeline.setVisible(False)

    def _activated(self, row: int, _col: int) -> None:
        idx = self.predictions.item(row, 0).data(Qt.ItemDataRole.UserRole)
        if idx is not None:
            self.file_activated.emit(self._predictions[idx].path)
