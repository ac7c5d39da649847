"""File > Classify a Music Library…: the library job in the GUI, on real GTZAN clips and the real default
model: the run from the action to the end, the table against core.library's answers, filters and search,
pause and cancel, the tag preview, writing and undoing tags (read back with mutagen), and the exports."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.timeout(600)

#: (genre folder, clip number, artist folder, tags written before the run: artist, title, existing genre)
CLIPS = (("blues", "00000", "Muddy", ("Muddy Waters", "Hoochie Coochie", None)),
         ("classical", "00000", "Bach", ("J. S. Bach", "Air", "Baroque")),
         ("jazz", "00000", "Miles", ("Miles Davis", "So What", None)),
         ("metal", "00000", "Metallica", ("Metallica", "One", None)),
         ("reggae", "00000", "Marley", ("Bob Marley", "Jamming", None)))


def _tag(path: Path, artist: str, title: str, genre: str | None) -> None:
    from mutagen.flac import FLAC

    f = FLAC(str(path))
    f["ARTIST"], f["TITLE"], f["ALBUM"] = artist, title, "Test Album"
    if genre:
        f["GENRE"] = genre
    f.save()


def make_library(root: Path, clips_dir: Path, clips=CLIPS) -> tuple[Path, list[Path]]:
    """A small library: FLAC clips in artist folders with tags, a zero-byte "song", a text file and a
    hidden file (both skipped)."""
    music = root / "music"
    files = []
    for genre, number, folder, (artist, title, existing) in clips:
        dest = music / folder / f"{genre}.{number}.flac"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clips_dir / genre / f"{genre}.{number}.flac", dest)
        _tag(dest, artist, title, existing)
        files.append(dest)
    (music / "broken").mkdir()
    empty = music / "broken" / "empty.mp3"
    empty.write_bytes(b"")
    files.append(empty)
    (music / "notes.txt").write_text("not audio")
    (music / ".hidden.flac").write_bytes(b"x")
    return music, files


@pytest.fixture(scope="module")
def default_pipeline():
    from genre_gui.assets import DEFAULT_MODEL
    from genre_gui.core.persistence import load_pipeline

    return load_pipeline(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, gtzan_clips_dir, default_pipeline):
    """core.library's answers for the library (in this process, no cache, no state): what the GUI
    must show."""
    from genre_gui.core.library import LibraryJob

    music, files = make_library(tmp_path_factory.mktemp("reference"), gtzan_clips_dir)
    results = list(LibraryJob([music], default_pipeline, n_jobs=0).run())
    assert len(results) == len(files)
    return {os.path.relpath(r.path, music): r for r in results}


@pytest.fixture
def library(tmp_path, gtzan_clips_dir):
    return make_library(tmp_path, gtzan_clips_dir)


def _wait_finished(qtbot, w, timeout=300000):
    with qtbot.waitSignal(w.jobs.library_finished, timeout=timeout) as blocker:
        pass
    return blocker.args[0]


def _fed_window(qtbot, reference, music: Path, play=None):
    """A LibraryWindow showing the reference answers (moved to ``music``), without running the job."""
    import dataclasses

    from genre_gui.ui.jobs import JobController
    from genre_gui.ui.library_window import LibraryWindow
    from genre_gui.ui.state import AppState
    from genre_gui.workers.library import TrackBatch

    state = AppState()
    jobs = JobController(state, None)
    win = LibraryWindow(jobs, state, play)
    qtbot.addWidget(win)
    win._keep = (state, jobs)
    tracks = tuple(dataclasses.replace(r, path=str(music / rel)) for rel, r in sorted(reference.items()))
    win._on_tracks(TrackBatch(tracks))
    win.roots = [str(music)]
    win._update_buttons()
    return win


def _preview(qtbot, win, policy="missing"):
    """The tag preview once its worker has read the files' tags (its table filled)."""
    dialog = win.tag_preview(policy)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=60000)
    return dialog


def _write_tags(qtbot, win, plan):
    """Write ``plan`` (None: undo the last tagging) in the window's worker, as its buttons do, and return
    the report once done; the GUI thread never opens a file to write its tags."""
    import threading

    from genre_gui.core import tags

    gui, writers = threading.get_ident(), []
    original = tags._apply

    def recording(*args, **kwargs):
        writers.append(threading.get_ident())
        return original(*args, **kwargs)

    tags._apply = recording
    try:
        with qtbot.waitSignal(win.tags_done, timeout=60000) as blocker:
            worker = win.apply_tags(plan) if plan is not None else win.undo_last_tagging()
            assert worker is not None and win.tagging and not win.tags_button.isEnabled()
    finally:
        tags._apply = original
    assert writers and gui not in writers
    assert not win.tagging and win.tags_button.isEnabled()
    return blocker.args[0].report


