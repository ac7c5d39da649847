"""What the user has in hand: the dataset, the current model, the last training run (GUI thread only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class DatasetInfo:
    """A loaded dataset and where it came from."""

    dataset: Any  # genre_gui.core.datasets.Dataset
    origin: str  # path(s) or "demo"
    kind: str  # "demo", "csv", "idx", "audio_folder", "npz"
    total_seconds: float | None = None
    elapsed_seconds: float = 0.0
    summary: Any = None  # workers.loading.DatasetSummary, computed off the GUI thread when known


class AppState(QObject):
    """Holds the shared objects and announces changes; panels listen instead of calling each other."""

    dataset_changed = Signal(object)  # DatasetInfo
    pipeline_changed = Signal(object)  # Pipeline or None
    run_changed = Signal(object)  # TrainingRun or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dataset_info: DatasetInfo | None = None
        self.pipeline: Any = None
        self.pipeline_label: str = ""
        self.run: Any = None

    @property
    def dataset(self) -> Any:
        return None if self.dataset_info is None else self.dataset_info.dataset

    @property
    def model_label(self) -> str:
        """The current model in words ("none" without one)."""
        return self.pipeline_label or ("none" if self.pipeline is None else "loaded")

    def set_dataset(self, info: DatasetInfo) -> None:
        self.dataset_info = info
        self.dataset_changed.emit(info)

    def set_pipeline(self, pipeline: Any, label: str = "") -> None:
        self.pipeline = pipeline
        self.pipeline_label = label
        self.pipeline_changed.emit(pipeline)

    def set_run(self, run: Any) -> None:
        self.run = run
        self.run_changed.emit(run)
