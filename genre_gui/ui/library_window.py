"""File > Classify a Music Library…: a non-modal window that runs the library job (core.library through
workers.library, started by the JobController) and shows its answers as they arrive.

Progress with files/s and ETA, Pause and Cancel; a results table that sorts, filters by genre and
minimum confidence and searches; double-click plays a row. From it: export CSV / JSON, one M3U8
playlist per genre, and genre tags (a preview of every change with the policy before anything is
written, a change log under the app's data folder, and "Undo last tagging"). "Run on a Dask cluster"
sends the analysis to a Dask scheduler's workers (core.cluster); its address is remembered.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QSortFilterProxyModel,
    QStandardPaths,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .widgets import ProgressRow, fit_to_screen

log = logging.getLogger(__name__)

__all__ = ["LibraryWindow", "ResultsModel", "ResultsFilter", "TagPreviewDialog", "open_library_window",
           "action", "tag_log_folder", "last_tag_log", "COLUMNS"]

COLUMNS = ("File", "Artist", "Title", "Album", "Existing genre", "Predicted genre", "Confidence", "Note")
ALL_GENRES = "All genres"
FAILED = "(failed)"
NOT_MUSIC = "not music"
UNSURE = "(unsure)"
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: settings keys of the cluster option
USE_CLUSTER = "library/use_dask_cluster"
SCHEDULER = "library/dask_scheduler"
DEFAULT_SCHEDULER = "tcp://127.0.0.1:8786"
INSTALL_CLUSTER = 'pip install "genre_gui[cluster]"'
_ROOT = QModelIndex()


def note_of(r) -> str:
    if not r.ok:
        return f"failed: {(r.error or '').split(': ', 1)[-1]}"
    if r.not_music:
        return "not music"
    if r.unsure:
        return "unsure"
    return ""


class ResultsModel(QAbstractTableModel):
    """The TrackResults of a run, one row each (rows appended as batches arrive)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.results: list = []
        self._row_of: dict[str, int] = {}

    def rowCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.results)

    def columnCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def cell(self, r, col: int) -> str:
        t = r.tags
        if col == 0:
            return os.path.basename(r.path)
        if col == 1:
            return t.artist or ""
        if col == 2:
            return t.title or ""
        if col == 3:
            return t.album or ""
        if col == 4:
            return t.genre or ""
        if col == 5:
            return (r.genre or "") if r.ok else ""
        if col == 6:
            return f"{100 * r.confidence:.0f} %" if r.ok else ""
        return note_of(r)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.results[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(r, col)
        if role == SORT_ROLE:
            if col == 6:
                return float(r.confidence) if r.ok else -1.0
            return self.cell(r, col).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return r.path
            if col in (5, 6) and r.ok:
                top = ", ".join(f"{g} {100 * p:.0f} %" for g, p in r.top3)
                return f"{r.headline}\ntop 3: {top}\nanalysed: {r.analysed}"
            if col == 7 and not r.ok:
                return r.error
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def add(self, tracks) -> None:
        new = []
        for r in tracks:
            row = self._row_of.get(r.path)
            if row is not None:  # the same file again (a second run in this window): replace it
                self.results[row] = r
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            else:
                new.append(r)
        if new:
            first = len(self.results)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for r in new:
                self._row_of[r.path] = len(self.results)
                self.results.append(r)
            self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.results, self._row_of = [], {}
        self.endResetModel()

    def set_tags(self, tags: dict) -> None:
        """Tags changed on disk (tagging, undo) and read again off the GUI thread: path -> TrackTags."""
        for path, value in tags.items():
            row = self._row_of.get(path)
            if row is None:
                continue
            self.results[row].tags = value
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))