def _rows(win) -> list[dict]:
    from genre_gui.ui.library_window import COLUMNS

    p = win.proxy
    return [{COLUMNS[c]: p.index(i, c).data() for c in range(len(COLUMNS))} for i in range(p.rowCount())]


# -- the run -----------------------------------------------------------------------------------------------
def test_action_runs_the_job_and_the_table_shows_core_answers(make_window, qtbot, monkeypatch, library,
                                                              reference, default_pipeline):
    from genre_gui.ui import dialogs

    music, files = library
    w = make_window(load_defaults=False)
    w.state.set_pipeline(default_pipeline, "musicnn (default)")
    assert w.library_job_action.shortcut().toString() == "Ctrl+Shift+M"
    assert w.library_job_action in w.menuBar().actions()[0].menu().actions()
    monkeypatch.setattr(dialogs, "choose_folder", lambda *a: str(music))
    progress = []
    w.jobs.library_progressed.connect(progress.append)
    with qtbot.waitSignal(w.jobs.library_finished, timeout=300000) as blocker:
        w.library_job_action.trigger()
    run = blocker.args[0]
    win = w.library_window
    assert win is not None and win.isVisible() and not win.isModal()
    assert not run.cancelled
    assert run.stats.found == len(files) == 6
    assert win.model.rowCount() == len(files)  # one row per file; the text and hidden files are not rows
    assert {r.path for r in win.model.results} == {str(f) for f in files}
    # the same answers as core.library gives
    for r in win.model.results:
        ref = reference[os.path.relpath(r.path, music)]
        assert r.ok == ref.ok
        assert r.genre == ref.genre
        assert r.confidence == pytest.approx(ref.confidence, abs=1e-6)
        assert (r.unsure, r.not_music) == (ref.unsure, ref.not_music)
        assert r.tags == ref.tags
    # the table says it too
    rows = {row["File"]: row for row in _rows(win)}
    assert set(rows) == {f.name for f in files}
    bach = rows["classical.00000.flac"]
    ref = reference[os.path.join("Bach", "classical.00000.flac")]
    assert (bach["Artist"], bach["Title"], bach["Album"], bach["Existing genre"]) == (
        "J. S. Bach", "Air", "Test Album", "Baroque")
    assert bach["Predicted genre"] == ref.genre
    assert bach["Confidence"] == f"{100 * ref.confidence:.0f} %"
    assert rows["empty.mp3"]["Note"].startswith("failed")
    assert rows["empty.mp3"]["Predicted genre"] == ""
    assert rows["empty.mp3"]["Confidence"] == ""
    # progress went out with files/s, the last one complete; the summary says what happened
    assert progress and progress[-1].done == progress[-1].total == len(files)
    assert any("files/s" in p.message for p in progress)
    assert "Classified 5 of 6" in win.progress.label.text()
    assert win.csv_button.isEnabled() and win.tags_button.isEnabled()

    # a second run over the unchanged tree reuses every answer (the state next to the cache)
    with qtbot.waitSignal(w.jobs.library_finished, timeout=120000) as blocker:
        w.library_job_action.trigger()
    again = blocker.args[0]
    assert again.stats.reused == len(files) and again.stats.analysed == 0
    assert win.model.rowCount() == len(files)
    assert {r.path: r.genre for r in again.results} == {r.path: r.genre for r in run.results}

    # tags written from the window keep the answers (the audio is unchanged): the next run reuses them,
    # with the new tags; then undo
    report = _write_tags(qtbot, win, _preview(qtbot, win, "replace").plan)
    assert report.done and not report.failed
    with qtbot.waitSignal(w.jobs.library_finished, timeout=120000) as blocker:
        w.library_job_action.trigger()
    third = blocker.args[0]
    assert third.stats.reused == len(files) and third.stats.analysed == 0
    tagged = {r.path: r for r in third.results if r.path in report.done}
    assert tagged and all(r.tags.genre == r.genre for r in tagged.values())
    assert _write_tags(qtbot, win, None).done


def test_no_audio_model_says_so_and_starts_nothing(make_window, qtbot, monkeypatch, library):
    from genre_gui.ui import dialogs

    music, _ = library
    w = make_window(load_defaults=False)
    monkeypatch.setattr(dialogs, "choose_folder", lambda *a: str(music))
    w.library_job_action.trigger()
    assert not w.jobs.library_running
    assert "Load a model" in w.library_window.status.text()


