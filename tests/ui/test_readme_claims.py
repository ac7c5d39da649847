"""What the README promises and no other test pinned, checked against real values:

1. live classification shows *smoothed* probabilities, the headline and the bars the same numbers;
2. the live spectrum's peak hold keeps the loudest level, "Reset peak" clears it, switching it off hides it;
3. the comparison chart's error bars span mean ± std of the per-fold scores;
4. in the Evaluation panel a click on a confusion-matrix cell lists its clips and a double-click plays one;
5. a drag without files is refused at drag-enter, a file the window can open is accepted and loaded,
   and dropping a file or link it cannot open loads nothing.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from ui_helpers import configure_quick_run, drop_paths, show_panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audio"))
from fake_sounddevice import FakeSoundDevice  # noqa: E402

from genre_gui.audio import backend  # noqa: E402

pytestmark = pytest.mark.timeout(120)

# ClassificationView's documented default: "alpha = 0.35 at 2 answers per second" (ExponentialSmoother)
ALPHA = 0.35
CLASSES = ("blues", "jazz", "rock")
# four live answers; the smoothed values below are worked out by hand with s <- 0.35 p + 0.65 s:
#   s1 = p1                                       = [0.1,       0.8,      0.1      ]  -> "jazz 80 %"
#   s2 = 0.35 [0, .2, .8] + 0.65 s1               = [0.065,     0.59,     0.345    ]  -> "jazz 59 %"
#   s3 = 0.35 [0, .2, .8] + 0.65 s2               = [0.04225,   0.4535,   0.50425  ]  -> close call: unsure
#   s4 = 0.35 [0, .2, .8] + 0.65 s3               = [0.0274625, 0.364775, 0.6077625]  -> "rock 61 %"
RAW = [np.array([0.1, 0.8, 0.1]), np.array([0.0, 0.2, 0.8]), np.array([0.0, 0.2, 0.8]),
       np.array([0.0, 0.2, 0.8])]
SMOOTHED = [np.array([0.1, 0.8, 0.1]), np.array([0.065, 0.59, 0.345]),
            np.array([0.04225, 0.4535, 0.50425]), np.array([0.0274625, 0.364775, 0.6077625])]
HEADLINES = ["jazz 80 %", "jazz 59 %", "unsure (top two: rock 50 %, jazz 45 %)", "rock 61 %"]
TOP_LABELS = ["jazz", "jazz", "unsure", "rock"]


class RecordingSoundDevice(FakeSoundDevice):
    """The fake PortAudio of tests/audio, plus sounddevice's module-level ``play``/``stop``."""

    def __init__(self) -> None:
        super().__init__()
        self.played: list[tuple[np.ndarray, int]] = []
        self.lock = threading.Lock()

    def play(self, data, samplerate=None, **kwargs) -> None:
        with self.lock:
            self.played.append((np.array(data, copy=True), int(samplerate)))

    def stop(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def fake_sd(monkeypatch):
    """A fake sounddevice wherever the app may reach for it: the audio backend (live panel, FilePlayer)
    and a plain ``import sounddevice`` (the clip player). Request it before any window is made."""
    fake = RecordingSoundDevice()
    backend.set_backend(fake)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    yield fake
    backend.reset_backend()


def _make_live_panel(qtbot, **kw):
    from genre_gui.ui.live.live_panel import LivePanel

    panel = LivePanel(**kw)
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    return panel


# --------------------------------------------------------------------------------------------------
# 1. live classification: smoothed headline, bars showing the same numbers
# --------------------------------------------------------------------------------------------------
def test_live_headline_is_exponentially_smoothed_and_the_bars_show_the_same_numbers(qtbot):
    from genre_gui.ui.live.classification_view import ClassificationView

    view = ClassificationView()
    qtbot.addWidget(view)
    assert view.smoother.alpha == ALPHA
    for raw, smooth, text, label in zip(RAW, SMOOTHED, HEADLINES, TOP_LABELS):
        view.show_live(raw, CLASSES, 2.0)
        assert view.top_confidence == pytest.approx(smooth.max(), abs=1e-12)
        assert view.title.text() == text
        assert view.top_label == label
        assert list(view.bars.classes) == list(CLASSES)
        # bars: the smoothed answer the headline states (until 14 they showed the raw latest answer, and
        # a headline of 39 % stood beside a bar of 31 %)
        np.testing.assert_allclose(view.bars.values, smooth, atol=1e-12)
    # the strip of recent top genres records each smoothed answer's winner (jazz twice, then rock twice)
    assert [i for _, i, _ in view.history.items] == [1, 1, 2, 2]
    # a new live run ("Listening…" when the microphone starts) is not smoothed with the last one
    view.show_waiting()
    view.show_live(RAW[0], CLASSES, 0.5)
    assert view.top_confidence == pytest.approx(0.8, abs=1e-12) and view.title.text() == "jazz 80 %"
    # a whole-file answer is one answer, shown as it is; live smoothing starts again after it
    view.show_clip(RAW[1], CLASSES, "song.wav", 3)
    assert view.top_confidence == pytest.approx(0.8, abs=1e-12) and view.title.text() == "rock 80 %"
    view.show_live(RAW[0], CLASSES, 0.5)
    assert view.top_confidence == pytest.approx(0.8, abs=1e-12) and view.title.text() == "jazz 80 %"


class ScriptedPipeline:
    """Answers the live classifier with RAW[0], RAW[1], ... (then repeats the last one)."""

    classes = list(CLASSES)
    feature_set = "stub"
    segment_seconds = 30.0
    unsure_below = 0.5

    def __init__(self) -> None:
        self.calls = 0

    def predict_proba_audio(self, y, sr):
        p = RAW[min(self.calls, len(RAW) - 1)]
        self.calls += 1
        return p.copy()


def test_live_panel_shows_smoothed_microphone_answers(qtbot, fake_sd):
    panel = _make_live_panel(qtbot)
    panel.set_pipeline(ScriptedPipeline())
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    seen = []

    def record(pred) -> None:  # connected after the panel's own slot: sees what the panel shows
        view = panel.classification
        seen.append((np.array(pred.probabilities), view.title.text(), view.top_confidence,
                     np.array(view.bars.values)))

    panel.classifier.classified.connect(record)
    assert panel.start_microphone()
    stream = fake_sd.last_stream
    timer = QTimer()
    timer.timeout.connect(lambda: stream.active and stream.feed(512))
    timer.start(int(1000 * 512 / stream.samplerate))
    try:
        qtbot.waitUntil(lambda: len(seen) >= len(RAW), timeout=20000)
    finally:
        timer.stop()
        panel.stop_microphone()
    for (raw, title, confidence, bars), want_raw, smooth, text in zip(seen, RAW, SMOOTHED, HEADLINES):
        np.testing.assert_allclose(raw, want_raw, atol=1e-12)
        assert title == text
        assert confidence == pytest.approx(smooth.max(), abs=1e-12)
        np.testing.assert_allclose(bars, smooth, atol=1e-12)


# --------------------------------------------------------------------------------------------------
# 2. spectrum peak hold
# --------------------------------------------------------------------------------------------------
SR, N_FFT = 48000, 4096
TONE_BIN = 256  # 256 * 48000 / 4096 = 3000 Hz exactly: a sine centred on a bin


def _sine(amplitude: float, k: int = TONE_BIN) -> np.ndarray:
    n = np.arange(N_FFT)
    return (amplitude * np.sin(2 * np.pi * k * n / N_FFT)).astype(np.float32)


def _level_at(curve, k: int = TONE_BIN) -> float:
    x, y = curve.getData()
    return float(y[int(np.argmin(np.abs(x - np.log10(k * SR / N_FFT))))])


@pytest.fixture
def spectrum_panel(qtbot, fake_sd):
    panel = _make_live_panel(qtbot, probe_devices=False)
    sv = panel.spectrum
    assert (sv.samplerate, sv.n_fft, sv.window_name) == (SR, N_FFT, "hann")  # the panel's defaults
    assert panel.peak_check.isChecked() and sv.peak_hold
    return panel


def test_peak_hold_keeps_the_loudest_level_while_the_live_curve_drops(spectrum_panel):
    sv = spectrum_panel.spectrum
    loud, quiet = 20 * np.log10(0.5), 20 * np.log10(0.005)  # dBFS of those sines (0 dB = full scale)
    sv.show_frame(_sine(0.5))
    assert _level_at(sv.curve) == pytest.approx(loud, abs=0.01)
    assert _level_at(sv.peak_curve) == pytest.approx(loud, abs=0.01)
    for _ in range(30):  # 0.5 s of quiet display ticks: the held peak does not decay (np.maximum)
        sv.show_frame(_sine(0.005))
    assert _level_at(sv.curve) == pytest.approx(quiet, abs=0.01)
    assert _level_at(sv.peak_curve) == pytest.approx(loud, abs=0.01)
    # a second loud tone elsewhere is held too, beside the first
    sv.show_frame(_sine(0.25, k=64))  # 750 Hz
    sv.show_frame(_sine(0.005))
    assert _level_at(sv.peak_curve, 64) == pytest.approx(20 * np.log10(0.25), abs=0.01)
    assert _level_at(sv.peak_curve) == pytest.approx(loud, abs=0.01)
    assert _level_at(sv.curve, 64) < -100
    # the held curve is the running maximum of every frame shown, bin by bin
    _, live = sv.curve.getData()
    _, held = sv.peak_curve.getData()
    assert np.all(held >= live)


def test_reset_peak_button_forgets_the_held_level(spectrum_panel, qtbot):
    sv = spectrum_panel.spectrum
    sv.show_frame(_sine(0.5))
    sv.show_frame(_sine(0.005))
    qtbot.mouseClick(spectrum_panel.reset_peak_button, Qt.MouseButton.LeftButton)
    _, held = sv.peak_curve.getData()
    assert np.all(held == -120.0)  # back to the floor everywhere
    sv.show_frame(_sine(0.005))
    _, live = sv.curve.getData()
    _, held = sv.peak_curve.getData()
    np.testing.assert_array_equal(held, live)  # from now on, only what came after the reset
    assert _level_at(sv.peak_curve) == pytest.approx(20 * np.log10(0.005), abs=0.01)


def test_peak_hold_off_hides_the_peak_curve(spectrum_panel):
    sv = spectrum_panel.spectrum
    sv.show_frame(_sine(0.5))
    spectrum_panel.peak_check.setChecked(False)  # what a click on the check box does
    for frame in (_sine(0.5), _sine(0.005)):
        sv.show_frame(frame)
        x, y = sv.peak_curve.getData()
        assert x is None or len(x) == 0
    assert _level_at(sv.curve) == pytest.approx(20 * np.log10(0.005), abs=0.01)
    spectrum_panel.peak_check.setChecked(True)  # back on: holds from here, the old peak is gone
    sv.show_frame(_sine(0.005))
    assert _level_at(sv.peak_curve) == pytest.approx(20 * np.log10(0.005), abs=0.01)


# --------------------------------------------------------------------------------------------------
# 3. comparison chart: ± std error bars
# --------------------------------------------------------------------------------------------------
def _vertical_error_segments(plot) -> list[tuple[float, float, float]]:
    """(x, bottom, top) of every vertical error bar drawn in ``plot``, read from the drawn geometry."""
    import pyqtgraph as pg

    out = []
    for item in plot.items:
        if not isinstance(item, pg.ErrorBarItem):
            continue
        item.drawPath()
        path = item.path
        pts = [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]
        xs = np.asarray(item.opts["x"], dtype=float)
        for x in xs:
            ys = [py for px, py in pts if abs(px - x) < 1e-9]
            out.append((float(x), min(ys), max(ys)))
    return out


def _population_std(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean((values - values.mean()) ** 2)))


