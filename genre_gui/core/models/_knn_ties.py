"""Which of several equidistant training rows make the k nearest: scikit-learn's answer, reproduced.

scikit-learn's brute-force search (``ArgKmin``) keeps the k nearest rows of every query in a fixed-size
max-heap and visits the training rows in index order, per thread. When rows tie at the k-th place the
heap's layout decides which of them survive, so neither "lowest index" nor any sort order reproduces
it. Rows without such a tie (nearly all of them) never come here; for the few that do we replay the
heap pushes exactly. Only pushes that can succeed are replayed: a row is pushed only while its
distance is below the heap's current maximum, which after the first few thousand rows is rare.
"""

from __future__ import annotations

import os

import numpy as np

#: scikit-learn's default ``pairwise_dist_chunk_size``
SKLEARN_CHUNK_SIZE = 256
_DBL_MAX = float(np.finfo(np.float64).max)


def openmp_threads() -> int:
    """Best guess of the thread count scikit-learn's OpenMP code uses on this machine."""
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    try:  # a cgroup CPU quota (containers) lowers joblib's cpu_count, and so scikit-learn's
        with open("/sys/fs/cgroup/cpu.max") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, int(np.ceil(int(quota) / int(period)))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def thread_ranges(
    n_queries: int, n_fit: int, parallel_on_x: bool | None, n_threads: int
) -> list[tuple[int, int]]:
    """Training-row ranges whose heaps scikit-learn fills separately, in the order it merges them.

    Parameters
    ----------
    n_queries, n_fit : int
        Sizes of the whole query set and of the training set.
    parallel_on_x : bool or None
        ``True`` forces the "parallel on X" strategy (one sequential pass over the training rows, what
        ``KNeighborsClassifier.predict`` with uniform weights uses); ``None`` applies ``"auto"``.
    n_threads : int
        scikit-learn's OpenMP thread count.
    """
    if parallel_on_x is None:
        parallel_on_x = n_fit < n_queries or 4 * SKLEARN_CHUNK_SIZE * n_threads < n_queries
    if parallel_on_x:
        return [(0, n_fit)]
    chunk = min(n_fit, SKLEARN_CHUNK_SIZE)
    n_chunks = -(-n_fit // chunk)
    t = min(n_chunks, n_threads)
    # OpenMP's static schedule: contiguous blocks of chunks, the first n_chunks % t threads get one more
    q, r = divmod(n_chunks, t)
    ranges, first = [], 0
    for thread in range(t):
        count = q + (1 if thread < r else 0)
        ranges.append((first * chunk, min(n_fit, (first + count) * chunk)))
        first += count
    return ranges


def _heap_push(values: list[float], indices: list[int], size: int, val: float, idx: int) -> None:
    """scikit-learn's ``heap_push`` (sklearn/utils/_heap.pyx), statement for statement."""
    if val >= values[0]:
        return
    values[0] = val
    indices[0] = idx
    cur = 0
    while True:
        left = 2 * cur + 1
        right = left + 1
        if left >= size:
            break
        elif right >= size:
            if values[left] > val:
                swap = left
            else:
                break
        elif values[left] >= values[right]:
            if val < values[left]:
                swap = left
            else:
                break
        else:
            if val < values[right]:
                swap = right
            else:
                break
        values[cur] = values[swap]
        indices[cur] = indices[swap]
        cur = swap
    values[cur] = val
    indices[cur] = idx


def _scan(row: np.ndarray, start: int, stop: int, k: int) -> tuple[list[float], list[int]]:
    """Heap after pushing ``row[start:stop]`` in index order onto an empty (DBL_MAX) heap of size k."""
    values, indices = [_DBL_MAX] * k, [-1] * k
    pos, block = start, k
    while pos < stop:
        end = min(stop, pos + block)
        seg = row[pos:end]
        # rows at or above the current maximum are rejected by heap_push: skip them in bulk
        for j in np.flatnonzero(seg < values[0]):
            _heap_push(values, indices, k, float(seg[j]), pos + int(j))
        pos, block = end, block * 2
    return values, indices


def sklearn_k_nearest(row: np.ndarray, k: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Indices of the k rows scikit-learn keeps for one query's distance row (unordered)."""
    if len(ranges) == 1:
        return np.asarray(_scan(row, ranges[0][0], ranges[0][1], k)[1], dtype=np.intp)
    values, indices = [_DBL_MAX] * k, [0] * k
    for start, stop in ranges:
        t_values, t_indices = _scan(row, start, stop, k)
        for v, i in zip(t_values, t_indices):
            _heap_push(values, indices, k, v, i)
    return np.asarray(indices, dtype=np.intp)


def k_smallest_candidates(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` smallest candidate distances of every row, nearest first (equal values by column).

    Parameters
    ----------
    rows, cols, vals : ndarray
        Sparse candidates: query row, training column and distance; every row has at least ``k``.
    n_rows : int
    k : int

    Returns
    -------
    ind, dist : ndarray (n_rows, k)
    tied : ndarray
        Rows where a candidate beyond the k-th has the k-th value: scikit-learn's heap decides which
        of them is kept, so these rows must be replayed with :func:`replay_row`.
    """
    order = np.lexsort((cols, vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    counts = np.bincount(rows, minlength=n_rows)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    take = first[:, None] + np.arange(k)
    ind, dist = cols[take], vals[take]
    nxt = np.minimum(first + k, rows.shape[0] - 1)
    tied = np.flatnonzero((counts > k) & (vals[nxt] == dist[:, -1]))
    return ind, dist, tied


def replay_row(row: np.ndarray, k: int, ranges: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the ``k`` neighbours scikit-learn keeps for one full (clipped) row."""
    kept = np.sort(sklearn_k_nearest(row, k, ranges))
    o = np.argsort(row[kept], kind="stable")
    return kept[o], row[kept][o]
