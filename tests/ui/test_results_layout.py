"""Issue 14, layout at 1024x700: the Evaluation and Comparison panels fit (small minimum widths), the
comparison chart is not wider than its view, and the numbers of small confusion matrices never overlap
(they shrink, or are left out when the cells are too small)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ui_helpers import configure_quick_run, show_panel

from genre_gui.ui.views.confusion_matrix import MIN_POINT_SIZE, ConfusionMatrixView
from genre_gui.ui.views.palette import model_label

#: the widest either panel may insist on, so both fit a 1024 px window beside a dock
MAX_PANEL_MIN_WIDTH = 600


@pytest.fixture
def small_window(window, qtbot):
    configure_quick_run(window, models=("softmax", "ovr_logistic", "knn"), softmax_epochs=20, ovr_epochs=20,
                        protocol="kfold", folds=3)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() <= 1024, timeout=5000)
    return window


def _overlaps(drawn) -> list:
    """Pairs of drawn numbers whose text boxes intersect."""
    return [(a[:2], b[:2]) for a, b in itertools.combinations(drawn, 2) if a[2].intersects(b[2])]


def test_panels_minimum_width_fits_1024(small_window):
    for panel in (small_window.evaluation_panel, small_window.comparison_panel):
        hint = panel.minimumSizeHint()
        assert 0 < hint.width() <= MAX_PANEL_MIN_WIDTH, (type(panel).__name__, hint)
        assert hint.height() <= 600, (type(panel).__name__, hint)


def test_small_multiples_numbers_never_overlap_at_1024(small_window, qtbot):
    cp = show_panel(small_window, qtbot, "comparison")
    cp.tabs.setCurrentWidget(cp.multiples)
    qtbot.wait(50)
    cp.multiples.graphics.grab()  # paints every matrix at the size it has on screen
    assert len(cp.multiples.plots) == 3
    for cm in cp.multiples.plots:
        labels = cm.labels
        assert labels.hidden or labels.drawn, "neither drawn nor deliberately hidden"
        assert not _overlaps(labels.drawn)
        # hidden or not, each cell still tells its value (tooltip)
        assert cm.describe(1, 0) == (f"true {cm.classes[1]}, predicted {cm.classes[0]}: "
                                     f"{cm.matrix[1, 0]:.2f}")
    widths = [cm.plot.getViewBox().width() for cm in cp.multiples.plots]
    assert max(widths) <= 1.1 * min(widths), widths  # the matrices side by side get the same room


def test_comparison_chart_not_clipped_at_1024(small_window, qtbot):
    cp = show_panel(small_window, qtbot, "comparison")
    view = cp.bars.plot_widget
    # the plot (title, axes, bars) is laid out within the view, not wider than it (then it was cut)
    assert cp.bars.plot.sceneBoundingRect().width() <= view.viewport().width() + 1
    assert cp.bars.plot.getViewBox().viewRange()[0][1] >= len(cp.results) - 0.5  # every model's bars in range
    # the percentages above the bars: left out rather than run into each other
    shown = [it.sceneBoundingRect() for it in cp.bars._items
             if it.__class__.__name__ == "TextItem" and it.isVisible()]
    assert not [(a, b) for a, b in itertools.combinations(shown, 2) if a.intersects(b)]
    # every model named under its bars (on two lines when the name is wider than its place)
    ticks = [t[1].replace("\n", " ") for t in cp.bars.plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == [model_label(r.model) for r in cp.results]


def test_numbers_shrink_then_hide_as_cells_shrink(qtbot):
    """A 10-class matrix: drawn at a roomy size, shrunk but not overlapping when small, hidden when tiny."""
    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    m = np.arange(100, dtype=float).reshape(10, 10) * 11.0  # three-digit counts: the widest numbers
    view.set_matrix(m, [f"class {i}" for i in range(10)], normalised=False)
    view.resize(900, 800)
    view.show()
    qtbot.waitExposed(view)
    view.graphics.grab()
    roomy = view.cm.labels
    assert not roomy.hidden and len(roomy.drawn) == 100 and not _overlaps(roomy.drawn)
    for width in (420, 330, 260, 200):
        view.resize(width, width)
        qtbot.wait(20)
        view.graphics.grab()
        assert not _overlaps(view.cm.labels.drawn), width
    view.resize(150, 150)
    qtbot.wait(20)
    view.graphics.grab()
    assert view.cm.labels.hidden and not view.cm.labels.drawn  # far too small for MIN_POINT_SIZE numbers
    assert MIN_POINT_SIZE >= 6
