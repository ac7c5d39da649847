"""Opening things and training on them: route opened or dropped paths (a dataset, a model file, songs to
classify), load datasets through the JobController (the demo at start, then the default model, then what
the user had open last), reload an audio folder when the feature set changes, and start training (after
a load still running, re-extracting when segment mode changes the rows).

Panels draw the outcome from ``JobController`` and ``AppState`` signals themselves; this controller only
says what happened (``message`` / ``error``) and which panel the user should see (``panel_wanted``)."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal

from ..assets import DEMO_CSV
from ..workers.loading import DatasetRequest
from ..workers.training import TrainingRequest
from . import settings as keys
from .jobs import JobController
from .models_controller import ModelsController
from .panels.library_panel import loaded_message
from .panels.training_panel import run_message
from .settings import AppSettings
from .state import AppState
from .views.palette import model_label

SEGMENT_SECONDS = 3.0


def audio_extensions() -> tuple[str, ...]:
    from ..core.audio_io import AUDIO_EXTENSIONS  # not at import: the window's module stays light

    return tuple(AUDIO_EXTENSIONS)


def can_open(paths: list[str]) -> bool:
    """Whether any of ``paths`` is something the app opens: a folder, a table, a model or dataset archive,
    IDX files or a song (by name, and one stat for folders)."""
    for path in paths:
        name = os.path.basename(path.rstrip("/")).lower()
        if name.endswith((".csv", ".npz", *audio_extensions())) or "idx" in name or os.path.isdir(path):
            return True
    return False


class DatasetController(QObject):
    """Signals: ``message(text, timeout_ms)``, ``error(title, text)``, ``panel_wanted(key)`` (a dock to
    bring to the front).

    ``feature_set`` returns the feature set chosen in the Library; ``training`` returns the Training
    panel's ``(specs, protocol, config)``; ``live_panel`` (set once it is built) shows and plays songs.
    """

    message = Signal(str, int)
    error = Signal(str, str)
    panel_wanted = Signal(str)

    def __init__(self, state: AppState, jobs: JobController, models: ModelsController, settings: AppSettings,
                 feature_set, training, initial_paths: list[str] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.models, self.settings = state, jobs, models, settings
        self._feature_set, self._training = feature_set, training
        self.request: DatasetRequest | None = None  # the last dataset asked for (re-extracted on changes)
        self.initial_paths = list(initial_paths or [])
        self.live_panel = None
        self._startup_pending = False
        self._pending_training = False
        jobs.dataset_load_started.connect(self._on_started)
        jobs.dataset_loaded.connect(self._on_loaded)
        jobs.dataset_load_failed.connect(self._on_failed)
        jobs.dataset_load_cancelled.connect(self._on_cancelled)
        jobs.model_finished.connect(lambda r: self.message.emit(
            f"{model_label(r.model)}: accuracy {r.accuracy:.1%} ({r.train_seconds:.1f} s)", 5000))
        jobs.training_started.connect(lambda _req: self.panel_wanted.emit("training"))
        jobs.training_finished.connect(self._on_training_finished)
        jobs.training_failed.connect(lambda m: self.error.emit("Training failed", m))
        jobs.prediction_finished.connect(self._on_prediction_finished)
        jobs.prediction_failed.connect(lambda m: self.error.emit("Classification failed", m))

    # -- opening -----------------------------------------------------------------------------------
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
            self.models.load_model(models[0])
            paths = [p for p in paths if p not in models]
            if not paths:
                return
        from ..core.datasets.detect import detect_dataset

        source = detect_dataset(paths)
        if source is not None:
            self.load_dataset(source.kind, source.paths, remember=remember)
            return
        audio = [p for p in paths if p.lower().endswith(audio_extensions())]
        other = [p for p in paths if p not in audio]
        if other:
            names = ", ".join(os.path.basename(o) for o in other)
            self.message.emit(f"Not a dataset, model or audio file: {names}", 10000)
        if audio:
            self.classify_files(audio)

    def load_dataset(self, kind: str, paths: tuple[str, ...], *, segment_seconds: float | None = None,
                     remember: bool = True) -> None:
        req = DatasetRequest(kind, tuple(paths), self._feature_set(), segment_seconds)
        self.request = req
        if remember:
            self.settings.set_value(keys.LAST_DATASET, "demo" if kind == "demo" else " + ".join(paths))
        self.jobs.load_dataset(req)

    def feature_set_changed(self, name: str) -> None:
        self.settings.set_value(keys.FEATURE_SET, name)
        req, info = self.request, self.state.dataset_info
        if req is not None and req.kind == "audio_folder" and getattr(info, "kind", "") == "audio_folder":
            self.load_dataset(req.kind, req.paths, segment_seconds=req.segment_seconds)

    def classify_files(self, paths: list[str]) -> None:
        """Classify songs with the model for songs; the answers join the Home panel's list. Nothing plays:
        a single song is only loaded into the Live panel, where Space (from any tab) plays it."""
        if len(paths) == 1 and self.live_panel is not None:
            self.live_panel.play_file(paths[0], play=False)
        pipe = self.state.pipeline
        if pipe is None:
            self.error.emit("No model", "Pick a model for songs on Home (or Restore default) first.")
            return
        if not getattr(pipe, "feature_set", None):
            self.error.emit("Model cannot classify audio",
                            "The current model was trained on a dataset without audio features.")
            return
        self.panel_wanted.emit("home")
        self.jobs.predict_files(paths, pipe, self.state.model_label)

    def play_clip(self, path: str) -> None:
        """Play a listed clip: decoded and started in a worker; the outcome goes to the status bar."""
        from ..audio.playback import play_clip

        if not path or not os.path.isfile(path):
            self.message.emit(play_clip(path), 6000)  # says why at once: no file to decode
            return
        from ..workers.playback import PlaybackWorker

        worker = PlaybackWorker(path)
        for signal in (worker.finished, worker.failed):
            signal.connect(lambda message: self.message.emit(str(message), 6000))
        self.jobs.registry.start(worker, "playback")
        self.message.emit(f"Loading {os.path.basename(path)}…", 3000)

    def play_file(self, path: str) -> None:
        """Play a song now (double-click on an answer): in the live panel when there is one, else as a
        clip; the tab the person is on stays in front."""
        if self.live_panel is not None and self.live_panel.play_file(path, play=True):
            return
        self.play_clip(path)

    # -- dataset jobs ------------------------------------------------------------------------------
    def _on_started(self, req: DatasetRequest) -> None:
        if req.kind == "demo":
            return
        what = "Extracting features" if req.kind == "audio_folder" else "Loading"
        self.panel_wanted.emit("library")
        self.message.emit(f"{what} from {req.paths[0]}…", 3000)

    def _on_loaded(self, loaded) -> None:
        msg = loaded_message(loaded)
        self.message.emit(msg + ("; " + "; ".join(loaded.warnings) if loaded.warnings else ""), 10000)
        if self._startup_pending:
            self._finish_startup()
        if self._pending_training:
            self._pending_training = False
            self.start_training()

    def _finish_startup(self) -> None:
        self._startup_pending = False
        if self.state.pipeline is None:
            self.models.load_default_model()
        if self.initial_paths:
            self.open_paths(self.initial_paths)
            return
        last = self.settings.text(keys.LAST_DATASET, "")
        if last and last != "demo" and all(os.path.exists(p) for p in last.split(" + ")):
            self.open_paths(last.split(" + "), remember=False)

    def _on_failed(self, message: str) -> None:
        self._pending_training = False
        if self._startup_pending:
            self._finish_startup()
        self.error.emit("Could not load the dataset", message)

    def _on_cancelled(self) -> None:
        self._pending_training = False
        self.message.emit("Loading cancelled; the previous dataset is kept", 5000)

    def _on_prediction_finished(self, batch) -> None:
        ok = [p for p in batch.predictions if not p.error]
        self.message.emit(f"Classified {len(ok)} of {len(batch.predictions)} file(s)", 6000)

    # -- training ----------------------------------------------------------------------------------
    def start_training(self) -> None:
        """Train the Training panel's models on the dataset in hand (after a load still running)."""
        info = self.state.dataset_info
        if info is None:
            self.error.emit("No dataset", "Load a dataset first (File > Open, or drop a folder).")
            return
        if self.jobs.dataset_running:
            self._pending_training = True
            self.message.emit("Training starts when the dataset has finished loading", 5000)
            return
        specs, protocol, config = self._training()
        if not specs:
            self.error.emit("No model chosen", "Tick at least one model in the Training panel.")
            return
        self.settings.set_json(keys.HYPERPARAMETERS, config)
        req = self.request
        if info.kind == "audio_folder" and req is not None:
            want = SEGMENT_SECONDS if protocol.segment_mode else None
            if (req.segment_seconds or None) != want:
                # segment mode changes the rows: re-extract (cached files are instant), then train
                self._pending_training = True
                self.load_dataset(req.kind, req.paths, segment_seconds=want)
                return
        self.jobs.train(TrainingRequest(info.dataset, specs, protocol))

    def _on_training_finished(self, run) -> None:
        if run.errors and not run.results and not run.cancelled:
            self.error.emit("Training failed", "; ".join(f"{m}: {e}" for m, e in run.errors))
        else:
            self.message.emit(run_message(run), 10000)
