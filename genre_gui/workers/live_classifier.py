"""Live classification off the GUI thread: every 0.5 s, classify the newest audio of a source.

:class:`LiveClassifier` (GUI side) owns a QThread running a :class:`LiveClassifierWorker`. The worker's
timer reads the most recent audio from the source (a :class:`~genre_gui.audio.streams.MicStream`, or
anything with ``samplerate``, ``position`` and ``read(end, out)``), the model's window (3 s for musicnn)
but at most ``max_seconds`` (:data:`LIVE_WINDOW_SECONDS`, 5 s: a model of 30-s clips would otherwise
answer for the last half minute and follow a change of music that slowly), growing from ``min_seconds``
at the start, and runs ``pipeline.predict_proba_audio(y, sr)``. A new tick is scheduled only after the
previous one finished (never a backlog), and always leaves the GUI thread a gap.

Silence is not classified: a window whose RMS level is below :data:`SILENCE_DBFS` (or digital silence)
gives a prediction with ``silent=True`` and no probabilities instead of the model's guess (a model asked
about silence answers something confident: the bundled one said "classical 93 %").
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

__all__ = ["LivePrediction", "ClipPrediction", "LiveClassifierWorker", "LiveClassifier", "rms_dbfs",
           "peak_dbfs", "SILENCE_DBFS", "LIVE_WINDOW_SECONDS", "NO_SIGNAL"]

#: the longest audio one live answer is computed from (seconds); see the module docstring
LIVE_WINDOW_SECONDS = 5.0
#: below this RMS level (dBFS, over the classified window) the input is "no signal". Music recorded by a
#: microphone at a normal listening level sits around -40..-15 dBFS RMS and the quiet passages of a
#: classical piece some 20 dB lower; a quiet room through a laptop microphone, or an unplugged line
#: input, stays near -70..-90 dBFS. -60 dBFS (1/1000 of full scale) sits between the two with a margin
#: of about 10 dB on each side.
SILENCE_DBFS = -60.0
#: what the answer says when the input is below :data:`SILENCE_DBFS`
NO_SIGNAL = "no signal"


def rms_dbfs(y: np.ndarray) -> float:
    """RMS level of ``y`` in dB relative to a full-scale square wave (a full-scale sine: -3.01 dBFS);
    ``-inf`` for digital silence or no samples."""
    if y.size == 0:
        return float("-inf")
    ms = float(np.mean(np.square(y, dtype=np.float64)))
    return 10.0 * float(np.log10(ms)) if ms > 0 else float("-inf")


def peak_dbfs(y: np.ndarray) -> float:
    """Sample peak of ``y`` in dBFS (a full-scale sine: 0 dBFS); ``-inf`` for digital silence."""
    if y.size == 0:
        return float("-inf")
    peak = float(np.max(np.abs(y)))
    return 20.0 * float(np.log10(peak)) if peak > 0 else float("-inf")


@dataclass(frozen=True)
class LivePrediction:
    """One live answer: probabilities over ``classes`` (summing to 1) for the newest ``seconds``.

    ``silent``: the window was below :data:`SILENCE_DBFS` (``level_db``): it was not classified, the
    probabilities are all 0 and ``label`` is :data:`NO_SIGNAL`.
    """

    probabilities: np.ndarray
    classes: tuple[str, ...]
    label: str
    seconds: float  # length of audio classified
    since_start: float  # seconds from start() to this answer
    compute_seconds: float  # time the classification took
    index: int  # 1 for the first answer of a run
    level_db: float = 0.0  # RMS level of the window, dBFS
    silent: bool = False


@dataclass(frozen=True)
class ClipPrediction:
    """The answer for a whole file (segment probabilities averaged)."""

    name: str
    probabilities: np.ndarray
    classes: tuple[str, ...]
    label: str
    n_segments: int
    compute_seconds: float
    silent: bool = False  # the whole file below SILENCE_DBFS: not classified, probabilities all 0
    level_db: float = 0.0  # RMS level of the whole file, dBFS


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

    def __init__(self, interval: float, max_seconds: float, min_seconds: float, min_gap: float,
                 silence_db: float = SILENCE_DBFS) -> None:
        super().__init__()
        self.silence_db = float(silence_db)
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
                level = rms_dbfs(y)
                silent = not level >= self.silence_db  # -inf (digital silence) and NaN are silent too
                try:
                    if silent:
                        classes = tuple(str(c) for c in pipeline.classes)
                        p, label = np.zeros(len(classes)), NO_SIGNAL
                    else:
                        proba = pipeline.predict_proba_audio(y, sr)
                        p, classes, label = _as_prediction_parts(pipeline, proba)
                except Exception as exc:  # noqa: BLE001 - reported, never a crash
                    self.stop_live()
                    self._report(exc)
                    return
                self._count += 1
                done = time.monotonic()
                self.classified.emit(LivePrediction(p, classes, label, n / sr, done - self._started_at,
                                                    done - t0, self._count, level, silent))
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
            level = rms_dbfs(samples)
            if not level >= self.silence_db:
                # a silent file is not classified; a quiet passage inside music is, as the song table and
                # the CLI do (the same file must get the same answer everywhere)
                classes = tuple(str(c) for c in pipeline.classes)
                self.clip_classified.emit(ClipPrediction(name, np.zeros(len(classes)), classes, NO_SIGNAL, 0,
                                                         time.monotonic() - t0, silent=True, level_db=level))
                return
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
        self.clip_classified.emit(
            ClipPrediction(name, p, classes, label, len(starts), time.monotonic() - t0, level_db=level))

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
        max_seconds: float = LIVE_WINDOW_SECONDS,
        min_seconds: float = 1.0,
        min_gap: float = 0.1,
        silence_db: float = SILENCE_DBFS,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("live-classifier")
        self._worker = LiveClassifierWorker(interval, max_seconds, min_seconds, min_gap, silence_db)
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
