"""k-NN against scikit-learn's brute-force KNeighborsClassifier, including its tie-breaking."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier as SkKNN

from genre_gui.core.models import KNeighborsClassifier, TrainingInterrupted
from genre_gui.core.models import knn as knn_module


def _tied_data(n_fit: int, n_query: int, seed: int):
    """Integer points in a tiny cube: equal distances everywhere, the hard case for tie-breaking."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, size=(n_fit, 3)).astype(float)
    Q = rng.integers(0, 3, size=(n_query, 3)).astype(float)
    y = rng.integers(0, 4, n_fit)
    return X, y, Q


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize(
    ("n_fit", "n_query", "seed"), [(60, 40, 0), (900, 100, 1), (300, 600, 2), (1500, 200, 3)]
)
def test_identical_to_sklearn_with_many_ties(weights, n_fit, n_query, seed):
    X, y, Q = _tied_data(n_fit, n_query, seed)
    for k in (1, 3, 5, 8):
        ours = KNeighborsClassifier(k, weights=weights).fit(X, y)
        ref = SkKNN(k, weights=weights, algorithm="brute").fit(X, y)
        np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))
        np.testing.assert_allclose(ours.predict_proba(Q), ref.predict_proba(Q), rtol=0, atol=1e-12)
        d_ours, i_ours = ours.kneighbors(Q)
        d_ref, i_ref = ref.kneighbors(Q)
        np.testing.assert_array_equal(np.sort(i_ours, axis=1), np.sort(i_ref, axis=1))
        np.testing.assert_allclose(d_ours, d_ref, rtol=1e-12, atol=1e-12)


def test_cosine_matches_sklearn():
    rng = np.random.default_rng(5)
    X, Q = rng.normal(size=(400, 6)), rng.normal(size=(150, 6))
    y = rng.integers(0, 3, 400)
    for weights in ("uniform", "distance"):
        ours = KNeighborsClassifier(7, weights=weights, metric="cosine").fit(X, y)
        ref = SkKNN(7, weights=weights, metric="cosine", algorithm="brute").fit(X, y)
        np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))
        np.testing.assert_allclose(ours.kneighbors(Q)[0], ref.kneighbors(Q)[0], atol=1e-12)


def test_blocks_respect_the_memory_budget_and_change_nothing(monkeypatch):
    rng = np.random.default_rng(6)
    X, Q = rng.normal(size=(5000, 8)), rng.normal(size=(700, 8))
    y = rng.integers(0, 5, 5000)
    whole = KNeighborsClassifier(5, weights="distance").fit(X, y).predict_proba(Q)
    shapes = []
    original = knn_module._k_nearest

    def spy(D, *args, **kwargs):
        shapes.append(D.shape)
        return original(D, *args, **kwargs)

    monkeypatch.setattr(knn_module, "_k_nearest", spy)
    small = KNeighborsClassifier(5, weights="distance", chunk_mb=1.0).fit(X, y).predict_proba(Q)
    np.testing.assert_array_equal(small, whole)
    assert len(shapes) > 1


def test_working_memory_follows_chunk_mb():
    """Measured with tracemalloc, not computed from the code's own bytes-per-pair constant."""
    import tracemalloc

    rng = np.random.default_rng(6)
    X, Q = rng.normal(size=(5000, 8)), rng.normal(size=(700, 8))
    y = rng.integers(0, 5, 5000)
    peaks = {}
    for mb in (1.0, 256.0):
        model = KNeighborsClassifier(5, weights="distance", chunk_mb=mb).fit(X, y)
        tracemalloc.start()
        model.predict_proba(Q)
        peaks[mb] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    # measured 1.4 MB with a 1 MB budget (the budget covers the blocks, not the 0.3 MB of answers) and
    # 40 MB when the whole 700 x 5000 problem fits in one block
    assert peaks[1.0] < 2.0 and peaks[256.0] > 10 * peaks[1.0]


def test_distance_weights_exact_match_takes_the_vote():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [5.0, 5.0]])
    y = np.array(["a", "b", "b", "b"])
    model = KNeighborsClassifier(3, weights="distance").fit(X, y)
    np.testing.assert_array_equal(model.predict_proba([[0.0, 0.0]]), [[1.0, 0.0]])
    assert model.predict([[0.0, 0.0]])[0] == "a"


def test_tied_vote_goes_to_first_class():
    X = np.array([[0.0], [2.0]])
    model = KNeighborsClassifier(2).fit(X, np.array(["z", "a"]))
    np.testing.assert_array_equal(model.predict_proba([[1.0]]), [[0.5, 0.5]])
    assert model.predict([[1.0]])[0] == "a"


