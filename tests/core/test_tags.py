"""core.tags: genre tags written per format, read back with mutagen itself, undone from the change log;
the audio samples decoded before and after are identical."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core.audio_io import load_audio
from genre_gui.core.tags import (
    TagError,
    genre_field,
    plan_genre_tags,
    read_tags,
    undo_tagging,
    write_genre_tags,
)
from tests.core.encoded_audio import write_codec

#: ext -> (genre field, how mutagen itself reads that field back)
TAGGABLE = {
    ".mp3": "ID3 TCON", ".wav": "ID3 TCON", ".mp2": "ID3 TCON",
    ".flac": "Vorbis GENRE", ".ogg": "Vorbis GENRE", ".opus": "Vorbis GENRE",
    ".m4a": "MP4 \u00a9gen", ".alac.m4a": "MP4 \u00a9gen", ".m4b": "MP4 \u00a9gen",
    ".wma": "ASF WM/Genre", ".wv": "APEv2 Genre",
}
UNTAGGABLE = (".aac", ".ac3", ".mka", ".webm", ".caf")


def _mutagen_genres(path) -> list[str]:
    """The genre field read with mutagen's own classes, not through core.tags."""
    import mutagen

    f = mutagen.File(path)
    tags = f.tags
    name = type(f).__name__
    if name in ("MP3", "WAVE"):
        return [str(t) for fr in tags.getall("TCON") for t in fr.text] if tags else []
    if name == "MP4":
        return list(tags.get("\u00a9gen", [])) if tags else []
    if name == "ASF":
        return [str(v) for v in tags.get("WM/Genre", [])] if tags else []
    if name == "WavPack":
        return list(tags["Genre"]) if tags and "Genre" in tags else []
    return list(tags.get("genre", [])) if tags else []  # Vorbis comments


def _make(tmp_path, ext, name="song"):
    path, _, _ = write_codec(tmp_path / f"{name}{ext}", ext, seconds=2.0)
    return path


@pytest.mark.parametrize("ext", sorted(TAGGABLE))
def test_write_read_back_undo_and_the_audio_never_changes(tmp_path, ext):
    path = _make(tmp_path, ext)
    assert genre_field(path) == TAGGABLE[ext]
    before = load_audio(path, sr=None)
    plan = plan_genre_tags([(path, "jazz")], "missing")
    assert plan.preview() == [f"{path}: {TAGGABLE[ext]}: (none) -> jazz"]
    report = write_genre_tags(plan, tmp_path / "log.json")
    assert report.done == [str(path)] and not report.failed
    assert _mutagen_genres(path) == ["jazz"]
    assert read_tags(path).genre == "jazz"
    np.testing.assert_array_equal(load_audio(path, sr=None), before)  # the samples, bit for bit

    plan = plan_genre_tags([(path, "blues")], "append")
    write_genre_tags(plan, tmp_path / "log2.json")
    assert _mutagen_genres(path) == ["jazz", "blues"]
    plan = plan_genre_tags([(path, "rock")], "replace")
    assert plan.changes[0].before == ["jazz", "blues"] and plan.changes[0].after == ["rock"]
    write_genre_tags(plan, tmp_path / "log3.json")
    assert _mutagen_genres(path) == ["rock"]
    np.testing.assert_array_equal(load_audio(path, sr=None), before)

    for log, expected in (("log3.json", ["jazz", "blues"]), ("log2.json", ["jazz"]), ("log.json", [])):
        assert undo_tagging(tmp_path / log).done == [str(path)]
        assert _mutagen_genres(path) == expected
    np.testing.assert_array_equal(load_audio(path, sr=None), before)


@pytest.mark.parametrize("ext", UNTAGGABLE)
def test_files_without_a_genre_field_are_listed_not_written(tmp_path, ext):
    path = _make(tmp_path, ext)
    data = path.read_bytes()
    plan = plan_genre_tags([(path, "jazz")], "replace")
    assert not plan.changes and plan.unsupported[0][0] == str(path)
    assert "no genre field" in plan.unsupported[0][1]
    assert path.read_bytes() == data


def test_policies_against_an_existing_genre(tmp_path):
    path = _make(tmp_path, ".flac")
    write_genre_tags(plan_genre_tags([(path, "Jazz")], "missing"), tmp_path / "a.json")
    missing = plan_genre_tags([(path, "blues")], "missing")
    assert not missing.changes and missing.kept == [(str(path), "already has a genre (Jazz)")]
    same = plan_genre_tags([(path, "jazz")], "append")  # case-insensitive: no duplicate
    assert not same.changes
    assert plan_genre_tags([(path, "Jazz")], "replace").changes == []


def test_dry_run_writes_nothing(tmp_path):
    paths = [_make(tmp_path, ext, f"s{i}") for i, ext in enumerate((".mp3", ".m4a", ".wma", ".flac"))]
    data = [p.read_bytes() for p in paths]
    plan = plan_genre_tags([(p, "metal") for p in paths], "replace")
    assert len(plan.preview()) == 4
    assert [p.read_bytes() for p in paths] == data


