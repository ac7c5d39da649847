"""k-nearest-neighbour classifier (brute force, blocked GEMM), with scikit-learn's tie-breaking."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ._common import (
    check_predict_input,
    check_validation,
    check_X_y,
    has_threadpoolctl,
    row_sq_norms,
    single_threaded_blas,
)
from ._knn_prefilter import prefiltered_nearest
from ._knn_ties import k_smallest_candidates, openmp_threads, replay_row, thread_ranges
from .base import BaseClassifier, TrainingCallback, TrainingEvent, TrainingInterrupted
from .params import CurveSpec, Hyperparameter

METRICS = ("euclidean", "cosine")
WEIGHTS = ("uniform", "distance")
# bytes of working memory per (query row x training row) in one block: the float64 distance, a
# boolean mask and room for the candidates
_BYTES_PER_PAIR = 12
# more threads than this gain nothing on a memory-bound search
_MAX_WORKERS = 4
# wide, large training sets get the float32 pre-filter (see _knn_prefilter)
_PREFILTER_MIN_FEATURES = 64
_PREFILTER_MIN_ROWS = 4096
# columns sampled to bound each row's k-th smallest distance
_SAMPLE_COLUMNS = 1024


class KNeighborsClassifier(BaseClassifier):
    """Vote among the ``n_neighbors`` closest training rows.

    Distances are computed for blocks of query rows at once: squared Euclidean distances as
    ``||a||^2 - 2 a.b + ||b||^2`` with one matrix product (summed in the same order as
    scikit-learn's brute-force search, in float64), cosine distances as ``1 - a.b / (|a| |b|)``.
    Blocks are sized so the working memory stays under ``chunk_mb`` megabytes. On wide training
    sets (64+ columns, 4096+ rows) a float32 product with a proven error bound first discards the
    rows that cannot be neighbours, and the survivors get their exact float64 distance (see
    :mod:`._knn_prefilter`); the result is the same, bit for bit.

    Ties follow scikit-learn's ``KNeighborsClassifier(algorithm="brute")``: when training rows at
    exactly the same distance compete for the last places, the ones its heap-based search keeps are
    kept (see :mod:`._knn_ties`); neighbours are listed by (distance, index); a tied vote goes to the
    class that comes first in ``classes_``. The validation sweep over k reuses the k_max nearest and
    takes their first k, which can differ from a separate k-neighbour search only in such ties.

    Parameters
    ----------
    n_neighbors : int
        Number of neighbours that vote.
    weights : {"uniform", "distance"}
        ``"distance"`` weighs each vote by 1 / distance; a query that coincides with training
        rows takes the vote of those rows only (as scikit-learn does).
    metric : {"euclidean", "cosine"}
    k_max : int
        With validation data, ``fit`` reports the validation accuracy of every k in 1..k_max through
        the callback (``epoch`` = k) and stores it in ``val_accuracy_curve_``.
    chunk_mb : float
        Working-memory budget of the search (all blocks in flight together), in megabytes.
    n_jobs : int
        Threads searching blocks of queries at once (capped by the CPUs available; 1 without
        threadpoolctl, which keeps each thread's BLAS single-threaded).

    Attributes
    ----------
    classes_, X_fit_, y_fit_ (class index of every training row), loss_curve_ (always empty: k-NN has
    no loss), val_accuracy_curve_ (accuracy for k = 1..n_iter_), n_iter_ (number of k values
    evaluated on validation data, 0 without).
    """

    name = "knn"
    label = "k-NN"
    description = "the genre most of the k closest training clips have"
    hyperparameters = (
        Hyperparameter("n_neighbors", "int", 5, "k", "k: neighbours that vote", low=1, high=500),
        Hyperparameter("k_max", "int", 25, "k max (curve)",
                       "validation accuracy is plotted for k = 1 ... k max", low=1, high=500),
        Hyperparameter("weights", "choice", "uniform", "Weights", "how the neighbours' votes count",
                       choices=("uniform", "distance")),
        Hyperparameter("metric", "choice", "euclidean", "Metric", "distance between feature vectors",
                       choices=("euclidean", "cosine")),
    )
    curve = CurveSpec("validation", "k (neighbours)", "validation accuracy", "k-NN: validation accuracy vs k")
    _fitted_attrs = ("classes_", "X_fit_", "y_fit_", "loss_curve_", "val_accuracy_curve_")

    def __init__(
        self,
        n_neighbors: int = 5,
        weights: str = "uniform",
        metric: str = "euclidean",
        k_max: int = 25,
        chunk_mb: float = 256.0,
        n_jobs: int = 2,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric
        self.k_max = k_max
        self.chunk_mb = chunk_mb
        self.n_jobs = n_jobs

    @property
    def n_features_in_(self) -> int:
        return int(self.X_fit_.shape[1])

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        X_val: Any = None,
        y_val: Any = None,
        callback: TrainingCallback | None = None,
    ) -> KNeighborsClassifier:
        """Store the training set; with ``X_val``/``y_val`` report validation accuracy for k = 1..k_max.

        Raising :class:`TrainingInterrupted` from ``callback`` stops the k sweep; the model stays usable.
        """
        self._check_params()
        X, y_idx, classes = check_X_y(X, y)
        val = check_validation(X_val, y_val, X.shape[1], classes)
        self.classes_ = classes
        self.X_fit_ = np.ascontiguousarray(X)
        self.y_fit_ = y_idx
        self._prepare()
        self.loss_curve_ = np.empty(0)
        self.val_accuracy_curve_ = np.empty(0)
        self.n_iter_ = 0
        self.interrupted_ = False
        if val is not None:
            self._sweep_k(val[0], val[1], callback)
        return self

    def kneighbors(self, X: Any, n_neighbors: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the nearest training rows, nearest first (ties: lower index first).

        Ties at the k-th place are resolved as scikit-learn's ``kneighbors`` resolves them.

        Returns
        -------
        dist : ndarray (n_queries, n_neighbors)
            Euclidean (not squared) or cosine distances.
        ind : ndarray (n_queries, n_neighbors)
            Row indices into the training set.
        """
        X = check_predict_input(self, X, "X_fit_")
        k = self._effective_k(n_neighbors)
        dist = np.empty((X.shape[0], k))
        ind = np.empty((X.shape[0], k), dtype=np.intp)
        for start, stop, d, i in self._neighbour_blocks(X, k):
            dist[start:stop], ind[start:stop] = d, i
        if self.metric == "euclidean":
            np.sqrt(dist, out=dist)
        return dist, ind

    def predict_proba(self, X: Any) -> np.ndarray:
        """Share of the (weighted) votes of each class, columns in ``classes_`` order."""
        X = check_predict_input(self, X, "X_fit_")
        k = self._effective_k(None)
        out = np.empty((X.shape[0], self.classes_.shape[0]))
        for start, stop, d, i in self._neighbour_blocks(X, k):
            votes = self._votes(d, i)
            out[start:stop] = votes / votes.sum(axis=1, keepdims=True)
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Majority (or weighted-majority) class; a tie goes to the first class in ``classes_``."""
        X = check_predict_input(self, X, "X_fit_")
        k = self._effective_k(None)
        out = np.empty(X.shape[0], dtype=np.intp)
        for start, stop, d, i in self._neighbour_blocks(X, k):
            out[start:stop] = np.argmax(self._votes(d, i), axis=1)
        return self.classes_[out]

    # -- internals -------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if int(self.n_neighbors) < 1:
            raise ValueError(f"n_neighbors must be >= 1, got {self.n_neighbors!r}")
        if self.weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {WEIGHTS}, got {self.weights!r}")
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")
        if int(self.k_max) < 1:
            raise ValueError(f"k_max must be >= 1, got {self.k_max!r}")
        if int(self.n_jobs) < 1:
            raise ValueError(f"n_jobs must be >= 1, got {self.n_jobs!r}")
        if not self.chunk_mb > 0:
            raise ValueError(f"chunk_mb must be > 0, got {self.chunk_mb!r}")

    def _effective_k(self, n_neighbors: int | None) -> int:
        k = int(self.n_neighbors if n_neighbors is None else n_neighbors)
        n_fit = self.X_fit_.shape[0]
        if not 1 <= k <= n_fit:
            raise ValueError(f"n_neighbors={k} must be between 1 and the {n_fit} training rows")
        return k

    def _prepare(self) -> None:
        """Per-training-set terms reused by every query (after fit or after loading a model file)."""
        X = self.X_fit_
        self._fit_T32 = None
        if self.metric == "euclidean":
            self._fit_norms = row_sq_norms(X)
            self._fit_T = X
            if X.shape[1] >= _PREFILTER_MIN_FEATURES and X.shape[0] >= _PREFILTER_MIN_ROWS:
                self._fit_T32 = X.astype(np.float32)
                self._fit_norms32 = self._fit_norms.astype(np.float32)
                self._fit_max_norm = float(np.sqrt(self._fit_norms.max()))
        else:
            norms = np.sqrt(row_sq_norms(X))
            # zero rows stay zero (distance 1 to everything), as in scikit-learn's normalize()
            norms[norms == 0] = 1.0
            self._fit_T = X / norms[:, None]
        self._prepared_for = id(self.X_fit_)

    def _distances(self, Xc: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Distances of a block of queries to every training row, *not* yet clipped at 0."""
        if self.metric == "euclidean":
            # (-2 a).b equals -2 (a.b) exactly (a power-of-two scale) and is summed like scikit-learn:
            # (||a||^2 + (-2 a.b)) + ||b||^2
            D = np.matmul(-2.0 * Xc, self._fit_T.T, out=out)
            D += row_sq_norms(Xc)[:, None]
            D += self._fit_norms[None, :]
            return D
        norms = np.sqrt(row_sq_norms(Xc))
        norms[norms == 0] = 1.0
        D = np.matmul(Xc / norms[:, None], self._fit_T.T, out=out)
        np.subtract(1.0, D, out=D)
        return D

    def _neighbour_blocks(
        self, X: np.ndarray, k: int, parallel_on_x: bool | None = None
    ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """Yield (start, stop, distances, indices) of the k nearest rows for blocks of queries.

        Distances are squared for the Euclidean metric. Neighbours are ordered by (distance, index).
        ``parallel_on_x`` names the scikit-learn search strategy whose tie-breaking is reproduced;
        None is its "auto", which every Euclidean query of ``KNeighborsClassifier`` uses (its
        class-mode shortcut with a forced "parallel on X" excludes the Euclidean metric).
        """
        n_fit = self.X_fit_.shape[0]
        n_threads = openmp_threads()
        ranges = thread_ranges(X.shape[0], n_fit, parallel_on_x, n_threads)
        if getattr(self, "_prepared_for", None) != id(self.X_fit_):
            self._prepare()
        # blocks run on a few threads, each with single-threaded BLAS (as scikit-learn's search does):
        # the per-block work after the matrix product then runs in parallel too
        workers = max(1, min(int(self.n_jobs), n_threads, _MAX_WORKERS)) if has_threadpoolctl() else 1
        budget = self.chunk_mb * 1e6 / workers
        rows_per_block = max(1, int(budget // (n_fit * _BYTES_PER_PAIR + 8 * X.shape[1])))
        starts = list(range(0, X.shape[0], rows_per_block))
        local = threading.local()

        shape = (min(rows_per_block, X.shape[0]), n_fit)

        def work(start: int) -> tuple[np.ndarray, np.ndarray]:
            stop = min(start + rows_per_block, X.shape[0])
            Xc = X[start:stop]
            # buffers are reused across a thread's blocks: fresh 100 MB arrays cost page faults
            if getattr(local, "mask", None) is None:
                local.mask = np.empty(shape, dtype=bool)
            if self._fit_T32 is not None and k < _SAMPLE_COLUMNS // 2:
                if getattr(local, "buffer32", None) is None:
                    local.buffer32 = np.empty(shape, dtype=np.float32)
                found = prefiltered_nearest(
                    Xc, k, self._fit_T, self._fit_norms, self._fit_T32, self._fit_norms32, self._fit_max_norm,
                    ranges, local.buffer32[: stop - start], local.mask[: stop - start], _SAMPLE_COLUMNS,
                    _sparse_nonzero,
                )
                if found is not None:
                    return found
            if getattr(local, "buffer", None) is None:
                local.buffer = np.empty(shape)
            D = self._distances(Xc, out=local.buffer[: stop - start])
            return _k_nearest(D, k, ranges, local.mask[: stop - start])

        if workers == 1 or len(starts) == 1:
            for start in starts:
                dist, ind = work(start)
                yield start, min(start + rows_per_block, X.shape[0]), dist, ind
            return
        with single_threaded_blas(), ThreadPoolExecutor(workers) as pool:
            for start, (dist, ind) in zip(starts, pool.map(work, starts)):
                yield start, min(start + rows_per_block, X.shape[0]), dist, ind

    def _weights_of(self, dist: np.ndarray) -> np.ndarray | None:
        if self.weights == "uniform":
            return None
        d = np.sqrt(dist) if self.metric == "euclidean" else dist
        with np.errstate(divide="ignore"):
            w = 1.0 / d
        inf = np.isinf(w)
        exact = inf.any(axis=1)
        # a query that coincides with training rows takes only their votes (scikit-learn's rule)
        w[exact] = inf[exact]
        return w

    def _votes(self, dist: np.ndarray, ind: np.ndarray) -> np.ndarray:
        n_classes = self.classes_.shape[0]
        labels = self.y_fit_[ind]
        rows = np.arange(ind.shape[0])
        votes = np.zeros((ind.shape[0], n_classes))
        w = self._weights_of(dist)
        # one pass per neighbour rank (k passes), adding the weights in nearest-first order
        for j in range(ind.shape[1]):
            votes[rows, labels[:, j]] += 1.0 if w is None else w[:, j]
        return votes

    def _sweep_k(self, Xv: np.ndarray, yv: np.ndarray, callback: TrainingCallback | None) -> None:
        """Validation accuracy for every k in 1..k_max from one neighbour search with k_max."""
        k_max = min(int(self.k_max), self.X_fit_.shape[0])
        correct = np.zeros(k_max)
        for start, stop, dist, ind in self._neighbour_blocks(Xv, k_max):
            labels = self.y_fit_[ind]
            rows = np.arange(ind.shape[0])
            # zero distances sort first, so the weights of the first k neighbours are exactly the
            # weights a k-neighbour model would compute: the votes can be accumulated k by k
            w = self._weights_of(dist)
            votes = np.zeros((ind.shape[0], self.classes_.shape[0]))
            for k in range(1, k_max + 1):
                votes[rows, labels[:, k - 1]] += 1.0 if w is None else w[:, k - 1]
                correct[k - 1] += np.count_nonzero(np.argmax(votes, axis=1) == yv[start:stop])
        accuracy = correct / Xv.shape[0]
        for k in range(1, k_max + 1):
            self.val_accuracy_curve_ = accuracy[:k].copy()
            self.n_iter_ = k
            if callback is None:
                continue
            event = TrainingEvent(
                model=self.name, epoch=k, n_epochs=k_max, train_loss=None, val_loss=None,
                val_accuracy=float(accuracy[k - 1]), extra={"k": k},
            )
            try:
                callback(event)
            except TrainingInterrupted:
                self.interrupted_ = True
                return


def _sparse_nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a C-contiguous boolean matrix with few True entries, several times faster.

    The mask is scanned as 64-bit words (8 entries at a time); only the words holding a True entry
    are expanded.
    """
    flat = mask.reshape(-1)
    if flat.size % 8:
        return np.nonzero(mask)
    words = np.flatnonzero(flat.view(np.uint64))
    positions = (words[:, None] * 8 + np.arange(8)).reshape(-1)
    positions = positions[flat[positions]]
    return np.divmod(positions, mask.shape[1])


def _k_nearest(
    D: np.ndarray, k: int, ranges: list[tuple[int, int]], mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest entries of every row (clipped at 0) and their columns, ordered by (value, column).

    A strided sample of the columns gives each row an upper bound of its k-th smallest value, so only
    the few entries under it (the candidates) are sorted, instead of partitioning whole rows. When
    equal values straddle the k-th place, which of them are kept is decided as scikit-learn's heap
    does (see :mod:`._knn_ties`).

    Returns
    -------
    dist : ndarray (n_rows, k)
    ind : ndarray (n_rows, k), intp
    """
    n_rows, n = D.shape
    if k >= n:
        clipped = np.maximum(D, 0.0)
        ind = np.argsort(clipped, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(clipped, ind, axis=1), ind
    step = max(1, n // _SAMPLE_COLUMNS)
    sample = D[:, ::step]
    bound = np.partition(sample, k - 1, axis=1)[:, k - 1] if sample.shape[1] > k else sample.max(axis=1)
    # every value that clips to 0 is a candidate too, so clipping cannot reorder the candidates
    np.maximum(bound, 0.0, out=bound)
    mask = np.less_equal(D, bound[:, None], out=mask)
    rows, cols = _sparse_nonzero(mask)
    vals = np.maximum(D[rows, cols], 0.0)
    ind, dist, tied = k_smallest_candidates(rows, cols, vals, n_rows, k)
    for r in tied:
        ind[r], dist[r] = replay_row(np.maximum(D[r], 0.0), k, ranges)
    return dist, ind
