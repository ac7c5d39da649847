"""genre-gui-cli end to end on the real GTZAN table and clips: outputs, files and exit codes."""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from genre_gui import cli
from genre_gui.core.datasets import load_feature_csv
from genre_gui.core.persistence import load_pipeline, read_header


def run(argv, capsys):
    code = cli.main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("genre-gui-cli: error:") or "error:" in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def compare_run(gtzan_csv, tmp_path_factory):
    """One full `compare` (all three models, 10-fold stratified) with table, JSON and CSV outputs."""
    tmp = tmp_path_factory.mktemp("compare")
    jpath, cpath = tmp / "r.json", tmp / "r.csv"
    out = subprocess.run(
        [sys.executable, "-m", "genre_gui.cli", "compare", "--dataset", str(gtzan_csv), "--json", str(jpath),
         "--csv", str(cpath)], capture_output=True, text=True, timeout=900,
    )
    return out, json.loads(jpath.read_text()), list(csv.DictReader(cpath.open()))


def test_compare_prints_table_and_matrices(compare_run):
    out, report, rows = compare_run
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "10-fold (stratified, grouped by clip)" in text
    for name in ("softmax", "ovr_logistic", "knn"):
        assert any(line.startswith(name) and "±" in line for line in text.splitlines()), text
        assert f"{name}: confusion matrix" in text
    assert "blues" in text and "rock" in text
    # stderr (not a terminal here) holds the progress lines and nothing else: a line per 10 % of each
    # model's cross-validation, in order, each model reaching 1000/1000 (100%); no warning, no result
    progress = [re.fullmatch(r"(\w+) *: (\d+)/1000 \((\d+)%\)", line) for line in out.stderr.splitlines()]
    assert progress and all(progress), out.stderr
    assert [name for name, _ in itertools.groupby(m[1] for m in progress)] == [
        "softmax", "ovr_logistic", "knn"], out.stderr
    for name in ("softmax", "ovr_logistic", "knn"):
        steps = [(int(m[2]), int(m[3])) for m in progress if m[1] == name]
        pcts = [pct for _, pct in steps]
        assert pcts in (list(range(0, 101, 10)), list(range(10, 101, 10))), (name, out.stderr)
        assert all(done == 10 * pct for done, pct in steps), (name, out.stderr)


def test_compare_json_and_csv_agree(compare_run, gtzan_csv):
    _, report, rows = compare_run
    assert report["n_clips"] == 1000 and report["folds"] == 10 and report["protocol"] == "stratified"
    assert [m["model"] for m in report["models"]] == ["softmax", "ovr_logistic", "knn"]
    for m, row in zip(report["models"], rows):
        assert row["model"] == m["model"]
        assert float(row["accuracy_mean"]) == pytest.approx(m["accuracy_mean"], abs=1e-6)
        assert len(m["fold_accuracies"]) == 10
        assert m["accuracy_mean"] == pytest.approx(np.mean(m["fold_accuracies"]))
        conf = np.array(m["confusion"])
        assert conf.shape == (10, 10) and conf.sum() == 1000
        assert conf.trace() / 1000 == pytest.approx(m["oof_accuracy"])
        # measured (10-fold stratified, seed 0): softmax 71.9 %, one-vs-rest 70.7 %, k-NN 69.1 %
        assert m["accuracy_mean"] > {"softmax": 0.69, "ovr_logistic": 0.68, "knn": 0.66}[m["model"]]
        assert m["accuracy_mean"] < 0.95


def test_compare_knn_matches_scikit_learn_on_the_same_folds(compare_run, gtzan_csv):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    from genre_gui.core.evaluation import stratified_group_kfold

    _, report, _ = compare_run
    knn = next(m for m in report["models"] if m["model"] == "knn")
    ds = load_feature_csv(gtzan_csv)
    accs = []
    for train, test in stratified_group_kfold(ds.y, ds.groups, 10, random_state=0):
        sc = StandardScaler().fit(ds.X[train])
        clf = KNeighborsClassifier(knn["params"]["n_neighbors"]).fit(sc.transform(ds.X[train]), ds.y[train])
        accs.append(np.mean(clf.predict(sc.transform(ds.X[test])) == ds.y[test]))
    np.testing.assert_allclose(knn["fold_accuracies"], accs)


