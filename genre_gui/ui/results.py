"""Read the numbers panels need from a ModelResult (the one place that knows EvaluationResult's fields)."""

from __future__ import annotations

import numpy as np


def confusion(result, normalised: bool) -> np.ndarray:
    """Counts (rows: true class, columns: predicted) or row-normalised fractions."""
    ev = result.evaluation
    m = ev.confusion_normalized if normalised else ev.confusion
    return np.asarray(m, dtype=float)


#: the last per-class row: the mean of the rows above, from the pooled out-of-fold answers (a k-fold
#: run's macro-F1 elsewhere is the mean over folds of each fold's own, so the two can differ)
POOLED_ROW = "(macro average, pooled)"
POOLED_TIP = ("Mean of the values above: every clip's out-of-fold answer of the first repeat, pooled. "
              "The macro-F1 quoted elsewhere for a k-fold run is the mean over folds of each fold's own "
              "macro-F1, so the two can differ.")


def row_tooltip(label: str) -> str:
    """The tooltip of a per-class row's first cell: the pooled row says what it is, the others none."""
    return POOLED_TIP if label == POOLED_ROW else ""


def per_class_tooltips(rows: list[list]) -> list[list[str]]:
    """Tooltips for :func:`per_class_rows`' rows (``CopyableTable.set_rows(tooltips=)``)."""
    return [[row_tooltip(row[0])] for row in rows]


def per_class_rows(result) -> list[list]:
    """[class, precision, recall, F1, support] per class, then their macro average (:data:`POOLED_ROW`)."""
    ev = result.evaluation
    rows = []
    for i, c in enumerate(result.classes):
        rows.append([str(c), float(ev.precision[i]), float(ev.recall[i]), float(ev.f1[i]),
                     int(ev.support[i])])
    rows.append([POOLED_ROW, float(ev.macro_precision), float(ev.macro_recall), float(ev.macro_f1),
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

