"""Is one model better than another on the same folds? Two tests on per-fold scores.

Fold scores of k-fold cross-validation are not independent: every pair of training sets shares most of
its rows, so the plain paired t-test is far too eager to call a difference significant. Both tests here
use the variance correction of Nadeau & Bengio (2003), ``1/n + n_test/n_train``, as Weka's Experimenter
(corrected resampled t-test) and Orange's Test & Score (Bayesian correlated t-test, Benavoli et al. 2017)
do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

#: default significance level of the marks shown next to a difference
ALPHA = 0.05


@dataclass(frozen=True)
class PairedTest:
    """Model ``a`` against model ``b`` on the same folds.

    Attributes
    ----------
    model_a, model_b : str
    mean_difference : float
        Mean over folds of score(a) - score(b); positive: ``a`` scored higher.
    t_statistic : float
        Corrected resampled t (``inf`` when every fold differs by the same non-zero amount).
    p_value : float
        Two-sided, from Student's t with ``n_folds - 1`` degrees of freedom.
    n_folds : int
        Number of paired fold scores (repeats x folds).
    test_train_ratio : float
        Mean ``n_test / n_train`` of the folds, the correction term.
    p_better, p_equivalent, p_worse : float or None
        Bayesian correlated t-test: posterior probabilities that ``a`` is better by more than ``rope``,
        within ``rope`` of ``b``, or worse by more than ``rope`` (None when not computed).
    rope : float
        Region of practical equivalence, in score units (0.01 = one percentage point of accuracy).
    """

    model_a: str
    model_b: str
    mean_difference: float
    t_statistic: float
    p_value: float
    n_folds: int
    test_train_ratio: float
    p_better: float | None = None
    p_equivalent: float | None = None
    p_worse: float | None = None
    rope: float = 0.0

    def verdict(self, alpha: float = ALPHA) -> str:
        """``"better"``, ``"worse"`` or ``"tie"`` (no significant difference at ``alpha``)."""
        if self.p_value < alpha:
            return "better" if self.mean_difference > 0 else "worse"
        return "tie"

    def to_json(self) -> dict:
        return {k: _finite_or_text(v) for k, v in asdict(self).items()}


def _finite_or_text(v: object) -> object:
    # JSON has no inf; a t of +/-inf (identical non-zero differences on every fold) is written as text
    if isinstance(v, float) and not np.isfinite(v):
        return "inf" if v > 0 else "-inf"
    return v


def _differences(scores_a: ArrayLike, scores_b: ArrayLike) -> np.ndarray:
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"paired fold scores must be two 1-D arrays of one length, got {a.shape} and "
                         f"{b.shape}")
    if a.shape[0] < 2:
        raise ValueError(f"a paired test needs at least 2 folds, got {a.shape[0]}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("fold scores must be finite")
    return a - b


def corrected_variance(differences: np.ndarray, test_train_ratio: float) -> float:
    """Nadeau & Bengio's corrected variance of the mean difference: ``(1/n + n_test/n_train) s^2``."""
    if not test_train_ratio > 0:
        raise ValueError(f"n_test / n_train must be positive, got {test_train_ratio!r}")
    n = differences.shape[0]
    return float((1.0 / n + test_train_ratio) * np.var(differences, ddof=1))


def corrected_resampled_ttest(
    scores_a: ArrayLike, scores_b: ArrayLike, test_train_ratio: float
) -> tuple[float, float, float]:
    """Corrected resampled t-test (Nadeau & Bengio 2003) of paired fold scores.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_folds,)
        Scores of two models on the same folds (r repeats x k folds, in the same order).
    test_train_ratio : float
        ``n_test / n_train`` of a fold (``1 / (k - 1)`` for k equal folds).

    Returns
    -------
    mean_difference, t_statistic, p_value : float
        Two-sided p-value from Student's t with ``n_folds - 1`` degrees of freedom. When every fold
        gives the same difference, t is 0 (p = 1) for no difference and +/-inf (p = 0) otherwise.
    """
    from scipy import stats

    d = _differences(scores_a, scores_b)
    mean = float(d.mean())
    var = corrected_variance(d, test_train_ratio)
    if var == 0.0:
        if mean == 0.0:
            return 0.0, 0.0, 1.0
        return mean, float(np.copysign(np.inf, mean)), 0.0
    t = mean / np.sqrt(var)
    p = float(2.0 * stats.t.sf(abs(t), d.shape[0] - 1))
    return mean, float(t), p


def bayesian_correlated_ttest(
    scores_a: ArrayLike, scores_b: ArrayLike, test_train_ratio: float, rope: float = 0.01
) -> tuple[float, float, float]:
    """Bayesian correlated t-test (Corani & Benavoli 2015; Benavoli et al. 2017), as Orange shows it.

    The posterior of the mean difference is Student's t with ``n - 1`` degrees of freedom, location the
    mean difference and scale the square root of the corrected variance.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_folds,)
    test_train_ratio : float
        ``n_test / n_train`` (the correlation of folds, rho / (1 - rho)).
    rope : float
        Half-width of the region of practical equivalence (score units, >= 0).

    Returns
    -------
    p_better, p_equivalent, p_worse : float
        Posterior probabilities that a - b > rope, |a - b| <= rope, a - b < -rope; they sum to 1.
    """
    from scipy import stats

    if not rope >= 0:
        raise ValueError(f"rope must be >= 0, got {rope!r}")
    d = _differences(scores_a, scores_b)
    mean = float(d.mean())
    var = corrected_variance(d, test_train_ratio)
    if var == 0.0:  # a point mass at the mean difference
        better = float(mean > rope)
        worse = float(mean < -rope)
        return better, 1.0 - better - worse, worse
    posterior = stats.t(d.shape[0] - 1, loc=mean, scale=np.sqrt(var))
    worse = float(posterior.cdf(-rope))
    better = float(posterior.sf(rope))
    return better, max(0.0, 1.0 - better - worse), worse


def compare_models(
    name_a: str, scores_a: ArrayLike, name_b: str, scores_b: ArrayLike, test_train_ratio: float,
    rope: float = 0.01,
) -> PairedTest:
    """Both tests for one pair of models, as a :class:`PairedTest`."""
    mean, t, p = corrected_resampled_ttest(scores_a, scores_b, test_train_ratio)
    better, equivalent, worse = bayesian_correlated_ttest(scores_a, scores_b, test_train_ratio, rope)
    return PairedTest(name_a, name_b, mean, t, p, int(np.asarray(scores_a).shape[0]), float(test_train_ratio),
                      better, equivalent, worse, float(rope))


def win_tie_loss(tests: list[PairedTest], model: str, alpha: float = ALPHA) -> tuple[int, int, int]:
    """How many other models ``model`` beats, ties with and loses to (significance at ``alpha``)."""
    wins = ties = losses = 0
    for t in tests:
        if model not in (t.model_a, t.model_b) or t.model_a == t.model_b:
            continue
        verdict = t.verdict(alpha)
        if t.model_b == model:  # the pair is stored as (a, b): flip it to model's side
            verdict = {"better": "worse", "worse": "better"}.get(verdict, verdict)
        wins += verdict == "better"
        ties += verdict == "tie"
        losses += verdict == "worse"
    return wins, ties, losses
