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


def class_word(row_word: str) -> str:
    """What the classes of a dataset with rows called ``row_word`` are: "genre" for clips of music,
    "class" for digits or a custom table."""
    return "genre" if row_word == "clip" else "class"


def unit_of(dataset) -> str:
    """What a dataset's rows are called, plural (``Dataset.row_word``): "clips" of music, "samples" of
    MNIST digits or a custom table (music words on digits confused people). "clips" when none is known."""
    return getattr(dataset, "row_word", "clip") + "s"

