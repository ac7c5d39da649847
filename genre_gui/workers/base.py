"""Worker machinery: one long job per QObject moved to its own QThread, throttled progress, cooperative
cancel, exceptions turned into ``failed(str)``, and a registry that stops and joins every thread on close.

This package is the only place that creates QThreads.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ..core.errors import GenreGuiError
from ..core.priority import lower_current_thread_priority

log = logging.getLogger(__name__)

#: the contract: at most this many progress signals per second reach the GUI thread
MAX_SIGNALS_PER_SECOND = 30


class JobCancelled(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a job when the user pressed Cancel; the worker then emits ``cancelled``."""


@dataclass(frozen=True)
class Progress:
    """Progress of a job: ``done`` of ``total`` units, a message, and seconds left (None: unknown)."""

    done: int
    total: int
    message: str = ""
    eta_seconds: float | None = None

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


class Throttle:
    """Lets an action through at most ``rate`` times per second (the first and forced calls always pass)."""

    def __init__(self, rate: float = MAX_SIGNALS_PER_SECOND, clock: Callable[[], float] = time.monotonic):
        self._interval = 1.0 / rate
        self._clock = clock
        self._last = -float("inf")

    def ready(self, force: bool = False) -> bool:
        now = self._clock()
        if force or now - self._last >= self._interval:
            self._last = now
            return True
        return False


class EtaEstimator:
    """Seconds left, from the work rate smoothed over about ``tau`` seconds (None until it is known).

    A run's rate changes as it goes (k-NN folds are fast, softmax folds slow; cached files cost nothing),
    and the average since the start then swings the estimate between minutes and hours. The rate is an
    exponential moving average of the recent rates, and the estimate may fall freely but rises only
    gradually, so a person sees a steady countdown rather than a jumping one.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, tau: float = 10.0) -> None:
        self._clock = clock
        self._tau = tau
        self._last: tuple[int, float] | None = None
        self._rate: float | None = None
        self._shown: float | None = None
        self._shown_at = 0.0

    def eta(self, done: int, total: int) -> float | None:
        now = self._clock()
        if self._last is None:
            # the first report may already count cached items, which took no time: measure from here
            self._last = (done, now)
            return None
        done0, t0 = self._last
        dt = now - t0
        if dt <= 0 or done <= done0:
            return self._countdown(now)
        rate = (done - done0) / dt
        weight = 1.0 - math.exp(-dt / self._tau) if self._rate is not None else 1.0
        self._rate = rate if self._rate is None else self._rate + weight * (rate - self._rate)
        self._last = (done, now)
        raw = max(0.0, (total - done) / self._rate)
        shown = self._countdown(now)
        if shown is None or raw <= shown:
            self._shown = raw
        else:  # rising: move a quarter of the way, so one slow stretch does not multiply the estimate
            self._shown = shown + 0.25 * (raw - shown)
        self._shown_at = now
        return self._shown

    def _countdown(self, now: float) -> float | None:
        if self._shown is None:
            return None
        return max(0.0, self._shown - (now - self._shown_at))


class Worker(QObject):
    """Base of every worker. Subclasses implement :meth:`work` and return the result object.

    Signals (all carry plain data; ``finished`` carries the job's result dataclass):
    ``progressed(Progress)``, ``finished(object)``, ``failed(str)``, ``cancelled()``, ``done()``.
    ``done`` fires after exactly one of the other three and makes the thread quit.
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._progress_throttle = Throttle()
        self._eta = EtaEstimator()

    # -- called from any thread
    def cancel(self) -> None:
        """Ask the job to stop at its next check (thread-safe, non-blocking)."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- called from the job
    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise JobCancelled()

    def report_progress(self, done: int, total: int, message: str = "", force: bool = False) -> None:
        """Throttled progress; the last unit (done == total) always goes through."""
        eta = self._eta.eta(done, total)
        if self._progress_throttle.ready(force or done >= total):
            self.progressed.emit(Progress(int(done), int(total), str(message), eta))

    def work(self) -> object:  # pragma: no cover - abstract
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        """Entry point in the worker thread: never lets an exception escape into Qt."""
        # the GUI thread comes first when the cores are busy (Linux schedules niceness per thread)
        lower_current_thread_priority()
        try:
            result = self.work()
        except JobCancelled:
            self.cancelled.emit()
        except GenreGuiError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit("out of memory: the job was too large for this machine")
        except Exception as exc:  # noqa: BLE001 - a worker must report, never crash the app
            log.error("worker %s failed:\n%s", type(self).__name__, traceback.format_exc())
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            if self.is_cancelled() and result is None:
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            self.done.emit()


class WorkerRegistry(QObject):
    """Starts workers on their own QThreads and knows every thread still alive.

    ``stop_all`` cancels every job and joins its thread: closing the window never destroys a running
    QThread.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[int, tuple[QThread, Worker]] = {}

    def start(self, worker: Worker, name: str = "") -> QThread:
        thread = QThread()
        thread.setObjectName(name or type(worker).__name__)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # direct: quit from the worker thread itself, so it works even while the GUI thread is in wait()
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        # Python keeps both objects alive until the thread has really finished
        self._running[id(thread)] = (thread, worker)
        thread.finished.connect(self._on_thread_finished)
        thread.start()
        return thread

    @Slot()
    def _on_thread_finished(self) -> None:
        # drop every finished pair (sender() identity is not guaranteed across wrappers)
        for key in [k for k, (t, _) in self._running.items() if t.isFinished()]:
            self._running.pop(key, None)

    @property
    def active_count(self) -> int:
        return sum(1 for t, _ in self._running.values() if t.isRunning())

    def workers(self) -> list[Worker]:
        return [w for _, w in self._running.values()]

    def stop_all(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job and wait for its thread; True when all stopped within ``timeout_ms`` each."""
        pairs = list(self._running.values())
        for _, worker in pairs:
            worker.cancel()
        ok = True
        for thread, _ in pairs:
            thread.quit()
            if not thread.wait(timeout_ms):
                log.error("worker thread %s did not stop within %d ms", thread.objectName(), timeout_ms)
                ok = False
        for key in [k for k, (t, _) in self._running.items() if t.isFinished()]:
            self._running.pop(key, None)
        return ok
