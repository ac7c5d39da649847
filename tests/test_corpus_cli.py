"""The bad-input corpus through genre-gui-cli (issue 7, part 1): exit code 2 and one line naming the file.

``predict`` on bad audio reports each bad file (one ``error:`` line on stderr, or a ``{"file", "error"}``
entry with ``--json``) and exits 2, as documented in ``cli.py``; a bad model file, or a bad dataset for
``evaluate`` / ``compare`` / ``train``, stops the command with exit 2 and exactly one stderr line. Output
is captured at the file-descriptor level (``capfd``), so a C library writing to the terminal behind
Python's back (libmpg123 does) would be caught too.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from corpus.make_corpus import DEFAULT_MODEL, KINDS, KINDS_BY_NAME, Corpus, build

from genre_gui import cli

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
BAD_AUDIO = [k for k in KINDS if k.bad and k.group == "audio"]
BAD_MODELS = [k for k in KINDS if k.bad and k.group == "model"]
BAD_DATASETS = [k for k in KINDS if k.bad and k.group in ("dataset", "folder")]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("corpus_cli"))


def _bad_audio(kind, corpus, unprivileged) -> str:
    """The bad file; a permission case goes where the user nobody can reach it (see ``run``)."""
    if kind.needs_non_root and IS_ROOT:
        return str(build(kind, unprivileged.folder))
    return str(corpus.path(kind))


def run(argv: list[str], capfd, unprivileged=None) -> tuple[int, str, str]:
    """The CLI in this process; with ``unprivileged`` while root, in a subprocess as the user nobody
    (chmod 000 stops nothing for root, so a permission case must run as someone it stops)."""
    if unprivileged is not None and IS_ROOT:
        done = unprivileged.run_cli(*argv)
        return done.returncode, done.stdout, done.stderr
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capfd.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    return lines[0]


@pytest.mark.parametrize("kind", BAD_AUDIO, ids=lambda k: k.name)
def test_predict_bad_audio_one_error_line_exit_2(kind, corpus, capfd, unprivileged):
    path = _bad_audio(kind, corpus, unprivileged)
    code, out, err = run(["predict", path, "--model", str(DEFAULT_MODEL)], capfd,
                         unprivileged if kind.needs_non_root else None)
    assert code == 2
    assert out == ""
    line = one_line(err)
    assert line.startswith("error: ") and path in line


@pytest.mark.parametrize("kind", BAD_AUDIO, ids=lambda k: k.name)
def test_predict_bad_audio_json_entry(kind, corpus, capfd, unprivileged):
    path = _bad_audio(kind, corpus, unprivileged)
    good = str(corpus.path("audio_flac"))
    if kind.needs_non_root and IS_ROOT:  # nobody must reach the good file too
        good = str(build(KINDS_BY_NAME["audio_flac"], unprivileged.folder))
    code, out, err = run(["predict", good, path, "--json", "--model", str(DEFAULT_MODEL)], capfd,
                         unprivileged if kind.needs_non_root else None)
    assert code == 2 and err == ""
    entries = json.loads(out)
    assert [e["file"] for e in entries] == [good, path]
    assert set(entries[1]) == {"file", "error"} and path in entries[1]["error"]
    assert set(entries[0]) == {"file", "genre", "answer", "probabilities", "not_music", "unsure", "tags"}
    probs = entries[0]["probabilities"]
    assert all(math.isfinite(v) and 0 <= v <= 1 for v in probs.values())
    assert abs(sum(probs.values()) - 1) < 1e-6
    genres = {g: p for g, p in probs.items() if g != "not music"}
    assert entries[0]["genre"] == ("not music" if entries[0]["not_music"] else max(genres, key=genres.get))


@pytest.mark.parametrize("kind", [k for k in KINDS if not k.bad and k.group == "audio"], ids=lambda k: k.name)
def test_predict_odd_but_valid_audio_succeeds(kind, corpus, capfd):
    path = corpus.path(kind)
    code, out, err = run(["predict", str(path), "--json", "--model", str(DEFAULT_MODEL)], capfd)
    assert code == 0 and err == ""
    (entry,) = json.loads(out)
    assert entry["file"] == os.fsdecode(path)
    assert all(math.isfinite(v) for v in entry["probabilities"].values())


@pytest.mark.parametrize("kind", BAD_MODELS, ids=lambda k: k.name)
def test_predict_with_bad_model_file_exits_2_one_line(kind, corpus, capfd):
    model = str(corpus.path(kind))
    code, out, err = run(["predict", str(corpus.path("audio_flac")), "--model", model], capfd)
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith("genre-gui-cli: error: ") and model in line


@pytest.mark.parametrize("command", ["evaluate", "compare", "train"])
@pytest.mark.parametrize("kind", BAD_DATASETS, ids=lambda k: k.name)
def test_bad_dataset_exits_2_one_line(kind, command, corpus, capfd, tmp_path):
    path = str(corpus.path(kind))
    argv = [command, "--dataset", path, "--no-cache", "--feature-set", "fft1000", "--jobs", "1", "-q"]
    if kind.group == "dataset":
        argv = argv[:3] + ["-q"]  # tables: the feature set is recognised from the columns
    if command == "train":
        argv += ["--out", str(tmp_path / "model.npz")]
    code, out, err = run(argv, capfd)
    assert code == 2 and out == ""
    line = one_line(err)
    named = kind.named or path
    assert line.startswith("genre-gui-cli: error: ") and named in line
    assert not (tmp_path / "model.npz").exists()


def test_compare_on_an_odd_but_valid_table_gives_finite_numbers(corpus, capfd):
    path = str(corpus.path("csv_reordered_columns"))
    code, out, err = run(["compare", "--dataset", path, "--folds", "3", "--models", "knn,softmax", "--json",
                          "-q"], capfd)
    assert code == 0, err
    report = json.loads(out)
    assert report["feature_set"] == "gtzan57" and report["n_rows"] == 9
    for r in report["models"]:
        numbers = [r["accuracy_mean"], r["accuracy_std"], r["macro_f1"], *r["fold_accuracies"]]
        assert all(math.isfinite(v) for v in numbers)
        assert r["log_loss"] is None or math.isfinite(r["log_loss"])


def test_folder_with_bad_files_lists_them_and_still_trains(corpus, capfd, tmp_path):
    root = str(corpus.path("folder_some_bad_files"))
    out_model = tmp_path / "m.npz"
    code, out, err = run(["train", "--dataset", root, "--no-cache", "--feature-set", "fft1000", "--jobs", "1",
                          "--model", "knn", "--set", "n_neighbors=1", "--out", str(out_model), "-q"], capfd)
    assert code == 0, err
    assert "2 file(s) skipped" in err and "empty.wav" in err and "text.wav" in err
    assert out_model.exists()


@pytest.mark.parametrize("argv_kind", [("predict", "audio_text_as_mp3"), ("predict", "audio_truncated_mp3"),
                                       ("evaluate", "csv_text_cell"), ("predict-model", "model_truncated")])
def test_subprocess_bad_input_exits_2_with_exactly_one_stderr_line(argv_kind, corpus):
    command, name = argv_kind
    path = str(corpus.path(name))
    if command == "predict":
        argv = ["predict", path, "--model", str(DEFAULT_MODEL)]
    elif command == "predict-model":
        argv = ["predict", str(corpus.path("audio_flac")), "--model", path]
    else:
        argv = ["evaluate", "--dataset", path]
    proc = subprocess.run([sys.executable, "-m", "genre_gui.cli", *argv], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert path in one_line(proc.stderr)
