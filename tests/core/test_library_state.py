"""core.library.LibraryState pinned where mutation testing found it loose, without audio: the answers kept
and served back by size *and* modification time, the commit every 20 answers seen from a second connection,
a state file that cannot be used (moved aside, or disabled) and the warnings logged word for word, refresh
going on past files it cannot refresh, and which failures are worth remembering."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import datetime

import pytest

from genre_gui.core import library
from genre_gui.core.library import LibraryState, TrackResult, _is_lasting
from genre_gui.core.tags import TrackTags


def _answer(path, size=100, mtime_ns=5, genre="jazz"):
    return TrackResult(path=str(path), ok=True, genre=genre, headline=f"{genre} 90 %", confidence=0.9,
                       top3=[(genre, 0.9), ("rock", 0.1)], probabilities={genre: 0.9, "rock": 0.1},
                       analysed="whole", n_windows=3, size=size, mtime_ns=mtime_ns)


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == library.__name__ and r.levelno == logging.WARNING]


def _visible_rows(path):
    """Rows another connection sees: only what the state has committed."""
    with sqlite3.connect(str(path)) as other:
        return other.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]


def test_an_answer_is_served_back_only_for_the_same_size_and_mtime(tmp_path):
    path = tmp_path / "deep" / "er" / "state.sqlite"  # folders made as needed
    with LibraryState(path) as state:
        state.put(_answer("/music/a.flac", size=100, mtime_ns=5), "m1")
    assert path.is_file()
    with LibraryState(path) as state:  # committed by close, read by a new connection
        got = state.get("/music/a.flac", "m1", 100, 5)
        assert got is not None and got.genre == "jazz" and got.probabilities == {"jazz": 0.9, "rock": 0.1}
        assert got.path == "/music/a.flac" and got.size == 100 and got.mtime_ns == 5
        assert state.get("/music/a.flac", "m1", 101, 5) is None  # size changed, mtime kept
        assert state.get("/music/a.flac", "m1", 100, 6) is None  # mtime changed, size kept
        assert state.get("/music/a.flac", "m2", 100, 5) is None  # another model
        assert state.get("/music/b.flac", "m1", 100, 5) is None
        assert state.path.parent.name == "er"
    with sqlite3.connect(str(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with LibraryState(path) as state:  # another run's write lock is waited for 10 s, not sqlite3's 5
        assert state._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10000


def test_answers_are_committed_every_20_puts(tmp_path):
    path = tmp_path / "state.sqlite"
    state = LibraryState(path)
    seen = []
    for i in range(41):
        state.put(_answer(f"/music/{i:02d}.flac"), "m")
        seen.append(_visible_rows(path))
    assert seen == [0] * 19 + [20] * 20 + [40, 40]
    state.commit()
    assert _visible_rows(path) == 41
    state.close()
    state.close()  # a second close does nothing
    assert state.get("/music/00.flac", "m", 100, 5) is None  # closed: nothing served, nothing raised
    state.put(_answer("/music/99.flac"), "m")
    assert _visible_rows(path) == 41


def test_a_corrupt_state_file_is_moved_aside_with_a_warning(tmp_path, caplog):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    before = datetime.now().replace(microsecond=0)
    with caplog.at_level(logging.WARNING, logger=library.__name__), LibraryState(path) as state:
        (aside,) = tmp_path.glob("state.sqlite.corrupt-*")
        state.put(_answer("/music/a.flac"), "m")
        assert state.get("/music/a.flac", "m", 100, 5).genre == "jazz"  # a fresh state in its place
    after = datetime.now()
    match = re.fullmatch(r"state\.sqlite\.corrupt-(\d{8}-\d{6})", aside.name)
    assert match, aside.name
    assert before <= datetime.strptime(match.group(1), "%Y%m%d-%H%M%S") <= after
    assert aside.read_bytes() == b"this is not a database" * 100
    assert _warnings(caplog) == [
        f"library state {path} unusable (file is not a database); moved to {aside.name}"]


def test_a_state_that_cannot_be_moved_aside_is_disabled(tmp_path, caplog, monkeypatch):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a database" * 100)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(src))

    monkeypatch.setattr(library.os, "replace", refuse)
    with caplog.at_level(logging.WARNING, logger=library.__name__):
        state = LibraryState(path)
    messages = _warnings(caplog)
    assert len(messages) == 2 and messages[0].startswith(f"library state {path} unusable (")
    assert messages[1] == f"library state disabled: [Errno 13] Permission denied: '{path}'"
    _disabled_state_does_nothing(state, tmp_path)


def test_a_state_in_a_folder_that_cannot_exist_is_disabled(tmp_path, caplog):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger=library.__name__):
        state = LibraryState(blocker / "state.sqlite")
    (message,) = _warnings(caplog)
    assert message.startswith("library state disabled: [Errno ") and message.endswith(f"'{blocker}'")
    _disabled_state_does_nothing(state, tmp_path)


def _disabled_state_does_nothing(state, tmp_path):
    song = tmp_path / "song.flac"
    song.write_bytes(b"audio")
    state.put(_answer(str(song)), "m")
    assert state.get(str(song), "m", 100, 5) is None
    assert state.refresh([str(song)], "m") == 0
    state.commit()
    state.close()


class _FailingConnection:
    """A connection whose every statement and commit fails, as SQLite does on a full or locked disk."""

    def execute(self, *args):
        raise sqlite3.OperationalError("database is locked")

    def commit(self):
        raise sqlite3.OperationalError("disk I/O error")

    def close(self):
        pass


def test_failing_writes_and_commits_are_logged_and_the_run_goes_on(tmp_path, caplog):
    state = LibraryState(tmp_path / "state.sqlite")
    state._conn.close()
    state._conn = _FailingConnection()
    with caplog.at_level(logging.WARNING, logger=library.__name__):
        state.put(_answer("/music/a.flac"), "m")
        assert state.get("/music/a.flac", "m", 100, 5) is None
        state.commit()
    assert _warnings(caplog) == ["library state: database is locked", "library state: disk I/O error"]


def test_refresh_goes_on_past_missing_files_and_files_without_an_answer(tmp_path):
    files = {name: tmp_path / name for name in ("gone.flac", "new.flac", "known.flac", "known2.flac")}
    for name in ("new.flac", "known.flac", "known2.flac"):
        files[name].write_bytes(b"x" * 7)
    with LibraryState(tmp_path / "state.sqlite") as state:
        for name in ("known.flac", "known2.flac"):
            state.put(_answer(str(files[name]), size=1, mtime_ns=1), "m")
        order = [str(files[n]) for n in ("gone.flac", "new.flac", "known.flac", "known2.flac")]
        assert state.refresh(order, "m") == 2
        st = files["known.flac"].stat()
        got = state.get(str(files["known.flac"]), "m", 7, st.st_mtime_ns)
        assert got is not None and got.genre == "jazz" and got.tags == TrackTags()
        assert state.get(str(files["known2.flac"]), "m", 1, 1) is None  # its old size and mtime are gone
        assert state.get(str(files["new.flac"]), "m", 7, files["new.flac"].stat().st_mtime_ns) is None


@pytest.mark.parametrize(("error", "lasting"), [
    (None, False),
    ("", False),
    ("/m/a.mp3: not a readable audio file (no audio stream)", True),
    ("/m/a.mp3: the file is empty (0 bytes)", True),
    ("/m/a.mp3: the worker process died while analysing it", False),
    ("/m/a.mp3: not processed (the run was cancelled)", False),
])
def test_which_failures_are_remembered(error, lasting):
    assert _is_lasting(error) is lasting