def test_pause_then_cancel_stops_the_job(make_window, qtbot, tmp_path, gtzan_clips_dir, default_pipeline):
    clips = tuple((g, f"0000{i}", f"{g}{i}", ("A", "T", None))
                  for g in ("blues", "jazz", "rock") for i in range(3))
    music, files = make_library(tmp_path, gtzan_clips_dir, clips)
    w = make_window(load_defaults=False, cache_path="")
    w.state.set_pipeline(default_pipeline, "musicnn (default)")
    from genre_gui.ui.library_window import LibraryWindow

    got = []
    w.jobs.tracks_received.connect(lambda b: got.extend(b.tracks))
    win = LibraryWindow(w.jobs, w.state, parent=w)
    win.show()
    assert win.start([str(music)], n_jobs=0)  # in the worker thread: one file at a time
    # the empty file fails at once; then time one real file, to know how long a pause must last to tell
    import time

    qtbot.waitUntil(lambda: len(got) >= 2, timeout=120000)
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: len(got) >= 3, timeout=120000)
    per_file = time.monotonic() - t0
    qtbot.mouseClick(win.pause_button, Qt.MouseButton.LeftButton)
    n_at_pause = len(got)
    assert win.pause_button.isChecked() and win.pause_button.text() == "Resume"
    assert w.jobs._library_worker.paused
    qtbot.wait(int(1000 * min(60.0, max(4.0, 3.5 * per_file))))  # unpaused, a few files would end
    assert len(got) <= n_at_pause + 1, "tracks kept coming while paused (only the file in progress may end)"
    n_paused = len(got)
    qtbot.mouseClick(win.pause_button, Qt.MouseButton.LeftButton)  # resume
    assert win.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(got) > n_paused, timeout=120000)
    with qtbot.waitSignal(w.jobs.library_finished, timeout=60000) as blocker:
        win.progress.cancel_button.click()
    run = blocker.args[0]
    assert run.cancelled
    assert 1 <= len(run.results) < len(files)
    assert win.model.rowCount() == len(run.results)
    assert "Cancelled" in win.progress.label.text()
    assert not w.jobs.library_running


def test_closing_the_window_stops_its_job(make_window, qtbot, library, default_pipeline):
    from genre_gui.ui.library_window import LibraryWindow

    music, files = library
    w = make_window(load_defaults=False, cache_path="")
    w.state.set_pipeline(default_pipeline, "musicnn (default)")
    win = LibraryWindow(w.jobs, w.state, parent=w)
    win.show()
    got = []
    w.jobs.tracks_received.connect(lambda b: got.extend(b.tracks))
    assert win.start([str(music)], n_jobs=0)
    qtbot.waitUntil(lambda: len(got) >= 1, timeout=120000)
    with qtbot.waitSignal(w.jobs.library_finished, timeout=60000) as blocker:
        win.close()
    assert blocker.args[0].cancelled and len(blocker.args[0].results) < len(files)


def test_a_paused_worker_waits_between_files_until_resumed_or_cancelled():
    """Deterministic: the job's cancel poll blocks while paused (the core job polls it between files)."""
    import threading

    from genre_gui.workers.library import LibraryRequest, LibraryWorker

    worker = LibraryWorker(LibraryRequest(("nowhere",), None))
    assert worker._should_stop() is False
    for end, expected in ((worker.resume, False), (worker.cancel, True)):
        worker.pause()
        answers = []
        t = threading.Thread(target=lambda answers=answers: answers.append(worker._should_stop()))
        t.start()
        t.join(0.6)
        assert t.is_alive() and answers == [], "the paused job went on"
        end()
        t.join(5)
        assert answers == [expected]


