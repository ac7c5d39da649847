"""Background work yields the CPU to the window: lower the scheduling priority of the calling thread.

On a two-core machine, two extraction processes and a training thread leave the GUI thread competing
for a core with three busy peers, and the scheduler then delays its timers by tens of milliseconds.
A niceness of 10 makes the kernel run the GUI thread first whenever it wakes, and costs the background
work nothing when the machine is otherwise idle.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

#: how much "nicer" than the app its background threads and worker processes run
BACKGROUND_NICENESS = 10


def lower_current_thread_priority(increment: int = BACKGROUND_NICENESS) -> bool:
    """Raise the niceness of the calling thread only (not the whole process).

    Parameters
    ----------
    increment : int
        Added to the thread's niceness (capped at 19).

    Returns
    -------
    bool
        True when the priority changed. Only Linux schedules niceness per thread; elsewhere this
        would slow the whole application, so it does nothing and returns False.
    """
    if not sys.platform.startswith("linux") or increment <= 0:
        return False
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + int(increment)))
    except (OSError, AttributeError):  # a sandbox may forbid it; priority is an optimisation only
        return False
    return True


def lower_process_priority(increment: int = BACKGROUND_NICENESS) -> bool:
    """Raise the niceness of a worker process (call it first thing in the process).

    Returns
    -------
    bool
        True when the priority changed.
    """
    if increment <= 0:
        return False
    try:
        os.nice(int(increment))
    except (OSError, AttributeError):
        return False
    return True


def init_background_worker() -> None:
    """Initializer of every worker process: low priority, and Ctrl-C left to the parent.

    A terminal's Ctrl-C reaches the whole process group. The parent already turns it into a clean
    stop (cancel what is queued, let the files in flight finish, exit 130); a worker that also raised
    KeyboardInterrupt printed its own traceback over that one-line message.
    """
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # not the main thread of the process: nothing to undo
        pass
    lower_process_priority()
