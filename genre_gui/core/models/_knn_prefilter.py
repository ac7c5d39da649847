"""Nearest neighbours with a float32 pre-filter and exact float64 distances for the survivors.

On wide data (MNIST: 784 columns) the matrix product dominates the search. Doing it in float32 halves
its cost and the memory traffic of the passes after it. Every float32 distance is within a proven
bound ``m`` of the float64 one, so keeping the rows whose float32 distance is at most (k-th smallest
float32 distance + 2 m) keeps every true neighbour and every row that could tie with the k-th one;
those few then get their float64 distance from the same product, summed in the same order
(``(||a||^2 + (-2 a.b)) + ||b||^2``), so the result equals the plain float64 search bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._common import row_sq_norms
from ._knn_ties import k_smallest_candidates, replay_row

_U32 = 2.0**-24  # unit roundoff of float32


def float32_margin(x_sq_norms: np.ndarray, y_max_norm: float, n_features: int) -> np.ndarray:
    """Bound of |float32 distance - float64 distance| per query row (squared Euclidean).

    The float32 value is ``((-2 x32) . y32 + fl(||x||^2)) + fl(||y||^2)`` with ``x32``, ``y32`` the
    float32 roundings: the dot product errs by at most ``(d + 3) u / (1 - d u)`` times
    ``2 sum |x_i y_i| <= 2 ||x|| ||y||``, the norms and the two additions by ``u`` times their
    magnitudes; the float64 value's own error (about 1e-16 relative) is covered by the last term.
    Everything is inflated by 1.5 for safety.
    """
    d = n_features
    x_norm = np.sqrt(x_sq_norms)
    gamma = (d + 8) * _U32 / (1.0 - (d + 8) * _U32)
    cross = 2.0 * x_norm * y_max_norm
    scale = x_sq_norms + y_max_norm**2 + cross
    return 1.5 * (gamma * cross + 4.0 * _U32 * scale) + 1e-12 * scale


def _at_least(values: np.ndarray) -> np.ndarray:
    """float32 values no smaller than the float64 ``values`` (rounded up)."""
    v32 = values.astype(np.float32)
    return np.where(v32.astype(np.float64) < values, np.nextafter(v32, np.float32(np.inf)), v32)


def prefiltered_nearest(
    Xc: np.ndarray,
    k: int,
    Y: np.ndarray,
    y_sq_norms: np.ndarray,
    Y32: np.ndarray,
    y_sq_norms32: np.ndarray,
    y_max_norm: float,
    ranges: list[tuple[int, int]],
    buffer32: np.ndarray,
    mask: np.ndarray,
    sample_columns: int,
    sparse_nonzero: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray] | None:
    """The k nearest training rows of every query row, as the exact float64 search finds them.

    ``k`` must be well below ``sample_columns`` (the sample bounds the k-th distance). Returns
    (squared distances clipped at 0, indices) ordered by (distance, index), or None when the float32
    filter would keep too many candidates (then the caller runs the float64 search).
    """
    c, n = buffer32.shape
    x_sq = row_sq_norms(Xc)
    G = np.matmul((-2.0 * Xc).astype(np.float32), Y32.T, out=buffer32)
    G += x_sq.astype(np.float32)[:, None]
    G += y_sq_norms32[None, :]
    margin = float32_margin(x_sq, y_max_norm, Xc.shape[1])

    sample = G[:, :: max(1, n // sample_columns)]
    bound = np.partition(sample, k - 1, axis=1)[:, k - 1] if sample.shape[1] > k else sample.max(axis=1)
    np.less_equal(G, _at_least(bound.astype(np.float64) + 2.0 * margin)[:, None], out=mask)
    if np.count_nonzero(mask) > c * n // 16:
        return None
    rows, cols = sparse_nonzero(mask)
    v32 = G[rows, cols].astype(np.float64)

    # tighten to (k-th smallest float32 distance + 2 m) per row
    order = np.lexsort((v32, rows))
    rows, cols, v32 = rows[order], cols[order], v32[order]
    counts = np.bincount(rows, minlength=c)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    kth32 = v32[first + k - 1]
    keep = v32 <= kth32[rows] + 2.0 * margin[rows]
    rows, cols = rows[keep], cols[keep]

    # exact float64 distances of the survivors, summed as in the full search
    used, pos = np.unique(cols, return_inverse=True)
    # OpenBLAS sums the last columns of a product whose width is not a multiple of its kernel's in
    # another order: pad the width to a multiple of 16 so every survivor gets the full search's bits
    padded = np.concatenate([used, np.repeat(used[:1], (-used.shape[0]) % 16)])
    sub = np.matmul(-2.0 * Xc, Y[padded].T)
    sub += x_sq[:, None]
    sub += y_sq_norms[padded][None, :]
    vals = np.maximum(sub[rows, pos.reshape(-1)], 0.0)

    ind, dist, tied = k_smallest_candidates(rows, cols, vals, c, k)
    for r in tied:
        # the heap replay needs the whole exact row; two identical rows keep numpy on the GEMM path
        full = np.matmul(-2.0 * Xc[[r, r]], Y.T)[0]
        full += x_sq[r]
        full += y_sq_norms
        np.maximum(full, 0.0, out=full)
        ind[r], dist[r] = replay_row(full, k, ranges)
    return dist, ind