def test_tracks_are_batched_at_most_30_signals_per_second_and_none_is_held_back(monkeypatch):
    """500 answers at once (a resumed run) arrive in a few batches, all of them, in order; a track
    followed by a slow file is not held back until that file ends."""
    import time

    from genre_gui.core import library
    from genre_gui.core.library import LibraryStats, TrackResult
    from genre_gui.workers.library import LibraryRequest, LibraryWorker

    class FakeJob:
        slow_after = None

        def __init__(self, roots, pipeline, **kw):
            self.model_key, self.stats = "k", LibraryStats()

        def run(self, progress, cancel):
            n = 500
            for i in range(n):
                progress(i + 1, n, f"f{i}")
                yield TrackResult(f"/x/f{i:03d}.flac", True, genre="jazz", confidence=0.9)
                if i == FakeJob.slow_after:
                    t_end = time.monotonic() + 1.0
                    while time.monotonic() < t_end:  # a slow file: the job polls cancel meanwhile
                        cancel()
                        time.sleep(0.05)
            self.stats.found = n

    monkeypatch.setattr(library, "LibraryJob", FakeJob)
    worker = LibraryWorker(LibraryRequest(("/x",), None, None, None, 0))
    batches = []
    worker.tracks_received.connect(lambda b: batches.append((time.monotonic(), b)))
    t0 = time.monotonic()
    run = worker.work()
    elapsed = time.monotonic() - t0
    paths = [r.path for _, b in batches for r in b.tracks]
    assert paths == [r.path for r in run.results] and len(paths) == 500
    assert len(batches) <= 2 + 30 * elapsed
    assert batches[-1][1].progress.done == 500

    FakeJob.slow_after = 1  # two tracks (the second within the throttle's interval), then a 1-second file
    worker = LibraryWorker(LibraryRequest(("/x",), None, None, None, 0))
    batches.clear()
    worker.tracks_received.connect(lambda b: batches.append((time.monotonic(), b)))
    t0 = time.monotonic()
    worker.work()
    second = next(t for t, b in batches if any(r.path == "/x/f001.flac" for r in b.tracks))
    assert second - t0 < 0.5, "the second track waited for the slow file"


# -- the table ---------------------------------------------------------------------------------------------
def test_filters_and_search_reduce_the_rows(qtbot, tmp_path, reference):
    music = tmp_path / "music"
    played = []
    win = _fed_window(qtbot, reference, music, played.append)
    results = list(reference.values())
    n = len(results)
    assert win.proxy.rowCount() == n
    genres = [win.genre_combo.itemText(i) for i in range(win.genre_combo.count())]
    assert genres[0] == "All genres" and "(failed)" in genres
    for g in {r.genre for r in results if r.ok}:
        assert g in genres
        win.genre_combo.setCurrentText(g)
        assert win.proxy.rowCount() == sum(r.ok and r.genre == g for r in results)
        assert all(row["Predicted genre"] == g for row in _rows(win))
    win.genre_combo.setCurrentText("(failed)")
    assert [row["File"] for row in _rows(win)] == ["empty.mp3"]
    win.genre_combo.setCurrentText("All genres")
    assert win.proxy.rowCount() == n

    # minimum confidence: only the answers at least that sure
    cut = sorted(r.confidence for r in results if r.ok)[2]
    win.min_confidence.setValue(100 * cut - 0.4)
    expected = sum(r.ok and r.confidence >= win.min_confidence.value() / 100 for r in results)
    assert 0 < win.proxy.rowCount() == expected < n
    win.min_confidence.setValue(0)

    # search: artist, title, file name, existing genre; every word must match; case-insensitive
    win.search.setText("miles")
    assert [row["Artist"] for row in _rows(win)] == ["Miles Davis"]
    win.search.setText("baroque")
    assert [row["Title"] for row in _rows(win)] == ["Air"]
    win.search.setText("test album one")
    assert [row["Artist"] for row in _rows(win)] == ["Metallica"]
    win.search.setText("nothing like this")
    assert win.proxy.rowCount() == 0
    assert win.count_label.text() == f"0 of {n} file(s)"
    win.search.clear()
    assert win.proxy.rowCount() == n

    # sorting by confidence, both ways (failed rows last ascending... first: they sort as -1)
    win.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    shown = win.visible_results()
    confidences = [r.confidence if r.ok else -1 for r in shown]
    assert confidences == sorted(confidences, reverse=True)

    # double-click plays the row's file
    index = win.proxy.index(0, 0)
    win.table.doubleClicked.emit(index)
    assert played == [shown[0].path]


