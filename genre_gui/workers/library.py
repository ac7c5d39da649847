"""Classify a whole music library off the GUI thread (core.library.LibraryJob with the app's model).

Finished tracks are streamed in batches (``tracks_received(list[TrackResult])``), at most ~30 signals per
second whatever the rate of files (cached and unchanged files arrive by the thousand per second); each
batch carries the job's progress too. Cancel is cooperative (polled between files by the core job, which
returns after the files in flight); pause blocks the job between files until resumed or cancelled.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal

from .base import Progress, Throttle, Worker

__all__ = ["LibraryRequest", "LibraryRun", "TrackBatch", "LibraryWorker", "rate_text"]


@dataclass(frozen=True)
class LibraryRequest:
    """What to classify: ``roots`` (folders or files) with ``pipeline``; features through the cache at
    ``cache_path`` (None or "": none); earlier answers in the state at ``state_path`` (None: every file
    analysed); ``n_jobs`` worker processes (0: in the worker thread)."""

    roots: tuple[str, ...]
    pipeline: Any
    cache_path: str | None = None
    state_path: str | None = None
    n_jobs: int = 2
    scheduler: str | None = None


@dataclass(frozen=True)
class TrackBatch:
    """Tracks finished since the previous batch, and the progress after them."""

    tracks: tuple  # of core.library.TrackResult
    progress: Progress | None = None
    files_per_second: float = 0.0


@dataclass
class LibraryRun:
    """The outcome of a job (also after a cancel: ``stats.cancelled``)."""

    request: LibraryRequest
    results: list = field(default_factory=list)  # TrackResult, in arrival order
    stats: Any = None  # core.library.LibraryStats
    model_key: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return bool(self.stats is not None and self.stats.cancelled)


def rate_text(files_per_second: float) -> str:
    if files_per_second <= 0:
        return ""
    if files_per_second >= 10:
        return f"{files_per_second:.0f} files/s"
    return f"{files_per_second:.2f} files/s"


class LibraryWorker(Worker):
    """Emits ``tracks_received(TrackBatch)`` as files finish, then ``finished(LibraryRun)``.

    A cancelled run finishes too (with ``stats.cancelled`` set and the tracks done so far), so the
    window keeps what was classified.
    """

    tracks_received = Signal(object)  # TrackBatch

    def __init__(self, request: LibraryRequest) -> None:
        super().__init__()
        self.request = request
        self._batch_throttle = Throttle()
        self._pending: list = []
        self._progress: Progress | None = None
        self._running = threading.Event()
        self._running.set()
        self._t0 = 0.0
        self._done_at_start: int | None = None

    # -- pause (any thread)
    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def cancel(self) -> None:
        super().cancel()
        self._running.set()  # a paused job wakes up to stop

    def _should_stop(self) -> bool:
        # polled between files and, with worker processes, every 0.25 s while they work: a track held
        # back by the throttle goes out here, not only when the next one finishes
        self._flush()
        while not self._running.wait(0.1):
            if self.is_cancelled():
                break
        return self.is_cancelled()

    # -- the job
    def _rate(self, done: int) -> float:
        elapsed = time.monotonic() - self._t0
        return done / elapsed if elapsed > 0 and done > 0 else 0.0

    def _on_progress(self, done: int, total: int, message: str) -> None:
        eta = self._eta.eta(done, total) if total else None
        rate = self._rate(done)
        text = f"{done} of {total} files" if total else "scanning the folders…"
        if rate:
            text += f" · {rate_text(rate)}"
        if message and total:
            text += f" · {message}"
        self._progress = Progress(int(done), int(total), text, eta)

    def _flush(self, force: bool = False) -> None:
        if not force and not self._batch_throttle.ready():
            return
        if not self._pending and self._progress is None:
            return
        done = self._progress.done if self._progress is not None else 0
        batch = TrackBatch(tuple(self._pending), self._progress, self._rate(done))
        self._pending = []
        self.tracks_received.emit(batch)
        if batch.progress is not None:
            self.progressed.emit(batch.progress)

    def work(self) -> LibraryRun:
        from ..core.library import LibraryJob

        req = self.request
        warnings: list[str] = []
        cache = None
        if req.cache_path:
            from ..core.cache import FeatureCache

            cache = FeatureCache(req.cache_path)
            warnings.extend(cache.warnings)
        self._t0 = time.monotonic()
        run = LibraryRun(req, warnings=warnings)
        try:
            job = LibraryJob(req.roots, req.pipeline, cache=cache,
                             state=req.state_path or None, n_jobs=req.n_jobs,
                             scheduler=req.scheduler or None)
            run.model_key = job.model_key
            for r in job.run(progress=self._on_progress, cancel=self._should_stop):
                self._pending.append(r)
                run.results.append(r)
                self._flush()
            run.stats = job.stats
        finally:
            if cache is not None:
                cache.close()
        self._flush(force=True)
        return run


def default_state_path(cache_path: str | None) -> str | None:
    """The library's resumable state next to the feature cache (None without a cache)."""
    if not cache_path:
        return None
    return os.path.join(os.path.dirname(cache_path), "library_state.sqlite")
