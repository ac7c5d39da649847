"""core.experiment: protocols, their splits, one model's evaluation, paired tests and the learning curve."""

import dataclasses
import hashlib
import json

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier as SkKNN
from sklearn.preprocessing import StandardScaler as SkScaler

from genre_gui.assets import DEMO_CSV, GTZAN_TEST, GTZAN_TRAIN, GTZAN_VALID
from genre_gui.core.datasets import Dataset, load_feature_csv
from genre_gui.core.evaluation import blocked_kfold, parse_clip_ids
from genre_gui.core.evaluation.significance import corrected_resampled_ttest
from genre_gui.core.experiment import (
    ModelSpec,
    Protocol,
    TrainingRun,
    evaluate_model,
    fault_filtered_split,
    learning_curve,
    learning_curve_sizes,
)


@pytest.fixture(scope="module")
def table():
    return load_feature_csv(DEMO_CSV)


def _clips_of(ds, rows):
    return set(np.asarray(ds.groups)[rows].tolist())


def test_protocol_refuses_bad_settings_by_name():
    with pytest.raises(ValueError, match="unknown protocol"):
        Protocol("bootstrap")
    with pytest.raises(ValueError, match="fold kind"):
        Protocol("kfold", fold_kind="random")
    with pytest.raises(ValueError, match="between 0 and 100"):
        Protocol("holdout", test_percent=100)
    with pytest.raises(ValueError, match="at least 2 folds"):
        Protocol("kfold", n_splits=1)
    with pytest.raises(ValueError, match="repeats"):
        Protocol("kfold", repeats=0)


def test_descriptions_say_what_was_done():
    assert Protocol("holdout", test_percent=25).describe() == "hold-out 25 % (stratified, grouped by clip)"
    assert Protocol("kfold", n_splits=10).describe() == "10-fold (stratified, grouped by clip)"
    assert Protocol("kfold", n_splits=10, repeats=10, fold_kind="blocked").describe() == (
        "10 x 10-fold (blocked by clip number)")
    assert Protocol("holdout", repeats=5).n_repeats == 1  # a hold-out is never repeated
    assert "fault-filtered" in Protocol("fault-filtered").describe()
    assert Protocol("kfold", segment_mode=True).describe().endswith("segments scored per clip")


def test_repeated_stratified_folds_test_every_clip_once_per_repeat(table):
    splits = Protocol("kfold", n_splits=5, repeats=3, random_state=4).splits(table)
    assert len(splits) == 15
    assert [(s.repeat, s.fold) for s in splits] == [(r, f) for r in range(3) for f in range(5)]
    n = len(table)
    for r in range(3):
        tests = np.concatenate([s.test_idx for s in splits if s.repeat == r])
        assert np.array_equal(np.sort(tests), np.arange(n))
    for s in splits:
        assert not set(s.train_idx.tolist()) & set(s.test_idx.tolist())
        assert len(s.train_idx) + len(s.test_idx) == n
    # the repeats really are other splits, and the same protocol gives the same splits again
    assert not np.array_equal(splits[0].test_idx, splits[5].test_idx)
    again = Protocol("kfold", n_splits=5, repeats=3, random_state=4).splits(table)
    assert all(np.array_equal(a.test_idx, b.test_idx) for a, b in zip(splits, again))


def test_repeated_blocked_folds_keep_contiguous_blocks(table):
    splits = Protocol("kfold", n_splits=10, repeats=3, fold_kind="blocked").splits(table)
    plain = blocked_kfold(table.groups, table.y, 10)
    for s, (_, test) in zip(splits[:10], plain):
        assert np.array_equal(s.test_idx, test)  # repeat 0 is the plain blocked split
    genres, numbers = parse_clip_ids(table.groups)
    for s in splits[10:]:
        for g in np.unique(genres):
            nums = np.sort(numbers[s.test_idx][genres[s.test_idx] == g])
            # one block of 10 consecutive clip numbers of every genre (each genre has 100 clips here)
            assert nums.shape[0] == 10 and nums[-1] - nums[0] == 9 and nums[0] % 10 == 0
    assert any(not np.array_equal(a.test_idx, b.test_idx) for a, b in zip(splits[:10], splits[10:20]))


def _split_file(path):
    text = path.read_text()
    return {line.rsplit("/", 1)[-1].removesuffix(".wav") for line in text.split()}


