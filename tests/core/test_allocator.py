"""malloc keeps freed array memory: counted in page faults of a fresh process, under Dask's setting."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: 200 arrays of 1.5 MiB (384 pages each), allocated, written and freed in turn. Under 2 MiB, so no
#: transparent huge page can back them: a 4 MiB array faulted in 1,026 or 3 times depending on where
#: the kernel placed it (NumPy asks for huge pages from 4 MiB up), and the count was not reproducible.
_FAULTS = """
import resource
import numpy as np

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        a = np.ones(3 << 16)
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
"""


def _run(body: str) -> int:
    """Page faults counted by ``body`` (which prints them) in a fresh Python with Dask's malloc setting."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _FAULTS + textwrap.dedent(body)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True)
    return int(out.stdout.split()[-1])


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")


def test_dask_setting_alone_faults_every_page_of_every_array() -> None:
    # the premise: every array mapped afresh (measured: 77,000, 385 faults per array; glibc's default,
    # which learns after the first free: 757)
    assert _run("print(faults())") >= 50_000


def test_keep_freed_memory_reuses_the_pages() -> None:
    n = _run("""
        from genre_gui.core.allocator import keep_freed_memory
        assert keep_freed_memory() is True
        assert keep_freed_memory() is True  # a second call is harmless
        print(faults())
    """)
    assert n < 2 * 1024  # about the first array's pages, once (measured: 370)


def test_pool_workers_inherit_it_from_the_worker_environment() -> None:
    # the worker server imports _worker_env first; its workers fork from it
    assert _run("import genre_gui.core._worker_env\nprint(faults())") < 2 * 1024


def test_a_dask_task_sets_it_in_the_worker() -> None:
    n = _run("""
        from genre_gui.core.cluster import remote_file_task

        def task(path):
            return True, faults()

        print(remote_file_task(b"x", ".bin", "song.bin", task, ())[1])
    """)
    assert n < 2 * 1024


def test_thresholds_are_glibcs_ceiling_and_twice_it() -> None:
    from genre_gui.core import allocator

    assert allocator.MMAP_THRESHOLD == 32 * 1024 * 1024
    assert allocator.TRIM_THRESHOLD == 64 * 1024 * 1024
    assert (allocator.M_TRIM_THRESHOLD, allocator.M_MMAP_THRESHOLD) == (-1, -3)
