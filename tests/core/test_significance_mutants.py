"""The paired tests of ``evaluation.significance`` pinned where mutation testing found them loose.

Each expected value is a hand computation with literal numbers (dyadic fractions, exact in binary) or
SciPy's Student t; the messages are checked word for word, the bounds on both sides.
"""

import math

import numpy as np
import pytest
from scipy import stats

from genre_gui.core.evaluation.significance import (
    PairedTest,
    bayesian_correlated_ttest,
    compare_models,
    corrected_resampled_ttest,
    corrected_variance,
    win_tie_loss,
)


def test_corrected_variance_by_hand():
    # d = [0.5, 0.25, 0.0, 0.25]: mean 0.25, squares of deviations 1/16 + 0 + 1/16 + 0 = 1/8,
    # sample variance (ddof 1) 1/24; (1/4 + 1/2) * 1/24 = 1/32
    d = np.array([0.5, 0.25, 0.0, 0.25])
    assert corrected_variance(d, 0.5) == pytest.approx(1 / 32, abs=1e-15)
    # a ratio of 1/12 (13 folds of equal size have 1/12): (1/4 + 1/12) * 1/24 = 1/72
    assert corrected_variance(d, 1 / 12) == pytest.approx(1 / 72, abs=1e-15)


@pytest.mark.parametrize("ratio", [0.0, -0.25, float("nan")])
def test_corrected_variance_refuses_a_ratio_not_positive(ratio):
    with pytest.raises(ValueError) as err:
        corrected_variance(np.array([0.1, 0.2]), ratio)
    assert str(err.value) == f"n_test / n_train must be positive, got {ratio!r}"


def test_t_and_p_of_a_negative_difference_by_hand():
    # d = a - b = [-0.5, -0.25, 0.0, -0.25]: mean -0.25, corrected variance 1/32 (above) at ratio 1/2,
    # t = -0.25 / sqrt(1/32) = -sqrt(2); p two-sided from Student's t with 3 degrees of freedom
    b = np.array([0.75, 0.5, 0.25, 0.5])
    a = b - np.array([0.5, 0.25, 0.0, 0.25])
    mean, t, p = corrected_resampled_ttest(a, b, 0.5)
    assert mean == -0.25
    assert t == pytest.approx(-math.sqrt(2), rel=1e-12)
    assert p == pytest.approx(2 * stats.t.cdf(-math.sqrt(2), 3), rel=1e-12)
    assert 0.2 < p < 0.3  # t(3) table: 1.638 at 0.2, 2.353 at 0.1 (two-sided); sqrt(2) is below both


def test_constant_negative_difference_is_minus_infinity():
    a = np.array([0.5, 0.25, 0.75])
    mean, t, p = corrected_resampled_ttest(a - 0.125, a, 0.5)
    assert (mean, t, p) == (-0.125, -np.inf, 0.0)
    test = compare_models("a", a - 0.125, "b", a, 0.5)
    assert test.to_json()["t_statistic"] == "-inf"
    assert test.verdict() == "worse"


def test_bad_scores_refused_word_for_word():
    def message(*args):
        with pytest.raises(ValueError) as err:
            corrected_resampled_ttest(*args)
        return str(err.value)

    assert message([0.5, 0.6], [0.4], 0.25) == (
        "paired fold scores must be two 1-D arrays of one length, got (2,) and (1,)")
    # two 2-D arrays of one shape are not fold scores either
    assert message([[0.5, 0.6], [0.1, 0.2]], [[0.4, 0.5], [0.1, 0.2]], 0.25) == (
        "paired fold scores must be two 1-D arrays of one length, got (2, 2) and (2, 2)")
    assert message([0.5], [0.4], 0.25) == "a paired test needs at least 2 folds, got 1"
    assert message([0.5, 0.6], [0.4, np.inf], 0.25) == "fold scores must be finite"
    assert message([np.nan, 0.6], [0.4, 0.5], 0.25) == "fold scores must be finite"
    # two folds are enough
    assert corrected_resampled_ttest([0.5, 0.75], [0.25, 0.25], 1.0)[0] == 0.375


@pytest.mark.parametrize("rope", [-0.01, float("nan")])
def test_rope_refused_word_for_word(rope):
    with pytest.raises(ValueError) as err:
        bayesian_correlated_ttest([0.5, 0.6], [0.4, 0.5], 0.25, rope=rope)
    assert str(err.value) == f"rope must be >= 0, got {rope!r}"


