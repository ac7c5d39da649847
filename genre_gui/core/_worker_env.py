"""Imported first by the extraction worker server, before NumPy: one BLAS thread per worker process, and
malloc set to reuse freed memory (:mod:`genre_gui.core.allocator`; the workers fork from this server and
inherit it).

Each of the ``n_jobs`` worker processes already keeps one core busy. Left alone, OpenBLAS starts a thread
per core in every worker, and on two cores the small matrix products of feature extraction then spent
about six times the CPU time (measured under load), which capped the 2-process speed-up near 1.25x.
"""

import os

from .allocator import keep_freed_memory

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # a user's explicit setting wins

keep_freed_memory()