def test_comparison_error_bars_are_mean_plus_minus_population_std_of_the_folds(window, qtbot):
    from genre_gui.ui.views.palette import model_label

    # 3 folds of 1000 clips: 340, 330 and 330 clips, so the mean of the fold scores (what the bar shows)
    # differs from the accuracy pooled over all clips
    configure_quick_run(window, models=("softmax", "knn"), softmax_epochs=30, protocol="kfold", folds=3)
    with qtbot.waitSignal(window.jobs.training_finished, timeout=60000) as blocker:
        window.training_panel.train_button.click()
    results = blocker.args[0].results
    panel = show_panel(window, qtbot, "comparison")
    segments = _vertical_error_segments(panel.bars.plot)
    assert len(segments) == 2 * len(results) == 4  # accuracy and macro-F1 of each model
    for i, r in enumerate(results):
        acc = np.asarray(r.fold_accuracies, dtype=float)
        f1 = np.asarray(r.fold_macro_f1, dtype=float)
        assert len(acc) == len(f1) == 3 and np.ptp(acc) > 0.005  # three folds that really differ
        # population std (ddof=0): what the app computes everywhere (np.std in the training worker and
        # in core.evaluation.cv._summarise); the README and the chart title only say "± std"
        want_acc = (acc.mean() - _population_std(acc), acc.mean() + _population_std(acc))
        want_f1 = (f1.mean() - _population_std(f1), f1.mean() + _population_std(f1))
        # model i's bars sit around x = i: accuracy (solid) on the left, macro-F1 (light) on the right
        left = [(lo, hi) for x, lo, hi in segments if i - 0.5 < x < i]
        right = [(lo, hi) for x, lo, hi in segments if i < x < i + 0.5]
        np.testing.assert_allclose(left, [want_acc], atol=1e-9)
        np.testing.assert_allclose(right, [want_f1], atol=1e-9)
        # the sample std (ddof=1) would draw them sqrt(3/2) = 1.22 times longer: measurably different
        assert abs(acc.std(ddof=1) - _population_std(acc)) > 1e-3
        assert abs(acc.mean() - float(r.evaluation.accuracy)) > 1e-6  # fold mean, not pooled accuracy
        # the table beside the chart states the same mean and spread
        table = panel.table
        rows = [k for k in range(table.rowCount()) if table.item(k, 0).text() == model_label(r.model)]
        assert len(rows) == 1
        assert table.item(rows[0], 1).text() == f"{acc.mean():.1%}"
        assert table.item(rows[0], 2).text() == f"{_population_std(acc):.1%}"


