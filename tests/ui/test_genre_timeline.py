"""Genre timeline: the heatmap holds each window's probabilities at its true time (class i in row i from the
top), the waveform and the heatmap share one zoomable time axis, every window's top class carries a dot,
a redraw replaces the previous song, and odd inputs (no windows, a song shorter than a window) draw."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from genre_gui.ui.views.genre_timeline import GenreTimeline, window_edges

CLASSES = ["blues", "classical", "jazz", "rock", "not music"]


def _probs(n: int, k: int = len(CLASSES), seed: int = 0) -> np.ndarray:
    logits = np.random.default_rng(seed).normal(0, 2, (n, k))
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _env(m: int = 1000, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random(m)


@pytest.fixture
def timeline(qtbot):
    w = GenreTimeline()
    qtbot.addWidget(w)
    w.resize(900, 300)
    return w


def _draw(w: GenreTimeline, n: int = 10, seconds: float = 3.0, duration: float | None = None, **kw):
    starts = kw.pop("starts", np.arange(n) * seconds)
    probs = kw.pop("probabilities", _probs(len(starts)))
    duration = float(n * seconds) if duration is None else duration
    w.set_timeline(kw.pop("envelope", _env()), duration, starts, seconds, probs, kw.pop("classes", CLASSES),
                   kw.pop("title", "song.mp3: rock 81 %"))
    return starts, probs


def _shown(w: GenreTimeline, qtbot) -> None:
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()


def test_mesh_holds_the_probabilities_window_by_window_at_their_times(timeline):
    starts, probs = _draw(timeline, n=4)
    z = timeline.mesh.z
    assert z.shape == (2 * 4 - 1, len(CLASSES))
    np.testing.assert_array_equal(z[0::2], probs)  # window j, class i -> z[2j, i]
    assert np.isnan(z[1::2]).all()  # the (zero-width) gaps between windows are blank
    x, y = timeline.mesh.x, timeline.mesh.y
    np.testing.assert_allclose(x[0::2, 0], starts)
    np.testing.assert_allclose(x[1::2, 0], starts + 3.0)
    np.testing.assert_array_equal(y[0], np.arange(len(CLASSES) + 1))


def test_drawn_colours_put_class_i_in_row_i_from_the_top_and_window_j_in_column_j(timeline, qtbot):
    n, k = 4, len(CLASSES)
    # every cell a different level, so a transposed or flipped drawing cannot match
    probs = (np.arange(n * k).reshape(n, k) + 1) / (n * k + 1)
    starts, _ = _draw(timeline, n=n, probabilities=probs)
    _shown(timeline, qtbot)
    image = timeline.graphics.grab().toImage()
    vb = timeline.heat_plot.getViewBox()
    cmap = pg.colormap.get("viridis")
    for j in range(n):
        for i in range(k):
            # a quarter into the cell: its centre may hold the top-class dot
            scene = vb.mapViewToScene(QPointF(starts[j] + 0.25 * 3.0, i + 0.3))
            px = timeline.graphics.mapFromScene(scene)
            got = image.pixelColor(px)
            want = cmap.map(probs[j, i], mode=pg.ColorMap.QCOLOR)
            diff = max(abs(got.red() - want.red()), abs(got.green() - want.green()),
                       abs(got.blue() - want.blue()))
            assert diff <= 6, (j, i, got.name(), want.name())


def test_left_axis_names_the_classes_top_to_bottom(timeline, qtbot):
    _draw(timeline)
    ticks = timeline.heat_plot.getAxis("left")._tickLevels[0]
    assert [t[1] for t in ticks] == CLASSES
    assert [t[0] for t in ticks] == [i + 0.5 for i in range(len(CLASSES))]
    _shown(timeline, qtbot)
    vb = timeline.heat_plot.getViewBox()
    assert vb.mapViewToScene(QPointF(0, 0.5)).y() < vb.mapViewToScene(QPointF(0, len(CLASSES) - 0.5)).y()
    assert timeline.heat_plot.getAxis("bottom").labelText == "time (s)"


def test_x_axes_are_linked_span_the_song_and_line_up_on_screen(timeline, qtbot):
    _draw(timeline, n=10, duration=31.5)
    wave_vb, heat_vb = timeline.wave_plot.getViewBox(), timeline.heat_plot.getViewBox()
    assert heat_vb.linkedView(pg.ViewBox.XAxis) is wave_vb
    for vb in (wave_vb, heat_vb):
        assert vb.viewRange()[0] == pytest.approx([0.0, 31.5])
    _shown(timeline, qtbot)
    for t in (0.0, 12.0, 31.5):  # the same second is at the same screen x in both plots
        assert wave_vb.mapViewToScene(QPointF(t, 0)).x() == pytest.approx(
            heat_vb.mapViewToScene(QPointF(t, 0)).x(), abs=0.5)
    heat_vb.setXRange(6.0, 9.0, padding=0)
    assert wave_vb.viewRange()[0] == pytest.approx([6.0, 9.0])


def test_wheel_zooms_time_only_in_both_plots(timeline, qtbot):
    _draw(timeline, n=10)
    _shown(timeline, qtbot)
    heat_vb, wave_vb = timeline.heat_plot.getViewBox(), timeline.wave_plot.getViewBox()
    y_heat, y_wave = heat_vb.viewRange()[1], wave_vb.viewRange()[1]
    view = timeline.graphics
    pos = QPointF(view.mapFromScene(heat_vb.mapViewToScene(QPointF(15.0, 2.0))))
    ev = QWheelEvent(pos, QPointF(view.viewport().mapToGlobal(pos.toPoint())), QPoint(0, 0),
                     QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)
    x0, x1 = heat_vb.viewRange()[0]
    assert x1 - x0 < 30.0 - 1e-6  # zoomed in on time
    assert wave_vb.viewRange()[0] == pytest.approx([x0, x1])
    assert heat_vb.viewRange()[1] == pytest.approx(y_heat)
    assert wave_vb.viewRange()[1] == pytest.approx(y_wave)


def test_top_class_dots_sit_at_each_windows_argmax(timeline):
    starts, probs = _draw(timeline, n=7, seconds=2.5)
    xs, ys = timeline.markers.getData()
    np.testing.assert_allclose(xs, starts + 1.25)
    np.testing.assert_array_equal(ys, probs.argmax(axis=1) + 0.5)
    assert len(set(ys)) > 1  # the random windows do not all share one top class


def test_waveform_is_symmetric_over_the_whole_song(timeline):
    env = _env(500)
    _draw(timeline, envelope=env, duration=42.0)
    x, y = timeline.wave_upper.getData()
    xl, yl = timeline.wave_lower.getData()
    # step mode: 501 slice edges from 0 to the end of the song, one level per slice
    assert x[0] == 0.0 and x[-1] == pytest.approx(42.0) and len(x) == 501
    np.testing.assert_allclose(y, env)
    np.testing.assert_allclose(yl, -env)
    np.testing.assert_allclose(xl, x)


def test_second_song_replaces_the_first_without_leftovers(timeline):
    _draw(timeline, n=10)
    items = (list(timeline.wave_plot.items), list(timeline.heat_plot.items))
    classes = ["a", "b", "c"]
    starts, probs = _draw(timeline, n=3, seconds=4.0, classes=classes, probabilities=_probs(3, 3),
                          title="second.mp3")
    assert (list(timeline.wave_plot.items), list(timeline.heat_plot.items)) == items
    np.testing.assert_array_equal(timeline.mesh.z[0::2], probs)
    assert len(timeline.markers.getData()[0]) == 3
    assert [t[1] for t in timeline.heat_plot.getAxis("left")._tickLevels[0]] == classes
    assert timeline.heat_plot.getViewBox().viewRange()[1] == pytest.approx([0.0, 3.0])
    assert timeline.title_label.text() == "second.mp3"


def test_clear_empties_both_plots_and_the_title(timeline):
    _draw(timeline)
    timeline.clear()
    assert timeline.title_label.text() == ""
    assert timeline.mesh.z is None
    assert len(timeline.markers.getData()[0]) == 0
    assert timeline.wave_upper.getData()[0] is None or len(timeline.wave_upper.getData()[0]) == 0
    assert timeline.wave_lower.getData()[0] is None or len(timeline.wave_lower.getData()[0]) == 0
    assert timeline.heat_plot.getAxis("left")._tickLevels == [[]]
    _draw(timeline, n=2)  # and it draws again afterwards
    assert timeline.mesh.z.shape == (3, len(CLASSES))


@pytest.mark.parametrize("probs_shape, n_starts, n_classes", [
    ((10, 4), 10, 5),  # one class too few
    ((5, 10), 10, 5),  # transposed
    ((9, 5), 10, 5),  # one window too few
    ((10,), 10, 5),  # 1-D
])
def test_mismatched_shapes_raise_value_error(timeline, probs_shape, n_starts, n_classes):
    with pytest.raises(ValueError, match="expected"):
        timeline.set_timeline(_env(), 30.0, np.arange(n_starts) * 3.0, 3.0, np.full(probs_shape, 0.2),
                              [f"c{i}" for i in range(n_classes)])


def test_two_dimensional_envelope_and_bad_window_length_raise(timeline):
    with pytest.raises(ValueError, match="envelope"):
        timeline.set_timeline(np.zeros((2, 10)), 30.0, np.zeros(1), 3.0, _probs(1), CLASSES)
    with pytest.raises(ValueError, match="seconds"):
        timeline.set_timeline(_env(), 30.0, np.zeros(1), 0.0, _probs(1), CLASSES)


def test_no_windows_shows_only_the_waveform(timeline, qtbot):
    _draw(timeline)  # a previous song's windows must go
    timeline.set_timeline(_env(), 20.0, np.zeros(0), 3.0, np.zeros((0, len(CLASSES))), CLASSES, "silence?")
    _shown(timeline, qtbot)
    assert timeline.mesh.z is None
    assert len(timeline.markers.getData()[0]) == 0
    assert len(timeline.wave_upper.getData()[1]) == 1000
    assert timeline.heat_plot.getViewBox().viewRange()[0] == pytest.approx([0.0, 20.0])
    timeline.grab()  # paints without raising


def test_single_silent_window_longer_than_the_song(timeline, qtbot):
    probs = _probs(1)
    timeline.set_timeline(np.zeros(1000), 2.0, np.zeros(1), 3.0, probs, CLASSES)
    _shown(timeline, qtbot)
    timeline.grab()
    assert timeline.mesh.z.shape == (1, len(CLASSES))
    assert timeline.wave_plot.getViewBox().viewRange()[0] == pytest.approx([0.0, 2.0])
    lo, hi = timeline.wave_plot.getViewBox().viewRange()[1]
    assert lo < 0.0 < hi  # silence: a flat line in the middle, not a degenerate range
    assert timeline.markers.getData()[1][0] == probs[0].argmax() + 0.5


def test_overlaps_are_split_in_the_middle_and_gaps_stay_blank():
    left, right = window_edges(np.array([0.0, 2.5, 6.0]), 3.0)
    np.testing.assert_allclose(left, [0.0, 2.75, 6.0])
    np.testing.assert_allclose(right, [2.75, 5.5, 9.0])


def test_unsorted_windows_are_drawn_at_their_own_times(timeline):
    probs = _probs(3)
    starts = np.array([6.0, 0.0, 3.0])
    _draw(timeline, starts=starts, probabilities=probs)
    np.testing.assert_allclose(timeline.mesh.x[0::2, 0], [0.0, 3.0, 6.0])
    np.testing.assert_array_equal(timeline.mesh.z[0::2], probs[[1, 2, 0]])
    np.testing.assert_allclose(timeline.markers.getData()[0], starts + 1.5)  # dots keep the given order