def test_validation_sweep_reports_accuracy_for_every_k():
    rng = np.random.default_rng(7)
    X, Xv = rng.normal(size=(300, 4)), rng.normal(size=(120, 4))
    w = rng.normal(size=4)
    y, yv = (X @ w > 0).astype(int), (Xv @ w > 0).astype(int)
    events = []
    model = KNeighborsClassifier(5, k_max=12).fit(X, y, X_val=Xv, y_val=yv, callback=events.append)
    assert [e.epoch for e in events] == list(range(1, 13))
    assert all(e.model == "knn" and e.n_epochs == 12 and e.train_loss is None for e in events)
    expected = [KNeighborsClassifier(k).fit(X, y).score(Xv, yv) for k in range(1, 13)]
    np.testing.assert_allclose([e.val_accuracy for e in events], expected)
    np.testing.assert_allclose(model.val_accuracy_curve_, expected)
    assert model.n_iter_ == 12 and model.n_neighbors == 5

    def stop_at_4(event):
        if event.epoch == 4:
            raise TrainingInterrupted

    stopped = KNeighborsClassifier(5, k_max=12).fit(X, y, X_val=Xv, y_val=yv, callback=stop_at_4)
    assert stopped.n_iter_ == 4 and stopped.val_accuracy_curve_.shape == (4,)
    assert stopped.score(Xv, yv) == model.score(Xv, yv)


def test_validation_sweep_distance_weights_matches_separate_models():
    rng = np.random.default_rng(8)
    X, Xv = rng.normal(size=(200, 3)), rng.normal(size=(80, 3))
    y, yv = rng.integers(0, 3, 200), rng.integers(0, 3, 80)
    model = KNeighborsClassifier(weights="distance", k_max=9).fit(X, y, X_val=Xv, y_val=yv)
    expected = [KNeighborsClassifier(k, weights="distance").fit(X, y).score(Xv, yv) for k in range(1, 10)]
    np.testing.assert_allclose(model.val_accuracy_curve_, expected)


def test_input_validation():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="n_neighbors=7"):
        KNeighborsClassifier(7).fit(X, y).predict(X)
    with pytest.raises(ValueError, match="metric"):
        KNeighborsClassifier(metric="manhattan").fit(X, y)
    with pytest.raises(ValueError, match="weights"):
        KNeighborsClassifier(weights="gaussian").fit(X, y)
    with pytest.raises(ValueError, match="not fitted"):
        KNeighborsClassifier().predict(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        KNeighborsClassifier(1).fit(X, np.zeros(6))
    with pytest.raises(ValueError, match="fitted with 2"):
        KNeighborsClassifier(1).fit(X, y).predict(np.ones((2, 3)))
    assert KNeighborsClassifier(3).fit(X, y).get_params()["n_neighbors"] == 3


@pytest.mark.parametrize("shape", [(7, 64), (5, 13), (1, 8), (40, 1000)])
def test_sparse_nonzero_equals_numpy(shape):
    rng = np.random.default_rng(shape[1])
    mask = rng.random(shape) < 0.02
    mask[0, -1] = True
    for got, want in zip(knn_module._sparse_nonzero(mask), np.nonzero(mask)):
        np.testing.assert_array_equal(got, want)


def _wide_data(seed: int, offset: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.random((5000, 96)) + offset
    X[100:200] = X[:100] + 1e-9 * rng.normal(size=(100, 96))  # near-duplicates: tiny, fragile distances
    X[200:300] = X[:100]  # exact duplicates: ties
    y = rng.integers(0, 6, 5000)
    Q = np.vstack([rng.random((300, 96)) + offset, X[:50], X[150:160]])
    return X, y, Q


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_float32_prefilter_is_bit_identical_to_float64_search(weights):
    X, y, Q = _wide_data(9)
    fast = KNeighborsClassifier(7, weights=weights).fit(X, y)
    assert fast._fit_T32 is not None  # wide and large enough for the pre-filter
    d_fast, i_fast = fast.kneighbors(Q)
    p_fast = fast.predict_proba(Q)
    exact = KNeighborsClassifier(7, weights=weights).fit(X, y)
    exact._prepare()
    exact._fit_T32 = None
    d_exact, i_exact = exact.kneighbors(Q)
    np.testing.assert_array_equal(i_fast, i_exact)
    np.testing.assert_array_equal(d_fast, d_exact)
    np.testing.assert_array_equal(p_fast, exact.predict_proba(Q))
    ref = SkKNN(7, weights=weights, algorithm="brute").fit(X, y)
    np.testing.assert_array_equal(fast.predict(Q), ref.predict(Q))
    np.testing.assert_array_equal(p_fast, ref.predict_proba(Q))


def test_float32_prefilter_with_binary_ties_matches_sklearn():
    rng = np.random.default_rng(10)
    X = (rng.random((6000, 80)) < 0.1).astype(float)
    Q = (rng.random((400, 80)) < 0.1).astype(float)
    y = rng.integers(0, 5, 6000)
    for weights in ("uniform", "distance"):
        ours = KNeighborsClassifier(5, weights=weights).fit(X, y)
        ref = SkKNN(5, weights=weights, algorithm="brute").fit(X, y)
        np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))
        np.testing.assert_allclose(ours.predict_proba(Q), ref.predict_proba(Q), rtol=0, atol=1e-12)


def test_float32_prefilter_falls_back_when_too_coarse(monkeypatch):
    # a large common offset makes the float32 error bound wider than the spread of the distances
    X, y, Q = _wide_data(11, offset=1e4)
    calls = []
    original = knn_module._k_nearest
    monkeypatch.setattr(knn_module, "_k_nearest", lambda *a, **kw: calls.append(1) or original(*a, **kw))
    ours = KNeighborsClassifier(5).fit(X, y)
    pred = ours.predict(Q)
    assert calls, "expected the float64 fallback"
    np.testing.assert_array_equal(pred, SkKNN(5, algorithm="brute").fit(X, y).predict(Q))