# --------------------------------------------------------------------------------------------------
# 4. click a confusion-matrix cell, double-click a clip: it plays
# --------------------------------------------------------------------------------------------------
CLIP_SR = 22050


@pytest.fixture
def wav_library(tmp_path):
    """<genre>/<clip>.wav at 22 050 Hz, every clip distinct: "low" tones and "high" tones, four of each,
    and one high tone filed under low (low3.wav), so that the model gets a clip wrong."""
    root = tmp_path / "my music"
    clips = {}
    t = np.arange(CLIP_SR) / CLIP_SR
    rng = np.random.default_rng(7)
    for genre, base in (("low", 150.0), ("high", 3000.0)):
        (root / genre).mkdir(parents=True)
        for k in range(4):
            f = 3000.0 * (1 + 0.1 * k) if (genre, k) == ("low", 3) else base * (1 + 0.1 * k)
            y = (0.4 * np.sin(2 * np.pi * f * t) + 0.02 * rng.standard_normal(CLIP_SR)).astype(np.float32)
            path = root / genre / f"{genre}{k}.wav"
            sf.write(path, y, CLIP_SR, subtype="FLOAT")
            clips[path.name] = y
    return root, clips


def _click_cell(matrix_view, qtbot, row: int, col: int) -> None:
    """A real left click in the middle of a cell of the heatmap (rows: true class, columns: predicted)."""
    image, view = matrix_view.cm.image, matrix_view.graphics
    # the plot lays itself out after the panel is first shown: wait until the whole matrix is on screen
    qtbot.waitUntil(lambda: view.viewport().rect().contains(
        view.mapFromScene(image.sceneBoundingRect()).boundingRect()), timeout=5000)
    pos = view.mapFromScene(image.mapToScene(QPointF(col + 0.5, row + 0.5)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _double_click_row(table, qtbot, row: int) -> None:
    """A real double-click: press and release, then the double-click (QTest.mouseDClick sends only that)."""
    item = table.item(row, 0)
    table.scrollToItem(item)
    pos = table.visualItemRect(item).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_click_a_cell_to_list_its_clips_and_double_click_one_to_hear_it(fake_sd, make_window, qtbot,
                                                                          wav_library):
    root, clips = wav_library
    w = make_window(load_defaults=False)
    w.library_panel.feature_set.setCurrentText("mfcc13")
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=60000) as loaded:
        drop_paths(w, [root])
    ds = loaded.args[0].dataset
    assert sorted(map(str, ds.classes)) == ["high", "low"] and len(ds) == 8
    configure_quick_run(w, models=("softmax",), softmax_epochs=30, protocol="kfold", folds=4)
    with qtbot.waitSignal(w.jobs.training_finished, timeout=60000):
        w.training_panel.train_button.click()
    ev = show_panel(w, qtbot, "evaluation")
    r = ev.current_result()
    classes = [str(c) for c in r.classes]
    # every clip once, out of fold: which clips are (true low, predicted high), worked out here
    names = [Path(s).name for s in r.sources]
    assert sorted(names) == sorted(clips)
    low_as_high = {n for n, yt, yp in zip(names, r.y_true, r.y_pred) if (str(yt), str(yp)) == ("low", "high")}
    assert "low3.wav" in low_as_high  # the high tone filed under low
    _click_cell(ev.matrix, qtbot, classes.index("low"), classes.index("high"))
    listed = [ev.clips.item(k, 0).text() for k in range(ev.clips.rowCount())]
    assert sorted(listed) == sorted(low_as_high)
    assert {(ev.clips.item(k, 1).text(), ev.clips.item(k, 2).text()) for k in range(len(listed))} == {
        ("low", "high")}

    # then a diagonal cell, and a double-click on its last row
    _click_cell(ev.matrix, qtbot, classes.index("high"), classes.index("high"))
    listed = [ev.clips.item(k, 0).text() for k in range(ev.clips.rowCount())]
    assert len(listed) >= 2 and all(n.startswith("high") for n in listed)
    row = len(listed) - 1
    name = listed[row]
    streams_before = len(fake_sd.streams)
    messages: list[str] = []
    w.statusBar().messageChanged.connect(messages.append)
    _double_click_row(ev.clips, qtbot, row)
    # decoded and started in a worker; the outcome is reported in the status bar
    qtbot.waitUntil(lambda: any(m.startswith(("Playing ", "Cannot play")) for m in messages), timeout=10000)
    assert [m for m in messages if m.startswith(("Playing ", "Cannot play"))] == [f"Playing {name}"]
    assert w.last_error is None
    # what went to the sound card: that clip's own samples at its own rate (22 050 Hz files need no
    # resampling), through sounddevice.play or an output stream, whichever the app uses
    played = [(y.reshape(-1), sr) for y, sr in fake_sd.played]
    for stream in fake_sd.streams[streams_before:]:
        if stream.kind == "output":
            chunks = [stream.feed(4096) for _ in range(CLIP_SR // 4096 + 1)]
            played.append((np.concatenate(chunks)[:CLIP_SR], int(stream.samplerate)))
    assert len(played) == 1
    samples, rate = played[0]
    assert rate == CLIP_SR
    np.testing.assert_array_equal(np.asarray(samples, dtype=np.float32), clips[name])


def test_why_this_genre_plays_a_neighbours_own_audio(fake_sd, make_window, qtbot, wav_library):
    """A k-NN trained on audio files: the explanation's nearest training clips are those files, and Play
    sends the selected neighbour's own samples to the sound card."""
    root, clips = wav_library
    w = make_window(load_defaults=False)
    w.library_panel.feature_set.setCurrentText("mfcc13")
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=60000):
        drop_paths(w, [root])
    configure_quick_run(w, models=("knn",), protocol="kfold", folds=4)
    with qtbot.waitSignal(w.jobs.training_finished, timeout=60000):
        w.training_panel.train_button.click()
    ev = show_panel(w, qtbot, "evaluation")
    _click_cell(ev.matrix, qtbot, 0, 0)
    ev.clips.selectRow(0)
    ev.why_button.click()
    qtbot.waitUntil(lambda: w.explanations.dialog is not None and w.explanations.dialog.isVisible()
                    and w.explanations.dialog.view.explanation is not None, timeout=30000)
    view = w.explanations.dialog.view
    sources = [n.source for n in view.explanation.neighbours]
    assert sources and all(Path(p).name in clips for p in sources)  # the training files themselves
    view.neighbours.selectRow(1)
    assert view.play_button.isEnabled() and not view.play_note.text().startswith("No audio")
    name = Path(sources[1]).name
    messages: list[str] = []
    w.statusBar().messageChanged.connect(messages.append)
    streams_before = len(fake_sd.streams)
    view.play_button.click()
    qtbot.waitUntil(lambda: any(m.startswith(("Playing ", "Cannot play")) for m in messages), timeout=10000)
    assert [m for m in messages if m.startswith(("Playing ", "Cannot play"))] == [f"Playing {name}"]
    played = [(y.reshape(-1), sr) for y, sr in fake_sd.played]
    for stream in fake_sd.streams[streams_before:]:
        if stream.kind == "output":
            chunks = [stream.feed(4096) for _ in range(CLIP_SR // 4096 + 1)]
            played.append((np.concatenate(chunks)[:CLIP_SR], int(stream.samplerate)))
    assert len(played) == 1 and played[0][1] == CLIP_SR
    np.testing.assert_array_equal(np.asarray(played[0][0], dtype=np.float32), clips[name])


# --------------------------------------------------------------------------------------------------
# 5. drag-enter: refuse what cannot be opened, accept what can
# --------------------------------------------------------------------------------------------------
def _drag(widget, mime) -> tuple[bool, bool]:
    """Send drag-enter then drop with ``mime``; returns (enter accepted, drop accepted)."""
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


@pytest.fixture
def empty_window(fake_sd, make_window, qtbot):
    """A window with nothing loaded, and a log of every load the window starts."""
    w = make_window(load_defaults=False)
    qtbot.waitUntil(lambda: w.live_panel is not None, timeout=20000)
    started = []
    w.jobs.dataset_load_started.connect(lambda req: started.append(("dataset", req)))
    w.jobs.prediction_started.connect(lambda paths: started.append(("prediction", paths)))
    w.jobs.training_started.connect(lambda req: started.append(("training", req)))
    return w, started


def _nothing_loaded(w, started) -> None:
    assert started == []
    assert w.state.dataset is None and w.state.pipeline is None
    assert w.live_panel.player is None and not w.live_panel.loading
    assert w.last_error is None


def test_drag_enter_refuses_mime_data_without_files(empty_window, qtbot):
    w, started = empty_window
    mime = QMimeData()
    mime.setText("/tmp/some/folder")  # text, not a file: e.g. a path selected in a terminal
    assert _drag(w, mime) == (False, False)
    qtbot.wait(200)
    _nothing_loaded(w, started)


def test_drag_enter_accepts_a_folder_and_songs_by_name(empty_window, tmp_path):
    w, _ = empty_window
    (tmp_path / "my.music").mkdir()  # a folder, whatever its name looks like
    for target in (tmp_path / "my.music", tmp_path / "song.FLAC", tmp_path / "train-images-idx3-ubyte.gz"):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(target))])
        enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(w, enter)
        assert enter.isAccepted(), target


def test_drag_enter_accepts_a_feature_table_and_the_drop_loads_it(empty_window, qtbot, tmp_path):
    w, started = empty_window
    table = tmp_path / "table.csv"
    rows = ["f1,f2,label"] + [f"{i},{i % 3},{'ab'[i % 2]}" for i in range(12)]
    table.write_text("\n".join(rows) + "\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(table))])
    with qtbot.waitSignal(w.jobs.dataset_loaded, timeout=30000):
        assert _drag(w, mime) == (True, True)
    assert [(kind, req.kind, req.paths) for kind, req in started] == [("dataset", "csv", (str(table),))]
    assert w.state.dataset is not None and len(w.state.dataset) == 12


# Refused at drag-enter (no copy cursor for what the window cannot open), and a drop delivered anyway
# loads nothing.
@pytest.mark.parametrize("url", ["notes.txt", "https://example.com/song.mp3"])
def test_dropping_something_that_cannot_be_opened_loads_nothing(empty_window, qtbot, tmp_path, url):
    w, started = empty_window
    if url.endswith(".txt"):
        (tmp_path / url).write_text("not audio, not a table\n")
        qurl = QUrl.fromLocalFile(str(tmp_path / url))
    else:
        qurl = QUrl(url)
    mime = QMimeData()
    mime.setUrls([qurl])
    enter_accepted, _ = _drag(w, mime)
    assert not enter_accepted
    qtbot.wait(200)
    _nothing_loaded(w, started)
