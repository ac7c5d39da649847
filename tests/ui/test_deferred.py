"""Hidden panels draw only when shown, one step per event-loop turn; a newer request wins."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget
from ui_helpers import configure_quick_run, show_panel

from genre_gui.ui.deferred import DrawWhenShown


def _settle(n: int = 5) -> None:
    for _ in range(n):
        QApplication.processEvents()


def test_hidden_widget_draws_on_show(qtbot):
    w = QWidget()
    w.resize(200, 100)
    qtbot.addWidget(w)
    drawing = DrawWhenShown(w)
    ran = []
    drawing.request(lambda: ran.append("old"))
    drawing.request(lambda: ran.append("a"), lambda: ran.append("b"))  # replaces the pending "old"
    _settle()
    assert ran == [] and drawing.pending
    w.show()
    qtbot.waitUntil(lambda: not drawing.pending)
    assert ran == ["a", "b"]


def test_visible_widget_draws_later_not_inside_request(qtbot):
    w = QWidget()
    w.resize(200, 100)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    drawing = DrawWhenShown(w)
    ran = []
    drawing.request(lambda: ran.append(1), lambda: ran.append(2))
    assert ran == []  # the caller (a signal slot) returns at once
    qtbot.waitUntil(lambda: ran == [1, 2])
    w.hide()
    drawing.request(lambda: ran.append(3))
    drawing.flush()  # e.g. before exporting plots that were never shown
    assert ran == [1, 2, 3] and not drawing.pending


def test_results_panels_wait_until_their_tab_is_raised(window, qtbot):
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=20)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=120000):
        window.training_panel.train_button.click()
    _settle()
    cp = window.comparison_panel
    # the tables are filled at once; the plots of the hidden tab are not built during training
    assert cp.table.rowCount() == 2 and not cp.drawing.on_screen()
    assert cp.drawing.pending and cp.multiples.plots == [] and cp.bars.values == {}
    show_panel(window, qtbot, "comparison")
    assert len(cp.multiples.plots) == 2 and set(cp.bars.values) == {"softmax", "knn"}
