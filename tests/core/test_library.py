"""core.library: the walk, the streamed answers, resumability, the feature cache, a worker that dies,
cancel, exports and playlists parsed back; and the default model on real GTZAN clips giving the answers
``genre-gui-cli predict`` gives."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from genre_gui.core import library
from genre_gui.core.cache import FeatureCache
from genre_gui.core.library import (
    LibraryJob,
    LibraryState,
    TrackResult,
    analyse_file,
    iter_audio_files,
    read_results,
    write_csv,
    write_json,
    write_playlists,
)
from genre_gui.core.tags import plan_genre_tags, write_genre_tags
from tests.core.library_fixtures import tone_file, tone_pipeline


@pytest.fixture(scope="module")
def pipe():
    return tone_pipeline()


@pytest.fixture
def tree(tmp_path):
    """artist/album folders of tones in several formats, plus what a real library holds besides music."""
    root = tmp_path / "music"
    files = {
        "Low Artist/First/01 hum.m4a": (200.0, ".m4a"),
        "Low Artist/First/02 drone.wma": (250.0, ".wma"),
        "Low Artist/Second/01 bass.flac": (180.0, ".flac"),
        "High Artist/Album/01 whistle.mp3": (3000.0, ".mp3"),
        "High Artist/Album/02 flute.alac.m4a": (2600.0, ".alac.m4a"),
        "High Artist/Album/03 bird.opus": (2200.0, ".opus"),
    }
    expected = {}
    for rel, (freq, ext) in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        tone_file(p, freq, ext)
        expected[str(p)] = "low" if freq < 1000 else "high"
    (root / "High Artist/Album/cover.jpg").write_bytes(b"\xff\xd8\xff not audio")
    (root / "High Artist/Album/notes.txt").write_text("liner notes")
    (root / ".hidden").mkdir()
    tone_file(root / ".hidden/secret.flac", 200.0, ".flac")
    tone_file(root / "Low Artist/.skip.flac", 200.0, ".flac")
    return root, expected


def _run(job, **kw):
    return {r.path: r for r in job.run(**kw)}


def test_walk_skips_hidden_and_non_audio_and_cuts_link_loops(tree):
    root, expected = tree
    os.symlink(root, root / "Low Artist" / "loop")  # a folder link back to the top
    os.symlink("self.mp3", root / "self.mp3")  # a link to itself
    os.symlink(root / "gone.flac", root / "dangling.flac")
    skipped = []
    found = list(iter_audio_files([root], skipped=skipped))
    assert sorted(found) == sorted(expected)  # each once, in spite of the loop
    reasons = dict(skipped)
    assert "a loop" in reasons[str(root / "Low Artist" / "loop")]
    assert reasons[str(root / "self.mp3")] == "a symbolic link loop"
    assert reasons[str(root / "dangling.flac")] == "a broken symbolic link"


def test_non_utf8_names_are_kept_as_they_are(tmp_path, pipe):
    folder = os.fsencode(str(tmp_path)) + b"/caf\xe9"
    os.mkdir(folder)
    name = folder + b"/chanson \xe0 boire.flac"  # Latin-1, not UTF-8
    tone_file(os.fsdecode(name), 200.0, ".flac")
    (found,) = iter_audio_files([os.fsdecode(folder)])
    assert os.fsencode(found) == name
    (r,) = LibraryJob([os.fsdecode(folder)], pipe, n_jobs=0).run()
    assert r.ok and r.genre == "low" and os.fsencode(r.path) == name


def test_answers_stream_with_tags_and_match_predict_file(tree, pipe):
    root, expected = tree
    job = LibraryJob([root], pipe, n_jobs=2)
    calls = []
    results = _run(job, progress=lambda d, t, m: calls.append((d, t)))
    assert {p: r.genre for p, r in results.items()} == expected
    assert job.stats.found == 6 and job.stats.analysed == 6 and job.stats.failed == 0
    assert calls[-1] == (6, 6) and [d for d, _ in calls[1:]] == list(range(1, 7))
    for p, r in results.items():
        assert r.ok and r.analysed == "whole" and not r.unsure and not r.not_music
        pred = pipe.predict_file(p)  # the same windows, the same rule
        np.testing.assert_allclose([r.probabilities[c] for c in pipe.classes], pred.probabilities,
                                   rtol=0, atol=1e-12)
        assert r.headline == pred.headline() and r.n_windows == pred.n_segments
        assert r.top3[0] == (r.genre, pytest.approx(r.confidence))


def test_analyse_file_is_the_per_file_function(tree, pipe):
    root, _ = tree
    path = str(root / "Low Artist/First/01 hum.m4a")
    X = analyse_file(path, "mfcc13", 2.0)
    assert X.shape == (pipe.predict_file(path).n_segments, 13)


def test_bad_files_are_named_with_their_reasons_and_the_job_goes_on(tree, pipe, monkeypatch):
    root, expected = tree
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.mp3").touch()
    (bad / "letter.m4a").write_text("Dear Sir, this is not audio.\n" * 20)
    whole = tone_file(bad / "whole.m4a", 200.0, ".m4a")
    (bad / "cut.m4a").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole.unlink()
    walk = library.iter_audio_files

    def walk_then_delete(roots, skipped=None):  # a file deleted between the scan and its turn
        yield from walk(roots, skipped=skipped)
        yield str(root / "deleted.flac")

    monkeypatch.setattr(library, "iter_audio_files", walk_then_delete)
    job = LibraryJob([root], pipe, n_jobs=2)
    results = _run(job)
    assert {p: r.genre for p, r in results.items() if r.ok} == expected
    errors = {Path(p).name: r.error for p, r in results.items() if not r.ok}
    assert errors["empty.mp3"] == f"{bad / 'empty.mp3'}: the file is empty (0 bytes)"
    assert errors["letter.m4a"].startswith(f"{bad / 'letter.m4a'}: not a readable audio file (")
    assert errors["cut.m4a"].startswith(f"{bad / 'cut.m4a'}: ")
    assert errors["deleted.flac"] == f"{root / 'deleted.flac'}: no such file (deleted during the scan?)"
    assert job.stats.failed == 4


def test_a_file_that_kills_its_worker_is_failed_and_the_job_goes_on(tree, pipe, monkeypatch):
    """A real pool whose worker process exits (os._exit) on one file: that file is failed with the
    reason, every other file gets the answer it gets in this process."""
    from tests.core import library_crash_worker

    root, expected = tree
    crash = root / "crash_me.flac"
    tone_file(crash, 200.0, ".flac")
    reference = _run(LibraryJob([root], pipe, n_jobs=0))
    monkeypatch.setattr(library, "_worker_initializer", library_crash_worker.install)
    job = LibraryJob([root], pipe, n_jobs=2)
    results = _run(job)
    assert set(results) == set(reference)
    assert not results[str(crash)].ok
    assert "worker process died" in results[str(crash)].error and str(crash) in results[str(crash)].error
    for p in expected:
        assert results[p].ok and results[p].probabilities == reference[p].probabilities
    assert job.stats.failed == 1 and job.stats.analysed == 6


def test_second_run_only_does_new_or_changed_files(tree, pipe, tmp_path, monkeypatch):
    root, expected = tree
    state = tmp_path / "state.sqlite"
    analysed = []
    real = library._analyse
    monkeypatch.setattr(library, "_analyse", lambda p, *a: analysed.append(p) or real(p, *a))
    first = _run(LibraryJob([root], pipe, state=state, n_jobs=0))
    assert sorted(analysed) == sorted(expected)
    analysed.clear()
    job = LibraryJob([root], pipe, state=state, n_jobs=0)
    second = _run(job)
    assert analysed == [] and job.stats.reused == 6
    assert all(r.reused for r in second.values())
    assert {p: r.probabilities for p, r in second.items()} == {p: r.probabilities for p, r in first.items()}
    changed = root / "Low Artist/First/01 hum.m4a"
    tone_file(changed, 3100.0, ".m4a")  # replaced by a high tone
    new = tone_file(root / "High Artist/Album/04 new.flac", 2900.0, ".flac")
    job = LibraryJob([root], pipe, state=state, n_jobs=0)
    third = _run(job)
    assert sorted(analysed) == sorted([str(changed), str(new)])
    assert job.stats.reused == 5 and job.stats.analysed == 2
    assert third[str(changed)].genre == "high" and third[str(new)].genre == "high"


def test_tagging_does_not_make_files_new_again(tree, pipe, tmp_path):
    root, _ = tree
    state_path = tmp_path / "state.sqlite"
    job = LibraryJob([root], pipe, state=state_path, n_jobs=0)
    results = list(job.run())
    report = write_genre_tags(plan_genre_tags([(r.path, r.tag_genre) for r in results], "replace"),
                              tmp_path / "log.json")
    assert len(report.done) == 6  # m4a (AAC and ALAC), wma, flac, mp3, opus: each takes a genre tag
    with LibraryState(state_path) as state:
        assert state.refresh(report.done, job.model_key) == len(report.done)
    job = LibraryJob([root], pipe, state=state_path, n_jobs=0)
    again = list(job.run())
    assert job.stats.reused == 6 and job.stats.analysed == 0
    assert {r.tags.genre for r in again if r.path in report.done} == {"low", "high"}


def test_the_feature_cache_spares_decoding(tree, pipe, tmp_path):
    root, _ = tree
    with FeatureCache(tmp_path / "features.sqlite") as cache:
        first = _run(LibraryJob([root], pipe, cache=cache, n_jobs=2))
        job = LibraryJob([root], pipe, cache=cache, n_jobs=2)
        second = _run(job)
    assert job.stats.cached == 6 and job.stats.analysed == 0
    for p, r in second.items():
        assert r.cached and r.probabilities == first[p].probabilities and r.analysed == "whole"


def test_cancel_then_resume(tree, pipe, tmp_path):
    root, expected = tree
    state = tmp_path / "state.sqlite"
    got = []

    job = LibraryJob([root], pipe, state=state, n_jobs=0)
    for r in job.run(cancel=lambda: len(got) >= 2):
        got.append(r)
    assert job.stats.cancelled and len(got) == 2
    job = LibraryJob([root], pipe, state=state, n_jobs=0)
    rest = list(job.run())
    assert job.stats.reused == 2 and job.stats.analysed == 4
    assert {r.path for r in rest} == set(expected)


def test_long_tracks_are_analysed_by_three_excerpts(tmp_path, pipe):
    path = tone_file(tmp_path / "long.m4a", 250.0, ".m4a", seconds=75.0)
    (r,) = LibraryJob([path], pipe, n_jobs=0).run()
    assert r.ok and r.genre == "low"
    assert r.analysed == "3 x 10 s at 25%/50%/75%" and r.n_windows == 15  # 5 windows of 2 s in each


def test_csv_and_json_exports_read_back(tree, pipe, tmp_path):
    root, _ = tree
    odd = os.fsdecode(os.fsencode(str(root)) + b"/\xe9t\xe9.flac")
    tone_file(odd, 2800.0, ".flac")
    (root / "broken.mp3").write_bytes(b"\0" * 64)
    results = sorted(LibraryJob([root], pipe, n_jobs=2).run(), key=lambda r: os.fsencode(r.path))
    write_csv(results, tmp_path / "r.csv")
    raw = (tmp_path / "r.csv").read_bytes()
    assert b"/\xe9t\xe9.flac" in raw  # the name's own bytes
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8", "surrogateescape"))))
    assert [row["file"] for row in rows] == [r.path for r in results]
    for row, r in zip(rows, results):
        assert row["status"] == ("ok" if r.ok else "failed")
        assert row["genre"] == (r.genre or "") and row["answer"] == r.headline
        if r.ok:
            assert float(row["confidence"]) == pytest.approx(r.confidence, abs=1e-4)
            assert row["top1"] == r.top3[0][0]
        else:
            assert row["error"] == r.error
    write_json(results, tmp_path / "r.json", extra={"model": "tones"})
    assert json.loads((tmp_path / "r.json").read_text())["model"] == "tones"
    back = read_results(tmp_path / "r.json")
    assert [b.to_json() for b in back] == [r.to_json() for r in results]
    assert os.fsencode(back[-1].path).endswith(b"/\xe9t\xe9.flac")


def test_playlists_parse_back(tree, pipe, tmp_path):
    root, expected = tree
    odd = os.fsdecode(os.fsencode(str(root)) + b"/\xe9t\xe9.flac")
    tone_file(odd, 2800.0, ".flac")
    expected[odd] = "high"
    results = list(LibraryJob([root], pipe, n_jobs=2).run())
    unsure = TrackResult(str(root / "x.flac"), True, genre="low", unsure=True)
    out = tmp_path / "lists"
    written = write_playlists([*results, unsure], out)
    assert set(written) == {"low", "high"}
    for genre, playlist in written.items():
        assert playlist == out / f"{genre}.m3u8"
        lines = playlist.read_bytes().decode("utf-8", "surrogateescape").splitlines()
        assert lines[0] == "#EXTM3U"
        entries = [ln for ln in lines if ln and not ln.startswith("#")]
        assert all(not os.path.isabs(e) for e in entries)
        resolved = {os.path.normpath(os.path.join(out, e)) for e in entries}
        assert resolved == {p for p, g in expected.items() if g == genre}
    assert "x.flac" not in written["low"].read_text(errors="replace")  # unsure answers stay out
    with_unsure = write_playlists([*results, unsure], tmp_path / "lists2", include_unsure=True)
    assert "x.flac" in with_unsure["low"].read_text(errors="replace")


def test_a_corrupt_state_file_is_moved_aside(tree, pipe, tmp_path):
    root, _ = tree
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"this is not a database" * 100)
    job = LibraryJob([root], pipe, state=state, n_jobs=0)
    assert len(list(job.run())) == 6
    assert list(tmp_path.glob("state.sqlite.corrupt-*"))


def test_a_folder_with_no_audio(tmp_path, pipe):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("nothing to hear")
    job = LibraryJob([tmp_path], pipe, n_jobs=2)
    assert list(job.run()) == [] and job.stats.found == 0


@pytest.mark.shared_data
@pytest.mark.slow
def test_default_model_on_gtzan_clips_answers_as_predict(gtzan_clip_paths, tmp_path, capsys):
    """The real default model through the library job (a process pool, the cache, an .m4a copy decoded
    by FFmpeg) gives every clip the answer `genre-gui-cli predict` gives."""
    import soundfile as sf

    from genre_gui import cli
    from genre_gui.assets import DEFAULT_MODEL
    from genre_gui.core.persistence import load_pipeline
    from tests.core.encoded_audio import encode

    clips = [gtzan_clip_paths[i] for i in (0, 17, 26, 45)]  # blues, country, disco, rock
    folder = tmp_path / "gtzan"
    folder.mkdir()
    for c in clips:
        shutil.copy(c, folder / c.name)
    y, sr = sf.read(clips[1], dtype="float32", always_2d=True)
    m4a = encode(folder / "country_as_aac.m4a", np.ascontiguousarray(np.repeat(y.T, 2, axis=0)[:2]), sr,
                 "ipod", "aac")
    files = sorted([str(folder / c.name) for c in clips] + [str(m4a)])
    assert cli.main(["-q", "predict", *files, "--json"]) == 0
    predicted = {d["file"]: d for d in json.loads(capsys.readouterr().out)}
    pipe = load_pipeline(DEFAULT_MODEL)
    with FeatureCache(tmp_path / "cache.sqlite") as cache:
        results = _run(LibraryJob([folder], pipe, cache=cache, n_jobs=2))
    assert set(results) == set(files)
    worst = 0.0
    for f in files:
        r, d = results[f], predicted[f]
        assert r.ok and r.genre == d["genre"] and r.headline == d["answer"]
        assert r.unsure == d["unsure"] and r.not_music == d["not_music"]
        worst = max(worst, *(abs(r.probabilities[c] - p) for c, p in d["probabilities"].items()))
    # the same windows and the same rule; the embedding runs in a single-threaded BLAS worker here and
    # in this process for predict, so the sums round differently: measured 2.5e-8 at most
    assert worst < 2.5e-7, worst


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


def test_a_pool_that_cannot_start_falls_back_to_this_process(tree, pipe, monkeypatch, caplog):
    from genre_gui.core import batch

    root, expected = tree
    monkeypatch.setattr(library, "ProcessPoolExecutor", _BrokenAtStart)
    monkeypatch.setattr(batch, "ProcessPoolExecutor", _BrokenAtStart)
    results = _run(LibraryJob([root], pipe, n_jobs=2))
    assert {p: r.genre for p, r in results.items()} == expected
    assert "analysing in this process" in caplog.text


def test_a_file_replaced_during_the_run_is_analysed_again_next_time(tree, pipe, tmp_path, monkeypatch):
    """Replaced after it was looked at and before it was decoded: the answer is of the new content, and
    the state keeps the old size and time, so the next run does it again rather than trust it."""
    root, _ = tree
    victim = str(root / "Low Artist/First/01 hum.m4a")
    state = tmp_path / "state.sqlite"
    real = library._analyse
    analysed = []

    def replace_then_analyse(p, *a):
        if p == victim and victim not in analysed:
            tone_file(p, 3100.0, ".m4a", seconds=4.0)
        analysed.append(p)
        return real(p, *a)

    monkeypatch.setattr(library, "_analyse", replace_then_analyse)
    first = _run(LibraryJob([root], pipe, state=state, n_jobs=0))
    assert first[victim].genre == "high"
    analysed.clear()
    job = LibraryJob([root], pipe, state=state, n_jobs=0)
    second = _run(job)
    assert analysed == [victim] and job.stats.reused == 5 and second[victim].genre == "high"
