"""FeatureCache: hits and misses, corrupt or foreign database files, read-only locations."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading

import numpy as np

from genre_gui.core.cache import FeatureCache, hash_file


def test_hash_is_content_based(tmp_path):
    a, b, c = tmp_path / "a.bin", tmp_path / "b.bin", tmp_path / "c.bin"
    a.write_bytes(b"x" * 3_000_000)
    b.write_bytes(b"x" * 3_000_000)
    c.write_bytes(b"x" * 2_999_999 + b"y")
    assert hash_file(a) == hash_file(b)
    assert hash_file(a) != hash_file(c)
    assert len(hash_file(a)) == 32


def test_put_get_vector_and_matrix(tmp_path):
    cache = FeatureCache(tmp_path / "c.sqlite")
    assert cache.enabled and cache.warnings == []
    v = np.linspace(-1e6, 1e6, 57)
    m = np.arange(30.0).reshape(10, 3)
    cache.put("h1", "gtzan57", 1, v)
    cache.put("h1", "gtzan57", 1, m, variant="seg3")
    np.testing.assert_array_equal(cache.get("h1", "gtzan57", 1), v)
    np.testing.assert_array_equal(cache.get("h1", "gtzan57", 1, "seg3"), m)
    # every part of the key matters
    assert cache.get("h1", "gtzan57", 2) is None
    assert cache.get("h1", "mfcc13", 1) is None
    assert cache.get("h2", "gtzan57", 1) is None
    assert len(cache) == 2
    cache.close()
    # persisted across instances
    again = FeatureCache(tmp_path / "c.sqlite")
    np.testing.assert_array_equal(again.get("h1", "gtzan57", 1), v)


def test_non_finite_values_are_never_stored(tmp_path):
    cache = FeatureCache(tmp_path / "c.sqlite")
    cache.put("h", "fs", 1, np.array([1.0, np.nan]))
    cache.put("h", "fs", 1, np.array([]))
    assert cache.get("h", "fs", 1) is None and len(cache) == 0


def test_corrupt_database_is_moved_aside_and_rebuilt(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    path.write_bytes(os.urandom(8192))
    with caplog.at_level(logging.WARNING):
        cache = FeatureCache(path)
    assert cache.enabled
    assert any("moved it to" in w for w in cache.warnings)
    assert "moved it to" in caplog.text
    aside = list(tmp_path.glob("c.sqlite.corrupt-*"))
    assert len(aside) == 1
    cache.put("h", "fs", 1, np.ones(3))
    np.testing.assert_array_equal(cache.get("h", "fs", 1), np.ones(3))


def test_truncated_database_is_rebuilt(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = FeatureCache(path)
    for i in range(200):
        cache.put(f"h{i}", "fs", 1, np.full(100, float(i)))
    cache.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    cache = FeatureCache(path)  # must not raise
    assert cache.enabled
    cache.put("new", "fs", 1, np.ones(2))
    assert cache.get("new", "fs", 1) is not None


def test_foreign_sqlite_file_is_not_reused(tmp_path):
    path = tmp_path / "c.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE features (a TEXT)")
    conn.commit()
    conn.close()
    cache = FeatureCache(path)
    assert cache.enabled and cache.warnings
    cache.put("h", "fs", 1, np.ones(2))
    np.testing.assert_array_equal(cache.get("h", "fs", 1), np.ones(2))


def test_read_only_folder_degrades_to_no_cache(unprivileged):
    # as the user nobody (root writes anywhere): the folder is not theirs to write in
    ro = unprivileged.folder / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    got = unprivileged.call("tests.core.cache_probe:open_cache", ro / "sub" / "c.sqlite")
    assert got.type == "Report", got.message
    report = json.loads(got.message)
    assert report == {"enabled": False, "warnings": report["warnings"], "stored": False}
    assert len(report["warnings"]) == 1 and str(ro / "sub") in report["warnings"][0]
    assert not (ro / "sub").exists()


def test_unusable_location_degrades_to_no_cache(tmp_path):
    # works as root too: a regular file where the cache folder should be
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    cache = FeatureCache(blocker / "c.sqlite")
    assert not cache.enabled
    assert "will not be cached" in cache.warnings[0]
    cache.put("h", "fs", 1, np.ones(2))
    assert cache.get("h", "fs", 1) is None and len(cache) == 0


def test_read_only_database_file_degrades(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    FeatureCache(path).close()
    real_connect = sqlite3.connect

    def ro_connect(p, *a, **k):  # a read-only open, as on a read-only mount (root bypasses chmod)
        return real_connect(f"file:{p}?mode=ro", *a, uri=True, **k)

    monkeypatch.setattr(sqlite3, "connect", ro_connect)
    cache = FeatureCache(path)
    assert not cache.enabled and cache.warnings


def test_error_during_use_degrades_without_raising(tmp_path):
    cache = FeatureCache(tmp_path / "c.sqlite")
    cache.put("h", "fs", 1, np.ones(2))
    cache._conn.execute("DROP TABLE features")  # simulate the file going bad under us
    assert cache.get("h", "fs", 1) is None
    assert not cache.enabled and cache.warnings
    cache.put("h", "fs", 1, np.ones(2))  # still no exception


def test_threads_share_one_cache(tmp_path):
    cache = FeatureCache(tmp_path / "c.sqlite")
    errors = []

    def work(t):
        try:
            for i in range(50):
                cache.put(f"{t}-{i}", "fs", 1, np.full(4, float(i)))
                assert cache.get(f"{t}-{i}", "fs", 1)[0] == i
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(cache) == 200


def test_a_lock_held_by_another_process_skips_entries_but_keeps_the_cache(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = FeatureCache(path)
    cache.put("a", "fs", 1, np.ones(2))
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")  # as a second process writing would
    cache._conn.execute("PRAGMA busy_timeout=50")
    try:
        cache.put("b", "fs", 1, np.ones(2))  # must neither raise nor disable the cache
        assert cache.enabled and any("locked" in w for w in cache.warnings)
    finally:
        other.rollback()
        other.close()
    cache.put("c", "fs", 1, np.ones(2))
    assert cache.get("c", "fs", 1) is not None and cache.get("a", "fs", 1) is not None
