"""The live panel with a fake PortAudio: every failure path shows its message and leaves the app alive."""

import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audio"))
from fake_sounddevice import FakeSoundDevice, device  # noqa: E402

from genre_gui.audio import backend  # noqa: E402
from genre_gui.ui.live.live_panel import LivePanel  # noqa: E402
from genre_gui.workers import decoding  # noqa: E402

pytestmark = pytest.mark.timeout(60)


class StubPipeline:
    """Classifies by pitch: 'high' when the dominant frequency is above 1 kHz."""

    classes = ["low", "high"]
    feature_set = "stub"
    segment_seconds = 30.0

    def predict_proba_audio(self, y, sr):
        spec = np.abs(np.fft.rfft(y[-4096:]))
        f = np.argmax(spec) * sr / min(len(y), 4096)
        return np.array([0.2, 0.8]) if f > 1000 else np.array([0.9, 0.1])


@pytest.fixture
def fake_sd():
    devices = [device("Speakers", inputs=0), device("Mic A"), device("Mic B")]
    fake = FakeSoundDevice(devices=devices, default=1)
    backend.set_backend(fake)
    yield fake
    backend.reset_backend()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def tone_file(tmp_path):
    sr = 8000
    t = np.arange(sr * 3) / sr
    path = tmp_path / "tone2k.wav"
    sf.write(path, (0.5 * np.sin(2 * np.pi * 2000 * t)).astype(np.float32), sr)
    return path


def make_panel(qtbot, settings=None, **kw):
    panel = LivePanel(settings=settings, **kw)
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    messages = []
    panel.status_message.connect(messages.append)
    return panel, messages


def load(qtbot, panel, path, timeout=10000, play=False):
    """play_file decodes in a worker: start it and wait until the file is shown."""
    with qtbot.waitSignal(panel.file_loaded, timeout=timeout):
        assert panel.play_file(path, play=play)


def feeder(stream, frames=512):
    """Feed a fake stream from a GUI timer, roughly in real time."""
    timer = QTimer()
    timer.timeout.connect(lambda: stream.active and stream.feed(frames))
    timer.start(int(1000 * frames / stream.samplerate))
    return timer


def test_portaudio_missing_disables_live_controls_and_files_still_work(qtbot, monkeypatch, tone_file):
    def fail():
        raise OSError("PortAudio library not found")

    backend.reset_backend()
    monkeypatch.setattr(backend, "_import_sounddevice", fail)
    try:
        panel, messages = make_panel(qtbot)
        qtbot.waitUntil(lambda: "PortAudio" in panel.error_text, timeout=5000)
        assert panel.message_label.isVisible()
        assert not panel.live_available
        assert not panel.mic_button.isEnabled() and not panel.device_combo.isEnabled()
        assert not panel.refresh_button.isEnabled()
        panel.set_pipeline(StubPipeline())
        load(qtbot, panel, tone_file)  # decoding, display and classification need no PortAudio
        assert not panel.play_button.isEnabled()
        assert panel.spectrum.frames_drawn > 0
        assert abs(panel.spectrum.peak_freq - 2000) < 8000 / 4096
        qtbot.waitUntil(lambda: panel.last_clip_prediction is not None, timeout=5000)
        assert panel.classification.top_label == "high"
        panel.seek(1.5)  # scrubbing still updates the display
        assert panel.player.position_seconds == pytest.approx(1.5)
        assert panel.start_microphone() is False
        assert any("PortAudio" in m for m in messages)
    finally:
        backend.reset_backend()


def test_no_input_device_is_explained_and_playback_still_works(qtbot, fake_sd, tone_file):
    fake_sd.devices = [device("Speakers", inputs=0)]
    panel, _ = make_panel(qtbot)
    qtbot.waitUntil(lambda: "No recording device" in panel.error_text, timeout=5000)
    assert not panel.mic_button.isEnabled()
    assert panel.refresh_button.isEnabled()
    load(qtbot, panel, tone_file)
    assert panel.player.state == "stopped" and panel.play_button.text() == "Play"  # never by itself
    assert panel.toggle_play()  # Play / Space
    assert panel.player.state == "playing" and panel.play_button.text() == "Pause"
    # a device appears: Refresh finds it and clears the message
    fake_sd.devices.append(device("USB mic"))
    panel.refresh_devices()
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    assert panel.device_combo.currentText() == "USB mic (FakeAPI)"