def test_bundled_split_lists_are_the_published_ones():
    # md5 of jongpillee/music_dataset_split's GTZAN_split files (also coreyker/dnn-mgr's)
    expected = {GTZAN_TRAIN: "d55795dd4bc006e94d1c1b092bfe9da3",
                GTZAN_VALID: "bf8b8540ab13630c984d6331b3102191",
                GTZAN_TEST: "6dbab6aabd0c49a20bc3b6df10986454"}
    for path, md5 in expected.items():
        assert hashlib.md5(path.read_bytes()).hexdigest() == md5, path.name


def test_fault_filtered_split_on_the_gtzan_table(table):
    train, test = fault_filtered_split(table.groups)
    # 443 train + 197 validation, 290 test; 70 clips of the table are in no list
    assert (len(train), len(test)) == (640, 290)
    ids = [g.removesuffix(".wav") for g in np.asarray(table.groups).tolist()]
    assert {ids[i] for i in test} == _split_file(GTZAN_TEST)
    assert {ids[i] for i in train} == _split_file(GTZAN_TRAIN) | _split_file(GTZAN_VALID)
    only_train, _ = fault_filtered_split(table.groups, use_validation=False)
    assert len(only_train) == 443
    assert not _clips_of(table, train) & _clips_of(table, test)


def test_fault_filtered_split_refuses_other_ids():
    with pytest.raises(ValueError, match="GTZAN clip ids"):
        fault_filtered_split(np.array(["song one.mp3", "song two.mp3"]))
    with pytest.raises(ValueError, match="0 test rows"):
        fault_filtered_split(np.array(["blues.00029.wav", "blues.00030.wav"]))  # both in its train list


def test_kfold_scores_match_scikit_learn_knn(table):
    """Each fold's accuracy is scikit-learn's k-NN on the same fold, scaled on the training rows only."""
    proto = Protocol("kfold", n_splits=4, repeats=2, random_state=1)
    splits = proto.splits(table)
    r = evaluate_model(ModelSpec("knn", {"n_neighbors": 5}), table, proto, splits=splits)
    assert len(r.fold_scores) == 8
    for s, f in zip(splits, r.fold_scores):
        scaler = SkScaler().fit(table.X[s.train_idx])
        sk = SkKNN(n_neighbors=5).fit(scaler.transform(table.X[s.train_idx]), table.y[s.train_idx])
        expected = np.mean(sk.predict(scaler.transform(table.X[s.test_idx])) == table.y[s.test_idx])
        assert f.accuracy == pytest.approx(expected, abs=1e-12)
        assert (f.repeat, f.fold, f.n_train, f.n_test) == (s.repeat, s.fold, 750, 250)
    assert r.accuracy == pytest.approx(np.mean(r.fold_accuracies))
    assert r.accuracy_std == pytest.approx(np.std(r.fold_accuracies)) and r.accuracy_std > 0
    # the confusion matrix is the first repeat: every clip once
    assert len(r.y_true) == 1000 and int(np.sum(r.evaluation.confusion)) == 1000
    assert r.pipeline is not None and r.pipeline.metadata["n_train"] == 1000  # refit on every clip
    assert r.test_train_ratio == pytest.approx(1 / 3)


def test_holdout_keeps_the_model_trained_without_the_test_clips(table):
    proto = Protocol("holdout", test_percent=20, random_state=3)
    r = evaluate_model(ModelSpec("knn", {"n_neighbors": 3}), table, proto)
    assert len(r.fold_scores) == 1 and r.accuracy_std == 0.0 and not r.has_spread
    assert r.pipeline.metadata["n_train"] == 800
    kept = r.pipeline.model.X_fit_.shape[0]
    assert kept == 800  # not refit on the test clips
    # the kept model's predictions on the test clips are the reported ones
    train, test = proto.splits(table)[0].train_idx, proto.splits(table)[0].test_idx
    assert np.array_equal(np.sort(r.clip_ids), np.sort(np.asarray(table.groups)[test]))
    pred = r.pipeline.predict_features(table.X[test])
    order = np.argsort(np.asarray(table.groups)[test])
    assert np.array_equal(pred[order], r.y_pred[np.argsort(r.clip_ids)])
    assert r.accuracy == pytest.approx(np.mean(pred == table.y[test]))
    assert len(train) == 800


def test_fit_final_false_scores_without_refitting(table):
    r = evaluate_model(ModelSpec("knn"), table, Protocol("kfold", n_splits=3), fit_final=False)
    assert r.pipeline is None and len(r.fold_scores) == 3


