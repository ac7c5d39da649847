"""Live classification off the GUI thread: every 0.5 s, classify the newest audio of a source.

:class:`LiveClassifier` (GUI side) owns a QThread running a :class:`LiveClassifierWorker`. The worker's
timer reads the most recent audio from the source (a :class:`~genre_gui.audio.streams.MicStream`, or
anything with ``samplerate``, ``position`` and ``read(end, out)``), at most ``max_seconds`` of it (or the
model's window when shorter: 3 s for musicnn), so the
window grows from ``min_seconds`` to 30 s, and runs ``pipeline.predict_proba_audio(y, sr)``. A new tick is
scheduled only after the previous one finished (never a backlog), and always leaves the GUI thread a gap.
Results travel as frozen dataclasses over queued signals; an exception becomes ``failed(str)``.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from ..core.errors import GenreGuiError
from ..core.pipeline import DEFAULT_UNSURE_BELOW, answer, segment_starts

log = logging.getLogger(__name__)

__all__ = ["LivePrediction", "ClipPrediction", "LiveClassifierWorker", "LiveClassifier"]


@dataclass(frozen=True)
class LivePrediction:
    """One live answer: probabilities over ``classes`` (summing to 1) for the newest ``seconds``."""

    probabilities: np.ndarray
    classes: tuple[str, ...]
    label: str
    seconds: float  # length of audio classified
    since_start: float  # seconds from start() to this answer
    compute_seconds: float  # time the classification took
    index: int  # 1 for the first answer of a run


@dataclass(frozen=True)
class ClipPrediction:
    """The answer for a whole file (segment probabilities averaged)."""

    name: str
    probabilities: np.ndarray
    classes: tuple[str, ...]
    label: str
    n_segments: int
    compute_seconds: float


class _CancelledError(Exception):
    pass


def _as_prediction_parts(pipeline: Any, proba: np.ndarray) -> tuple[np.ndarray, tuple[str, ...], str]:
    p = np.asarray(proba, dtype=np.float64).reshape(-1)
    if p.size == 0 or not np.all(np.isfinite(p)) or p.sum() <= 0:
        raise GenreGuiError("the model returned unusable probabilities")
    p = p / p.sum()
    classes = tuple(str(c) for c in pipeline.classes)
    if len(classes) != p.size:
        raise GenreGuiError(f"the model returned {p.size} probabilities for {len(classes)} classes")
    # the label the song table and the CLI would give ("not music" from half the probability, not argmax)
    unsure_below = getattr(pipeline, "unsure_below", DEFAULT_UNSURE_BELOW)
    return p, classes, str(answer(p, list(classes), unsure_below).label)


class LiveClassifierWorker(QObject):
    """Lives in the classifier thread; all slots run there. Use :class:`LiveClassifier` from the GUI."""

    classified = Signal(object)  # LivePrediction
    clip_classified = Signal(object)  # ClipPrediction
    failed = Signal(str)

    def __init__(self, interval: float, max_seconds: float, min_seconds: float, min_gap: float) -> None:
        super().__init__()
        self.interval = float(interval)
        self.max_seconds = float(max_seconds)
        self.min_seconds = float(min_seconds)
        self.min_gap = float(min_gap)
        self._timer: QTimer | None = None
        self._source: Any = None
        self._pipeline: Any = None
        self._start_pos = 0
        self._started_at = 0.0
        self._count = 0
        self._buffer = np.zeros(0, dtype=np.float32)
        self.cancel_event = threading.Event()  # set from the GUI thread to abandon a clip job

    @Slot()
    def setup(self) -> None:
        # the timer must be created in the thread that runs it
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)

    @Slot(object)
    def set_pipeline(self, pipeline: Any) -> None:
        self._pipeline = pipeline

    @Slot(object)
    def start_live(self, source: Any) -> None:
        self._source = source
        self._start_pos = int(source.position)
        self._started_at = time.monotonic()
        self._count = 0
        n = int(self.max_seconds * source.samplerate)
        if self._buffer.shape[0] != n:
            self._buffer = np.zeros(n, dtype=np.float32)  # reused by every tick of this run
        self._timer.start(int(self.interval * 1000))

    @Slot()
    def stop_live(self) -> None:
        self._source = None
        if self._timer is not None:
            self._timer.stop()

    @Slot()
    def teardown(self) -> None:
        self.stop_live()
        self._timer = None

    def _tick(self) -> None:
        source, pipeline = self._source, self._pipeline
        if source is None:
            return
        t0 = time.monotonic()
        delay = self.interval
        if pipeline is not None:
            available = int(source.position) - self._start_pos
            sr = int(source.samplerate)
            if available >= self.min_seconds * sr:
                # a model trained on short windows (musicnn: 3 s) reads just the newest window, so each
                # answer overlaps the previous one by all but the interval and follows the music closely
                window = int(float(getattr(pipeline, "segment_seconds", self.max_seconds)) * sr)
                n = min(available, self._buffer.shape[0], max(window, int(self.min_seconds * sr)))
                y = self._buffer[-n:]
                end = int(source.position)
                source.read(end, y)
                try:
                    p, classes, label = _as_prediction_parts(pipeline, pipeline.predict_proba_audio(y, sr))
                except Exception as exc:  # noqa: BLE001 - reported, never a crash
                    self.stop_live()
                    self._report(exc)
                    return
                self._count += 1
                done = time.monotonic()
                self.classified.emit(
                    LivePrediction(p, classes, label, n / sr, done - self._started_at, done - t0, self._count)
                )
                delay = max(self.interval - (done - t0), self.min_gap)
            else:
                # not enough audio yet: look again as soon as the minimum will have arrived
                missing = (self.min_seconds * sr - available) / sr
                delay = min(max(missing, self.min_gap), self.interval)
        if self._source is not None and self._timer is not None:
            self._timer.start(int(delay * 1000))

    @Slot(object, int, str)
    def classify_clip(self, samples: np.ndarray, samplerate: int, name: str) -> None:
        """Classify a whole file: windows of the training clip length, probabilities averaged."""
        pipeline = self._pipeline
        if pipeline is None:
            return
        self.cancel_event.clear()
        t0 = time.monotonic()
        try:
            seconds = float(getattr(pipeline, "segment_seconds", 30.0) or 30.0)
            window = max(int(round(seconds * samplerate)), 1)
            starts = segment_starts(samples.shape[0], window)
            rows = []
            for s in starts:  # one window at a time so shutdown need not wait for a long file
                if self.cancel_event.is_set():
                    raise _CancelledError()
                proba = pipeline.predict_proba_audio(samples[s : s + window], samplerate)
                rows.append(_as_prediction_parts(pipeline, proba)[0])
            p, classes, label = _as_prediction_parts(pipeline, np.mean(rows, axis=0))
        except _CancelledError:
            return
        except Exception as exc:  # noqa: BLE001 - reported, never a crash
            self._report(exc, prefix=f"{name}: ")
            return
        self.clip_classified.emit(ClipPrediction(name, p, classes, label, len(starts), time.monotonic() - t0))

    def _report(self, exc: BaseException, prefix: str = "") -> None:
        if isinstance(exc, GenreGuiError):
            self.failed.emit(f"{prefix}classification failed: {exc}")
        else:
            log.error("live classification failed:\n%s", traceback.format_exc())
            self.failed.emit(f"{prefix}classification failed: {type(exc).__name__}: {exc}")


class LiveClassifier(QObject):
    """GUI-side handle of the live classifier thread.

    Signals: ``classified(LivePrediction)``, ``clip_classified(ClipPrediction)``, ``failed(str)``.
    Every method returns at once; the work happens in the thread. :meth:`shutdown` stops and joins it.
    """

    classified = Signal(object)
    clip_classified = Signal(object)
    failed = Signal(str)

    _setup = Signal()
    _teardown = Signal()
    _set_pipeline = Signal(object)
    _start_live = Signal(object)
    _stop_live = Signal()
    _classify_clip = Signal(object, int, str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval: float = 0.5,
        max_seconds: float = 30.0,
        min_seconds: float = 1.0,
        min_gap: float = 0.1,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("live-classifier")
        self._worker = LiveClassifierWorker(interval, max_seconds, min_seconds, min_gap)
        self._worker.moveToThread(self._thread)
        self._setup.connect(self._worker.setup)
        self._teardown.connect(self._worker.teardown)
        self._set_pipeline.connect(self._worker.set_pipeline)
        self._start_live.connect(self._worker.start_live)
        self._stop_live.connect(self._worker.stop_live)
        self._classify_clip.connect(self._worker.classify_clip)
        self._worker.classified.connect(self.classified)
        self._worker.clip_classified.connect(self.clip_classified)
        self._worker.failed.connect(self.failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()
        self._setup.emit()
        self._running = False
        self._shut = False
        self.pipeline: Any = None
        app = QCoreApplication.instance()
        if app is not None:  # a thread must never outlive the application object
            app.aboutToQuit.connect(self.shutdown)

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._running

    def set_pipeline(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        if not self._shut:
            self._set_pipeline.emit(pipeline)

    def start(self, source: Any) -> None:
        """Classify ``source`` every interval until :meth:`stop` (restarts the growing window)."""
        if self._shut:
            return
        self._running = True
        self._start_live.emit(source)

    def stop(self) -> None:
        self._running = False
        if not self._shut:
            self._stop_live.emit()

    def classify_clip(self, samples: np.ndarray, samplerate: int, name: str) -> None:
        """Classify a whole decoded file once; the answer comes as ``clip_classified``."""
        if not self._shut:
            self._classify_clip.emit(samples, int(samplerate), str(name))

    def shutdown(self) -> None:
        """Stop classifying, abandon a clip job, quit and join the thread. Idempotent."""
        if self._shut:
            return
        self._shut = True
        self._running = False
        self._worker.cancel_event.set()
        self._teardown.emit()
        self._thread.quit()
        self._thread.wait()
