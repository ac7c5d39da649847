"""Feature extraction over many files: a process pool, a cache, progress, cancellation, per-file failures.

Safe to call from a Qt worker thread: the pool uses the ``forkserver`` start method on Linux (``spawn``
elsewhere), so no thread state of the calling process is forked into the workers. Workers only compute;
the cache is read and written by the calling process alone.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np

from .audio_io import MAX_SECONDS, load_audio
from .errors import GenreGuiError
from .priority import init_background_worker

log = logging.getLogger(__name__)

__all__ = ["extract_batch", "extract_file", "prewarm", "split_segments", "ExtractionCancelled",
           "ProgressCallback", "CancelCallback", "SAMPLE_RATE"]

ProgressCallback = Callable[[int, int, str], None]
CancelCallback = Callable[[], bool]

#: every feature set works on audio at this rate
SAMPLE_RATE = 22050
#: below this many files to compute, starting a pool costs more than it saves
_MIN_FILES_FOR_POOL = 3


class ExtractionCancelled(Exception):  # noqa: N818 - a signal, not an error of the input
    """Raised by :func:`extract_batch` when ``cancel()`` returned True.

    Attributes
    ----------
    done : int
        Files finished before the cancel (their features are in the cache when one was given, so a
        restart resumes almost instantly).
    total : int
    """

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"extraction cancelled after {done} of {total} files")
        self.done, self.total = done, total


def split_segments(y: np.ndarray, sr: int, segment_seconds: float) -> list[np.ndarray]:
    """Cut a clip into consecutive non-overlapping segments of ``segment_seconds``.

    A trailing remainder shorter than a full segment is dropped (as in GTZAN's 3-second table: a
    30 s clip gives 10 segments); a clip shorter than one segment gives itself as the single segment.
    """
    n = int(round(segment_seconds * sr))
    if n <= 0:
        raise ValueError("segment_seconds must be positive")
    k = y.shape[0] // n
    if k == 0:
        return [y]
    return [y[i * n:(i + 1) * n] for i in range(k)]


def _variant(segment_seconds: float | None) -> str:
    return "" if not segment_seconds else f"seg{float(segment_seconds):g}"


def extract_file(path: str, feature_set: str, segment_seconds: float | None = None,
                 max_seconds: float | None = MAX_SECONDS) -> np.ndarray:
    """Features of one file: a vector, or a (n_segments, n_features) matrix in segment mode.

    Raises
    ------
    GenreGuiError
        ``AudioError`` for unreadable audio, ``FeatureError`` for unusable samples.
    """
    from .features import get_feature_set

    fs = get_feature_set(feature_set)
    min_samples = int(getattr(fs, "min_samples", 2048))
    sr = int(getattr(fs, "sample_rate", SAMPLE_RATE))  # decoded straight to the set's rate: one resampling
    y = load_audio(path, sr=sr, max_seconds=max_seconds, min_samples=min_samples)
    if not segment_seconds:
        return _checked(fs.extract(y, sr), path)
    segs = [s for s in split_segments(y, sr, segment_seconds) if s.shape[0] >= min_samples]
    return np.stack([_checked(fs.extract(s, sr), path) for s in segs])


def _checked(v: np.ndarray, path: str) -> np.ndarray:
    from .errors import FeatureError

    v = np.asarray(v, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise FeatureError(f"{path}: the features came out non-finite")
    return v


def _worker(path: str, feature_set: str, segment_seconds: float | None) -> tuple[bool, Any]:
    """Pool entry point: never raises, so one bad file cannot break the pool."""
    try:
        return True, extract_file(path, feature_set, segment_seconds)
    except GenreGuiError as exc:
        return False, str(exc)
    except MemoryError:
        return False, f"{path}: not enough memory to decode it"
    except Exception as exc:  # an unexpected bug must become a per-file failure, not a dead batch
        return False, f"{path}: unexpected {type(exc).__name__}: {exc}"


def _pool_context() -> mp.context.BaseContext:
    # forkserver: cheap per-worker start and no copy of the caller's threads (Qt) into children
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        # the server imports the DSP stack once; every worker of every later pool forks from it warm
        # (_worker_env first: it pins BLAS to one thread per worker before NumPy loads)
        ctx.set_forkserver_preload(["genre_gui.core._worker_env", "genre_gui.core.batch",
                                    "genre_gui.core.features"])
        return ctx
    return mp.get_context("spawn")


def prewarm() -> None:
    """Start the worker server in the background so the first pool starts in ~50 ms instead of ~1.5 s.

    Cheap and idempotent; the GUI may call it at start-up. Never raises.
    """
    try:
        ctx = _pool_context()
        if ctx.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()
    except Exception as exc:  # an optimisation only
        log.debug("could not prewarm the worker server: %s", exc)


def extract_batch(
    paths: Sequence[str | os.PathLike],
    feature_set: str | Any,
    *,
    cache: Any = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    n_jobs: int = 2,
    segment_seconds: float | None = None,
    scheduler: str | None = None,
) -> tuple[np.ndarray, list[str], list[tuple[str, str]]]:
    """Extract features from many audio files.

    Parameters
    ----------
    paths : sequence of path-like
    feature_set : str or feature set object
        Name in ``FEATURE_SETS`` (objects are reduced to their ``name`` so workers can look them up).
    cache : FeatureCache, optional
        Cached files are not decoded at all; new results are stored.
    progress : callable(done, total, message), optional
        Called after every file (and once at the start with ``done=0``).
    cancel : callable() -> bool, optional
        Polled between files; when it returns True, :class:`ExtractionCancelled` is raised after the
        in-flight files finish (their results are cached).
    n_jobs : int
        Worker processes; 1 computes in the calling process.
    segment_seconds : float, optional
        Segment mode: each file yields one row per full segment of this length.
    scheduler : str, optional
        A Dask distributed scheduler (``tcp://host:8786``): the files the cache does not have are
        extracted on its workers (:mod:`genre_gui.core.cluster`) instead of a local pool.

    Returns
    -------
    X : ndarray of shape (n_rows, n_features)
    ok_paths : list of str
        Source file of each row of ``X`` (repeated per segment in segment mode).
    failures : list of (path, reason)
        Files that could not be used; never fatal.
    """
    from .features import get_feature_set

    fs = get_feature_set(feature_set if isinstance(feature_set, str) else feature_set.name)
    name, version, n_cols = fs.name, int(fs.version), len(fs.columns)
    variant = _variant(segment_seconds)
    paths = [str(p) for p in paths]
    total = len(paths)
    results: list[np.ndarray | None] = [None] * total
    failures: dict[int, str] = {}
    hashes: dict[int, str] = {}
    todo: list[int] = []
    done = 0

    def report(message: str) -> None:
        if progress is not None:
            progress(done, total, message)

    def cancelled() -> bool:
        return bool(cancel is not None and cancel())

    if n_jobs > 1 and total >= _MIN_FILES_FOR_POOL and not scheduler:
        prewarm()  # the server imports NumPy/SciPy while this process checks the cache
    report("starting")
    # pass 1 (calling process): cheap checks and cache look-ups; only real work goes to the pool
    for i, path in enumerate(paths):
        if cancelled():
            raise ExtractionCancelled(done, total)
        reason = _precheck(path)
        if reason is None and cache is not None and getattr(cache, "enabled", False):
            try:
                from .cache import hash_file

                hashes[i] = hash_file(path)
            except OSError as exc:
                reason = f"{path}: cannot be read ({exc.strerror or exc})"
            else:
                hit = cache.get(hashes[i], name, version, variant)
                if hit is not None and hit.shape[-1] == n_cols:
                    results[i] = hit
                    done += 1
                    report(Path(path).name)
                    continue
        if reason is not None:
            failures[i] = reason
            done += 1
            report(Path(path).name)
            continue
        todo.append(i)

    def finish(i: int, ok: bool, value: Any) -> None:
        nonlocal done
        if ok:
            results[i] = value
            if i in hashes:
                cache.put(hashes[i], name, version, value, variant)
        else:
            failures[i] = value
        done += 1
        report(Path(paths[i]).name)

    if scheduler and todo:
        from .cluster import run_on_cluster

        run_on_cluster(scheduler, paths, todo, name, version, segment_seconds, finish, cancelled,
                       lambda: ExtractionCancelled(done, total))
    elif n_jobs <= 1 or len(todo) < _MIN_FILES_FOR_POOL:
        for i in todo:
            if cancelled():
                raise ExtractionCancelled(done, total)
            finish(i, *_worker(paths[i], name, segment_seconds))
    else:
        _run_pool(paths, todo, name, segment_seconds, min(n_jobs, len(todo)), finish, cancelled,
                  lambda: done, total)

    rows: list[np.ndarray] = []
    ok_paths: list[str] = []
    for i, r in enumerate(results):
        if r is None:
            continue
        r2 = r.reshape(1, -1) if r.ndim == 1 else r
        rows.append(r2)
        ok_paths.extend([paths[i]] * r2.shape[0])
    X = np.vstack(rows) if rows else np.empty((0, n_cols))
    return X, ok_paths, [(paths[i], failures[i]) for i in sorted(failures)]


def _run_pool(paths, todo, name, segment_seconds, n_workers, finish, cancelled, get_done, total) -> None:
    queue = list(reversed(todo))
    restarts = 0
    while queue:
        broken, n_results, in_flight = _pool_round(paths, queue, name, segment_seconds, n_workers, finish,
                                                   cancelled, get_done, total)
        if not broken:
            return
        if n_results == 0 and not _pool_starts():
            # no worker ever answered, not even a no-op: the pool cannot start here (e.g. an unguarded
            # __main__ in the caller). Compute in this process; nothing points at a bad file.
            log.warning("feature worker processes failed to start; extracting in this process")
            queue.extend(in_flight)
            for i in reversed(queue):
                if cancelled():
                    raise ExtractionCancelled(get_done(), total)
                finish(i, *_worker(paths[i], name, segment_seconds))
            return
        # A dying worker breaks the whole pool and fails every file in flight, so the culprit is one of
        # them: retry each alone, in a pool of its own, and fail only a file that kills its worker.
        for i in in_flight:
            if len(in_flight) > 1:
                alone, got, _ = _pool_round(paths, [i], name, segment_seconds, 1, finish, cancelled,
                                            get_done, total)
                if not alone or got:
                    continue
            finish(i, False, f"{paths[i]}: the worker process died while reading it (crash or out of memory)")
        restarts += 1
        if restarts > 3:  # a pool that keeps dying: report the rest rather than loop forever
            for i in reversed(queue):
                finish(i, False, f"{paths[i]}: not processed (worker processes kept crashing)")
            return


def _pool_starts() -> bool:
    """Whether a worker process can start here and answer a no-op."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_pool_context(),
                                 initializer=init_background_worker) as ex:
            return ex.submit(os.getpid).result(timeout=120) > 0
    except (BrokenProcessPool, RuntimeError, OSError, TimeoutError):
        return False


