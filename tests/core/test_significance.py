"""Paired tests of two models' fold scores, against independent computations.

References: a hand computation with literal numbers, SciPy's ordinary one-sample t-test rescaled by the
Nadeau-Bengio factor, and baycomp's own code (Benavoli, Corani & Demsar's package, which Orange's Test &
Score uses), copied below rather than installed: its wheel puts a top-level ``tests`` package into
site-packages, which shadows this project's ``tests`` and pulls in matplotlib.
"""

import numpy as np
import pytest
from scipy import stats

from genre_gui.core.evaluation.significance import (
    PairedTest,
    bayesian_correlated_ttest,
    compare_models,
    corrected_resampled_ttest,
    win_tie_loss,
)


class BaycompCorrelatedTTest:
    """baycomp 1.0.3, ``baycomp/single.py``: ``CorrelatedTTest.compute_statistics`` and
    ``Posterior.probs``, verbatim but for the class around them.

    Copyright (c) 2018 Janez Demsar, Alessio Benavoli, Giorgio Corani. MIT licence: permission is hereby
    granted, free of charge, to any person obtaining a copy of this software, to deal in the Software
    without restriction, subject to this notice being included in all copies or substantial portions.
    """

    @classmethod
    def compute_statistics(cls, x, y, runs=1):
        diff = y - x
        n = len(diff)
        nfolds = n / runs
        mean = np.mean(diff)
        var = np.var(diff, ddof=1)
        var *= 1 / n + 1 / (nfolds - 1)  # Nadeau-Bengio's correction
        return mean, var, n - 1

    @classmethod
    def probs(cls, x, y, rope=0, runs=1):
        mean, var, df = cls.compute_statistics(x, y, runs)
        t_parameters = df, mean, np.sqrt(var)
        if rope == 0:
            if var == 0:
                pr = (mean > 0) + 0.5 * (mean == 0)
            else:
                pr = 1 - stats.t.cdf(0, *t_parameters)
            return 1 - pr, pr
        else:
            if var == 0:
                pl = float(mean < -rope)
                pr = float(mean > rope)
            else:
                pl = stats.t.cdf(-rope, *t_parameters)
                pr = 1 - stats.t.cdf(rope, *t_parameters)
        return pl, 1 - pl - pr, pr


def test_hand_computed_example():
    # d = a - b = [0.1, 0.2, 0.0, 0.1, 0.1]: mean 0.1, sample variance 0.02 / 4 = 0.005;
    # 5 folds, n_test/n_train = 1/4: corrected variance (1/5 + 1/4) * 0.005 = 0.00225,
    # t = 0.1 / sqrt(0.00225) = 2.10819; below t(0.975, 4) = 2.776 of the printed table, so p > 0.05
    b = np.array([0.60, 0.55, 0.70, 0.65, 0.62])
    a = b + np.array([0.1, 0.2, 0.0, 0.1, 0.1])
    mean, t, p = corrected_resampled_ttest(a, b, 0.25)
    assert mean == pytest.approx(0.1, abs=1e-12)
    assert t == pytest.approx(2.1081851, abs=1e-6)
    assert p == pytest.approx(0.1027004, abs=1e-6)
    assert p > 0.05


@pytest.mark.parametrize(("repeats", "k"), [(1, 10), (1, 5), (10, 10), (3, 4)])
def test_matches_scipy_ttest_rescaled(repeats, k):
    """The corrected t is the plain one-sample t times sqrt((1/n) / (1/n + 1/(k-1)))."""
    rng = np.random.default_rng(repeats * 100 + k)
    n = repeats * k
    a = rng.uniform(0.5, 0.8, n)
    b = a - rng.normal(0.02, 0.03, n)
    plain = stats.ttest_1samp(a - b, 0.0)
    expected_t = plain.statistic * np.sqrt((1 / n) / (1 / n + 1 / (k - 1)))
    expected_p = 2 * stats.t.sf(abs(expected_t), n - 1)
    mean, t, p = corrected_resampled_ttest(a, b, 1 / (k - 1))
    assert mean == pytest.approx(np.mean(a - b), abs=1e-12)
    assert t == pytest.approx(expected_t, rel=1e-10)
    assert p == pytest.approx(expected_p, rel=1e-8)
    # the correction only ever makes a difference less significant than the naive paired test
    assert p >= plain.pvalue


