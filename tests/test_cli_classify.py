"""genre-gui-cli classify: results files, playlists, genre tags with a dry run and an undo, resumability,
exit codes and one-line errors."""

from __future__ import annotations

import csv
import json
import os

import mutagen
import pytest

from genre_gui import cli
from genre_gui.core.audio_io import load_audio
from genre_gui.core.persistence import save_pipeline
from tests.core.library_fixtures import tone_file, tone_pipeline


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tones.npz"
    save_pipeline(tone_pipeline(), path)
    return path


@pytest.fixture
def music(tmp_path):
    root = tmp_path / "music"
    files = {"a/low.mp3": 200.0, "a/high.m4a": 3000.0, "b/low.wma": 250.0, "b/high.flac": 2600.0}
    for rel, freq in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        tone_file(root / rel, freq, os.path.splitext(rel)[1])
    return root


def run(argv, capsys):
    code = cli.main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _args(tmp_path, model):
    return ["--model", str(model), "--state", str(tmp_path / "state.sqlite"), "--cache",
            str(tmp_path / "cache.sqlite")]


def _genre(path):
    """The genre field read with mutagen itself, per format."""
    f = mutagen.File(path)
    key = {"MP3": "TCON", "MP4": "\u00a9gen", "ASF": "WM/Genre", "FLAC": "genre"}[type(f).__name__]
    if f.tags is None or key not in f.tags:
        return []
    v = f.tags[key]
    return [str(x) for x in (v.text if hasattr(v, "text") else v)]


def test_csv_json_and_playlists(music, model, tmp_path, capsys):
    code, out, err = run(["classify", str(music), "--out", str(tmp_path / "r.csv"), "--playlists",
                          str(tmp_path / "lists"), *_args(tmp_path, model)], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(open(tmp_path / "r.csv", newline="")))
    assert {os.path.relpath(r["file"], music): r["genre"] for r in rows} == {
        "a/low.mp3": "low", "a/high.m4a": "high", "b/low.wma": "low", "b/high.flac": "high"}
    assert "classified 4 of 4 file(s)" in err and "4 analysed" in err
    low = (tmp_path / "lists" / "low.m3u8").read_text().splitlines()
    assert [ln for ln in low if not ln.startswith("#")] == ["../music/a/low.mp3", "../music/b/low.wma"]
    code, out, err = run(["classify", str(music), "--out", str(tmp_path / "r.json"), *_args(tmp_path, model)],
                         capsys)
    assert code == 0 and "4 unchanged since the last run" in err and "0 analysed" in err
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["feature_set"] == "mfcc13" and len(doc["results"]) == 4
    assert all(r["reused"] for r in doc["results"])


def test_write_tags_dry_run_then_write_then_undo(music, model, tmp_path, capsys):
    files = sorted(music.rglob("*.*"))
    data = {p: p.read_bytes() for p in files}
    audio = {p: load_audio(p, sr=None) for p in files}
    base = ["classify", str(music), "--out", str(tmp_path / "r.csv"), *_args(tmp_path, model)]
    code, out, err = run([*base, "--write-tags", "replace", "--dry-run"], capsys)
    assert code == 0, err
    assert out.count("would change ") == 4 and "nothing was written" in out
    assert f"would change {music / 'a' / 'high.m4a'}: MP4 \u00a9gen: (none) -> high" in out
    assert {p: p.read_bytes() for p in files} == data

    code, out, err = run([*base, "--write-tags", "replace", "--tag-log", str(tmp_path / "log.json")], capsys)
    assert code == 0, err
    assert "tagged 4 file(s)" in out and f"--undo-tags {tmp_path / 'log.json'}" in out
    assert {p.name: _genre(p) for p in files} == {"low.mp3": ["low"], "high.m4a": ["high"],
                                                  "low.wma": ["low"], "high.flac": ["high"]}
    for p in files:
        assert (load_audio(p, sr=None) == audio[p]).all()
    code, out, err = run([*base], capsys)  # tagging changed the files' bytes, not their audio
    assert code == 0 and "4 unchanged since the last run" in err

    code, out, err = run(["classify", "--undo-tags", str(tmp_path / "log.json")], capsys)
    assert code == 0 and "restored the tags of 4 file(s)" in out
    assert all(_genre(p) == [] for p in files)


def test_missing_policy_keeps_existing_genres(music, model, tmp_path, capsys):
    f = mutagen.File(music / "b" / "high.flac")
    f["genre"] = ["Ambient"]
    f.save()
    code, out, err = run(["classify", str(music), "--out", str(tmp_path / "r.csv"), "--write-tags", "missing",
                          *_args(tmp_path, model)], capsys)
    assert code == 0 and "tagged 3 file(s)" in out
    assert _genre(music / "b" / "high.flac") == ["Ambient"]
    rows = {os.path.basename(r["file"]): r for r in csv.DictReader(open(tmp_path / "r.csv", newline=""))}
    assert rows["high.flac"]["existing_genre"] == "Ambient"


def test_bad_files_exit_2_with_one_line_each(music, model, tmp_path, capsys):
    (music / "broken.m4a").write_text("not audio")
    (music / "empty.wma").touch()
    code, out, err = run(["classify", str(music), "--out", str(tmp_path / "r.csv"), *_args(tmp_path, model)],
                         capsys)
    assert code == 2
    errors = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 2
    assert any(f"{music / 'broken.m4a'}: not a readable audio file" in e for e in errors)
    assert any(f"{music / 'empty.wma'}: the file is empty" in e for e in errors)
    assert len(list(csv.DictReader(open(tmp_path / "r.csv", newline="")))) == 6


@pytest.mark.parametrize("argv, message", [
    (["classify", "DIR"], "--out PATH is required"),
    (["classify", "DIR", "--out", "r.txt"], "use a .csv or .json"),
    (["classify", "DIR", "--out", "r.csv", "--dry-run"], "--dry-run goes with --write-tags"),
    (["classify", "--out", "r.csv"], "give at least one DIR"),
    (["classify", "nowhere", "--out", "r.csv"], "nowhere: no such file or folder"),
    (["classify", "--undo-tags", "no-such-log.json"], "not a readable tag change log"),
])
def test_usage_errors(tmp_path, music, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    argv = [str(music) if a == "DIR" else a for a in argv]
    code, out, err = run(argv, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
