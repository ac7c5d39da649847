"""Read the numbers panels need from a ModelResult (the one place that knows EvaluationResult's fields)."""

from __future__ import annotations

import numpy as np


def confusion(result, normalised: bool) -> np.ndarray:
    """Counts (rows: true class, columns: predicted) or row-normalised fractions."""
    ev = result.evaluation
    m = ev.confusion_normalized if normalised else ev.confusion
    return np.asarray(m, dtype=float)


def per_class_rows(result) -> list[list]:
    """[class, precision, recall, F1, support] per class, then the macro average."""
    ev = result.evaluation
    rows = []
    for i, c in enumerate(result.classes):
        rows.append([str(c), float(ev.precision[i]), float(ev.recall[i]), float(ev.f1[i]),
                     int(ev.support[i])])
    rows.append(["(macro average)", float(ev.macro_precision), float(ev.macro_recall), float(ev.macro_f1),
                 int(np.sum(ev.support))])
    return rows


def summary_row(result) -> dict:
    """The JSON/CSV row of the comparison report."""
    ev = result.evaluation
    return {
        "model": result.model,
        "protocol": result.protocol,
        "accuracy": result.accuracy,
        "accuracy_std": result.accuracy_std,
        "macro_f1": result.macro_f1,
        "macro_f1_std": result.macro_f1_std,
        "pooled_accuracy": float(ev.accuracy),
        "log_loss": _finite_or_none(getattr(ev, "log_loss", None)),
        "train_seconds": result.train_seconds,
        "n_evaluated": int(len(result.y_true)),
        "fold_accuracies": list(result.fold_accuracies),
        "params": dict(result.params),
    }


def _finite_or_none(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
