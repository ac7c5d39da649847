"""Classify a whole music library: walk a folder tree, classify every audio file, stream the answers.

No Qt. Built for a GUI worker and the CLI alike:

- :class:`LibraryJob` walks the roots (symbolic-link loops cut, hidden and non-audio files skipped, file
  names that are not UTF-8 kept as they are), then yields one :class:`TrackResult` per file as it
  completes, calling ``progress(done, total, message)`` after each and polling ``cancel()`` between
  files;
- each file is analysed by :func:`analyse_file` (a plain function of picklable arguments: what a process
  pool, or a cluster worker, runs), in worker processes, so a decoder that crashes takes one file down,
  not the job;
- features go through the feature cache (:mod:`.cache`), the answer is the one rule of
  :func:`.pipeline.answer`;
- resumable: :class:`LibraryState` (SQLite) remembers every answer by file, size and modification time,
  so a second run over the same tree only analyses new or changed files;
- export as CSV or JSON (:func:`write_csv`, :func:`write_json`) and one M3U8 playlist per genre
  (:func:`write_playlists`); genre tags are in :mod:`.tags`.

What is analysed: a track up to ``WHOLE_BELOW_SECONDS`` (60 s) is analysed whole, exactly as
``Pipeline.predict_file`` does; a longer one by three 10-second excerpts around 25, 50 and 75 % of its
duration (reached by seeking, never decoding the whole file), each cut into the model's windows (3 s
for the default model); the answer is the mean of the windows' probabilities.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import batch
from .audio_io import AUDIO_EXTENSIONS, EXCERPT_POSITIONS, EXCERPT_SECONDS, WHOLE_BELOW_SECONDS, load_excerpts
from .errors import GenreGuiError
from .tags import TrackTags, read_tags

if TYPE_CHECKING:
    from .cache import FeatureCache
    from .pipeline import Pipeline

log = logging.getLogger(__name__)

__all__ = ["AnalysisOptions", "TrackResult", "LibraryStats", "LibraryJob", "LibraryState", "classify_library",
           "iter_audio_files", "analyse_file", "pipeline_fingerprint", "write_csv", "write_json",
           "write_playlists", "read_results", "CSV_COLUMNS", "STATE_VERSION"]

#: bumped when what a state entry means changes: older entries are then analysed again
STATE_VERSION = 1
ProgressCallback = Callable[[int, int, str], None]
CancelCallback = Callable[[], bool]


@dataclass(frozen=True)
class AnalysisOptions:
    """What of a track is analysed (see the module docstring)."""

    excerpt_seconds: float = EXCERPT_SECONDS
    positions: tuple[float, ...] = EXCERPT_POSITIONS
    whole_below: float = WHOLE_BELOW_SECONDS

    def key(self, window_seconds: float) -> str:
        """The feature cache's variant for these options and the model's window length."""
        pos = ",".join(f"{p:g}" for p in self.positions)
        return f"lib-w{window_seconds:g}-ex{self.excerpt_seconds:g}@{pos}-whole{self.whole_below:g}"

    def describe(self, n_pieces: int) -> str:
        if n_pieces <= 1:
            return "whole"
        return (f"{n_pieces} x {self.excerpt_seconds:g} s at "
                + "/".join(f"{p:.0%}" for p in self.positions[:n_pieces]))


# -- walking ---------------------------------------------------------------------------------------------
def iter_audio_files(roots: Iterable[str | os.PathLike], *,
                     skipped: list[tuple[str, str]] | None = None) -> Iterator[str]:
    """Audio files under ``roots`` (files or folders), in a stable order.

    Folders are walked depth first in name order; symbolic links to folders are followed, but a folder
    already visited (same device and inode) is not entered again, so a link loop ends. Hidden files and
    folders (a name starting with a dot) and files whose extension is not in ``AUDIO_EXTENSIONS`` are
    skipped silently; a broken or looping link and an unreadable folder are appended to ``skipped``
    with the reason. Paths are ``str`` as the OS gives them (a name that is not UTF-8 keeps its bytes
    through Python's surrogate escapes: ``os.fsencode`` gives them back).
    """
    seen: set[tuple[int, int]] = set()
    skipped = skipped if skipped is not None else []

    def skip(path: str, reason: str) -> None:
        skipped.append((path, reason))

    def walk(folder: str) -> Iterator[str]:
        try:
            st = os.stat(folder)
        except OSError as exc:
            skip(folder, _stat_reason(folder, exc))
            return
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            if os.path.islink(folder):
                skip(folder, "a symbolic link to a folder already scanned (a loop); not followed")
            return
        seen.add(ident)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            skip(folder, f"cannot list the folder ({exc.strerror or exc})")
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                is_dir = e.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                yield from walk(e.path)
                continue
            if not e.name.lower().endswith(AUDIO_EXTENSIONS):
                continue
            try:
                is_file = e.is_file(follow_symlinks=True)
            except OSError:
                is_file = False
            if not is_file:
                try:
                    os.stat(e.path)
                    skip(e.path, "not a regular file")
                except OSError as exc:
                    skip(e.path, _stat_reason(e.path, exc))
                continue
            yield e.path

    for root in roots:
        root = os.fsdecode(root)
        if os.path.isdir(root):
            yield from walk(root)
        elif os.path.isfile(root):
            yield root
        else:
            try:
                os.stat(root)
                skip(root, "not a file or a folder")
            except OSError as exc:
                skip(root, _stat_reason(root, exc))


def _stat_reason(path: str, exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    if os.path.islink(path):
        return "a broken symbolic link"
    if exc.errno == errno.ENOENT:
        return "no such file (deleted during the scan?)"
    return f"cannot be read ({exc.strerror or exc})"


# -- one file: what a worker runs ---------------------------------------------------------------------------
def analyse_file(path: str, feature_set: str, window_seconds: float,
                 options: AnalysisOptions = AnalysisOptions()) -> np.ndarray:
    """Feature rows of one file, one per model window of the analysed audio.

    A plain function of picklable arguments: what a process pool (or a cluster worker) runs. The rows of
    a track analysed whole equal those :meth:`Pipeline.classify_audio` computes from
    ``Pipeline.predict_file``'s samples, so the answer is the same.

    Returns
    -------
    ndarray of shape (n_windows, n_features)

    Raises
    ------
    GenreGuiError
        ``AudioError`` (unreadable audio, naming the file), ``FeatureError``.
    """
    return _analyse(path, feature_set, window_seconds, options)[0]


def _analyse(path: str, feature_set: str, window_seconds: float,
             options: AnalysisOptions) -> tuple[np.ndarray, int]:
    from .errors import FeatureError
    from .features import get_feature_set
    from .pipeline import segment_starts

    fs = get_feature_set(feature_set)
    rate = int(getattr(fs, "sample_rate", 22050))
    min_samples = int(getattr(fs, "min_samples", 2048))
    pieces = load_excerpts(path, rate, seconds=max(float(options.excerpt_seconds), float(window_seconds)),
                           positions=options.positions, whole_below=options.whole_below,
                           min_samples=min_samples)
    window = max(min_samples, int(round(float(window_seconds) * rate)))
    rows = []
    for y in pieces:
        for s in segment_starts(y.shape[0], window):
            vector, _ = fs.extract_with_extras(y[s:s + window].astype(np.float32), rate)
            rows.append(np.asarray(vector, dtype=np.float64))
    X = np.stack(rows)
    if not np.all(np.isfinite(X)):
        raise FeatureError(f"{path}: the features came out non-finite")
    return X, len(pieces)


def _analyse_task(path: str, feature_set: str, window_seconds: float,
                  options: AnalysisOptions) -> tuple[bool, Any, int]:
    """Pool entry point: never raises. Returns (ok, rows or reason, number of pieces analysed)."""
    try:
        X, n_pieces = _analyse(path, feature_set, window_seconds, options)
        return True, X, n_pieces
    except GenreGuiError as exc:
        return False, str(exc), 0
    except MemoryError:
        return False, f"{path}: not enough memory to decode it", 0
    except Exception as exc:  # a bug must become a failed file, not a dead job
        return False, f"{path}: unexpected {type(exc).__name__}: {exc}", 0


def _n_pieces(path: str, options: AnalysisOptions) -> int:
    """How many pieces :func:`analyse_file` reads of this file (for a cache hit's description)."""
    from .audio_io import audio_info

    try:
        info = audio_info(path)
        duration = info.frames / info.samplerate if info.samplerate else 0.0
    except GenreGuiError:
        return 1
    return len(options.positions) if duration > max(options.whole_below, options.excerpt_seconds) else 1


#: the pool's initializer; a module attribute so a test can make a worker really die
_worker_initializer = batch.init_background_worker


def _imap(tasks: Sequence[tuple[int, tuple]], n_jobs: int, cancelled: CancelCallback
          ) -> Iterator[tuple[int, tuple[bool, Any, int]]]:
    """Run ``_analyse_task(*args)`` for each ``(index, args)``; yield ``(index, result)`` as they complete.

    ``n_jobs`` >= 1: that many worker processes (forkserver on Linux, as core.batch). A worker that dies
    (a decoder's crash, the OOM killer) breaks the pool and fails every file in flight; each of those is
    retried alone in a pool of its own, and only a file that kills its worker again is failed. Then the
    rest goes on in a new pool. ``n_jobs`` = 0: in this process (no crash isolation).
    Stops submitting once ``cancelled()`` is true and returns after the files in flight.
    """
    if n_jobs <= 0:
        for i, args in tasks:
            if cancelled():
                return
            yield i, _analyse_task(*args)
        return
    queue = deque(tasks)
    args_of = dict(tasks)
    restarts = 0
    while queue:
        in_flight: list[int] = []
        broken = False
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=batch._pool_context(),
                                 initializer=_worker_initializer) as ex:
            pending: dict[Future, int] = {}
            try:
                while (queue or pending) and not broken:
                    stop = cancelled()
                    while queue and len(pending) < 2 * n_jobs and not stop:
                        i, args = queue.popleft()
                        try:
                            pending[ex.submit(_analyse_task, *args)] = i
                        except (BrokenProcessPool, RuntimeError):
                            queue.appendleft((i, args))
                            broken = True
                            break
                    if stop and not pending:
                        return
                    if broken:
                        break
                    finished, _ = wait(list(pending), timeout=0.25, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        except Exception as exc:
                            result = (False, f"{args_of[pending[fut]][0]}: {type(exc).__name__}: {exc}", 0)
                        yield pending.pop(fut), result
                if broken:
                    wait(list(pending), timeout=5.0)
                    for fut, i in list(pending.items()):
                        if fut.done() and not fut.cancelled() and fut.exception() is None:
                            del pending[fut]
                            yield i, fut.result()
                    in_flight = list(pending.values())
            finally:
                for fut in pending:
                    fut.cancel()
        if not broken:
            return
        restarts += 1
        if not in_flight and restarts == 1 and not batch._pool_starts():
            # no worker can start here at all (not a file's fault): analyse in this process, as core.batch
            log.warning("worker processes failed to start; analysing in this process")
            for i, args in queue:
                if cancelled():
                    return
                yield i, _analyse_task(*args)
            return
        for i in in_flight:
            if cancelled():
                return
            yield i, _alone(args_of[i])
        if restarts > 50:  # a pool that keeps dying on innocent files: report the rest, do not loop
            for i, args in queue:
                yield i, (False, f"{args[0]}: not processed (worker processes kept crashing)", 0)
            return


def _alone(args: tuple) -> tuple[bool, Any, int]:
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=batch._pool_context(),
                                 initializer=_worker_initializer) as ex:
            return ex.submit(_analyse_task, *args).result()
    except BrokenProcessPool:
        return (False, f"{args[0]}: the worker process died while reading it (a decoder crash or out of "
                "memory)", 0)


# -- results ------------------------------------------------------------------------------------------------
@dataclass
class TrackResult:
    """One file's answer (or why there is none).

    Attributes
    ----------
    path : str
        As found (``os.fsencode(path)`` gives the file name's bytes back).
    ok : bool
    error : str or None
        Why the file could not be classified (names the file and the reason).
    tags : TrackTags
        Artist, title, album and existing genre read with mutagen.
    genre : str or None
        The answer's label: the top genre, or "not music".
    headline : str
        ``"jazz 87 %"``, ``"not music (92 %)"``, ``"unsure (top two: ...)"`` (``core.pipeline.answer``).
    confidence : float
    unsure, not_music : bool
    top3 : list of (genre, share of the genre probability)
    probabilities : dict of class -> probability
    analysed : str
        "whole" or "3 x 10 s at 25%/50%/75%".
    n_windows : int
        Model windows averaged.
    reused : bool
        Taken from an earlier run's state (the file had not changed): nothing was decoded.
    cached : bool
        Features from the feature cache (decoding skipped).
    size, mtime_ns : int
        The file's size and modification time when analysed.
    """

    path: str
    ok: bool
    error: str | None = None
    tags: TrackTags = field(default_factory=TrackTags)
    genre: str | None = None
    headline: str = ""
    confidence: float = 0.0
    unsure: bool = False
    not_music: bool = False
    top3: list[tuple[str, float]] = field(default_factory=list)
    probabilities: dict[str, float] = field(default_factory=dict)
    analysed: str = ""
    n_windows: int = 0
    reused: bool = False
    cached: bool = False
    size: int = 0
    mtime_ns: int = 0

    @property
    def tag_genre(self) -> str | None:
        """The genre worth writing into a tag or a playlist: a confident music answer, else ``None``."""
        if not self.ok or self.unsure or self.not_music or not self.genre:
            return None
        return self.genre

    def to_json(self) -> dict:
        return {"file": self.path, "ok": self.ok, "error": self.error, **self.tags.to_json(),
                "existing_genre": self.tags.genre, "genre": self.genre, "answer": self.headline,
                "confidence": self.confidence, "unsure": self.unsure, "not_music": self.not_music,
                "top3": [[g, p] for g, p in self.top3], "probabilities": self.probabilities,
                "analysed": self.analysed, "n_windows": self.n_windows, "reused": self.reused,
                "cached": self.cached, "size": self.size, "mtime_ns": self.mtime_ns}

    @classmethod
    def from_json(cls, d: dict) -> TrackResult:
        return cls(path=d["file"], ok=bool(d["ok"]), error=d.get("error"),
                   tags=TrackTags(d.get("artist"), d.get("title"), d.get("album"), d.get("existing_genre")),
                   genre=d.get("genre"), headline=d.get("answer", ""),
                   confidence=float(d.get("confidence", 0)),
                   unsure=bool(d.get("unsure")), not_music=bool(d.get("not_music")),
                   top3=[(str(g), float(p)) for g, p in d.get("top3", [])],
                   probabilities={str(k): float(v) for k, v in (d.get("probabilities") or {}).items()},
                   analysed=d.get("analysed", ""), n_windows=int(d.get("n_windows", 0)),
                   reused=bool(d.get("reused")), cached=bool(d.get("cached")), size=int(d.get("size", 0)),
                   mtime_ns=int(d.get("mtime_ns", 0)))


@dataclass
class LibraryStats:
    """Counts of a run, for the summary line and the tests."""

    found: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    reused: int = 0
    cached: int = 0
    analysed: int = 0
    failed: int = 0
    cancelled: bool = False
    seconds: float = 0.0


# -- resumable state -----------------------------------------------------------------------------------------
class LibraryState:
    """Answers of earlier runs by (file, model), with the file's size and modification time.

    SQLite (one small file; every commit atomic). A file whose size and modification time are unchanged
    gets its stored answer back without being read. An unusable state file is moved aside and a new one
    started: the state only saves time, it never stops a run.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._dirty = 0
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            log.warning("library state %s unusable (%s); moved to %s", self.path, exc, aside.name)
            try:
                os.replace(self.path, aside)
                self._conn = self._connect()
            except (OSError, sqlite3.Error) as exc2:
                log.warning("library state disabled: %s", exc2)
                self._conn = None
        except OSError as exc:
            log.warning("library state disabled: %s", exc)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS tracks (path BLOB, model TEXT, size INTEGER, "
                     "mtime_ns INTEGER, result TEXT, PRIMARY KEY (path, model))")
        conn.commit()
        return conn

    def get(self, path: str, model: str, size: int, mtime_ns: int) -> TrackResult | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT size, mtime_ns, result FROM tracks WHERE path=? AND model=?",
                                     (os.fsencode(path), model)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or row[0] != size or row[1] != mtime_ns:
            return None
        try:
            r = TrackResult.from_json(json.loads(row[2]))
        except (ValueError, KeyError, TypeError):
            return None
        r.path = path
        return r

    def put(self, r: TrackResult, model: str) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute("INSERT OR REPLACE INTO tracks VALUES (?,?,?,?,?)",
                               (os.fsencode(r.path), model, r.size, r.mtime_ns, json.dumps(r.to_json())))
            self._dirty += 1
            if self._dirty >= 20:
                self.commit()
        except sqlite3.Error as exc:
            log.warning("library state: %s", exc)

    def refresh(self, paths: Iterable[str], model: str) -> int:
        """After writing tags (which change a file's bytes, never its audio): keep the answers, store the
        new size, modification time and tags. Returns how many entries were refreshed."""
        n = 0
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            row = None
            if self._conn is not None:
                row = self._conn.execute("SELECT result FROM tracks WHERE path=? AND model=?",
                                         (os.fsencode(path), model)).fetchone()
            if row is None:
                continue
            r = TrackResult.from_json(json.loads(row[0]))
            r.path, r.size, r.mtime_ns, r.tags = path, st.st_size, st.st_mtime_ns, read_tags(path)
            self.put(r, model)
            n += 1
        self.commit()
        return n

    def commit(self) -> None:
        if self._conn is not None:
            try:
                self._conn.commit()
            except sqlite3.Error as exc:
                log.warning("library state: %s", exc)
            self._dirty = 0

    def close(self) -> None:
        if self._conn is not None:
            self.commit()
            self._conn.close()
            self._conn = None

    def __enter__(self) -> LibraryState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pipeline_fingerprint(pipeline: Pipeline, options: AnalysisOptions = AnalysisOptions()) -> str:
    """A digest of everything that decides an answer: the feature set and its version, the classes, the
    scaler's and model's fitted numbers, the metadata (thresholds, window length) and ``options``."""
    from .features import get_feature_set

    h = hashlib.blake2b(digest_size=16)
    version = get_feature_set(pipeline.feature_set).version if pipeline.feature_set else None
    h.update(json.dumps([STATE_VERSION, pipeline.feature_set, version, [str(c) for c in pipeline.classes],
                         pipeline.metadata, pipeline.unsure_below, pipeline.segment_seconds,
                         options.key(pipeline.segment_seconds)], sort_keys=True, default=str).encode())
    for part in (pipeline.scaler, pipeline.model):
        for name, value in sorted(vars(part).items()) if part is not None else ():
            h.update(name.encode())
            if isinstance(value, np.ndarray):
                h.update(str(value.dtype).encode() + str(value.shape).encode())
                h.update(repr(value).encode() if value.dtype == object
                         else np.ascontiguousarray(value).tobytes())
            elif isinstance(value, (int, float, str, bool, type(None), list, tuple, dict)):
                h.update(repr(value).encode())
    return h.hexdigest()


# -- the job ---------------------------------------------------------------------------------------------
class LibraryJob:
    """Classify every audio file under ``roots`` with ``pipeline``.

    Parameters
    ----------
    roots : iterable of path-like
        Folders (walked) or files.
    pipeline : Pipeline
        A model trained on audio features (``pipeline.feature_set`` set).
    cache : FeatureCache, optional
        Features are looked up by file content before decoding and stored after.
    state : LibraryState or path-like, optional
        Where earlier answers are remembered (resumability); ``None``: every file is analysed.
    n_jobs : int
        Worker processes (0: in this process, no crash isolation).
    options : AnalysisOptions
    scheduler : str, optional
        A Dask distributed scheduler (``tcp://host:8786``): its workers analyse the files instead of
        local processes (:func:`genre_gui.core.cluster.iter_on_cluster`; the workers need genre_gui, not
        the music).

    Use
    ---
    ``for result in job.run(progress, cancel): ...`` streams one :class:`TrackResult` per file as it
    completes (reused ones first, then cached ones, then the analysed ones in completion order).
    ``job.stats`` holds the counts. A cancel (``cancel()`` true, polled between files) ends the
    iteration after the files in flight, with ``stats.cancelled`` set; what was done is in the state, so
    the next run resumes. A Qt worker can pause by blocking inside ``progress`` or ``cancel``.
    """

    def __init__(self, roots: Iterable[str | os.PathLike], pipeline: Pipeline, *,
                 cache: FeatureCache | None = None, state: LibraryState | str | os.PathLike | None = None,
                 n_jobs: int = 2, options: AnalysisOptions = AnalysisOptions(),
                 scheduler: str | None = None) -> None:
        if not pipeline.feature_set:
            from .errors import FeatureError

            raise FeatureError("this model was not trained on audio features; it cannot classify audio")
        self.roots = [os.fsdecode(r) for r in roots]
        self.pipeline = pipeline
        self.cache = cache
        self._own_state = state is not None and not isinstance(state, LibraryState)
        self.state = LibraryState(state) if self._own_state else state
        self.n_jobs = int(n_jobs)
        self.scheduler = scheduler
        self.options = options
        self.model_key = pipeline_fingerprint(pipeline, options)
        self.stats = LibraryStats()

    def run(self, progress: ProgressCallback | None = None,
            cancel: CancelCallback | None = None) -> Iterator[TrackResult]:
        from .features import get_feature_set

        t0 = time.monotonic()
        stats = self.stats = LibraryStats()
        fs = get_feature_set(self.pipeline.feature_set)
        window = float(self.pipeline.segment_seconds)
        variant = self.options.key(window)

        def cancelled() -> bool:
            if cancel is not None and cancel():
                stats.cancelled = True
            return stats.cancelled

        done = 0
        if progress is not None:
            progress(0, 0, "scanning")
        files = list(iter_audio_files(self.roots, skipped=stats.skipped))
        total = stats.found = len(files)

        def report(path: str) -> None:
            if progress is not None:
                progress(done, total, os.path.basename(path))

        todo: list[tuple[int, tuple]] = []
        facts: dict[int, tuple[int, int, str | None]] = {}
        try:
            for i, path in enumerate(files):
                if cancelled():
                    return
                try:
                    st = os.stat(path)
                except OSError as exc:
                    stats.failed += 1
                    done += 1
                    report(path)
                    yield TrackResult(path, False, f"{path}: {_stat_reason(path, exc)}")
                    continue
                size, mtime = st.st_size, st.st_mtime_ns
                if self.state is not None:
                    old = self.state.get(path, self.model_key, size, mtime)
                    if old is not None:
                        old.reused, old.cached = True, False
                        stats.reused += 1
                        done += 1
                        report(path)
                        yield old
                        continue
                if size == 0:
                    r = self._finish(path, size, mtime, False, f"{path}: the file is empty (0 bytes)", 0,
                                     False)
                    stats.failed += 1
                    done += 1
                    report(path)
                    yield r
                    continue
                digest = None
                if self.cache is not None and getattr(self.cache, "enabled", False):
                    from .cache import hash_file

                    try:
                        digest = hash_file(path)
                    except OSError as exc:
                        r = self._finish(path, size, mtime, False, f"{path}: cannot be read "
                                         f"({exc.strerror or exc})", 0, False)
                        stats.failed += 1
                        done += 1
                        report(path)
                        yield r
                        continue
                    hit = self.cache.get(digest, fs.name, fs.version, variant)
                    if hit is not None and hit.ndim == 2 and hit.shape[1] == len(fs.columns):
                        pieces = _n_pieces(path, self.options)
                        r = self._finish(path, size, mtime, True, hit, pieces, True)
                        stats.cached += 1
                        done += 1
                        report(path)
                        yield r
                        continue
                facts[i] = (size, mtime, digest)
                todo.append((i, (path, fs.name, window, self.options)))
            if self.scheduler:  # a Dask cluster's workers analyse the files (core.cluster sends their bytes)
                from .cluster import iter_on_cluster

                jobs = [(i, args[0], _analyse_task, args[1:]) for i, args in todo]
                results = iter_on_cluster(self.scheduler, jobs, cancelled, lambda reason: (False, reason, 0))
            else:
                results = _imap(todo, self.n_jobs, cancelled)
            for i, (ok, value, pieces) in results:
                path = files[i]
                size, mtime, digest = facts[i]
                if ok and digest is not None:
                    self.cache.put(digest, fs.name, fs.version, value, variant)
                r = self._finish(path, size, mtime, ok, value, pieces, False)
                if r.ok:
                    stats.analysed += 1
                else:
                    stats.failed += 1
                done += 1
                report(path)
                yield r
        finally:
            stats.seconds = time.monotonic() - t0
            if self.state is not None:
                self.state.commit()
                if self._own_state:
                    self.state.close()

    def _finish(self, path: str, size: int, mtime: int, ok: bool, value: Any, pieces: int,
                cached: bool) -> TrackResult:
        """The answer from feature rows (or the failure), stored in the state."""
        from .pipeline import answer, genre_ranking

        if ok:
            try:
                P = self.pipeline.predict_proba_features(value)
                mean = P.mean(axis=0)
                mean = mean / mean.sum()
                said = answer(mean, self.pipeline.classes, self.pipeline.unsure_below)
                r = TrackResult(path, True, None, read_tags(path), str(said.label), said.headline,
                                float(said.confidence), bool(said.unsure), bool(said.not_music),
                                [(str(g), float(p))
                                 for g, p in genre_ranking(mean, self.pipeline.classes)[:3]],
                                {str(c): float(p) for c, p in zip(self.pipeline.classes, mean)},
                                self.options.describe(pieces), int(P.shape[0]), False, cached, size, mtime)
            except GenreGuiError as exc:
                ok, value = False, f"{path}: {exc}"
        if not ok:
            r = TrackResult(path, False, str(value), read_tags(path), size=size, mtime_ns=mtime)
        if self.state is not None and (r.ok or _is_lasting(r.error)):
            self.state.put(r, self.model_key)
        return r


def _is_lasting(error: str | None) -> bool:
    """A failure worth remembering (the file's content is the problem), not a transient one."""
    return bool(error) and "worker process" not in error and "not processed" not in error


def classify_library(roots: Iterable[str | os.PathLike], pipeline: Pipeline, *,
                     progress: ProgressCallback | None = None, cancel: CancelCallback | None = None,
                     **kwargs: Any) -> Iterator[TrackResult]:
    """``LibraryJob(roots, pipeline, **kwargs).run(progress, cancel)``: the results, streamed."""
    return LibraryJob(roots, pipeline, **kwargs).run(progress, cancel)


# -- export ----------------------------------------------------------------------------------------------
CSV_COLUMNS = ("file", "status", "genre", "answer", "confidence", "unsure", "not_music", "top1", "top1_p",
               "top2", "top2_p", "top3", "top3_p", "artist", "title", "album", "existing_genre", "analysed",
               "n_windows", "error")


def _csv_row(r: TrackResult) -> list:
    top = [x for g, p in r.top3 for x in (g, f"{p:.4f}")]
    top += [""] * (6 - len(top))
    status = "ok" if r.ok else "failed"
    return [r.path, status, r.genre or "", r.headline, f"{r.confidence:.4f}" if r.ok else "",
            int(r.unsure), int(r.not_music), *top, r.tags.artist or "", r.tags.title or "",
            r.tags.album or "", r.tags.genre or "", r.analysed, r.n_windows, r.error or ""]


def write_csv(results: Iterable[TrackResult], path: str | os.PathLike) -> None:
    """One row per file (``CSV_COLUMNS``), written atomically. UTF-8; a file name that is not UTF-8 is
    written with its own bytes."""
    from .persistence import atomic_write

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in results:
        w.writerow(_csv_row(r))
    atomic_write(path, buf.getvalue().encode("utf-8", "surrogateescape"))


def write_json(results: Iterable[TrackResult], path: str | os.PathLike, *, extra: dict | None = None) -> None:
    """``{"results": [...], **extra}`` written atomically (ASCII JSON: any file name round-trips)."""
    from .persistence import atomic_write

    doc = {**(extra or {}), "results": [r.to_json() for r in results]}
    atomic_write(path, json.dumps(doc, indent=1).encode("ascii"))


def read_results(path: str | os.PathLike) -> list[TrackResult]:
    """The results of :func:`write_json` back."""
    with open(path, "rb") as f:
        doc = json.loads(f.read().decode("ascii"))
    return [TrackResult.from_json(d) for d in doc["results"]]


def _safe_name(genre: str) -> str:
    bad = '/\\\0:*?"<>|'
    name = "".join("_" if ch in bad or ord(ch) < 32 else ch for ch in genre).strip(" .")
    return name or "genre"


def write_playlists(results: Iterable[TrackResult], folder: str | os.PathLike, *,
                    include_unsure: bool = False) -> dict[str, Path]:
    """One ``<genre>.m3u8`` per genre in ``folder`` with the paths relative to it.

    Only confident music answers are listed (``TrackResult.tag_genre``); with ``include_unsure`` an unsure
    answer goes into its top genre's playlist too. Tracks keep the order given. Each playlist is written
    atomically. Returns ``{genre: playlist path}``.
    """
    from .persistence import atomic_write

    folder = Path(os.fsdecode(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GenreGuiError(f"{folder}: cannot create the playlist folder ({exc.strerror or exc})") from exc
    by_genre: dict[str, list[TrackResult]] = {}
    for r in results:
        g = r.tag_genre or (r.genre if include_unsure and r.ok and r.unsure else None)
        if g:
            by_genre.setdefault(g, []).append(r)
    out: dict[str, Path] = {}
    base = os.path.abspath(folder)
    for genre, tracks in sorted(by_genre.items()):
        lines = ["#EXTM3U", f"#PLAYLIST:{genre}"]
        for r in tracks:
            who = " - ".join(x for x in (r.tags.artist, r.tags.title) if x) or os.path.basename(r.path)
            lines.append(f"#EXTINF:-1,{who}")
            lines.append(os.path.relpath(os.path.abspath(r.path), base).replace(os.sep, "/"))
        dest = folder / f"{_safe_name(genre)}.m3u8"
        try:
            atomic_write(dest, ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise GenreGuiError(f"{dest}: cannot write ({exc.strerror or exc})") from exc
        out[genre] = dest
    return out