# -- tags and exports --------------------------------------------------------------------------------------
def test_tag_preview_write_and_undo_round_trip(qtbot, library, reference):
    from mutagen.flac import FLAC

    from genre_gui.ui.library_window import last_tag_log, tag_log_folder

    music, files = library
    import pwd

    home = Path(os.environ["HOME"]).resolve()
    assert home != Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()  # the tests' temporary home
    assert tag_log_folder().resolve().is_relative_to(home)  # never the user's real data folder
    win = _fed_window(qtbot, reference, music)
    confident = {r.path: r.tag_genre for r in win.model.results if r.tag_genre}
    assert confident, "the default model should be sure of some of these clips"

    def genre_of(path):
        return FLAC(path).get("GENRE")

    before = {str(f): genre_of(str(f)) for f in files if f.suffix == ".flac"}
    # the preview lists every change of the plan, and writes nothing
    dialog = _preview(qtbot, win, "missing")
    plan = dialog.plan
    t = dialog.table
    listed = [(t.item(i, 0).toolTip(), t.item(i, 2).text(), t.item(i, 3).text()) for i in range(t.rowCount())]
    expected = [(p, "(none)", g) for p, g in sorted(confident.items()) if before[p] is None]
    assert sorted(listed) == sorted(expected)
    assert dialog.write_button.isEnabled()
    assert {str(f): genre_of(str(f)) for f in files if f.suffix == ".flac"} == before
    bach = str(music / "Bach" / "classical.00000.flac")
    if bach in confident:  # the existing genre is kept under "missing", replaced under "replace"
        assert bach not in [c.path for c in plan.changes]
        dialog.set_policy("replace")
        assert bach in [c.path for c in dialog.plan.changes]
        row = [dialog.table.item(i, 0).toolTip() for i in range(dialog.table.rowCount())].index(bach)
        assert dialog.table.item(row, 2).text() == "Baroque"
        dialog.set_policy("missing")
    assert len(dialog.plan.changes) == len(expected)

    # write: through the dialog's Write button
    win.write_tags(dialog=dialog)
    with qtbot.waitSignal(win.tags_done, timeout=60000):
        dialog.write_button.click()
    report = win.last_tag_report
    assert report is not None and sorted(report.done) == sorted(p for p, _, _ in expected)
    for path, _, genre in expected:
        assert genre_of(path) == [genre]
    log = last_tag_log()
    assert log is not None and log.parent == tag_log_folder()
    assert win.undo_button.isEnabled()
    row = {r.path: r for r in win.model.results}
    assert all(row[p].tags.genre == g for p, _, g in expected)  # the table shows the new tags

    # undo puts back exactly what was there (in a worker, like the writing); nothing is left to undo
    with qtbot.waitSignal(win.tags_done, timeout=60000):
        win.undo_button.click()
    assert {str(f): genre_of(str(f)) for f in files if f.suffix == ".flac"} == before
    assert last_tag_log() is None
    assert not win.undo_button.isEnabled()
    assert all(row[p].tags.genre is None for p, _, _ in expected)


def test_export_csv_json_and_playlists(qtbot, tmp_path, library, reference):
    from genre_gui.core.library import read_results

    music, files = library
    win = _fed_window(qtbot, reference, music)
    out = tmp_path / "out" / "genres.csv"
    out.parent.mkdir()
    assert win.export_csv(str(out)) == str(out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(files)
    by_file = {row["file"]: row for row in rows}
    for r in win.model.results:
        row = by_file[r.path]
        assert row["status"] == ("ok" if r.ok else "failed")
        assert row["genre"] == (r.genre or "")
        if r.ok:
            assert float(row["confidence"]) == pytest.approx(r.confidence, abs=1e-4)
        assert row["artist"] == (r.tags.artist or "")
    assert f"Wrote {len(files)} row(s)" in win.status.text()

    js = tmp_path / "out" / "genres.json"
    win.export_json(str(js))
    back = read_results(js)
    assert [(r.path, r.genre) for r in back] == [(r.path, r.genre) for r in win.results()]

    lists = win.write_playlists(str(tmp_path / "lists"))
    confident = {}
    for r in win.model.results:
        if r.tag_genre:
            confident.setdefault(r.tag_genre, []).append(r.path)
    assert set(lists) == set(confident)
    for genre, path in lists.items():
        entries = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
        resolved = sorted(os.path.normpath(os.path.join(path.parent, e)) for e in entries)
        assert resolved == sorted(confident[genre])

    # an unwritable target is reported, not raised
    (tmp_path / "a_file").write_text("")
    assert win.export_csv(str(tmp_path / "a_file" / "x.csv")) is None
    assert "Cannot write" in win.status.text()


def test_a_read_only_file_is_reported_and_the_others_are_tagged(qtbot, library, reference):
    from genre_gui.core.tags import genres_of

    music, files = library
    win = _fed_window(qtbot, reference, music)
    plan = _preview(qtbot, win, "replace").plan
    assert len(plan.changes) >= 2
    locked = plan.changes[0].path
    os.chmod(locked, 0o444)
    try:
        report = _write_tags(qtbot, win, plan)
    finally:
        os.chmod(locked, 0o644)
    assert [p for p, _ in report.failed] == [locked]
    assert sorted(report.done) == sorted(c.path for c in plan.changes[1:])
    assert "read-only" in win.status.text() and os.path.basename(locked) in win.status.text()
    assert genres_of(locked) == plan.changes[0].before
    for c in plan.changes[1:]:
        assert genres_of(c.path) == c.after
    _write_tags(qtbot, win, None)
    for c in plan.changes:
        assert genres_of(c.path) == c.before
