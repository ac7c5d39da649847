"""Worker machinery: throttled progress, cooperative cancel, exceptions -> failed(str), joined threads.

Signals cross threads into a relay QObject living in the GUI thread; the tests wait on the relay.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot

from genre_gui.workers.base import Progress, Throttle, Worker, WorkerRegistry

#: the contract (docs: "progress throttled, <= 30 signals/s"), written here, not read from the code
SIGNALS_PER_SECOND = 30


class Relay(QObject):
    """Lives in the GUI thread; records what workers sent and in which thread it arrived."""

    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.progress: list[Progress] = []
        self.threads: set = set()

    @Slot(object)
    def on_progress(self, p) -> None:
        self.threads.add(QThread.currentThread())
        self.progress.append(p)

    @Slot(object)
    def on_finished(self, r) -> None:
        self.finished.emit(r)

    @Slot(str)
    def on_failed(self, m) -> None:
        self.failed.emit(m)

    @Slot()
    def on_cancelled(self) -> None:
        self.cancelled.emit()


class Busy(Worker):
    def __init__(self, n: int, sleep: float = 0.0, fail_at: int | None = None) -> None:
        super().__init__()
        self.n, self.sleep, self.fail_at = n, sleep, fail_at
        self.thread_id = None

    def work(self):
        self.thread_id = threading.get_ident()
        for i in range(self.n):
            self.check_cancelled()
            if i == self.fail_at:
                raise RuntimeError("boom inside the worker")
            if self.sleep:
                time.sleep(self.sleep)
            self.report_progress(i + 1, self.n, f"item {i + 1}")
        return {"done": self.n}


def _wire(worker: Worker) -> Relay:
    relay = Relay()
    worker.progressed.connect(relay.on_progress)
    worker.finished.connect(relay.on_finished)
    worker.failed.connect(relay.on_failed)
    worker.cancelled.connect(relay.on_cancelled)
    return relay


@pytest.fixture
def registry(qtbot):
    reg = WorkerRegistry()
    yield reg
    assert reg.stop_all(10000)


def test_progress_is_throttled_and_delivered_in_gui_thread(qtbot, registry):
    w = Busy(200000)
    relay = _wire(w)
    t0 = time.perf_counter()
    with qtbot.waitSignal(relay.finished, timeout=60000) as blocker:
        registry.start(w)
    elapsed = time.perf_counter() - t0
    qtbot.wait(50)
    assert blocker.args[0] == {"done": 200000}
    assert w.thread_id != threading.get_ident()
    assert relay.threads == {QThread.currentThread()}
    # <= 30 per second (+ the first and the final one)
    assert len(relay.progress) <= SIGNALS_PER_SECOND * elapsed + 2
    assert relay.progress[-1].done == relay.progress[-1].total == 200000


def test_throttle_lets_30_a_second_through_on_a_fake_clock():
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    passed = []
    for i in range(2000):  # 2 s of calls, one a millisecond
        now[0] = i / 1000
        if throttle.ready():
            passed.append(now[0])
    # every 1/30 s, which the 1-ms clock rounds up to 34 ms: 59 calls pass in 2 s (a limit of 30 a second)
    assert len(passed) == 59 and passed[:3] == [0.0, 0.034, 0.068]
    now[0] = 2.0001
    assert throttle.ready(force=True) and not throttle.ready()  # a forced one always passes, and counts


def test_exception_becomes_failed_signal(qtbot, registry):
    w = Busy(10, fail_at=3)
    relay = _wire(w)
    with qtbot.waitSignal(relay.failed, timeout=10000) as blocker:
        registry.start(w)
    assert "boom inside the worker" in blocker.args[0]


def test_cancel_is_cooperative_and_quick(qtbot, registry):
    w = Busy(100000, sleep=0.001)
    relay = _wire(w)
    registry.start(w)
    qtbot.waitUntil(lambda: len(relay.progress) > 0, timeout=10000)
    t0 = time.perf_counter()
    with qtbot.waitSignal(relay.cancelled, timeout=10000):
        w.cancel()
    assert time.perf_counter() - t0 < 5.0  # the whole job would take 100 s


def test_stop_all_joins_every_thread(qtbot):
    reg = WorkerRegistry()
    workers = [Busy(100000, sleep=0.001) for _ in range(3)]
    threads = [reg.start(w) for w in workers]
    qtbot.wait(50)
    assert reg.active_count == 3
    assert reg.stop_all(10000)
    assert all(t.isFinished() for t in threads)
    assert reg.active_count == 0


def test_throttle_and_eta():
    now = [0.0]
    th = Throttle(rate=30, clock=lambda: now[0])
    passed = 0
    for i in range(1000):
        now[0] = i * 0.001  # one call per ms for one second
        passed += th.ready()
    assert 29 <= passed <= 31
    assert Progress(5, 10).fraction == 0.5 and Progress(0, 0).fraction == 0.0


def test_training_worker_streams_at_most_30_signals_per_second(qtbot, registry):
    """Thousands of epochs per second still cross threads as <= 30 batches per second."""
    from genre_gui.assets import DEMO_CSV
    from genre_gui.core.datasets import load_feature_csv
    from genre_gui.workers.training import ModelSpec, Protocol, TrainingRequest, TrainingWorker

    ds = load_feature_csv(DEMO_CSV)
    spec = ModelSpec("softmax", {"solver": "gd", "learning_rate": 0.5, "max_iter": 3000, "random_state": 0})
    w = TrainingWorker(TrainingRequest(ds, (spec,), Protocol(kind="holdout")))
    relay = _wire(w)
    batches = []

    class Epochs(QObject):
        @Slot(object)
        def on(self, b):
            batches.append(b)

    epochs = Epochs()
    w.epochs_finished.connect(epochs.on)
    t0 = time.perf_counter()
    with qtbot.waitSignal(relay.finished, timeout=120000) as blocker:
        registry.start(w)
    elapsed = time.perf_counter() - t0
    qtbot.wait(50)
    run = blocker.args[0]
    n_events = sum(len(b.events) for b in batches)
    assert n_events == 3000 == run.results[0].pipeline.model.n_iter_
    assert [e.epoch for b in batches for e in b.events] == list(range(1, 3001))  # none lost, in order
    signals = len(batches) + len(relay.progress)
    assert signals <= SIGNALS_PER_SECOND * elapsed + 4, (signals, elapsed)
    assert all(b.progress is not None for b in batches)


class NicenessProbe(Worker):
    def work(self):
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux-only")
def test_worker_threads_yield_the_cpu_to_the_gui_thread(qtbot, registry):
    gui_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    w = NicenessProbe()
    relay = _wire(w)
    with qtbot.waitSignal(relay.finished, timeout=10000) as blocker:
        registry.start(w)
    assert blocker.args[0] == min(19, gui_before + 10)  # README: worker threads run at nice +10
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui_before  # GUI thread untouched


def test_dataset_worker_loads_every_kind_through_open_dataset(monkeypatch, tmp_path):
    """The loading worker has no routing of its own: a feature table and an audio folder both go through
    ``core.datasets.open_dataset``; the folder's extraction reports progress and uses the feature cache,
    which loading a table never creates."""
    import numpy as np
    import soundfile as sf

    import genre_gui.core.datasets as datasets
    from genre_gui.assets import DEMO_CSV
    from genre_gui.workers.loading import DatasetLoadWorker, DatasetRequest

    calls = []
    real = datasets.open_dataset

    def recording(source, **kwargs):
        calls.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(datasets, "open_dataset", recording)
    cache = tmp_path / "features.sqlite"
    table = DatasetLoadWorker(DatasetRequest("csv", (str(DEMO_CSV),), "mfcc13", cache_path=str(cache))).work()
    assert [(s.kind, s.paths) for s in calls] == [("csv", (str(DEMO_CSV),))]
    assert table.dataset.feature_set == "gtzan57"  # a table's set is recognised, not the window's choice
    assert len(table.dataset) == 1000 and table.total_seconds is not None and not cache.exists()

    sr = 22050
    t = np.arange(sr) / sr
    for label, freq in (("low", 220.0), ("high", 3000.0)):
        (tmp_path / "songs" / label).mkdir(parents=True)
        for i in range(2):
            sf.write(tmp_path / "songs" / label / f"{label}{i}.wav",
                     (0.3 * np.sin(2 * np.pi * freq * (1 + i / 10) * t)).astype(np.float32), sr)
    worker = DatasetLoadWorker(DatasetRequest("audio_folder", (str(tmp_path / "songs"),), "mfcc13",
                                              cache_path=str(cache)))
    progress = []
    worker.report_progress = lambda done, total, message="": progress.append((done, total))
    loaded = worker.work()
    assert [s.kind for s in calls] == ["csv", "audio_folder"]
    assert calls[1].paths == (str(tmp_path / "songs"),)
    assert loaded.dataset.feature_set == "mfcc13" and len(loaded.dataset) == 4
    assert progress and progress[-1] == (4, 4) and cache.exists()
    assert abs(loaded.total_seconds - 4.0) < 0.01
