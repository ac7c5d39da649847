"""The main window, a thin shell: AppState, JobController, the controllers (models_controller,
datasets_controller, report), the panels (each subscribes itself: ``bind``), docks (Home first), menus
(``menus.py``), dialogs, messages, drops, the one sound transport and settings."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabWidget, QWidget

from .. import __version__
from ..audio.playback import stop_playback
from . import dialogs, menus
from . import settings as keys
from .datasets_controller import DatasetController, audio_extensions, can_open
from .drops import FileDrops
from .explanations import ExplanationController
from .jobs import JobController, default_cache_path
from .live.live_dock import LiveDock
from .models_controller import ModelsController
from .offer_bar import OfferBar
from .panels.comparison_panel import ComparisonPanel
from .panels.evaluation_panel import EvaluationPanel
from .panels.home_panel import HomePanel
from .panels.library_panel import LibraryPanel, default_feature_set
from .panels.training_panel import TrainingPanel
from .report import ReportController
from .settings import AppSettings
from .state import AppState
from .transport import Transport
from .views.palette import setup_pyqtgraph
from .widgets import fit_to_screen

log = logging.getLogger(__name__)

#: how long an error stays in the status bar (routine messages wait until then)
ERROR_STATUS_MS = 15000


class MainWindow(QMainWindow):
    """The application window. ``settings``: where geometry, layout, last dataset and hyperparameters
    persist (the user's INI by default); ``load_defaults``: load the bundled demo dataset and default model
    (tests may start empty); ``cache_path``: feature cache file (``""`` disables it); ``initial_paths``:
    opened once the defaults are in place (command line, "Open with"), instead of the last dataset."""

    #: the live panel was built (after its module was imported off the GUI thread)
    live_panel_ready = Signal(object)

    def __init__(self, settings: AppSettings | None = None, *, load_defaults: bool = True,
                 cache_path: str | None = None, initial_paths: list[str] | None = None) -> None:
        super().__init__()
        t0 = time.perf_counter()
        setup_pyqtgraph()
        self.setWindowTitle(f"genre_gui {__version__}")
        self.settings = settings if settings is not None else AppSettings()
        self.state = AppState(self)
        cache = default_cache_path() if cache_path is None else cache_path
        self.jobs = JobController(self.state, cache, self)
        self.last_error: str | None = None
        self._error_shown_until = 0.0
        self._message_box = None

        self.home_panel = HomePanel()
        self.library_panel = LibraryPanel()
        self.training_panel = TrainingPanel()
        self.evaluation_panel = EvaluationPanel()
        self.comparison_panel = ComparisonPanel()
        for panel in (self.library_panel, self.training_panel, self.evaluation_panel, self.comparison_panel):
            panel.bind(self.jobs, self.state)  # before the controllers: a panel draws before they react
        self.live = LiveDock(self.jobs, self.state, self.settings.qsettings, self)  # its panel comes later
        self._live_placeholder = self.live.placeholder
        self.models = ModelsController(self.state, self)
        self.home_panel.bind(self.jobs, self.state, self.models)
        self.offer_bar = OfferBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.offer_bar)
        tp = self.training_panel
        self.datasets = DatasetController(
            self.state, self.jobs, self.models, self.settings, self.library_panel.current_feature_set,
            lambda: (tp.specs(), tp.protocol(), tp.config()), initial_paths, self)
        self.reports = ReportController(self.state, (self.comparison_panel, self.training_panel), self)
        self.explanations = ExplanationController(self.state, self.jobs, self.datasets, self)
        self.transport = Transport(self.live, self.home_panel, self.raise_panel, self)
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        # folders, tables, models, IDX files, songs; Home's drop zone lights up while a drag is over it
        self.drops = FileDrops(self, can_open, self.open_paths, self.home_panel.set_drop_hover)

        self.training_panel.apply_config(self.settings.json(keys.HYPERPARAMETERS))
        self.library_panel.set_feature_set(self.settings.text(keys.FEATURE_SET, default_feature_set()))
        fit_to_screen(self, 1400, 900)
        self.settings.restore_window(self)
        if self.settings.problem:
            self.show_message(self.settings.problem, 10000)
        QTimer.singleShot(0, self.live.start)
        if load_defaults:
            # after the window is shown: the first core import (SciPy) must not delay the window
            QTimer.singleShot(0, self.datasets.load_startup_data)
        elif self.datasets.initial_paths:
            QTimer.singleShot(0, lambda: self.open_paths(self.datasets.initial_paths))
        log.info("main window built in %.0f ms", 1000 * (time.perf_counter() - t0))

    def _add_dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")  # saveState needs stable names
        dock.setWidget(widget)
        feature = QDockWidget.DockWidgetFeature
        features = feature.DockWidgetMovable | feature.DockWidgetFloatable
        if key != "home":  # Home is where answers appear: it cannot be closed by a stray click
            features |= feature.DockWidgetClosable
        dock.setFeatures(features)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        drawing = getattr(widget, "drawing", None)
        if drawing is not None:  # a selected tab draws what arrived while it was behind another
            dock.visibilityChanged.connect(drawing.visibility_changed)
        return dock

    def _build_docks(self) -> None:
        # one row of tabs, Home first: a person opens the app to classify music; the plots get the whole
        # width (maximising no longer feeds a side dock) and the window fits 1024 px
        self.setDockNestingEnabled(True)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        docks = [self._add_dock(key, title, widget, right) for key, title, widget in (
            ("home", "Home", self.home_panel), ("library", "Library", self.library_panel),
            ("training", "Training", self.training_panel),
            ("evaluation", "Evaluation", self.evaluation_panel),
            ("comparison", "Comparison", self.comparison_panel), ("live", "Live", self._live_placeholder))]
        for a, b in zip(docks, docks[1:], strict=False):
            self.tabifyDockWidget(a, b)
        docks[0].raise_()
        self._default_state = self.saveState(keys.STATE_VERSION)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        return menus.action(self, text, slot, shortcut, tip)

    def _build_menus(self) -> None:
        menus.build_menus(self)

    def _build_status_bar(self) -> None:
        self.dataset_status = QLabel("No dataset")
        self.model_status = QLabel("No model")
        self.statusBar().addPermanentWidget(self.dataset_status)
        self.statusBar().addPermanentWidget(self.model_status)

    def _connect(self) -> None:
        """What the panels ask of the window and the controllers, and what the controllers report."""
        lib, tp, ev, cp, st = (self.library_panel, self.training_panel, self.evaluation_panel,
                               self.comparison_panel, self.state)
        lib.open_folder_requested.connect(self.open_folder_dialog)
        lib.open_files_requested.connect(self.open_files_dialog)
        lib.demo_requested.connect(self.datasets.load_demo)
        lib.feature_set_changed.connect(self.datasets.feature_set_changed)
        home, models = self.home_panel, self.models
        home.classify_requested.connect(self.classify_songs_dialog)
        home.listen_requested.connect(self.transport.listen)
        home.library_requested.connect(lambda: self.library_job_action.trigger())
        home.model_chosen.connect(models.use)
        home.restore_default_requested.connect(models.restore_default)
        home.file_activated.connect(self.datasets.play_file)
        home.explain_requested.connect(self.explanations.explain_song)
        self.jobs.training_finished.connect(models.add_run)
        models.offer.connect(lambda index, question: self.offer_bar.offer(
            question, lambda: models.use(index), "Use it", "Keep the current model"))
        tp.train_requested.connect(self.datasets.start_training)
        ev.play_requested.connect(self.datasets.play_clip)
        ev.explain_requested.connect(self.explanations.explain_clip)
        cp.keep_requested.connect(self.models.keep_model)
        cp.save_requested.connect(lambda: self.save_model_dialog(self.models.run_pipeline(cp.kept_model())))
        cp.load_requested.connect(self.load_model_dialog)
        cp.export_requested.connect(self.export_report_dialog)
        self.models.kept.connect(lambda result: ev.select_model(result.model))
        for controller in (self.models, self.datasets, self.reports, self.explanations):
            controller.message.connect(self.show_message)
            controller.error.connect(self.show_error)
        self.transport.message.connect(self.show_message)
        self.datasets.panel_wanted.connect(self.raise_panel)
        self.live.ready.connect(self._live_ready)
        self.live.unavailable.connect(lambda message: self.show_message(message, 8000))
        st.dataset_changed.connect(lambda info: self.dataset_status.setText(f"Dataset: {info.dataset.name}"))
        st.pipeline_changed.connect(lambda _p: self.model_status.setText(f"Model: {st.model_label}"))

    @property
    def live_panel(self):
        """The live panel once built (None before, or when live audio is unavailable)."""
        return self.live.panel

    def _live_ready(self, panel) -> None:
        self.docks["live"].setWidget(panel)
        # routine (each live classification): must not wipe an error the user has not had time to read
        panel.status_message.connect(lambda m: self.show_message(str(m), 6000, routine=True))
        self.datasets.live_panel = panel  # songs opened or double-clicked are shown and played there too
        self.live_panel_ready.emit(panel)

    # -- messages and panels -------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 5000, *, routine: bool = False) -> None:
        """Status-bar message; a ``routine`` one never replaces an error still on display."""
        if routine and time.monotonic() < self._error_shown_until:
            return
        self.statusBar().showMessage(text, timeout_ms)

    def show_error(self, title: str, text: str) -> None:
        """Status bar + one non-blocking message box (the previous one is replaced, never stacked)."""
        self.last_error = text
        log.warning("%s: %s", title, text)
        self.show_message(f"{title}: {text}", ERROR_STATUS_MS)
        self._error_shown_until = time.monotonic() + ERROR_STATUS_MS / 1000
        if self._message_box is not None:
            try:
                self._message_box.close()
            except RuntimeError:  # already deleted by Qt
                pass
        self._message_box = dialogs.show_error(self, title, text)

    def show_about(self) -> None:
        self._about = dialogs.show_about(self)

    def show_help(self) -> None:
        self._help = dialogs.show_help(self)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, keys.STATE_VERSION)
        for d in self.docks.values():
            d.setVisible(True)

    def raise_panel(self, key: str) -> None:
        dock = self.docks.get(key)
        if dock is not None:
            dock.setVisible(True)
            dock.raise_()

    def open_paths(self, paths: list[str], remember: bool = True) -> None:
        """Open datasets, model files or songs (drops, dialogs, the command line)."""
        self.datasets.open_paths(paths, remember)

    # -- dialogs -----------------------------------------------------------------------------------
    def classify_songs_dialog(self) -> None:
        paths = dialogs.choose_songs(self, self.settings, audio_extensions())
        if paths:
            self.datasets.classify_files(paths)

    def open_files_dialog(self) -> None:
        self.open_paths(dialogs.choose_files(self, self.settings, audio_extensions()))

    def open_folder_dialog(self) -> None:
        path = dialogs.choose_folder(self, self.settings, "Open a folder of <genre>/<songs>", "dataset")
        if path:
            self.open_paths([path])

    def load_model_dialog(self) -> None:
        path = dialogs.choose_model_to_load(self, self.settings)
        if path:
            self.models.load_model(path)

    def save_model_dialog(self, pipeline=None) -> None:
        """Save the model for songs, or ``pipeline`` (the Comparison panel's pick: also an MNIST model)."""
        path = (pipeline is not None or self.models.require_model()) and dialogs.choose_model_to_save(
            self, self.settings)
        if path:
            self.models.save_model(path, pipeline)

    def export_report_dialog(self) -> None:
        path = self.reports.require_run() and dialogs.choose_report_folder(self, self.settings)
        if path:
            self.reports.export(path)

    def running_work(self) -> list[str]:
        """The long jobs in progress, in words (closing would lose them)."""
        j = self.jobs
        return [what for what, on in (("a training run", j.training_running), ("a feature extraction",
                j.dataset_running), ("a music-library job", j.library_running)) if on]

    def closeEvent(self, event: QCloseEvent) -> None:
        work = self.running_work()
        if work and not dialogs.confirm(self, "Quit genre_gui?", f"{' and '.join(work).capitalize()} is "
                                        "still running; quitting stops it and its results are lost.",
                                        yes="Quit"):
            event.ignore()
            return
        self.explanations.closed = True
        self.settings.save_window(self)
        self.settings.set_json(keys.HYPERPARAMETERS, self.training_panel.config())
        self.settings.set_value(keys.FEATURE_SET, self.library_panel.current_feature_set())
        if not self.settings.sync():
            log.warning("%s", self.settings.problem)
        self.live.shutdown()
        stop_playback()
        self.jobs.shutdown()
        super().closeEvent(event)