def test_a_read_only_file_is_reported_and_the_others_still_tagged(tmp_path):
    ro, rw = _make(tmp_path, ".mp3", "ro"), _make(tmp_path, ".flac", "rw")
    os.chmod(ro, 0o444)
    data = ro.read_bytes()
    report = write_genre_tags(plan_genre_tags([(ro, "pop"), (rw, "pop")], "replace"), tmp_path / "log.json")
    assert report.done == [str(rw)]
    assert report.failed == [(str(ro), "the file is read-only")]
    assert ro.read_bytes() == data and _mutagen_genres(rw) == ["pop"]


def test_undo_leaves_a_field_changed_since_alone(tmp_path):
    path = _make(tmp_path, ".m4a")
    write_genre_tags(plan_genre_tags([(path, "disco")], "replace"), tmp_path / "log.json")
    write_genre_tags(plan_genre_tags([(path, "funk")], "replace"), tmp_path / "other.json")  # by hand
    report = undo_tagging(tmp_path / "log.json")
    assert report.done == [] and report.skipped == [(str(path), "changed since; left alone")]
    assert _mutagen_genres(path) == ["funk"]
    assert undo_tagging(tmp_path / "other.json").done == [str(path)]
    assert undo_tagging(tmp_path / "log.json").done == [str(path)]  # now it holds disco again
    assert _mutagen_genres(path) == []
    assert undo_tagging(tmp_path / "log.json").skipped == [(str(path), "already as wanted")]


def test_the_change_log_is_written_before_the_files(tmp_path):
    path = _make(tmp_path, ".mp3")
    log = tmp_path / "log.json"
    write_genre_tags(plan_genre_tags([(path, "rock")], "missing"), log)
    doc = json.loads(log.read_text())
    assert doc["policy"] == "missing" and doc["changes"][0]["old"] == {"TCON": None}
    assert doc["changes"][0]["new"] == {"TCON": ["rock"]}
    with pytest.raises(TagError, match="cannot write the change log"):
        write_genre_tags(plan_genre_tags([(path, "pop")], "replace"), tmp_path / "no" / "such" / "log.json")
    assert _mutagen_genres(path) == ["rock"]  # nothing written without a log


def test_non_utf8_names_round_trip_through_the_log(tmp_path):
    src = _make(tmp_path, ".flac")
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/\xe9t\xe9.flac")
    os.rename(src, odd)
    write_genre_tags(plan_genre_tags([(odd, "blues")], "missing"), tmp_path / "log.json")
    assert _mutagen_genres(odd) == ["blues"]
    assert undo_tagging(tmp_path / "log.json").done == [odd]
    assert _mutagen_genres(odd) == []


def test_read_tags_artist_title_album_genre(tmp_path):
    import mutagen
    from mutagen.id3 import TALB, TCON, TIT2, TPE1

    mp3 = _make(tmp_path, ".mp3")
    f = mutagen.File(mp3)
    if f.tags is None:
        f.add_tags()
    f.tags.add(TPE1(encoding=3, text=["Miles Davis"]))
    f.tags.add(TIT2(encoding=3, text=["So What"]))
    f.tags.add(TALB(encoding=3, text=["Kind of Blue"]))
    f.tags.add(TCON(encoding=3, text=["(8)"]))  # an ID3v1 genre number: 8 is Jazz
    f.save()
    t = read_tags(mp3)
    assert (t.artist, t.title, t.album, t.genre) == ("Miles Davis", "So What", "Kind of Blue", "Jazz")
    m4a = _make(tmp_path, ".m4a")
    f = mutagen.File(m4a)
    f.tags["\u00a9ART"], f.tags["\u00a9nam"], f.tags["\u00a9alb"] = ["Bob Marley"], ["Jamming"], ["Exodus"]
    f.save()
    t = read_tags(m4a)
    assert (t.artist, t.title, t.album, t.genre) == ("Bob Marley", "Jamming", "Exodus", None)
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"\0" * 100)
    assert read_tags(bad).genre is None


def test_aiff_takes_id3(tmp_path):
    path = tmp_path / "tone.aiff"
    sr = 22050
    sf.write(path, 0.3 * np.sin(2 * np.pi * 440 * np.arange(sr) / sr), sr, format="AIFF", subtype="PCM_16")
    before = load_audio(path, sr=None)
    write_genre_tags(plan_genre_tags([(path, "classical")], "missing"), tmp_path / "log.json")
    assert genre_field(path) == "ID3 TCON" and read_tags(path).genre == "classical"
    np.testing.assert_array_equal(load_audio(path, sr=None), before)


def test_unknown_policy():
    with pytest.raises(TagError, match="unknown tag policy"):
        plan_genre_tags([], "overwrite")