def test_device_lost_mid_stream_shows_the_message_and_the_app_lives_on(qtbot, fake_sd):
    panel, messages = make_panel(qtbot)
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    assert panel.start_microphone()
    stream = fake_sd.last_stream
    timer = feeder(stream)
    qtbot.waitUntil(lambda: panel.spectrogram.columns_computed > panel.spectrogram.width + 5, timeout=5000)
    timer.stop()
    stream.lose()
    qtbot.waitUntil(lambda: "audio device was lost" in panel.error_text, timeout=2000)
    assert not panel.mic.running and not panel.mic_button.isChecked()
    assert panel.mic_button.text() == "Start microphone" and panel.mic_button.isEnabled()
    assert not panel.display_timer.isActive()
    assert any("lost" in m for m in messages)
    # and it can start again on a working device
    assert panel.start_microphone()
    assert panel.error_text == "" and fake_sd.last_stream is not stream


def test_stream_that_cannot_open_is_reported(qtbot, fake_sd):
    panel, _ = make_panel(qtbot)
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    fake_sd.open_error = "Invalid number of channels"
    assert panel.start_microphone() is False
    assert "Could not open the microphone 'Mic A'" in panel.error_text
    assert "Invalid number of channels" in panel.error_text
    assert panel.mic_button.isEnabled() and panel.mic is None


def test_undecodable_device_names_are_listed(qtbot, fake_sd):
    fake_sd.devices = [device(b"Micro \xe9tudiant"), device("ok")]
    fake_sd.default.device = [0, 0]
    panel, _ = make_panel(qtbot)
    qtbot.waitUntil(lambda: panel.device_combo.count() == 2, timeout=5000)
    assert panel.device_combo.itemText(0) == "Micro \ufffdtudiant (FakeAPI)"
    assert panel.start_microphone()
    assert fake_sd.last_stream.kwargs["device"] == 0


def test_chosen_device_rate_and_view_settings_are_remembered(qtbot, fake_sd, settings):
    panel, _ = make_panel(qtbot, settings)
    qtbot.waitUntil(lambda: panel.device_combo.count() == 2, timeout=5000)
    panel.device_combo.setCurrentIndex(panel.device_combo.findText("Mic B (FakeAPI)"))
    panel.rate_combo.setCurrentIndex(panel.rate_combo.findData(44100))
    panel.fft_combo.setCurrentIndex(panel.fft_combo.findData(8192))
    panel.window_combo.setCurrentIndex(panel.window_combo.findData("blackman"))
    assert panel.start_microphone()
    assert fake_sd.last_stream.kwargs["device"] == 2 and fake_sd.last_stream.samplerate == 44100
    assert panel.spectrum.n_fft == 8192 and panel.spectrum.window_name == "blackman"
    panel.shutdown()
    settings.sync()

    again, _ = make_panel(qtbot, settings)
    qtbot.waitUntil(lambda: again.device_combo.count() == 2, timeout=5000)
    assert again.device_combo.currentText() == "Mic B (FakeAPI)"
    assert again.rate_combo.currentData() == 44100
    assert again.fft_combo.currentData() == 8192 and again.window_combo.currentData() == "blackman"


def test_remembered_device_that_vanished_falls_back_with_a_message(qtbot, fake_sd, settings):
    settings.setValue("live/input_device", "Old headset (FakeAPI)")
    panel, messages = make_panel(qtbot, settings)
    qtbot.waitUntil(lambda: panel.device_combo.count() == 2, timeout=5000)
    assert panel.device_combo.currentText() == "Mic A (FakeAPI)"
    assert any("'Old headset (FakeAPI)' is not available" in m for m in messages)


def test_microphone_live_classification_and_spectrum(qtbot, fake_sd):
    panel, _ = make_panel(qtbot)
    panel.set_pipeline(StubPipeline())
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    assert panel.start_microphone()
    stream = fake_sd.last_stream
    timer = feeder(stream)  # the fake mic plays a 440 Hz sine
    qtbot.waitUntil(lambda: panel.last_prediction is not None, timeout=30000)
    assert panel.last_prediction.seconds <= 3.0  # answered on the first seconds, not a full window
    qtbot.waitUntil(lambda: len(panel.classification.history.items) >= 3, timeout=5000)
    timer.stop()
    p = panel.last_prediction
    assert p.probabilities.sum() == pytest.approx(1.0) and p.label == "low"
    assert panel.classification.top_label == "low"
    assert panel.classification.title.text().startswith("low")
    assert abs(panel.spectrum.peak_freq - 440) < 48000 / 4096
    assert np.argmax(panel.spectrogram.newest_column_db()) == np.argmin(
        np.abs(panel.spectrogram.row_freqs - 440)
    ) or abs(panel.spectrogram.row_freqs[np.argmax(panel.spectrogram.newest_column_db())] - 440) < 30
    panel.stop_microphone()
    assert not panel.classifier.running