def test_evaluate_blocked_and_holdout(gtzan_csv, capsys):
    code, out, err = run(["evaluate", "--dataset", str(gtzan_csv), "--model", "knn", "--protocol", "blocked",
                          "--folds", "5", "--json"], capsys)
    assert code == 0, err
    r = json.loads(out)
    assert r["protocol"] == "blocked" and len(r["models"][0]["fold_accuracies"]) == 5
    code, out, err = run(["evaluate", "--dataset", str(gtzan_csv), "--model", "knn", "--protocol", "holdout",
                          "--test-size", "0.25"], capsys)
    assert code == 0, err
    assert "hold-out 25 % (stratified, grouped by clip)" in out and "knn: confusion matrix" in out


def test_train_then_predict(tmp_path, gtzan_csv, gtzan_clip_paths, capsys):
    model = tmp_path / "m.npz"
    code, out, err = run(["train", "--dataset", str(gtzan_csv), "--model", "softmax", "--set", "max_iter=50",
                          "--out", str(model)], capsys)
    assert code == 0, err
    pipe = load_pipeline(model)
    assert pipe.feature_set == "gtzan57" and pipe.model.get_params()["max_iter"] == 50
    files = [str(gtzan_clip_paths[0]), str(gtzan_clip_paths[45])]
    code, out, err = run(["predict", *files, "--model", str(model), "--json"], capsys)
    assert code == 0, err
    res = json.loads(out)
    assert [r["file"] for r in res] == files
    for r in res:
        assert r["genre"] in pipe.classes
        assert sum(r["probabilities"].values()) == pytest.approx(1.0)
        assert r["genre"] == max(r["probabilities"], key=r["probabilities"].get)
    code, out, err = run(["predict", files[0], "--model", str(model)], capsys)
    assert code == 0 and out.startswith(files[0] + ": ")


def test_predict_reports_bad_files_and_exits_2(tmp_path, gtzan_csv, gtzan_clip_paths, capsys):
    model = tmp_path / "m.npz"
    assert run(["train", "--dataset", str(gtzan_csv), "--model", "knn", "--out", str(model)], capsys)[0] == 0
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    argv = ["predict", str(gtzan_clip_paths[0]), str(bad), "--model", str(model), "--json"]
    code, out, err = run(argv, capsys)
    assert code == 2
    res = json.loads(out)
    assert "genre" in res[0] and res[1]["file"] == str(bad) and str(bad) in res[1]["error"]


def test_predict_without_default_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "DEFAULT_MODEL", tmp_path / "absent.npz")
    code, out, err = run(["predict", "x.wav"], capsys)
    assert code == 2
    assert "no default model" in _one_line_error(err) and "train-default" in err


def test_train_default_excludes_reserved_clips(tmp_path, gtzan_csv, capsys):
    out_path = tmp_path / "default.npz"
    code, out, err = run(["train-default", "--table", "--out", str(out_path), "--csv", str(gtzan_csv),
                          "--folds", "3"], capsys)
    assert code == 0, err
    h = read_header(out_path)
    meta = h["metadata"]
    assert meta["n_train"] == 1000 - 10 * 13 - 1
    assert meta["protocol"] == "3-fold (blocked by clip number)"
    assert {c["model"] for c in meta["cv_all"]} == {"softmax", "ovr_logistic", "knn"}
    assert {c["preprocessing"] for c in meta["cv_all"]} == {"standardised", "log-variances"}
    best = max(meta["cv_all"], key=lambda c: c["accuracy"])
    assert h["model"]["type"] == best["model"] == meta["model"]
    assert meta["cv_accuracy"] == best["accuracy"]
    # tempo is never used: the table's tempo comes from an older librosa than any live extraction
    assert h["scaler_params"]["ignore_columns"] == [load_feature_csv(gtzan_csv).columns.index("tempo")]
    # the reserved clips really are unseen: a 1-NN model would be perfect on its own training rows
    pipe = load_pipeline(out_path)
    ds = load_feature_csv(gtzan_csv)
    reserved = cli.reserved_mask(ds.groups)
    assert reserved.sum() == 131 and ds.groups[reserved].tolist().count("jazz.00054") == 1
    acc = np.mean(pipe.predict_features(ds.X[reserved]) == ds.y[reserved])
    assert 0.51 < acc < 0.95  # measured 54.2 % (trained with 3-fold selection on the other 869 rows)


