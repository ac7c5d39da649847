"""The current model: load a model file (the bundled default, the table model, the user's), save it, keep
one of the last run's models. Everything goes into ``AppState.set_pipeline``; panels follow
``AppState.pipeline_changed``. Outcomes are reported through ``message`` / ``error`` (the window shows
them)."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal

from ..assets import DEFAULT_MODEL, TABLE_MODEL
from .state import AppState


class ModelsController(QObject):
    """Signals: ``message(text, timeout_ms)``, ``error(title, text)``, ``kept(ModelResult)``."""

    message = Signal(str, int)
    error = Signal(str, str)
    kept = Signal(object)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state

    def load_default_model(self) -> bool:
        """The bundled default (the musicnn network); False when it is not bundled."""
        if not DEFAULT_MODEL.exists():
            return False
        return self.load_model(str(DEFAULT_MODEL), label_prefix="default model")

    def load_table_model(self) -> bool:
        """The second bundled model: gtzan57 features of the GTZAN table."""
        return self.load_model(str(TABLE_MODEL), label_prefix="gtzan57 table model")

    def load_model(self, path: str, label_prefix: str = "") -> bool:
        """Load a model file; on any problem say why and keep the current model."""
        from ..core.errors import GenreGuiError
        from ..core.persistence import load_pipeline

        try:
            pipe = load_pipeline(path)
        except (GenreGuiError, OSError, ValueError) as exc:
            self.error.emit("Could not load the model", f"{exc}\nThe current model is kept.")
            return False
        acc = pipe.metadata.get("cv_accuracy") if isinstance(pipe.metadata, dict) else None
        name = getattr(pipe.model, "name", type(pipe.model).__name__)
        extra = f", CV {float(acc):.1%}" if isinstance(acc, int | float) else ""
        label = f"{label_prefix or os.path.basename(path)}: {name}{extra}"
        self.state.set_pipeline(pipe, label)
        self.message.emit(f"Model loaded: {label}", 5000)
        return True

    def require_model(self) -> bool:
        """True when there is a model to save; else says so (``error``)."""
        if self.state.pipeline is None:
            self.error.emit("No model", "Train or load a model before saving.")
        return self.state.pipeline is not None

    def save_model(self, path: str) -> bool:
        from ..core.errors import GenreGuiError
        from ..core.persistence import save_pipeline

        pipe = self.state.pipeline
        if not self.require_model():
            return False
        try:
            save_pipeline(pipe, path)
        except (GenreGuiError, OSError) as exc:
            self.error.emit("Could not save the model", str(exc))
            return False
        self.message.emit(f"Model saved to {path}", 6000)
        return True

    def keep_model(self, index: int) -> None:
        """Make model ``index`` of the last run the current model."""
        results = self.state.run.results if self.state.run is not None else []
        if 0 <= index < len(results):
            r = results[index]
            self.state.set_pipeline(r.pipeline, f"{r.model} (trained, {r.accuracy:.1%})")
            self.kept.emit(r)