def test_segments_are_scored_per_clip():
    rng = np.random.default_rng(0)
    clips = [f"{g}.{i:05d}.wav" for g in ("blues", "rock") for i in range(6)]
    groups = np.repeat(clips, 3)  # three segments per clip
    y = np.array([c.split(".")[0] for c in groups])
    X = rng.normal(size=(len(y), 4)) + (y == "rock")[:, None] * 2.0
    ds = Dataset(X, y, groups, ["blues", "rock"], [f"f{i}" for i in range(4)], list(groups), "segments")
    proto = Protocol("kfold", n_splits=3, segment_mode=True)
    r = evaluate_model(ModelSpec("knn", {"n_neighbors": 3}), ds, proto)
    assert r.aggregated and len(r.y_true) == 12 and sorted(r.clip_ids.tolist()) == sorted(clips)
    assert all(f.n_test == 4 and f.n_train == 8 for f in r.fold_scores)  # clips, not rows


def test_run_pairs_models_on_the_same_folds_and_serialises(table):
    proto = Protocol("kfold", n_splits=5, repeats=2)
    splits = proto.splits(table)
    results = [evaluate_model(ModelSpec(m), table, proto, splits=splits, fit_final=False)
               for m in ("softmax", "knn")]
    run = TrainingRun(results, proto.describe(), "table", 1000, spec=proto)
    (test,) = run.pairwise()
    mean, t, p = corrected_resampled_ttest(results[0].fold_accuracies, results[1].fold_accuracies, 0.25)
    assert (test.model_a, test.model_b, test.n_folds) == ("softmax", "knn", 10)
    assert (test.mean_difference, test.t_statistic, test.p_value) == pytest.approx((mean, t, p))
    assert test.test_train_ratio == pytest.approx(0.25)
    doc = json.loads(json.dumps(run.to_json(), allow_nan=False))
    assert doc["protocol_spec"]["repeats"] == 2
    assert doc["protocol"] == "2 x 5-fold (stratified, grouped by clip)"
    assert len(doc["models"][0]["folds"]) == 10 and doc["pairwise"][0]["p_value"] == pytest.approx(p)
    assert set(doc["win_tie_loss"]) == {"softmax", "knn"}
    # a hold-out has no spread: no paired test is made from a single score
    single = [evaluate_model(ModelSpec(m), table, Protocol("holdout")) for m in ("softmax", "knn")]
    assert TrainingRun(single, "hold-out", "table", 200).pairwise() == []


def test_learning_curve_sizes_and_growth(table):
    # 100 clips per genre: the ladder up to 99, thinned to 7 points keeping both ends
    assert learning_curve_sizes(table) == [1, 2, 3, 10, 20, 30, 50]
    assert learning_curve_sizes(table.subset(np.flatnonzero(
        np.array([int(g.split(".")[1]) < 6 for g in table.groups])))) == [1, 2, 3, 5]
    curve = learning_curve(ModelSpec("knn", {"n_neighbors": 1}), table, [1, 20], repeats=3)
    assert curve.sizes == [1, 20] and curve.repeats == 3
    assert curve.n_test == [1000 - 10, 1000 - 200]
    # measured: 1 clip per genre 24.0 %, 20 per genre 52.6 % (1-NN, 3 draws)
    assert curve.mean[0] < 0.35 < 0.45 < curve.mean[1]
    with pytest.raises(ValueError, match="no test clip"):
        learning_curve(ModelSpec("knn"), table, [100], repeats=1)


def test_predefined_split_protocol():
    rng = np.random.default_rng(1)
    y = np.repeat(["a", "b"], 20)
    X = rng.normal(size=(40, 3)) + (y == "b")[:, None] * 3.0
    split = np.array((["train"] * 15 + ["test"] * 5) * 2)
    ids = [f"r{i}" for i in range(40)]
    ds = Dataset(X, y, np.array(ids), ["a", "b"], ["f0", "f1", "f2"], ids, "toy", split=split)
    (s,) = Protocol("predefined").splits(ds)
    assert s.train_idx.tolist() == [i for i in range(40) if split[i] == "train"]
    assert s.test_idx.tolist() == [i for i in range(40) if split[i] == "test"]
    r = evaluate_model(ModelSpec("knn", {"n_neighbors": 3}), ds, Protocol("predefined"))
    assert len(r.y_true) == 10 and r.pipeline.metadata["n_train"] == 30
    assert "own split" in Protocol("predefined").describe()
    # the split follows rows through subset and concat
    sub = ds.subset(np.arange(0, 40, 2))
    assert sub.split.tolist() == split[::2].tolist()
    with pytest.raises(ValueError, match="no split of its own"):
        Protocol("predefined").splits(Dataset(X, y, np.array(ids), ["a", "b"], ["f0", "f1", "f2"], ids))
    with pytest.raises(ValueError, match="0 test rows"):
        Protocol("predefined").splits(dataclasses.replace(ds, split=np.array(["train"] * 40)))
