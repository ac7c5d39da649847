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


def test_thread_ranges_follow_openmps_static_schedule():
    # scikit-learn's chunks of 256 training rows, dealt to the threads in contiguous runs, the first
    # (chunks % threads) threads taking one more: 1000 rows = 4 chunks on 3 threads -> 2, 1, 1 chunks
    assert _knn_ties.thread_ranges(10, 1000, False, 3) == [(0, 512), (512, 768), (768, 1000)]
    assert _knn_ties.thread_ranges(10, 1000, False, 2) == [(0, 512), (512, 1000)]
    assert _knn_ties.thread_ranges(10, 1000, False, 8) == [(0, 256), (256, 512), (512, 768), (768, 1000)]
    assert _knn_ties.thread_ranges(10, 100, False, 4) == [(0, 100)]  # one chunk, one thread
    assert _knn_ties.thread_ranges(10, 2000, False, 3) == [(0, 768), (768, 1536), (1536, 2000)]
    assert _knn_ties.thread_ranges(10, 1000, True, 3) == [(0, 1000)]  # parallel on X: one pass


def test_thread_ranges_auto_strategy():
    # "auto" is parallel on X when there are fewer training rows than queries, or more queries than
    # 4 chunks per thread (4 * 256 * threads)
    split = [(0, 512), (512, 1000)]
    assert _knn_ties.thread_ranges(999, 1000, None, 2) == split
    assert _knn_ties.thread_ranges(1000, 1000, None, 2) == split
    assert _knn_ties.thread_ranges(1001, 1000, None, 2) == [(0, 1000)]
    many = [(0, 2560), (2560, 5000)]  # 5000 rows = 20 chunks on 2 threads
    assert _knn_ties.thread_ranges(2048, 5000, None, 2) == many
    assert _knn_ties.thread_ranges(2049, 5000, None, 2) == [(0, 5000)]
    assert _knn_ties.thread_ranges(3072, 5000, None, 3)[0] == (0, 1792)  # 20 chunks: 7, 7, 6
    assert _knn_ties.thread_ranges(3073, 5000, None, 3) == [(0, 5000)]


class _CpuMax:
    def __init__(self, text):
        self.text = text

    def __call__(self, path, *args, **kwargs):
        assert path == "/sys/fs/cgroup/cpu.max"
        if self.text is None:
            raise FileNotFoundError(2, "No such file or directory", path)
        import io

        return io.StringIO(self.text)


def test_openmp_threads_follow_the_cpus_and_the_cgroup_quota(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(_knn_ties.os, "sched_getaffinity", lambda pid: set(range(8)))
    cases = [(None, 8), ("max 100000\n", 8), ("250000 100000\n", 3), ("200000 100000\n", 2),
             ("50000 100000\n", 1), ("1600000 100000\n", 8), ("garbage\n", 8), ("12 x\n", 8)]
    for text, threads in cases:
        monkeypatch.setattr(_knn_ties, "open", _CpuMax(text), raising=False)
        assert _knn_ties.openmp_threads() == threads, text
    monkeypatch.setattr(_knn_ties.os, "sched_getaffinity", lambda pid: set())  # no CPU reported
    monkeypatch.setattr(_knn_ties, "open", _CpuMax(None), raising=False)
    assert _knn_ties.openmp_threads() == 1


def test_openmp_threads_without_cpu_affinity_count_the_cpus(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delattr(_knn_ties.os, "sched_getaffinity")  # not Linux
    monkeypatch.setattr(_knn_ties, "open", _CpuMax(None), raising=False)
    monkeypatch.setattr(_knn_ties.os, "cpu_count", lambda: 6)
    assert _knn_ties.openmp_threads() == 6
    monkeypatch.setattr(_knn_ties.os, "cpu_count", lambda: None)  # unknown
    assert _knn_ties.openmp_threads() == 1


def test_a_fitted_knn_has_no_curve_and_no_epoch():
    model = KNeighborsClassifier(n_neighbors=1).fit(np.array([[0.0], [1.0]]), np.array(["a", "b"]))
    assert model.loss_curve_.shape == (0,) and model.val_accuracy_curve_.shape == (0,)
    assert model.n_iter_ == 0


def test_a_zero_training_row_is_at_cosine_distance_one_from_everything():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    model = KNeighborsClassifier(n_neighbors=3, metric="cosine").fit(X, np.array(["z", "x", "y"]))
    dist, ind = model.kneighbors(np.array([[3.0, 0.0], [1.0, 1.0]]))
    # query 0: row 1 at 0, rows 0 and 2 at 1 (the zero row first by index);
    # query 1: rows 1 and 2 at 1 - 1/sqrt 2, then the zero row at 1
    assert ind.tolist() == [[1, 0, 2], [1, 2, 0]]
    assert np.allclose(dist, [[0.0, 1.0, 1.0], [1 - 2 ** -0.5, 1 - 2 ** -0.5, 1.0]])


def test_a_replayed_row_with_more_than_16_kept_neighbours_is_ordered_by_distance_then_row():
    # k = 20 of 40 rows: 6 at distance 0.5 (rows 3-8), 34 at 1 (the rest). The tie straddles the 20th place,
    # so the row is replayed: scikit-learn's heap keeps the first 14 rows at 1 (0-2, 9-19), as the set of
    # its own answer shows, and they come out after the nearer six, each group by row. 20 kept values are
    # past NumPy's insertion sort (16), where only a stable sort keeps equal values in row order.
    from sklearn.neighbors import NearestNeighbors

    X = np.zeros((40, 2))
    X[:, 0] = 1.0
    X[3:9, 0] = 0.5
    model = KNeighborsClassifier(n_neighbors=20).fit(X, np.array(["a", "b"] * 20))
    dist, ind = model.kneighbors(np.zeros((1, 2)))
    assert ind[0].tolist() == [3, 4, 5, 6, 7, 8, 0, 1, 2, *range(9, 20)]
    assert np.allclose(dist[0], [0.5] * 6 + [1.0] * 14)
    ref = NearestNeighbors(n_neighbors=20, algorithm="brute").fit(X).kneighbors(np.zeros((1, 2)))[1]
    assert sorted(ref[0].tolist()) == sorted(ind[0].tolist())


def test_distances_rounded_below_zero_all_tie_at_zero():
    # duplicates of the query come out of ||a||^2 - 2 a.b + ||b||^2 as tiny negatives or 0. Clipped, they
    # are all at 0, and the tie is broken by row as scikit-learn's heap does: rows 0 and 1, even though
    # rows 1 and 2 are the two smallest before clipping.
    from genre_gui.core.models.knn import _k_nearest

    dist, ind = _k_nearest(np.array([[0.0, -1e-9, -2e-9, 5.0, 5.0], [5.0, -3e-9, 0.0, -1e-9, 0.0]]), 2,
                           [(0, 5)])
    assert ind.tolist() == [[0, 1], [1, 2]]
    assert dist.tolist() == [[0.0, 0.0], [0.0, 0.0]]
