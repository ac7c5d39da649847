"""core.explain pinned where mutation testing found it loose, on data small enough to work out by hand.

The k-NN cases use five training points on a plane (no scaler: the distances are the coordinates'),
the linear ones a model whose weights and intercepts are set to literals; every expected neighbour,
vote, contribution and message below is computed by hand in the comments.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from genre_gui.core.errors import FeatureError
from genre_gui.core.explain import (
    LinearExplanation,
    NeighbourExplanation,
    NoExplanation,
    explain,
    feature_names,
    record_training_rows,
    training_rows_from_dataset,
)
from genre_gui.core.models import KNeighborsClassifier, SoftmaxRegression
from genre_gui.core.pipeline import Pipeline

# five training rows: distances from the query (0.5, 0) are 0.5, 0.5, 2.5, sqrt(16.25) = 4.03, 5.5
X5 = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [0.0, 4.0], [6.0, 0.0]])
Y5 = np.array(["a", "a", "b", "b", "b"])
Q = np.array([0.5, 0.0])
SOURCES5 = ["/m/blues.00000.0.wav", "/m/blues.00000.1.wav", "/m/rock.00001.wav", "/m/rock.00002.wav",
            "/m/rock.00003.wav"]


def _knn(k=3, weights="uniform", X=X5, y=Y5, metadata=None):
    model = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y)
    return Pipeline(None, None, model, list(model.classes_), metadata)


def test_neighbours_and_vote_by_hand():
    e = explain(_knn(), Q)
    assert isinstance(e, NeighbourExplanation)
    assert e.model == "knn" and e.n_neighbors == 3 and e.metric == "euclidean" and e.weights == "uniform"
    assert [(n.rank, n.row, n.label, n.segment) for n in e.neighbours] == [
        (1, 0, "a", 0), (2, 1, "a", 0), (3, 2, "b", 0)]
    assert [n.distance for n in e.neighbours] == pytest.approx([0.5, 0.5, 2.5], abs=1e-12)
    assert e.probabilities == pytest.approx({"a": 2 / 3, "b": 1 / 3}, abs=1e-12)
    assert e.predicted == "a" and e.n_segments == 1
    assert e.excluded_clip is None and e.n_excluded == 0 and not e.sources_known
    # weights 1/d: 2, 2 and 0.4, so a has 4 / 4.4 of the vote
    e = explain(_knn(weights="distance"), Q)
    assert e.probabilities == pytest.approx({"a": 10 / 11, "b": 1 / 11}, abs=1e-12)


def test_leaving_out_a_clip_down_to_exactly_k_rows():
    clips = ["c0", "c0", "c1", "c2", "c3"]
    e = explain(_knn(), Q, exclude_clip="c0", train_sources=SOURCES5, train_clips=clips)
    # three rows are left for three neighbours: rows 2, 3, 4, all b
    assert isinstance(e, NeighbourExplanation)
    assert [n.row for n in e.neighbours] == [2, 3, 4] and e.n_excluded == 2 and e.excluded_clip == "c0"
    assert [n.clip for n in e.neighbours] == ["c1", "c2", "c3"]
    assert [n.source for n in e.neighbours] == SOURCES5[2:]
    assert e.probabilities == pytest.approx({"a": 0.0, "b": 1.0}) and e.predicted == "b"
    no = explain(_knn(k=4), Q, exclude_clip="c0", train_sources=SOURCES5, train_clips=clips)
    assert isinstance(no, NoExplanation) and no.model == "knn"
    assert no.reason == "Only 3 training rows are left; the model needs 4 neighbours."


def test_leaving_out_without_known_clips_says_why():
    no = explain(_knn(), Q, exclude_clip="c0")
    assert isinstance(no, NoExplanation) and no.model == "knn"
    assert no.reason == ("The model does not record which clip each training row came from, so c0's own "
                         "rows cannot be left out.")


def test_clip_ids_come_from_the_metadata_or_from_the_sources():
    clips = ["x0", "x1", "x2", "x3", "x4"]
    both = explain(_knn(metadata={"train_sources": SOURCES5, "train_clips": clips}), Q)
    assert both.sources_known and [n.clip for n in both.neighbours] == ["x0", "x1", "x2"]
    assert [n.source for n in both.neighbours] == SOURCES5[:3]
    # sources only: the clip id is the file name without folder, extension and segment number
    only = explain(_knn(metadata={"train_sources": SOURCES5}), Q)
    assert [n.clip for n in only.neighbours] == ["blues.00000", "blues.00000", "rock.00001"]
    # sources given as an argument: the metadata's clip ids belong to other sources and are not used
    arg = explain(_knn(metadata={"train_clips": clips}), Q, train_sources=SOURCES5)
    assert [n.clip for n in arg.neighbours] == ["blues.00000", "blues.00000", "rock.00001"]
    # a text where a list belongs, or a list of another length, is not a list of sources
    for bad in ("abcde", SOURCES5[:4]):
        e = explain(_knn(metadata={"train_sources": bad}), Q)
        assert not e.sources_known and e.neighbours[0].source is None and e.neighbours[0].clip is None


def test_segments_at_equal_distances_are_listed_by_segment():
    # one neighbour each: segment 0 (9, 0) is 1 from row 1, segment 1 (1, 0) is 1 from row 0
    pipe = _knn(k=1, X=np.array([[0.0, 0.0], [10.0, 0.0]]), y=np.array(["a", "b"]))
    e = explain(pipe, np.array([[9.0, 0.0], [1.0, 0.0]]))
    assert [(n.rank, n.segment, n.row) for n in e.neighbours] == [(1, 0, 1), (2, 1, 0)]
    assert e.n_segments == 2 and e.probabilities == pytest.approx({"a": 0.5, "b": 0.5})


def test_no_rows_is_a_feature_error():
    with pytest.raises(FeatureError) as err:
        explain(_knn(), np.zeros((0, 2)))
    assert str(err.value) == "no feature rows to explain"


def test_record_training_rows_messages_and_defaults():
    pipe = _knn()
    with pytest.raises(ValueError) as err:
        record_training_rows(pipe, SOURCES5[:3], ["c0", "c1"])
    assert str(err.value) == "3 sources but 2 clip ids"
    with pytest.raises(ValueError) as err:
        record_training_rows(pipe, SOURCES5[:4])
    assert str(err.value) == "the model holds 5 training rows, got 4 sources"
    record_training_rows(pipe, SOURCES5)
    assert pipe.metadata["train_clips"] == SOURCES5  # clip ids default to the sources
    # a model that keeps no training rows takes any number of them
    lin = _linear()
    record_training_rows(lin, ["s0", "s1", "s2"], [1, 2, 3])
    assert lin.metadata["train_sources"] == ["s0", "s1", "s2"]
    assert lin.metadata["train_clips"] == ["1", "2", "3"]


def _dataset(X):
    n = len(X)
    return SimpleNamespace(X=np.asarray(X, dtype=np.float64), groups=np.array([f"g{i}" for i in range(n)]),
                           sources=[f"s{i}" for i in range(n)])


def test_training_rows_of_twins_are_handed_out_in_order():
    # rows 0 and 3 are identical: trained on both, the first training row is row 0 and the last row 3
    ds = _dataset([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [0.0, 0.0]])
    pipe = _knn(k=1, X=ds.X, y=np.array(["a", "a", "b", "b"]))
    assert training_rows_from_dataset(pipe, ds) == (["s0", "s1", "s2", "s3"], ["g0", "g1", "g2", "g3"])
    # a row trained on twice but in the dataset once is named both times
    ds3 = _dataset(ds.X[:3])
    twice = _knn(k=1, X=ds.X[[0, 1, 2, 2]], y=np.array(["a", "a", "b", "b"]))
    assert training_rows_from_dataset(twice, ds3) == (["s0", "s1", "s2", "s2"], ["g0", "g1", "g2", "g2"])


def test_training_rows_not_found_is_none():
    ds = _dataset(X5)
    pipe = _knn()
    assert training_rows_from_dataset(pipe, None) is None
    assert training_rows_from_dataset(_linear(), ds) is None  # keeps no training rows
    assert training_rows_from_dataset(pipe, _dataset(X5[:, 0])) is None  # 1-D features
    assert training_rows_from_dataset(pipe, _dataset(np.c_[X5, X5])) is None  # other width
    assert training_rows_from_dataset(pipe, ds) == (["s0", "s1", "s2", "s3", "s4"],
                                                    ["g0", "g1", "g2", "g3", "g4"])


class _Nameless:
    classes_ = np.array(["a", "b"])

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)


def test_a_model_without_a_name_is_named_by_its_class():
    e = explain(Pipeline(None, None, _Nameless(), ["a", "b"]), Q)
    assert isinstance(e, NoExplanation) and e.model == "_Nameless"
    assert e.reason == ("No explanation for this model (_Nameless): only k-nearest neighbours, softmax and "
                        "one-vs-rest logistic regression can say why they answered.")


# -- linear models ------------------------------------------------------------------------------------------
def _linear(coef=None, intercept=None, cls=SoftmaxRegression):
    X = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    model = cls(max_iter=2).fit(X, np.array(["a", "a", "b", "b"]))
    if coef is not None:
        model.coef_ = np.asarray(coef, dtype=np.float64)
        model.intercept_ = np.asarray(intercept, dtype=np.float64)
    return Pipeline(None, None, model, list(model.classes_))


# x = (1, 0, -2, 0.25); class a: weights (2, 5, 1, -4), intercept 0.5 -> contributions (2, 0, -2, -1),
# logit -0.5; class b: weights 0, intercept -1 -> logit -1, so a is predicted
COEF = [[2.0, 5.0, 1.0, -4.0], [0.0, 0.0, 0.0, 0.0]]
INTERCEPT = [0.5, -1.0]
X_LIN = np.array([1.0, 0.0, -2.0, 0.25])


def test_linear_contributions_by_hand_and_zero_is_neither_side():
    e = explain(_linear(COEF, INTERCEPT), X_LIN, columns=["w", "x", "y", "z"])
    assert isinstance(e, LinearExplanation) and e.predicted == e.explained == "a"
    np.testing.assert_allclose(e.contributions, [2.0, 0.0, -2.0, -1.0], atol=1e-15)
    assert e.score == pytest.approx(-0.5, abs=1e-15) and e.intercept == 0.5
    pa = 1 / (1 + np.exp(-0.5))  # softmax of logits (-0.5, -1)
    assert e.probabilities == pytest.approx({"a": pa, "b": 1 - pa}, abs=1e-12)
    assert [(c.feature, c.index, c.weight, c.value, c.contribution, c.log) for c in e.top_positive] == [
        ("w", 0, 2.0, 1.0, 2.0, False)]
    assert [(c.feature, c.contribution) for c in e.top_negative] == [("y", -2.0), ("z", -1.0)]
    # no columns given: the fallback names
    e = explain(_linear(COEF, INTERCEPT), X_LIN, top=1)
    assert [c.feature for c in e.top_positive + e.top_negative] == ["feature 0", "feature 2"]


@pytest.mark.parametrize("top", [0, -3])
def test_top_zero_or_less_lists_nothing(top):
    e = explain(_linear(COEF, INTERCEPT), X_LIN, top=top)
    assert e.top_positive == () and e.top_negative == ()
    assert e.score == pytest.approx(-0.5, abs=1e-15)


def test_equal_contributions_are_listed_in_column_order():
    # 17 columns, contributions 1, 2 or 3 with many ties (value 1 each, weights below); an unstable sort
    # would list tied columns in another order
    w = np.array([1, 3, 2, 1, 3, 3, 1, 2, 2, 1, 3, 1, 2, 3, 1, 2, 1], dtype=np.float64)
    X = np.eye(17)
    model = SoftmaxRegression(max_iter=2).fit(X, np.array(["a"] * 9 + ["b"] * 8))
    model.coef_ = np.vstack([w, np.zeros(17)])
    model.intercept_ = np.array([0.0, -100.0])
    pipe = Pipeline(None, None, model, list(model.classes_))
    e = explain(pipe, np.ones(17), top=17)
    expected = sorted(range(17), key=lambda j: (-w[j], j))
    assert [c.index for c in e.top_positive] == expected
    e = explain(pipe, -np.ones(17), top=17, explained_class="a")
    # most negative first; the stable order reversed puts tied columns last-first
    assert [c.index for c in e.top_negative] == sorted(range(17), key=lambda j: (-w[j], -j))
    assert [c.contribution for c in e.top_negative] == sorted(-w)


def test_score_kind_of_another_linear_model():
    class Tuned(SoftmaxRegression):
        name = "tuned_softmax"

    e = explain(_linear(COEF, INTERCEPT, cls=Tuned), X_LIN)
    assert e.model == "tuned_softmax" and e.score_kind == "score of the class"


def test_feature_names_skip_candidates_that_do_not_fit():
    pipe = _linear()
    pipe.metadata["columns"] = ["m0", "m1", "m2", "m3"]
    assert feature_names(pipe, 4, ["c0", "c1", "c2"]) == ["m0", "m1", "m2", "m3"]  # 3 names for 4 columns
    assert feature_names(pipe, 4, "abcd") == ["m0", "m1", "m2", "m3"]  # a text is not a list of names
    pipe.metadata["columns"] = "wxyz"
    assert feature_names(pipe, 4) == ["feature 0", "feature 1", "feature 2", "feature 3"]
    pipe.feature_set = "no such feature set"
    assert feature_names(pipe, 2) == ["feature 0", "feature 1"]