def test_bayesian_defaults_to_one_point_rope():
    # posterior t(3, loc -0.25, scale sqrt(1/32)) of the example above
    b = np.array([0.75, 0.5, 0.25, 0.5])
    a = b - np.array([0.5, 0.25, 0.0, 0.25])
    post = stats.t(3, loc=-0.25, scale=math.sqrt(1 / 32))
    better, equivalent, worse = bayesian_correlated_ttest(a, b, 0.5)
    assert better == pytest.approx(post.sf(0.01), rel=1e-12)
    assert worse == pytest.approx(post.cdf(-0.01), rel=1e-12)
    assert equivalent == pytest.approx(post.cdf(0.01) - post.cdf(-0.01), rel=1e-9)
    # a wide rope: most of the mass is equivalent
    better, equivalent, worse = bayesian_correlated_ttest(a, b, 0.5, rope=0.5)
    assert equivalent == pytest.approx(post.cdf(0.5) - post.cdf(-0.5), rel=1e-12)
    assert equivalent > 0.8


@pytest.mark.parametrize(("shift", "expected"), [
    (0.25, (0.0, 1.0, 0.0)),     # exactly at the rope's edge: equivalent, not better
    (-0.25, (0.0, 1.0, 0.0)),    # nor worse
    (0.5, (1.0, 0.0, 0.0)),
    (-0.5, (0.0, 0.0, 1.0)),
])
def test_point_mass_at_the_rope_edge(shift, expected):
    b = np.array([0.25, 0.375, 0.5])
    assert bayesian_correlated_ttest(b + shift, b, 0.5, rope=0.25) == expected


def test_compare_models_fills_every_field():
    b = np.array([0.75, 0.5, 0.25, 0.5])
    a = b - np.array([0.5, 0.25, 0.0, 0.25])
    post = stats.t(3, loc=-0.25, scale=math.sqrt(1 / 32))
    test = compare_models("softmax", a, "knn", b, 0.5)
    assert test.model_a == "softmax" and test.model_b == "knn"
    assert test.mean_difference == -0.25
    assert test.t_statistic == pytest.approx(-math.sqrt(2), rel=1e-12)
    assert test.p_value == pytest.approx(2 * stats.t.cdf(-math.sqrt(2), 3), rel=1e-12)
    assert test.n_folds == 4 and isinstance(test.n_folds, int)
    assert test.test_train_ratio == 0.5
    assert test.rope == 0.01  # the default
    assert test.p_better == pytest.approx(post.sf(0.01), rel=1e-12)
    assert test.p_worse == pytest.approx(post.cdf(-0.01), rel=1e-12)
    assert test.p_equivalent == pytest.approx(post.cdf(0.01) - post.cdf(-0.01), rel=1e-9)
    wide = compare_models("softmax", a, "knn", b, 0.5, rope=0.5)
    assert wide.rope == 0.5
    assert wide.p_equivalent == pytest.approx(post.cdf(0.5) - post.cdf(-0.5), rel=1e-12)
    doc = test.to_json()
    assert doc["model_a"] == "softmax" and doc["model_b"] == "knn" and doc["mean_difference"] == -0.25
    assert doc["p_value"] == test.p_value and doc["rope"] == 0.01 and doc["test_train_ratio"] == 0.5


def test_verdict_at_the_default_level():
    # significant means p < 0.05, strictly
    assert PairedTest("a", "b", 0.1, 3.0, 0.049, 10, 0.11).verdict() == "better"
    assert PairedTest("a", "b", 0.1, 3.0, 0.05, 10, 0.11).verdict() == "tie"
    assert PairedTest("a", "b", -0.1, -3.0, 0.049, 10, 0.11).verdict() == "worse"
    assert PairedTest("a", "b", -0.1, -3.0, 0.2, 10, 0.11).verdict(alpha=0.25) == "worse"


def test_win_tie_loss_skips_other_pairs_and_self_pairs_and_honours_alpha():
    tests = [
        PairedTest("softmax", "knn", 0.05, 4.0, 0.03, 10, 0.11),     # softmax better at 0.05, tie at 0.01
        PairedTest("knn", "softmax", -0.02, -1.0, 0.04, 10, 0.11),   # stored the other way round
        PairedTest("softmax", "softmax", 0.5, 9.0, 0.0001, 10, 0.11),  # a model against itself: ignored
        PairedTest("knn", "ovr_logistic", 0.5, 9.0, 0.0001, 10, 0.11),  # softmax not in it: ignored
        PairedTest("ovr_logistic", "softmax", 0.0, 0.0, 1.0, 10, 0.11),  # a tie stays a tie when flipped
    ]
    assert win_tie_loss(tests, "softmax") == (2, 1, 0)
    assert win_tie_loss(tests, "softmax", alpha=0.01) == (0, 3, 0)
    assert win_tie_loss(tests, "knn") == (1, 0, 2)
    assert win_tie_loss(tests, "ovr_logistic") == (0, 1, 1)
    assert win_tie_loss([], "softmax") == (0, 0, 0)
