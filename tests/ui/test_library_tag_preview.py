"""The library window's tag preview: the files' tags are read by a worker, never on the GUI thread; the
table fills when it is done, with the changes each policy plans on real tagged files; Cancel and closing
the preview stop the reading."""

from __future__ import annotations

import threading

import pytest

from tests.core.encoded_audio import write_codec

#: file -> (existing genre written before, the model's answer)
FILES = {"a.flac": (None, "jazz"), "b.mp3": ("Rock", "jazz"), "c.m4a": (None, "metal"),
         "d.ogg": ("metal", "metal"), "e.wma": ("Blues", "blues")}
FIELDS = {".flac": "Vorbis GENRE", ".mp3": "ID3 TCON", ".m4a": "MP4 \u00a9gen", ".ogg": "Vorbis GENRE",
          ".wma": "ASF WM/Genre"}


@pytest.fixture
def tagged(tmp_path):
    """Real files in five formats, some with a genre tag already (written with core.tags)."""
    from genre_gui.core.tags import genres_of, plan_genre_tags, write_genre_tags

    music = tmp_path / "music"
    music.mkdir()
    paths = {}
    for name, (existing, _) in FILES.items():
        path, _, _ = write_codec(music / name, name[name.index("."):], seconds=1.0)
        paths[name] = str(path)
        if existing:
            write_genre_tags(plan_genre_tags([(path, existing)], "replace"), tmp_path / f"{name}.log.json")
            assert genres_of(path) == [existing]
    return paths


def _window(qtbot, paths: dict[str, str]):
    """A LibraryWindow showing confident answers for ``paths`` (no model run: the preview only needs the
    (file, genre) pairs)."""
    from genre_gui.core.library import TrackResult
    from genre_gui.ui.jobs import JobController
    from genre_gui.ui.library_window import LibraryWindow
    from genre_gui.ui.state import AppState
    from genre_gui.workers.library import TrackBatch

    state = AppState()
    jobs = JobController(state, None)
    win = LibraryWindow(jobs, state)
    qtbot.addWidget(win)
    win._keep = (state, jobs)
    tracks = tuple(TrackResult(p, True, genre=FILES[name][1], confidence=0.9) for name, p in paths.items())
    win._on_tracks(TrackBatch(tracks))
    win._update_buttons()
    return win


def _table(dialog) -> set[tuple[str, str, str, str]]:
    t = dialog.table
    return {(t.item(i, 0).toolTip(), t.item(i, 1).text(), t.item(i, 2).text(), t.item(i, 3).text())
            for i in range(t.rowCount())}


def test_tags_are_read_in_a_worker_and_the_table_shows_each_policys_changes(qtbot, monkeypatch, tagged):
    from genre_gui.core import tags

    readers: list[int] = []
    real_open = tags._open

    def recording_open(path):
        readers.append(threading.get_ident())
        return real_open(path)

    monkeypatch.setattr(tags, "_open", recording_open)
    win = _window(qtbot, tagged)
    dialog = win.tag_preview("missing")
    qtbot.addWidget(dialog)
    # nothing planned yet: the worker has only started; the progress row says it is reading
    assert dialog.plan is None and dialog.table.rowCount() == 0 and not dialog.write_button.isEnabled()
    assert not dialog.progress.isHidden() and "Reading the tags" in dialog.progress.label.text()
    with qtbot.waitSignal(dialog.planned, timeout=60000) as blocker:
        pass
    assert blocker.args[0] is dialog.plan
    assert readers, "the preview read no tag"
    assert threading.get_ident() not in readers, "mutagen opened a file on the GUI thread"
    assert len(readers) == len(FILES)  # each file opened once, for every policy
    assert dialog.progress.isHidden()

    def row(name, old, new):
        return (tagged[name], FIELDS[name[name.index("."):]], old, new)

    # missing: only the files without a genre
    assert _table(dialog) == {row("a.flac", "(none)", "jazz"), row("c.m4a", "(none)", "metal")}
    assert dialog.write_button.isEnabled()
    assert "2 file(s) will change, 3 kept" in dialog.summary.text()
    # replace: every file whose genre differs; d.ogg is already metal
    dialog.set_policy("replace")
    assert _table(dialog) == {row("a.flac", "(none)", "jazz"), row("b.mp3", "Rock", "jazz"),
                              row("c.m4a", "(none)", "metal"), row("e.wma", "Blues", "blues")}
    # append: b gets jazz after Rock; e's Blues already says blues (case-insensitive)
    dialog.set_policy("append")
    assert _table(dialog) == {row("a.flac", "(none)", "jazz"), row("b.mp3", "Rock", "Rock; jazz"),
                              row("c.m4a", "(none)", "metal")}
    assert len(readers) == len(FILES), "a policy change opened the files again"
    assert threading.get_ident() not in readers
    # nothing was written by the preview
    from genre_gui.core.tags import genres_of

    for name, (existing, _) in FILES.items():
        assert genres_of(tagged[name]) == ([existing] if existing else [])


def _preview_held_on_its_first_file(qtbot, monkeypatch, tagged):
    """A shown tag preview whose worker is held inside mutagen's open of the first file until the test
    sets the returned event; also returns the window and the files opened so far."""
    from genre_gui.core import tags

    started, go_on = threading.Event(), threading.Event()
    real_open = tags._open
    opened = []

    def slow_open(path):
        opened.append(path)
        started.set()
        go_on.wait(30)  # the first file takes until the test has pressed Cancel or closed the dialog
        return real_open(path)

    monkeypatch.setattr(tags, "_open", slow_open)
    win = _window(qtbot, tagged)
    dialog = win.tag_preview("missing")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(started.is_set, timeout=30000)
    return win, dialog, go_on, opened


def test_cancel_stops_the_reading_and_plans_nothing(qtbot, monkeypatch, tagged):
    _, dialog, go_on, opened = _preview_held_on_its_first_file(qtbot, monkeypatch, tagged)
    assert dialog.reading and dialog.progress.cancel_button.isEnabled()
    cancelled = []
    dialog._worker.cancelled.connect(lambda: cancelled.append(1))  # runs in the worker thread
    dialog.progress.cancel_button.click()
    go_on.set()
    # polled (qWait) rather than a nested event loop waiting for the signal
    qtbot.waitUntil(lambda: bool(cancelled) and not dialog.reading, timeout=30000)
    assert len(opened) == 1, "files were read after Cancel"
    assert dialog.plan is None and dialog.table.rowCount() == 0 and not dialog.write_button.isEnabled()
    assert "cancelled" in dialog.progress.label.text()


def test_closing_the_preview_stops_its_worker(qtbot, monkeypatch, tagged):
    win, dialog, go_on, _ = _preview_held_on_its_first_file(qtbot, monkeypatch, tagged)
    cancelled = []
    dialog._worker.cancelled.connect(lambda: cancelled.append(1))  # runs in the worker thread
    dialog.reject()
    go_on.set()
    qtbot.waitUntil(lambda: bool(cancelled) and win.jobs.registry.active_count == 0, timeout=30000)
    assert not dialog.reading