def test_no_model_is_shown_without_a_pipeline(qtbot, fake_sd, tone_file):
    panel, _ = make_panel(qtbot)  # no default model of its own: the app's model comes through bind(state)
    assert panel.pipeline is None
    assert panel.classification.title.text() == "No model"
    load(qtbot, panel, tone_file)
    assert panel.classification.title.text() == "No model"

    class FeatureTableOnly(StubPipeline):
        feature_set = None

    panel.set_pipeline(FeatureTableOnly())
    assert panel.pipeline is None and "cannot classify sound" in panel.classification.detail.text()


def test_file_playback_follows_the_playhead(qtbot, fake_sd, tone_file):
    panel, _ = make_panel(qtbot, probe_devices=False)
    load(qtbot, panel, tone_file, play=True)
    stream = fake_sd.last_stream
    assert stream.kind == "output" and panel.player.state == "playing"
    for _ in range(8):
        stream.feed(1000)
    qtbot.wait(100)
    assert panel.seek_slider.value() > 0
    panel.pause()
    assert panel.play_button.text() == "Play" and panel.player.state == "paused"
    panel.seek_slider.setValue(2500)  # the user drags to 2.5 s
    assert panel.player.position_seconds == pytest.approx(2.5)
    assert panel.time_label.text() == "0:02 / 0:03"
    panel.stop_playback()
    assert panel.player.position == 0 and panel.player.state == "stopped"


def test_a_bad_file_is_reported_not_raised(qtbot, fake_sd, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    panel, messages = make_panel(qtbot, probe_devices=False)
    with qtbot.waitSignal(panel.file_failed, timeout=10000) as failed:
        assert panel.play_file(bad)  # loading started; the failure arrives later
    assert "broken.wav" in failed.args[0] and failed.args[0] == panel.error_text
    assert panel.message_label.isVisible() and messages[-1] == panel.error_text
    assert panel.player is None and panel.file_label.text() == "No file" and not panel.loading


def test_dropping_one_audio_file_loads_it_without_playing(qtbot, fake_sd, tone_file):
    panel, _ = make_panel(qtbot, probe_devices=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tone_file))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(panel.file_loaded, timeout=10000):
        panel.dropEvent(event)
    assert panel.player is not None and panel.player.name == "tone2k.wav"
    assert panel.player.state == "stopped"  # shown and classified; sound is the user's decision


def test_shutdown_is_idempotent_and_joins_everything(qtbot, fake_sd):
    panel, _ = make_panel(qtbot)
    panel.set_pipeline(StubPipeline())
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    panel.start_microphone()
    stream = fake_sd.last_stream
    panel.shutdown()
    panel.shutdown()
    assert stream.closed and not panel.display_timer.isActive()
    assert not panel.classifier._thread.isRunning()
    assert panel.start_microphone() is False and panel.play_file("x.wav") is False


# ------------------------------------------------------------------------ loading off the GUI thread
@pytest.fixture
def gated_decode(monkeypatch):
    """Decoding of files whose name contains ``"gated"`` blocks until ``release`` is set."""
    real = decoding.FilePlayer.from_file
    started, release = threading.Event(), threading.Event()
    threads = []

    def from_file(path, **kw):
        if "gated" in Path(path).name:
            threads.append(threading.current_thread())
            started.set()
            assert release.wait(20), "the test never released the decode"
        return real(path, **kw)

    monkeypatch.setattr(decoding.FilePlayer, "from_file", staticmethod(from_file))
    yield started, release, threads
    release.set()


@pytest.fixture
def gated_file(tmp_path, tone_file):
    path = tmp_path / "gated.wav"
    path.write_bytes(tone_file.read_bytes())
    return path


