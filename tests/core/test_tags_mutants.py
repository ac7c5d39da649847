"""core.tags pinned where mutation testing found it loose: real files written with soundfile and read
back with mutagen itself, every message and change-log field word for word, the JSON forms both ways."""

from __future__ import annotations

import datetime
import json
import os

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core.tags import (
    TagChange,
    TagError,
    TrackTags,
    genre_field,
    genres_of,
    plan_genre_tags,
    undo_tagging,
    write_genre_tags,
)


def _audio(path, fmt="FLAC", subtype="PCM_16"):
    sr = 8000
    sf.write(path, 0.2 * np.sin(2 * np.pi * 440 * np.arange(sr // 4) / sr), sr, format=fmt, subtype=subtype)
    return path


def _flac_genres(path) -> list[str]:
    import mutagen

    tags = mutagen.File(path).tags
    return list(tags.get("genre", [])) if tags else []


def test_track_tags_json_both_ways():
    t = TrackTags("Nina Simone", "Sinnerman", "Pastel Blues", "jazz")
    doc = t.to_json()
    assert doc == {"artist": "Nina Simone", "title": "Sinnerman", "album": "Pastel Blues", "genre": "jazz"}
    assert TrackTags.from_json(doc) == t
    assert TrackTags.from_json({"title": "Sinnerman"}) == TrackTags(None, "Sinnerman", None, None)
    assert TrackTags.from_json(None) == TrackTags() and TrackTags.from_json({}) == TrackTags()


def test_tag_change_json_both_ways_and_older_logs():
    c = TagChange("/m/a song.flac", "Vorbis GENRE", {"GENRE": None}, {"GENRE": ["jazz", "blues"]},
                  [], ["jazz", "blues"])
    doc = c.to_json()
    assert doc == {"path": "/m/a song.flac", "path_hex": b"/m/a song.flac".hex(), "field": "Vorbis GENRE",
                   "old": {"GENRE": None}, "new": {"GENRE": ["jazz", "blues"]}, "before": [],
                   "after": ["jazz", "blues"]}
    assert TagChange.from_json(doc) == c
    # the hex form wins over the text (it keeps names that are not UTF-8)
    assert TagChange.from_json({**doc, "path": "elsewhere"}).path == "/m/a song.flac"
    # a log entry without path_hex, before or after (older logs)
    old = TagChange.from_json({"path": "/m/b.flac", "field": "Vorbis GENRE", "old": {}, "new": {}})
    assert (old.path, old.field, old.before, old.after) == ("/m/b.flac", "Vorbis GENRE", [], [])
    assert c.describe() == "/m/a song.flac: Vorbis GENRE: (none) -> jazz; blues"
    c.before = ["rock", "pop"]
    assert c.describe() == "/m/a song.flac: Vorbis GENRE: rock; pop -> jazz; blues"
    assert TagChange.from_json(c.to_json()).before == ["rock", "pop"]


def test_genres_of_and_genre_field(tmp_path):
    flac = _audio(tmp_path / "a.flac")
    assert genres_of(flac) == [] and genre_field(flac) == "Vorbis GENRE"
    write_genre_tags(plan_genre_tags([(flac, "soul")], "replace"), tmp_path / "log.json")
    assert genres_of(flac) == ["soul"]
    text = tmp_path / "notes.txt"
    text.write_text("not audio at all")
    assert genres_of(text) == [] and genre_field(text) is None
    with pytest.raises(TagError, match="cannot read its tags"):
        genres_of(tmp_path)  # a folder


def test_plan_messages_and_every_item_is_planned(tmp_path):
    folder = tmp_path / "my music"
    folder.mkdir()
    tagged = _audio(folder / "tagged.flac")
    write_genre_tags(plan_genre_tags([(tagged, "Jazz")], "replace"), tmp_path / "a.json")
    write_genre_tags(plan_genre_tags([(tagged, "Blues")], "append"), tmp_path / "b.json")
    text = folder / "notes.txt"
    text.write_text("not audio at all")
    sub = folder / "a folder"
    sub.mkdir()
    fresh = _audio(folder / "fresh.flac")
    items = [(sub, "rock"), (text, "rock"), (tagged, "rock"), (fresh, "rock")]
    plan = plan_genre_tags(items)  # default policy: missing
    assert plan.policy == "missing"
    assert plan.unsupported == [
        (str(sub), f"cannot read its tags ([Errno 21] Is a directory: '{sub}')"),
        (str(text), "no genre field mutagen can write (an unknown file type)")]
    assert plan.kept == [(str(tagged), "already has a genre (Jazz; Blues)")]
    assert [(c.path, c.before, c.after) for c in plan.changes] == [(str(fresh), [], ["rock"])]
    plan = plan_genre_tags([(tagged, "blues"), (fresh, "rock")], "append")
    assert plan.kept == [(str(tagged), "already has blues")]
    assert [c.path for c in plan.changes] == [str(fresh)]
    write_genre_tags(plan_genre_tags([(fresh, "rock")]), tmp_path / "c.json")
    plan = plan_genre_tags([(fresh, "rock"), (tagged, "rock")], "replace")
    assert plan.kept == [(str(fresh), "already rock")] and [c.path for c in plan.changes] == [str(tagged)]
    with pytest.raises(TagError) as err:
        plan_genre_tags([], "overwrite")
    assert str(err.value) == "unknown tag policy 'overwrite'; use one of missing, replace, append"


def test_a_type_mutagen_knows_but_cannot_tag_is_named(tmp_path):
    # a raw ADTS AAC stream: mutagen reads it (class AAC) but has no tag it can write there
    from tests.core.encoded_audio import write_codec

    aac, _, _ = write_codec(tmp_path / "s.aac", ".aac", seconds=0.5)
    plan = plan_genre_tags([(aac, "rock")])
    assert plan.unsupported == [(str(aac), "no genre field mutagen can write (AAC)")]


def test_the_change_log_fields(tmp_path):
    flac = _audio(tmp_path / "a.flac")
    log = tmp_path / "log.json"
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    report = write_genre_tags(plan_genre_tags([(flac, "funk")], "replace"), log)
    after = datetime.datetime.now(datetime.UTC)
    assert report.log_path == str(log)
    text = log.read_text(encoding="ascii")
    doc = json.loads(text)
    assert doc["version"] == 1 and doc["policy"] == "replace" and len(doc["changes"]) == 1
    created = datetime.datetime.strptime(doc["created"], "%Y-%m-%dT%H:%M:%S%z")  # local time with offset
    assert before <= created <= after
    assert text == json.dumps(doc, indent=1)  # indented for a person to read, one space a level
    assert undo_tagging(log).log_path == str(log)


def test_log_and_file_errors_word_for_word(tmp_path):
    flac = _audio(tmp_path / "a.flac")
    nowhere = tmp_path / "no" / "log.json"
    with pytest.raises(TagError) as err:
        write_genre_tags(plan_genre_tags([(flac, "pop")]), nowhere)
    assert str(err.value) == (f"{nowhere}: cannot write the change log (No such file or directory); "
                              "nothing was tagged")
    bad = tmp_path / "bad.json"
    bad.write_text("")
    with pytest.raises(TagError) as err:
        undo_tagging(bad)
    assert str(err.value) == (f"{bad}: not a readable tag change log (Expecting value: line 1 column 1 "
                              "(char 0))")
    with pytest.raises(TagError) as err:
        undo_tagging(tmp_path / "none.json")
    none = tmp_path / "none.json"
    assert str(err.value) == f"{none}: not a readable tag change log (No such file or directory)"


def test_files_that_changed_between_plan_and_write(tmp_path):
    folder = tmp_path / "my music"
    folder.mkdir()
    gone, now_dir = _audio(folder / "gone.flac"), _audio(folder / "now a folder.flac")
    now_text = _audio(folder / "now text.dat")  # FLAC inside: mutagen knows it by its header
    plan = plan_genre_tags([(gone, "pop"), (now_dir, "pop"), (now_text, "pop")], "replace")
    os.remove(gone)
    os.remove(now_dir)
    now_dir.mkdir()
    now_text.write_text("not audio any more")
    report = write_genre_tags(plan, tmp_path / "log.json")
    assert report.done == [] and report.skipped == []
    assert report.failed == [
        (str(gone), "cannot be read (No such file or directory)"),
        (str(now_dir), f"cannot read its tags ([Errno 21] Is a directory: '{now_dir}')"),
        (str(now_text), "no genre field mutagen can write"),
    ]


def test_a_full_disk_while_saving_is_reported(tmp_path, monkeypatch):
    from mutagen.flac import FLAC

    flac = _audio(tmp_path / "a.flac")
    data = flac.read_bytes()

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FLAC, "save", full)
    report = write_genre_tags(plan_genre_tags([(flac, "pop")]), tmp_path / "log.json")
    assert report.failed == [(str(flac), "cannot write its tags (No space left on device)")]
    assert flac.read_bytes() == data


def test_writable_by_group_only_is_not_read_only(tmp_path):
    flac = _audio(tmp_path / "a.flac")
    os.chmod(flac, 0o464)  # the owner may not write, the group may
    report = write_genre_tags(plan_genre_tags([(flac, "pop")]), tmp_path / "log.json")
    if os.geteuid() == 0:  # root writes whatever the bits: the file is not read-only
        assert report.done == [str(flac)] and _flac_genres(flac) == ["pop"]
    else:  # the owner's own write is refused by the system, not by our read-only check
        ((path, reason),) = report.failed
        assert path == str(flac) and reason.startswith("cannot write its tags (")
        assert "Permission denied" in reason


def test_id3_genre_is_written_as_utf8(tmp_path):
    import mutagen

    wav = _audio(tmp_path / "a.wav", fmt="WAV")
    genre = "J-pop \u30dd\u30c3\u30d7"  # not Latin-1
    write_genre_tags(plan_genre_tags([(wav, genre)]), tmp_path / "log.json")
    frames = mutagen.File(wav).tags.getall("TCON")
    assert [str(t) for fr in frames for t in fr.text] == [genre]
    assert [int(fr.encoding) for fr in frames] == [3]  # ID3's UTF-8


def test_a_reason_is_not_cut_at_a_colon_in_the_path(tmp_path):
    # "a: b" is a valid folder name; the reason used to be cut at its ": " ("b/x.flac: cannot read ...")
    folder = tmp_path / "live: 1999"
    folder.mkdir()
    sub = folder / "not a file.flac"
    sub.mkdir()
    plan = plan_genre_tags([(sub, "rock")])
    assert plan.unsupported == [(str(sub), f"cannot read its tags ([Errno 21] Is a directory: '{sub}')")]
    flac = _audio(folder / "song.flac")
    plan = plan_genre_tags([(flac, "rock")])
    os.remove(flac)
    flac.mkdir()
    report = write_genre_tags(plan, tmp_path / "log.json")
    assert report.failed == [(str(flac), f"cannot read its tags ([Errno 21] Is a directory: '{flac}')")]
