"""Pipeline on the real GTZAN table and clips: feature rows, raw audio, files, and validation."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from genre_gui.core.audio_io import AudioError, load_audio, resample
from genre_gui.core.datasets import load_feature_csv
from genre_gui.core.errors import FeatureError
from genre_gui.core.features import get_feature_set
from genre_gui.core.models import KNeighborsClassifier, SoftmaxRegression
from genre_gui.core.pipeline import Pipeline, Prediction, segment_starts
from genre_gui.core.preprocessing import StandardScaler

SR = 22050


def _reserved(groups):
    return np.array([int(g.split(".")[1]) <= 12 or g == "jazz.00054" for g in groups])


@pytest.fixture(scope="module")
def table(gtzan_csv):
    return load_feature_csv(gtzan_csv)


@pytest.fixture(scope="module")
def pipe(table):
    train = table.subset(~_reserved(table.groups))
    scaler = StandardScaler().fit(train.X)
    model = SoftmaxRegression(random_state=0).fit(scaler.transform(train.X), train.y)
    return Pipeline("gtzan57", scaler, model, list(model.classes_), {"segment_seconds": 30.0})


@pytest.fixture(scope="module")
def clip(gtzan_clip_paths):
    return str(gtzan_clip_paths[0]), load_audio(gtzan_clip_paths[0])


def test_segment_starts():
    assert segment_starts(100, 100).tolist() == [0]
    assert segment_starts(50, 100).tolist() == [0]
    assert segment_starts(140, 100).tolist() == [0]  # < 1.5 windows: one window
    assert segment_starts(200, 100).tolist() == [0, 100]
    s = segment_starts(1000, 100)
    assert len(s) == 10 and s[0] == 0 and s[-1] == 900
    s = segment_starts(260, 100)  # 3 windows spread evenly to the end
    assert s.tolist() == [0, 80, 160]


def test_feature_rows_match_the_model(pipe, table):
    X = table.X[:40]
    P = pipe.predict_proba_features(X)
    ref = pipe.model.predict_proba(pipe.scaler.transform(X))
    np.testing.assert_allclose(P, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    labels = pipe.predict_features(X)
    assert labels.tolist() == np.asarray(pipe.classes)[np.argmax(ref, axis=1)].tolist()
    # a single row is accepted as a vector
    np.testing.assert_allclose(pipe.predict_proba_features(X[0]), P[:1])


def test_held_out_rows_are_classified_well_above_chance(pipe, table):
    test = table.subset(_reserved(table.groups))
    acc = float(np.mean(pipe.predict_features(test.X) == test.y))
    assert acc > 0.5, acc  # 10 classes: chance is 10 %


@pytest.mark.parametrize("bad, words", [
    (np.full((1, 57), np.nan), "NaN"),
    (np.ones((2, 56)), "57 features"),
    (np.ones((1, 2, 57)), "2-D"),
    (np.array([["a"] * 57]), "numeric"),
    (np.array([[np.inf] + [0.0] * 56]), "NaN or infinite"),
])
def test_bad_feature_rows(pipe, bad, words):
    with pytest.raises(FeatureError, match=words):
        pipe.predict_proba_features(bad)


def test_audio_of_one_clip_equals_its_feature_row(pipe, clip):
    _, y = clip
    row = get_feature_set("gtzan57").extract(y, SR)
    np.testing.assert_allclose(pipe.predict_proba_audio(y, SR), pipe.predict_proba_features(row)[0],
                               rtol=1e-12)


def test_long_audio_averages_30s_windows(pipe, gtzan_clip_paths):
    a, b = load_audio(gtzan_clip_paths[0]), load_audio(gtzan_clip_paths[30])
    both = np.concatenate([a, b])
    fs = get_feature_set("gtzan57")
    pa = pipe.predict_proba_features(fs.extract(a, SR))[0]
    pb = pipe.predict_proba_features(fs.extract(b, SR))[0]
    pred = pipe.classify_audio(both, SR)
    assert pred.n_segments == 2
    np.testing.assert_allclose(pred.probabilities, (pa + pb) / 2, rtol=1e-10)
    np.testing.assert_allclose(pred.segment_probabilities, np.stack([pa, pb]), rtol=1e-10)
    # explicit shorter windows
    assert pipe.classify_audio(both, SR, segment_seconds=10).n_segments == 6


def test_other_sample_rates_are_resampled(pipe, clip):
    _, y = clip
    y44 = resample(y.astype(np.float64), SR, 44100)
    direct = pipe.predict_proba_audio(resample(y44, 44100, SR).astype(np.float32), SR)
    np.testing.assert_allclose(pipe.predict_proba_audio(y44, 44100), direct, rtol=1e-6)
    # int16 input and (n, channels) input are accepted
    stereo = np.stack([y, y], axis=1)
    np.testing.assert_allclose(pipe.predict_proba_audio(stereo, SR), pipe.predict_proba_audio(y, SR),
                               rtol=1e-6)


@pytest.mark.parametrize("y, sr, words", [
    (np.zeros(100, np.float32), SR, "too short"),
    (np.full(SR, np.nan, np.float32), SR, "non-finite"),
    (np.zeros((2, 2, 2)), SR, "1-D"),
    (np.zeros(SR, np.float32), 0, "sample rate"),
])
def test_bad_audio(pipe, y, sr, words):
    with pytest.raises(FeatureError, match=words):
        pipe.predict_proba_audio(y, sr)


def test_silence_gives_finite_probabilities(pipe):
    p = pipe.predict_proba_audio(np.zeros(5 * SR, np.float32), SR)
    assert np.all(np.isfinite(p)) and abs(p.sum() - 1) < 1e-9


def test_predict_file(pipe, gtzan_clip_paths, tmp_path):
    pred = pipe.predict_file(gtzan_clip_paths[0])
    assert isinstance(pred, Prediction) and pred.label in pipe.classes
    d = pred.as_dict()
    assert set(d) == set(pipe.classes) and abs(sum(d.values()) - 1) < 1e-9
    # a WAV copy at 44.1 kHz gives nearly the same answer
    y = load_audio(gtzan_clip_paths[0])
    sf.write(tmp_path / "c.wav", resample(y.astype(np.float64), SR, 44100), 44100, subtype="FLOAT")
    p2 = pipe.predict_file(tmp_path / "c.wav").probabilities
    assert np.max(np.abs(p2 - pred.probabilities)) < 0.05
    with pytest.raises(AudioError, match="no such file"):
        pipe.predict_file(tmp_path / "missing.wav")


def test_real_clips_from_audio_agree_with_the_table(pipe, table, gtzan_clip_paths):
    # one clip per genre: classifying its audio must agree with classifying its published feature row
    paths = gtzan_clip_paths[::5]
    agree = 0
    for p in paths:
        row = table.X[table.groups.tolist().index(p.stem)]
        agree += pipe.predict_file(p).label == pipe.predict_features(row)[0]
    assert agree >= 9, agree


def test_pipeline_without_feature_set_refuses_audio(table):
    scaler = StandardScaler().fit(table.X)
    knn = KNeighborsClassifier(3).fit(scaler.transform(table.X), table.y)
    p = Pipeline(None, scaler, knn, list(knn.classes_))
    assert p.predict_features(table.X[:2]).tolist() == table.y[:2].tolist()
    with pytest.raises(FeatureError, match="not trained on audio"):
        p.predict_proba_audio(np.zeros(SR), SR)


def test_classes_must_match_the_model(pipe):
    with pytest.raises(ValueError):
        Pipeline("gtzan57", pipe.scaler, pipe.model, list(reversed(pipe.classes)))


# -- answers: "not music", "unsure", headline, timeline -------------------------------------------------
def test_answer_flags_and_headlines():
    from genre_gui.core.pipeline import answer_flags, headline

    classes = ["jazz", "not music", "rock"]
    # not music needs half the probability; the genres are renormalised without it
    p = np.array([0.3, 0.5, 0.2])
    assert answer_flags(p, classes, 0.4) == (True, False)
    assert headline(p, classes, True, False) == "not music (50 %)"
    p = np.array([0.36, 0.49, 0.15])  # not music 49 %: music; jazz has 0.36 / 0.51 = 71 % of the genres
    assert answer_flags(p, classes, 0.4) == (False, False)
    assert headline(p, classes, False, False) == "jazz 71 %"
    # a close call (71 % vs 29 % is not; 55 % vs 45 % is) and a weak top genre are unsure
    assert answer_flags(np.array([0.55, 0.0, 0.45]), classes, 0.4) == (False, True)
    close = np.array([0.55, 0.0, 0.45])
    assert headline(close, classes, False, True) == "unsure (top two: jazz 55 %, rock 45 %)"
    assert answer_flags(np.array([0.61, 0.0, 0.39]), classes, 0.4, unsure_margin=0.2) == (False, False)
    assert answer_flags(np.array([0.61, 0.0, 0.39]), classes, 0.65, unsure_margin=0.2) == (False, True)
    # a model without a "not music" class is never "not music"
    assert answer_flags(np.array([0.9, 0.1]), ["jazz", "rock"], 0.4) == (False, False)


def test_timeline_rows_give_each_window_its_time_and_probabilities():
    from genre_gui.core.pipeline import Prediction

    P = np.array([[0.9, 0.1], [0.2, 0.8]])
    pred = Prediction("a", P.mean(axis=0), ["a", "b"], 2, P, np.array([0.0, 2.5]), 3.0)
    assert pred.timeline() == [{"start": 0.0, "end": 3.0, "probabilities": {"a": 0.9, "b": 0.1}},
                               {"start": 2.5, "end": 5.5, "probabilities": {"a": 0.2, "b": 0.8}}]
    assert Prediction("a", np.array([1.0]), ["a"]).timeline() == []


def test_answer_is_the_one_rule_for_labels_numbers_and_words():
    from genre_gui.core.pipeline import answer

    a = answer(np.array([0.36, 0.49, 0.15]), ["jazz", "not music", "rock"], 0.4)
    assert (a.label, a.not_music, a.unsure, a.headline) == ("jazz", False, False, "jazz 71 %")
    assert a.confidence == pytest.approx(0.36 / 0.51)
    a = answer(np.array([0.3, 0.5, 0.2]), ["jazz", "not music", "rock"], 0.4)
    assert (a.label, a.confidence, a.headline) == ("not music", 0.5, "not music (50 %)")
    a = answer(np.array([0.55, 0.0, 0.45]), ["jazz", "not music", "rock"], 0.4)
    assert a.unsure and a.label == "jazz" and a.headline == "unsure (top two: jazz 55 %, rock 45 %)"
    a = answer(np.array([0.1, 0.9]), [3, 7], 0.4)  # numeric classes keep their type
    assert a.label == 7 and a.headline == "7 90 %"