def test_play_file_returns_at_once_and_the_gui_keeps_running_while_decoding(
        qtbot, fake_sd, gated_decode, gated_file):
    started, release, threads = gated_decode
    panel, messages = make_panel(qtbot, probe_devices=False)
    t0 = time.monotonic()
    assert panel.play_file(gated_file)
    assert time.monotonic() - t0 < 5.0  # the decode is gated: a synchronous load would never return
    assert started.wait(5) and threads[0] is not threading.main_thread()
    assert panel.loading and panel.player is None
    assert panel.file_label.text() == "Loading gated.wav…" and messages[-1] == "Loading gated.wav…"
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    qtbot.wait(300)  # the decode is still blocked: the event loop must keep turning meanwhile
    timer.stop()
    assert len(ticks) >= 10 and not release.is_set() and panel.loading
    with qtbot.waitSignal(panel.file_loaded, timeout=10000) as loaded:
        release.set()
    assert loaded.args == [str(gated_file)]
    assert not panel.loading and panel.player.name == "gated.wav" and panel.player.state == "stopped"
    assert panel.file_label.text() == "gated.wav" and panel.spectrum.frames_drawn > 0
    assert any(m.startswith("Loaded gated.wav") for m in messages)


def test_a_newer_load_supersedes_one_still_decoding(qtbot, fake_sd, gated_decode, gated_file, tone_file):
    started, release, _ = gated_decode
    panel, _ = make_panel(qtbot, probe_devices=False)
    loaded = []
    panel.file_loaded.connect(loaded.append)
    assert panel.play_file(gated_file)
    assert started.wait(5)
    load(qtbot, panel, tone_file)  # finishes while the first one is still blocked
    assert panel.player.name == "tone2k.wav"
    first_player = panel.player
    release.set()  # the stale decode now finishes: its result must be dropped
    qtbot.waitUntil(lambda: panel.session.decoders.active_count == 0, timeout=10000)
    qtbot.wait(100)  # let its queued signals arrive
    assert loaded == [str(tone_file)]
    assert panel.player is first_player and panel.player.name == "tone2k.wav"
    assert panel.file_label.text() == "tone2k.wav" and not panel.loading


def test_a_bad_file_keeps_the_file_loaded_before(qtbot, fake_sd, tone_file, tmp_path):
    panel, messages = make_panel(qtbot, probe_devices=False)
    load(qtbot, panel, tone_file, play=True)
    player = panel.player
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    with qtbot.waitSignal(panel.file_failed, timeout=10000) as failed:
        assert panel.play_file(bad)
    assert "broken.wav" in failed.args[0] and panel.error_text == failed.args[0]
    assert failed.args[0] in messages and panel.message_label.isVisible()
    assert panel.player is player and player.state == "playing"
    assert panel.file_label.text() == "tone2k.wav" and panel.play_button.isEnabled()


def test_starting_the_microphone_drops_a_pending_load(qtbot, fake_sd, gated_decode, gated_file):
    started, release, _ = gated_decode
    panel, _ = make_panel(qtbot)
    qtbot.waitUntil(lambda: panel.mic_button.isEnabled(), timeout=5000)
    loaded = []
    panel.file_loaded.connect(loaded.append)
    assert panel.play_file(gated_file)
    assert started.wait(5)
    assert panel.start_microphone()
    assert not panel.loading and panel.file_label.text() == "No file"
    release.set()
    qtbot.waitUntil(lambda: panel.session.decoders.active_count == 0, timeout=10000)
    qtbot.wait(100)
    assert loaded == [] and panel.player is None and panel.mic.running


def test_shutdown_during_a_load_joins_the_decode_thread(qtbot, fake_sd, gated_decode, gated_file):
    started, release, _ = gated_decode
    panel, _ = make_panel(qtbot, probe_devices=False)
    outcomes = []
    panel.file_loaded.connect(outcomes.append)
    panel.file_failed.connect(outcomes.append)
    assert panel.play_file(gated_file)
    assert started.wait(5)
    threads = [t for t, _ in panel.session.decoders._running.values()]
    assert len(threads) == 1 and threads[0].isRunning()
    timer = threading.Timer(0.3, release.set)  # decoding cannot be interrupted: it ends on its own
    timer.start()
    t0 = time.monotonic()
    panel.shutdown()
    assert time.monotonic() - t0 >= 0.2  # it waited for the thread instead of abandoning it
    timer.join()
    assert threads[0].isFinished() and panel.session.decoders.active_count == 0
    qtbot.wait(100)  # late signals of the decode are ignored
    assert outcomes == [] and panel.player is None and panel.play_file(gated_file) is False
