"""Colours shared by the plots, so one model has one colour everywhere."""

from __future__ import annotations

import pyqtgraph as pg

#: the models' colours, in the order of the model registry (core.models.MODELS): blue, orange, green, ...
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def model_colour(name: str) -> tuple[int, int, int]:
    """A registered model's colour by its place in the registry; others get one from their name."""
    from ...core.models import MODELS

    names = list(MODELS)
    if name in names and names.index(name) < len(PALETTE):
        return PALETTE[names.index(name)]
    return PALETTE[3 + sum(map(ord, name)) % (len(PALETTE) - 3)]


def model_label(name: str) -> str:
    """A model's display name (``core.models.model_label``; imported when asked: the window stays light)."""
    from ...core.models import model_label as label

    return label(name)


def setup_pyqtgraph() -> None:
    """Light background with dark ink: readable in screenshots and printed reports."""
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
