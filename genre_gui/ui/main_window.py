"""The main window: Library, Training, Evaluation, Comparison (and Live, when available) as docks;
File/View/Help menus; drag-and-drop; QSettings persistence. Heavy work goes to workers via JobController."""

from __future__ import annotations

import logging
import os
import time
from functools import partial
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QTabWidget, QWidget

from .. import __version__
from ..resources import DEFAULT_MODEL, DEMO_CSV, TABLE_MODEL
from ..workers.loading import DatasetRequest, classify_request
from ..workers.training import TrainingRequest
from . import dialogs
from . import settings as keys
from .clip_player import play_clip, stop_playback
from .jobs import JobController
from .panels.comparison_panel import ComparisonPanel
from .panels.evaluation_panel import EvaluationPanel
from .panels.library_panel import LibraryPanel
from .panels.training_panel import TrainingPanel
from .settings import AppSettings
from .state import AppState, DatasetInfo
from .views.palette import setup_pyqtgraph

log = logging.getLogger(__name__)

SEGMENT_SECONDS = 3.0
MODEL_FILTER = "genre_gui model (*.npz)"
#: how long an error stays in the status bar (routine messages wait until then)
ERROR_STATUS_MS = 15000


def _audio_extensions() -> tuple[str, ...]:
    from ..core.audio_io import AUDIO_EXTENSIONS

    return tuple(AUDIO_EXTENSIONS)


def default_cache_path() -> str | None:
    """Feature cache location: $GENRE_GUI_CACHE_DIR, else Qt's per-user cache folder."""
    base = os.environ.get("GENRE_GUI_CACHE_DIR") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.CacheLocation)
    return os.path.join(base, "features.sqlite") if base else None


