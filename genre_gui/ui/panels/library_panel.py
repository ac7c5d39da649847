"""Library: the dataset to train on (clips or samples per genre, duration, feature set), extraction
progress, and the files that failed (with reasons, never a dialog per file). Songs to classify are the
Home panel's."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..state import AppState, DatasetInfo
from ..widgets import CopyableTable, ProgressRow, format_seconds, reason_of

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


class LibraryPanel(QWidget):
    """Signals: ``open_folder_requested``, ``open_files_requested``, ``demo_requested``,
    ``feature_set_changed(str)``, ``cancel_requested``."""

    open_folder_requested = Signal()
    open_files_requested = Signal()
    demo_requested = Signal()
    feature_set_changed = Signal(str)
    cancel_requested = Signal()

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
        lay = QVBoxLayout(self)
        lay.addWidget(top)

    def bind(self, jobs: JobController, state: AppState) -> None:
        """Follow the app: the dataset in hand, its loading progress, the current model, song predictions."""
        state.dataset_changed.connect(self.show_dataset)
        self.cancel_requested.connect(jobs.cancel_dataset)
        jobs.dataset_load_started.connect(self._load_started)
        jobs.dataset_progressed.connect(self.progress.update_progress)
        jobs.dataset_loaded.connect(lambda loaded: self.progress.set_idle(loaded_message(loaded)))
        jobs.dataset_load_failed.connect(lambda _m: self.progress.set_idle("Failed"))
        jobs.dataset_load_cancelled.connect(
            lambda: self.progress.set_idle("Cancelled; the previous dataset is kept"))

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
        # MNIST digits or a custom table are samples, not clips of music: no music words, no duration
        audio = ds.row_word == "clip"
        unit = ds.row_word + "s"
        per_clip = f" ({n_rows} segment rows)" if n_rows != n_clips else ""
        fs = ds.feature_set or "custom columns"
        origin = "bundled demo table" if info.kind == "demo" else info.origin
        duration = ""
        if audio:
            duration = " · total duration " + (format_seconds(info.total_seconds) if info.total_seconds
                                               else "not known")
        self.genres.setHorizontalHeaderLabels(["genre" if audio else "class", unit, "rows"])
        self.summary.setText(
            f"{n_clips} {unit}{per_clip} · {len(ds.classes)} classes{duration}<br>"
            f"features: {fs} ({len(ds.columns)} columns) · source: {origin}"
            + (f" · loaded in {info.elapsed_seconds:.1f} s" if info.elapsed_seconds >= 0.05 else "")
        )
        if ds.feature_set in feature_sets() and info.kind == "audio_folder":
            self.set_feature_set(ds.feature_set)
        self.genres.set_rows([list(row) for row in summary.per_class])
        self.genres.resizeColumnsToContents()
        self.show_failures(list(ds.failures))

    def show_failures(self, failures: list[tuple[str, str]]) -> None:
        # the file's name, then the reason without the path it starts with; both whole in tooltips
        self.failures.set_rows([[os.path.basename(p) or p, reason_of(p, reason)] for p, reason in failures],
                               tooltips=[[p, reason] for p, reason in failures])
        self.failures.resizeColumnToContents(0)
        self.failures_box.setTitle(f"Files that could not be used ({len(failures)})")
        self.failures_box.setVisible(bool(failures))
