"""The models you keep: the bundled defaults, the models trained since the app started and the model files
loaded, and which one of them classifies songs and the microphone (``AppState.pipeline``).

That choice is always the user's: loading a model file or picking one in the list makes it current;
training only adds its models to the list and *offers* the best one (``offer``), because a run on 40 clips
or on MNIST must not silently replace the model a person uses for their music. A model without audio
features (MNIST, a custom table) is kept in the list but never used for audio. "Restore default" always
works while the bundled model exists.

Outcomes are reported through ``message`` / ``error`` (the window shows them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ..assets import DEFAULT_MODEL, TABLE_MODEL
from .state import AppState

if TYPE_CHECKING:
    from ..core.experiment import ModelResult, TrainingRun

#: trained entries kept at most (the oldest go first; bundled and loaded ones stay)
MAX_TRAINED = 12


@dataclass
class ModelEntry:
    """One model the user can pick: ``label`` is what lists and answers show."""

    label: str
    pipeline: Any
    source: str  # "bundled", "file" or "trained"
    trained_on: str = ""
    score: str = ""
    path: str = ""
    result: Any = None  # the run's ModelResult, for trained entries

    @property
    def feature_set(self) -> str:
        return str(getattr(self.pipeline, "feature_set", "") or "")

    @property
    def classifies_audio(self) -> bool:
        """Whether it can classify songs: it knows which audio features to extract."""
        return bool(self.feature_set)

    @property
    def description(self) -> str:
        """Name, training data, feature set and score in one tooltip-sized text."""
        parts = [self.label, f"trained on: {self.trained_on or 'not recorded'}",
                 f"features: {self.feature_set or 'not audio features (cannot classify songs)'}"]
        if self.score:
            parts.append(f"score: {self.score}")
        if self.path:
            parts.append(f"file: {self.path}")
        return "\n".join(parts)


class ModelsController(QObject):
    """Signals: ``message(text, timeout_ms)``, ``error(title, text)``, ``kept(ModelResult)`` (a run's
    model became current), ``changed()`` (the list or the current entry changed), ``offer(int, str)``
    (a trained model the user may want for songs: its index and the question)."""

    message = Signal(str, int)
    error = Signal(str, str)
    kept = Signal(object)
    changed = Signal()
    offer = Signal(int, str)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.entries: list[ModelEntry] = []
        self.current = -1  # index of the entry in AppState.pipeline (-1: none)

    # -- the list ----------------------------------------------------------------------------------
    def audio_entries(self) -> list[int]:
        """Indices of the entries that can classify songs and the microphone."""
        return [i for i, e in enumerate(self.entries) if e.classifies_audio]

    def use(self, index: int) -> bool:
        """Make entry ``index`` the model for songs and the microphone (False, and why, when it cannot)."""
        if not 0 <= index < len(self.entries):
            return False
        entry = self.entries[index]
        if not entry.classifies_audio:
            self.error.emit("Model cannot classify audio",
                            f"{entry.label} was trained without audio features; the model for songs is "
                            f"still {self.state.model_label}.")
            return False
        self.current = index
        self.state.set_pipeline(entry.pipeline, entry.label)
        self.changed.emit()
        if entry.result is not None:
            self.kept.emit(entry.result)
        return True

    def _add(self, entry: ModelEntry) -> int:
        same = [i for i, e in enumerate(self.entries)
                if (entry.path and e.path == entry.path) or e.pipeline is entry.pipeline]
        if same:
            self.entries[same[0]] = entry
            self.changed.emit()
            return same[0]
        trained = [i for i, e in enumerate(self.entries) if e.source == "trained"]
        if entry.source == "trained" and len(trained) >= MAX_TRAINED:
            oldest = next(i for i in trained if i != self.current)
            del self.entries[oldest]
            if self.current > oldest:
                self.current -= 1
        self.entries.append(entry)
        self.changed.emit()
        return len(self.entries) - 1

    # -- bundled models and files ------------------------------------------------------------------
    def load_default_model(self) -> bool:
        """The bundled default (the musicnn network); False when it is not bundled."""
        if not DEFAULT_MODEL.exists():
            self.error.emit("No default model", f"{DEFAULT_MODEL} is missing from this installation.")
            return False
        return self.load_model(str(DEFAULT_MODEL), label_prefix="default model")

    restore_default = load_default_model

    def load_table_model(self) -> bool:
        """The second bundled model: gtzan57 features of the GTZAN table."""
        return self.load_model(str(TABLE_MODEL), label_prefix="gtzan57 table model")

    def load_model(self, path: str, label_prefix: str = "") -> bool:
        """Load a model file and use it for songs; on any problem say why and keep the current model."""
        from ..core.errors import GenreGuiError
        from ..core.persistence import load_pipeline

        known = [i for i, e in enumerate(self.entries) if e.path == path]
        if known and self.entries[known[0]].source == "bundled":  # bundled files never change
            return self.use(known[0])
        try:
            pipe = load_pipeline(path)
        except (GenreGuiError, OSError, ValueError) as exc:
            self.error.emit("Could not load the model", f"{exc}\nThe current model is kept.")
            return False
        meta = pipe.metadata if isinstance(pipe.metadata, dict) else {}
        acc = meta.get("cv_accuracy")
        name = getattr(pipe.model, "name", type(pipe.model).__name__)
        score = f"CV {float(acc):.1%}" if isinstance(acc, int | float) else ""
        label = f"{label_prefix or os.path.basename(path)}: {name}" + (f", {score}" if score else "")
        bundled = os.path.abspath(path) in (os.path.abspath(DEFAULT_MODEL), os.path.abspath(TABLE_MODEL))
        index = self._add(ModelEntry(label, pipe, "bundled" if bundled else "file",
                                     str(meta.get("trained_on", "")), score, path))
        if not self.entries[index].classifies_audio:
            self.message.emit(f"Model added to the list: {label} (it cannot classify songs: no audio "
                              f"features; the model for songs is still {self.state.model_label})", 8000)
            return True
        self.use(index)
        self.message.emit(f"Model loaded: {label}", 5000)
        return True

    def require_model(self) -> bool:
        """True when there is a model to save; else says so (``error``)."""
        if self.state.pipeline is None:
            self.error.emit("No model", "Train or load a model before saving.")
        return self.state.pipeline is not None

    def run_pipeline(self, index: int | None) -> Any:
        """Model ``index`` of the last run (None when there is none)."""
        results = self.state.run.results if self.state.run is not None else []
        return results[index].pipeline if isinstance(index, int) and 0 <= index < len(results) else None

    def save_model(self, path: str, pipeline: Any = None) -> bool:
        """Save ``pipeline``, by default the model for songs (atomically: ``save_pipeline``)."""
        from ..core.errors import GenreGuiError
        from ..core.persistence import save_pipeline

        pipe = pipeline if pipeline is not None else self.state.pipeline
        if pipe is None and not self.require_model():
            return False
        try:
            save_pipeline(pipe, path)
        except (GenreGuiError, OSError) as exc:
            self.error.emit("Could not save the model", str(exc))
            return False
        self.message.emit(f"Model saved to {path}", 6000)
        return True

    # -- trained models ----------------------------------------------------------------------------
    def _trained_entry(self, run: TrainingRun, r: ModelResult) -> ModelEntry:
        from .views.palette import model_label

        n = len(r.y_true)
        label = f"{model_label(r.model)} on {run.dataset_name or 'the dataset'} ({r.accuracy:.1%})"
        return ModelEntry(label, r.pipeline, "trained", f"{run.dataset_name} ({n} evaluated)",
                          f"{r.accuracy:.1%} ({r.protocol})", result=r)

    def add_run(self, run: TrainingRun) -> None:
        """Add a run's models to the list and, when it finished, offer the best one for songs (never
        switch)."""
        added = {id(r): self._add(self._trained_entry(run, r)) for r in run.results if r.pipeline is not None}
        best = run.best()
        if best is None or id(best) not in added or run.cancelled:
            return  # a cancelled or failed run keeps its finished models in the list, and asks nothing
        index = added[id(best)]
        entry = self.entries[index]
        if not entry.classifies_audio:
            self.message.emit(f"{entry.label} is in the model list; it cannot classify songs (no audio "
                              f"features), so songs still use {self.state.model_label}", 10000)
            return
        # the two scores first: a bar at 1024 px shows about 120 characters, and a person must see that the
        # new model's hold-out score and the current model's cross-validated one are set side by side
        from .views.palette import model_label

        protocol = best.protocol.split(" (")[0]  # "5-fold", "hold-out 20 %": the rest is in the tooltip
        self.offer.emit(index, f"Use {model_label(best.model)} ({best.accuracy:.1%}, {protocol}) for songs "
                               f"and the microphone instead of {self.state.model_label}? Trained on "
                               f"{run.dataset_name}, {best.protocol}.")

    def keep_model(self, index: int) -> None:
        """Make model ``index`` of the last run the model for songs (the Comparison panel's choice)."""
        if self.run_pipeline(index) is None:
            return
        run = self.state.run
        r = run.results[index]
        known = [i for i, e in enumerate(self.entries) if e.result is r]
        self.use(known[0] if known else self._add(self._trained_entry(run, r)))