class MainWindow(QMainWindow):
    """The application window.

    Parameters
    ----------
    settings : AppSettings, optional
        Where geometry, layout, last dataset and hyperparameters persist (the user's INI by default).
    load_defaults : bool
        Load the bundled demo dataset and default model (tests may start empty).
    cache_path : str, optional
        Feature cache file; ``""`` disables the cache.
    initial_paths : list of str, optional
        Opened once the defaults are in place (command line, "Open with"), instead of the last dataset.
    """

    #: the live panel was built (after its module was imported off the GUI thread)
    live_panel_ready = Signal(object)

    def __init__(self, settings: AppSettings | None = None, *, load_defaults: bool = True,
                 cache_path: str | None = None, initial_paths: list[str] | None = None) -> None:
        super().__init__()
        t0 = time.perf_counter()
        setup_pyqtgraph()
        self.setWindowTitle(f"genre_gui {__version__}")
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else AppSettings()
        self.state = AppState(self)
        cache = default_cache_path() if cache_path is None else cache_path
        self.jobs = JobController(self.state, cache, self)
        self.last_error: str | None = None
        self._error_shown_until = 0.0
        self._message_box = None
        self._pending_training = False
        self._dataset_request: DatasetRequest | None = None
        self._prediction_pipeline = None  # the model that classified the songs in the Library
        self._prediction_label = ""
        self._explanation_request = None  # the latest "Why this genre?" asked for
        self.explanation_dialog = None

        self.library_panel = LibraryPanel()
        self.training_panel = TrainingPanel()
        self.evaluation_panel = EvaluationPanel()
        self.comparison_panel = ComparisonPanel()
        self.live_panel: QWidget | None = None  # built once its module is imported (see _start_live_import)
        self._live_placeholder = QLabel("Starting live audio…")
        self._live_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self._connect()

        self.training_panel.apply_config(self.settings.json(keys.HYPERPARAMETERS))
        self.library_panel.set_feature_set(self.settings.text(keys.FEATURE_SET, "gtzan57"))
        self.resize(1400, 900)
        self.settings.restore_window(self)
        if self.settings.problem:
            self.show_message(self.settings.problem, 10000)
        self._startup_pending = False
        self._closing = False
        self._drag_accepted = False  # set at drag-enter for the whole drag
        self._initial_paths = list(initial_paths or [])
        QTimer.singleShot(0, self._start_live_import)
        if load_defaults:
            # after the window is shown: the first core import (SciPy) must not delay the window
            QTimer.singleShot(0, self.load_startup_data)
        elif self._initial_paths:
            QTimer.singleShot(0, lambda: self.open_paths(self._initial_paths))
        log.info("main window built in %.0f ms", 1000 * (time.perf_counter() - t0))

    # -- construction ------------------------------------------------------------------------------
    def _start_live_import(self) -> None:
        """Import the optional live panel in a worker; a missing or broken module never stops the app."""
        from ..workers.imports import ImportWorker

        worker = ImportWorker("genre_gui.ui.live.live_panel")
        worker.finished.connect(self._install_live_panel)
        worker.failed.connect(self._live_unavailable)
        self.jobs.registry.start(worker, "import-live")

    def _install_live_panel(self, module) -> None:
        if self._closing:
            return
        try:
            panel = module.LivePanel(parent=None, settings=self.settings.qsettings)
        except Exception as exc:  # noqa: BLE001 - PortAudio trouble, anything at all
            self._live_unavailable(f"Live panel unavailable: {exc}")
            return
        self.live_panel = panel
        self.docks["live"].setWidget(panel)
        self._live_placeholder.deleteLater()
        if hasattr(panel, "status_message"):
            panel.status_message.connect(self._live_status)
        pipe = self.state.pipeline
        if pipe is not None and getattr(pipe, "feature_set", None):
            try:
                panel.set_pipeline(pipe)
            except Exception as exc:  # noqa: BLE001 - optional panel
                log.warning("live panel rejected the pipeline: %s", exc)
        self.live_panel_ready.emit(panel)

    def _live_status(self, message: str) -> None:
        # routine (each live classification): must not wipe an error the user has not had time to read
        self.show_message(str(message), 6000, routine=True)

    def _live_unavailable(self, message: str) -> None:
        log.warning("live panel unavailable: %s", message)
        self._live_placeholder.setText(f"Live audio is unavailable:\n{message}")
        self._live_placeholder.setWordWrap(True)
        self.show_message(message, 8000)

    def _add_dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")  # saveState needs stable names
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        drawing = getattr(widget, "drawing", None)
        if drawing is not None:  # a selected tab draws what arrived while it was behind another
            dock.visibilityChanged.connect(drawing.visibility_changed)
        return dock

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        lib = self._add_dock("library", "Library", self.library_panel, left)
        train = self._add_dock("training", "Training", self.training_panel, right)
        ev = self._add_dock("evaluation", "Evaluation", self.evaluation_panel, right)
        comp = self._add_dock("comparison", "Comparison", self.comparison_panel, right)
        self.tabifyDockWidget(train, ev)
        self.tabifyDockWidget(ev, comp)
        live = self._add_dock("live", "Live", self._live_placeholder, right)
        self.tabifyDockWidget(comp, live)
        train.raise_()
        self.resizeDocks([lib, train], [400, 1000], Qt.Orientation.Horizontal)
        self._default_state = self.saveState(keys.STATE_VERSION)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.addAction(a)  # shortcuts work even when the menu bar is hidden
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self.open_files_action = self._action("&Open Files…", self.open_files_dialog, "Ctrl+O",
                                              "Open a feature CSV, MNIST IDX files, or songs to classify")
        self.open_folder_action = self._action("Open &Folder…", self.open_folder_dialog, "Ctrl+Shift+O",
                                               "Open a folder of songs laid out as <genre>/<files>")
        self.demo_action = self._action("Load &Demo Dataset", self.load_demo, None, "The bundled GTZAN table")
        self.load_model_action = self._action("&Load Model…", self.load_model_dialog, "Ctrl+L")
        self.default_model_action = self._action(
            "Use &Default Model (musicnn)", self.load_default_model, "Ctrl+D",
            "The bundled default: a pre-trained music network, 10 GTZAN genres, knows what is not music")
        self.table_model_action = self._action(
            "Use gtzan57 &Table Model", self.load_table_model, None,
            "The bundled model of the GTZAN feature table (57 librosa statistics)")
        self.save_model_action = self._action("&Save Model…", self.save_model_dialog, "Ctrl+S")
        self.export_action = self._action("&Export Report…", self.export_report_dialog, "Ctrl+E")
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        for a in (self.open_files_action, self.open_folder_action, self.demo_action, None,
                  self.load_model_action, self.default_model_action, self.table_model_action,
                  self.save_model_action, self.export_action, None, self.quit_action):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)

        view_menu = mb.addMenu("&View")
        for dock in self.docks.values():
            a = dock.toggleViewAction()
            a.setText(dock.windowTitle())
            view_menu.addAction(a)
        view_menu.addSeparator()
        view_menu.addAction(self._action("&Reset Layout", self.reset_layout))

        help_menu = mb.addMenu("&Help")
        self.help_action = self._action("genre_gui &Help", self.show_help, "F1")
        self.about_action = self._action("&About genre_gui", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.dataset_status = QLabel("No dataset")
        self.model_status = QLabel("No model")
        sb.addPermanentWidget(self.dataset_status)
        sb.addPermanentWidget(self.model_status)

    def _connect(self) -> None:
        lib, tp, ev, cp, jobs, st = (self.library_panel, self.training_panel, self.evaluation_panel,
                                     self.comparison_panel, self.jobs, self.state)
        lib.open_folder_requested.connect(self.open_folder_dialog)
        lib.open_files_requested.connect(self.open_files_dialog)
        lib.demo_requested.connect(self.load_demo)
        lib.cancel_requested.connect(jobs.cancel_dataset)
        lib.feature_set_changed.connect(self._feature_set_changed)
        lib.file_activated.connect(self.play_file)
        lib.explain_requested.connect(self.explain_song)
        tp.train_requested.connect(self.start_training)
        tp.cancel_requested.connect(jobs.cancel_training)
        ev.play_requested.connect(self.play_clip)
        ev.explain_requested.connect(self.explain_clip)
        cp.keep_requested.connect(self.keep_model)
        cp.save_requested.connect(self.save_model_dialog)
        cp.load_requested.connect(self.load_model_dialog)
        cp.export_requested.connect(self.export_report_dialog)

        jobs.dataset_load_started.connect(self._on_dataset_started)
        jobs.dataset_progressed.connect(lib.progress.update_progress)
        jobs.dataset_loaded.connect(self._on_dataset_loaded)
        jobs.dataset_load_failed.connect(self._on_dataset_failed)
        jobs.dataset_load_cancelled.connect(self._on_dataset_cancelled)
        jobs.training_started.connect(self._on_training_started)
        jobs.training_progressed.connect(tp.progress.update_progress)
        jobs.model_started.connect(self._on_model_started)
        jobs.epochs_received.connect(self._on_epochs)
        jobs.model_finished.connect(self._on_model_finished)
        jobs.training_finished.connect(self._on_training_finished)
        jobs.training_failed.connect(self._on_training_failed)
        jobs.file_classified.connect(lib.add_prediction)
        jobs.prediction_finished.connect(self._on_prediction_finished)
        jobs.prediction_failed.connect(lambda m: self.show_error("Classification failed", m))
        st.dataset_changed.connect(self._on_dataset_changed)
        st.pipeline_changed.connect(self._on_pipeline_changed)

    # -- messages ----------------------------------------------------------------------------------
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

    # -- datasets ----------------------------------------------------------------------------------
    def load_demo(self) -> None:
        """Load the bundled GTZAN table (in a worker: the first load also imports SciPy)."""
        self.load_dataset("demo", (str(DEMO_CSV),))

    def load_startup_data(self) -> None:
        """Demo dataset, then default model, then the last dataset the user had (if it still exists)."""
        self._startup_pending = True
        self.load_demo()

    def open_paths(self, paths: list[str], remember: bool = True) -> None:
        """Route dropped or opened paths: folder / CSV / IDX -> dataset; .npz -> model; audio -> classify."""
        paths = [str(p) for p in paths if str(p)]
        if not paths:
            return
        from ..core.datasets.npz import is_dataset_npz

        # .npz is both our model format and a dataset format: the archive's members tell them apart
        models = [p for p in paths if p.lower().endswith(".npz") and not is_dataset_npz(p)]
        if models:
            self.load_model(models[0])
            paths = [p for p in paths if p not in models]
            if not paths:
                return
        kind = classify_request(paths)
        if kind is not None:
            self.load_dataset(kind[0], kind[1], remember=remember)
            return
        audio = [p for p in paths if p.lower().endswith(_audio_extensions())]
        other = [p for p in paths if p not in audio]
        if other:
            names = ", ".join(os.path.basename(o) for o in other)
            self.show_message(f"Not a dataset, model or audio file: {names}", 10000)
        if audio:
            self.classify_files(audio)

    def load_dataset(self, kind: str, paths: tuple[str, ...], *, segment_seconds: float | None = None,
                     remember: bool = True) -> None:
        req = DatasetRequest(kind, tuple(paths), self.library_panel.current_feature_set(), segment_seconds)
        self._dataset_request = req
        if remember:
            self.settings.set_value(keys.LAST_DATASET, "demo" if kind == "demo" else " + ".join(paths))
        self.jobs.load_dataset(req)

    def _feature_set_changed(self, name: str) -> None:
        self.settings.set_value(keys.FEATURE_SET, name)
        req = self._dataset_request
        if req is not None and req.kind == "audio_folder" and self.state.dataset_info is not None \
                and self.state.dataset_info.kind == "audio_folder":
            self.load_dataset(req.kind, req.paths, segment_seconds=req.segment_seconds)

    def _on_dataset_started(self, req: DatasetRequest) -> None:
        what = "Extracting features" if req.kind == "audio_folder" else "Loading"
        if req.kind == "demo":
            self.library_panel.progress.start("Loading the demo dataset")
            return
        self.library_panel.progress.start(f"{what}: {os.path.basename(req.paths[0].rstrip(os.sep))}")
        self.raise_panel("library")
        self.show_message(f"{what} from {req.paths[0]}…", 3000)

    def _on_dataset_loaded(self, loaded) -> None:
        ds = loaded.dataset
        msg = f"{len(ds)} rows loaded in {loaded.elapsed_seconds:.1f} s"
        if ds.failures:
            msg += f"; {len(ds.failures)} file(s) could not be used (listed in the Library)"
        self.library_panel.progress.set_idle(msg)
        self.show_message(msg + ("; " + "; ".join(loaded.warnings) if loaded.warnings else ""), 10000)
        if self._startup_pending:
            self._finish_startup()
        if self._pending_training:
            self._pending_training = False
            self.start_training()

    def _finish_startup(self) -> None:
        self._startup_pending = False
        if self.state.pipeline is None:
            self.load_default_model()
        if self._initial_paths:
            self.open_paths(self._initial_paths)
            return
        last = self.settings.text(keys.LAST_DATASET, "")
        if last and last != "demo" and all(os.path.exists(p) for p in last.split(" + ")):
            self.open_paths(last.split(" + "), remember=False)

    def _on_dataset_failed(self, message: str) -> None:
        self._pending_training = False
        if self._startup_pending:
            self._finish_startup()
        self.library_panel.progress.set_idle("Failed")
        self.show_error("Could not load the dataset", message)

    def _on_dataset_cancelled(self) -> None:
        self._pending_training = False
        self.library_panel.progress.set_idle("Cancelled; the previous dataset is kept")
        self.show_message("Loading cancelled; the previous dataset is kept", 5000)

    def _on_dataset_changed(self, info: DatasetInfo) -> None:
        self.library_panel.show_dataset(info)
        from ..workers.loading import summarize

        ds = info.dataset
        self.dataset_status.setText(f"Dataset: {ds.name}")
        segmented = (info.summary if info.summary is not None else summarize(ds)).segmented
        self.training_panel.set_segment_mode_available(
            segmented or info.kind == "audio_folder",
            "" if (segmented or info.kind == "audio_folder") else
            "Needs audio files or a segment table: this table has one row per clip")

    # -- classification of songs -------------------------------------------------------------------
    def classify_files(self, paths: list[str]) -> None:
        if len(paths) == 1 and self.live_panel is not None:
            try:
                self.live_panel.play_file(paths[0])
                # the live panel shows its spectrum; the Library still shows the prediction
            except Exception as exc:  # noqa: BLE001 - optional panel
                log.warning("live panel could not open %s: %s", paths[0], exc)
        pipe = self.state.pipeline
        if pipe is None:
            self.show_error("No model", "Train a model or load a model file before classifying songs.")
            return
        if not getattr(pipe, "feature_set", None):
            self.show_error("Model cannot classify audio",
                            "The current model was trained on a dataset without audio features.")
            return
        self.library_panel.clear_predictions()
        self.raise_panel("library")
        self._prediction_pipeline, self._prediction_label = pipe, self.state.pipeline_label
        self.jobs.predict_files(paths, pipe)

    def _on_prediction_finished(self, batch) -> None:
        ok = [p for p in batch.predictions if not p.error]
        self.show_message(f"Classified {len(ok)} of {len(batch.predictions)} file(s)", 6000)

    def play_clip(self, path: str) -> None:
        """Play a listed clip: decoded and started in a worker; the outcome goes to the status bar."""
        if not path or not os.path.isfile(path):
            self.show_message(play_clip(path), 6000)  # says why at once: no file to decode
            return
        from ..workers.playback import PlaybackWorker

        worker = PlaybackWorker(path)
        worker.finished.connect(self._playback_reported)
        worker.failed.connect(self._playback_reported)
        self.jobs.registry.start(worker, "playback")
        self.show_message(f"Loading {os.path.basename(path)}…", 3000)

    # -- "Why this genre?" --------------------------------------------------------------------------
    def explain_song(self, pred) -> None:
        """Explain a Library answer with the model that gave it, from the song's own feature rows."""
        pipe = self._prediction_pipeline
        if pipe is None or getattr(pred, "features", None) is None:
            self.show_message("No explanation: this answer did not keep its features", 6000)
            return
        from ..workers.explanation import ExplanationRequest

        label = self._prediction_label or "the current model"
        self.explain(ExplanationRequest(
            pipe, pred.features, os.path.basename(pred.path), answer=pred.answer or str(pred.genre),
            note=f"Explained with the model that classified it: {label}.", dataset=self.state.dataset))

    def explain_clip(self, result, source: str) -> None:
        """Explain a confusion-matrix clip with the model its run kept, from the dataset's rows of the clip;
        the clip's own training rows are left out of a k-NN search."""
        import numpy as np

        from ..workers.explanation import ExplanationRequest

        ds = self.state.dataset
        pipe = getattr(result, "pipeline", None)
        rows = np.zeros(0, dtype=int) if ds is None else np.flatnonzero(
            np.asarray([str(s) for s in ds.sources], dtype=object) == str(source))
        if pipe is None:
            self.show_error("No explanation", "This run kept no model to explain its answers with.")
            return
        if rows.size == 0:
            self.show_error("No explanation", f"The features of {os.path.basename(source)} are not in the "
                            "loaded dataset (was another dataset loaded after training?).")
            return
        answer = ""
        sources = [str(s) for s in getattr(result, "sources", [])]
        if str(source) in sources:
            i = sources.index(str(source))
            answer = f"a {result.y_true[i]} clip, predicted {result.y_pred[i]} out of fold"
        self.explain(ExplanationRequest(pipe, ds.X[rows], os.path.basename(source) or str(source),
                                        exclude_clip=str(ds.groups[rows[0]]), dataset=ds, answer=answer))

    def explain(self, request) -> None:
        """Compute and show an explanation: at once when small (see workers.explanation.DIRECT_COST), else
        in a worker while the dialog says it is working."""
        from ..workers.explanation import DIRECT_COST, ExplanationWorker, compute, cost

        self._explanation_request = request
        dialog = self._explanation_dialog()
        if cost(request) <= DIRECT_COST:
            self._explanation_ready(compute(request))
            return
        dialog.show_waiting(request.subject)
        worker = ExplanationWorker(request)
        worker.finished.connect(self._explanation_ready)
        worker.failed.connect(partial(self._explanation_failed, request))
        self.jobs.registry.start(worker, "explanation")

    def _explanation_dialog(self):
        if self.explanation_dialog is None:
            from .views.explanation import ExplanationDialog

            self.explanation_dialog = ExplanationDialog(self)
            self.explanation_dialog.view.play_requested.connect(self.play_clip)
        return self.explanation_dialog

    def _explanation_ready(self, result) -> None:
        req, e = result.request, result.explanation
        if req is not self._explanation_request or self._closing:
            return  # a newer question was asked meanwhile
        note = req.note
        if req.exclude_clip is not None:
            if e.kind == "knn" and e.n_excluded:
                note = (f"Explained with the model trained on all clips; this clip's own rows are left out "
                        f"({e.n_excluded} row{'s' if e.n_excluded != 1 else ''}).")
            elif e.kind == "knn":
                note = "Explained with the model this run kept; this clip was not among its training clips."
            else:
                note = ("Explained with the model this run kept: after k-fold it was trained on all clips, "
                        "this one too; after a hold-out, on the training clips only.")
        self._explanation_dialog().show_explanation(e, req.subject, note, req.answer)

    def _explanation_failed(self, request, message: str) -> None:
        from ..core.explain import NoExplanation

        if request is self._explanation_request:
            self._explanation_dialog().show_explanation(
                NoExplanation("", f"Cannot explain this answer: {message}"), request.subject)

    def _playback_reported(self, message: str) -> None:
        self.show_message(str(message), 6000)

    def play_file(self, path: str) -> None:
        if self.live_panel is not None:
            try:
                self.live_panel.play_file(path)
                self.raise_panel("live")
                return
            except Exception as exc:  # noqa: BLE001
                log.warning("live panel could not play %s: %s", path, exc)
        self.play_clip(path)

    # -- training ----------------------------------------------------------------------------------
    def start_training(self) -> None:
        info = self.state.dataset_info
        if info is None:
            self.show_error("No dataset", "Load a dataset first (File > Open, or drop a folder).")
            return
        if self.jobs.dataset_running:
            self._pending_training = True
            self.show_message("Training starts when the dataset has finished loading", 5000)
            return
        specs = self.training_panel.specs()
        if not specs:
            self.show_error("No model chosen", "Tick at least one model in the Training panel.")
            return
        protocol = self.training_panel.protocol()
        self.settings.set_json(keys.HYPERPARAMETERS, self.training_panel.config())
        req = self._dataset_request
        if info.kind == "audio_folder" and req is not None:
            want = SEGMENT_SECONDS if protocol.segment_mode else None
            if (req.segment_seconds or None) != want:
                # segment mode changes the rows: re-extract (cached files are instant), then train
                self._pending_training = True
                self.load_dataset(req.kind, req.paths, segment_seconds=want)
                return
        self.jobs.train(TrainingRequest(info.dataset, specs, protocol))

    def _on_training_started(self, req: TrainingRequest) -> None:
        self.training_panel.run_started(len(req.specs), req.protocol.describe())
        self.raise_panel("training")

    def _on_model_started(self, m) -> None:
        self.training_panel.status.setText(f"Training {m.model} ({m.index + 1} of {m.n_models})…")

    def _on_epochs(self, batch) -> None:
        self.training_panel.curves.add_events(batch.model, batch.events, batch.fold, batch.n_folds)

    def _on_model_finished(self, result) -> None:
        self.evaluation_panel.set_results(self.jobs.partial_results)
        self.show_message(f"{result.model}: accuracy {result.accuracy:.1%} ({result.train_seconds:.1f} s)",
                          5000)

    def _on_training_finished(self, run) -> None:
        n = len(run.results)
        if run.cancelled:
            msg = f"Cancelled; {n} finished model(s) kept"
        else:
            msg = f"Done: {n} model(s), {run.protocol}"
        if run.errors:
            msg += "; failed: " + "; ".join(f"{m}: {e}" for m, e in run.errors)
        self.training_panel.run_ended(msg)
        if run.errors and not run.results and not run.cancelled:
            self.show_error("Training failed", "; ".join(f"{m}: {e}" for m, e in run.errors))
        else:
            self.show_message(msg, 10000)
        if run.results:
            self.evaluation_panel.set_results(run.results)
            self.comparison_panel.set_results(run.results, "Cancelled run." if run.cancelled else "")

    def _on_training_failed(self, message: str) -> None:
        self.training_panel.run_ended("Failed")
        self.show_error("Training failed", message)

    # -- models ------------------------------------------------------------------------------------
    def load_default_model(self) -> bool:
        if not DEFAULT_MODEL.exists():
            return False
        return self.load_model(str(DEFAULT_MODEL), label_prefix="default model")

    def load_table_model(self) -> bool:
        """The second bundled model: gtzan57 features of the GTZAN table."""
        return self.load_model(str(TABLE_MODEL), label_prefix="gtzan57 table model")

    def keep_model(self, index: int) -> None:
        results = self.comparison_panel.results
        if 0 <= index < len(results):
            r = results[index]
            self.state.set_pipeline(r.pipeline, f"{r.model} (trained, {r.accuracy:.1%})")
            self.evaluation_panel.select_model(r.model)

    def _on_pipeline_changed(self, pipe) -> None:
        label = self.state.pipeline_label or ("none" if pipe is None else "loaded")
        self.model_status.setText(f"Model: {label}")
        self.library_panel.set_model_name(label)
        self.comparison_panel.set_current_model(label)
        if self.live_panel is not None and (pipe is None or getattr(pipe, "feature_set", None)):
            try:
                self.live_panel.set_pipeline(pipe)
            except Exception as exc:  # noqa: BLE001 - optional panel
                log.warning("live panel rejected the pipeline: %s", exc)

    def load_model(self, path: str, label_prefix: str = "") -> bool:
        """Load a model file; on any problem show why and keep the current model."""
        from ..core.errors import GenreGuiError
        from ..core.persistence import load_pipeline

        try:
            pipe = load_pipeline(path)
        except (GenreGuiError, OSError, ValueError) as exc:
            self.show_error("Could not load the model", f"{exc}\nThe current model is kept.")
            return False
        acc = pipe.metadata.get("cv_accuracy") if isinstance(pipe.metadata, dict) else None
        name = getattr(pipe.model, "name", type(pipe.model).__name__)
        extra = f", CV {float(acc):.1%}" if isinstance(acc, int | float) else ""
        label = f"{label_prefix or os.path.basename(path)}: {name}{extra}"
        self.state.set_pipeline(pipe, label)
        self.show_message(f"Model loaded: {label}", 5000)
        return True

    def save_model(self, path: str) -> bool:
        from ..core.errors import GenreGuiError
        from ..core.persistence import save_pipeline

        pipe = self.state.pipeline
        if pipe is None:
            self.show_error("No model", "Train or load a model before saving.")
            return False
        try:
            save_pipeline(pipe, path)
        except (GenreGuiError, OSError) as exc:
            self.show_error("Could not save the model", str(exc))
            return False
        self.show_message(f"Model saved to {path}", 6000)
        return True

    def export_report(self, folder: str) -> list:
        from .report import export_report

        run = self.state.run
        if run is None or not run.results:
            self.show_error("Nothing to export", "Train models first.")
            return []
        self.comparison_panel.drawing.flush()  # the plots of a panel never shown are not drawn yet
        plots = {"comparison": self.comparison_panel.bars.plot,
                 "confusion_matrices": self.comparison_panel.multiples.graphics.scene(),
                 "loss_curves": self.training_panel.curves.loss_plot.getPlotItem()}
        if any(r.model == "knn" for r in run.results):
            plots["knn_accuracy_vs_k"] = self.training_panel.curves.knn_plot.getPlotItem()
        try:
            written = export_report(folder, run, run.dataset_name, plots)
        except (OSError, ValueError) as exc:
            self.show_error("Could not export the report", str(exc))
            return []
        self.show_message(f"Report written to {folder} ({len(written)} files)", 8000)
        return written

    # -- dialogs -----------------------------------------------------------------------------------
    def _last_dir(self) -> str:
        d = self.settings.text(keys.LAST_DIR, "")
        return d if d and os.path.isdir(d) else str(Path.home())

    def _remember_dir(self, path: str) -> None:
        self.settings.set_value(keys.LAST_DIR, os.path.dirname(path) if os.path.isfile(path) else path)

    def open_files_dialog(self) -> None:
        exts = " ".join(f"*{e}" for e in _audio_extensions())
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open", self._last_dir(),
            f"Datasets and songs (*.csv *idx* *.npz {exts});;Feature table (*.csv);;MNIST IDX (*idx*);;"
            f"Audio ({exts});;Model (*.npz);;All files (*)")
        if paths:
            self._remember_dir(paths[0])
            self.open_paths(paths)

    def open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of <genre>/<songs>", self._last_dir())
        if path:
            self._remember_dir(path)
            self.open_paths([path])

    def load_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load model", self._last_dir(), MODEL_FILTER)
        if path:
            self._remember_dir(path)
            self.load_model(path)

    def save_model_dialog(self) -> None:
        if self.state.pipeline is None:
            self.show_error("No model", "Train or load a model before saving.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save model", os.path.join(self._last_dir(), "model.npz"),
                                              MODEL_FILTER)
        if path:
            if not path.lower().endswith(".npz"):
                path += ".npz"
            self._remember_dir(path)
            self.save_model(path)

    def export_report_dialog(self) -> None:
        if self.state.run is None:
            self.show_error("Nothing to export", "Train models first.")
            return
        path = QFileDialog.getExistingDirectory(self, "Export report into folder", self._last_dir())
        if path:
            self._remember_dir(path)
            self.export_report(path)

    # -- drag and drop -----------------------------------------------------------------------------
    @staticmethod
    def _can_open(mime) -> bool:
        """Whether a drag carries something the window opens: a folder, a table, a model or dataset
        archive, IDX files or a song (by name, and one stat for folders)."""
        for url in mime.urls() if mime.hasUrls() else ():
            if not url.isLocalFile():
                continue
            path = url.toLocalFile()
            name = os.path.basename(path.rstrip("/")).lower()
            if name.endswith((".csv", ".npz", *_audio_extensions())) or "idx" in name or os.path.isdir(path):
                return True
        return False

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # decided once per drag: move events come with every mouse move, and the answer cannot change
        self._drag_accepted = self._can_open(event.mimeData())
        if self._drag_accepted:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._drag_accepted:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    # -- shutdown ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.settings.save_window(self)
        self.settings.set_json(keys.HYPERPARAMETERS, self.training_panel.config())
        self.settings.set_value(keys.FEATURE_SET, self.library_panel.current_feature_set())
        if not self.settings.sync():
            log.warning("%s", self.settings.problem)
        if self.live_panel is not None:
            try:
                self.live_panel.shutdown()
            except Exception as exc:  # noqa: BLE001
                log.warning("live panel shutdown: %s", exc)
        stop_playback()
        self.jobs.shutdown()
        super().closeEvent(event)

