"""core.models' k-NN pinned where mutation testing found it loose: the order of the neighbours when k is
every training row (by distance, then row, as documented), the OpenMP thread count read from the
environment, and distance weights of a query that is a training row (no warning)."""

from __future__ import annotations

import warnings

import numpy as np

from genre_gui.core.models import KNeighborsClassifier, _knn_ties


def test_k_equal_to_the_training_rows_orders_ties_by_row():
    # 20 training rows, every third one at (1, 1, 1), the others at 0: all 20 are equidistant from the
    # centre; from the origin, the 13 zero rows come first. k = 20 takes the full sort, stable by row.
    X = np.zeros((20, 3))
    X[::3] = 1.0
    y = np.array(["a", "b"] * 10)
    model = KNeighborsClassifier(n_neighbors=20).fit(X, y)
    dist, ind = model.kneighbors(np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]]))
    assert ind[0].tolist() == list(range(20))
    assert ind[1].tolist() == [r for r in range(20) if r % 3] + list(range(0, 20, 3))
    assert np.allclose(dist[0], np.sqrt(0.75)) and np.allclose(dist[1], [0.0] * 13 + [np.sqrt(3.0)] * 7)


def test_openmp_threads_reads_the_first_number_of_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7,1")  # nested levels: the outer one counts
    assert _knn_ties.openmp_threads() == 7
    monkeypatch.setenv("OMP_NUM_THREADS", " 5 ")
    assert _knn_ties.openmp_threads() == 5
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    machine = _knn_ties.openmp_threads()
    assert isinstance(machine, int) and machine >= 1
    for text in ("0", "-3", "many"):
        monkeypatch.setenv("OMP_NUM_THREADS", text)
        assert _knn_ties.openmp_threads() == machine
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert _knn_ties.openmp_threads() == machine


def test_distance_weights_of_a_training_row_raise_no_warning():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0], [4.0, 4.0]])
    y = np.array(["a", "b", "a", "b"])
    model = KNeighborsClassifier(n_neighbors=3, weights="distance").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = model.predict_proba(np.array([[1.0, 0.0], [0.0, 1.0]]))
    # row 0 is training row 1 ("b"): only its vote counts. Row 1: distances 1 (a), sqrt 2 (b), 2 (a).
    w = np.array([1.0, 1 / np.sqrt(2.0), 0.5])
    assert proba[0].tolist() == [0.0, 1.0]
    assert np.allclose(proba[1], [(w[0] + w[2]) / w.sum(), w[1] / w.sum()])
