"""Load a dataset in a worker: feature extraction from an audio folder (with cache, progress, ETA and
cancel), or parsing a feature CSV / MNIST IDX / NPZ, which can also take long for big files."""

from __future__ import annotations

import csv
import dataclasses
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .base import JobCancelled, Worker


@dataclass(frozen=True)
class DatasetRequest:
    """What to load. ``kind``: ``"audio_folder"``, ``"csv"``, ``"demo"`` (the bundled CSV), ``"idx"``
    (paths = images, labels) or ``"npz"``. ``feature_set`` and ``segment_seconds`` apply to audio folders."""

    kind: str
    paths: tuple[str, ...]
    feature_set: str = "gtzan57"
    segment_seconds: float | None = None
    cache_path: str | None = None


@dataclass(frozen=True)
class DatasetSummary:
    """Counts the Library shows, computed in the worker (np.unique over 60,000 ids is not GUI work)."""

    n_rows: int
    n_clips: int
    per_class: tuple[tuple[str, int, int], ...]  # (class, clips, rows)
    #: the ids are GTZAN ids with clips on both sides of the fault-filtered split (it can be offered)
    fault_filtered: bool = False
    #: the dataset comes with its own train/test split (MNIST's official one)
    predefined_split: bool = False

    @property
    def segmented(self) -> bool:
        return self.n_clips < self.n_rows


def summarize(dataset: Any) -> DatasetSummary:
    import numpy as np

    y = np.asarray(dataset.y)
    groups = np.asarray(dataset.groups)
    if groups.shape[0] == 0:
        return DatasetSummary(0, 0, tuple((str(c), 0, 0) for c in dataset.classes))
    _, first = np.unique(groups, return_index=True)
    clip_labels = y[first]
    per_class = tuple((str(c), int(np.count_nonzero(clip_labels == c)), int(np.count_nonzero(y == c)))
                      for c in dataset.classes)
    return DatasetSummary(int(y.shape[0]), int(first.shape[0]), per_class, _fault_filtered_applies(groups),
                          getattr(dataset, "split", None) is not None)


def _fault_filtered_applies(groups: Any) -> bool:
    from ..core.experiment import fault_filtered_split

    try:
        fault_filtered_split(groups)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class LoadedDataset:
    dataset: Any  # core.datasets.Dataset
    request: DatasetRequest
    total_seconds: float | None
    elapsed_seconds: float
    warnings: tuple[str, ...] = field(default_factory=tuple)
    summary: DatasetSummary | None = None


class DatasetLoadWorker(Worker):
    """Produces a :class:`LoadedDataset` (``finished``), or ``failed(str)`` / ``cancelled()``."""

    def __init__(self, request: DatasetRequest) -> None:
        super().__init__()
        self.request = request

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.report_progress(done, total, message)

    def work(self) -> LoadedDataset:
        """Load through the one routing rule (``core.datasets.open_dataset``) whatever the kind; the
        feature cache is opened only if the source is extracted (an audio folder)."""
        from ..core.cache import LazyCache
        from ..core.datasets import DatasetSource, open_dataset

        req = self.request
        t0 = time.perf_counter()
        warnings: list[str] = []
        # "demo" is the bundled feature table: a CSV that the window names and follows by a pre-warm
        source = DatasetSource("csv" if req.kind == "demo" else req.kind, tuple(req.paths))
        lazy = LazyCache(lambda: _open_cache(req.cache_path, warnings))
        try:
            with lazy:
                dataset = open_dataset(source, feature_set=req.feature_set, open_cache=lazy,
                                       progress=self._progress, cancel=self.is_cancelled,
                                       segment_seconds=req.segment_seconds or None, table_feature_set=False)
        except Exception:
            if self.is_cancelled():
                raise JobCancelled() from None
            raise
        finally:
            if lazy.cache is not None:
                warnings.extend(lazy.cache.warnings)
        self.check_cancelled()
        total_seconds = (_audio_seconds(dataset.sources) if source.kind == "audio_folder"
                         else _csv_total_seconds(source.paths[0]) if source.kind == "csv" else None)
        if req.kind == "demo":
            n_clips = len(set(dataset.groups.tolist()))
            dataset = dataclasses.replace(
                dataset, name=f"GTZAN features ({n_clips} clips, {len(dataset.classes)} genres)")
            prewarm_extraction_server()
        return LoadedDataset(dataset, req, total_seconds, time.perf_counter() - t0, tuple(warnings),
                             summarize(dataset))


def _audio_seconds(sources: list[str]) -> float:
    """Total duration of the audio files, from their headers only (no decoding: cheap for thousands)."""
    from ..core.audio_io import audio_info

    total = 0.0
    for src in dict.fromkeys(sources):
        try:
            info = audio_info(src)
            total += info.frames / info.samplerate
        except Exception:  # noqa: BLE001 - a file may vanish after extraction; its duration is unknown
            continue
    return total


#: niceness of the feature-extraction processes: they yield the CPU to the GUI on a busy machine
EXTRACTION_NICENESS = 10


def prewarm_extraction_server() -> None:
    """Start the extraction process server now, at low CPU priority; never raises.

    Started while the process is still small (forking it later, next to a big dataset, costs
    seconds). It is started from a short-lived thread whose niceness is raised first: Linux niceness is
    per thread and inherited by the processes it starts, so every extraction process runs below the
    GUI, while this process (and the GIL-holding worker threads) keep their normal priority.
    """
    import threading

    def start() -> None:
        try:
            if hasattr(os, "setpriority"):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), EXTRACTION_NICENESS)
        except OSError:
            pass
        try:
            from ..core.batch import prewarm

            prewarm()
        except Exception:  # noqa: BLE001 - an optimisation only
            pass

    t = threading.Thread(target=start, name="prewarm-extraction", daemon=True)
    t.start()
    t.join(10.0)


def _csv_total_seconds(path: str, sr: int = 22050) -> float | None:
    """Sum of a ``length`` column (samples at librosa's 22050 Hz, as in the GTZAN tables), if present."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader)]
            if "length" not in header:
                return None
            col = header.index("length")
            total = sum(float(row[col]) for row in reader if len(row) > col)
    except (OSError, ValueError, StopIteration, UnicodeDecodeError):
        return None
    return total / sr if total > 0 else None


def _open_cache(path: str | None, warnings: list[str]):
    """The feature cache, or None when it cannot be used (the batch then runs uncached)."""
    if path == "":
        return None
    try:
        from ..core.cache import FeatureCache

        return FeatureCache(path)
    except Exception as exc:  # noqa: BLE001 - a broken cache only costs speed
        warnings.append(f"feature cache unavailable ({exc}); extracting without it")
        return None