@pytest.mark.parametrize(("repeats", "k", "rope"), [(1, 10, 0.01), (10, 10, 0.01), (1, 5, 0.0), (5, 4, 0.05)])
def test_bayesian_matches_baycomp(repeats, k, rope):
    rng = np.random.default_rng(7 * repeats + k)
    n = repeats * k
    a = rng.uniform(0.5, 0.8, n)
    b = a - rng.normal(0.01, 0.03, n)
    better, equivalent, worse = bayesian_correlated_ttest(a, b, 1 / (k - 1), rope)
    # baycomp takes (x, y) and reports P(y - x < -rope), P(rope), P(y - x > rope): x = b, y = a
    ref = BaycompCorrelatedTTest.probs(b, a, rope=rope, runs=repeats)
    if rope == 0:
        assert (worse, better) == pytest.approx(ref, abs=1e-9)
        assert equivalent == pytest.approx(0.0, abs=1e-12)
    else:
        assert (worse, equivalent, better) == pytest.approx(ref, abs=1e-9)
    assert better + equivalent + worse == pytest.approx(1.0, abs=1e-12)
    # and baycomp's corrected variance gives our t statistic
    mean, var, df = BaycompCorrelatedTTest.compute_statistics(b, a, runs=repeats)
    _, t, p = corrected_resampled_ttest(a, b, 1 / (k - 1))
    assert t == pytest.approx(mean / np.sqrt(var), rel=1e-10)
    assert p == pytest.approx(2 * stats.t.sf(abs(mean / np.sqrt(var)), df), rel=1e-8)


def test_identical_models_tie_and_constant_differences_are_certain():
    a = np.array([0.7, 0.6, 0.8, 0.75])
    assert corrected_resampled_ttest(a, a, 1 / 3) == (0.0, 0.0, 1.0)
    assert bayesian_correlated_ttest(a, a, 1 / 3, 0.01) == (0.0, 1.0, 0.0)
    mean, t, p = corrected_resampled_ttest(a + 0.05, a, 1 / 3)
    assert mean == pytest.approx(0.05) and t == np.inf and p == 0.0
    assert bayesian_correlated_ttest(a, a + 0.05, 1 / 3, 0.01) == (0.0, 0.0, 1.0)


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="at least 2 folds"):
        corrected_resampled_ttest([0.5], [0.4], 0.25)
    with pytest.raises(ValueError, match="same length|one length"):
        corrected_resampled_ttest([0.5, 0.6], [0.4], 0.25)
    with pytest.raises(ValueError, match="finite"):
        corrected_resampled_ttest([0.5, np.nan], [0.4, 0.5], 0.25)
    with pytest.raises(ValueError, match="positive"):
        corrected_resampled_ttest([0.5, 0.6], [0.4, 0.5], 0.0)
    with pytest.raises(ValueError, match="rope"):
        bayesian_correlated_ttest([0.5, 0.6], [0.4, 0.5], 0.25, rope=-0.1)


def test_verdicts_and_win_tie_loss_from_both_sides():
    sure = PairedTest("softmax", "knn", 0.05, 4.0, 0.001, 10, 0.11)
    tie = PairedTest("softmax", "ovr_logistic", 0.01, 0.5, 0.6, 10, 0.11)
    lost = PairedTest("knn", "ovr_logistic", -0.04, -3.0, 0.01, 10, 0.11)
    tests = [sure, tie, lost]
    assert sure.verdict() == "better" and tie.verdict() == "tie" and lost.verdict() == "worse"
    assert win_tie_loss(tests, "softmax") == (1, 1, 0)
    assert win_tie_loss(tests, "knn") == (0, 0, 2)
    assert win_tie_loss(tests, "ovr_logistic") == (1, 1, 0)
    assert sure.verdict(alpha=0.0005) == "tie"


def test_json_form_has_plain_keys_and_no_infinity():
    a = np.array([0.7, 0.6, 0.8, 0.75])
    doc = compare_models("softmax", a + 0.05, "knn", a, 1 / 3).to_json()
    assert doc["t_statistic"] == "inf" and doc["p_value"] == 0.0 and doc["n_folds"] == 4
    keys = {"model_a", "model_b", "mean_difference", "p_better", "p_equivalent", "p_worse", "rope"}
    assert keys <= set(doc)