class ResultsFilter(QSortFilterProxyModel):
    """Genre (the combo's text; "(failed)", "(unsure)" too), minimum confidence, and a search over file
    name, artist, title, album and both genres (case-insensitive, every word must match)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.genre = ALL_GENRES
        self.min_confidence = 0.0
        self.words: list[str] = []
        self.setSortRole(SORT_ROLE)

    def set_filters(self, genre: str | None = None, min_confidence: float | None = None,
                    search: str | None = None) -> None:
        begin = getattr(self, "beginFilterChange", None)  # Qt >= 6.9 (invalidateFilter is deprecated)
        if begin is not None:
            begin()
        if genre is not None:
            self.genre = genre
        if min_confidence is not None:
            self.min_confidence = float(min_confidence)
        if search is not None:
            self.words = search.casefold().split()
        if begin is not None:
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def accepts(self, r) -> bool:
        g = self.genre
        if g == FAILED:
            if r.ok:
                return False
        elif g == UNSURE:
            if not (r.ok and r.unsure):
                return False
        elif g != ALL_GENRES and not (r.ok and r.genre == g):
            return False
        if self.min_confidence > 0 and (not r.ok or r.confidence < self.min_confidence):
            return False
        if self.words:
            t = r.tags
            hay = " ".join(x for x in (os.path.basename(r.path), t.artist, t.title, t.album, t.genre,
                                       r.genre if r.ok else None) if x).casefold()
            return all(w in hay for w in self.words)
        return True

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802 - Qt API
        return self.accepts(self.sourceModel().results[source_row])


# -- tag logs ------------------------------------------------------------------------------------------------
def tag_log_folder() -> Path:
    """Where tagging change logs are kept: <AppDataLocation>/tag-logs."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or os.path.expanduser("~/.local/share/genre_gui")) / "tag-logs"


def last_tag_log() -> Path | None:
    """The newest change log not undone yet (None: nothing to undo)."""
    folder = tag_log_folder()
    try:
        logs = sorted(p for p in folder.iterdir() if p.name.startswith("tagging-") and p.suffix == ".json")
    except OSError:
        return None
    return logs[-1] if logs else None


