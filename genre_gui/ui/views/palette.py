"""Colours shared by the plots, so one model has one colour everywhere."""

from __future__ import annotations

import pyqtgraph as pg

MODEL_COLOURS = {
    "softmax": (31, 119, 180),
    "ovr_logistic": (255, 127, 14),
    "knn": (44, 160, 44),
}
_EXTRA = [(214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194)]

MODEL_LABELS = {
    "softmax": "Softmax regression",
    "ovr_logistic": "One-vs-rest logistic",
    "knn": "k-NN",
}


def model_colour(name: str) -> tuple[int, int, int]:
    if name in MODEL_COLOURS:
        return MODEL_COLOURS[name]
    return _EXTRA[sum(map(ord, name)) % len(_EXTRA)]


def model_label(name: str) -> str:
    return MODEL_LABELS.get(name, name)


def setup_pyqtgraph() -> None:
    """Light background with dark ink: readable in screenshots and printed reports."""
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
