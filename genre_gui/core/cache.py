"""SQLite feature cache keyed by (file content hash, feature set name, feature set version, variant).

The cache is an optimisation only: every failure (corrupt database, read-only folder, full disk, a
locked file) degrades to "no cache" with a logged warning and never reaches the caller as an exception.
Only the process that owns the :class:`FeatureCache` touches the database; pool workers just compute.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["FeatureCache", "hash_file", "default_cache_path", "SCHEMA_VERSION"]

log = logging.getLogger(__name__)

#: bumped when the table layout changes; an older database is rebuilt
SCHEMA_VERSION = 1
_CHUNK = 1 << 20
_APP_ID = 0x47475543  # "GGUC": marks the file as ours so a foreign SQLite file is not reused


def hash_file(path: str | os.PathLike) -> str:
    """Return the hex BLAKE2b-128 digest of a file's bytes (read in 1 MiB chunks).

    Parameters
    ----------
    path : path-like
        The file to hash.

    Returns
    -------
    str
        32 hex characters. Keyed on content, so renamed or moved files still hit the cache.

    Raises
    ------
    OSError
        When the file cannot be read (callers report it as a per-file failure).
    """
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/genre_gui/features.sqlite`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "genre_gui" / "features.sqlite"


class FeatureCache:
    """Feature vectors (or per-segment matrices) stored by content hash.

    Parameters
    ----------
    path : path-like or None
        The SQLite file; its folder is created when missing. ``None`` uses :func:`default_cache_path`.

    Attributes
    ----------
    enabled : bool
        False once the cache has degraded to a no-op (read-only location, unrecoverable errors).
    warnings : list of str
        What went wrong, for the UI to show once; also logged.

    Notes
    -----
    A database that SQLite reports as corrupt (or that is not ours) is renamed to
    ``<name>.corrupt-<timestamp>`` and a fresh one is created. Thread-safe: one connection guarded by a
    lock, so a GUI may create the cache on the main thread and use it from a worker thread.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.enabled = False
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._open()

    # -- public API ---------------------------------------------------------------------------------
    def get(self, content_hash: str, feature_set: str, version: int, variant: str = "") -> np.ndarray | None:
        """Return the cached float64 array (1-D vector or 2-D segment matrix), or None on a miss.

        A stored value that is unreadable or non-finite counts as a miss (and is deleted).
        """
        if not self.enabled:
            return None
        key = (content_hash, feature_set, int(version), variant)
        try:
            with self._lock:
                row = self._conn.execute(
                    "SELECT n_rows, n_cols, data FROM features WHERE hash=? AND feature_set=? "
                    "AND version=? AND variant=?", key
                ).fetchone()
        except sqlite3.Error as exc:
            self._degrade(f"reading failed ({exc})")
            return None
        if row is None:
            return None
        n_rows, n_cols, blob = row
        try:
            arr = np.frombuffer(blob, dtype="<f8").astype(np.float64)
            arr = arr.reshape(n_cols) if n_rows == 0 else arr.reshape(n_rows, n_cols)
        except (ValueError, TypeError):
            arr = None
        if arr is None or not np.all(np.isfinite(arr)):
            self.delete(content_hash, feature_set, version, variant)
            return None
        return arr

    def put(self, content_hash: str, feature_set: str, version: int, value: np.ndarray,
            variant: str = "") -> None:
        """Store a finite 1-D vector or 2-D matrix; anything else is ignored (never cached)."""
        if not self.enabled:
            return
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim not in (1, 2) or arr.size == 0 or not np.all(np.isfinite(arr)):
            return
        n_rows, n_cols = (0, arr.shape[0]) if arr.ndim == 1 else arr.shape
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT OR REPLACE INTO features VALUES (?,?,?,?,?,?,?,?)",
                    (content_hash, feature_set, int(version), variant, int(n_rows), int(n_cols),
                     arr.astype("<f8").tobytes(), time.time()),
                )
                self._conn.commit()
        except sqlite3.Error as exc:
            self._degrade(f"writing failed ({exc})")

    def delete(self, content_hash: str, feature_set: str, version: int, variant: str = "") -> None:
        """Remove one entry (no-op when absent or disabled)."""
        if not self.enabled:
            return
        try:
            with self._lock:
                self._conn.execute(
                    "DELETE FROM features WHERE hash=? AND feature_set=? AND version=? AND variant=?",
                    (content_hash, feature_set, int(version), variant),
                )
                self._conn.commit()
        except sqlite3.Error as exc:
            self._degrade(f"writing failed ({exc})")

    def __len__(self) -> int:
        if not self.enabled:
            return 0
        try:
            with self._lock:
                return int(self._conn.execute("SELECT COUNT(*) FROM features").fetchone()[0])
        except sqlite3.Error as exc:
            self._degrade(f"reading failed ({exc})")
            return 0

    def clear(self) -> None:
        """Delete every entry."""
        if not self.enabled:
            return
        try:
            with self._lock:
                self._conn.execute("DELETE FROM features")
                self._conn.commit()
        except sqlite3.Error as exc:
            self._degrade(f"writing failed ({exc})")

    def close(self) -> None:
        """Close the connection; the object then behaves as a disabled cache."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except sqlite3.Error:
                    pass
            self._conn = None
            self.enabled = False

    def __enter__(self) -> FeatureCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict:  # a cache must never be shipped to pool workers
        raise TypeError("FeatureCache is used by the main process only")

    # -- opening, validation and recovery ------------------------------------------------------------
    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._warn(f"cannot create the cache folder {self.path.parent} ({exc.strerror or exc}); "
                       "features will not be cached")
            return
        try:
            self._conn = self._connect_and_check()
        except (sqlite3.DatabaseError, _NotOursError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and not self._is_corruption(exc):
                self._warn(f"cannot use the feature cache {self.path} ({exc}); features will not be cached")
                return
            self._move_aside(str(exc))
            try:
                self._conn = self._connect_and_check()
            except (sqlite3.Error, _NotOursError, OSError) as exc2:
                self._warn(f"cannot rebuild the feature cache {self.path} ({exc2}); "
                           "features will not be cached")
                return
        except OSError as exc:
            self._warn(f"cannot open the feature cache {self.path} ({exc}); features will not be cached")
            return
        self.enabled = True

    def _connect_and_check(self) -> sqlite3.Connection:
        # check_same_thread=False: access is serialised by self._lock instead
        conn = sqlite3.connect(str(self.path), timeout=5.0, check_same_thread=False)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            n_tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
            if n_tables and app_id != _APP_ID:
                raise _NotOursError("not a genre_gui feature cache")
            if n_tables:
                if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed (quick_check failed)")
                schema = conn.execute("PRAGMA user_version").fetchone()[0]
                if schema != SCHEMA_VERSION:
                    conn.execute("DROP TABLE IF EXISTS features")
            conn.execute(f"PRAGMA application_id={_APP_ID}")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS features (hash TEXT NOT NULL, feature_set TEXT NOT NULL, "
                "version INTEGER NOT NULL, variant TEXT NOT NULL, n_rows INTEGER NOT NULL, "
                "n_cols INTEGER NOT NULL, data BLOB NOT NULL, created REAL NOT NULL, "
                "PRIMARY KEY (hash, feature_set, version, variant))"
            )
            conn.commit()
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _is_corruption(exc: sqlite3.Error) -> bool:
        text = str(exc).lower()
        return any(s in text for s in ("malformed", "not a database", "corrupt", "file is encrypted"))

    def _move_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm", "-journal"):  # stale side files would poison the new database
                side = Path(str(self.path) + suffix)
                if side.exists():
                    side.unlink()
            self._warn(f"the feature cache {self.path} was unusable ({reason}); moved it to {aside.name} "
                       "and started a new one")
        except OSError as exc:
            self._warn(f"the feature cache {self.path} was unusable ({reason}) and could not be moved "
                       f"aside ({exc.strerror or exc})")

    def _degrade(self, reason: str) -> None:
        if "locked" in reason or "busy" in reason:
            # another process (a second app window, the CLI) holds the lock: skip this entry only
            if not any("locked" in w for w in self.warnings):
                self._warn(f"feature cache {self.path}: {reason}; some entries were not cached")
            return
        self._warn(f"feature cache {self.path}: {reason}; continuing without the cache")
        self.close()

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning(message)


class LazyCache:
    """Opens the feature cache on its first call, for :func:`..datasets.open_dataset`'s ``open_cache``
    (only a source that is extracted opens it, so loading a table or refusing a folder creates nothing);
    a context manager that closes what it opened.

    Parameters
    ----------
    factory : callable
        Makes the cache (a :class:`FeatureCache`, or None to run uncached); called at most once.
    """

    def __init__(self, factory: Callable[[], FeatureCache | None]) -> None:
        self._factory = factory
        self._opened = False
        #: the cache once opened (None before, or when the factory gave none)
        self.cache: FeatureCache | None = None

    def __call__(self) -> FeatureCache | None:
        if not self._opened:
            self._opened = True
            self.cache = self._factory()
        return self.cache

    def __enter__(self) -> LazyCache:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.cache is not None:
            self.cache.close()


class _NotOursError(Exception):
    """The SQLite file belongs to someone else (or is garbage SQLite accepted)."""
