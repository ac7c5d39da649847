"""extract_batch on real GTZAN clips: pool == in-process == direct extraction, cache, cancel, failures."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from genre_gui.core import batch
from genre_gui.core.audio_io import load_audio
from genre_gui.core.batch import ExtractionCancelled, extract_batch, split_segments
from genre_gui.core.cache import FeatureCache
from genre_gui.core.errors import FeatureError
from genre_gui.core.features import get_feature_set


@pytest.fixture(scope="module")
def clips(gtzan_clip_paths):
    # one clip of each of 4 genres
    return [str(p) for p in gtzan_clip_paths[::12][:4]]


@pytest.fixture(scope="module")
def direct_mfcc(clips):
    fs = get_feature_set("mfcc13")
    return np.stack([fs.extract(load_audio(p), 22050) for p in clips])


@pytest.fixture
def bad_files(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "text.wav"
    text.write_text("not audio at all\n" * 50)
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    return [str(tmp_path / "missing.wav"), str(empty), str(text), str(folder)]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_matches_direct_extraction(clips, direct_mfcc, n_jobs):
    X, ok, failures = extract_batch(clips, "mfcc13", n_jobs=n_jobs)
    assert failures == [] and ok == clips
    np.testing.assert_array_equal(X, direct_mfcc)


def test_gtzan57_in_the_pool_equals_in_process(clips):
    fs = get_feature_set("gtzan57")
    X, ok, failures = extract_batch(clips[:3], fs, n_jobs=2)  # a feature set object is accepted too
    assert X.shape == (3, 57) and failures == []
    # workers run single-threaded BLAS, this process multi-threaded: sums may round differently
    np.testing.assert_allclose(X[1], fs.extract(load_audio(clips[1]), 22050), rtol=1e-9, atol=0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_failures_are_collected_not_fatal(clips, direct_mfcc, bad_files, n_jobs):
    paths = [clips[0], *bad_files, clips[1]]
    X, ok, failures = extract_batch(paths, "mfcc13", n_jobs=n_jobs)
    assert ok == [clips[0], clips[1]]
    np.testing.assert_array_equal(X, direct_mfcc[:2])
    assert [p for p, _ in failures] == bad_files
    reasons = dict(failures)
    for p in bad_files:
        assert p in reasons[p]
    assert "no such file" in reasons[bad_files[0]]
    assert "empty" in reasons[bad_files[1]]
    assert "not a readable audio file" in reasons[bad_files[2]]
    assert "folder" in reasons[bad_files[3]]


def test_all_failing_gives_an_empty_matrix(bad_files):
    X, ok, failures = extract_batch(bad_files, "mfcc13", n_jobs=2)
    assert X.shape == (0, 13) and ok == [] and len(failures) == len(bad_files)


def test_progress_reports_every_file(clips, bad_files):
    calls = []
    extract_batch([*clips[:2], *bad_files], "mfcc13", n_jobs=2, progress=lambda *a: calls.append(a))
    total = 2 + len(bad_files)
    assert calls[0] == (0, total, "starting")
    assert [c[0] for c in calls[1:]] == list(range(1, total + 1))
    assert all(c[1] == total and isinstance(c[2], str) for c in calls)


def test_cache_hits_skip_decoding(tmp_path, clips, direct_mfcc, monkeypatch):
    cache = FeatureCache(tmp_path / "c.sqlite")
    X1, _, _ = extract_batch(clips, "mfcc13", cache=cache, n_jobs=2)
    assert len(cache) == len(clips)

    def boom(*a, **k):  # any decode now would fail the test
        raise AssertionError("cached files must not be decoded")

    monkeypatch.setattr(batch, "_worker", boom)
    X2, ok, failures = extract_batch(clips, "mfcc13", cache=cache, n_jobs=2)
    assert failures == [] and ok == clips
    np.testing.assert_array_equal(X2, direct_mfcc)
    np.testing.assert_array_equal(X1, X2)


def test_cache_key_includes_feature_set_and_segments(tmp_path, clips):
    cache = FeatureCache(tmp_path / "c.sqlite")
    extract_batch(clips[:1], "mfcc13", cache=cache, n_jobs=1)
    X, _, _ = extract_batch(clips[:1], "fft1000", cache=cache, n_jobs=1)
    assert X.shape == (1, 1000)
    Xs, ok, _ = extract_batch(clips[:1], "mfcc13", cache=cache, n_jobs=1, segment_seconds=10)
    assert Xs.shape == (3, 13) and ok == clips[:1] * 3
    assert len(cache) == 3


def test_segment_mode_rows_equal_extraction_of_slices(clips):
    fs = get_feature_set("mfcc13")
    X, ok, failures = extract_batch(clips[:2], "mfcc13", n_jobs=1, segment_seconds=3)
    assert X.shape == (20, 13) and failures == []
    assert ok == [clips[0]] * 10 + [clips[1]] * 10
    y = load_audio(clips[1])
    seg = y[3 * 66150:4 * 66150]
    np.testing.assert_array_equal(X[13], fs.extract(seg, 22050))


def test_split_segments():
    y = np.arange(100)
    assert [len(s) for s in split_segments(y, 10, 3.0)] == [30, 30, 30]
    assert len(split_segments(y, 10, 20.0)) == 1  # shorter than one segment: the whole clip
    with pytest.raises(ValueError):
        split_segments(y, 10, 0)


def test_cancel_stops_between_files_and_keeps_finished_work(tmp_path, clips):
    cache = FeatureCache(tmp_path / "c.sqlite")
    seen = []

    def progress(done, total, msg):
        seen.append(done)

    with pytest.raises(ExtractionCancelled) as ei:
        extract_batch(clips, "mfcc13", cache=cache, n_jobs=1, progress=progress,
                      cancel=lambda: len(seen) >= 2)
    assert ei.value.done == 1 and ei.value.total == len(clips)
    assert len(cache) == 1  # the finished file is cached: a restart resumes


def test_cancel_with_the_pool(clips):
    with pytest.raises(ExtractionCancelled) as ei:
        extract_batch(clips * 3, "mfcc13", n_jobs=2, cancel=lambda: True)
    assert ei.value.done == 0


def test_threading_event_style_cancel(clips):
    ev = threading.Event()
    ev.set()
    with pytest.raises(ExtractionCancelled):
        extract_batch(clips, "mfcc13", n_jobs=2, cancel=ev.is_set)


def test_works_from_a_worker_thread(clips, direct_mfcc):
    out = {}

    def run():
        out["result"] = extract_batch(clips, "mfcc13", n_jobs=2)

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=300)
    assert not t.is_alive()
    X, ok, failures = out["result"]
    np.testing.assert_array_equal(X, direct_mfcc)


@pytest.mark.timeout(120)
def test_ten_thousand_empty_files_are_quick_failures(tmp_path):
    paths = []
    for i in range(10_000):
        p = tmp_path / f"{i:05d}.wav"
        p.touch()
        paths.append(str(p))
    X, ok, failures = extract_batch(paths, "gtzan57", n_jobs=2)
    assert X.shape == (0, 57) and len(failures) == 10_000
    assert all("empty" in r for _, r in failures[:10])


def test_unknown_feature_set(clips):
    with pytest.raises(FeatureError):
        extract_batch(clips, "nope")


class _BrokenAtStart:
    """Stands in for a process pool whose workers cannot start (e.g. an unguarded __main__)."""

    def __init__(self, *a, **k):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, *a, **k):
        from concurrent.futures.process import BrokenProcessPool

        raise BrokenProcessPool("cannot start workers")

    def shutdown(self, *a, **k):
        pass


def test_pool_that_cannot_start_falls_back_to_this_process(clips, direct_mfcc, monkeypatch, caplog):
    monkeypatch.setattr(batch, "ProcessPoolExecutor", _BrokenAtStart)
    X, ok, failures = extract_batch(clips, "mfcc13", n_jobs=2)
    assert failures == [] and ok == clips
    np.testing.assert_array_equal(X, direct_mfcc)
    assert "extracting in this process" in caplog.text


def test_a_worker_that_really_dies_fails_only_its_file(clips, direct_mfcc, monkeypatch, tmp_path):
    """A real pool whose worker process exits on one file: a broken pool fails every future in flight,
    so the innocent ones are retried alone and only the file that kills its worker is reported."""
    import shutil

    from tests.core import crash_worker

    crash = tmp_path / "crash_me.flac"
    shutil.copy(clips[0], crash)
    monkeypatch.setattr(batch, "init_background_worker", crash_worker.install)
    paths = [clips[0], clips[1], str(crash), clips[2], clips[3]]
    X, ok, failures = extract_batch(paths, "mfcc13", n_jobs=2)
    assert [p for p, _ in failures] == [str(crash)]
    assert "worker process died" in failures[0][1] and str(crash) in failures[0][1]
    assert ok == clips
    np.testing.assert_array_equal(X, direct_mfcc)


def test_pool_workers_run_single_threaded_blas():
    # two workers each starting a BLAS thread per core oversubscribe a 2-core machine
    import os
    from concurrent.futures import ProcessPoolExecutor

    if os.environ.get("OPENBLAS_NUM_THREADS") not in (None, "1"):
        pytest.skip("the user's explicit OPENBLAS_NUM_THREADS wins")
    with ProcessPoolExecutor(1, mp_context=batch._pool_context()) as pool:
        assert pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result(timeout=60) == "1"