class TagPreviewDialog(QDialog):
    """Every change plan_genre_tags would make under the chosen policy; nothing is written until
    "Write tags" (accept).

    The files' genre fields are read by a worker (workers.tags, started on ``registry``, the app's
    WorkerRegistry, which joins it when the app closes: mutagen opens
    every file, seconds to minutes for a big library) with progress and Cancel; the table fills when it
    is done, and a policy change replans from what was read, without opening a file again. ``planned``
    fires with each new plan.
    """

    planned = Signal(object)  # TagPlan

    def __init__(self, items: list[tuple[str, str]], policy: str = "missing", parent=None, *,
                 registry) -> None:
        super().__init__(parent)
        from ..core.tags import POLICIES

        self.setWindowTitle("Write genre tags — preview")
        self.items = items
        self.plan = None
        self.fields: tuple | None = None  # core.tags.GenreFields of every item, once read
        self.policy_combo = QComboBox()
        labels = {"missing": "only files without a genre", "replace": "replace the genre",
                  "append": "add the genre to the ones there"}
        for p in POLICIES:
            self.policy_combo.addItem(f"{p}: {labels.get(p, p)}", p)
        self.policy_combo.setCurrentIndex(max(0, POLICIES.index(policy) if policy in POLICIES else 0))
        self.progress = ProgressRow()
        self.progress.cancel_requested.connect(self.cancel_reading)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["File", "Field", "Old genre", "New genre"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.write_button = self.buttons.addButton("Write tags", QDialogButtonBox.ButtonRole.AcceptRole)
        self.write_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Policy:"))
        row.addWidget(self.policy_combo, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.buttons)
        fit_to_screen(self, 900, 480)
        self.policy_combo.currentIndexChanged.connect(lambda _i: self.replan())
        self._worker = None
        self._start_reading(registry)

    # -- reading (a worker) -------------------------------------------------------------------------
    def _start_reading(self, registry) -> None:
        from ..workers.tags import TagFieldsWorker

        w = TagFieldsWorker(self.items)
        w.progressed.connect(self._on_progress)
        w.finished.connect(self._on_read)
        w.cancelled.connect(self._on_cancelled)
        w.failed.connect(self._on_failed)
        self._worker = w
        self.progress.start(f"Reading the tags of {len(self.items)} file(s)…")
        self.summary.setText("Nothing is written before you press Write tags.")
        registry.start(w, "tag-preview")

    @property
    def reading(self) -> bool:
        return self._worker is not None

    def cancel_reading(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.progress.cancel_button.setEnabled(False)
            self.progress.label.setText("Cancelling…")

    @Slot(object)
    def _on_progress(self, p) -> None:
        if self.sender() is self._worker:
            self.progress.update_progress(p)

    @Slot(object)
    def _on_read(self, result) -> None:
        if self.sender() is not self._worker:
            return
        self._worker = None
        self.fields = result.fields
        self.progress.set_idle()
        self.replan()

    @Slot()
    def _on_cancelled(self) -> None:
        if self.sender() is self._worker:
            self._worker = None
            self.progress.set_idle("Reading the tags was cancelled: nothing planned, nothing written.")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self.sender() is self._worker:
            self._worker = None
            self.progress.set_idle(f"Cannot read the tags: {message}")

    def done(self, result: int) -> None:
        self.cancel_reading()  # closing the preview stops its reading
        super().done(result)

    # -- the plan -----------------------------------------------------------------------------------
    @property
    def policy(self) -> str:
        return str(self.policy_combo.currentData())

    def set_policy(self, policy: str) -> None:
        self.policy_combo.setCurrentIndex(self.policy_combo.findData(policy))

    def replan(self) -> None:
        """The plan under the current policy from the fields read (nothing to do before they are)."""
        from ..core.tags import plan_from_fields

        if self.fields is None:
            return
        self.plan = plan = plan_from_fields(self.fields, self.policy)
        self.table.setRowCount(len(plan.changes))
        for i, c in enumerate(plan.changes):
            values = (os.path.basename(c.path), c.field, "; ".join(c.before) or "(none)", "; ".join(c.after))
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 0:
                    item.setToolTip(c.path)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        text = (f"{len(plan.changes)} file(s) will change, {len(plan.kept)} kept as they are, "
                f"{len(plan.unsupported)} cannot take a genre tag. Only confident music answers are "
                "written; nothing is written before you press Write tags, and Undo last tagging puts "
                "the old values back.")
        self.summary.setText(text)
        self.write_button.setEnabled(bool(plan.changes))
        self.planned.emit(plan)


# -- the window ----------------------------------------------------------------------------------------------
class LibraryWindow(QWidget):
    """The library job's window (a top-level, non-modal widget). ``play``: plays a file (double-click)."""

    message = Signal(str)  # what happened, in words (also shown in the window)
    tags_done = Signal(object)  # workers.tags.TagsWritten: a tagging or its undo finished

    def __init__(self, jobs, state, play: Callable[[str], None] | None = None, parent=None, *,
                 settings=None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Classify a music library")
        self.jobs, self.state, self._play = jobs, state, play
        self.settings = settings  # ui.settings.AppSettings: the cluster option is remembered there
        self.run: Any = None  # the last LibraryRun
        self.roots: list[str] = []
        self._tag_worker = None  # the tagging (or undo) in progress
        self.last_tag_report = None
        self._started = 0.0

        self.folder_label = QLabel("No folder yet")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = ProgressRow()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setEnabled(False)
        self.pause_button.setVisible(False)
        self.progress.layout().insertWidget(2, self.pause_button)
        self.progress.cancel_requested.connect(self.cancel)
        self.pause_button.toggled.connect(self._pause_toggled)
        self._build_cluster_row()

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search file, artist, title, album, genre…")
        self.search.setClearButtonEnabled(True)
        self.genre_combo = QComboBox()
        self.genre_combo.addItem(ALL_GENRES)
        self.genre_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.min_confidence = QDoubleSpinBox()
        self.min_confidence.setRange(0, 100)
        self.min_confidence.setDecimals(0)
        self.min_confidence.setSingleStep(5)
        self.min_confidence.setSuffix(" %")
        self.min_confidence.setPrefix("≥ ")
        self.min_confidence.setToolTip("Show only answers at least this confident")

        self.model = ResultsModel(self)
        self.proxy = ResultsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # arrival order until a header is clicked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((230, 130, 170, 150, 105, 115, 85, 120)):
            self.table.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._double_clicked)
        self.count_label = QLabel("")

        self.csv_button = QPushButton("Export CSV…")
        self.json_button = QPushButton("Export JSON…")
        self.playlists_button = QPushButton("Playlists…")
        self.tags_button = QPushButton("Write Genre Tags…")
        self.undo_button = QPushButton("Undo Last Tagging")
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.json_button.clicked.connect(lambda: self.export_json())
        self.playlists_button.clicked.connect(lambda: self.write_playlists())
        self.tags_button.clicked.connect(lambda: self.write_tags())
        self.undo_button.clicked.connect(lambda: self.undo_last_tagging())
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(QLabel("Genre:"))
        filters.addWidget(self.genre_combo)
        filters.addWidget(QLabel("Confidence:"))
        filters.addWidget(self.min_confidence)
        filters.addWidget(self.count_label, 1)
        actions = QHBoxLayout()
        for b in (self.csv_button, self.json_button, self.playlists_button, self.tags_button,
                  self.undo_button):
            actions.addWidget(b)
        actions.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.folder_label)
        lay.addLayout(self.cluster_row)
        lay.addWidget(self.progress)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        lay.addWidget(self.status)

        self.search.textChanged.connect(lambda text: self._filter(search=text))
        self.genre_combo.currentTextChanged.connect(lambda text: self._filter(genre=text))
        self.min_confidence.valueChanged.connect(lambda v: self._filter(min_confidence=v / 100))
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        jobs.library_started.connect(self._on_started)
        jobs.library_progressed.connect(self.progress.update_progress)
        jobs.tracks_received.connect(self._on_tracks)
        jobs.library_finished.connect(self._on_finished)
        jobs.library_failed.connect(self._on_failed)
        fit_to_screen(self, 1280, 720)
        self._update_buttons()

    # -- the job -----------------------------------------------------------------------------------
    def start(self, roots: list[str], n_jobs: int | None = None) -> bool:
        """Classify ``roots`` with the app's model; False (and a message) when there is no usable model."""
        pipe = self.state.pipeline
        if pipe is None or not getattr(pipe, "feature_set", None):
            self._say("Load a model trained on audio first (File > Restore Default Model, Ctrl+D): "
                      "the current one cannot classify audio files.")
            return False
        scheduler = None
        if self.cluster_check.isChecked():
            from ..core.cluster import ClusterError, check_address

            try:
                scheduler = check_address(self.scheduler_edit.text())
            except ClusterError as exc:
                self._say(f"Not started: {exc}")
                return False
            self._remember()
        self.roots = [str(r) for r in roots]
        self.model.clear()
        self.run = None
        self.jobs.classify_library(self.roots, pipe, n_jobs=n_jobs, scheduler=scheduler)
        return True

    # -- the cluster option ------------------------------------------------------------------------
    def _build_cluster_row(self) -> None:
        from ..core import cluster

        self.cluster_check = QCheckBox("Run on a Dask cluster:")
        self.scheduler_edit = QLineEdit()
        self.scheduler_edit.setPlaceholderText("tcp://HOST:PORT")
        self.scheduler_edit.setMaximumWidth(320)
        self.scheduler_check = QLabel("")
        self.again_button = QPushButton("Classify Again")
        self.again_button.setToolTip("Classify the same folder again with these options (unchanged files "
                                     "are not analysed again)")
        self.again_button.clicked.connect(lambda: self.start(self.roots))
        s = self.settings
        self.cluster_check.setChecked(bool(s is not None and str(s.value(USE_CLUSTER, "false")).lower()
                                           in ("true", "1")))
        self.scheduler_edit.setText(s.text(SCHEDULER, DEFAULT_SCHEDULER) if s is not None
                                    else DEFAULT_SCHEDULER)
        self.cluster_available = cluster.available()
        if self.cluster_available:
            tip = ("The files are analysed by the workers of a Dask scheduler (tcp://HOST:PORT): they "
                   "need genre_gui installed, not the music (each file is sent to them). Start one with "
                   "`dask scheduler` and `dask worker tcp://HOST:8786` on each machine.")
        else:
            # the option needs the optional 'distributed' package; say how to get it rather than hide it
            tip = f"Needs the 'distributed' package, not installed: {INSTALL_CLUSTER}"
            self.cluster_check.setChecked(False)
        for w in (self.cluster_check, self.scheduler_edit):
            w.setToolTip(tip)
            w.setEnabled(self.cluster_available)
        self.cluster_check.toggled.connect(self._cluster_changed)
        self.scheduler_edit.textChanged.connect(lambda _t: self._cluster_changed())
        self.cluster_row = QHBoxLayout()
        self.cluster_row.addWidget(self.cluster_check)
        self.cluster_row.addWidget(self.scheduler_edit, 1)
        self.cluster_row.addWidget(self.scheduler_check, 1)
        self.cluster_row.addWidget(self.again_button)
        self._cluster_changed(remember=False)

    def scheduler_address(self) -> str | None:
        """The scheduler the next run goes to: None when the option is off or the address is not valid."""
        from ..core.cluster import ClusterError, check_address

        if not self.cluster_check.isChecked():
            return None
        try:
            return check_address(self.scheduler_edit.text())
        except ClusterError:
            return None

    def _cluster_changed(self, *_args, remember: bool = True) -> None:
        from ..core.cluster import ClusterError, check_address

        on = self.cluster_check.isChecked()
        self.scheduler_edit.setEnabled(self.cluster_available and on)
        problem = ""
        if on:
            try:
                check_address(self.scheduler_edit.text())
            except ClusterError as exc:
                problem = str(exc)
        import html

        self.scheduler_check.setText(f"<span style='color:#b00020'>{html.escape(problem)}</span>"
                                     if problem else "")
        self.scheduler_edit.setStyleSheet("QLineEdit { border: 1px solid #b00020; }" if problem else "")
        if remember and not problem:
            self._remember()

    def _remember(self) -> None:
        if self.settings is not None:
            self.settings.set_value(USE_CLUSTER, self.cluster_check.isChecked())
            self.settings.set_value(SCHEDULER, self.scheduler_edit.text().strip())

    def cancel(self) -> None:
        self.jobs.cancel_library()
        self.progress.cancel_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self.progress.label.setText("Cancelling after the files in progress…")

    @property
    def running(self) -> bool:
        return self.jobs.library_running

    def _pause_toggled(self, paused: bool) -> None:
        self.jobs.pause_library(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self.progress.label.setText("Paused")

    def _on_started(self, request) -> None:
        self._started = time.monotonic()
        where = " + ".join(request.roots)
        on = f" — on the Dask cluster at {request.scheduler}" if request.scheduler else ""
        self.folder_label.setText(f"<b>{where}</b> — model: {self.state.model_label}{on}")
        self.progress.start("Scanning the folders…")
        self.pause_button.setVisible(True)
        self.pause_button.setChecked(False)
        self.pause_button.setEnabled(True)
        self.status.setText("")
        self._update_buttons()

    def _on_tracks(self, batch) -> None:
        self.model.add(batch.tracks)
        self._add_genres(batch.tracks)
        self._update_count()

    def _on_finished(self, run) -> None:
        self.run = run
        self.pause_button.setEnabled(False)
        st = run.stats
        n_bad = sum(not r.ok for r in run.results)
        n = len(run.results)
        rate = n / st.seconds if st is not None and st.seconds > 0 else 0.0
        if st is None:
            text = "Nothing was classified."
        else:
            verb = "Cancelled: classified" if st.cancelled else "Classified"
            text = (f"{verb} {n - n_bad} of {st.found} file(s) in {st.seconds:.1f} s ({rate:.1f} files/s): "
                    f"{st.reused} unchanged since the last run, {st.cached} from the feature cache, "
                    f"{st.analysed} analysed, {n_bad} failed")
            if st.skipped:
                text += f"; {len(st.skipped)} skipped"
            if not st.found:
                text = "No audio files found in that folder."
        self.progress.set_idle(text)
        self.pause_button.setVisible(False)
        details = [f"skipped {p}: {why}" for p, why in (st.skipped if st is not None else [])[:5]]
        details += [str(r.error) for r in run.results if not r.ok][:5]
        details += list(run.warnings)
        self.status.setText("\n".join(details))
        self._update_buttons()
        self.message.emit(text)

    def _on_failed(self, message: str) -> None:
        self.progress.set_idle(f"The library job failed: {message}")
        self.pause_button.setVisible(False)
        self.pause_button.setEnabled(False)
        self._update_buttons()
        self.message.emit(message)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.running:  # closing the window stops its job (what was done is kept for the next run)
            self.cancel()
        super().closeEvent(event)

    # -- table ---------------------------------------------------------------------------------------
    def _add_genres(self, tracks) -> None:
        have = {self.genre_combo.itemText(i) for i in range(self.genre_combo.count())}
        for r in tracks:
            name = (r.genre if r.ok else FAILED) or FAILED
            extra = [UNSURE] if r.ok and r.unsure else []
            for g in (name, *extra):
                if g not in have:
                    have.add(g)
                    self.genre_combo.addItem(g)
        # genres in name order after "All genres"; the special entries last
        texts = [self.genre_combo.itemText(i) for i in range(1, self.genre_combo.count())]
        wanted = sorted(texts, key=lambda t: (t.startswith("("), t))
        if texts != wanted:
            current = self.genre_combo.currentText()
            self.genre_combo.blockSignals(True)
            while self.genre_combo.count() > 1:
                self.genre_combo.removeItem(1)
            self.genre_combo.addItems(wanted)
            self.genre_combo.setCurrentText(current)
            self.genre_combo.blockSignals(False)

    def _filter(self, **kw) -> None:
        self.proxy.set_filters(**kw)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} file(s)" if shown != total else f"{total} file(s)")

    def visible_results(self) -> list:
        """The rows shown, in the table's order."""
        rows = (self.proxy.mapToSource(self.proxy.index(i, 0)).row() for i in range(self.proxy.rowCount()))
        return [self.model.results[r] for r in rows]

    def _double_clicked(self, index) -> None:
        r = self.model.results[self.proxy.mapToSource(index).row()]
        if self._play is not None:
            self._play(r.path)

    # -- exports and tags -----------------------------------------------------------------------------
    def results(self) -> list:
        """Every result of the window, in file name order (what exports write)."""
        return sorted(self.model.results, key=lambda r: os.fsencode(r.path))

    def _update_buttons(self) -> None:
        have = bool(self.model.results) and not self.running
        for b in (self.csv_button, self.json_button, self.playlists_button):
            b.setEnabled(have)
        # one tagging at a time, and none while the job runs (it reads the same files)
        self.tags_button.setEnabled(have and not self.tagging)
        self.again_button.setEnabled(bool(self.roots) and not self.running and not self.tagging)
        self.undo_button.setEnabled(last_tag_log() is not None and not self.running and not self.tagging)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    def _start_dir(self) -> str:
        return self.roots[0] if self.roots else os.path.expanduser("~")

    def export_csv(self, path: str | None = None) -> str | None:
        from ..core.library import write_csv

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export results as CSV",
                                                  os.path.join(self._start_dir(), "genres.csv"),
                                                  "CSV (*.csv)")
        if not path:
            return None
        return self._write(lambda: write_csv(self.results(), path), f"Wrote {len(self.model.results)} "
                           f"row(s) to {path}", path)

    def export_json(self, path: str | None = None) -> str | None:
        from ..core.library import write_json

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export results as JSON",
                                                  os.path.join(self._start_dir(), "genres.json"),
                                                  "JSON (*.json)")
        if not path:
            return None
        extra = {"model": self.state.model_label,
                 "feature_set": getattr(self.state.pipeline, "feature_set", None)}
        return self._write(lambda: write_json(self.results(), path, extra=extra),
                           f"Wrote {len(self.model.results)} result(s) to {path}", path)

    def write_playlists(self, folder: str | None = None) -> dict | None:
        from ..core.library import write_playlists

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Write one playlist per genre into",
                                                      self._start_dir())
        if not folder:
            return None
        out: dict = {}

        def do() -> None:
            out.update(write_playlists(self.results(), folder))

        if self._write(do, "", folder) is None:
            return None
        self._say(f"Wrote {len(out)} playlist(s) into {folder}: " + ", ".join(sorted(out)) if out else
                  "No confident music answers: no playlist written.")
        return out

    def _write(self, action, done_text: str, target: str):
        from ..core.errors import GenreGuiError

        try:
            action()
        except (OSError, GenreGuiError) as exc:
            self._say(f"Cannot write {target}: {getattr(exc, 'strerror', None) or exc}")
            return None
        if done_text:
            self._say(done_text)
        return target

    def tag_items(self) -> list[tuple[str, str]]:
        """What tagging would write: each confident music answer (never unsure, not music or failed)."""
        return [(r.path, r.tag_genre) for r in self.results() if r.tag_genre]

    def tag_preview(self, policy: str = "missing") -> TagPreviewDialog:
        """The preview dialog (not shown); its worker starts reading the files' tags at once."""
        return TagPreviewDialog(self.tag_items(), policy, self, registry=self.jobs.registry)

    def write_tags(self, policy: str = "missing", dialog: TagPreviewDialog | None = None) -> None:
        """Open the preview; the tags are written when it is accepted (``apply_tags``)."""
        dialog = dialog or self.tag_preview(policy)
        self._tag_dialog = dialog
        dialog.accepted.connect(lambda: self.apply_tags(dialog.plan))
        dialog.open()

    def apply_tags(self, plan):
        """Write a previewed plan, with a change log under the app's data folder, in a worker;
        ``tags_done(TagsWritten)`` when done. Returns the worker (None when there is nothing to write)."""
        if plan is None or not plan.changes:
            self._say("No tag to change.")
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = tag_log_folder() / f"tagging-{stamp}-{int(time.time_ns() % 10**9):09d}.json"
        doing = f"Writing the genre of {len(plan.changes)} file(s)…"
        return self._start_tag_worker(str(log_path), plan, doing, "No tag was written")

    def undo_last_tagging(self):
        """Put back the genres the last tagging replaced, in a worker (``tags_done``); the worker or None."""
        log_path = last_tag_log()
        if log_path is None:
            self._say("No tagging to undo.")
            return None
        return self._start_tag_worker(str(log_path), None, "Restoring the genres of the last tagging…",
                                      "Cannot undo")

    def _start_tag_worker(self, log_path: str, plan, doing: str, failure: str):
        from ..workers.tags import TagWriteWorker

        run = self.run
        state_path = run.request.state_path if run is not None else None
        w = TagWriteWorker(log_path, plan, state_path, run.model_key if run is not None else None)
        w.finished.connect(self._after_tags)
        w.failed.connect(lambda message: self._tags_failed(f"{failure}: {message}"))
        self._tag_worker = w
        self._update_buttons()
        self._say(doing)
        self.jobs.registry.start(w, "tags")
        return w

    @property
    def tagging(self) -> bool:
        return self._tag_worker is not None

    def _tags_failed(self, message: str) -> None:
        self._tag_worker = None
        self._say(message)
        self._update_buttons()

    def _after_tags(self, done) -> None:
        self._tag_worker = None
        report = done.report
        self.last_tag_report = report
        self.model.set_tags(done.tags)
        text = f"{done.verb} {len(report.done)} file(s)"
        if report.skipped:
            text += f", {len(report.skipped)} left alone"
        if report.failed:
            text += f", {len(report.failed)} failed: " + "; ".join(
                f"{os.path.basename(p)}: {why}" for p, why in report.failed[:5])
        if report.log_path:
            text += f". Change log: {report.log_path}"
        self._say(text)
        self._update_buttons()
        self.tags_done.emit(done)


def action(main_window):
    """File > Classify a Music Library… (Ctrl+Shift+M), kept as ``main_window.library_job_action``."""
    main_window.library_window = None
    main_window.library_job_action = main_window._action(
        "Classify a Music &Library…", lambda: open_library_window(main_window), "Ctrl+Shift+M",
        "Classify every song under a folder with the current model; export, playlists, genre tags")
    return main_window.library_job_action


def open_library_window(main_window, folder: str | None = None) -> LibraryWindow | None:
    """File > Classify a Music Library…: ask for a folder (unless given), open (or raise) the window and
    start the job with the app's current model."""
    from . import dialogs

    if folder is None:
        folder = dialogs.choose_folder(main_window, main_window.settings, "Classify the music in this folder")
    if not folder:
        return None
    win = getattr(main_window, "library_window", None)
    if win is None:
        win = LibraryWindow(main_window.jobs, main_window.state, main_window.datasets.play_clip, main_window,
                            settings=main_window.settings)
        win.message.connect(lambda text: main_window.show_message(text, 8000))
        main_window.library_window = win
    win.show()
    win.raise_()
    win.activateWindow()
    win.start([folder])
    return win
