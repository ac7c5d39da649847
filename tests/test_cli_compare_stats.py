"""genre-gui-cli compare --repeats / --protocol fault-filtered: paired tests anyone can recompute."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from genre_gui import cli


def _compare(argv, capsys):
    code = cli.main(["-q", "compare", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_repeated_compare_json_has_pairwise_tests_and_every_fold(gtzan_csv, capsys):
    code, out, err = _compare(["--dataset", str(gtzan_csv), "--models", "softmax,knn", "--folds", "5",
                               "--repeats", "3", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["repeats"] == 3 and doc["folds"] == 5
    assert doc["description"] == "3 x 5-fold (stratified, grouped by clip)"
    soft, knn = doc["models"]
    assert [(f["repeat"], f["fold"]) for f in soft["folds"]] == [(r, f) for r in range(3) for f in range(5)]
    assert all(f["n_train"] == 800 and f["n_test"] == 200 for f in knn["folds"])
    (pair,) = doc["pairwise"]
    assert (pair["model_a"], pair["model_b"], pair["n_folds"]) == ("softmax", "knn", 15)
    # recompute from the per-fold scores with SciPy's paired t-test and the Nadeau-Bengio factor
    a, b = np.array(soft["fold_accuracies"]), np.array(knn["fold_accuracies"])
    n = len(a)
    t = stats.ttest_rel(a, b).statistic * np.sqrt((1 / n) / (1 / n + 200 / 800))
    assert pair["mean_difference"] == pytest.approx(np.mean(a - b), abs=1e-12)
    assert pair["t_statistic"] == pytest.approx(t, rel=1e-9)
    assert pair["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), n - 1), rel=1e-8)
    assert pair["p_better"] + pair["p_equivalent"] + pair["p_worse"] == pytest.approx(1.0)
    assert set(doc["win_tie_loss"]["softmax"]) == {"wins", "ties", "losses"}


def test_repeated_compare_text_names_the_test(gtzan_csv, capsys):
    code, out, err = _compare(["--dataset", str(gtzan_csv), "--models", "knn,softmax", "--folds", "4",
                               "--repeats", "2", "--protocol", "blocked"], capsys)
    assert code == 0, err
    assert "2 x 4-fold (blocked by clip number)" in out
    assert "paired tests on accuracy over the same 8 folds" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("knn - softmax:"))
    assert "points, t = " in line and "p = " in line and "P(better)" in line
    assert "wins/ties/losses:" in out


def test_fault_filtered_protocol(gtzan_csv, capsys):
    code, out, err = _compare(["--dataset", str(gtzan_csv), "--models", "softmax,knn",
                               "--protocol", "fault-filtered", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["protocol"] == "fault-filtered" and doc["folds"] == 1 and doc["pairwise"] == []
    soft, knn = doc["models"]
    assert soft["n_evaluated"] == knn["n_evaluated"] == 290
    assert soft["folds"][0]["n_train"] == 640
    # measured: softmax 53.1 %, k-NN 42.4 % (trained on train + validation, scored on the 290 test clips)
    assert 0.50 < soft["accuracy_mean"] < 0.57 and 0.39 < knn["accuracy_mean"] < 0.46


@pytest.mark.parametrize("argv, words", [
    (["--repeats", "0"], "--repeats must be at least 1"),
    (["--protocol", "fault-filtered"], "GTZAN clip ids"),
])
def test_bad_protocol_options_exit_2(tmp_path, gtzan_csv, argv, words, capsys):
    dataset = str(gtzan_csv)
    if "fault-filtered" in argv:  # a table whose ids are not GTZAN's
        text = gtzan_csv.read_text().splitlines()
        rows = [text[0]] + [f"song{i}.wav" + line[line.index(","):] for i, line in enumerate(text[1::25])]
        (tmp_path / "songs.csv").write_text("\n".join(rows) + "\n")
        dataset = str(tmp_path / "songs.csv")
    code, out, err = _compare(["--dataset", dataset, "--models", "knn", *argv], capsys)
    assert code == 2 and words in err, err


def test_learning_curve_json_matches_scikit_learn_on_the_documented_draw(gtzan_csv, capsys):
    from sklearn.neighbors import KNeighborsClassifier as SkKNN
    from sklearn.preprocessing import StandardScaler as SkScaler

    from genre_gui.core.datasets import load_feature_csv

    code = cli.main(["-q", "learning-curve", "--dataset", str(gtzan_csv), "--models", "knn", "--sizes",
                     "2,10", "--repeats", "1", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (curve,) = json.loads(out)["curves"]
    assert curve["model"] == "knn" and curve["sizes"] == [2, 10] and curve["repeats"] == 1
    ds = load_feature_csv(gtzan_csv)
    groups, y = np.asarray(ds.groups), np.asarray(ds.y)
    for size, acc in zip(curve["sizes"], curve["mean"]):
        # the documented draw: seed 1000 * size + repeat, `size` clips of each class in table order
        rng = np.random.default_rng(1000 * size)
        by_class = {}
        for g, label in dict(zip(groups.tolist(), y.tolist())).items():
            by_class.setdefault(label, []).append(g)
        chosen = {c for clips in by_class.values() for c in rng.permutation(clips)[:size]}
        train = np.isin(groups, list(chosen))
        sc = SkScaler().fit(ds.X[train])
        sk = SkKNN(5).fit(sc.transform(ds.X[train]), y[train])
        assert acc == pytest.approx(sk.score(sc.transform(ds.X[~train]), y[~train]), abs=1e-12)
    code = cli.main(["-q", "learning-curve", "--dataset", str(gtzan_csv), "--sizes", "100"])
    assert code == 2 and "no test clip" in capsys.readouterr().err