def _pool_round(paths, queue, name, segment_seconds, n_workers, finish, cancelled, get_done, total):
    """Run until the queue is empty or the pool breaks.

    Returns (broken, number of results received, indices in flight when it broke). Submission is
    bounded (2 per worker) so a cancel only waits for the files already in flight.
    """
    pending: dict[Future, int] = {}
    broken, n_results = False, 0
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=_pool_context(),
                             initializer=init_background_worker) as ex:
        try:
            while (queue or pending) and not broken:
                stop = cancelled()
                while queue and len(pending) < 2 * n_workers and not stop:
                    i = queue.pop()
                    try:
                        pending[ex.submit(_worker, paths[i], name, segment_seconds)] = i
                    except (BrokenProcessPool, RuntimeError):
                        queue.append(i)
                        broken = True
                        break
                if stop and not pending:
                    raise ExtractionCancelled(get_done(), total)
                if broken:
                    break
                finished, _ = wait(list(pending), timeout=0.25, return_when=FIRST_COMPLETED)
                for fut in finished:
                    try:
                        ok, value = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue  # stays in pending: reported by the caller
                    except Exception as exc:
                        ok, value = False, f"{paths[pending[fut]]}: {type(exc).__name__}: {exc}"
                    n_results += 1
                    finish(pending.pop(fut), ok, value)
            if broken and pending:
                # a broken pool resolves every future at once; keep the ones that did finish
                wait(list(pending), timeout=5.0)
                for fut in list(pending):
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        n_results += 1
                        finish(pending.pop(fut), *fut.result())
        except BaseException:
            for fut in pending:
                fut.cancel()
            ex.shutdown(wait=True, cancel_futures=True)
            raise
    return broken, n_results, list(pending.values())


def _precheck(path: str) -> str | None:
    """Reasons decidable without decoding (so 10,000 empty files never reach the pool)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return f"{path}: no such file (or a broken link)"
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    import stat as _stat

    if _stat.S_ISDIR(st.st_mode):
        return f"{path}: is a folder, not an audio file"
    if not _stat.S_ISREG(st.st_mode):
        return f"{path}: not a regular file"
    if st.st_size == 0:
        return f"{path}: the file is empty (0 bytes)"
    if not os.access(path, os.R_OK):
        return f"{path}: permission denied"
    return None