def test_extract_round_trip(tmp_path, gtzan_clips_dir, capsys):
    root = tmp_path / "music"
    for g in ("blues", "metal"):
        (root / g).mkdir(parents=True)
        for src in sorted((gtzan_clips_dir / g).glob("*.flac"))[:2]:
            (root / g / src.name).symlink_to(src)
    out_csv, out_npz = tmp_path / "f.csv", tmp_path / "f.npz"
    argv = ["extract", str(root), "--out", str(out_csv), "--feature-set", "mfcc13", "--no-cache"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    code, _, err = run(["extract", str(root), "--out", str(out_npz), "--feature-set", "mfcc13",
                        "--cache", str(tmp_path / "c.sqlite")], capsys)
    assert code == 0, err
    from genre_gui.core.datasets import load_dataset

    a, b = load_dataset(out_csv), load_dataset(out_npz)
    np.testing.assert_allclose(a.X, b.X, rtol=1e-15)
    assert a.groups.tolist() == ["blues.00000", "blues.00001", "metal.00000", "metal.00001"]
    assert a.feature_set == b.feature_set == "mfcc13"


@pytest.mark.parametrize("argv, words", [
    (["compare", "--dataset", "/no/such/file.csv"], "no such file"),
    (["compare"], "--dataset"),
    (["compare", "--dataset", "x.csv", "--protocol", "random"], "invalid choice"),
    (["compare", "--dataset", "x.csv", "--folds", "many"], "invalid int"),
    (["evaluate", "--dataset", "x.csv", "--model", "svm"], "invalid choice"),
    (["nonsense"], "invalid choice"),
    (["train", "--dataset", "x.csv", "--set", "novalue", "--out", "m.npz"], "NAME=VALUE"),
])
def test_bad_usage_exits_2_with_one_line(argv, words, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse errors exit from inside the parser
        code = exc.code
    assert code == 2
    assert words in _one_line_error(capsys.readouterr().err)


def test_bad_dataset_files_exit_2(tmp_path, gtzan_csv, capsys):
    lines = gtzan_csv.read_text().splitlines()
    nan_csv = tmp_path / "nan.csv"
    cells = lines[5].split(",")
    cells[7] = "nan"
    nan_csv.write_text("\n".join(lines[:5] + [",".join(cells)] + lines[6:40]) + "\n")
    code, out, err = run(["compare", "--dataset", str(nan_csv), "--folds", "2"], capsys)
    assert code == 2 and "row 6" in _one_line_error(err) and str(nan_csv) in err
    code, out, err = run(["compare", "--dataset", str(gtzan_csv), "--folds", "1"], capsys)
    assert code == 2 and "--folds" in _one_line_error(err)
    code, out, err = run(["train", "--dataset", str(gtzan_csv), "--set", "solver=foo", "--out",
                          str(tmp_path / "m.npz")], capsys)
    assert code == 2 and "solver" in _one_line_error(err) and not (tmp_path / "m.npz").exists()
    code, out, err = run(["compare", "--dataset", str(gtzan_csv), "--models", "knn,svm"], capsys)
    assert code == 2 and "svm" in _one_line_error(err)
    code, out, err = run(["extract", str(tmp_path), "--out", str(tmp_path / "x.txt")], capsys)
    assert code == 2 and ".csv or .npz" in _one_line_error(err)
    code, out, err = run(["extract", str(tmp_path / "none"), "--out", str(tmp_path / "x.csv")], capsys)
    assert code == 2 and "no such folder" in _one_line_error(err)


def test_bad_audio_input_exits_2_before_the_cache_is_created(tmp_path, monkeypatch, capsys):
    """A wrong feature set or a folder without audio is refused in one line, and the (temporary) user
    cache stays empty: no features.sqlite, no library state; a good folder does create the cache."""
    cache_home = tmp_path / "xdg_cache"
    cache_home.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    no_audio = tmp_path / "no_audio"
    for label in ("blues", "rock"):
        (no_audio / label).mkdir(parents=True)
        (no_audio / label / "notes.txt").write_text("not a song")
    out = tmp_path / "x.csv"
    cases = [
        (["extract", str(no_audio), "--feature-set", "bogus", "--out", str(out)], "bogus"),
        (["extract", str(no_audio), "--out", str(out)], "no audio files found"),
        (["compare", "--dataset", str(no_audio), "--folds", "2"], "no audio files found"),
        (["evaluate", "--dataset", str(no_audio), "--folds", "2", "--feature-set", "bogus"], "bogus"),
        (["learning-curve", "--dataset", str(no_audio)], "no audio files found"),
        (["classify", str(no_audio), "--out", str(out)], "no audio files found"),
    ]
    for argv, problem in cases:
        try:
            code, _out, err = run(argv, capsys)
        except SystemExit as exc:  # refused by the parser (argparse exits)
            code, err = exc.code, capsys.readouterr().err
        assert code == 2 and problem in _one_line_error(err), (argv, err)
        assert list(cache_home.rglob("*")) == [], (argv, list(cache_home.rglob("*")))
        assert not out.exists()
    # the same check on a folder with audio: the cache is created (so the check above can fail)
    sr = 22050
    for label, freq in (("low", 220.0), ("high", 3000.0)):
        (tmp_path / "songs" / label).mkdir(parents=True)
        for i in range(2):
            t = np.arange(sr) / sr
            sf.write(tmp_path / "songs" / label / f"{label}{i}.wav",
                     (0.3 * np.sin(2 * np.pi * freq * (1 + i / 10) * t)).astype(np.float32), sr)
    code, _out, err = run(["extract", str(tmp_path / "songs"), "--feature-set", "mfcc13", "--jobs", "1",
                           "--out", str(out)], capsys)
    assert code == 0, err
    assert (cache_home / "genre_gui" / "features.sqlite").exists() and out.exists()


def test_an_mnist_folder_is_scored_on_its_own_split_by_default(idx_folder, tmp_path, capsys):
    """compare / evaluate / train on a folder with train and t10k IDX files use its official split
    unless --protocol says otherwise."""
    folder = str(idx_folder.path)
    code, out, err = run(["compare", "--dataset", folder, "--models", "knn", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["protocol"] == "predefined" and "own split" in report["description"]
    assert report["models"][0]["n_evaluated"] == idx_folder.n_test
    code, out, err = run(["evaluate", "--dataset", folder, "--model", "knn", "--json"], capsys)
    assert code == 0 and json.loads(out)["models"][0]["n_evaluated"] == idx_folder.n_test, err
    # an explicit --protocol wins: 3-fold over all 84 rows
    code, out, err = run(["compare", "--dataset", folder, "--models", "knn", "--protocol", "stratified",
                          "--folds", "3", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["protocol"] == "stratified"
    assert report["models"][0]["n_evaluated"] == idx_folder.n_train + idx_folder.n_test
    model = tmp_path / "m.npz"
    code, out, err = run(["train", "--dataset", folder, "--model", "knn", "--out", str(model)], capsys)
    assert code == 0, err
    assert f"the {idx_folder.n_train} training rows" in out and f"its {idx_folder.n_test} test rows" in out
    assert load_pipeline(model).metadata["n_train"] == idx_folder.n_train
    code, out, err = run(["train", "--dataset", folder, "--model", "knn", "--protocol", "all", "--out",
                          str(model)], capsys)
    assert code == 0 and load_pipeline(model).metadata["n_train"] == idx_folder.n_train + idx_folder.n_test


def test_module_entry_point_and_help():
    out = subprocess.run([sys.executable, "-m", "genre_gui.cli", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0
    for cmd in ("extract", "train", "evaluate", "compare", "predict", "train-default"):
        assert cmd in out.stdout
    bad = subprocess.run([sys.executable, "-m", "genre_gui.cli", "predict", "/no/file.wav", "--model",
                          "/no/model.npz"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert _one_line_error(bad.stderr).endswith("/no/model.npz: no such file")


def test_progress_bars_go_to_stderr_and_quiet_works_after_the_command(gtzan_csv, capsys):
    argv = ["evaluate", "--dataset", str(gtzan_csv), "--model", "softmax", "--folds", "2",
            "--set", "max_iter=20"]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    assert "softmax" in err and "100%" in err  # progress (stderr is not a terminal here)
    assert "%" in out and "softmax: confusion matrix" in out
    assert cli.main([*argv, "-q"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "softmax: confusion matrix" in out


def test_evaluate_audio_folder_in_segment_mode_scores_clips(tmp_path, gtzan_clips_dir, capsys):
    root = tmp_path / "music"
    for g in ("classical", "metal"):
        (root / g).mkdir(parents=True)
        for src in sorted((gtzan_clips_dir / g).glob("*.flac"))[:4]:
            (root / g / src.name).symlink_to(src)
    code, out, err = run(["evaluate", "--dataset", str(root), "--feature-set", "mfcc13", "--segment-seconds",
                          "10", "--folds", "2", "--model", "knn", "--no-cache", "--json"], capsys)
    assert code == 0, err
    r = json.loads(out)
    assert r["n_rows"] == 24 and r["n_clips"] == 8
    m = r["models"][0]
    assert m["clips_aggregated"] and m["n_evaluated"] == 8 and np.sum(m["confusion"]) == 8


def test_version(capsys):
    from genre_gui import __version__

    with pytest.raises(SystemExit) as ei:
        cli.main(["--version"])
    assert ei.value.code == 0
    assert capsys.readouterr().out.strip() == f"genre-gui-cli {__version__}"
