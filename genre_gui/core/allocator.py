"""glibc's malloc set to keep freed memory for the next array, as NumPy's large short-lived arrays need.

Decoding, feature extraction and the musicnn network allocate and free arrays of a few hundred kB to a few
MB many times per file. glibc serves blocks that large with a fresh ``mmap`` and unmaps them on ``free``,
so the kernel faults in and zeroes every page again. It normally learns: its mmap threshold rises to the
largest block freed. It does not when ``MALLOC_TRIM_THRESHOLD_`` is set, and Dask's nanny sets it to 64 kB
for every worker it starts (``distributed.nanny.pre-spawn-environ``). Measured on this 2-vCPU VM, musicnn
features of one 30 s clip (7 clips after a warm-up, one process):

=======================================  ==================  =============
malloc                                   page faults / file  CPU s / file
=======================================  ==================  =============
Dask worker's (``MALLOC_TRIM_THRESHOLD_``)  113,000           0.60-0.68
glibc's default                          13,500              0.45-0.54
:func:`keep_freed_memory`                under 30            0.40-0.47
=======================================  ==================  =============

The price is at most :data:`TRIM_THRESHOLD` of freed memory kept by the process instead of returned.
"""

from __future__ import annotations

import ctypes
import sys

#: mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: blocks below this come from the heap and are reused; glibc's own ceiling for its moving threshold
#: (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit), so no array of a clip's work is mapped afresh
MMAP_THRESHOLD = 32 * 1024 * 1024
#: free memory at the heap's top beyond this is returned to the system: twice the mmap threshold, the
#: relation glibc's moving threshold keeps
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds once per process (later calls do nothing).

    Returns
    -------
    bool
        Whether the thresholds are set: False where the C library is not glibc (macOS, Windows, musl),
        which keeps its own policy.
    """
    global _applied
    if _applied is None:
        _applied = _set_thresholds()
    return _applied


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt  # glibc's soname: musl's and others' differ
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success, 0 on a value it refuses
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
