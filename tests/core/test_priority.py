"""Background threads and extraction processes run at a lower priority than the GUI thread."""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from genre_gui.core import batch
from genre_gui.core.priority import (
    init_background_worker,
    lower_current_thread_priority,
    lower_process_priority,
)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="niceness per thread: Linux")


def _nice_of_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_only_the_calling_thread_is_lowered():
    main_before = _nice_of_thread()
    seen = {}

    def body():
        seen["before"] = _nice_of_thread()
        seen["changed"] = lower_current_thread_priority(3)
        seen["after"] = _nice_of_thread()
        lower_current_thread_priority(100)  # capped at the lowest priority
        seen["capped"] = _nice_of_thread()

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen["changed"] and seen["after"] == min(19, seen["before"] + 3)
    assert seen["capped"] == 19
    assert _nice_of_thread() == main_before
    assert lower_current_thread_priority(0) is False  # nothing asked, nothing done


def test_pool_initializer_lowers_the_worker_process():
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    with ProcessPoolExecutor(1, initializer=lower_process_priority) as ex:
        child = ex.submit(os.getpriority, os.PRIO_PROCESS, 0).result(timeout=60)
    assert child == min(19, parent + 10)  # README: extraction processes run at nice +10


def test_extraction_pool_uses_the_initializer(monkeypatch, gtzan_clip_paths):
    used = []

    class Recording(ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            used.append(kwargs.get("initializer"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", Recording)
    paths = [str(p) for p in gtzan_clip_paths[:batch._MIN_FILES_FOR_POOL]]
    X, ok, failed = batch.extract_batch(paths, "fft1000", n_jobs=2)
    assert X.shape == (len(paths), 1000) and not failed
    assert used == [init_background_worker]


def _sigint_handler() -> int:
    import signal

    return int(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)


def test_worker_initializer_lowers_priority_and_leaves_ctrl_c_to_the_parent():
    # a terminal's Ctrl-C reaches every worker; only the parent may answer it (one line, exit 130)
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    with ProcessPoolExecutor(1, initializer=init_background_worker) as ex:
        ignored = ex.submit(_sigint_handler).result(timeout=60)
        child = ex.submit(os.getpriority, os.PRIO_PROCESS, 0).result(timeout=60)
    assert ignored == 1 and child == min(19, parent + 10)
    import signal

    # the check can fail: a plain worker does not ignore it (set here: a shell that starts the suite in
    # the background hands every process an ignored SIGINT, which a forked worker would inherit)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with ProcessPoolExecutor(1) as ex:
            assert ex.submit(_sigint_handler).result(timeout=60) == 0
    finally:
        signal.signal(signal.SIGINT, previous)
