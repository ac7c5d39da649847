"""Multinomial logistic (softmax) regression trained with gradient descent, SGD with momentum or Adam."""

from __future__ import annotations

import numpy as np

from ._common import log_softmax, softmax
from ._linear import LinearClassifier, linear_hyperparameters


class SoftmaxRegression(LinearClassifier):
    """Softmax regression: cross-entropy on a stable log-softmax, plus ``alpha / 2 * ||W||^2``.

    Parameters
    ----------
    solver : {"adam", "sgd", "gd"}
        ``"gd"`` is full-batch gradient descent (one step per epoch), ``"sgd"`` mini-batch SGD with
        momentum, ``"adam"`` mini-batch Adam.
    learning_rate : float or None
        Initial step size; None picks 0.5 (gd), 0.05 (sgd) or 0.01 (adam).
    alpha : float
        L2 penalty on the weights (not the intercepts), relative to the *mean* loss; scikit-learn's
        ``C`` corresponds to ``alpha = 1 / (C * n_samples)``.
    max_iter : int
        Maximum number of epochs (for ``"gd"``: iterations).
    batch_size : int
        Mini-batch size of ``"sgd"`` and ``"adam"``.
    momentum : float
        Momentum of ``"sgd"``.
    lr_decay, decay_every : float, int
        Step decay of seed 001: the learning rate is multiplied by ``lr_decay`` every
        ``decay_every`` epochs (use ``lr_decay=1`` to switch it off).
    early_stopping : bool
        Monitor the validation loss (``X_val`` or a ``validation_fraction`` hold-out), stop after
        ``n_iter_no_change`` epochs without improvement by ``tol`` and keep the best weights. Without
        it, training stops when the training objective stops improving.
    validation_fraction, n_iter_no_change, tol
        See ``early_stopping``.
    random_state : int or None
        Seed of the mini-batch order and the validation hold-out.
    """

    name = "softmax"
    label = "Softmax regression"
    description = "one linear model over all genres, probabilities from a softmax"
    hyperparameters = linear_hyperparameters()

    def _loss_grad(self, X, Y, W, b, need_grad=True):
        n = X.shape[0]
        logP = log_softmax(X @ W + b)
        loss = -float(np.sum(Y * logP)) / n
        if not need_grad:
            return loss, None, None, None
        G = np.exp(logP)
        G -= Y
        G /= n
        # (G^T X)^T: the small operand first is markedly faster for OpenBLAS on thin matrices
        gW = (G.T @ X).T
        return loss, gW, G.sum(axis=0), None

    def _proba_from_scores(self, Z: np.ndarray) -> np.ndarray:
        return softmax(Z)
